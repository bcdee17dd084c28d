"""The one way a notification reaches a person: in-app always, then email by their preference.

``deliver`` (behind ``operations.notify``) creates the in-app notification and
applies the person's choice for its kind: "immediately" queues the email now
(in the person's language), "digest" leaves it for the daily digest
(``send_notification_digests``), "off" keeps it in-app only. The email's
status is recorded on the notification (``email_status``/``emailed_at``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from lms.core.database import utcnow
from lms.extensions import db
from lms.notifications import kinds
from lms.notifications.models import Notification, NotificationPreference

log = logging.getLogger(__name__)

GENERIC_TEMPLATE = "mail/notification.txt"

# Notification.email_status values
SENT = "sent"
DIGEST = "digest"
DIGESTED = "digested"
OFF = "off"


def check_kind(kind: str) -> None:
    """A kind missing from the registry: an error in testing, a warning in production."""
    if kinds.get_kind(kind) is not None:
        return
    if current_app.testing:
        raise kinds.UnknownKind(f"unknown notification kind {kind!r}: add it to lms/notifications/kinds.py")
    log.warning("Notification kind %r is not in lms/notifications/kinds.py; emailed immediately", kind)


PRELOADED = "notification_modes"  # key in db.session.info


def preload_modes(users: Iterable, kind_keys: Iterable[str]) -> None:
    """Load many people's choices at once before notifying them one by one (one query instead of one each).

    Kept on the current session (an app context's): a request that notifies a
    whole audience calls it first.
    """
    db.session.info.setdefault(PRELOADED, {}).update(modes_for(users, kind_keys))


def forget_preloaded(session, *_args) -> None:
    """Preloaded choices last one transaction: a long-lived session (the scheduler's) never reuses old ones."""
    session.info.pop(PRELOADED, None)


def register_session_hooks() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    for name in ("after_commit", "after_rollback"):
        if not event.contains(Session, name, forget_preloaded):
            event.listen(Session, name, forget_preloaded)


def mode_for(user, kind: str) -> str:
    """The person's choice for a kind, else the kind's default; one query (none when preloaded)."""
    preloaded = db.session.info.get(PRELOADED)
    if preloaded and (user.id, kind) in preloaded:
        return preloaded[(user.id, kind)]
    mode = db.session.scalar(select(NotificationPreference.mode).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return mode if mode in kinds.MODES else kinds.default_mode(kind, user)


def modes_for(users: Iterable, kind_keys: Iterable[str]) -> dict[tuple[int, str], str]:
    """{(user_id, kind): mode} for many people and kinds, defaults filled in; one query."""
    users = {user.id: user for user in users}
    kind_keys = list(set(kind_keys))
    modes = {(user_id, key): kinds.default_mode(key, user) for user_id, user in users.items() for key in kind_keys}
    if not users or not kind_keys:
        return modes
    for user_id, key, mode in db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.mode)
        .where(NotificationPreference.user_id.in_(list(users)), NotificationPreference.kind.in_(kind_keys))
    ):
        if mode in kinds.MODES:
            modes[(user_id, key)] = mode
    return modes


def absolute_link(link: str | None) -> str | None:
    """The site's address of a notification's link (a path inside the site), for an email."""
    from lms.notifications.operations import is_internal_link

    if not link:
        return None
    if is_internal_link(link):
        return current_app.config["SITE_URL"] + link
    return None


def site_path(endpoint: str, **values) -> str:
    """A route's path inside the site, inside or outside a request (the scheduler, cron)."""
    return current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)


def site_address(endpoint: str, **values) -> str:
    """SITE_URL plus a route's path, for an email."""
    return current_app.config["SITE_URL"] + site_path(endpoint, **values)


def can_email(user) -> bool:
    return bool(getattr(user, "email", None)) and getattr(user, "deactivated_at", None) is None


def deliver(user, kind: str, title: str, body: str | None = None, link: str | None = None, *,
            email_template: str | None = None, email_context: dict | None = None,
            mode: str | None = None, now=None) -> Notification:
    """Create the in-app notification and email it as the person chose (``mode``: already known)."""
    check_kind(kind)
    now = now or utcnow()
    with force_locale(user.locale or "en"):
        # Lazy strings (flask_babel.lazy_gettext) are written in the person's language.
        title = str(title)
        body = str(body) if body is not None else None
    if mode is None:
        with db.session.no_autoflush:  # reading a preference flushes nothing of the caller's
            mode = mode_for(user, kind)
    notification = Notification(user_id=user.id, kind=kind, title=title[:300], body=body, link=link,
                                created_at=now)
    db.session.add(notification)
    if not can_email(user) or mode == kinds.OFF:
        notification.email_status = OFF
    elif mode == kinds.DIGEST:
        notification.email_status = DIGEST
    else:
        _email_now(user, notification, email_template, email_context or {})
        notification.email_status = SENT
        notification.emailed_at = now
    return notification


def _email_now(user, notification: Notification, template: str | None, context: dict) -> None:
    from lms.mail.operations import queue_email

    values = {
        "user": user,
        "title": notification.title,
        "body": notification.body,
        "link": absolute_link(notification.link),
        "site_url": current_app.config["SITE_URL"],
        "preferences_link": site_address("notifications.preferences"),
    }
    values.update(context)
    with force_locale(user.locale or "en"):
        queue_email(user.email, notification.title, template or GENERIC_TEMPLATE, **values)
