"""Enrolment operations: enrolling, changing status, recording every change."""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db


def change_status(enrolment: Enrolment, new_status: EnrolmentStatus, actor=None, note: str | None = None) -> None:
    """Set an enrolment's status and record who changed it, when and why."""
    old = enrolment.status
    if old == new_status.value:
        return
    enrolment.status = new_status.value
    db.session.add(
        EnrolmentEvent(
            enrolment=enrolment, actor=actor, action="status", from_status=old, to_status=new_status.value, note=note
        )
    )


def activate_invited_enrolments(user) -> None:
    """A person who accepts their invitation becomes active in the programs they were invited to."""
    invited = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.INVITED.value)
    ).all()
    for enrolment in invited:
        change_status(enrolment, EnrolmentStatus.ACTIVE, actor=user, note="invitation accepted")
