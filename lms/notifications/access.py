"""Who may see a notification: only the person it is for."""

from __future__ import annotations


def can_open_notification(user, notification) -> bool:
    return bool(user and user.is_authenticated and notification is not None and notification.user_id == user.id)
