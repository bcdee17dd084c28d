"""Program set-up operations: the rules behind the coordinator pages."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.programs.models import Module, ModuleTrainer


def add_trainer(module: Module, user, actor=None) -> bool:
    """Make ``user`` a trainer of ``module``; False when they already were."""
    exists = db.session.scalar(
        select(ModuleTrainer).where(ModuleTrainer.module_id == module.id, ModuleTrainer.user_id == user.id)
    )
    if exists is not None:
        return False
    db.session.add(ModuleTrainer(module=module, user=user))
    db.session.flush()
    return True
