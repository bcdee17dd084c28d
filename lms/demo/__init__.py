"""The demo data: the two 2024 CPI programs with invented people."""
