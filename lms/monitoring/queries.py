"""What the monitoring pages show, loaded in a constant number of queries.

* ``participant_page``: one participant of one program, every section of the
  coordinators' page about them. The numbers come from the domain services
  (progress, eligibility, attendance, submissions, readiness, certificates):
  nothing here re-implements their rules.
* ``at_risk_list``: the participants the eligibility service finds behind,
  with their reasons, when they were last active and last reminded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.admission.eligibility import Standing, Status, evaluate, in_audience
from lms.admission.models import AdmissionDecision
from lms.admission.operations import decisions_for
from lms.assignments.models import Submission, SubmissionVersion
from lms.assignments.submitting import AssignmentRow, my_assignments
from lms.certificates.models import Certificate
from lms.certificates.operations import certificates_by_enrolment
from lms.core.database import utcnow
from lms.dashboard.models import ParticipantSummary
from lms.enrolment.models import OFFLINE_PHASE_STATUSES, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.models import Item, Unit
from lms.learning.progress import ItemState, Progress, progress_for_enrolments
from lms.live.attendance import PersonAttendance, attendance_for_sessions
from lms.live.models import LiveSession, Phase
from lms.monitoring.access import LOGISTICS_KINDS
from lms.monitoring.activity import last_active
from lms.monitoring.operations import NUDGE_INTERVAL, NUDGE_STATUSES, Reminded, claims_by, last_reminders
from lms.notifications.models import Notification
from lms.programs.models import Program
from lms.readiness.access import READINESS_STATUSES
from lms.readiness.models import Readiness

NOTIFICATIONS_SHOWN = 20


# --------------------------------------------------------------------------
# The participant's page
# --------------------------------------------------------------------------


def enrolment_of(program_id: int, user_id: int) -> Enrolment | None:
    """The person's enrolment in the program with what the page shows of it loaded; one query and eager loads."""
    return db.session.scalar(
        select(Enrolment).where(Enrolment.program_id == program_id, Enrolment.user_id == user_id)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.program), selectinload(Enrolment.track),
                 selectinload(Enrolment.module), selectinload(Enrolment.group))
    )


@dataclass
class UnitProgress:
    unit: Unit
    states: list[ItemState] = field(default_factory=list)

    @property
    def required_done(self) -> int:
        return sum(1 for state in self.states if state.item.required and state.is_done)

    @property
    def required_total(self) -> int:
        return sum(1 for state in self.states if state.item.required)


@dataclass
class PartProgress:
    """The program-wide units, or the participant's module."""

    title: str
    is_module: bool
    units: list[UnitProgress] = field(default_factory=list)

    @property
    def required_done(self) -> int:
        return sum(unit.required_done for unit in self.units)

    @property
    def required_total(self) -> int:
        return sum(unit.required_total for unit in self.units)

    @property
    def percent(self) -> int:
        if not self.required_total:
            return 100 if self.units else 0
        return round(100 * self.required_done / self.required_total)

    @property
    def width_class(self) -> str:
        return f"w-{5 * round(self.percent / 5)}"


def progress_parts(enrolment: Enrolment, progress: Progress | None) -> list[PartProgress]:
    """The outline's items with their states, by unit, program-wide units first (no queries: the
    units are already loaded with the outline)."""
    if progress is None:
        return []
    program_wide = PartProgress(_("Program-wide units"), is_module=False)
    module_part = PartProgress(enrolment.module.display_title if enrolment.module else _("Module"), is_module=True)
    units: dict[int, UnitProgress] = {}
    for state in progress.states.values():
        unit = state.item.unit
        if unit.id not in units:
            units[unit.id] = UnitProgress(unit)
            (program_wide if unit.module_id is None else module_part).units.append(units[unit.id])
        units[unit.id].states.append(state)
    return [part for part in (program_wide, module_part) if part.units]


@dataclass
class WorkLine:
    """One assignment of the participant: its state, versions, released score and lateness."""

    row: AssignmentRow
    versions: int = 0  # submitted versions

    @property
    def item(self) -> Item:
        return self.row.item

    @property
    def score(self) -> int | None:
        return self.row.grade.score if self.row.grade is not None else None

    @property
    def passed(self) -> bool | None:
        if self.score is None or self.row.assignment is None:
            return None
        return self.score >= self.row.assignment.pass_points

    @property
    def is_overdue(self) -> bool:
        return self.row.latest is None and self.row.due_at is not None and self.row.due_at < utcnow()


@dataclass
class SessionLine:
    session: LiveSession
    attendance: PersonAttendance
    now: datetime

    @property
    def is_past(self) -> bool:
        return self.session.ends_at <= self.now

    @property
    def is_offline(self) -> bool:
        return self.session.phase == Phase.OFFLINE.value


@dataclass
class AttendanceSummary:
    online: list[SessionLine] = field(default_factory=list)
    offline: list[SessionLine] = field(default_factory=list)
    expected_offline: bool = False  # the person has a place in the offline phase (or completed it)

    @staticmethod
    def _count(lines: list[SessionLine]) -> tuple[int, int, int]:
        past = [line for line in lines if line.is_past]
        attended = sum(1 for line in lines if line.attendance.attended)
        return attended, len(past), len(lines)

    @property
    def online_counts(self) -> tuple[int, int, int]:
        """(attended, past, total)."""
        return self._count(self.online)

    @property
    def offline_counts(self) -> tuple[int, int, int]:
        return self._count(self.offline)

    @property
    def online_minutes(self) -> int:
        return sum(line.attendance.minutes for line in self.online)


def submitted_versions(enrolment: Enrolment, assignment_ids) -> dict[int, int]:
    """{assignment_id: versions submitted by the person (or their group)}; one query."""
    assignment_ids = list(assignment_ids)
    if not assignment_ids:
        return {}
    owner = [Submission.user_id == enrolment.user_id]
    if enrolment.group_id is not None:
        owner.append(Submission.group_id == enrolment.group_id)
    counts: dict[int, int] = {}
    for assignment_id, group_id, count in db.session.execute(
        select(Submission.assignment_id, Submission.group_id, func.count(SubmissionVersion.id))
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .where(Submission.assignment_id.in_(assignment_ids), SubmissionVersion.submitted_at.is_not(None),
               or_(*owner))
        .group_by(Submission.assignment_id, Submission.group_id)
    ):
        counts[assignment_id] = count
    return counts


def person_sessions(enrolment: Enrolment) -> list[LiveSession]:
    """The sessions of the person's audience (program, track, module, group), online and offline, that
    participants see (not archived, not hidden); one query."""
    sessions = db.session.scalars(
        select(LiveSession)
        .outerjoin(Item, Item.id == LiveSession.item_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(LiveSession.program_id == enrolment.program_id, LiveSession.archived_at.is_(None))
        .where(or_(LiveSession.item_id.is_(None),
                   and_(Item.hidden.is_(False), Item.archived_at.is_(None),
                        Unit.hidden.is_(False), Unit.archived_at.is_(None))))
        .order_by(LiveSession.starts_at, LiveSession.id)
    )
    return [session for session in sessions if in_audience(session, enrolment)]


def attendance_summary(enrolment: Enrolment, now: datetime) -> AttendanceSummary:
    sessions = person_sessions(enrolment)
    people = attendance_for_sessions(sessions, [enrolment.user_id], now=now)
    summary = AttendanceSummary(expected_offline=enrolment.status in OFFLINE_PHASE_STATUSES)
    for session in sessions:
        line = SessionLine(session, people[session.id][enrolment.user_id], now)
        (summary.offline if line.is_offline else summary.online).append(line)
    return summary


@dataclass
class ReadinessSummary:
    state: str | None  # confirmed, declined, not_answered (None: not admitted, no readiness)
    state_label: str | None
    readiness: Readiness | None
    missing: list[str]  # labels of what is missing
    terms: str | None


def readiness_summary(enrolment: Enrolment, program: Program) -> ReadinessSummary:
    from lms.readiness import operations as readiness_ops

    if enrolment.status not in (*READINESS_STATUSES, EnrolmentStatus.COMPLETED.value):
        return ReadinessSummary(None, None, None, [], None)
    readiness = readiness_ops.readiness_for(enrolment)
    state = readiness_ops.answer_state(enrolment)
    missing = readiness_ops.missing_items(readiness, program) if state != readiness_ops.STATE_DECLINED else []
    return ReadinessSummary(state, str(readiness_ops.STATE_LABELS[state]), readiness,
                            [readiness_ops.item_label(key) for key in missing],
                            readiness_ops.terms_state(readiness, program))


def notifications_of(user_id: int, *, logistics: bool, limit: int) -> tuple[list[Notification], int]:
    """The person's newest notifications and how many there are (two queries); without ``logistics``,
    notifications about readiness are left out."""
    conditions = [Notification.user_id == user_id]
    if not logistics:
        conditions.append(Notification.kind.not_in(LOGISTICS_KINDS))
    total = db.session.scalar(select(func.count(Notification.id)).where(*conditions)) or 0
    shown = list(db.session.scalars(
        select(Notification).where(*conditions)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))
    return shown, total


@dataclass
class ParticipantPage:
    program: Program
    enrolment: Enrolment
    standing: Standing
    progress: Progress | None
    parts: list[PartProgress]
    work: list[WorkLine]
    attendance: AttendanceSummary
    decisions: list[AdmissionDecision]
    readiness: ReadinessSummary | None  # None: the viewer does not see logistics
    certificates: list[Certificate]
    notifications: list[Notification]
    notifications_total: int
    last_active: datetime | None
    people: dict[int, User]  # deciders, correctors, check-in recorders, by id
    timeline: object  # lms.monitoring.timeline.Timeline
    logistics: bool

    @property
    def person(self) -> User:
        return self.enrolment.user


def participant_page(enrolment: Enrolment, *, logistics: bool, timeline_limit: int,
                     now: datetime | None = None) -> ParticipantPage:
    """Every section of the page, in a constant number of queries whatever the person's activity."""
    from lms.monitoring.timeline import build_timeline

    now = now or utcnow()
    program = enrolment.program
    standing = evaluate([enrolment], now)[enrolment.id]
    progress = standing.progress
    if progress is None:  # invited or withdrawn: not evaluated, but their progress is still worth seeing
        progress = progress_for_enrolments([(enrolment.user_id, program.id, enrolment.module_id)], now).get(
            (enrolment.user_id, program.id))
    rows = [row for row in my_assignments(enrolment.user, now) if row.enrolment.program_id == program.id]
    versions = submitted_versions(enrolment, [row.assignment.id for row in rows if row.assignment is not None])
    work = [WorkLine(row, versions.get(row.assignment.id, 0) if row.assignment is not None else 0) for row in rows]
    attendance = attendance_summary(enrolment, now)
    decisions = decisions_for([enrolment.id])[enrolment.id]
    certificates = certificates_by_enrolment([enrolment.id])[enrolment.id]
    notifications, notifications_total = notifications_of(
        enrolment.user_id, logistics=logistics, limit=max(NOTIFICATIONS_SHOWN, timeline_limit + 1))

    people_ids = {decision.decided_by_id for decision in decisions if decision.decided_by_id}
    people_ids |= {certificate.issued_by_id for certificate in certificates if certificate.issued_by_id}
    people_ids |= {certificate.revoked_by_id for certificate in certificates if certificate.revoked_by_id}
    for line in attendance.online + attendance.offline:
        people_ids |= {correction.corrected_by_id for correction in line.attendance.corrections}
        if line.attendance.check_in is not None and line.attendance.check_in.recorded_by_id:
            people_ids.add(line.attendance.check_in.recorded_by_id)
    people = {}
    if people_ids:
        people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(people_ids)))}

    page = ParticipantPage(
        program=program,
        enrolment=enrolment,
        standing=standing,
        progress=progress,
        parts=progress_parts(enrolment, progress),
        work=work,
        attendance=attendance,
        decisions=decisions,
        readiness=readiness_summary(enrolment, program) if logistics else None,
        certificates=certificates,
        notifications=notifications[:NOTIFICATIONS_SHOWN],
        notifications_total=notifications_total,
        last_active=last_active([enrolment])[enrolment.user_id],
        people=people,
        timeline=None,
        logistics=logistics,
    )
    page.timeline = build_timeline(page, notifications, limit=timeline_limit)
    return page


# --------------------------------------------------------------------------
# The at-risk list
# --------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class AtRiskFilters:
    track_id: int | None = None
    module_id: int | None = None
    group: int | str | None = None  # a group id, or "none" (no group)
    country: str | None = None
    include_not_eligible: bool = False

    @classmethod
    def from_args(cls, args: Mapping) -> AtRiskFilters:
        group = args.get("group") or None
        if group is not None and group != "none":
            group = _int(group)
        return cls(
            track_id=_int(args.get("track")),
            module_id=_int(args.get("module")),
            group=group,
            country=(args.get("country") or "").strip().upper() or None,
            include_not_eligible=(args.get("not_eligible") or "") in ("y", "1", "on", "true"),
        )

    def as_args(self) -> dict[str, object]:
        values = {"track": self.track_id, "module": self.module_id, "group": self.group, "country": self.country,
                  "not_eligible": "y" if self.include_not_eligible else None}
        return {key: value for key, value in values.items() if value}

    @property
    def narrowing(self) -> bool:
        """Filters that leave people out (the not-eligible toggle adds people)."""
        return any((self.track_id, self.module_id, self.group, self.country))

    @property
    def statuses(self) -> tuple[Status, ...]:
        return NUDGE_STATUSES if self.include_not_eligible else (Status.AT_RISK,)

    def matches(self, enrolment: Enrolment) -> bool:
        if self.track_id is not None and enrolment.track_id != self.track_id:
            return False
        if self.module_id is not None and enrolment.module_id != self.module_id:
            return False
        if self.group == "none" and enrolment.group_id is not None:
            return False
        if isinstance(self.group, int) and enrolment.group_id != self.group:
            return False
        if self.country is not None and (enrolment.user.country or "") != self.country:
            return False
        return True


@dataclass
class AtRiskRow:
    enrolment: Enrolment
    standing: Standing
    last_active: datetime | None
    reminded: Reminded | None  # the latest reminder, whoever sent it
    reminded_by_viewer_at: datetime | None  # the viewer's own reminder, when within the last 24 hours

    @property
    def user(self) -> User:
        return self.enrolment.user

    @property
    def reasons(self) -> list[str]:
        return self.standing.reasons

    @property
    def can_remind(self) -> bool:
        return self.reminded_by_viewer_at is None


AT_RISK_PER_PAGE = 100


@dataclass
class Page:
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page


@dataclass
class AtRiskList:
    program: Program
    filters: AtRiskFilters
    rows: list[AtRiskRow]  # this page's
    countries: list[str]  # of everyone behind in the viewer's scope, before the filters (for choices)
    counts: dict[str, int]  # at_risk / not_eligible in the viewer's scope, before the filters
    page: Page


def _behind_conditions(program: Program, scope: set[int] | None, statuses) -> list:
    """Active participants of the program, in the viewer's scope, whose stored eligibility is one of
    ``statuses`` (lms.dashboard's participant summaries, which the caller brings up to date first)."""
    conditions = [Enrolment.program_id == program.id, Enrolment.status == EnrolmentStatus.ACTIVE.value,
                  ParticipantSummary.eligibility.in_([status.value for status in statuses])]
    if scope is not None:
        conditions.append(Enrolment.module_id.in_(scope))
    return conditions


def _filter_conditions(filters: AtRiskFilters) -> list:
    conditions = []
    if filters.track_id is not None:
        conditions.append(Enrolment.track_id == filters.track_id)
    if filters.module_id is not None:
        conditions.append(Enrolment.module_id == filters.module_id)
    if filters.group == "none":
        conditions.append(Enrolment.group_id.is_(None))
    elif isinstance(filters.group, int):
        conditions.append(Enrolment.group_id == filters.group)
    if filters.country is not None:
        conditions.append(User.country == filters.country)
    return conditions


def at_risk_list(program: Program, viewer, scope: set[int] | None, filters: AtRiskFilters,
                 now: datetime | None = None, page: int = 1, per_page: int = AT_RISK_PER_PAGE) -> AtRiskList:
    """Active participants whose eligibility is "at risk" (and "not eligible" on request), in the viewer's
    scope (None: everyone; else the modules they train), filtered, never or longest inactive first, one
    page of them (with when they were last reminded).

    Who is behind, and when they were last active, come from the stored participant summaries, which the
    caller brings up to date first (lms.dashboard.summaries.ensure_fresh): selecting, counting, sorting and
    paging happen in SQL, so the cost does not grow with the cohort. The reasons shown for the page come
    from the eligibility service itself."""
    from sqlalchemy.orm import contains_eager, joinedload

    now = now or utcnow()
    summary = ParticipantSummary
    base = (select(Enrolment).join(summary, summary.enrolment_id == Enrolment.id)
            .join(User, User.id == Enrolment.user_id)
            .where(*_behind_conditions(program, scope, NUDGE_STATUSES)))
    counts = {status.value: 0 for status in NUDGE_STATUSES}
    for eligibility, count in db.session.execute(
            base.with_only_columns(summary.eligibility, func.count()).group_by(summary.eligibility)):
        counts[eligibility] = count
    countries = [code for code in db.session.scalars(
        base.with_only_columns(User.country).where(User.country.is_not(None)).distinct())]
    shown = base.where(summary.eligibility.in_([status.value for status in filters.statuses]),
                       *_filter_conditions(filters))
    total = db.session.scalar(shown.with_only_columns(func.count()))
    pagination = Page(max(1, page), per_page, total or 0)
    if pagination.number > pagination.pages:
        pagination.number = pagination.pages
    page_enrolments = list(db.session.scalars(
        shown.options(contains_eager(Enrolment.user), joinedload(Enrolment.track), joinedload(Enrolment.module),
                      joinedload(Enrolment.group), joinedload(Enrolment.program))
        .add_columns(summary.last_active_at)
        .order_by(summary.last_active_at.is_not(None), summary.last_active_at, func.lower(User.name),
                  Enrolment.id)
        .limit(per_page).offset(pagination.first_index)).unique()) if total else []
    standings = evaluate(page_enrolments, now)
    active = last_active(page_enrolments)  # exact for the rows shown
    rows = [AtRiskRow(enrolment, standings[enrolment.id], active.get(enrolment.user_id), None, None)
            for enrolment in page_enrolments]
    user_ids = [row.enrolment.user_id for row in rows]
    reminded = last_reminders(program.id, user_ids)
    own = claims_by(viewer, program.id, user_ids)
    for row in rows:
        row.reminded = reminded.get(row.enrolment.user_id)
        claim = own.get(row.enrolment.user_id)
        if claim is not None and claim.claimed_at > now - NUDGE_INTERVAL:
            row.reminded_by_viewer_at = claim.claimed_at
    return AtRiskList(program, filters, rows, countries, counts, pagination)
