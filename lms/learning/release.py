"""Release rules: when an item opens for a participant, and why it is locked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from lms.core.database import utcnow
from lms.core.timezones import format_instant
from lms.learning.models import Item


@dataclass
class Lock:
    """Why an item is locked and what unlocks it (empty: open)."""

    reasons: list[str] = field(default_factory=list)
    opens_at: datetime | None = None
    missing_prerequisites: list[Item] = field(default_factory=list)

    @property
    def is_locked(self) -> bool:
        return bool(self.reasons)


def visible_to_participants(item: Item) -> bool:
    """Hidden or archived items and units do not exist for participants."""
    unit = item.unit
    return not (item.hidden or item.archived_at or unit.hidden or unit.archived_at)


def lock_for(item: Item, completed_item_ids: set[int], items_by_id: dict[int, Item] | None = None,
             now: datetime | None = None) -> Lock:
    """The lock of ``item`` for a participant who completed ``completed_item_ids``.

    ``items_by_id`` lets callers that already loaded the module's items avoid
    a query per prerequisite.
    """
    now = now or utcnow()
    lock = Lock()
    if item.opens_at is not None and item.opens_at > now:
        lock.opens_at = item.opens_at
        lock.reasons.append(_("Opens on %(date)s.", date=format_instant(item.opens_at)))
    for required_id in item.prerequisite_ids:
        if required_id in completed_item_ids:
            continue
        required = (items_by_id or {}).get(required_id)
        if required is None:
            required = next(
                (link.required_item for link in item.prerequisite_links if link.required_item_id == required_id),
                None,
            )
        if required is None or not visible_to_participants(required):
            continue  # a hidden or archived prerequisite cannot block anyone
        lock.missing_prerequisites.append(required)
        lock.reasons.append(_("Complete “%(title)s” first.", title=required.title))
    return lock


# --------------------------------------------------------------------------
# How release dates read to a participant: in their zone, with a relative hint
# --------------------------------------------------------------------------


def relative_hint(instant: datetime | None, now: datetime | None = None) -> str:
    """'in 3 days' or '2 hours ago', in the viewer's language ('' without a date)."""
    if instant is None:
        return ""
    from flask_babel import format_timedelta

    now = now or utcnow()
    return format_timedelta(instant - now, granularity="minute", threshold=0.9, add_direction=True)


def opens_hint(item: Item, now: datetime | None = None) -> str:
    """'Opens in 2 days' while the release date is ahead, else ''."""
    now = now or utcnow()
    if item.opens_at is None or item.opens_at <= now:
        return ""
    return _("Opens %(when)s", when=relative_hint(item.opens_at, now))


def due_hint(item: Item, now: datetime | None = None) -> str:
    """'Due in 3 days' or 'Was due 2 days ago' ('' without a due date)."""
    if item.due_at is None:
        return ""
    now = now or utcnow()
    if item.due_at > now:
        return _("Due %(when)s", when=relative_hint(item.due_at, now))
    return _("Was due %(when)s", when=relative_hint(item.due_at, now))
