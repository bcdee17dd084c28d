"""Units, items, release rules and completion records.

A module's online segment is a list of ordered units (e.g. weeks), each with
ordered items. Program-wide units (an orientation every participant takes)
belong to the program and no module.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import ArchivableMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db


class ItemKind(str, enum.Enum):
    LESSON = "lesson"
    FILE = "file"
    LINK = "link"  # external link or video (YouTube and Vimeo are embedded)
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    LIVE_SESSION = "live_session"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {
            "lesson": _("Lesson"),
            "file": _("File"),
            "link": _("Link or video"),
            "quiz": _("Quiz"),
            "assignment": _("Assignment"),
            "live_session": _("Live session"),
        }[self.value]


class CompletionRule(str, enum.Enum):
    """When an item counts as complete."""

    VIEW = "view"  # lesson or link opened
    MARK_DONE = "mark_done"  # the participant clicks "mark as done"
    DOWNLOAD = "download"  # file downloaded
    PASS = "pass"  # quiz passed, or assignment passed
    SUBMIT = "submit"  # assignment submitted
    ATTEND = "attend"  # live session attended


# What each kind allows, the first being the default.
COMPLETION_RULES_BY_KIND = {
    ItemKind.LESSON: (CompletionRule.VIEW, CompletionRule.MARK_DONE),
    ItemKind.FILE: (CompletionRule.DOWNLOAD, CompletionRule.MARK_DONE),
    ItemKind.LINK: (CompletionRule.VIEW, CompletionRule.MARK_DONE),
    ItemKind.QUIZ: (CompletionRule.PASS,),
    ItemKind.ASSIGNMENT: (CompletionRule.SUBMIT, CompletionRule.PASS),
    ItemKind.LIVE_SESSION: (CompletionRule.ATTEND,),
}


class Unit(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """An ordered part of a module (e.g. "Week 1"), or of a whole program when module_id is NULL."""

    __tablename__ = "units"
    __table_args__ = (Index("ix_units_program_module", "program_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)  # Markdown
    position: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    program: Mapped["Program"] = relationship()  # noqa: F821
    module: Mapped["Module | None"] = relationship()  # noqa: F821
    items: Mapped[list[Item]] = relationship(
        back_populates="unit", order_by="Item.position, Item.id"
    )

    @property
    def is_program_wide(self) -> bool:
        return self.module_id is None


class ItemPrerequisite(db.Model):
    """``item`` opens only once ``required_item`` is complete."""

    __tablename__ = "item_prerequisites"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    required_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)

    item: Mapped[Item] = relationship(foreign_keys=[item_id], back_populates="prerequisite_links")
    required_item: Mapped[Item] = relationship(foreign_keys=[required_item_id])


class Item(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """One thing to do in a unit: a lesson, a file, a link or video, a quiz, an assignment, a live session."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    completion_rule: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # release date
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # overdue after this
    body: Mapped[str | None] = mapped_column(Text)  # Markdown: lesson text, or a description
    url: Mapped[str | None] = mapped_column(String(1000))  # link / video address
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # Kind-specific settings, e.g. a quiz's pass mark and attempt limit.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    unit: Mapped[Unit] = relationship(back_populates="items")
    file: Mapped["StoredFile | None"] = relationship()  # noqa: F821
    prerequisite_links: Mapped[list[ItemPrerequisite]] = relationship(
        foreign_keys=[ItemPrerequisite.item_id], back_populates="item", cascade="all, delete-orphan"
    )

    @property
    def kind_enum(self) -> ItemKind:
        return ItemKind(self.kind)

    @property
    def prerequisite_ids(self) -> list[int]:
        return [link.required_item_id for link in self.prerequisite_links]


class Completion(db.Model):
    """A participant completed an item: when, and how (viewed, marked done, downloaded,
    passed, submitted, attended). Never deleted when the item is edited."""

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    how: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(300))  # e.g. "quiz attempt 2, 8/10"

    item: Mapped[Item] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821


class QuizQuestion(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "quiz_questions"

    SINGLE = "single"
    MULTIPLE = "multiple"
    SHORT = "short"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)  # Markdown
    position: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=1)
    # Short answers: accepted answers, compared case- and space-insensitively.
    accepted_answers: Mapped[list] = mapped_column(JSON, default=list)
    feedback_correct: Mapped[str | None] = mapped_column(Text)
    feedback_incorrect: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    choices: Mapped[list[QuizChoice]] = relationship(
        back_populates="question", order_by="QuizChoice.position, QuizChoice.id"
    )


class QuizChoice(db.Model):
    __tablename__ = "quiz_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[QuizQuestion] = relationship(back_populates="choices")


class QuizAttempt(db.Model):
    """One attempt at a quiz; answers and the score are kept."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("item_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {question_id: [choice ids] or "text"} and per-question results, as graded at the time.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[int] = mapped_column(Integer, default=0)
    max_score: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship()
