"""Announcements and message threads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import ArchivableMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db


class Announcement(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A coordinator's or trainer's announcement (Markdown) to an audience of a program.

    The audience is the program, a track, a module or a group (as for live
    sessions). Members see it on their home page and get an email when it is
    published.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    audience: Mapped[str] = mapped_column(String(10), default="program")  # program | track | module | group
    audience_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown, sanitised when shown
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    author: Mapped["User"] = relationship()  # noqa: F821
    program: Mapped["Program"] = relationship()  # noqa: F821


class MessageThread(TimestampMixin, db.Model):
    """A participant's conversation with their trainers and the program office, in one program."""

    __tablename__ = "message_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    participant: Mapped["User"] = relationship()  # noqa: F821
    program: Mapped["Program"] = relationship()  # noqa: F821
    messages: Mapped[list[Message]] = relationship(back_populates="thread", order_by="Message.created_at, Message.id")


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)  # plain text or Markdown, sanitised when shown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[MessageThread] = relationship(back_populates="messages")
    author: Mapped["User"] = relationship()  # noqa: F821


class ThreadRead(db.Model):
    """Up to when a person has read a thread (for unread markers)."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
