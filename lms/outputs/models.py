"""Outputs (a book, a film proposal, a narrative, a dance film, a policy action plan…) and showcases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import ArchivableMixin, TimestampMixin, UTCDateTime, VersionedMixin
from lms.extensions import db


class Output(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A participant's or a group's final output. A draft until its authors publish it."""

    __tablename__ = "outputs"

    KINDS = ("book", "film_proposal", "narrative", "dance_film", "policy_plan", "exhibition", "other")

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # individual output
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)  # group output
    kind: Mapped[str] = mapped_column(String(30), default="other")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)  # Markdown, sanitised when shown
    link_url: Mapped[str | None] = mapped_column(String(1000))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    files: Mapped[list[OutputFile]] = relationship(back_populates="output", order_by="OutputFile.position, OutputFile.id")
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    group: Mapped["Group | None"] = relationship()  # noqa: F821
    module: Mapped["Module | None"] = relationship()  # noqa: F821
    program: Mapped["Program"] = relationship()  # noqa: F821

    @property
    def is_group_output(self) -> bool:
        return self.group_id is not None

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def current_files(self) -> list[OutputFile]:
        """The files shown (removed ones are kept, not shown)."""
        return [link for link in self.files if link.removed_at is None]

    @property
    def on_showcase(self) -> bool:
        return self.published_at is not None and self.archived_at is None


class OutputFile(db.Model):
    __tablename__ = "output_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = mapped_column(ForeignKey("outputs.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # kept, no longer shown

    output: Mapped[Output] = relationship(back_populates="files")
    file: Mapped["StoredFile"] = relationship()  # noqa: F821


class Showcase(TimestampMixin, VersionedMixin, db.Model):
    """A program's showcase: visible to its members, and to everyone once a coordinator publishes it."""

    __tablename__ = "showcases"

    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), primary_key=True)
    introduction: Mapped[str | None] = mapped_column(Text)  # Markdown
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    program: Mapped["Program"] = relationship()  # noqa: F821
