"""Outgoing email: an outbox table and senders, so nothing is lost while a mail server is down."""
