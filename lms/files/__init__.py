"""Uploaded files: stored under random names outside static/, served only to people allowed to see them."""
