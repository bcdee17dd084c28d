"""The outbox: queueing, delivery, retries with back-off, no double sending, the send-mail command."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.database import utcnow
from lms.extensions import db as _db
from lms.mail.models import OutboxMessage
from lms.mail.operations import CLAIM_TIMEOUT, MAX_ATTEMPTS, deliver_pending, queue_email
from lms.mail.senders import LogSender, MemorySender, SMTPSender, get_sender
from tests import factories


class Recipient:
    name = "Sam"


def queue(to="someone@example.test", subject="Hello"):
    return queue_email(to, subject, "mail/password_reset.txt", user=Recipient(), link="http://localhost/x",
                       minutes=60, forgot_link="http://localhost/password/forgot")


def test_queue_then_deliver_with_memory_sender(app, db, outbox):
    message = queue()
    db.session.commit()
    assert outbox == []  # queued, not sent
    assert message.sent_at is None
    assert deliver_pending() == (1, 0)
    assert outbox == [{"to": "someone@example.test", "subject": "Hello", "body": message.body_text}]
    assert "Hello Sam," in message.body_text and "http://localhost/x" in message.body_text
    stored = db.session.scalars(select(OutboxMessage)).one()
    assert stored.sent_at is not None and stored.attempts == 1 and stored.last_error is None


def test_failed_delivery_keeps_message_queued_with_back_off(app, db, outbox):
    sender = get_sender(app)
    sender.fail_with = smtplib.SMTPServerDisconnected("mail server down")
    queue()
    db.session.commit()

    assert deliver_pending() == (0, 1)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1 and message.claimed_at is None
    assert "mail server down" in message.last_error
    first_wait = message.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)

    assert deliver_pending() == (0, 0)  # not due yet: no hammering of a server that is down

    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == (0, 1)
    assert message.attempts == 2
    assert message.next_attempt_at - utcnow() > timedelta(minutes=1, seconds=50)  # the wait doubles

    sender.fail_with = None
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_pending() == (1, 0)
    assert len(outbox) == 1 and message.sent_at is not None and message.last_error is None


def test_two_delivery_runs_do_not_send_twice(app, db, outbox):
    for n in range(3):
        queue(to=f"p{n}@example.test")
    db.session.commit()
    assert deliver_pending() == (3, 0)
    assert deliver_pending() == (0, 0)
    assert sorted(m["to"] for m in outbox) == ["p0@example.test", "p1@example.test", "p2@example.test"]


def test_message_claimed_by_another_sender_is_left_alone_until_the_claim_is_stale(app, db, outbox):
    message = queue()
    db.session.commit()
    message.claimed_at = utcnow()  # another process is sending it right now
    db.session.commit()
    assert deliver_pending() == (0, 0)
    assert outbox == []
    message.claimed_at = utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)  # that process died
    db.session.commit()
    assert deliver_pending() == (1, 0)
    assert len(outbox) == 1


def test_message_is_given_up_after_max_attempts(app, db, outbox):
    message = queue()
    message.attempts = MAX_ATTEMPTS
    db.session.commit()
    assert deliver_pending() == (0, 0)
    assert outbox == []


def test_request_level_delivery_sends_invitation_mail_after_commit(make_app):
    other = make_app("testing")

    from lms.accounts.operations import invite_user

    @other.post("/_test/invite/<int:commit>")
    def _invite(commit):
        invite_user(email="new.person@example.test", name="New Person", invited_by=None)
        if commit:
            _db.session.commit()
        return "ok"

    other.config["WTF_CSRF_ENABLED"] = False
    sent = get_sender(other).sent
    client = other.test_client()

    assert client.post("/_test/invite/0").status_code == 200
    assert sent == []  # uncommitted work is dropped, and so is its mail

    assert client.post("/_test/invite/1").status_code == 200
    assert [m["to"] for m in sent] == ["new.person@example.test"]
    assert sent[0]["subject"] == "You are invited to the learning platform"
    assert "http://localhost/invitation/" in sent[0]["body"]
    with other.app_context():
        stored = _db.session.scalars(select(OutboxMessage)).one()
        assert stored.sent_at is not None


def test_request_level_delivery_failure_does_not_break_the_response(client, app, db, outbox):
    factories.make_user(email="lucia@example.test")
    db.session.commit()
    get_sender(app).fail_with = ConnectionRefusedError("no server")
    from tests.helpers import post_form

    response = post_form(client, "/password/forgot", {"email": "lucia@example.test"})
    assert response.status_code == 302
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1  # kept for the next run


def test_send_mail_command(app, db, outbox):
    queue(to="a@example.test")
    queue(to="b@example.test")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0" in result.output
    assert sorted(m["to"] for m in outbox) == ["a@example.test", "b@example.test"]
    again = app.test_cli_runner().invoke(args=["lms", "send-mail"])
    assert "sent 0, failed 0" in again.output
    assert len(outbox) == 2


def test_sender_is_chosen_by_config(app):
    assert isinstance(get_sender(app), MemorySender)
    with pytest.raises(ValueError):
        get_sender(type("FakeApp", (), {"extensions": {}, "config": {"MAIL_BACKEND": "pigeon"}})())


def test_log_sender_writes_the_whole_message(caplog):
    message = OutboxMessage(to_address="x@example.test", subject="Subject line", body_text="Open http://link")
    with caplog.at_level(logging.INFO, logger="lms.mail"):
        LogSender().send(message, "LMS <no-reply@lms.local>")
    assert "x@example.test" in caplog.text and "Subject line" in caplog.text and "http://link" in caplog.text


def test_smtp_sender_uses_configured_server(monkeypatch):
    sessions = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            self.calls = [("connect", host, port, timeout)]
            sessions.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            self.calls.append(("starttls",))

        def login(self, user, password):
            self.calls.append(("login", user, password))

        def send_message(self, email):
            self.calls.append(("send", email["From"], email["To"], email["Subject"], email.get_content()))

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    config = {"MAIL_USE_SSL": False, "MAIL_USE_TLS": True, "MAIL_SERVER": "smtp.example.test", "MAIL_PORT": 587,
              "MAIL_TIMEOUT": 10, "MAIL_USERNAME": "lms", "MAIL_PASSWORD": "secret"}
    message = OutboxMessage(id=7, to_address="x@example.test", subject="Hi", body_text="Body text")
    SMTPSender(config).send(message, "LMS <no-reply@lms.example>")
    calls = sessions[0].calls
    assert calls[0] == ("connect", "smtp.example.test", 587, 10)
    assert ("starttls",) in calls and ("login", "lms", "secret") in calls
    assert calls[-1][:4] == ("send", "LMS <no-reply@lms.example>", "x@example.test", "Hi")
    assert calls[-1][4].strip() == "Body text"


def test_background_delivery_runs_in_a_thread_whatever_the_socketio_mode(app, client, world, outbox, monkeypatch):
    """``flask run`` with the gevent async mode has no running hub: a greenlet spawned through
    Socket.IO never runs there. Delivery must not depend on it."""
    import time

    from lms.extensions import socketio
    from tests.helpers import post_form

    monkeypatch.setattr(socketio, "start_background_task", lambda *args, **kwargs: None)
    monkeypatch.setitem(app.config, "MAIL_DELIVER_IN_BACKGROUND", True)
    response = post_form(client, "/password/forgot", {"email": world.participant.email})
    assert response.status_code == 302
    deadline = time.monotonic() + 5
    while not outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [message["to"] for message in outbox] == [world.participant.email]


def test_a_mail_server_down_over_a_weekend_loses_nothing():
    """The back-off keeps a message trying for more than two days before it is given up."""
    waits = [min(2 ** (attempt - 1), 360) for attempt in range(1, MAX_ATTEMPTS)]
    assert timedelta(minutes=sum(waits)) > timedelta(days=2, hours=12)


def test_given_up_messages_wait_in_the_outbox_until_retried(app, db, outbox):
    message = queue(to="late@example.test")
    message.attempts = MAX_ATTEMPTS
    message.last_error = "mail server down"
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["lms", "send-mail"])
    assert "sent 0, failed 0; 1 given up" in result.output and "--retry-failed" in result.output
    assert outbox == []

    result = app.test_cli_runner().invoke(args=["lms", "send-mail", "--retry-failed"])
    assert result.exit_code == 0, result.output
    assert "retrying 1 messages" in result.output and "sent 1, failed 0" in result.output
    assert "given up" not in result.output.split("\n", 1)[1]
    assert [m["to"] for m in outbox] == ["late@example.test"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
