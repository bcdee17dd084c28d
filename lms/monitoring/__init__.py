"""Coordinators' view of a cohort: the participant page with its timeline, the at-risk list (and, next,
the program dashboard)."""
