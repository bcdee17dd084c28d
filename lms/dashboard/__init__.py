"""The program dashboard and what keeps it fast: a stored summary of each participant's standing."""
