"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so that unknown accounts are not revealed.
        _hasher().hash(password or "x")
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """About 20,000 common passwords (the list Django ships, BSD licence)."""
    data = resources.files("lms.accounts").joinpath("data", "common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list[str]:
    """What is wrong with a new password, as messages to show next to the field."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    lowered = password.strip().lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        problems.append(_("This password is too common; choose one that is harder to guess."))
    personal = [part for part in ((email or "").split("@")[0], *(name or "").split()) if len(part) >= 4]
    if any(part.lower() in lowered for part in personal) and len(lowered) < 16:
        problems.append(_("Do not build the password from your name or email address."))
    return problems
