"""The program dashboard's figures, from the stored participant summaries, in a fixed number of queries.

Every figure is a GROUP BY over ``participant_summaries`` joined to the
enrolments (and people, for the country filter), so the cost does not grow
with the number of rows returned, and the page issues the same queries for 30
participants or 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select

from lms.accounts.models import User
from lms.admission.eligibility import Status, in_audience, published_online_sessions
from lms.assignments.models import Grade, GradeStatus, Submission, SubmissionVersion, Assignment
from lms.core.database import utcnow
from lms.dashboard.models import ParticipantSummary
from lms.dashboard.summaries import ensure_fresh
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.models import Completion, Item, Unit
from lms.programs.models import Module, Track
from lms.reports.filters import Filters

BUCKETS = 10  # the progress distribution: 0–9 %, 10–19 %, … 90–100 %


@dataclass
class Bar:
    """One bar of a chart: its label, value, the share of the chart's maximum, and the list behind it."""

    label: str
    value: float
    count: int = 0
    link: str | None = None
    note: str | None = None

    def share(self, maximum: float) -> float:
        return 0.0 if maximum <= 0 else self.value / maximum


@dataclass
class Dashboard:
    participants: int = 0
    funnel: dict[str, int] = field(default_factory=dict)
    distribution: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    by_module: list[tuple[int, str, float, int]] = field(default_factory=list)  # id, title, average %, count
    by_track: list[tuple[int, str, float, int]] = field(default_factory=list)
    by_country: list[tuple[str | None, float, int]] = field(default_factory=list)
    sessions: list[tuple[object, int, int]] = field(default_factory=list)  # LiveSession, attended, expected
    overdue_items: int = 0
    participants_overdue: int = 0
    ungraded_by_module: list[tuple[int, str, int]] = field(default_factory=list)  # module id, title, count
    average_percent: float = 0.0
    refreshed: int = 0

    @property
    def ungraded(self) -> int:
        return sum(count for _id, _title, count in self.ungraded_by_module)


# The admission funnel, in order: (key, enrolment statuses or eligibility condition).
FUNNEL = ("active", "at_risk", "eligible", "admitted", "confirmed", "completed", "withdrawn")
LEARNING_UNDECIDED = (EnrolmentStatus.ACTIVE.value,)


def _base(program_id: int, filters: Filters):
    """Summaries of the program joined to their enrolments and people, with the filters."""
    return (
        select()
        .select_from(ParticipantSummary)
        .join(Enrolment, Enrolment.id == ParticipantSummary.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .where(ParticipantSummary.program_id == program_id, *filters.conditions())
    )


def build(program, filters: Filters | None = None, now: datetime | None = None) -> Dashboard:
    filters = filters or Filters()
    now = now or utcnow()
    board = Dashboard()
    board.refreshed = ensure_fresh(program.id, now)
    if board.refreshed:
        db.session.commit()
    base = _base(program.id, filters)
    summary = ParticipantSummary

    # 1. Funnel: enrolment statuses crossed with eligibility.
    rows = db.session.execute(
        base.add_columns(Enrolment.status, summary.eligibility, func.count())
        .group_by(Enrolment.status, summary.eligibility)).all()
    funnel = {key: 0 for key in FUNNEL}
    for status, eligibility, count in rows:
        board.participants += count
        if status == EnrolmentStatus.WITHDRAWN.value:
            funnel["withdrawn"] += count
            continue
        if status == EnrolmentStatus.INVITED.value:
            continue
        funnel["active"] += count  # following the online phase, whatever came after
        if status == EnrolmentStatus.ACTIVE.value:
            if eligibility == Status.AT_RISK.value:
                funnel["at_risk"] += count
            elif eligibility == Status.ELIGIBLE.value:
                funnel["eligible"] += count
        elif status in (EnrolmentStatus.ADMITTED.value, EnrolmentStatus.CONFIRMED.value,
                        EnrolmentStatus.COMPLETED.value):
            funnel["eligible"] += count if eligibility == Status.ELIGIBLE.value else 0
            funnel["admitted"] += count
            if status != EnrolmentStatus.ADMITTED.value:
                funnel["confirmed"] += count
            if status == EnrolmentStatus.COMPLETED.value:
                funnel["completed"] += count
    board.funnel = funnel

    learning = Enrolment.status.not_in((EnrolmentStatus.WITHDRAWN.value, EnrolmentStatus.INVITED.value))

    # 2. Progress distribution, in ten buckets, and the average.
    bucket = case((summary.percent >= 100, BUCKETS - 1), else_=summary.percent / (100 // BUCKETS))
    for index, count in db.session.execute(
            base.where(learning).add_columns(bucket, func.count()).group_by(bucket)):
        board.distribution[min(int(index), BUCKETS - 1)] += count
    board.average_percent = float(db.session.scalar(
        base.where(learning).add_columns(func.coalesce(func.avg(summary.percent), 0))) or 0)

    # 3. Progress by module, track and country.
    board.by_module = [
        (module_id, title, float(average), count)
        for module_id, title, average, count in db.session.execute(
            base.where(learning).join(Module, Module.id == Enrolment.module_id)
            .add_columns(Module.id, func.coalesce(Module.short_title, Module.title), func.avg(summary.percent),
                         func.count())
            .group_by(Module.id, Module.short_title, Module.title).order_by(Module.position, Module.id))
    ]
    board.by_track = [
        (track_id, name, float(average), count)
        for track_id, name, average, count in db.session.execute(
            base.where(learning).join(Track, Track.id == Enrolment.track_id)
            .add_columns(Track.id, Track.name, func.avg(summary.percent), func.count())
            .group_by(Track.id, Track.name).order_by(Track.position, Track.id))
    ]
    board.by_country = [
        (country, float(average), count)
        for country, average, count in db.session.execute(
            base.where(learning).add_columns(User.country, func.avg(summary.percent), func.count())
            .group_by(User.country).order_by(func.count().desc(), User.country))
    ]

    # 4. Overdue work.
    overdue_total, people_overdue = db.session.execute(
        base.where(learning).add_columns(func.coalesce(func.sum(summary.overdue_count), 0),
                                         func.count().filter(summary.overdue_count > 0))).one()
    board.overdue_items, board.participants_overdue = int(overdue_total or 0), int(people_overdue or 0)

    # 5. Live-session attendance over time: the sessions' items completed by attending, per session.
    sessions = [session for session in published_online_sessions({program.id}) if session.starts_at <= now]
    item_ids = [session.item_id for session in sessions if session.item_id]
    attended = {}
    if item_ids:
        attended = dict(db.session.execute(
            base.where(learning).join(Completion, and_(Completion.user_id == Enrolment.user_id,
                                                      Completion.item_id.in_(item_ids)))
            .add_columns(Completion.item_id, func.count()).group_by(Completion.item_id)).all())
    # Who is expected: the audience sizes, from counts per track, module and group (one query).
    audience_rows = db.session.execute(
        base.where(learning).add_columns(Enrolment.track_id, Enrolment.module_id, Enrolment.group_id, func.count())
        .group_by(Enrolment.track_id, Enrolment.module_id, Enrolment.group_id)).all()
    # Sessions without an item (program meetings) have no completion: their attendance is computed from
    # the connection records, for the filtered participants only.
    standalone = [session for session in sessions if not session.item_id]
    standalone_attended: dict[int, int] = {}
    if standalone:
        from lms.live.attendance import attendance_for_sessions

        user_ids = list(db.session.scalars(base.where(learning).add_columns(Enrolment.user_id)))
        people = attendance_for_sessions(standalone, user_ids, now=now)
        standalone_attended = {session_id: sum(entry.attended for entry in entries.values())
                               for session_id, entries in people.items()}
    for session in sessions:
        expected = 0
        for track_id, module_id, group_id, count in audience_rows:
            stand_in = Enrolment(program_id=program.id, track_id=track_id, module_id=module_id, group_id=group_id)
            if in_audience(session, stand_in):
                expected += count
        count = standalone_attended.get(session.id, 0) if not session.item_id else attended.get(session.item_id, 0)
        board.sessions.append((session, count, expected))

    # 6. Ungraded work: submitted, with no released grade and no resubmission request, per module.
    has_version = exists().where(SubmissionVersion.submission_id == Submission.id,
                                 SubmissionVersion.submitted_at.is_not(None))
    board.ungraded_by_module = [
        (module_id, title, count)
        for module_id, title, count in db.session.execute(
            select(Module.id, func.coalesce(Module.short_title, Module.title), func.count(Submission.id))
            .select_from(Submission)
            .join(Assignment, Assignment.id == Submission.assignment_id)
            .join(Item, Item.id == Assignment.item_id)
            .join(Unit, Unit.id == Item.unit_id)
            .join(Module, Module.id == Unit.module_id)
            .outerjoin(Grade, Grade.submission_id == Submission.id)
            .where(Unit.program_id == program.id, has_version,
                   or_(Grade.id.is_(None), Grade.status == GradeStatus.DRAFT.value))
            .where(*([Module.id == filters.module_id] if filters.module_id else []))
            .where(*([Module.track_id == filters.track_id] if filters.track_id else []))
            .group_by(Module.id, Module.short_title, Module.title)
            .order_by(Module.position, Module.id))
    ]
    return board


# --------------------------------------------------------------------------
# The list behind every figure
# --------------------------------------------------------------------------

PER_PAGE = 50


@dataclass(frozen=True)
class ListFilters:
    """What a figure narrows the participant list to, besides the page's filters."""

    eligibility: str | None = None  # an eligibility Status value
    stage: str | None = None  # a FUNNEL key
    min_percent: int | None = None
    max_percent: int | None = None
    overdue: bool = False

    @classmethod
    def from_args(cls, args) -> ListFilters:
        def number(name):
            try:
                value = int(args.get(name, ""))
            except (TypeError, ValueError):
                return None
            return max(0, min(100, value))

        eligibility = args.get("eligibility")
        stage = args.get("stage")
        return cls(
            eligibility=eligibility if eligibility in {status.value for status in Status} else None,
            stage=stage if stage in FUNNEL else None,
            min_percent=number("min"),
            max_percent=number("max"),
            overdue=args.get("overdue") == "1",
        )

    def as_args(self) -> dict[str, object]:
        pairs = (("eligibility", self.eligibility), ("stage", self.stage), ("min", self.min_percent),
                 ("max", self.max_percent), ("overdue", "1" if self.overdue else None))
        return {name: value for name, value in pairs if value is not None}

    def conditions(self) -> list:
        summary = ParticipantSummary
        result = []
        if self.eligibility:
            result.append(summary.eligibility == self.eligibility)
        if self.min_percent is not None:
            result.append(summary.percent >= self.min_percent)
        if self.max_percent is not None:
            result.append(summary.percent <= self.max_percent)
        if self.overdue:
            result.append(summary.overdue_count > 0)
        if self.stage:
            result.append(_stage_condition(self.stage))
        return result


def _stage_condition(stage: str):
    statuses = {
        "active": [status.value for status in EnrolmentStatus
                   if status not in (EnrolmentStatus.INVITED, EnrolmentStatus.WITHDRAWN)],
        "admitted": [EnrolmentStatus.ADMITTED.value, EnrolmentStatus.CONFIRMED.value,
                     EnrolmentStatus.COMPLETED.value],
        "confirmed": [EnrolmentStatus.CONFIRMED.value, EnrolmentStatus.COMPLETED.value],
        "completed": [EnrolmentStatus.COMPLETED.value],
        "withdrawn": [EnrolmentStatus.WITHDRAWN.value],
    }
    if stage == "at_risk":
        return and_(Enrolment.status == EnrolmentStatus.ACTIVE.value,
                    ParticipantSummary.eligibility == Status.AT_RISK.value)
    if stage == "eligible":
        return and_(Enrolment.status.in_(statuses["active"]), ParticipantSummary.eligibility == Status.ELIGIBLE.value)
    return Enrolment.status.in_(statuses[stage])


@dataclass
class ListRow:
    summary: ParticipantSummary
    enrolment: Enrolment
    user: User


def participant_list(program, filters: Filters, narrowed: ListFilters, page: int = 1):
    """One page of the program's participants from their summaries: (rows, total); three queries."""
    from sqlalchemy.orm import selectinload

    base = (
        select(ParticipantSummary, Enrolment, User)
        .join(Enrolment, Enrolment.id == ParticipantSummary.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .where(ParticipantSummary.program_id == program.id, *filters.conditions(), *narrowed.conditions())
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = max(1, page)
    rows = db.session.execute(
        base.options(selectinload(Enrolment.track), selectinload(Enrolment.module), selectinload(Enrolment.group))
        .order_by(ParticipantSummary.percent, func.lower(User.name), User.id)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return [ListRow(summary, enrolment, user) for summary, enrolment, user in rows], total
