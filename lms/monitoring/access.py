"""Who may see the monitoring pages (record rules; see ``lms.core.permissions``).

* A participant's page: coordinators, and the trainers of the participant's
  module. Trainers see the person's learning (progress, work, grades released,
  attendance, eligibility, the decisions taken) but no logistics: no readiness
  record, no reasons given for decisions, no notes on the enrolment history, no
  notification bodies, no notifications about readiness. Anyone else: 403 (the
  participant themself is sent to their own checklist).
* The at-risk list and its reminders: coordinators (everyone in the program),
  and trainers of the program (only their modules' participants).
"""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import is_module_trainer
from lms.programs.models import Module, ModuleTrainer, Track

# Notification kinds about logistics: only the person and the program office see them.
LOGISTICS_KINDS = ("readiness",)


def can_view_participant(viewer, enrolment: Enrolment) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.is_coordinator:
        return True
    return enrolment.module_id is not None and is_module_trainer(viewer, enrolment.module_id)


def sees_logistics(viewer) -> bool:
    """Readiness, decisions' reasons, notes of the enrolment history: the program office only."""
    return bool(getattr(viewer, "is_authenticated", False) and viewer.is_coordinator)


def trained_module_ids(viewer, program_id: int) -> set[int]:
    """The modules of the program the viewer trains (one query)."""
    return set(db.session.scalars(
        select(ModuleTrainer.module_id)
        .join(Module, Module.id == ModuleTrainer.module_id)
        .join(Track, Track.id == Module.track_id)
        .where(ModuleTrainer.user_id == viewer.id, Track.program_id == program_id)
    ))


def at_risk_scope(viewer, program_id: int) -> set[int] | None:
    """Whose reminders and at-risk rows the viewer may see: None for everyone (coordinators), else the
    module ids they train in the program (empty: not allowed at all)."""
    if not getattr(viewer, "is_authenticated", False):
        return set()
    if viewer.is_coordinator:
        return None
    return trained_module_ids(viewer, program_id)


def can_view_at_risk(scope: set[int] | None) -> bool:
    return scope is None or bool(scope)


def in_scope(enrolment: Enrolment, scope: set[int] | None) -> bool:
    return scope is None or (enrolment.module_id is not None and enrolment.module_id in scope)
