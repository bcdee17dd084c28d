"""Exports of a program's progress, grades, attendance, eligibility and readiness (CSV, XLSX, command line)."""
