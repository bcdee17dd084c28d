from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.database import TimestampMixin, UTCDateTime, VersionedMixin, utcnow
from lms.extensions import db


class EnrolmentStatus(str, enum.Enum):
    """Where a participant stands in a program.

    Stored as a plain string so that later stages (eligibility, admission to
    the offline phase, completion) add values without a schema change.
    """

    INVITED = "invited"  # enrolled, has not accepted the invitation yet
    ACTIVE = "active"  # following the online phase
    # Decisions on the offline phase (lms.admission), then the participant's answer (lms.readiness).
    ADMITTED = "admitted"
    WAITLISTED = "waitlisted"
    NOT_ADMITTED = "not_admitted"
    CONFIRMED = "confirmed"  # admitted and confirmed they will attend
    DECLINED_PLACE = "declined_place"  # admitted, then said they cannot come
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        from flask_babel import gettext as _

        return {
            "invited": _("Invited"),
            "active": _("Active"),
            "admitted": _("Admitted"),
            "waitlisted": _("Waitlisted"),
            "not_admitted": _("Not admitted"),
            "confirmed": _("Confirmed"),
            "declined_place": _("Declined the place"),
            "withdrawn": _("Withdrawn"),
            "completed": _("Completed"),
        }[self.value]


# Statuses a coordinator sets on the enrolment form; the others come from admission
# decisions and the participant's own confirmation, which keep their own records.
MANUAL_STATUSES = (EnrolmentStatus.INVITED, EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED,
                   EnrolmentStatus.WITHDRAWN)
# Admitted to the offline phase (a place is taken in the track).
OFFLINE_STATUSES = (EnrolmentStatus.ADMITTED.value, EnrolmentStatus.CONFIRMED.value)
# Who belongs to the offline phase's sessions and schedule: those with a place, and those who
# completed (their certificate's check-ins and attendance stay theirs to see).
OFFLINE_PHASE_STATUSES = (*OFFLINE_STATUSES, EnrolmentStatus.COMPLETED.value)


class Enrolment(TimestampMixin, VersionedMixin, db.Model):
    """A participant in a program, with their track, module and group."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    status: Mapped[str] = mapped_column(String(30), default=EnrolmentStatus.INVITED.value, index=True)

    user: Mapped["User"] = relationship()  # noqa: F821
    program: Mapped["Program"] = relationship()  # noqa: F821
    track: Mapped["Track | None"] = relationship()  # noqa: F821
    module: Mapped["Module | None"] = relationship()  # noqa: F821
    group: Mapped["Group | None"] = relationship()  # noqa: F821
    events: Mapped[list[EnrolmentEvent]] = relationship(
        back_populates="enrolment", order_by="EnrolmentEvent.at"
    )

    @property
    def status_enum(self) -> EnrolmentStatus | None:
        try:
            return EnrolmentStatus(self.status)
        except ValueError:
            return None

    @property
    def status_label(self) -> str:
        status = self.status_enum
        return status.label if status else self.status


class EnrolmentEvent(db.Model):
    """The history of an enrolment: who changed what, when and why."""

    __tablename__ = "enrolment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))  # enrolled, status, moved, imported…
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    # What a move or group change went from and to, as shown at the time
    # ("Intensive · Digital contents", a group's name): names may change later.
    from_value: Mapped[str | None] = mapped_column(String(400))
    to_value: Mapped[str | None] = mapped_column(String(400))
    note: Mapped[str | None] = mapped_column(Text)

    enrolment: Mapped[Enrolment] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()  # noqa: F821
