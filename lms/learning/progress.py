"""Progress: how far each participant is, per module and per program.

One domain service, used by the outline, the item pages, the trainer grid,
the home page and the offline package. Whatever the number of participants,
it loads the outline once (units, items, prerequisites, files) and the
completions of every participant once, then computes in Python:

* per item and participant: done (with when and how), open, locked (with the
  reasons from ``release.lock_for``) or overdue (required, due date passed,
  not done);
* per participant: required items done of total, the percentage, the overdue
  items and the next item ("continue where you left off").

A participant's outline is the program-wide units of their program (e.g. an
orientation) followed by their module's units; hidden and archived units and
items do not exist for participants and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms.core.database import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES
from lms.learning.models import Completion, Item, Unit
from lms.learning.release import Lock, lock_for

DONE = "done"
OPEN = "open"
LOCKED = "locked"
OVERDUE = "overdue"


def how_label(how: str | None) -> str:
    """How an item was completed, in words."""
    labels = {
        "viewed": _("viewed"),
        "marked_done": _("marked as done"),
        "downloaded": _("downloaded"),
        "passed": _("passed"),
        "submitted": _("submitted"),
        "attended": _("attended"),
    }
    return labels.get(how or "", how or "")


def state_label(state: str) -> str:
    return {
        DONE: _("Done"),
        OPEN: _("Open"),
        LOCKED: _("Locked"),
        OVERDUE: _("Overdue"),
    }.get(state, state)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass
class ItemState:
    """One item as one participant sees it."""

    item: Item
    state: str  # done | open | locked | overdue
    completion: Completion | None = None
    lock: Lock | None = None
    is_overdue: bool = False  # required, due date passed, not done (even when also locked)

    @property
    def is_done(self) -> bool:
        return self.state == DONE

    @property
    def is_locked(self) -> bool:
        return self.state == LOCKED

    @property
    def label(self) -> str:
        return state_label(self.state)


@dataclass
class Progress:
    """One participant's progress through an outline (a module with the program-wide units)."""

    user_id: int
    required_done: int = 0
    required_total: int = 0
    optional_done: int = 0
    optional_total: int = 0
    overdue: list[Item] = field(default_factory=list)
    next_item: Item | None = None
    states: dict[int, ItemState] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        if not self.required_total:
            return 100 if self.states else 0
        return round(100 * self.required_done / self.required_total)

    @property
    def width_class(self) -> str:
        """A CSS class per 5 % step (``w-45``): inline styles are forbidden by the CSP."""
        return f"w-{5 * round(self.percent / 5)}"

    @property
    def is_complete(self) -> bool:
        return self.required_total > 0 and self.required_done == self.required_total

    @property
    def done_count(self) -> int:
        return self.required_done + self.optional_done

    @property
    def item_count(self) -> int:
        return self.required_total + self.optional_total

    def state_of(self, item: Item) -> ItemState | None:
        return self.states.get(item.id)


@dataclass
class Outline:
    """The units a participant works through, in order, and every item loaded with them.

    ``units`` holds only what participants see (not hidden, not archived) and
    each unit's ``visible_items``; ``items_by_id`` also holds hidden items so
    that prerequisites resolve without extra queries.
    """

    units: list[Unit]
    visible_items_by_unit: dict[int, list[Item]]
    items_by_id: dict[int, Item]

    @property
    def items(self) -> list[Item]:
        return [item for unit in self.units for item in self.visible_items_by_unit.get(unit.id, [])]

    def visible_items(self, unit: Unit) -> list[Item]:
        return self.visible_items_by_unit.get(unit.id, [])

    def neighbours(self, item: Item) -> tuple[Item | None, Item | None]:
        """The previous and next visible items in outline order."""
        ordered = self.items
        ids = [entry.id for entry in ordered]
        if item.id not in ids:
            return None, None
        index = ids.index(item.id)
        previous = ordered[index - 1] if index > 0 else None
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        return previous, following


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def _unit_order(unit: Unit):
    # Program-wide units (orientation) first, then the module's units.
    return (unit.module_id is not None, unit.position, unit.id)


def _load_units(program_ids: set[int], module_ids: set[int]) -> list[Unit]:
    """Every unit (hidden and archived included) of these programs' program-wide parts and these modules:
    three queries (units, items, prerequisites) plus one for files."""
    if not program_ids and not module_ids:
        return []
    conditions = []
    if program_ids:
        conditions.append((Unit.module_id.is_(None)) & (Unit.program_id.in_(program_ids)))
    if module_ids:
        conditions.append(Unit.module_id.in_(module_ids))
    return list(
        db.session.scalars(
            select(Unit)
            .where(or_(*conditions))
            .options(
                selectinload(Unit.items).selectinload(Item.prerequisite_links),
                selectinload(Unit.items).selectinload(Item.file),
            )
            .order_by(Unit.position, Unit.id)
        ).all()
    )


def _build_outline(units: list[Unit], items_by_id: dict[int, Item]) -> Outline:
    shown = sorted((unit for unit in units if not unit.hidden and unit.archived_at is None), key=_unit_order)
    visible = {
        unit.id: [item for item in unit.items if not item.hidden and item.archived_at is None]
        for unit in shown
    }
    return Outline(units=shown, visible_items_by_unit=visible, items_by_id=items_by_id)


def _index_items(units: list[Unit]) -> dict[int, Item]:
    items_by_id = {item.id: item for unit in units for item in unit.items}
    # Prerequisites outside these units (rare): one more query for all of them.
    missing = {
        link.required_item_id
        for item in items_by_id.values()
        for link in item.prerequisite_links
        if link.required_item_id not in items_by_id
    }
    if missing:
        for item in db.session.scalars(
            select(Item).where(Item.id.in_(missing)).options(selectinload(Item.unit))
        ).all():
            items_by_id[item.id] = item
    return items_by_id


def load_outline(program_id: int, module_id: int | None) -> Outline:
    """A module's outline (program-wide units first), or only the program-wide units when module_id is None."""
    units = _load_units({program_id}, {module_id} if module_id else set())
    return _build_outline(units, _index_items(units))


def load_completions(user_ids, item_ids) -> dict[int, dict[int, Completion]]:
    """{user_id: {item_id: Completion}} in one query."""
    user_ids, item_ids = set(user_ids), set(item_ids)
    result: dict[int, dict[int, Completion]] = {user_id: {} for user_id in user_ids}
    if not user_ids or not item_ids:
        return result
    for completion in db.session.scalars(
        select(Completion).where(Completion.user_id.in_(user_ids), Completion.item_id.in_(item_ids))
    ).all():
        result[completion.user_id][completion.item_id] = completion
    return result


# --------------------------------------------------------------------------
# Computing
# --------------------------------------------------------------------------


def compute_progress(user_id: int, outline: Outline, completions: dict[int, Completion],
                     now: datetime | None = None) -> Progress:
    """One participant's states and totals over an already loaded outline (no queries)."""
    now = now or utcnow()
    completed_ids = set(completions)
    progress = Progress(user_id=user_id)
    for item in outline.items:
        completion = completions.get(item.id)
        overdue = (
            completion is None and item.required and item.due_at is not None and item.due_at < now
        )
        if completion is not None:
            state = ItemState(item, DONE, completion=completion)
        else:
            lock = lock_for(item, completed_ids, outline.items_by_id, now)
            if lock.is_locked:
                state = ItemState(item, LOCKED, lock=lock, is_overdue=overdue)
            else:
                state = ItemState(item, OVERDUE if overdue else OPEN, lock=lock, is_overdue=overdue)
        progress.states[item.id] = state
        if item.required:
            progress.required_total += 1
            progress.required_done += completion is not None
        else:
            progress.optional_total += 1
            progress.optional_done += completion is not None
        if overdue:
            progress.overdue.append(item)
    progress.next_item = _next_item(outline.items, progress.states)
    return progress


def _next_item(items: list[Item], states: dict[int, ItemState]) -> Item | None:
    """Where the participant left off: the first open (or overdue) item in outline order, passing
    over optional items before the furthest item already done (the ones the participant chose to
    skip); when only such skipped items are left, the first of them."""
    furthest_done = max((index for index, item in enumerate(items) if states[item.id].is_done), default=-1)
    startable = [(index, item) for index, item in enumerate(items) if states[item.id].state in (OPEN, OVERDUE)]
    for index, item in startable:
        if item.required or index > furthest_done:
            return item
    return startable[0][1] if startable else None


def module_progress(user_ids, module, now: datetime | None = None, outline: Outline | None = None
                    ) -> dict[int, Progress]:
    """{user_id: Progress} over the module's outline (program-wide units included), in constant queries."""
    user_ids = list(user_ids)
    outline = outline or load_outline(module.track.program_id, module.id)
    completions = load_completions(user_ids, [item.id for item in outline.items])
    return {user_id: compute_progress(user_id, outline, completions[user_id], now) for user_id in user_ids}


def progress_for_enrolments(pairs, now: datetime | None = None) -> dict[tuple[int, int], Progress]:
    """Progress for many (user_id, program_id, module_id or None) at once, in constant queries.

    Each participant's outline is their program's program-wide units and
    their module's units. Returns {(user_id, program_id): Progress}.
    """
    pairs = list(pairs)
    if not pairs:
        return {}
    program_ids = {program_id for _user, program_id, _module in pairs}
    module_ids = {module_id for _user, _program, module_id in pairs if module_id}
    units = _load_units(program_ids, module_ids)
    items_by_id = _index_items(units)
    by_scope: dict[tuple[int, int | None], list[Unit]] = defaultdict(list)
    for unit in units:
        by_scope[(unit.program_id, unit.module_id)].append(unit)
    outlines: dict[tuple[int, int | None], Outline] = {}
    for _user, program_id, module_id in pairs:
        key = (program_id, module_id)
        if key not in outlines:
            scoped = by_scope[(program_id, None)] + (by_scope[(program_id, module_id)] if module_id else [])
            outlines[key] = _build_outline(scoped, items_by_id)
    all_item_ids = {item.id for outline in outlines.values() for item in outline.items}
    completions = load_completions({user_id for user_id, _p, _m in pairs}, all_item_ids)
    result = {}
    for user_id, program_id, module_id in pairs:
        outline = outlines[(program_id, module_id)]
        result[(user_id, program_id)] = compute_progress(user_id, outline, completions[user_id], now)
    return result


def program_progress(user_ids, program, now: datetime | None = None) -> dict[int, Progress]:
    """{user_id: Progress} over each participant's outline in the program (program-wide units and
    their own module), in constant queries. Users without a learning enrolment are left out."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.user_id, Enrolment.module_id).where(
            Enrolment.program_id == program.id,
            Enrolment.user_id.in_(user_ids),
            Enrolment.status.in_(LEARNING_STATUSES),
        )
    ).all()
    computed = progress_for_enrolments([(user_id, program.id, module_id) for user_id, module_id in rows], now)
    return {user_id: progress for (user_id, _program_id), progress in computed.items()}


def item_states(user, unit_list, outline: Outline | None = None, now: datetime | None = None
                ) -> dict[int, ItemState]:
    """{item_id: ItemState} for the visible items of ``unit_list`` as ``user`` sees them.

    ``outline`` (the unit list's full outline) lets prerequisites in other
    units resolve without queries; without it only these units' items are
    known and prerequisites elsewhere are loaded once.
    """
    units = list(unit_list)
    if outline is None:
        items_by_id = _index_items(units)
        outline = _build_outline(units, items_by_id)
    completions = load_completions([user.id], [item.id for item in outline.items])[user.id]
    progress = compute_progress(user.id, outline, completions, now)
    wanted = {unit.id for unit in units}
    return {item_id: state for item_id, state in progress.states.items() if state.item.unit_id in wanted}


def lock_for_user(user, item: Item, now: datetime | None = None) -> Lock:
    """The lock of one item for one participant (two queries: prerequisites' completions)."""
    prerequisite_ids = item.prerequisite_ids
    if not prerequisite_ids:
        return lock_for(item, set(), {}, now)
    completed = set(
        db.session.scalars(
            select(Completion.item_id).where(
                Completion.user_id == user.id, Completion.item_id.in_(prerequisite_ids)
            )
        ).all()
    )
    required = {
        item.id: item
        for item in db.session.scalars(
            select(Item).where(Item.id.in_(prerequisite_ids)).options(selectinload(Item.unit))
        ).all()
    }
    return lock_for(item, completed, required, now)

