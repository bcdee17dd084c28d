"""Who may see the offline phase and run its check-in (record rules).

* The schedule of a program's offline phase: its admitted or confirmed participants (only the
  sessions of their audience), the program's trainers and coordinators.
* A session's page: its expected participants (details and their own check-in), the session's
  trainers (``lms.live.access.is_session_trainer``) and coordinators (the QR check-in screen).
* Checking people in by hand, authoring sessions: coordinators only. Trainers show the QR code
  but do not record presence themselves: a manual check-in is a statement about someone else's
  attendance, like an attendance correction, which is the office's.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment.models import OFFLINE_PHASE_STATUSES, Enrolment
from lms.extensions import db
from lms.learning.access import is_program_trainer
from lms.live.access import is_session_trainer
from lms.live.models import LiveSession, Phase


def is_offline(session: LiveSession | None) -> bool:
    return session is not None and session.phase == Phase.OFFLINE.value


def offline_enrolment(user, program_id: int) -> Enrolment | None:
    """The person's enrolment in the program when they are admitted to (or confirmed for) the offline phase."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.program_id == program_id,
        Enrolment.status.in_(OFFLINE_PHASE_STATUSES)))


def is_expected(user, session: LiveSession) -> bool:
    """An admitted or confirmed participant of the session's audience."""
    from lms.offline.operations import expected_enrolments_query

    if not user.is_authenticated:
        return False
    return db.session.scalar(
        expected_enrolments_query(session).where(Enrolment.user_id == user.id).limit(1)) is not None


def can_view_schedule(user, program) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_coordinator or is_program_trainer(user, program.id):
        return True
    return offline_enrolment(user, program.id) is not None


def can_run_check_in(user, session: LiveSession) -> bool:
    """The check-in screen (QR code, who is expected, who is in): coordinators and the session's trainers."""
    return user.is_authenticated and (user.is_coordinator or is_session_trainer(user, session))


def can_check_in_by_hand(user, session: LiveSession) -> bool:
    return user.is_authenticated and user.is_coordinator


def can_view_session(user, session: LiveSession) -> bool:
    if not user.is_authenticated:
        return False
    if session.archived_at is not None:
        return user.is_coordinator
    return can_run_check_in(user, session) or is_expected(user, session)
