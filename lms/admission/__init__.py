"""Admission to the offline phase: rules, each participant's eligibility, and the office's decisions."""
