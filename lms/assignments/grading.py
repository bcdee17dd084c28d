"""Grading: queue rows, saving and releasing grades (with history), gradebook data.

Views call these functions, then commit. Every change of a grade appends a
``GradeEvent`` holding a snapshot of the grade after the change, so the
history shows who changed what and when. Saving checks the grade's version
(optimistic locking): a grader never overwrites another grader's work
without seeing it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from werkzeug.routing import BuildError

from lms.accounts.models import User
from lms.assignments.models import (
    Assignment,
    Grade,
    GradeEvent,
    GradeStatus,
    RubricCriterion,
    Submission,
    SubmissionVersion,
)
from lms.assignments.operations import complete_for_members, submission_members
from lms.core.concurrency import EditConflict, check_version
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES
from lms.learning.authoring import Scope
from lms.learning.models import CompletionRule, Item, ItemKind, Unit
from lms.notifications.operations import notify
from lms.programs.models import Group

# Queue states of a submission (one each) and the filters of the queue.
TO_GRADE = "to_grade"
GRADED = "graded"  # a draft grade of the latest version
RELEASED = "released"
RESUBMIT = "resubmit"  # resubmission requested, waiting for the participant
LATE = "late"  # a filter only: the latest version was late

STATE_LABELS = {
    TO_GRADE: _l("To grade"),
    GRADED: _l("Graded (draft)"),
    RELEASED: _l("Released"),
    RESUBMIT: _l("Resubmission requested"),
}
FILTERS = (TO_GRADE, GRADED, RELEASED, LATE, RESUBMIT)
FILTER_LABELS = {**STATE_LABELS, LATE: _l("Late")}

ACTION_LABELS = {
    "saved": _l("Saved as draft"),
    "released": _l("Released"),
    "resubmission_requested": _l("Resubmission requested"),
    "unreleased": _l("Withdrawn from the participant"),
}


class GradingError(ValueError):
    """A rule refused the change; ``field`` names the form field for the message."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


# Reading ----------------------------------------------------------------------------------


def module_scope(module) -> Scope:
    """The grading scope of a module (its units)."""
    return Scope(module.track.program_id, module.id)


def program_wide_scope(program_id: int) -> Scope:
    """The grading scope of a program's program-wide units (``module_id`` NULL, e.g. an orientation)."""
    return Scope(program_id, None)


def module_assignments(module_id: int) -> list[Assignment]:
    """The module's assignments (not archived), in course order, with their items and units."""
    return scope_assignments(Scope(None, module_id))  # a module's units: the module id is enough


def program_wide_assignments(program_id: int) -> list[Assignment]:
    """The assignments of the program-wide units (not archived), in course order."""
    return scope_assignments(program_wide_scope(program_id))


def scope_assignments(scope: Scope) -> list[Assignment]:
    """The scope's assignments (a module's, or the program-wide units'; not archived), in course order,
    with their items and units."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Assignment.item)
            .join(Item.unit)
            .where(
                scope.unit_condition(),
                Unit.archived_at.is_(None),
                Item.archived_at.is_(None),
                Item.kind == ItemKind.ASSIGNMENT.value,
            )
            .options(contains_eager(Assignment.item).contains_eager(Item.unit))
            .order_by(Unit.position, Unit.id, Item.position, Item.id)
        ).unique()
    )


def active_criteria(assignment: Assignment) -> list[RubricCriterion]:
    return [criterion for criterion in assignment.criteria if criterion.archived_at is None]


def active_levels(criterion: RubricCriterion) -> list:
    return [level for level in criterion.levels if level.archived_at is None]


def latest_submitted(submission: Submission) -> SubmissionVersion | None:
    submitted = [version for version in submission.versions if version.submitted_at is not None]
    return max(submitted, key=lambda version: version.number) if submitted else None


def submitted_versions(submission: Submission) -> list[SubmissionVersion]:
    """Submitted versions, newest first (drafts are the participant's own business)."""
    return sorted((v for v in submission.versions if v.submitted_at is not None),
                  key=lambda version: version.number, reverse=True)


def state_of(submission: Submission, latest: SubmissionVersion | None = None) -> str | None:
    """The queue state, or None when nothing has been submitted yet."""
    latest = latest or latest_submitted(submission)
    if latest is None:
        return None
    grade = submission.grade
    if grade is None or grade.graded_version_number is None or grade.graded_version_number < latest.number:
        return TO_GRADE
    if grade.status == GradeStatus.RELEASED.value:
        return RELEASED
    if grade.status == GradeStatus.RESUBMIT.value:
        return RESUBMIT
    return GRADED


@dataclass
class Owner:
    """Who a submission belongs to: a participant or a group (with its members' countries)."""

    name: str
    countries: list[str] = field(default_factory=list)
    is_group: bool = False
    members: list = field(default_factory=list)


@dataclass
class QueueRow:
    submission: Submission
    assignment: Assignment
    owner: Owner
    latest: SubmissionVersion
    state: str

    @property
    def grade(self) -> Grade | None:
        return self.submission.grade

    @property
    def is_late(self) -> bool:
        return bool(self.latest.is_late)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    def matches(self, state_filter: str | None) -> bool:
        if not state_filter:
            return True
        if state_filter == LATE:
            return self.is_late
        return self.state == state_filter


def _owners(submissions, program_id: int) -> dict[int, Owner]:
    """Owner of each submission, in two queries whatever the number of submissions."""
    user_ids = {s.user_id for s in submissions if s.user_id is not None}
    group_ids = {s.group_id for s in submissions if s.group_id is not None}
    users = {}
    if user_ids:
        users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    groups: dict[int, Owner] = {}
    if group_ids:
        rows = db.session.execute(
            select(Group, User)
            .outerjoin(Enrolment, (Enrolment.group_id == Group.id) & (Enrolment.program_id == program_id))
            .outerjoin(User, User.id == Enrolment.user_id)
            .where(Group.id.in_(group_ids))
            .order_by(Group.id, User.name)
        ).all()
        for group, member in rows:
            owner = groups.setdefault(group.id, Owner(group.name, is_group=True))
            if member is not None:
                owner.members.append(member)
                if member.country and member.country not in owner.countries:
                    owner.countries.append(member.country)
    owners = {}
    for submission in submissions:
        if submission.user_id is not None:
            user = users.get(submission.user_id)
            owners[submission.id] = Owner(user.name if user else "?", [user.country] if user and user.country else [],
                                          members=[user] if user else [])
        else:
            owners[submission.id] = groups.get(submission.group_id) or Owner("?", is_group=True)
    return owners


def _load_submissions(assignment_ids) -> list[Submission]:
    if not assignment_ids:
        return []
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.assignment_id.in_(list(assignment_ids)))
            .options(
                selectinload(Submission.versions),
                joinedload(Submission.grade),
            )
        ).unique()
    )


def queue_rows(assignments: list[Assignment], program_id: int) -> list[QueueRow]:
    """Every submitted submission of these assignments, in queue order (assignment, then name)."""
    by_id = {assignment.id: assignment for assignment in assignments}
    submissions = _load_submissions(by_id)
    owners = _owners(submissions, program_id)
    order = {assignment.id: position for position, assignment in enumerate(assignments)}
    rows = []
    for submission in submissions:
        latest = latest_submitted(submission)
        if latest is None:
            continue
        rows.append(QueueRow(submission, by_id[submission.assignment_id], owners[submission.id], latest,
                             state_of(submission, latest)))
    rows.sort(key=lambda row: (order[row.assignment.id], row.owner.name.casefold(), row.submission.id))
    return rows


RELEASABLE = "releasable"  # a count only: complete draft grades of the latest version ("release all")


def queue_counts(rows: list[QueueRow]) -> dict[int | None, dict[str, int]]:
    """Counts per assignment id (and None for all): to grade, graded, released, late, resubmit, and
    how many "release all" would release."""
    counts: dict[int | None, dict[str, int]] = {}
    for row in rows:
        releasable_row = row.state == GRADED and releasable(row.submission)
        for key in (None, row.assignment.id):
            bucket = counts.setdefault(key, empty_counts())
            bucket[row.state] += 1
            if row.is_late:
                bucket[LATE] += 1
            if releasable_row:
                bucket[RELEASABLE] += 1
    return counts


def empty_counts() -> dict[str, int]:
    return dict.fromkeys((*FILTERS, RELEASABLE), 0)


def neighbours(submission: Submission, state_filter: str | None = None):
    """Previous and next submissions of the same assignment, ordered like the queue."""
    assignment = submission.assignment
    rows = [row for row in queue_rows([assignment], assignment.item.unit.program_id)
            if row.submission.id == submission.id or row.matches(state_filter)]
    ids = [row.submission.id for row in rows]
    if submission.id not in ids:
        return None, None, rows
    index = ids.index(submission.id)
    previous = rows[index - 1] if index > 0 else None
    following = rows[index + 1] if index + 1 < len(rows) else None
    return previous, following, rows


@dataclass(frozen=True)
class ProgramWideGrading:
    """For links to the program-wide grading queue: how many assignments, how many submissions to grade."""

    assignments: int
    to_grade: int


def program_wide_grading(program_id: int) -> ProgramWideGrading | None:
    """None when the program-wide units have no assignment; otherwise the counts (two queries at most).

    "To grade" is the queue's state: a submitted version newer than the graded one (or no grade yet)."""
    scope = program_wide_scope(program_id)
    live = (scope.unit_condition(), Unit.archived_at.is_(None), Item.archived_at.is_(None),
            Item.kind == ItemKind.ASSIGNMENT.value)
    assignments = db.session.scalar(
        select(func.count(Assignment.id)).join(Assignment.item).join(Item.unit).where(*live))
    if not assignments:
        return None
    newer = exists().where(
        SubmissionVersion.submission_id == Submission.id,
        SubmissionVersion.submitted_at.is_not(None),
        or_(Grade.id.is_(None), Grade.graded_version_number.is_(None),
            SubmissionVersion.number > Grade.graded_version_number),
    )
    to_grade = db.session.scalar(
        select(func.count(Submission.id))
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Item, Item.id == Assignment.item_id)
        .join(Unit, Unit.id == Item.unit_id)
        .outerjoin(Grade, Grade.submission_id == Submission.id)
        .where(*live, newer)
    )
    return ProgramWideGrading(int(assignments), int(to_grade or 0))


def owner_of_submission(submission: Submission) -> Owner:
    return _owners([submission], submission.assignment.item.unit.program_id)[submission.id]


def level_titles(assignment: Assignment, rubric_levels: dict | None) -> list[tuple[str, str, int]]:
    """(criterion, level, points) for the chosen levels of a grade, in rubric order."""
    chosen = {str(key): value for key, value in (rubric_levels or {}).items()}
    result = []
    for criterion in assignment.criteria:
        level_id = chosen.get(str(criterion.id))
        level = next((level for level in criterion.levels if level.id == level_id), None)
        if level is not None:
            result.append((criterion.title, level.title, level.points))
    return result


# Changing ---------------------------------------------------------------------------------


@dataclass
class GradeInput:
    """What the grader typed."""

    score: int | None = None
    levels: dict[int, int | None] = field(default_factory=dict)  # criterion id -> level id
    comments: str | None = None
    feedback_file_id: int | None = None
    remove_feedback_file: bool = False
    resubmission_message: str | None = None


def rubric_score(assignment: Assignment, levels: dict) -> tuple[int, dict[str, int], list[RubricCriterion]]:
    """(score, {criterion id: level id}, criteria left without a level) from the chosen levels."""
    score = 0
    chosen: dict[str, int] = {}
    missing = []
    for criterion in active_criteria(assignment):
        level_id = levels.get(criterion.id)
        level = next((level for level in active_levels(criterion) if level.id == level_id), None)
        if level is None:
            missing.append(criterion)
            continue
        chosen[str(criterion.id)] = level.id
        score += level.points
    return min(max(score, 0), assignment.points), chosen, missing


def snapshot(grade: Grade) -> dict:
    return {
        "score": grade.score,
        "levels": dict(grade.rubric_levels or {}),
        "comments": grade.comments,
        "status": grade.status,
        "graded_version_number": grade.graded_version_number,
        "resubmission_message": grade.resubmission_message,
        "feedback_file": grade.feedback_file.original_name if grade.feedback_file else None,
    }


def _record(grade: Grade, actor, action: str) -> GradeEvent:
    event = GradeEvent(grade=grade, actor_id=actor.id if actor else None, action=action, at=utcnow(),
                       snapshot=snapshot(grade))
    db.session.add(event)
    return event


def _lock(submission: Submission, expected_version) -> Grade:
    """The grade to change, after checking the form's version (EditConflict when stale)."""
    grade = submission.grade
    if grade is None:
        grade = Grade(submission=submission, status=GradeStatus.DRAFT.value, rubric_levels={})
        db.session.add(grade)
        return grade
    check_version(grade, expected_version)
    return grade


def _apply(grade: Grade, submission: Submission, data: GradeInput, actor) -> None:
    assignment = submission.assignment
    if active_criteria(assignment):
        score, chosen, _missing = rubric_score(assignment, data.levels)
        grade.rubric_levels = chosen
        grade.score = score if chosen else None
    else:
        if data.score is not None and not 0 <= data.score <= assignment.points:
            raise GradingError("score", _("The score must be between 0 and %(points)d.", points=assignment.points))
        grade.rubric_levels = {}
        grade.score = data.score
    grade.comments = (data.comments or "").strip() or None
    if data.feedback_file_id is not None:
        grade.feedback_file_id = data.feedback_file_id
    elif data.remove_feedback_file:
        grade.feedback_file_id = None
    latest = latest_submitted(submission)
    grade.graded_version_number = latest.number if latest else None
    grade.grader_id = actor.id


def _require_complete(grade: Grade, submission: Submission, data: GradeInput) -> None:
    assignment = submission.assignment
    if active_criteria(assignment):
        _score, _chosen, missing = rubric_score(assignment, data.levels)
        if missing:
            raise GradingError("rubric", _("Choose a level for every criterion before releasing: %(names)s.",
                                           names=", ".join(criterion.title for criterion in missing)))
    elif grade.score is None:
        raise GradingError("score", _("Enter a score before releasing."))


def submission_link(submission: Submission) -> str:
    """Where a notification sends the participant: the assignment's page."""
    item_id = submission.assignment.item_id
    try:
        return url_for("submissions.assignment", item_id=item_id)
    except BuildError:
        return url_for("learning.item", item_id=item_id)


def _notify_members(submission: Submission, kind: str, title, body) -> None:
    link = submission_link(submission)
    for member in submission_members(submission):
        notify(member, kind, title, body, link)


def _passes(grade: Grade, assignment: Assignment) -> bool:
    return grade.score is not None and grade.score >= assignment.pass_points


def _after_release(grade: Grade, submission: Submission) -> None:
    assignment = submission.assignment
    # Lazy strings: each member reads them in their own language (notify renders them per person).
    title = _l("Your grade for “%(title)s” is available", title=assignment.item.title)
    body = _l("Score: %(score)s / %(points)s", score=grade.score if grade.score is not None else "—",
              points=assignment.points)
    _notify_members(submission, "grade_released", title, body)
    if assignment.item.completion_rule == CompletionRule.PASS.value and _passes(grade, assignment):
        complete_for_members(submission, "passed", detail=f"{grade.score}/{assignment.points}")


def save_grade(submission: Submission, data: GradeInput, expected_version, actor) -> Grade:
    """Save a draft grade (the participant sees nothing of it)."""
    grade = _lock(submission, expected_version)
    was_released = grade.status == GradeStatus.RELEASED.value
    _apply(grade, submission, data, actor)
    grade.status = GradeStatus.DRAFT.value
    db.session.flush()
    _record(grade, actor, "unreleased" if was_released else "saved")
    return grade


def release_grade(submission: Submission, data: GradeInput, expected_version, actor) -> Grade:
    """Save and release: the participant (every member of a group) sees score and feedback."""
    grade = _lock(submission, expected_version)
    _apply(grade, submission, data, actor)
    _require_complete(grade, submission, data)
    grade.status = GradeStatus.RELEASED.value
    grade.released_at = utcnow()
    grade.resubmission_message = None
    db.session.flush()
    _record(grade, actor, "released")
    _after_release(grade, submission)
    return grade


def request_resubmission(submission: Submission, data: GradeInput, expected_version, actor) -> Grade:
    """Ask for a new version, with a message the participant sees."""
    message = (data.resubmission_message or "").strip()
    if not message:
        raise GradingError("resubmission_message", _("Write a message saying what to change."))
    grade = _lock(submission, expected_version)
    _apply(grade, submission, data, actor)
    grade.status = GradeStatus.RESUBMIT.value
    grade.resubmission_message = message
    db.session.flush()
    _record(grade, actor, "resubmission_requested")
    _notify_members(
        submission, "resubmission_requested",
        _l("Resubmission requested: “%(title)s”", title=submission.assignment.item.title), message,
    )
    return grade


def releasable(submission: Submission) -> bool:
    """A draft grade of the latest version, complete (a score; every rubric criterion chosen):
    what "release all" releases. A draft grade of an earlier version is left for the grader."""
    grade = submission.grade
    if grade is None or grade.status != GradeStatus.DRAFT.value or grade.score is None:
        return False
    if state_of(submission) != GRADED:
        return False
    chosen = {str(key) for key in (grade.rubric_levels or {})}
    return all(str(criterion.id) in chosen for criterion in active_criteria(submission.assignment))


def release_all(assignment: Assignment, actor) -> int:
    """Release every complete draft grade of the latest versions of the assignment; returns how many."""
    submissions = db.session.scalars(
        select(Submission)
        .join(Grade, Grade.submission_id == Submission.id)
        .where(Submission.assignment_id == assignment.id, Grade.status == GradeStatus.DRAFT.value,
               Grade.score.is_not(None))
        .options(selectinload(Submission.versions), joinedload(Submission.grade).joinedload(Grade.feedback_file))
        .order_by(Grade.id)
    ).unique().all()
    grades = [submission.grade for submission in submissions if releasable(submission)]
    now = utcnow()
    for grade in grades:
        grade.status = GradeStatus.RELEASED.value
        grade.released_at = now
        grade.resubmission_message = None
    db.session.flush()
    for grade in grades:
        _record(grade, actor, "released")
        _after_release(grade, grade.submission)
    return len(grades)


def history(grade: Grade | None) -> list[GradeEvent]:
    """Newest first, with actors loaded."""
    if grade is None or grade.id is None:
        return []
    return list(
        db.session.scalars(
            select(GradeEvent)
            .where(GradeEvent.grade_id == grade.id)
            .options(joinedload(GradeEvent.actor))
            .order_by(GradeEvent.at.desc(), GradeEvent.id.desc())
        )
    )


def conflict_from(error: EditConflict) -> Grade:
    return error.current


# Gradebook --------------------------------------------------------------------------------


@dataclass
class Cell:
    """One participant's result on one assignment."""

    assignment: Assignment
    submission: Submission | None = None
    latest: SubmissionVersion | None = None
    state: str | None = None  # a queue state, or None: nothing submitted

    @property
    def grade(self) -> Grade | None:
        return self.submission.grade if self.submission is not None else None

    @property
    def score(self) -> int | None:
        grade = self.grade
        return grade.score if grade is not None else None

    @property
    def status(self) -> str | None:
        grade = self.grade
        return grade.status if grade is not None else None

    @property
    def is_released(self) -> bool:
        return self.status == GradeStatus.RELEASED.value

    @property
    def is_provisional(self) -> bool:
        """A score the participant does not see yet (draft or resubmission requested)."""
        return self.score is not None and not self.is_released

    @property
    def is_late(self) -> bool:
        return bool(self.latest and self.latest.is_late)

    @property
    def passed(self) -> bool | None:
        """True/False once a score exists; None without one."""
        if self.score is None:
            return None
        return self.score >= self.assignment.pass_points

    @property
    def status_label(self) -> str:
        if self.state is None:
            return _("Not submitted")
        return str(STATE_LABELS[self.state])


@dataclass
class GradebookRow:
    user: User
    enrolment: Enrolment
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(cell.score or 0 for cell in self.cells)

    @property
    def has_provisional(self) -> bool:
        return any(cell.is_provisional for cell in self.cells)

    @property
    def passed_all(self) -> bool:
        """Every assignment passed with a released grade."""
        return bool(self.cells) and all(cell.is_released and cell.passed for cell in self.cells)

    @property
    def result(self) -> str:
        if self.passed_all:
            return "pass"
        if any(cell.is_released and cell.passed is False for cell in self.cells):
            return "fail"
        return "pending"


RESULT_LABELS = {"pass": _l("Passed"), "fail": _l("Not passed"), "pending": _l("In progress")}


@dataclass
class Gradebook:
    assignments: list[Assignment]
    rows: list[GradebookRow]

    @property
    def total_points(self) -> int:
        return sum(assignment.points for assignment in self.assignments)


def participants_condition(scope: Scope):
    """Who takes the scope's assignments: the module's participants, or (program-wide units) every
    participant of the program, whatever their module; learning statuses only."""
    if scope.module_id is None:
        return (Enrolment.program_id == scope.program_id) & Enrolment.status.in_(LEARNING_STATUSES)
    return (Enrolment.module_id == scope.module_id) & Enrolment.status.in_(LEARNING_STATUSES)


def gradebook(scope) -> Gradebook:
    """Participants by assignments of a module (or a ``Scope``: a module's or the program-wide units):
    a constant number of queries."""
    if not isinstance(scope, Scope):
        scope = module_scope(scope)
    assignments = scope_assignments(scope)
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.user)
        .where(participants_condition(scope))
        .options(contains_eager(Enrolment.user), joinedload(Enrolment.group))
        .order_by(User.name, User.id)
    ).all()
    submissions = _load_submissions([assignment.id for assignment in assignments])
    by_user = {(s.assignment_id, s.user_id): s for s in submissions if s.user_id is not None}
    by_group = {(s.assignment_id, s.group_id): s for s in submissions if s.group_id is not None}
    rows = []
    for enrolment in enrolments:
        cells = []
        for assignment in assignments:
            submission = None
            if assignment.group_submission and enrolment.group_id is not None:
                submission = by_group.get((assignment.id, enrolment.group_id))
            if submission is None:
                submission = by_user.get((assignment.id, enrolment.user_id))
            latest = latest_submitted(submission) if submission is not None else None
            cells.append(Cell(assignment, submission, latest, state_of(submission, latest) if latest else None))
        rows.append(GradebookRow(enrolment.user, enrolment, cells))
    return Gradebook(assignments, rows)


def csv_cell(value) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ (or a tab, a return) is not run as a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def gradebook_csv_rows(book: Gradebook, country_name) -> list[list[str]]:
    header = [_("Name"), _("Email"), _("Country"), _("Group")]
    for assignment in book.assignments:
        header += [
            _("%(title)s: score (of %(points)d)", title=assignment.item.title, points=assignment.points),
            _("%(title)s: status", title=assignment.item.title),
            _("%(title)s: late", title=assignment.item.title),
        ]
    header += [_("Total"), _("Total points"), _("Result")]
    rows = [header]
    for row in book.rows:
        cells = [row.user.name, row.user.email, country_name(row.user.country) if row.user.country else "",
                 row.enrolment.group.name if row.enrolment.group_id and row.enrolment.group else ""]
        for cell in row.cells:
            cells += [
                "" if cell.score is None else cell.score,
                cell.status_label,
                _("Late") if cell.is_late else "",
            ]
        cells += [row.total, book.total_points, str(RESULT_LABELS[row.result])]
        rows.append([csv_cell(value) for value in cells])
    return rows
