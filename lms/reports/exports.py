"""The five exports of a program: progress, grades, attendance, eligibility, readiness.

Each builder returns a ``Table``: typed columns (translated headers) and rows of plain Python
values (text, int, float, bool, aware UTC datetimes, dates, None); ``lms.reports.writers`` turns
it into CSV or XLSX. Every table costs a constant number of queries whatever the number of
participants, and every number comes from the service that owns its rule:

* progress: ``lms.learning.progress.progress_for_enrolments``;
* grades: the participant's outline (the same service) for which assignments apply, then
  ``lms.assignments.grading`` (``latest_submitted``, ``state_of``, ``Cell``) for each result.
  Long form: one row per participant and assignment; group work counts for every member;
* attendance: ``lms.live.attendance.attendance_for_sessions`` over the sessions meant for each
  participant (``lms.admission.eligibility.in_audience``), online and offline;
* eligibility: ``lms.admission.eligibility.evaluate`` and the last decision
  (``lms.admission.operations.latest_decisions``);
* readiness: ``lms.readiness.operations.board_rows`` and its missing items, every field
  (coordinators only, like the board).

Times are written in the export's zone (``build(..., zone=...)``: the downloader's zone by default on
the page, UTC on the command line), which every time column's header names; the attendance table
also gives each session's start in Korea time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from lms.accounts.models import User
from lms.admission.eligibility import published_online_sessions, evaluate, in_audience, status_label
from lms.admission.operations import latest_decisions
from lms.assignments.grading import Cell, latest_submitted, state_of, submitted_versions
from lms.assignments.models import Assignment, Extension, GradeStatus, Submission
from lms.core.database import utcnow
from lms.core.timezones import KOREA_TZ, country_name
from lms.enrolment.models import OFFLINE_PHASE_STATUSES, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES
from lms.learning.models import ItemKind
from lms.learning.progress import Progress, progress_for_enrolments
from lms.live.attendance import attendance_for_sessions, scheduled_minutes
from lms.live.models import LiveSession, OfflineKind, Phase
from lms.offline.models import CheckIn
from lms.programs.models import Module, Program, Track
from lms.readiness import operations as readiness_ops
from lms.reports.filters import Filters

KINDS = ("progress", "grades", "attendance", "eligibility", "readiness")
FORMATS = ("csv", "xlsx")

# Column kinds: how writers store a value.
TEXT = "text"
INT = "int"
NUMBER = "number"  # int or float
BOOL = "bool"
DATETIME = "datetime"  # an aware datetime, written in the column's zone
DATE = "date"


@dataclass
class Column:
    header: str
    kind: str = TEXT
    # DATETIME columns: a fixed zone, which the header names itself ("Starts (Korea time)"); None
    # means the table's zone, appended to the header ("Due (Africa/Nairobi)").
    zone: str | None = None
    width: int | None = None  # XLSX width in characters; None: from the contents


@dataclass
class Table:
    kind: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    zone: str = "UTC"  # IANA name: the zone of the DATETIME columns without a fixed one

    def zone_of(self, column: Column) -> str:
        return column.zone or self.zone

    def header_of(self, column: Column) -> str:
        if column.kind == DATETIME and column.zone is None:
            return f"{column.header} ({self.zone})"
        return column.header

    @property
    def headers(self) -> list[str]:
        return [self.header_of(column) for column in self.columns]


def kind_label(kind: str) -> str:
    return {
        "progress": _("Progress"),
        "grades": _("Grades"),
        "attendance": _("Attendance"),
        "eligibility": _("Eligibility"),
        "readiness": _("Readiness"),
    }[kind]


def kind_description(kind: str) -> str:
    return {
        "progress": _("One row per participant: required items done, percentage, overdue items, next item, "
                      "last completion."),
        "grades": _("One row per participant and assignment: submission, lateness, versions, grade status, "
                    "score and pass. Group work counts for each member."),
        "attendance": _("One row per participant and live or offline session meant for them: attended, "
                        "minutes, share of the time, check-in, corrections."),
        "eligibility": _("One row per participant: eligibility for the offline phase, each condition's "
                         "numbers, what is missing, and the last admission decision."),
        "readiness": _("One row per admitted participant: answer, travel, dietary and accessibility needs, "
                       "emergency contact, terms, what is missing. Personal data: handle with care."),
    }[kind]


# --------------------------------------------------------------------------
# Participants
# --------------------------------------------------------------------------


def select_enrolments(program: Program, filters: Filters) -> list[Enrolment]:
    """The program's enrolments matching the filters (every status unless filtered), by name;
    one query plus three eager loads."""
    query = (
        select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.program_id == program.id, *filters.conditions())
        .options(contains_eager(Enrolment.user), selectinload(Enrolment.track), selectinload(Enrolment.module),
                 selectinload(Enrolment.group))
        .order_by(User.name, User.id)
    )
    # ``enrolment.program`` needs no query: the program is in the session's identity map.
    return list(db.session.scalars(query))


def count_participants(program: Program, filters: Filters) -> int:
    return db.session.scalar(
        select(func.count(Enrolment.id)).join(Enrolment.user)
        .where(Enrolment.program_id == program.id, *filters.conditions())
    ) or 0


def _person_columns() -> list[Column]:
    return [
        Column(_("Participant"), width=24), Column(_("Email"), width=28), Column(_("Country"), width=16),
        Column(_("Track"), width=16), Column(_("Module"), width=24), Column(_("Group"), width=16),
        Column(_("Enrolment status"), width=16),
    ]


def _person_cells(enrolment: Enrolment) -> list:
    user = enrolment.user
    return [
        user.name,
        user.email,
        country_name(user.country) if user.country else None,
        enrolment.track.name if enrolment.track is not None else None,
        enrolment.module.display_title if enrolment.module is not None else None,
        enrolment.group.name if enrolment.group is not None else None,
        enrolment.status_label,
    ]


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


# --------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------


def _progress(enrolments: list[Enrolment], now: datetime) -> dict[tuple[int, int], Progress]:
    return progress_for_enrolments(
        [(enrolment.user_id, enrolment.program_id, enrolment.module_id) for enrolment in enrolments], now)


def progress_table(program: Program, filters: Filters, now: datetime | None = None) -> Table:
    now = now or utcnow()
    enrolments = select_enrolments(program, filters)
    progress = _progress(enrolments, now)
    columns = _person_columns() + [
        Column(_("Required items done"), INT), Column(_("Required items"), INT),
        Column(_("Progress (%)"), INT), Column(_("Overdue items"), INT),
        Column(_("Next item"), width=28), Column(_("Last completion"), DATETIME),
    ]
    rows = []
    for enrolment in enrolments:
        result = progress.get((enrolment.user_id, enrolment.program_id))
        if result is None:
            rows.append(_person_cells(enrolment) + [0, 0, 0, 0, None, None])
            continue
        last = max((state.completion.completed_at for state in result.states.values()
                    if state.completion is not None), default=None)
        rows.append(_person_cells(enrolment) + [
            result.required_done, result.required_total, result.percent, len(result.overdue),
            result.next_item.title if result.next_item is not None else None, last,
        ])
    return Table("progress", kind_label("progress"), columns, rows)


# --------------------------------------------------------------------------
# Grades (long form)
# --------------------------------------------------------------------------


def _program_modules(program: Program) -> dict[int, Module]:
    return {module.id: module for module in db.session.scalars(
        select(Module).join(Track, Track.id == Module.track_id).where(Track.program_id == program.id))}


def _submissions(assignment_ids, user_ids, group_ids) -> tuple[dict, dict]:
    """({(assignment_id, user_id): Submission}, {(assignment_id, group_id): Submission}); three queries."""
    if not assignment_ids:
        return {}, {}
    owners = [Submission.user_id.in_(user_ids)] if user_ids else []
    if group_ids:
        owners.append(Submission.group_id.in_(group_ids))
    if not owners:
        return {}, {}
    submissions = db.session.scalars(
        select(Submission).where(Submission.assignment_id.in_(assignment_ids), or_(*owners))
        .options(selectinload(Submission.versions), selectinload(Submission.grade))
    ).all()
    by_user = {(s.assignment_id, s.user_id): s for s in submissions if s.user_id is not None}
    by_group = {(s.assignment_id, s.group_id): s for s in submissions if s.group_id is not None}
    return by_user, by_group


def _extensions(assignment_ids, user_ids, group_ids) -> tuple[dict, dict]:
    """Active extensions: ({(assignment_id, user_id): [due_at]}, {(assignment_id, group_id): [due_at]}); one query."""
    by_user: dict[tuple[int, int], list[datetime]] = {}
    by_group: dict[tuple[int, int], list[datetime]] = {}
    owners = [Extension.user_id.in_(user_ids)] if user_ids else []
    if group_ids:
        owners.append(Extension.group_id.in_(group_ids))
    if not assignment_ids or not owners:
        return by_user, by_group
    for extension in db.session.scalars(
        select(Extension).where(Extension.assignment_id.in_(assignment_ids), Extension.revoked_at.is_(None),
                                or_(*owners))
    ):
        if extension.user_id is not None:
            by_user.setdefault((extension.assignment_id, extension.user_id), []).append(extension.due_at)
        if extension.group_id is not None:
            by_group.setdefault((extension.assignment_id, extension.group_id), []).append(extension.due_at)
    return by_user, by_group


def grades_table(program: Program, filters: Filters, now: datetime | None = None) -> Table:
    """One row per participant and assignment of their outline (program-wide units and their module)."""
    now = now or utcnow()
    enrolments = select_enrolments(program, filters)
    progress = _progress(enrolments, now)
    item_ids = {state.item.id for result in progress.values() for state in result.states.values()
                if state.item.kind == ItemKind.ASSIGNMENT.value}
    assignments = {assignment.item_id: assignment for assignment in db.session.scalars(
        select(Assignment).where(Assignment.item_id.in_(item_ids)))} if item_ids else {}
    assignment_ids = [assignment.id for assignment in assignments.values()]
    user_ids = {enrolment.user_id for enrolment in enrolments}
    group_ids = {enrolment.group_id for enrolment in enrolments if enrolment.group_id is not None}
    by_user, by_group = _submissions(assignment_ids, user_ids, group_ids)
    extended_user, extended_group = _extensions(assignment_ids, user_ids, group_ids)
    modules = _program_modules(program)

    columns = _person_columns() + [
        Column(_("Assignment"), width=28), Column(_("Assignment's module"), width=24),
        Column(_("Required"), BOOL), Column(_("Group work"), BOOL),
        Column(_("Due"), DATETIME), Column(_("Extended due"), DATETIME),
        Column(_("Submitted"), DATETIME), Column(_("Late"), BOOL), Column(_("Versions submitted"), INT),
        Column(_("Grade status"), width=20), Column(_("Score"), INT), Column(_("Points"), INT),
        Column(_("Pass mark"), INT), Column(_("Passed (released grades)"), BOOL),
        Column(_("Released"), DATETIME),
    ]
    rows = []
    for enrolment in enrolments:
        result = progress.get((enrolment.user_id, enrolment.program_id))
        if result is None:
            continue
        for state in result.states.values():
            item = state.item
            if item.kind != ItemKind.ASSIGNMENT.value:
                continue
            assignment = assignments.get(item.id)
            module_title = _("Whole program")
            unit = item.unit
            if unit is not None and unit.module_id is not None and unit.module_id in modules:
                module_title = modules[unit.module_id].display_title
            base = _person_cells(enrolment) + [item.title, module_title, bool(item.required)]
            if assignment is None:  # settings never saved: nobody can have handed anything in
                rows.append(base + [False, item.due_at, None, None, None, 0, _("Not submitted"), None, None,
                                    None, None, None])
                continue
            submission = None
            if assignment.group_submission and enrolment.group_id is not None:
                submission = by_group.get((assignment.id, enrolment.group_id))
            if submission is None:
                submission = by_user.get((assignment.id, enrolment.user_id))
            latest = latest_submitted(submission) if submission is not None else None
            cell = Cell(assignment, submission, latest, state_of(submission, latest) if latest else None)
            extensions = list(extended_user.get((assignment.id, enrolment.user_id), []))
            if enrolment.group_id is not None:
                extensions += extended_group.get((assignment.id, enrolment.group_id), [])
            candidates = [value for value in (item.due_at, *extensions) if value is not None]
            extended = max(candidates) if extensions and candidates else None
            grade = cell.grade
            rows.append(base + [
                bool(assignment.group_submission),
                item.due_at,
                extended if extended != item.due_at else None,
                latest.submitted_at if latest is not None else None,
                cell.is_late if latest is not None else None,
                len(submitted_versions(submission)) if submission is not None else 0,
                cell.status_label,
                cell.score if latest is not None else None,
                assignment.points,
                assignment.pass_points,
                cell.passed if cell.is_released else None,
                grade.released_at if grade is not None and grade.status == GradeStatus.RELEASED.value else None,
            ])
    return Table("grades", kind_label("grades"), columns, rows)


# --------------------------------------------------------------------------
# Attendance
# --------------------------------------------------------------------------


def _offline_sessions(program: Program) -> list[LiveSession]:
    return list(db.session.scalars(
        select(LiveSession).where(LiveSession.program_id == program.id, LiveSession.phase == Phase.OFFLINE.value,
                                  LiveSession.archived_at.is_(None))
        .order_by(LiveSession.starts_at, LiveSession.id)))


def phase_label(phase: str) -> str:
    return _("Offline") if phase == Phase.OFFLINE.value else _("Online")


def check_in_method_label(method: str | None) -> str | None:
    if method is None:
        return None
    return {CheckIn.QR: _("QR code"), CheckIn.MANUAL: _("By hand")}.get(method, method)


def _offline_kind_label(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return OfflineKind(value).label
    except ValueError:
        return value


def attendance_table(program: Program, filters: Filters, now: datetime | None = None) -> Table:
    """One row per participant and session meant for them: online sessions for those following the
    online segment, offline sessions for those admitted, confirmed or completed (the same people the
    attendance reports expect)."""
    now = now or utcnow()
    enrolments = select_enrolments(program, filters)
    online = published_online_sessions({program.id})
    offline = _offline_sessions(program)
    sessions = sorted(online + offline, key=lambda session: (session.starts_at, session.id))
    attendance = attendance_for_sessions(sessions, {enrolment.user_id for enrolment in enrolments}, now=now)
    columns = _person_columns() + [
        Column(_("Session"), width=28), Column(_("Phase"), width=10), Column(_("Kind"), width=14),
        Column(_("Starts"), DATETIME), Column(_("Starts (Korea time)"), DATETIME, zone=KOREA_TZ),
        Column(_("Scheduled minutes"), INT), Column(_("Attended"), BOOL), Column(_("Minutes"), INT),
        Column(_("Share of the time (%)"), INT), Column(_("Check-in method"), width=14),
        Column(_("Checked in"), DATETIME), Column(_("Corrected"), BOOL),
        Column(_("Correction reason"), width=28),
    ]
    rows = []
    for enrolment in enrolments:
        for session in sessions:
            is_offline = session.phase == Phase.OFFLINE.value
            expected = OFFLINE_PHASE_STATUSES if is_offline else LEARNING_STATUSES
            if enrolment.status not in expected or not in_audience(session, enrolment):
                continue
            entry = attendance[session.id][enrolment.user_id]
            check_in = entry.check_in
            rows.append(_person_cells(enrolment) + [
                session.title,
                phase_label(session.phase),
                _offline_kind_label(session.offline_kind) if is_offline else None,
                session.starts_at,
                session.starts_at,
                scheduled_minutes(session),
                entry.attended,
                entry.minutes,
                entry.percent,
                check_in_method_label(check_in.method) if check_in is not None else None,
                check_in.checked_in_at if check_in is not None else None,
                entry.is_corrected,
                entry.correction.reason if entry.correction is not None else None,
            ])
    return Table("attendance", kind_label("attendance"), columns, rows)


# --------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------


def _condition_titles() -> list[tuple[str, str]]:
    return [("items", _("Online items")), ("assignments", _("Required assignments")),
            ("live", _("Live sessions")), ("average", _("Average grade"))]


def decision_label(decision: str) -> str:
    try:
        return EnrolmentStatus(decision).label
    except ValueError:
        return decision


def eligibility_table(program: Program, filters: Filters, now: datetime | None = None) -> Table:
    now = now or utcnow()
    enrolments = select_enrolments(program, filters)
    standings = evaluate(enrolments, now)
    decisions = latest_decisions([enrolment.id for enrolment in enrolments])
    columns = _person_columns() + [Column(_("Eligibility"), width=14), Column(_("Decision deadline"), DATETIME)]
    for _key, title in _condition_titles():
        columns += [
            Column(_("%(condition)s: done", condition=title), NUMBER),
            Column(_("%(condition)s: total", condition=title), INT),
            Column(_("%(condition)s: needed", condition=title), NUMBER),
            Column(_("%(condition)s: met", condition=title), BOOL),
        ]
    columns += [
        Column(_("Unmet conditions"), width=48), Column(_("Last decision"), width=16),
        Column(_("Override"), BOOL), Column(_("Over capacity"), BOOL), Column(_("Decided by"), width=20),
        Column(_("Decided"), DATETIME), Column(_("Reason"), width=28),
    ]
    rows = []
    for enrolment in enrolments:
        standing = standings[enrolment.id]
        row = _person_cells(enrolment) + [status_label(standing.status.value), standing.deadline]
        for key, _title in _condition_titles():
            condition = standing.condition(key)
            if condition is None or not condition.applies:
                row += [None, None, None, None]
            else:
                row += [condition.done, condition.total, condition.needed, condition.met]
        decision = decisions.get(enrolment.id)
        row.append("; ".join(standing.reasons) or None)
        if decision is None:
            row += [None, None, None, None, None, None]
        else:
            row += [decision_label(decision.decision), decision.is_override, decision.over_capacity,
                    decision.decided_by.name if decision.decided_by is not None else None,
                    decision.decided_at, decision.reason]
        rows.append(row)
    return Table("eligibility", kind_label("eligibility"), columns, rows)


# --------------------------------------------------------------------------
# Readiness (coordinators only)
# --------------------------------------------------------------------------


def _terms_label(state: str) -> str:
    return {
        readiness_ops.TERMS_NOT_REQUIRED: _("no terms"),
        readiness_ops.TERMS_ACCEPTED: _("accepted"),
        readiness_ops.TERMS_RENEW: _("to accept again (terms changed)"),
        readiness_ops.TERMS_MISSING: _("not accepted"),
    }.get(state, state)


def readiness_table(program: Program, filters: Filters, now: datetime | None = None) -> Table:
    """The readiness board's rows with every field; the other filters applied to its rows."""
    board = readiness_ops.board_rows(program, readiness_ops.BoardFilters(track_id=filters.track_id))
    columns = _person_columns() + [
        Column(_("Answer"), width=16), Column(_("Answered"), DATETIME),
        Column(_("Reason for declining"), width=28),
        Column(_("Arrival date"), DATE), Column(_("Arrival flight"), width=14),
        Column(_("Departure date"), DATE), Column(_("Departure flight"), width=14),
        Column(_("Dietary needs"), width=24), Column(_("Accessibility needs"), width=24),
        Column(_("Emergency contact name"), width=20), Column(_("Emergency contact relationship"), width=16),
        Column(_("Emergency contact phone"), width=18), Column(_("Emergency contact email"), width=24),
        Column(_("Terms"), width=16), Column(_("Terms accepted"), DATETIME),
        Column(_("Missing"), width=28), Column(_("Date warnings"), width=40),
    ]
    states = {key: str(label) for key, label in readiness_ops.STATE_LABELS.items()}
    rows = []
    for row in board.rows:
        enrolment, record = row.enrolment, row.readiness
        if not filters.matches(enrolment):
            continue
        if record is not None and readiness_ops.has_no_dietary_needs(record):
            dietary = _("No special dietary needs")
        else:
            dietary = record.dietary_needs if record is not None else None

        def value(name, record=record):
            return getattr(record, name) if record is not None else None

        rows.append(_person_cells(enrolment) + [
            states.get(row.state, row.state), row.answered_at, value("decline_reason"),
            value("arrival_date"), value("arrival_flight"), value("departure_date"), value("departure_flight"),
            dietary, value("accessibility_needs"),
            value("emergency_name"), value("emergency_relationship"), value("emergency_phone"),
            value("emergency_email"),
            _terms_label(row.terms), value("terms_accepted_at"),
            "; ".join(readiness_ops.item_label(key) for key in row.missing) or None,
            " ".join(row.warnings.values()) or None,
        ])
    return Table("readiness", kind_label("readiness"), columns, rows)


BUILDERS: dict[str, Callable[..., Table]] = {
    "progress": progress_table,
    "grades": grades_table,
    "attendance": attendance_table,
    "eligibility": eligibility_table,
    "readiness": readiness_table,
}


def build(kind: str, program: Program, filters: Filters | None = None, now: datetime | None = None,
          zone: str = "UTC") -> Table:
    """The table of one export kind (``KINDS``), its times in ``zone`` (an IANA name)."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown export {kind!r}")
    table = BUILDERS[kind](program, filters or Filters(), now)
    table.zone = zone
    return table


def filename(program: Program, kind: str, fmt: str, now: datetime | None = None) -> str:
    """``CETP-2024-progress-2026-11-25.xlsx`` (the UTC date), safe in a header and on any disk."""
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", program.code or f"program-{program.id}").strip("-.") \
        or f"program-{program.id}"
    day = (now or utcnow()).date().isoformat()
    return f"{code}-{kind}-{day}.{fmt}"
