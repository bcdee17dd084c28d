"""Assignments, submissions (every version kept) and grading with rubrics."""
