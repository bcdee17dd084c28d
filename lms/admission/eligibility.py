"""Eligibility for the offline phase: one domain service, computed from the records themselves.

For each participant it gives a status and every condition with its numbers:

* ``eligible``: every condition of the rules is met;
* ``not_eligible``: the decision date has passed with a condition unmet, or a
  condition can no longer be met (too many live sessions missed), or the
  participant withdrew;
* ``at_risk``: behind the pace needed to meet the rules by the decision date
  (fewer items done than a steady pace would give by now, a required
  assignment overdue or failed, too many past sessions missed, an average
  below the minimum);
* ``on_track``: otherwise.

Nothing is cached: the status is computed from completions, released grades
and attendance as they are committed, so it changes the moment one of them
does (no nightly job) and two events arriving at once can never leave a stale
result behind. The rules in force are read at evaluation time, so rules
changed mid-program apply from then on; decisions already taken keep the
rules they were taken under (``AdmissionDecision.rules_snapshot``).

A whole program costs a constant number of queries whatever its size: the
outlines and completions (``progress_for_enrolments``), the assignments and
their submissions with grades, the sessions and their attendance, the rules.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from lms.admission.models import AdmissionRules
from lms.assignments.models import Assignment, GradeStatus, Submission
from lms.core.database import utcnow
from lms.core.timezones import day_end, day_start
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.learning.models import Item, ItemKind, Unit
from lms.learning.progress import Progress, progress_for_enrolments
from lms.live.models import Audience, LiveSession, Phase


class Status(str, enum.Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"

    @property
    def label(self) -> str:
        return {
            "on_track": _("On track"),
            "at_risk": _("At risk"),
            "eligible": _("Eligible"),
            "not_eligible": _("Not eligible"),
        }[self.value]


def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


@dataclass
class Condition:
    """One condition of the rules for one participant, with its numbers and where to get help."""

    key: str  # items | assignments | live | average | enrolment
    title: str
    message: str  # "attended 3 of 5 live sessions, 4 needed"
    met: bool
    done: float = 0
    total: int = 0
    needed: float = 0
    behind: bool = False  # behind the pace: the reason for "at risk"
    impossible: bool = False  # can no longer be met before the decision date
    applies: bool = True  # False: nothing to meet (no live sessions, no assignments)
    link: tuple[str, dict] | None = None  # (endpoint, values) of the page that helps
    value: float | None = None  # the measured figure itself where it is not a count (the average grade)

    @property
    def percent(self) -> int:
        """Progress towards what is needed, 0–100, for a progress bar."""
        if not self.applies or self.needed <= 0:
            return 100
        return max(0, min(100, math.floor(100 * self.done / self.needed)))

    @property
    def width_class(self) -> str:
        return f"w-{5 * round(self.percent / 5)}"


@dataclass
class Standing:
    """A participant's eligibility at one moment."""

    enrolment: Enrolment
    rules: AdmissionRules
    deadline: datetime
    status: Status
    conditions: list[Condition] = field(default_factory=list)
    progress: Progress | None = None
    evaluated_at: datetime | None = None

    @property
    def unmet(self) -> list[Condition]:
        return [condition for condition in self.conditions if condition.applies and not condition.met]

    @property
    def reasons(self) -> list[str]:
        """Why not eligible or at risk, in words: the unmet conditions' numbers."""
        return [condition.message for condition in self.unmet]

    @property
    def is_eligible(self) -> bool:
        return self.status is Status.ELIGIBLE

    @property
    def status_label(self) -> str:
        return self.status.label

    def condition(self, key: str) -> Condition | None:
        return next((condition for condition in self.conditions if condition.key == key), None)


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def rules_by_track(program_id: int) -> dict[int | None, AdmissionRules]:
    """The saved rules of a program: {None: program rules, track_id: track rules}; one query."""
    return {rules.track_id: rules for rules in db.session.scalars(
        select(AdmissionRules).where(AdmissionRules.program_id == program_id))}


def rules_for(program_id: int, track_id: int | None, saved: dict[int | None, AdmissionRules] | None = None
              ) -> AdmissionRules:
    """The rules that apply to a track's participants: the track's own, else the program's, else the defaults."""
    saved = rules_by_track(program_id) if saved is None else saved
    if track_id is not None and track_id in saved:
        return saved[track_id]
    return saved.get(None) or AdmissionRules.defaults(program_id)


def decision_deadline(rules: AdmissionRules, program) -> datetime:
    """The end (in the program's zone) of the day by which admission is decided."""
    return day_end(rules.decide_by or program.online_end, program.timezone)


def _pace(program, deadline: datetime, now: datetime) -> float:
    """The share of the time from the online phase's start to the decision date that has passed (0–1)."""
    start = day_start(program.online_start, program.timezone)
    if now <= start:
        return 0.0
    if now >= deadline or deadline <= start:
        return 1.0
    return (now - start).total_seconds() / (deadline - start).total_seconds()


def needed_count(total: int, percent: int) -> int:
    """How many of ``total`` reach ``percent`` (rounded up: 75 % of 5 sessions is 4)."""
    return math.ceil(total * percent / 100) if total else 0


# --------------------------------------------------------------------------
# Facts, loaded for many participants at once
# --------------------------------------------------------------------------


@dataclass
class _AssignmentResult:
    assignment: Assignment
    item: Item
    score: int | None = None  # released score
    submitted: bool = False

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.assignment.pass_points

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.assignment.points:
            return None
        return 100 * self.score / self.assignment.points


def _assignment_results(enrolments: Sequence[Enrolment], progress: dict[tuple[int, int], Progress]
                        ) -> dict[int, list[_AssignmentResult]]:
    """{enrolment_id: results of the assignments in the participant's outline}; two queries."""
    item_ids = {
        state.item.id
        for result in progress.values()
        for state in result.states.values()
        if state.item.kind == ItemKind.ASSIGNMENT.value
    }
    if not item_ids:
        return {enrolment.id: [] for enrolment in enrolments}
    assignments = {assignment.item_id: assignment for assignment in db.session.scalars(
        select(Assignment).where(Assignment.item_id.in_(item_ids)))}
    user_ids = {enrolment.user_id for enrolment in enrolments}
    group_ids = {enrolment.group_id for enrolment in enrolments if enrolment.group_id}
    owner = [Submission.user_id.in_(user_ids)]
    if group_ids:
        owner.append(Submission.group_id.in_(group_ids))
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.assignment_id.in_([assignment.id for assignment in assignments.values()]), or_(*owner))
        .options(selectinload(Submission.grade), selectinload(Submission.versions))
    ).all()
    by_owner = {}
    for submission in submissions:
        by_owner[(submission.assignment_id, "user", submission.user_id)] = submission
        if submission.group_id is not None:
            by_owner[(submission.assignment_id, "group", submission.group_id)] = submission
    results = {}
    for enrolment in enrolments:
        rows = []
        outline = progress.get((enrolment.user_id, enrolment.program_id))
        if outline is not None:
            for state in outline.states.values():
                assignment = assignments.get(state.item.id)
                if assignment is None:
                    continue
                if assignment.group_submission and enrolment.group_id:
                    submission = by_owner.get((assignment.id, "group", enrolment.group_id))
                else:
                    submission = by_owner.get((assignment.id, "user", enrolment.user_id))
                row = _AssignmentResult(assignment, state.item)
                if submission is not None:
                    row.submitted = any(version.submitted_at is not None for version in submission.versions)
                    grade = submission.grade
                    if grade is not None and grade.status == GradeStatus.RELEASED.value:
                        row.score = grade.score
                rows.append(row)
        results[enrolment.id] = rows
    return results


def published_online_sessions(program_ids: set[int]) -> list[LiveSession]:
    """The programs' online sessions participants see (not archived, not hidden); one query."""
    if not program_ids:
        return []
    return list(db.session.scalars(
        select(LiveSession)
        .outerjoin(Item, Item.id == LiveSession.item_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(LiveSession.program_id.in_(program_ids), LiveSession.phase == Phase.ONLINE.value,
               LiveSession.archived_at.is_(None))
        .where(or_(LiveSession.item_id.is_(None),
                   and_(Item.hidden.is_(False), Item.archived_at.is_(None),
                        Unit.hidden.is_(False), Unit.archived_at.is_(None))))
        .order_by(LiveSession.starts_at, LiveSession.id)
    ))


def in_audience(session: LiveSession, enrolment: Enrolment) -> bool:
    """Whether the session is meant for this participant (its program, track, module or group)."""
    if session.program_id != enrolment.program_id:
        return False
    return {
        Audience.PROGRAM.value: True,
        Audience.TRACK.value: session.audience_id == enrolment.track_id,
        Audience.MODULE.value: session.audience_id == enrolment.module_id,
        Audience.GROUP.value: session.audience_id is not None and session.audience_id == enrolment.group_id,
    }.get(session.audience, False)


# --------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------


def _items_condition(rules, progress: Progress | None, enrolment, pace: float) -> Condition:
    done = progress.required_done if progress else 0
    total = progress.required_total if progress else 0
    needed = needed_count(total, rules.min_items_percent)
    link = None
    if progress and progress.next_item is not None:
        link = ("learning.item", {"item_id": progress.next_item.id})
    elif enrolment.module_id:
        link = ("learning.module_outline", {"module_id": enrolment.module_id})
    if total == 0:
        return Condition("items", _("Online items"), _("No required online items yet."), met=True,
                         applies=False, link=link)
    message = ngettext("completed %(done)d of %(total)d required item, %(needed)d needed",
                       "completed %(done)d of %(total)d required items, %(needed)d needed",
                       total, done=done, total=total, needed=needed)
    overdue = len(progress.overdue) if progress else 0
    if overdue:
        message += " " + ngettext("(%(num)d overdue)", "(%(num)d overdue)", overdue)
    met = done >= needed
    expected = math.floor(needed * pace)
    return Condition("items", _("Online items"), message, met=met, done=done, total=total, needed=needed,
                     behind=not met and done < expected, link=link)


def _assignments_condition(rules, results: list[_AssignmentResult], now: datetime) -> Condition:
    required = [row for row in results if row.item.required]
    link = ("submissions.my_assignments", {})
    if not rules.require_assignments_passed or not required:
        message = _("No required assignments.") if not required else _("Passing assignments is not required.")
        return Condition("assignments", _("Required assignments"), message, met=True, applies=False, link=link)
    passed = sum(row.passed for row in required)
    total = len(required)
    message = ngettext("passed %(done)d of %(total)d required assignment, %(needed)d needed",
                       "passed %(done)d of %(total)d required assignments, %(needed)d needed",
                       total, done=passed, total=total, needed=total)
    failing = [row for row in required if row.score is not None and not row.passed]
    overdue = [row for row in required
               if not row.submitted and row.item.due_at is not None and row.item.due_at < now]
    if failing:
        message += " " + ngettext("(%(num)d below the pass mark)", "(%(num)d below the pass mark)", len(failing))
    if overdue:
        message += " " + ngettext("(%(num)d overdue)", "(%(num)d overdue)", len(overdue))
    met = passed == total
    return Condition("assignments", _("Required assignments"), message, met=met, done=passed, total=total,
                     needed=total, behind=not met and bool(failing or overdue), link=link)


def _live_condition(rules, sessions: list[LiveSession], attended_ids: set[int], now: datetime,
                    deadline: datetime) -> Condition:
    link = ("live_schedule.upcoming", {})
    total = len(sessions)
    if total == 0:
        return Condition("live", _("Live sessions"), _("No live sessions in this program."), met=True,
                         applies=False, link=link)
    needed = needed_count(total, rules.min_live_percent)
    attended = sum(session.id in attended_ids for session in sessions)
    past = [session for session in sessions if session.ends_at <= now]
    # Sessions still to come before the decision date can still be attended.
    upcoming = [session for session in sessions
                if session.ends_at > now and session.starts_at <= deadline and session.id not in attended_ids]
    message = ngettext("attended %(done)d of %(total)d live session, %(needed)d needed",
                       "attended %(done)d of %(total)d live sessions, %(needed)d needed",
                       total, done=attended, total=total, needed=needed)
    met = attended >= needed
    attended_past = sum(session.id in attended_ids for session in past)
    behind = not met and attended_past < needed_count(len(past), rules.min_live_percent)
    impossible = not met and attended + len(upcoming) < needed
    return Condition("live", _("Live sessions"), message, met=met, done=attended, total=total, needed=needed,
                     behind=behind, impossible=impossible, link=link)


def _average_condition(rules, results: list[_AssignmentResult]) -> Condition:
    link = ("submissions.my_assignments", {})
    if rules.min_average_grade is None or not results:
        message = _("No graded work in this program.") if not results else _("No minimum average grade.")
        return Condition("average", _("Average grade"), message, met=True, applies=False, link=link)
    percents = [row.percent for row in results if row.percent is not None]
    needed = rules.min_average_grade
    if not percents:
        return Condition("average", _("Average grade"),
                         _("no grade released yet, an average of %(needed)d%% needed", needed=needed),
                         met=False, done=0, total=len(results), needed=needed, link=link)
    average = sum(percents) / len(percents)
    shown = math.floor(average * 10) / 10  # never rounds up to the minimum
    message = ngettext("average %(average)s%% over %(num)d released grade, %(needed)d%% needed",
                       "average %(average)s%% over %(num)d released grades, %(needed)d%% needed",
                       len(percents), average=f"{shown:g}", needed=needed)
    met = average >= needed
    return Condition("average", _("Average grade"), message, met=met, done=shown, total=len(results),
                     needed=needed, behind=not met, link=link, value=round(average, 2))


def _status(conditions: list[Condition], now: datetime, deadline: datetime) -> Status:
    unmet = [condition for condition in conditions if condition.applies and not condition.met]
    if not unmet:
        return Status.ELIGIBLE
    if now > deadline or any(condition.impossible for condition in unmet):
        return Status.NOT_ELIGIBLE
    if any(condition.behind for condition in unmet):
        return Status.AT_RISK
    return Status.ON_TRACK


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------


NOT_EVALUATED = (EnrolmentStatus.INVITED.value, EnrolmentStatus.WITHDRAWN.value)


def evaluate(enrolments: Iterable[Enrolment], now: datetime | None = None) -> dict[int, Standing]:
    """{enrolment_id: Standing} for many enrolments (any programs) in a constant number of queries."""
    now = now or utcnow()
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    programs = {enrolment.program_id: enrolment.program for enrolment in enrolments}
    saved_rules = {program_id: {} for program_id in programs}
    for rules in db.session.scalars(select(AdmissionRules).where(AdmissionRules.program_id.in_(programs))):
        saved_rules[rules.program_id][rules.track_id] = rules
    learners = [enrolment for enrolment in enrolments if enrolment.status not in NOT_EVALUATED]
    progress = progress_for_enrolments(
        [(enrolment.user_id, enrolment.program_id, enrolment.module_id) for enrolment in learners], now)
    results = _assignment_results(learners, progress)
    sessions = published_online_sessions(set(programs))
    from lms.live.attendance import attendance_for_sessions

    attendance = attendance_for_sessions(sessions, {enrolment.user_id for enrolment in learners}, now=now)

    standings = {}
    for enrolment in enrolments:
        program = programs[enrolment.program_id]
        rules = rules_for(enrolment.program_id, enrolment.track_id, saved_rules[enrolment.program_id])
        deadline = decision_deadline(rules, program)
        if enrolment.status in NOT_EVALUATED:
            message = (_("withdrawn from the program") if enrolment.status == EnrolmentStatus.WITHDRAWN.value
                       else _("has not accepted the invitation yet"))
            condition = Condition("enrolment", _("Enrolment"), message, met=False,
                                  impossible=enrolment.status == EnrolmentStatus.WITHDRAWN.value)
            status = Status.NOT_ELIGIBLE if condition.impossible or now > deadline else Status.AT_RISK
            standings[enrolment.id] = Standing(enrolment, rules, deadline, status, [condition], None, now)
            continue
        own_progress = progress.get((enrolment.user_id, enrolment.program_id))
        own_sessions = [session for session in sessions if in_audience(session, enrolment)]
        attended = {session.id for session in own_sessions
                    if attendance[session.id][enrolment.user_id].attended}
        own_results = results.get(enrolment.id, [])
        conditions = [
            _items_condition(rules, own_progress, enrolment, _pace(program, deadline, now)),
            _assignments_condition(rules, own_results, now),
            _live_condition(rules, own_sessions, attended, now, deadline),
            _average_condition(rules, own_results),
        ]
        standings[enrolment.id] = Standing(enrolment, rules, deadline, _status(conditions, now, deadline),
                                           conditions, own_progress, now)
    return standings


def evaluate_enrolment(enrolment: Enrolment, now: datetime | None = None) -> Standing:
    return evaluate([enrolment], now)[enrolment.id]


def program_enrolments(program_id: int, *, include_inactive: bool = False) -> list[Enrolment]:
    """The program's participants with their people, track, module and group loaded; one query (plus
    eager loads)."""
    query = (
        select(Enrolment)
        .where(Enrolment.program_id == program_id)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.track), selectinload(Enrolment.module),
                 selectinload(Enrolment.group), selectinload(Enrolment.program))
        .order_by(Enrolment.id)
    )
    if not include_inactive:
        query = query.where(Enrolment.status.not_in(NOT_EVALUATED))
    return list(db.session.scalars(query))


def evaluate_program(program, now: datetime | None = None, *, include_inactive: bool = False
                     ) -> dict[int, Standing]:
    """Every participant of a program (withdrawn and invited ones only when asked)."""
    return evaluate(program_enrolments(program.id, include_inactive=include_inactive), now)
