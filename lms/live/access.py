"""Who may join a live session's room and who runs it (record rules)."""

from __future__ import annotations

from sqlalchemy import exists, select

from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES, is_module_trainer, is_program_trainer
from lms.live.models import Audience, LiveSession
from lms.programs.models import Module, ModuleTrainer


def is_session_trainer(user, session: LiveSession) -> bool:
    """Module sessions: the module's trainers; other audiences: trainers of the program's modules
    (of the track, for a track audience)."""
    if not user.is_authenticated:
        return False
    if session.audience == Audience.MODULE.value and session.audience_id is not None:
        return is_module_trainer(user, session.audience_id)
    if session.audience == Audience.TRACK.value and session.audience_id is not None:
        return bool(db.session.scalar(select(exists().where(
            ModuleTrainer.user_id == user.id, ModuleTrainer.module_id == Module.id,
            Module.track_id == session.audience_id))))
    return is_program_trainer(user, session.program_id)


def is_audience_member(user, session: LiveSession) -> bool:
    """An enrolled (active or completed) participant in the session's audience."""
    if not user.is_authenticated:
        return False
    query = select(Enrolment.id).where(
        Enrolment.user_id == user.id,
        Enrolment.program_id == session.program_id,
        Enrolment.status.in_(LEARNING_STATUSES),
    )
    column = {
        Audience.TRACK.value: Enrolment.track_id,
        Audience.MODULE.value: Enrolment.module_id,
        Audience.GROUP.value: Enrolment.group_id,
    }.get(session.audience)
    if column is not None:
        query = query.where(column == session.audience_id)
    return db.session.scalar(query) is not None


def can_moderate(user, session: LiveSession) -> bool:
    """Start and end the session, delete messages, mute, run polls, answer questions."""
    return user.is_authenticated and (user.is_coordinator or is_session_trainer(user, session))


def can_join(user, session: LiveSession) -> bool:
    return can_moderate(user, session) or is_audience_member(user, session)


def role_in_session(user, session: LiveSession) -> str:
    if user.is_coordinator:
        return "coordinator"
    if is_session_trainer(user, session):
        return "trainer"
    return "participant"


def release_lock(user, session: LiveSession):
    """The release rules of the session's item (an opening date, items to complete first) for a
    participant: a ``Lock`` that is locked, or None. Those who run the session are never locked out."""
    from lms.learning.progress import lock_for_user

    if session.item is None or can_moderate(user, session):
        return None
    lock = lock_for_user(user, session.item)
    return lock if lock.is_locked else None
