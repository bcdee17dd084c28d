"""Who takes part in what: enrolments of participants, invitations, CSV import."""
