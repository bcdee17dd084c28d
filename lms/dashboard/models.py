"""A stored summary of each participant's progress and eligibility, for the dashboard at scale.

The eligibility service (lms.admission.eligibility) is the truth and is what
participants and the admission queue see. Computing it for 10,000 people on
every dashboard view would take seconds, so the dashboard reads this table
instead: each row is the service's result for one enrolment, written by
``lms.dashboard.summaries.refresh``. Any change that can alter a result marks
the affected rows dirty (``dirty_at``) in the same transaction; a row is
current when it was refreshed after it was last made dirty and recently enough
for time-driven changes (pace, overdue items) to show.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import UTCDateTime
from lms.extensions import db


class ParticipantSummary(db.Model):
    __tablename__ = "participant_summaries"
    __table_args__ = (Index("ix_participant_summaries_program_eligibility", "program_id", "eligibility"),)

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    required_done: Mapped[int] = mapped_column(Integer, default=0)
    required_total: Mapped[int] = mapped_column(Integer, default=0)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    overdue_count: Mapped[int] = mapped_column(Integer, default=0)
    live_attended: Mapped[int] = mapped_column(Integer, default=0)
    live_total: Mapped[int] = mapped_column(Integer, default=0)
    assignments_passed: Mapped[int] = mapped_column(Integer, default=0)
    assignments_required: Mapped[int] = mapped_column(Integer, default=0)
    average_grade: Mapped[float | None] = mapped_column(Float)
    eligibility: Mapped[str] = mapped_column(String(20))  # an eligibility Status value
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dirty_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a change last touched it

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
