"""Who may see and author a module's online segment (record rules)."""

from __future__ import annotations

from sqlalchemy import exists, select

from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Module, ModuleTrainer, Track

# Enrolments that may follow the online segment.
# Everyone past the invitation and not withdrawn keeps following the online segment,
# whatever the admission decision on the offline phase.
LEARNING_STATUSES = tuple(
    status.value for status in EnrolmentStatus
    if status not in (EnrolmentStatus.INVITED, EnrolmentStatus.WITHDRAWN)
)


def is_module_trainer(user, module_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(ModuleTrainer.module_id == module_id, ModuleTrainer.user_id == user.id))
        )
    )


def is_program_trainer(user, program_id: int) -> bool:
    """A trainer of any module of the program."""
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(ModuleTrainer.user_id == user.id)
                .where(ModuleTrainer.module_id == Module.id)
                .where(Module.track_id == Track.id)
                .where(Track.program_id == program_id)
            )
        )
    )


def learner_enrolment(user, program_id: int, module_id: int | None = None) -> Enrolment | None:
    """The user's enrolment that lets them follow this program's (or module's) content."""
    query = select(Enrolment).where(
        Enrolment.user_id == user.id,
        Enrolment.program_id == program_id,
        Enrolment.status.in_(LEARNING_STATUSES),
    )
    if module_id is not None:
        query = query.where(Enrolment.module_id == module_id)
    return db.session.scalar(query)


def can_author_module(user, module: Module) -> bool:
    return user.is_authenticated and (user.is_coordinator or is_module_trainer(user, module.id))


def can_author_unit(user, unit) -> bool:
    """Module units: the module's trainers and coordinators; program-wide units: coordinators."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator:
        return True
    return unit.module_id is not None and is_module_trainer(user, unit.module_id)


def can_view_unit(user, unit) -> bool:
    """Participants of the module (or program, for program-wide units), its trainers, coordinators."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator:
        return True
    if unit.module_id is None:
        return is_program_trainer(user, unit.program_id) or learner_enrolment(user, unit.program_id) is not None
    if is_module_trainer(user, unit.module_id):
        return True
    return learner_enrolment(user, unit.program_id, unit.module_id) is not None


def is_learner(user, unit) -> bool:
    """True when the user follows this unit as a participant (their completion counts)."""
    if not user.is_authenticated:
        return False
    return learner_enrolment(user, unit.program_id, unit.module_id) is not None


def can_view_module_outline(user, module: Module) -> bool:
    """A module's outline: its participants (active or completed), its trainers, coordinators."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator or is_module_trainer(user, module.id):
        return True
    return learner_enrolment(user, module.track.program_id, module.id) is not None


def can_view_program_outline(user, program_id: int) -> bool:
    """The program-wide units: every participant of the program, its trainers, coordinators."""
    if not user.is_authenticated:
        return False
    if user.is_coordinator or is_program_trainer(user, program_id):
        return True
    return learner_enrolment(user, program_id) is not None


def can_view_module_progress(user, module: Module) -> bool:
    """The progress grid of a module: its trainers and coordinators."""
    return user.is_authenticated and (user.is_coordinator or is_module_trainer(user, module.id))
