"""Final outputs and presentations, and the program's showcase."""
