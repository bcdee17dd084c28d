from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.database import UTCDateTime, utcnow
from lms.extensions import db


class Notification(db.Model):
    """Something a person should know: a grade released, a resubmission requested…"""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))  # a path inside the site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Email of this notification, by the person's preference for its kind: "pending" (to send
    # at once), "sent", "digest" (waits for the daily digest), "digested", "off" (in-app only).
    email_status: Mapped[str | None] = mapped_column(String(10), index=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestRun(db.Model):
    """When a person's daily digest of a kind was last sent (so nothing is sent twice or skipped)."""

    __tablename__ = "digest_runs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """How a person wants to hear of one kind of notification by email: immediately, daily digest, off.

    No row: the kind's default (``lms.notifications.kinds``). In-app notifications are always kept.
    """

    __tablename__ = "notification_preferences"

    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    OFF = "off"
    MODES = (IMMEDIATELY, DIGEST, OFF)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    mode: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReminderClaim(db.Model):
    """One reminder about one event for one person, claimed before it is sent.

    The unique key (e.g. ``deadline:item=12:user=7``) is inserted first: a second
    server process or cron run that tries the same reminder fails on the
    constraint and sends nothing, so no reminder goes out twice.
    """

    __tablename__ = "reminder_claims"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))  # host:pid of the sender
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
