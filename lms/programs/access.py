"""Record rules for programs and modules (see ``lms.core.permissions``)."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.programs.models import Module, ModuleTrainer


def can_manage_program(user) -> bool:
    """Setting up programs, tracks, modules, groups, fields and organisations: the program office."""
    return bool(getattr(user, "is_authenticated", False) and user.is_coordinator)


def is_trainer_of(user, module: Module) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if "trainer_links" in module.__dict__:  # already loaded: no query
        return any(link.user_id == user.id for link in module.trainer_links)
    return db.session.scalar(
        select(ModuleTrainer.user_id).where(ModuleTrainer.module_id == module.id, ModuleTrainer.user_id == user.id)
    ) is not None


def can_view_module(user, module: Module) -> bool:
    """A module's page: the program office and the module's own trainers."""
    return can_manage_program(user) or is_trainer_of(user, module)
