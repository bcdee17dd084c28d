"""Recording completion: at once, once, with when and how."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.learning.models import Completion, Item


def record_completion(user, item: Item, how: str, detail: str | None = None) -> Completion:
    """Mark ``item`` complete for ``user`` (idempotent: the first record stays).

    Safe when two requests race (a double click): the unique constraint
    keeps one record and the loser reads it back.
    """
    existing = db.session.scalar(
        select(Completion).where(Completion.user_id == user.id, Completion.item_id == item.id)
    )
    if existing is not None:
        return existing
    completion = Completion(user_id=user.id, item_id=item.id, how=how, detail=detail)
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        return db.session.scalar(
            select(Completion).where(Completion.user_id == user.id, Completion.item_id == item.id)
        )
    return completion
