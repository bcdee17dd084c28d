"""Queueing and delivering email through the outbox."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import current_app, g, render_template
from sqlalchemy import or_, select, update

from lms.core.database import utcnow
from lms.extensions import db
from lms.mail.models import OutboxMessage
from lms.mail.senders import get_sender

log = logging.getLogger(__name__)

# With the back-off below (1, 2, 4 … minutes, then every six hours), 20 attempts keep a message
# trying for about three days: a mail server down over a weekend loses nothing. After that it
# waits in the outbox until ``flask lms send-mail --retry-failed``.
MAX_ATTEMPTS = 20
CLAIM_TIMEOUT = timedelta(minutes=10)


def queue_email(to_address: str, subject: str, template: str, **context) -> OutboxMessage:
    """Add a message to the outbox in the current transaction.

    The message is sent after the transaction commits (at the end of the
    request, or by ``flask lms send-mail``); if the mail server is down it
    stays in the outbox and is retried with back-off.
    """
    body = render_template(template, **context)
    message = OutboxMessage(to_address=to_address, subject=subject, body_text=body)
    db.session.add(message)
    try:
        g.setdefault("queued_mail", True)
    except RuntimeError:  # outside an app context
        pass
    return message


def _claim(message_id: int) -> bool:
    """Atomically mark a message as being sent; False when another sender has it."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_pending(limit: int = 100) -> tuple[int, int]:
    """Send what is due; returns (sent, failed)."""
    now = utcnow()
    due_ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sender = get_sender(current_app)
    sent = failed = 0
    for message_id in due_ids:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        message.attempts += 1
        try:
            sender.send(message, current_app.config["MAIL_DEFAULT_SENDER"])
        except Exception as error:  # the server is down, refused, timed out…
            log.warning("Sending outbox message %s failed: %s", message_id, error)
            message.last_error = str(error)[:2000]
            message.claimed_at = None
            # Back off: 1, 2, 4 … minutes, at most six hours.
            message.next_attempt_at = utcnow() + timedelta(minutes=min(2 ** (message.attempts - 1), 360))
            failed += 1
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def given_up_count() -> int:
    """Messages that failed ``MAX_ATTEMPTS`` times and wait for ``retry_given_up``."""
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS
        )
    ) or 0


def retry_given_up() -> int:
    """Give every message that was given up a fresh set of attempts, due now; returns how many."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS)
        .values(attempts=0, next_attempt_at=utcnow(), claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def _deliver_safely() -> None:
    try:
        deliver_pending()
    except Exception:  # never let mail break a response
        log.exception("Delivering queued mail failed; it stays in the outbox")
        db.session.rollback()


def _deliver_in_background(app) -> None:
    with app.app_context():
        _deliver_safely()
        db.session.remove()


def register_request_delivery(app) -> None:
    """Deliver what a request queued once that request has committed.

    In the served app this runs in the background, so the response does not
    wait for the mail server (and its timing reveals nothing, e.g. whether a
    password-reset address has an account). Tests deliver inline.

    A ``threading.Thread``: under gunicorn's gevent worker ``threading`` is
    monkey-patched and it is a greenlet; under ``flask run`` (no gevent hub
    running) it is a real thread. A greenlet spawned there would never run,
    and the mail would wait for the next ``flask lms send-mail``.
    """

    @app.teardown_request
    def _deliver_queued_mail(error):
        if error is not None or not g.get("queued_mail"):
            return
        # Anything the view left uncommitted was meant to be discarded: do not send it.
        db.session.rollback()
        if app.config.get("MAIL_DELIVER_IN_BACKGROUND", True):
            threading.Thread(target=_deliver_in_background, args=(app,), name="lms-mail", daemon=True).start()
        else:
            _deliver_safely()
