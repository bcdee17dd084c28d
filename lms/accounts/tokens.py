"""Single-use, expiring link tokens for invitations and password resets."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from lms.accounts.models import AccountToken, User
from lms.core.database import utcnow
from lms.extensions import db


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User, purpose: str, lifetime: timedelta, created_by: User | None = None) -> str:
    """Create a token and return its secret (only its hash is stored).

    Earlier unused tokens of the same purpose stop working: only the newest
    link in a person's mailbox is valid.
    """
    now = utcnow()
    if user.id is not None:
        db.session.execute(
            update(AccountToken)
            .where(
                AccountToken.user_id == user.id,
                AccountToken.purpose == purpose,
                AccountToken.used_at.is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
    secret = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=_digest(secret),
            expires_at=now + lifetime,
            created_by=created_by,
        )
    )
    return secret


# What ``lookup_token`` found, so that pages can explain why a link does not work.
VALID = "valid"
UNKNOWN = "unknown"
USED = "used"
EXPIRED = "expired"


def lookup_token(secret: str, purpose: str) -> tuple[AccountToken | None, str]:
    """The token with this secret and purpose, and its state: VALID, UNKNOWN,
    USED (or replaced by a newer link) or EXPIRED."""
    if not secret or len(secret) > 200:
        return None, UNKNOWN
    token = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == _digest(secret)))
    if token is None or token.purpose != purpose:
        return None, UNKNOWN
    if token.used_at is not None:
        return token, USED
    if token.expires_at <= utcnow():
        return token, EXPIRED
    return token, VALID


def find_valid_token(secret: str, purpose: str) -> AccountToken | None:
    """The token if it exists, has this purpose, is unused and has not expired."""
    token, state = lookup_token(secret, purpose)
    return token if state == VALID else None


def consume_token(token: AccountToken) -> bool:
    """Mark a token used; False if another request used it first (it works once)."""
    result = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
