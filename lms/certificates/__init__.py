"""Certificates of completion: issued as PDF, verified by a public code, revocable."""
