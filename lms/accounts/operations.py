"""Account operations: the rules behind the accounts pages, commands and imports."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import AccountToken, User, normalise_email
from lms.accounts.tokens import issue_token
from lms.core.timezones import default_timezone_for_country
from lms.extensions import db
from lms.mail.operations import queue_email


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_or_create_user(
    *,
    email: str,
    name: str,
    country: str | None = None,
    timezone: str | None = None,
    organisation: str | None = None,
    job_title: str | None = None,
    locale: str | None = None,
) -> tuple[User, bool]:
    """The person with this email (any case), created when new.

    An existing person's details are not overwritten: they own their profile.
    """
    user = find_user_by_email(email)
    if user is not None:
        return user, False
    user = User(
        email=email,
        name=name.strip(),
        country=(country or None) and country.upper(),
        timezone=timezone or default_timezone_for_country(country) or "UTC",
        organisation=organisation or None,
        job_title=job_title or None,
        locale=locale or "en",
    )
    db.session.add(user)
    db.session.flush()
    return user, True


def absolute_url(endpoint: str, **values) -> str:
    """An address for an email: SITE_URL plus the route's path."""
    return current_app.config["SITE_URL"] + url_for(endpoint, _external=False, **values)


def send_invitation(user: User, invited_by: User | None, context_line: str | None = None) -> str:
    """Queue an invitation email with a single-use link to set a password.

    Returns the link's secret token (shown to nobody; tests and commands use it).
    """
    lifetime = timedelta(hours=current_app.config["INVITATION_TTL_HOURS"])
    secret = issue_token(user, AccountToken.INVITATION, lifetime, created_by=invited_by)
    queue_email(
        user.email,
        _("You are invited to the learning platform"),
        "mail/invitation.txt",
        user=user,
        invited_by=invited_by,
        context_line=context_line,
        link=absolute_url("accounts.accept_invitation", token=secret),
        valid_days=max(1, lifetime.days),
    )
    return secret


def invite_user(
    *,
    email: str,
    name: str,
    invited_by: User | None,
    country: str | None = None,
    timezone: str | None = None,
    organisation: str | None = None,
    job_title: str | None = None,
    context_line: str | None = None,
) -> tuple[User, bool]:
    """Create the person if new and email them an invitation when they have
    not set a password yet. Returns (user, invitation_sent)."""
    user, _created = get_or_create_user(
        email=email,
        name=name,
        country=country,
        timezone=timezone,
        organisation=organisation,
        job_title=job_title,
    )
    if user.has_accepted_invitation:
        return user, False
    send_invitation(user, invited_by, context_line)
    return user, True
