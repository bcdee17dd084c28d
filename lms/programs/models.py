from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import ArchivableMixin, TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.core.timezones import KOREA_TZ, DateWindow
from lms.extensions import db


class Organisation(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """The host office or a partner training organisation."""

    __tablename__ = "organisations"

    HOST = "host"
    TRAINING_PARTNER = "training_partner"
    KINDS = (HOST, TRAINING_PARTNER)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(30), default=TRAINING_PARTNER)
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Program(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A named edition, e.g. "2024 Cultural Experts Training Program".

    The online phase is a span of calendar days in the program's zone; the
    offline phase (optional) is carried by the tracks, each with its own
    window and location.
    """

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), default=KOREA_TZ)
    online_start: Mapped[date] = mapped_column(Date)
    online_end: Mapped[date] = mapped_column(Date)
    has_offline_phase: Mapped[bool] = mapped_column(Boolean, default=True)
    host_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Markdown that admitted participants accept before the offline phase (lms.readiness).
    participation_terms: Mapped[str | None] = mapped_column(Text)

    host_organisation: Mapped[Organisation | None] = relationship()
    tracks: Mapped[list[Track]] = relationship(
        back_populates="program", order_by="Track.position, Track.id"
    )
    groups: Mapped[list[Group]] = relationship(back_populates="program", order_by="Group.name")

    @property
    def online_window(self) -> DateWindow:
        return DateWindow(self.online_start, self.online_end, self.timezone)

    @property
    def is_online_only(self) -> bool:
        return not self.has_offline_phase

    def __repr__(self) -> str:
        return f"<Program {self.code}>"


class Track(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A track of a program (e.g. Intensive, General) with its own offline window.

    Offline dates may be unknown yet (NULL: to be announced) and may cross a
    year boundary.
    """

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("program_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    offline_start: Mapped[date | None] = mapped_column(Date)
    offline_end: Mapped[date | None] = mapped_column(Date)
    offline_location: Mapped[str | None] = mapped_column(String(200))
    offline_timezone: Mapped[str] = mapped_column(String(64), default=KOREA_TZ)
    capacity: Mapped[int | None] = mapped_column(Integer)

    program: Mapped[Program] = relationship(back_populates="tracks")
    modules: Mapped[list[Module]] = relationship(
        back_populates="track", order_by="Module.position, Module.id"
    )

    @property
    def offline_window(self) -> DateWindow | None:
        if not self.program.has_offline_phase:
            return None
        return DateWindow(self.offline_start, self.offline_end, self.offline_timezone)


class Field(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A field of cultural practice: Publication, Performing Arts, Film…"""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class ModuleTrainer(db.Model):
    """A trainer of a module."""

    __tablename__ = "module_trainers"

    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship(back_populates="trainer_links")
    user: Mapped["User"] = relationship()  # noqa: F821


class Module(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A module of a track, in a field, run by a training organisation."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(300))
    short_title: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    track: Mapped[Track] = relationship(back_populates="modules")
    field: Mapped[Field] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    trainer_links: Mapped[list[ModuleTrainer]] = relationship(
        back_populates="module", cascade="all, delete-orphan"
    )

    @property
    def program(self) -> Program:
        return self.track.program

    @property
    def trainers(self):
        return sorted((link.user for link in self.trainer_links), key=lambda user: user.name)

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


class Group(ArchivableMixin, TimestampMixin, VersionedMixin, db.Model):
    """A group inside a program, e.g. a country delegation that presents together.

    A participant belongs to at most one group per program: the group is
    recorded on their (single) enrolment in that program.
    """

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("program_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)

    program: Mapped[Program] = relationship(back_populates="groups")
