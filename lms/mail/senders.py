"""Where outbox messages go: SMTP in production, the log in development, memory in tests."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger("lms.mail")


class LogSender:
    """Development: write the whole message to the log, links included."""

    def send(self, message, from_address: str) -> None:
        log.info(
            "EMAIL to %s\nSubject: %s\n\n%s", message.to_address, message.subject, message.body_text
        )


class MemorySender:
    """Tests: keep sent messages in a list."""

    def __init__(self):
        self.sent = []
        self.fail_with: Exception | None = None

    def send(self, message, from_address: str) -> None:
        if self.fail_with:
            raise self.fail_with
        self.sent.append({"to": message.to_address, "subject": message.subject, "body": message.body_text})


class SMTPSender:
    def __init__(self, config):
        self.config = config

    def send(self, message, from_address: str) -> None:
        config = self.config
        email = EmailMessage()
        email["From"] = from_address
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Message-ID"] = f"<outbox-{message.id}@{from_address.rsplit('@', 1)[-1].strip('> ')}>"
        email.set_content(message.body_text)
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)


def get_sender(app):
    """One sender per app, chosen by MAIL_BACKEND."""
    sender = app.extensions.get("lms_mail_sender")
    if sender is None:
        backend = app.config["MAIL_BACKEND"]
        if backend == "smtp":
            sender = SMTPSender(app.config)
        elif backend == "memory":
            sender = MemorySender()
        elif backend == "log":
            sender = LogSender()
        else:
            raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
        app.extensions["lms_mail_sender"] = sender
    return sender
