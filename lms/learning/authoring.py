"""Authoring a module's online segment: the rules behind the trainers' content pages.

Views validate a form, call one of these, then commit. A rule that refuses
the change raises ``AuthoringError`` naming the form field where the message
belongs; a save over someone else's newer change raises
``lms.core.concurrency.EditConflict``. Nothing is deleted: units and items
are archived and restored, uploads stay stored, and editing an item never
touches participants' completion records.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.storage import IMAGE_EXTENSIONS, RESOURCE_EXTENSIONS, UploadRejected, UploadRules, save_upload
from lms.learning.models import (
    COMPLETION_RULES_BY_KIND,
    Completion,
    CompletionRule,
    Item,
    ItemKind,
    ItemPrerequisite,
    QuizChoice,
    QuizQuestion,
    Unit,
)
from lms.live.models import Audience
from lms.live.operations import chosen_audience, default_audience
from lms.programs.models import Group, Track

log = logging.getLogger(__name__)

UP = "up"
DOWN = "down"
COPY_SUFFIX = " (copy)"
TITLE_MAX = 200

# The endpoint (participant side) that serves files an item references.
ITEM_FILE_ENDPOINT = "learning.item_file"


class AuthoringError(Exception):
    """An authoring rule refused the change; ``field`` is the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Labels -------------------------------------------------------------------------------


def completion_rule_label(rule) -> str:
    """What completes an item, as authors read it: "viewed", "passed"…"""
    value = getattr(rule, "value", rule)
    return {
        CompletionRule.VIEW.value: _("viewed"),
        CompletionRule.MARK_DONE.value: _("marked as done by the participant"),
        CompletionRule.DOWNLOAD.value: _("downloaded"),
        CompletionRule.PASS.value: _("passed"),
        CompletionRule.SUBMIT.value: _("submitted"),
        CompletionRule.ATTEND.value: _("attended"),
    }.get(value, value)


def completion_rule_choices(kind: ItemKind) -> list[tuple[str, str]]:
    return [(rule.value, completion_rule_label(rule)) for rule in COMPLETION_RULES_BY_KIND[kind]]


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in ItemKind]


def parse_kind(value) -> ItemKind | None:
    try:
        return ItemKind(value)
    except ValueError:
        return None


# Limits -------------------------------------------------------------------------------


def resource_max_bytes() -> int:
    return int(current_app.config.get("RESOURCE_MAX_BYTES") or 50 * 1024 * 1024)


def format_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def request_limit_message() -> str:
    """What to say when a request is larger than the server accepts at all."""
    limits = [resource_max_bytes()]
    if current_app.config.get("MAX_CONTENT_LENGTH"):
        limits.append(int(current_app.config["MAX_CONTENT_LENGTH"]))
    return _("The file is larger than %(limit)s.", limit=format_size(min(limits)))


def resource_rules() -> UploadRules:
    return UploadRules(RESOURCE_EXTENSIONS, resource_max_bytes())


def image_rules() -> UploadRules:
    return UploadRules(IMAGE_EXTENSIONS, resource_max_bytes())


# Scope: the units of one module, or the program-wide units of one program ---------------


@dataclass(frozen=True)
class Scope:
    program_id: int
    module_id: int | None

    @classmethod
    def of(cls, unit: Unit) -> Scope:
        return cls(unit.program_id, unit.module_id)

    def unit_condition(self):
        if self.module_id is None:
            return (Unit.program_id == self.program_id) & Unit.module_id.is_(None)
        return Unit.module_id == self.module_id


def scope_units(scope: Scope) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).where(scope.unit_condition()).order_by(Unit.position, Unit.id)
    ).all())


def scope_items(scope: Scope) -> list[Item]:
    """Every item (archived too) of the scope's units, in outline order."""
    return list(db.session.scalars(
        select(Item).join(Unit, Item.unit_id == Unit.id).where(scope.unit_condition())
        .options(selectinload(Item.prerequisite_links))
        .order_by(Unit.position, Unit.id, Item.position, Item.id)
    ).all())


# The content page -----------------------------------------------------------------------


@dataclass
class Outline:
    """A scope's units with their items, loaded in a constant number of queries."""

    units: list[Unit]
    items_by_id: dict[int, Item]
    question_counts: dict[int, int] = field(default_factory=dict)
    completion_counts: dict[int, int] = field(default_factory=dict)
    archived_units: int = 0
    archived_items: int = 0

    def shown_units(self, include_archived: bool) -> list[Unit]:
        return [unit for unit in self.units if include_archived or not unit.is_archived]

    def shown_items(self, unit: Unit, include_archived: bool) -> list[Item]:
        return [item for item in unit.items if include_archived or not item.is_archived]

    def prerequisites_of(self, item: Item) -> list[Item]:
        return [self.items_by_id[i] for i in item.prerequisite_ids if i in self.items_by_id]


def load_outline(scope: Scope) -> Outline:
    units = list(db.session.scalars(
        select(Unit).where(scope.unit_condition()).order_by(Unit.position, Unit.id)
        .options(
            selectinload(Unit.items).selectinload(Item.prerequisite_links),
            selectinload(Unit.items).selectinload(Item.file),
        )
    ).all())
    items = [item for unit in units for item in unit.items]
    ids = [item.id for item in items]
    question_counts = dict(db.session.execute(
        select(QuizQuestion.item_id, func.count(QuizQuestion.id))
        .where(QuizQuestion.item_id.in_(ids), QuizQuestion.archived_at.is_(None))
        .group_by(QuizQuestion.item_id)
    ).all())
    completion_counts = dict(db.session.execute(
        select(Completion.item_id, func.count(Completion.id))
        .where(Completion.item_id.in_(ids)).group_by(Completion.item_id)
    ).all())
    items_by_id = {item.id: item for item in items}
    # Prerequisites in the program-wide units (e.g. the orientation): one more query for all of them.
    outside = {i for item in items for i in item.prerequisite_ids if i not in items_by_id}
    if outside:
        items_by_id.update({item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(outside)))})
    return Outline(
        units=units,
        items_by_id=items_by_id,
        question_counts=question_counts,
        completion_counts=completion_counts,
        archived_units=sum(1 for unit in units if unit.is_archived),
        archived_items=sum(1 for item in items if item.is_archived and not item.unit.is_archived),
    )


def session_times(item: Item) -> tuple[datetime | None, datetime | None]:
    """A live session's start and end (UTC), from its settings."""
    settings = item.settings or {}

    def parse(value):
        try:
            return datetime.fromisoformat(value).astimezone(timezone.utc) if value else None
        except (TypeError, ValueError):
            return None

    return parse(settings.get("starts_at")), parse(settings.get("ends_at"))


# Who a live session invites ------------------------------------------------------------


def audience_value(kind: str, audience_id: int) -> str:
    """How an audience travels in the item form's select: "group:12"."""
    return f"{kind}:{audience_id}"


def parse_audience(value) -> tuple[str, int] | None:
    kind, _sep, raw_id = str(value or "").partition(":")
    if kind not in {audience.value for audience in Audience} or not raw_id.isdigit():
        return None
    return kind, int(raw_id)


def item_audience_value(item: Item) -> str:
    """The form value of a live-session item's audience (its default when none was chosen)."""
    return audience_value(*(chosen_audience(item.settings) or default_audience(item.unit)))


def audience_choices(unit: Unit, item: Item | None = None) -> list[tuple[str, str]]:
    """Who a live session of ``unit`` may invite, its default first.

    A module unit: the module, one group of the program, the module's track or the whole program.
    A program-wide unit: the whole program, one track or one group. Archived tracks and groups are
    offered only to the item that invites them now.
    """
    current = chosen_audience(item.settings) if item is not None else None

    def shown(record, kind: str) -> bool:
        return not record.is_archived or current == (kind, record.id)

    def label(text: str, record) -> str:
        return _("%(title)s (archived)", title=text) if record.is_archived else text

    groups = [group for group in db.session.scalars(
        select(Group).where(Group.program_id == unit.program_id).order_by(Group.name, Group.id))
        if shown(group, Audience.GROUP.value)]
    group_choices = [(audience_value(Audience.GROUP.value, group.id),
                      label(_("One group of the program: %(group)s", group=group.name), group)) for group in groups]
    program_choice = (audience_value(Audience.PROGRAM.value, unit.program_id), _("The whole program"))
    if unit.module_id:
        track = unit.module.track
        return [
            (audience_value(Audience.MODULE.value, unit.module_id), _("Everyone in this module")),
            *group_choices,
            (audience_value(Audience.TRACK.value, track.id),
             label(_("The whole track: %(track)s", track=track.name), track)),
            program_choice,
        ]
    tracks = [track for track in db.session.scalars(
        select(Track).where(Track.program_id == unit.program_id).order_by(Track.position, Track.id))
        if shown(track, Audience.TRACK.value)]
    return [
        program_choice,
        *[(audience_value(Audience.TRACK.value, track.id),
           label(_("The whole track: %(track)s", track=track.name), track)) for track in tracks],
        *group_choices,
    ]


def _check_audience(unit: Unit, kind: str, audience_id: int, current) -> None:
    """Refuse an audience outside the unit's program (or, for a module unit, outside its module's track)."""
    program_name = unit.program.name
    if kind == Audience.MODULE.value:
        if unit.module_id:
            raise AuthoringError("audience", _("Only this unit's module can be invited (or a group, its "
                                               "track or the whole program)."))
        raise AuthoringError("audience", _("A program-wide session invites the whole program, a track or "
                                           "a group, not one module."))
    if kind == Audience.PROGRAM.value:
        if audience_id != unit.program_id:
            raise AuthoringError("audience", _("Only this program, “%(program)s”, can be invited.",
                                               program=program_name))
        return
    if kind == Audience.TRACK.value:
        track = db.session.get(Track, audience_id)
        if track is None or track.program_id != unit.program_id:
            raise AuthoringError("audience", _("This track is not part of the program “%(program)s”. "
                                               "Choose one of the list.", program=program_name))
        if unit.module_id and track.id != unit.module.track_id:
            raise AuthoringError("audience", _("Only this module's track, “%(track)s”, can be invited.",
                                               track=unit.module.track.name))
        if track.is_archived and current != (kind, audience_id):
            raise AuthoringError("audience", _("This track is archived. Choose another audience."))
        return
    group = db.session.get(Group, audience_id)
    if group is None or group.program_id != unit.program_id:
        raise AuthoringError("audience", _("This group is not part of the program “%(program)s”. "
                                           "Choose one of its groups.", program=program_name))
    if group.is_archived and current != (kind, audience_id):
        raise AuthoringError("audience", _("This group is archived. Choose another audience, or restore "
                                           "the group first."))


def _apply_audience(item: Item, unit: Unit, value) -> None:
    """Store who a live session invites in ``item.settings["audience"]`` (absent: the unit's default)."""
    if value is None or item.kind != ItemKind.LIVE_SESSION.value:
        return
    chosen = parse_audience(value)
    if chosen is None:
        raise AuthoringError("audience", _("Choose who is invited."))
    settings = dict(item.settings or {})
    current = chosen_audience(settings)
    if chosen == default_audience(unit):
        settings.pop("audience", None)
    else:
        _check_audience(unit, *chosen, current)
        settings["audience"] = {"kind": chosen[0], "id": chosen[1]}
    item.settings = settings


# Choices for the item form --------------------------------------------------------------


def unit_choices(scope: Scope, current_unit_id: int | None = None) -> list[tuple[int, str]]:
    """Units an item may be moved to: active ones, and the current one even when archived."""
    choices = []
    for unit in scope_units(scope):
        if unit.is_archived and unit.id != current_unit_id:
            continue
        label = unit.title
        if unit.is_archived:
            label = _("%(title)s (archived)", title=unit.title)
        elif unit.hidden:
            label = _("%(title)s (hidden)", title=unit.title)
        choices.append((unit.id, label))
    return choices


def prerequisite_scopes(scope: Scope) -> list[Scope]:
    """Where an item's prerequisites may come from: its own scope and, for a module's item, the
    program-wide units every participant takes first (e.g. "finish the orientation quiz")."""
    if scope.module_id is None:
        return [scope]
    return [Scope(scope.program_id, None), scope]


def prerequisite_candidates(scope: Scope) -> list[Item]:
    return [candidate for each in prerequisite_scopes(scope) for candidate in scope_items(each)]


def prerequisite_choices(scope: Scope, item: Item | None = None) -> list[tuple[int, str]]:
    """Other items an item may require (its scope's and, for a module, the program-wide ones):
    active ones, and current prerequisites."""
    current = set(item.prerequisite_ids) if item is not None else set()
    units = {unit.id: unit for each in prerequisite_scopes(scope) for unit in scope_units(each)}
    choices = []
    for candidate in prerequisite_candidates(scope):
        if item is not None and candidate.id == item.id:
            continue
        unit = units[candidate.unit_id]
        archived = candidate.is_archived or unit.is_archived
        if archived and candidate.id not in current:
            continue
        label = _("%(unit)s › %(item)s", unit=unit.title, item=candidate.title)
        if archived:
            label = _("%(title)s (archived)", title=label)
        choices.append((candidate.id, label))
    return choices


# Ordering -------------------------------------------------------------------------------


def _renumber(records) -> None:
    for index, record in enumerate(records):
        if record.position != index:
            record.position = index


def _move(record, siblings: list, direction: str) -> bool:
    """Swap ``record`` with its previous/next active sibling; False at either end."""
    if direction not in (UP, DOWN):
        raise ValueError(direction)
    _renumber(siblings)
    active = [sibling for sibling in siblings if not sibling.is_archived or sibling is record]
    index = active.index(record)
    neighbour_index = index - 1 if direction == UP else index + 1
    if neighbour_index < 0 or neighbour_index >= len(active):
        return False
    neighbour = active[neighbour_index]
    record.position, neighbour.position = neighbour.position, record.position
    return True


def _ordered_items(unit: Unit) -> list[Item]:
    return sorted(unit.items, key=lambda item: (item.position, item.id or 0))


def move_unit(unit: Unit, direction: str, actor=None) -> bool:
    return _move(unit, scope_units(Scope.of(unit)), direction)


def move_item(item: Item, direction: str, actor=None) -> bool:
    return _move(item, _ordered_items(item.unit), direction)


def move_item_to_unit(item: Item, target: Unit, actor=None) -> bool:
    """Put ``item`` at the end of another unit of the same scope; both units renumbered."""
    source = item.unit
    if target.id == source.id:
        return False
    if Scope.of(target) != Scope.of(source):
        raise AuthoringError("unit_id", _("Choose a unit of the same module."))
    if target.is_archived:
        raise AuthoringError("unit_id", _("This unit is archived. Restore it first, or choose another unit."))
    remaining = [other for other in _ordered_items(source) if other is not item]
    existing = _ordered_items(target)
    item.unit = target
    _renumber(remaining)
    _renumber([*existing, item])
    return True


# Visibility and archiving -----------------------------------------------------------------


def set_hidden(record, hidden: bool, actor=None) -> bool:
    """Hide a unit or item from participants (or show it again); False when nothing changed."""
    if record.hidden == hidden:
        return False
    record.hidden = hidden
    log.info("%s %s %s %s", getattr(actor, "email", None), "hid" if hidden else "showed",
             type(record).__name__, record.id)
    return True


def archive(record, actor=None) -> bool:
    """Archive a unit or item (kept, restorable); False when it already was archived."""
    if record.is_archived:
        return False
    record.archived_at = utcnow()
    log.info("%s archived %s %s", getattr(actor, "email", None), type(record).__name__, record.id)
    return True


def restore(record, actor=None) -> bool:
    if not record.is_archived:
        return False
    record.archived_at = None
    log.info("%s restored %s %s", getattr(actor, "email", None), type(record).__name__, record.id)
    return True


# Units ---------------------------------------------------------------------------------------


UNIT_FIELDS = ("title", "summary", "hidden")


def create_unit(program, module, data: dict, actor=None) -> Unit:
    """A new unit at the end of a module (or, without a module, of the program-wide units)."""
    scope = Scope(program.id, module.id if module is not None else None)
    siblings = scope_units(scope)
    _renumber(siblings)
    unit = Unit(program_id=program.id, module_id=scope.module_id, position=len(siblings))
    for name in UNIT_FIELDS:
        setattr(unit, name, data[name])
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(unit: Unit, data: dict, version, actor=None) -> Unit:
    check_version(unit, version)
    for name in UNIT_FIELDS:
        setattr(unit, name, data[name])
    db.session.flush()
    return unit


def _copy_title(title: str) -> str:
    return title[: TITLE_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX


def duplicate_unit(unit: Unit, actor=None) -> Unit:
    """A hidden copy right after ``unit``, with copies of its active items.

    Prerequisites between items of the unit point to the copies; those on
    items elsewhere stay as they are.
    """
    siblings = scope_units(Scope.of(unit))
    copy_unit = Unit(program_id=unit.program_id, module_id=unit.module_id, title=_copy_title(unit.title),
                     summary=unit.summary, hidden=True)
    db.session.add(copy_unit)
    siblings.insert(siblings.index(unit) + 1, copy_unit)
    _renumber(siblings)
    db.session.flush()

    originals = [item for item in _ordered_items(unit) if not item.is_archived]
    copies: dict[int, Item] = {}
    for position, original in enumerate(originals):
        copies[original.id] = _copy_item(original, copy_unit, position, hidden=original.hidden)
    db.session.flush()
    for original in originals:
        for required_id in original.prerequisite_ids:
            target = copies.get(required_id)
            db.session.add(ItemPrerequisite(item_id=copies[original.id].id,
                                            required_item_id=target.id if target else required_id))
    _copy_questions(originals, copies)
    db.session.flush()
    for duplicate in copies.values():
        _sync_live_session(duplicate)
    return copy_unit


# Items ---------------------------------------------------------------------------------------


ITEM_FIELDS = ("title", "required", "completion_rule", "opens_at", "due_at", "hidden", "body", "url")


def _check_completion_rule(kind: ItemKind, rule: str) -> None:
    if rule not in {allowed.value for allowed in COMPLETION_RULES_BY_KIND[kind]}:
        raise AuthoringError("completion_rule", _("Choose when this item counts as complete."))


def _apply_item(item: Item, kind: ItemKind, data: dict) -> None:
    _check_completion_rule(kind, data["completion_rule"])
    for name in ITEM_FIELDS:
        if name in data:
            setattr(item, name, data[name])
    settings = dict(item.settings or {})  # keys this form does not know (e.g. images) are kept
    settings.update(data.get("settings") or {})
    if kind is ItemKind.ASSIGNMENT:
        settings["complete_on"] = data["completion_rule"]  # mirrored: "submit" or "pass"
    item.settings = settings


def _store_upload(upload, actor, field_name: str, rules: UploadRules) -> StoredFile:
    try:
        return save_upload(upload, rules, uploaded_by=actor)
    except UploadRejected as error:
        raise AuthoringError(field_name, str(error)) from None


def has_upload(upload) -> bool:
    return upload is not None and bool(getattr(upload, "filename", None))


def create_item(unit: Unit, kind: ItemKind, data: dict, actor=None, upload=None) -> Item:
    """A new item at the end of ``unit``; a file item needs its upload."""
    if unit.is_archived:
        raise AuthoringError("title", _("This unit is archived. Restore it before adding items."))
    item = Item(kind=kind.value, settings={})
    _apply_item(item, kind, data)
    _apply_audience(item, unit, data.get("audience"))
    if kind is ItemKind.FILE:
        if not has_upload(upload):
            raise AuthoringError("upload", _("Choose the file to share."))
        item.file = _store_upload(upload, actor, "upload", resource_rules())
    siblings = _ordered_items(unit)
    _renumber(siblings)
    item.position = len(siblings)
    item.unit = unit
    db.session.add(item)
    db.session.flush()
    set_prerequisites(item, data.get("prerequisite_ids") or [])
    db.session.flush()
    _sync_live_session(item)
    return item


def _sync_live_session(item: Item) -> None:
    """A live-session item's LiveSession follows its title, times and video link."""
    if item.kind == ItemKind.LIVE_SESSION.value:
        from lms.live.schedule import sync_item_session

        sync_item_session(item)


def update_item(item: Item, data: dict, version, actor=None, upload=None) -> Item:
    """Save an item's fields. Completion records are never touched."""
    check_version(item, version)
    kind = item.kind_enum
    target_id = data.get("unit_id")
    if target_id is not None and target_id != item.unit_id:
        target = db.session.get(Unit, target_id)
        if target is None:
            raise AuthoringError("unit_id", _("Choose a unit of the same module."))
        move_item_to_unit(item, target, actor)
    set_prerequisites(item, data.get("prerequisite_ids") or [])
    _apply_item(item, kind, data)
    _apply_audience(item, item.unit, data.get("audience"))
    if kind is ItemKind.FILE and has_upload(upload):
        # The new file replaces the reference; the old stored file stays (nothing is deleted).
        item.file = _store_upload(upload, actor, "upload", resource_rules())
    item.updated_at = utcnow()  # always a row update, so the version moves on
    db.session.flush()
    _sync_live_session(item)
    return item


def _prerequisite_graph(scope: Scope) -> dict[int, set[int]]:
    rows = db.session.execute(
        select(ItemPrerequisite.item_id, ItemPrerequisite.required_item_id)
        .join(Item, Item.id == ItemPrerequisite.item_id)
        .join(Unit, Unit.id == Item.unit_id)
        .where(scope.unit_condition())
    ).all()
    graph: dict[int, set[int]] = {}
    for item_id, required_id in rows:
        graph.setdefault(item_id, set()).add(required_id)
    return graph


def _reaches(graph: dict[int, set[int]], start: int, goal: int) -> bool:
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(graph.get(current, ()))
    return False


def set_prerequisites(item: Item, required_ids) -> None:
    """Replace the items ``item`` requires; refuse other scopes and cycles."""
    required_ids = list(dict.fromkeys(int(i) for i in required_ids))
    if item.id is not None and item.id in required_ids:
        raise AuthoringError("prerequisites", _("An item cannot require itself."))
    scope = Scope.of(item.unit)
    if required_ids:
        candidates = {candidate.id: candidate for candidate in prerequisite_candidates(scope)}
        unknown = [i for i in required_ids if i not in candidates]
        if unknown:
            raise AuthoringError("prerequisites",
                                 _("Choose items of the same module or of the program-wide units."))
        if item.id is not None:
            graph = _prerequisite_graph(scope)
            graph[item.id] = set(required_ids)
            looping = [candidates[i].title for i in required_ids if _reaches(graph, i, item.id)]
            if looping:
                raise AuthoringError("prerequisites", _(
                    "“%(titles)s” already requires this item (directly or through other items): "
                    "an item cannot require itself, even indirectly. Untick it.",
                    titles="”, “".join(looping),
                ))
    current = {link.required_item_id: link for link in item.prerequisite_links}
    for required_id, link in current.items():
        if required_id not in required_ids:
            item.prerequisite_links.remove(link)
    for required_id in required_ids:
        if required_id not in current:
            item.prerequisite_links.append(ItemPrerequisite(required_item_id=required_id))


def _copy_item(original: Item, unit: Unit, position: int, *, hidden: bool) -> Item:
    duplicate = Item(
        unit=unit,
        kind=original.kind,
        title=_copy_title(original.title),
        position=position,
        hidden=hidden,
        required=original.required,
        completion_rule=original.completion_rule,
        opens_at=original.opens_at,
        due_at=original.due_at,
        body=original.body,
        url=original.url,
        file_id=original.file_id,
        settings=copy.deepcopy(original.settings or {}),
    )
    db.session.add(duplicate)
    return duplicate


def _copy_questions(originals: list[Item], copies: dict[int, Item]) -> None:
    """Copy the active questions (with their choices) of the quizzes among ``originals``."""
    quiz_ids = [item.id for item in originals if item.kind == ItemKind.QUIZ.value]
    if not quiz_ids:
        return
    questions = db.session.scalars(
        select(QuizQuestion).where(QuizQuestion.item_id.in_(quiz_ids), QuizQuestion.archived_at.is_(None))
        .options(selectinload(QuizQuestion.choices)).order_by(QuizQuestion.position, QuizQuestion.id)
    ).all()
    for question in questions:
        question_copy = QuizQuestion(
            item_id=copies[question.item_id].id,
            kind=question.kind,
            prompt=question.prompt,
            position=question.position,
            points=question.points,
            accepted_answers=list(question.accepted_answers or []),
            feedback_correct=question.feedback_correct,
            feedback_incorrect=question.feedback_incorrect,
        )
        question_copy.choices = [
            QuizChoice(text=choice.text, is_correct=choice.is_correct, feedback=choice.feedback,
                       position=choice.position)
            for choice in question.choices
        ]
        db.session.add(question_copy)


def _rewrite_image_urls(original: Item, duplicate: Item) -> None:
    """Point a copied body's image addresses at the copy (which references the same files)."""
    if not duplicate.body:
        return
    for file_id in (duplicate.settings or {}).get("images", []):
        old, new = image_url(original.id, file_id), image_url(duplicate.id, file_id)
        if old and new:
            duplicate.body = duplicate.body.replace(f"({old})", f"({new})")


def duplicate_item(item: Item, actor=None) -> Item:
    """A hidden copy right after ``item``: settings, file, prerequisites and quiz questions included."""
    siblings = _ordered_items(item.unit)
    duplicate = _copy_item(item, item.unit, item.position, hidden=True)
    siblings.insert(siblings.index(item) + 1, duplicate)
    _renumber(siblings)
    db.session.flush()
    for required_id in item.prerequisite_ids:
        db.session.add(ItemPrerequisite(item_id=duplicate.id, required_item_id=required_id))
    _copy_questions([item], {item.id: duplicate})
    _rewrite_image_urls(item, duplicate)
    db.session.flush()
    _sync_live_session(duplicate)
    return duplicate


# Lesson images ---------------------------------------------------------------------------------


def image_url(item_id: int, file_id: int) -> str | None:
    """Where participants (and authors) see an image of an item; None until that page exists."""
    if not has_request_context() or ITEM_FILE_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(ITEM_FILE_ENDPOINT, item_id=item_id, file_id=file_id)


def item_images(item: Item) -> list[StoredFile]:
    ids = [int(i) for i in (item.settings or {}).get("images", [])]
    if not ids:
        return []
    files = {stored.id: stored for stored in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))}
    return [files[i] for i in ids if i in files]


def image_markdown(item: Item, stored: StoredFile) -> str | None:
    url = image_url(item.id, stored.id)
    if url is None:
        return None
    alt = stored.original_name.rsplit(".", 1)[0].replace("[", "").replace("]", "")
    return f"![{alt}]({url})"


def add_image(item: Item, upload, actor=None) -> StoredFile:
    """Store an image for the item's text and record it in ``settings["images"]``.

    The list is written without moving the item's version on: an edit form
    open beside the upload (the usual case) can still be saved.
    """
    stored = _store_upload(upload, actor, "image", image_rules())
    settings = dict(item.settings or {})
    settings["images"] = [*settings.get("images", []), stored.id]
    db.session.execute(Item.__table__.update().where(Item.__table__.c.id == item.id).values(settings=settings))
    set_committed_value(item, "settings", settings)
    return stored


def completion_count(item: Item) -> int:
    """How many participants completed the item (their records survive every edit)."""
    return db.session.scalar(select(func.count(Completion.id)).where(Completion.item_id == item.id)) or 0
