"""Trainer-side settings of an assignment: points and submission rules, the rubric, extensions.

The views call these functions, then commit. Nothing here is deleted: rubric
criteria and levels are archived (grades refer to them by id) and extensions
are revoked (``revoked_at``), so every past decision can be traced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.assignments.models import Assignment, Extension, LatePolicy, RubricCriterion, RubricLevel, Submission
from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.core.timezones import format_instant
from lms.enrolment.models import Enrolment
from lms.learning.access import LEARNING_STATUSES
from lms.extensions import db
from lms.files.storage import RESOURCE_EXTENSIONS
from lms.programs.models import Group

MB = 1024 * 1024
MAX_FILES = 20
MAX_LEVELS = 6
UP, DOWN = "up", "down"


class SettingsError(Exception):
    """A rule that needs the database refused the change; ``message`` goes next to ``field``."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


# Points and submission rules ---------------------------------------------------------------


def existing_assignment(item) -> Assignment | None:
    return db.session.scalar(select(Assignment).where(Assignment.item_id == item.id))


def unsaved_assignment(item) -> Assignment:
    """The default settings of an item that has none saved yet, kept out of the session: showing
    a page must not store anything (``operations.assignment_for_item`` creates them on the first save)."""
    values = {}
    for column in Assignment.__table__.columns:
        if column.default is None or column.key in ("id", "item_id", "created_at", "updated_at"):
            continue
        arg = column.default.arg
        values[column.key] = arg(None) if callable(arg) else arg
    values["version"] = 1
    return Assignment(item=item, **values)


def file_extension_choices() -> list[str]:
    return sorted(RESOURCE_EXTENSIONS)


def max_upload_mb() -> int:
    """The largest per-file limit an assignment may set (the platform's upload limit)."""
    limit = int(current_app.config.get("RESOURCE_MAX_BYTES") or 50 * MB)
    return max(1, limit // MB)


def late_policy_label(value: str) -> str:
    return {
        LatePolicy.ACCEPT_AND_FLAG.value: _("Accept late work and flag it as late"),
        LatePolicy.CLOSE_AT_DUE.value: _("Close submission at the due time"),
    }.get(value, value)


def submission_count(assignment: Assignment) -> int:
    return db.session.scalar(
        select(func.count(Submission.id)).where(Submission.assignment_id == assignment.id)
    ) or 0


SETTINGS_FIELDS = ("points", "pass_points", "allow_text", "allow_files", "allowed_extensions", "max_file_bytes",
                   "max_files", "group_submission", "late_policy")


def update_settings(assignment: Assignment, data: dict, version) -> Assignment:
    """Save the settings; raises ``EditConflict`` when the form was opened on an older version."""
    check_version(assignment, version)
    if data["pass_points"] > data["points"]:
        raise SettingsError("pass_points", _("The pass mark cannot be more than the points."))
    if not (data["allow_text"] or data["allow_files"]):
        raise SettingsError("allow_text", _("Allow text, files or both: participants must be able to hand in something."))
    if bool(data["group_submission"]) != bool(assignment.group_submission) and submission_count(assignment):
        raise SettingsError(
            "group_submission",
            _("Participants have already started submitting, so individual or group work cannot change now."),
        )
    unknown = set(data["allowed_extensions"]) - RESOURCE_EXTENSIONS
    if unknown:
        raise SettingsError("allowed_extensions", _("Choose file types from the list."))
    if data["allow_files"] and not data["allowed_extensions"]:
        raise SettingsError("allowed_extensions", _("Tick at least one file type, or do not allow files."))
    for name in SETTINGS_FIELDS:
        setattr(assignment, name, data[name])
    assignment.allowed_extensions = sorted(data["allowed_extensions"])
    return assignment


# Rubric -------------------------------------------------------------------------------------


@dataclass
class LevelData:
    title: str
    points: int
    description: str | None = None
    id: int | None = None


@dataclass
class CriterionData:
    title: str
    description: str | None
    levels: list[LevelData] = field(default_factory=list)


def criteria_of(assignment: Assignment) -> list[RubricCriterion]:
    """Every criterion (archived too) in rubric order, levels loaded in the same query batch."""
    return list(db.session.scalars(
        select(RubricCriterion)
        .where(RubricCriterion.assignment_id == assignment.id)
        .options(selectinload(RubricCriterion.levels))
        .order_by(RubricCriterion.position, RubricCriterion.id)
    ))


def active_levels(criterion: RubricCriterion) -> list[RubricLevel]:
    """The levels in use, best first."""
    return [level for level in criterion.levels if level.archived_at is None]


def criterion_max(criterion: RubricCriterion) -> int:
    return max((level.points for level in active_levels(criterion)), default=0)


def rubric_max_total(criteria: list[RubricCriterion]) -> int:
    """The most a rubric can give: each criterion's best level, archived criteria left out."""
    return sum(criterion_max(criterion) for criterion in criteria if criterion.archived_at is None)


def _check_levels(assignment: Assignment, data: CriterionData) -> None:
    if len(data.levels) < 2:
        raise SettingsError("levels", _("Enter at least two levels."))
    if len(data.levels) > MAX_LEVELS:
        raise SettingsError("levels", _("A criterion has at most %(num)d levels.", num=MAX_LEVELS))
    if any(level.points > assignment.points for level in data.levels):
        raise SettingsError(
            "levels", _("A level cannot give more than the assignment's %(num)d points.", num=assignment.points)
        )


def create_criterion(assignment: Assignment, data: CriterionData) -> RubricCriterion:
    _check_levels(assignment, data)
    last = db.session.scalar(
        select(func.max(RubricCriterion.position)).where(RubricCriterion.assignment_id == assignment.id)
    )
    criterion = RubricCriterion(assignment=assignment, title=data.title, description=data.description,
                                position=(last + 1) if last is not None else 0)
    db.session.add(criterion)
    for level in data.levels:
        db.session.add(RubricLevel(criterion=criterion, title=level.title, points=level.points,
                                   description=level.description))
    db.session.flush()
    return criterion


def update_criterion(criterion: RubricCriterion, data: CriterionData) -> RubricCriterion:
    """Change the criterion and its levels. A level left out is archived, never deleted: grades
    already given keep pointing at it."""
    _check_levels(criterion.assignment, data)
    criterion.title = data.title
    criterion.description = data.description
    current = {level.id: level for level in criterion.levels if level.archived_at is None}
    kept = set()
    for level_data in data.levels:
        level = current.get(level_data.id) if level_data.id is not None else None
        if level is None:
            level = RubricLevel(criterion=criterion)
            db.session.add(level)
        else:
            kept.add(level.id)
        level.title = level_data.title
        level.points = level_data.points
        level.description = level_data.description
    now = utcnow()
    for level_id, level in current.items():
        if level_id not in kept:
            level.archived_at = now
    db.session.flush()
    return criterion


def _active_siblings(criterion: RubricCriterion) -> list[RubricCriterion]:
    return list(db.session.scalars(
        select(RubricCriterion)
        .where(RubricCriterion.assignment_id == criterion.assignment_id, RubricCriterion.archived_at.is_(None))
        .order_by(RubricCriterion.position, RubricCriterion.id)
    ))


def archive_criterion(criterion: RubricCriterion) -> bool:
    if criterion.archived_at is not None:
        return False
    criterion.archived_at = utcnow()
    return True


def restore_criterion(criterion: RubricCriterion) -> bool:
    """Back into use, at the end of the rubric."""
    if criterion.archived_at is None:
        return False
    siblings = _active_siblings(criterion)
    criterion.archived_at = None
    criterion.position = (max(s.position for s in siblings) + 1) if siblings else 0
    return True


def move_criterion(criterion: RubricCriterion, direction: str) -> bool:
    """Swap with the previous (up) or next (down) criterion in use; False at either end."""
    siblings = _active_siblings(criterion)
    if criterion not in siblings or direction not in (UP, DOWN):
        return False
    index = siblings.index(criterion)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    return True


# Extensions ---------------------------------------------------------------------------------


def participant_enrolments(assignment: Assignment) -> list[Enrolment]:
    """The active participants who take the assignment: the module's, or the whole program's
    for a program-wide unit. One query, people loaded with it."""
    unit = assignment.item.unit
    query = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.program_id == unit.program_id, Enrolment.status.in_(LEARNING_STATUSES))
        .options(selectinload(Enrolment.user), selectinload(Enrolment.group))
        .order_by(func.lower(User.name), User.id)
    )
    if unit.module_id is not None:
        query = query.where(Enrolment.module_id == unit.module_id)
    return list(db.session.scalars(query))


def program_groups(assignment: Assignment) -> list[Group]:
    return list(db.session.scalars(
        select(Group)
        .where(Group.program_id == assignment.item.unit.program_id, Group.archived_at.is_(None))
        .order_by(func.lower(Group.name))
    ))


@dataclass
class ExtensionRow:
    extension: Extension
    user: User | None
    group: Group | None
    granted_by: User | None

    @property
    def is_active(self) -> bool:
        return self.extension.revoked_at is None


def extension_rows(assignment: Assignment) -> list[ExtensionRow]:
    """Every extension (revoked ones too), newest first, with the people and groups named:
    a constant number of queries whatever the number of extensions."""
    extensions = list(db.session.scalars(
        select(Extension).where(Extension.assignment_id == assignment.id)
        .order_by(Extension.created_at.desc(), Extension.id.desc())
    ))
    user_ids = {e.user_id for e in extensions if e.user_id} | {e.granted_by_id for e in extensions if e.granted_by_id}
    group_ids = {e.group_id for e in extensions if e.group_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(group_ids)))} if group_ids else {}
    return [ExtensionRow(e, users.get(e.user_id), groups.get(e.group_id), users.get(e.granted_by_id))
            for e in extensions]


@dataclass
class DueRow:
    enrolment: Enrolment
    due_at: datetime | None
    extended: bool


def effective_due_rows(assignment: Assignment, enrolments: list[Enrolment],
                       rows: list[ExtensionRow]) -> list[DueRow]:
    """Each participant's effective due date, computed in bulk with the same rule as
    ``operations.effective_due_at``: the latest active extension (their own or their group's) wins."""
    base = assignment.item.due_at
    by_user: dict[int, list[datetime]] = {}
    by_group: dict[int, list[datetime]] = {}
    for row in rows:
        if not row.is_active:
            continue
        if row.extension.user_id is not None:
            by_user.setdefault(row.extension.user_id, []).append(row.extension.due_at)
        if row.extension.group_id is not None:
            by_group.setdefault(row.extension.group_id, []).append(row.extension.due_at)
    result = []
    for enrolment in enrolments:
        extended = by_user.get(enrolment.user_id, []) + by_group.get(enrolment.group_id, [])
        candidates = [value for value in (base, *extended) if value is not None]
        due = max(candidates) if candidates else None
        result.append(DueRow(enrolment, due, due is not None and due != base))
    return result


def grant_extension(assignment: Assignment, *, user_id: int | None, group_id: int | None, due_at: datetime,
                    reason: str, granted_by) -> Extension:
    """A later due date for one participant or one group of the assignment."""
    from lms.assignments.operations import effective_due_at

    if (user_id is None) == (group_id is None):
        raise SettingsError("user_id", _("Choose one participant or one group."))
    if assignment.item.due_at is None:
        raise SettingsError("due_at", _("This assignment has no due date yet: set one on the item first."))
    if user_id is not None:
        if user_id not in {e.user_id for e in participant_enrolments(assignment)}:
            raise SettingsError("user_id", _("Choose a participant of this module."))
        current = effective_due_at(assignment, db.session.get(User, user_id))
    else:
        if group_id not in {g.id for g in program_groups(assignment)}:
            raise SettingsError("group_id", _("Choose a group of this program."))
        current = effective_due_at(assignment, group_id=group_id)
    if due_at <= current:
        raise SettingsError("due_at", _("Choose a date and time after the current due date (%(date)s).",
                                        date=format_instant(current)))
    extension = Extension(assignment=assignment, user_id=user_id, group_id=group_id, due_at=due_at,
                          reason=reason, granted_by_id=granted_by.id)
    db.session.add(extension)
    db.session.flush()
    return extension


def revoke_extension(extension: Extension) -> bool:
    if extension.revoked_at is not None:
        return False
    extension.revoked_at = utcnow()
    return True
