"""Certificates. What they say is frozen when issued (names and dates may change later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db


class Certificate(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the public verification code
    # Frozen at issue: name, program, track, module, organisation, dates (ISO), basis (offline|online).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    program: Mapped["Program"] = relationship()  # noqa: F821

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
