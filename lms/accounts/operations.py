"""Account operations: the rules behind the accounts pages, commands and imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts import throttle
from lms.accounts.models import AccountToken, User, normalise_email
from lms.accounts.passwords import hash_password, needs_rehash, verify_password
from lms.accounts.tokens import consume_token, issue_token
from lms.core.database import utcnow
from lms.core.timezones import default_timezone_for_country
from lms.extensions import db
from lms.mail.operations import queue_email


class TooManyAttempts(Exception):
    """Too many failed logins for this account or from this address."""

    def __init__(self, minutes: int):
        super().__init__(f"try again in {minutes} minutes")
        self.minutes = minutes


class LinkAlreadyUsed(Exception):
    """Another request used this single-use link first."""


def validated_email(value: str) -> str:
    """The address normalised, or ``EmailNotValidError``. Syntax only (no DNS
    look-ups); ``.test`` domains are accepted for demos and tests."""
    from email_validator import validate_email

    return validate_email((value or "").strip(), check_deliverability=False, test_environment=True).normalized


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
    """An address for an email: SITE_URL plus the route's path (also from the command line, outside a request)."""
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, _external=False, **values)
    return current_app.config["SITE_URL"] + path


def send_invitation(user: User, invited_by: User | None, context_line: str | None = None) -> str:
    """Queue an invitation email with a single-use link to set a password.

    Returns the link's secret token (shown to nobody; tests and commands use it).
    """
    lifetime = timedelta(hours=current_app.config["INVITATION_TTL_HOURS"])
    secret = issue_token(user, AccountToken.INVITATION, lifetime, created_by=invited_by)
    # The email is written in the language of the person who receives it.
    with force_locale(user.locale or "en"):
        queue_email(
            user.email,
            _("You are invited to the learning platform"),
            "mail/invitation.txt",
            user=user,
            invited_by=invited_by,
            context_line=context_line,
            link=absolute_url("accounts.accept_invitation", token=secret),
            valid_days=max(1, lifetime.days),
            site_url=current_app.config["SITE_URL"],
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


# Signing in -------------------------------------------------------------


def authenticate(email: str, password: str, ip_address: str) -> User | None:
    """The person if this email and password open an active account, else None.

    Refuses with ``TooManyAttempts`` before looking at the password when the
    account or the address has failed too often. Every attempt is recorded.
    """
    wait = throttle.login_wait_minutes(email, ip_address)
    if wait is not None:
        raise TooManyAttempts(wait)
    user = find_user_by_email(email)
    # verify_password spends the same time whether or not the account exists.
    succeeded = verify_password(user.password_hash if user else None, password)
    succeeded = succeeded and user is not None and user.is_active
    if not succeeded:
        throttle.record_attempt(email, ip_address, False)
        return None
    record_sign_in(user, ip_address)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_sign_in(user: User, ip_address: str) -> None:
    """A successful sign-in (password, invitation or reset link): earlier
    failures no longer count against the account."""
    throttle.record_attempt(user.email, ip_address, True)
    user.last_login_at = utcnow()


def check_current_password(user: User, password: str, ip_address: str) -> bool:
    """Whether ``password`` is the signed-in person's; wrong guesses count
    towards the same limits as failed logins."""
    wait = throttle.login_wait_minutes(user.email, ip_address)
    if wait is not None:
        raise TooManyAttempts(wait)
    ok = verify_password(user.password_hash, password)
    if not ok:
        throttle.record_attempt(user.email, ip_address, False)
    return ok


# Passwords and sessions --------------------------------------------------


def set_password(user: User, password: str) -> None:
    """Store a new password; every session and remember-me cookie of the
    person ends (the caller signs the current one in again)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)


def end_all_sessions(user: User) -> None:
    """Sessions carry the session version: bumping it ends all of them."""
    user.session_version = (user.session_version or 1) + 1


def accept_invitation(token: AccountToken, password: str, timezone: str, locale: str, ip_address: str) -> User:
    """The invited person chooses a password: their account and their invited
    enrolments become active. Raises ``LinkAlreadyUsed`` when the link was used
    by another request in the meantime."""
    from lms.enrolment.operations import activate_invited_enrolments

    if not consume_token(token):
        raise LinkAlreadyUsed()
    user = token.user
    set_password(user, password)
    user.timezone = timezone
    user.locale = locale
    activate_invited_enrolments(user)
    record_sign_in(user, ip_address)
    return user


def request_password_reset(email: str) -> bool:
    """Email a reset link when the address belongs to an active account (and
    it has not asked too often). The caller shows the same message whatever
    happens, so that nobody learns which addresses have accounts."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or not throttle.password_reset_allowed(user):
        return False
    minutes = current_app.config["PASSWORD_RESET_TTL_MINUTES"]
    secret = issue_token(user, AccountToken.PASSWORD_RESET, timedelta(minutes=minutes))
    with force_locale(user.locale or "en"):
        queue_email(
            user.email,
            _("Reset your password"),
            "mail/password_reset.txt",
            user=user,
            link=absolute_url("accounts.reset_password", token=secret),
            minutes=minutes,
            forgot_link=absolute_url("accounts.forgot_password"),
        )
    return True


def reset_password(token: AccountToken, password: str, ip_address: str) -> User:
    """Set the password chosen through a reset link (raises ``LinkAlreadyUsed``)."""
    if not consume_token(token):
        raise LinkAlreadyUsed()
    user = token.user
    set_password(user, password)
    record_sign_in(user, ip_address)
    return user


# Profile -----------------------------------------------------------------


def update_profile(user: User, *, name: str, country: str | None, timezone: str, organisation: str | None,
                   job_title: str | None, locale: str) -> None:
    user.name = name
    user.country = country.upper() if country else None
    user.timezone = timezone
    user.organisation = organisation
    user.job_title = job_title
    user.locale = locale


@dataclass
class Roles:
    """What a person is on the platform, for their profile page."""

    is_coordinator: bool
    modules: list = field(default_factory=list)  # modules they train
    enrolments: list = field(default_factory=list)  # programs they take part in

    @property
    def is_empty(self) -> bool:
        return not (self.is_coordinator or self.modules or self.enrolments)


def roles_of(user: User) -> Roles:
    """Their roles in three queries, however many modules and programs."""
    from lms.enrolment.models import Enrolment
    from lms.programs.models import Module, ModuleTrainer, Program, Track

    modules = db.session.scalars(
        select(Module)
        .join(ModuleTrainer, ModuleTrainer.module_id == Module.id)
        .join(Track, Track.id == Module.track_id)
        .join(Program, Program.id == Track.program_id)
        .where(ModuleTrainer.user_id == user.id, Module.archived_at.is_(None), Program.archived_at.is_(None))
        .options(joinedload(Module.track).joinedload(Track.program))
        .order_by(Program.year.desc(), Program.name, Module.title)
    ).all()
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Program, Program.id == Enrolment.program_id)
        .where(Enrolment.user_id == user.id, Program.archived_at.is_(None))
        .options(joinedload(Enrolment.program), joinedload(Enrolment.track), joinedload(Enrolment.module))
        .order_by(Program.year.desc(), Program.name)
    ).all()
    return Roles(is_coordinator=user.is_coordinator, modules=list(modules), enrolments=list(enrolments))


# Commands ----------------------------------------------------------------


def make_coordinator(*, email: str, name: str) -> tuple[User, bool, str | None]:
    """Create or promote a coordinator. Returns (user, created, invitation
    secret or None when they already have a password)."""
    user, created = get_or_create_user(email=email, name=name)
    user.is_coordinator = True
    if user.deactivated_at is not None:
        user.deactivated_at = None
    secret = None
    if not user.has_accepted_invitation:
        secret = send_invitation(user, invited_by=None, context_line=_("You will manage programs as a coordinator."))
    return user, created, secret
