"""Who may see and change readiness records (see ``lms.core.permissions``).

Logistics (travel, dietary and accessibility needs, an emergency contact) are
personal: only the participant themself and the program office see them.
Trainers never do, not even the participant's own trainers.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db

# Enrolments that have a readiness form: admitted, then confirmed or declined
# (a participant who declined sees their answer and may take it back).
READINESS_STATUSES = (
    EnrolmentStatus.ADMITTED.value,
    EnrolmentStatus.CONFIRMED.value,
    EnrolmentStatus.DECLINED_PLACE.value,
)


def own_enrolment(user, program_id: int) -> Enrolment | None:
    """The signed-in person's enrolment in the program (whatever its status), with its track and program."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.program_id == program_id)
        .options(joinedload(Enrolment.program), joinedload(Enrolment.track))
    )


def can_answer(user, enrolment: Enrolment | None) -> bool:
    """Confirming, declining and filling in the form: only the participant themself, once admitted."""
    return bool(
        enrolment is not None
        and getattr(user, "is_authenticated", False)
        and enrolment.user_id == user.id
        and enrolment.status in READINESS_STATUSES
    )


def can_view_board(user) -> bool:
    """The readiness board, its export and each participant's record: the program office only."""
    return bool(getattr(user, "is_authenticated", False) and user.is_coordinator)


def can_view_readiness(user, enrolment: Enrolment | None) -> bool:
    """One person's readiness: that person (once admitted) and coordinators. Never trainers."""
    return can_view_board(user) or can_answer(user, enrolment)
