"""One readiness record per admitted participant: their answer and their logistics.

Only the person and coordinators may see it (``lms.readiness.access``):
trainers never see dietary, accessibility or emergency details.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import TimestampMixin, UTCDateTime, VersionedMixin
from lms.extensions import db


class Readiness(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "readiness"

    CONFIRMED = "confirmed"
    DECLINED = "declined"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    response: Mapped[str | None] = mapped_column(String(20))  # NULL (not answered), confirmed, declined
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    arrival_date: Mapped[date | None] = mapped_column(Date)
    arrival_flight: Mapped[str | None] = mapped_column(String(60))
    departure_date: Mapped[date | None] = mapped_column(Date)
    departure_flight: Mapped[str | None] = mapped_column(String(60))
    dietary_needs: Mapped[str | None] = mapped_column(Text)
    accessibility_needs: Mapped[str | None] = mapped_column(Text)
    emergency_name: Mapped[str | None] = mapped_column(String(200))
    emergency_relationship: Mapped[str | None] = mapped_column(String(100))
    emergency_phone: Mapped[str | None] = mapped_column(String(60))
    emergency_email: Mapped[str | None] = mapped_column(String(254))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terms_digest: Mapped[str | None] = mapped_column(String(64))  # which text of the terms was accepted

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
