"""Check-ins to offline sessions.

An offline session is a ``LiveSession`` with ``phase == "offline"`` (a
workshop, a site visit, a presentation, a forum…): it shares the audience,
the schedule, the calendar feed and, through ``lms.live.attendance``, the
same attendance records, reports and corrections as the online sessions. A
check-in is one person's presence at one offline session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import UTCDateTime, utcnow
from lms.extensions import db


class CheckIn(db.Model):
    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    QR = "qr"
    MANUAL = "manual"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[str] = mapped_column(String(10))  # qr | manual
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # manual: the coordinator
    note: Mapped[str | None] = mapped_column(Text)

    session: Mapped["LiveSession"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    recorded_by: Mapped["User | None"] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821
