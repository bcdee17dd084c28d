"""Rate limits: failed logins per account and per address, password-reset emails per account.

Counts come from the database (``LoginAttempt``, ``AccountToken``) so that
every server process sees the same numbers.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from lms.accounts.models import AccountToken, LoginAttempt, User, normalise_email
from lms.core.database import utcnow
from lms.extensions import db

# Attempts older than this are of no use to any limit and are pruned now and then.
KEEP_ATTEMPTS = timedelta(days=1)
PRUNE_PROBABILITY = 0.05

MAX_RESET_EMAILS_PER_HOUR = 3


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _minutes_until(instant: datetime, now: datetime) -> int:
    return max(1, math.ceil((instant - now).total_seconds() / 60))


def _wait_for(conditions, limit: int, since: datetime, now: datetime) -> int | None:
    """Minutes until fewer than ``limit`` failures matching ``conditions`` remain
    in the window, or None when under the limit already.

    The block lifts when the ``limit``-th most recent failure leaves the window.
    """
    if limit <= 0:
        return None
    oldest_that_counts = db.session.scalar(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since, *conditions)
        .order_by(LoginAttempt.attempted_at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if oldest_that_counts is None:
        return None
    return _minutes_until(oldest_that_counts + _window(), now)


def login_wait_minutes(email: str, ip_address: str) -> int | None:
    """How many minutes a login for this account from this address must wait,
    or None when it may go ahead.

    Per account, failures before the account's last successful login do not
    count (the person proved they know the password since).
    """
    config = current_app.config
    now = utcnow()
    window_start = now - _window()
    email = normalise_email(email)

    last_success = db.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(True)
        )
    )
    account_since = max(window_start, last_success) if last_success else window_start
    waits = [
        _wait_for([LoginAttempt.email == email], config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], account_since, now),
        _wait_for(
            [LoginAttempt.ip_address == ip_address], config["LOGIN_MAX_FAILURES_PER_ADDRESS"], window_start, now
        ),
    ]
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


def record_attempt(email: str, ip_address: str, succeeded: bool) -> None:
    """Remember a login attempt (in the current transaction)."""
    db.session.add(
        LoginAttempt(
            email=normalise_email(email)[:254],
            ip_address=(ip_address or "unknown")[:45],
            succeeded=succeeded,
        )
    )
    if random.random() < PRUNE_PROBABILITY:
        prune_old_attempts()


def prune_old_attempts() -> int:
    """Delete attempts too old to matter for any limit; returns how many."""
    keep = max(KEEP_ATTEMPTS, _window())
    result = db.session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.attempted_at < utcnow() - keep)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def password_reset_allowed(user: User) -> bool:
    """At most a few reset emails per account per hour, so that nobody can
    flood a mailbox through the "forgot password" form."""
    recent = db.session.scalar(
        select(func.count(AccountToken.id)).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == AccountToken.PASSWORD_RESET,
            AccountToken.created_at > utcnow() - timedelta(hours=1),
        )
    )
    return recent < MAX_RESET_EMAILS_PER_HOUR
