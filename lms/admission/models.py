"""Admission rules (per program, optionally per track), their history, and decisions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db

# Sensible defaults: what a program office asks of a cohort unless it says otherwise.
DEFAULT_MIN_ITEMS_PERCENT = 80
DEFAULT_MIN_LIVE_PERCENT = 75
DEFAULT_MIN_AVERAGE_GRADE = 60
DEFAULT_MIN_OFFLINE_PERCENT = 80


class AdmissionRules(TimestampMixin, VersionedMixin, db.Model):
    """What a participant must reach online to be admitted to the offline phase.

    One row per program (``track_id`` NULL) and optionally one per track, which
    then replaces the program's rules for that track's participants. A program
    without a row uses the defaults. ``min_offline_percent`` is the completion
    rule: the share of offline sessions attended that earns the certificate.
    """

    __tablename__ = "admission_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), index=True)
    min_items_percent: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_ITEMS_PERCENT)
    require_assignments_passed: Mapped[bool] = mapped_column(Boolean, default=True)
    min_live_percent: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_LIVE_PERCENT)
    min_average_grade: Mapped[int | None] = mapped_column(Integer, default=DEFAULT_MIN_AVERAGE_GRADE)
    decide_by: Mapped[date | None] = mapped_column(Date)  # NULL: the last day of the online phase
    min_offline_percent: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_OFFLINE_PERCENT)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    program: Mapped["Program"] = relationship()  # noqa: F821
    track: Mapped["Track | None"] = relationship()  # noqa: F821

    @classmethod
    def defaults(cls, program_id: int, track_id: int | None = None) -> AdmissionRules:
        """Unsaved rules with the defaults (SQLAlchemy applies column defaults only on insert)."""
        return cls(program_id=program_id, track_id=track_id, min_items_percent=DEFAULT_MIN_ITEMS_PERCENT,
                   require_assignments_passed=True, min_live_percent=DEFAULT_MIN_LIVE_PERCENT,
                   min_average_grade=DEFAULT_MIN_AVERAGE_GRADE, decide_by=None,
                   min_offline_percent=DEFAULT_MIN_OFFLINE_PERCENT)

    def snapshot(self) -> dict:
        return {
            "min_items_percent": self.min_items_percent,
            "require_assignments_passed": self.require_assignments_passed,
            "min_live_percent": self.min_live_percent,
            "min_average_grade": self.min_average_grade,
            "decide_by": self.decide_by.isoformat() if self.decide_by else None,
            "min_offline_percent": self.min_offline_percent,
        }


class AdmissionRulesChange(db.Model):
    """Every change of a program's or track's rules: who, when, before and after, why."""

    __tablename__ = "admission_rules_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    before: Mapped[dict | None] = mapped_column(JSON)  # NULL: the defaults applied before
    after: Mapped[dict | None] = mapped_column(JSON)  # NULL: the track's own rules were removed
    note: Mapped[str | None] = mapped_column(Text)

    changed_by: Mapped["User | None"] = relationship()  # noqa: F821
    track: Mapped["Track | None"] = relationship()  # noqa: F821


class AdmissionDecision(db.Model):
    """A coordinator's decision on one participant: admitted, waitlisted or not admitted.

    It records what the eligibility service said at that moment and the rules
    in force, so that an override (a decision against the rules) stays
    explainable after the rules change. Decisions are never edited: a new one
    replaces the last.
    """

    __tablename__ = "admission_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    decision: Mapped[str] = mapped_column(String(30))  # an EnrolmentStatus: admitted, waitlisted, not_admitted
    eligibility_status: Mapped[str] = mapped_column(String(20))  # eligible, not_eligible, at_risk, on_track
    is_override: Mapped[bool] = mapped_column(Boolean, default=False)
    over_capacity: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    rules_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821
    decided_by: Mapped["User | None"] = relationship()  # noqa: F821
