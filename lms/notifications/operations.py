"""Creating and reading in-app notifications."""

from __future__ import annotations

from sqlalchemy import func, select, update

from lms.core.database import utcnow
from lms.extensions import db
from lms.notifications.models import Notification


def notify(user, kind: str, title: str, body: str | None = None, link: str | None = None) -> Notification:
    notification = Notification(user_id=user.id, kind=kind, title=title, body=body, link=link)
    db.session.add(notification)
    return notification


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
