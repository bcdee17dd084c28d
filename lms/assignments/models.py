"""Assignments, rubrics, extensions, submissions with versions, grades with history.

An assignment is an Item of kind "assignment" (its instructions are the
item's body, its due date the item's ``due_at``); this table holds what only
assignments have.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db


class LatePolicy(str, enum.Enum):
    ACCEPT_AND_FLAG = "accept"  # late work is accepted and flagged
    CLOSE_AT_DUE = "close"  # submission closes at the due time (extensions still apply)


class Assignment(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    points: Mapped[int] = mapped_column(Integer, default=100)
    pass_points: Mapped[int] = mapped_column(Integer, default=50)
    allow_text: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_files: Mapped[bool] = mapped_column(Boolean, default=True)
    allowed_extensions: Mapped[list] = mapped_column(JSON, default=lambda: ["pdf", "docx", "pptx", "jpg", "png"])
    max_file_bytes: Mapped[int] = mapped_column(Integer, default=20 * 1024 * 1024)
    max_files: Mapped[int] = mapped_column(Integer, default=3)
    group_submission: Mapped[bool] = mapped_column(Boolean, default=False)
    late_policy: Mapped[str] = mapped_column(String(10), default=LatePolicy.ACCEPT_AND_FLAG.value)

    item: Mapped["Item"] = relationship()  # noqa: F821
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="assignment", order_by="RubricCriterion.position, RubricCriterion.id"
    )
    extensions: Mapped[list[Extension]] = relationship(back_populates="assignment")


class RubricCriterion(db.Model):
    """A rubric row: a criterion with its levels (columns)."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="criteria")
    levels: Mapped[list[RubricLevel]] = relationship(
        back_populates="criterion", order_by="RubricLevel.points.desc(), RubricLevel.id"
    )


class RubricLevel(db.Model):
    __tablename__ = "rubric_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    points: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    criterion: Mapped[RubricCriterion] = relationship(back_populates="levels")


class Extension(db.Model):
    """A later due date for one participant or one group."""

    __tablename__ = "assignment_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="extensions")


class Submission(TimestampMixin, db.Model):
    """One participant's (or one group's) work on an assignment, across all its versions."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id"),
        UniqueConstraint("assignment_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    # Individual work: user_id set, group_id NULL. Group work: group_id set, user_id NULL.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)

    assignment: Mapped[Assignment] = relationship()
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number"
    )
    grade: Mapped[Grade | None] = relationship(back_populates="submission", uselist=False)


class SubmissionVersion(db.Model):
    """A draft (submitted_at NULL, at most one per submission) or a submitted version.

    Submitted versions are never changed or deleted; a resubmission is a new version.
    """

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    # The form's one-time token: a double click or a retried request submits once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt: Mapped[str | None] = mapped_column(String(64))  # sha256 of what was submitted

    submission: Mapped[Submission] = relationship(back_populates="versions")
    author: Mapped["User"] = relationship()  # noqa: F821
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="version", order_by="SubmissionFile.id"
    )

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None

    @property
    def short_receipt(self) -> str:
        return (self.receipt or "")[:12]


class SubmissionFile(db.Model):
    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_versions.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))

    version: Mapped[SubmissionVersion] = relationship(back_populates="files")
    file: Mapped["StoredFile"] = relationship()  # noqa: F821


class GradeStatus(str, enum.Enum):
    DRAFT = "draft"  # being graded; the participant sees nothing
    RESUBMIT = "resubmit"  # resubmission requested (the participant sees the message)
    RELEASED = "released"  # the participant sees score and feedback


class Grade(TimestampMixin, VersionedMixin, db.Model):
    """The grade of a submission. Saving checks the version: two graders never overwrite each other."""

    __tablename__ = "grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    graded_version_number: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    rubric_levels: Mapped[dict] = mapped_column(JSON, default=dict)  # {criterion_id: level_id}
    comments: Mapped[str | None] = mapped_column(Text)  # Markdown
    feedback_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(String(20), default=GradeStatus.DRAFT.value)
    resubmission_message: Mapped[str | None] = mapped_column(Text)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    submission: Mapped[Submission] = relationship(back_populates="grade")
    grader: Mapped["User | None"] = relationship()  # noqa: F821
    feedback_file: Mapped["StoredFile | None"] = relationship()  # noqa: F821
    events: Mapped[list[GradeEvent]] = relationship(back_populates="grade", order_by="GradeEvent.at")


class GradeEvent(db.Model):
    """Every grade change: who, when, what (a snapshot of the grade after the change)."""

    __tablename__ = "grade_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("grades.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))  # saved, released, resubmission_requested, unreleased
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)

    grade: Mapped[Grade] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()  # noqa: F821
