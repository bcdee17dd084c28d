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
