"""Live sessions, their room record (every event has an increasing id), and attendance.

A live session is usually the LiveSession of an Item of kind "live_session"
(in a module unit or a program-wide unit); it can also stand alone for an
audience such as one group. The room's interaction is ours and is kept:
chat, hands, polls, questions, and who was connected when.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db


class Audience(str, enum.Enum):
    PROGRAM = "program"
    TRACK = "track"
    MODULE = "module"
    GROUP = "group"


class Phase(str, enum.Enum):
    """Online sessions have a live room; offline ones (in Korea) have a place and a QR check-in."""

    ONLINE = "online"
    OFFLINE = "offline"


class OfflineKind(str, enum.Enum):
    WORKSHOP = "workshop"
    SITE_VISIT = "site_visit"
    PRESENTATION = "presentation"
    FORUM = "forum"
    CEREMONY = "ceremony"
    SOCIAL = "social"  # an evening, a dinner
    OTHER = "other"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {
            "workshop": _("Workshop"),
            "site_visit": _("Site visit"),
            "presentation": _("Presentation"),
            "forum": _("Forum"),
            "ceremony": _("Ceremony"),
            "social": _("Evening event"),
            "other": _("Other"),
        }[self.value]


class SessionState(str, enum.Enum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class LiveSession(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "live_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    video_url: Mapped[str | None] = mapped_column(String(1000))  # Zoom, Jitsi, BigBlueButton…
    audience: Mapped[str] = mapped_column(String(10), default=Audience.MODULE.value)
    audience_id: Mapped[int | None] = mapped_column(Integer)  # program/track/module/group id
    state: Mapped[str] = mapped_column(String(10), default=SessionState.SCHEDULED.value)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Share of the scheduled time a person must be present to have attended (percent).
    attendance_threshold: Mapped[int] = mapped_column(Integer, default=75)
    phase: Mapped[str] = mapped_column(String(10), default=Phase.ONLINE.value, server_default="online",
                                       index=True)
    offline_kind: Mapped[str | None] = mapped_column(String(20))  # an OfflineKind, for offline sessions
    location: Mapped[str | None] = mapped_column(String(300))  # offline sessions: where
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped["Item | None"] = relationship()  # noqa: F821
    program: Mapped["Program"] = relationship()  # noqa: F821


class RoomEvent(db.Model):
    """Everything that happens in a room, in order. Clients that reconnect send the last id
    they saw and receive every later event exactly once (they de-duplicate by id)."""

    __tablename__ = "room_events"
    __table_args__ = (Index("ix_room_events_session_id_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)  # sanitised plain text
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Mute(db.Model):
    __tablename__ = "live_mutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    muted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    muted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HandRaise(db.Model):
    """A raised hand; the queue is the raised, not lowered hands in order of raising."""

    __tablename__ = "hand_raises"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lowered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lowered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Poll(db.Model):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    question: Mapped[str] = mapped_column(String(500))
    options: Mapped[list] = mapped_column(JSON, default=list)  # option texts, by index
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PollVote(db.Model):
    """One vote per person per poll, enforced by the database."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choices: Mapped[list] = mapped_column(JSON, default=list)  # option indexes
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LiveQuestion(db.Model):
    __tablename__ = "live_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuestionVote(db.Model):
    __tablename__ = "live_question_votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("live_questions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Connection(db.Model):
    """One Socket.IO connection of one person to one room: the raw attendance record."""

    __tablename__ = "live_connections"
    __table_args__ = (Index("ix_live_connections_session_user", "session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sid: Mapped[str] = mapped_column(String(64), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Refreshed while connected, so a server crash (no disconnect) does not leave an open-ended interval.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceCorrection(db.Model):
    """A coordinator's correction of a person's attendance, with the reason. The latest one applies."""

    __tablename__ = "attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    attended: Mapped[bool] = mapped_column(Boolean)
    minutes: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(db.Model):
    """A person's secret calendar subscription address; renewing replaces the token."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
