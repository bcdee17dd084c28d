"""Notifying people (in-app and by email, by their preferences) and reading notifications."""

from __future__ import annotations

from sqlalchemy import func, select, update

from lms.core.database import utcnow
from lms.extensions import db
from lms.notifications.models import Notification


def notify(user, kind: str, title: str, body: str | None = None, link: str | None = None, *,
           email_template: str | None = None, **email_context) -> Notification:
    """Tell someone something: always in-app, and by email as they chose for ``kind``.

    ``kind`` must be in ``lms.notifications.kinds``. ``link`` is a path inside
    the site. The email (sent now, or in the daily digest, or not at all, by the
    person's preference) uses ``email_template`` with ``email_context`` (plus
    user, title, body, link as an absolute address, site_url), else
    mail/notification.txt; its subject is the title. Flushes nothing: the
    caller's transaction carries the notification and its email.
    """
    from lms.notifications.delivery import deliver

    return deliver(user, kind, title, body, link, email_template=email_template, email_context=email_context)


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def mark_read(user, notification_ids=None) -> int:
    """Mark some (or all) of the user's notifications read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.where(Notification.id.in_(list(notification_ids)))
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


NOTIFICATIONS_PER_PAGE = 30


def unread_count_for_viewer() -> int:
    """The signed-in person's unread count for the header (one query; 0 and no query when signed out).

    Called once per page by templates/base.html. A page rendered while the
    database is failing (an error page) shows no count rather than failing again.
    """
    from flask_login import current_user
    from sqlalchemy.exc import SQLAlchemyError

    if not current_user or not current_user.is_authenticated:
        return 0
    try:
        return unread_count(current_user)
    except SQLAlchemyError:
        return 0


def notifications_page(user, page: int = 1):
    """One page of the person's notifications, newest first (a count and a select, whatever the length)."""
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return db.paginate(query, page=page, per_page=NOTIFICATIONS_PER_PAGE, error_out=False, count=True)


def is_internal_link(link: str | None) -> bool:
    """A path inside the site: starts with one "/" (not "//", not "/\\"), no scheme, no control characters."""
    if not link or not link.startswith("/") or link.startswith("//") or link.startswith("/\\"):
        return False
    return not any(ord(char) < 32 or char == "\\" for char in link)


def open_notification(notification: Notification) -> str | None:
    """Mark a notification read; returns its link when it is a safe site-internal path."""
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification.link if is_internal_link(notification.link) else None


# --------------------------------------------------------------------------
# Preferences
# --------------------------------------------------------------------------


def roles_of(user) -> set[str]:
    """participant (enrolled in a program), trainer (of a module), coordinator; two queries at most."""
    from sqlalchemy import exists

    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.notifications import kinds
    from lms.programs.models import ModuleTrainer

    roles = set()
    if user.is_coordinator:
        roles.add(kinds.COORDINATOR)
    if db.session.scalar(select(exists().where(ModuleTrainer.user_id == user.id))):
        roles.add(kinds.TRAINER)
    if db.session.scalar(select(exists().where(
            Enrolment.user_id == user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN.value))):
        roles.add(kinds.PARTICIPANT)
    return roles


def preference_kinds(user) -> list:
    """The kinds shown on a person's preferences page: those of their roles (everyone's when they have none)."""
    from lms.notifications import kinds

    roles = roles_of(user) or {kinds.PARTICIPANT, kinds.TRAINER, kinds.COORDINATOR}
    return kinds.kinds_for_roles(roles)


def current_modes(user, kind_keys) -> dict[str, str]:
    """{kind: mode} for the person, their choices or the defaults; one query."""
    from lms.notifications.delivery import modes_for

    return {kind: mode for (_user_id, kind), mode in modes_for([user], kind_keys).items()}


def save_preferences(user, modes: dict[str, str]) -> int:
    """Store the person's choice for each kind (one row per kind); returns how many changed."""
    from lms.notifications import kinds
    from lms.notifications.models import NotificationPreference

    from lms.notifications.delivery import PRELOADED

    db.session.info.pop(PRELOADED, None)  # choices loaded earlier are stale now
    rows = {row.kind: row for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    changed = 0
    for kind, mode in modes.items():
        if kinds.get_kind(kind) is None or mode not in kinds.MODES:
            raise ValueError(f"bad preference {kind!r}: {mode!r}")
        row = rows.get(kind)
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
            changed += mode != kinds.default_mode(kind, user)
        elif row.mode != mode:
            row.mode = mode
            changed += 1
    db.session.flush()
    return changed
