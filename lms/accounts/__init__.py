"""People and their accounts: invitations, login, password reset, profile."""
