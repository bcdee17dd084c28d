"""The demo's activity: the Experts program mid-way through its online phase, the Administrators' finished.

The demo is loaded once for this module (with a fixed "now": Wednesday 25 November 2026, 15:00 Korea
time); the tests read what it left. How the command behaves (loading twice, --reset, other days of the
week) is in tests/test_demo_activity_cli.py.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.admission.eligibility import Status, evaluate_program, in_audience
from lms.admission.models import AdmissionDecision
from lms.assignments.grading import RELEASED, RESUBMIT, state_of
from lms.assignments.models import Assignment, Grade, GradeStatus, Submission, SubmissionVersion
from lms.certificates.models import Certificate
from lms.core.timezones import day_end, day_start
from lms.demo import activity, data
from lms.enrolment.models import Enrolment, EnrolmentEvent
from lms.learning.models import Completion, Item, QuizAttempt, Unit
from lms.live.attendance import attendance_for_sessions
from lms.live.models import AttendanceCorrection, Connection, LiveSession
from lms.mail.models import OutboxMessage
from lms.notifications.models import Notification
from lms.offline.models import CheckIn
from lms.outputs.models import Output, Showcase
from lms.programs.models import Program
from lms.readiness.models import Readiness

KOREA = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)  # Wednesday 15:00 in Korea
WEEKS = (date(2026, 11, 25) - date(2024, 7, 31)).days // 7  # Wednesday 31 July 2024 is week 2's Wednesday


@pytest.fixture(scope="module")
def loaded(app):
    """Load the demo with its activity once; remove it after the module's tests."""
    from lms.demo.loader import load_demo
    from lms.extensions import db

    with app.app_context():
        summary = load_demo(with_activity=True, now=NOW)
        db.session.commit()
        yield summary
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _app_context(app, loaded):
    """This module keeps its demo data between tests (loading it once keeps the suite fast)."""
    from lms.extensions import db

    with app.app_context():
        yield
        db.session.rollback()


def _program(db, code) -> Program:
    return db.session.scalar(select(Program).where(Program.code == code))


@pytest.fixture
def main(db):
    return _program(db, "CETP-2024")


@pytest.fixture
def past(db):
    return _program(db, "CATP-2024")


def _enrolments(db, program, status=None) -> list[Enrolment]:
    query = select(Enrolment).where(Enrolment.program_id == program.id).options(
        selectinload(Enrolment.user), selectinload(Enrolment.track), selectinload(Enrolment.module))
    if status is not None:
        query = query.where(Enrolment.status == status)
    return list(db.session.scalars(query.order_by(Enrolment.id)))


def _korea(value: datetime) -> datetime:
    return value.astimezone(KOREA)


# --- The clock -----------------------------------------------------------------------------------------------


def test_now_falls_in_the_second_half_of_the_main_programs_online_phase(db, main, past, loaded):
    assert activity.mid_program_weeks(NOW) == WEEKS == loaded.activity.weeks
    shift = timedelta(weeks=WEEKS)
    assert (main.online_start, main.online_end) == (date(2024, 7, 22) + shift, date(2024, 8, 2) + shift)
    assert main.online_start.weekday() == 0 and main.online_end.weekday() == 4  # weekdays kept
    start, end = day_start(main.online_start, main.timezone), day_end(main.online_end, main.timezone)
    assert start + (end - start) / 2 <= NOW < end
    assert _korea(NOW).date() == date(2024, 7, 31) + shift  # Wednesday of week 2
    assert loaded.activity.day_of_phase == 10
    # The tracks' offline windows moved with it; the finished program kept its 2024 dates.
    windows = {track.name: (track.offline_start, track.offline_end) for track in main.tracks}
    assert windows == {"Intensive": (date(2024, 8, 19) + shift, date(2024, 9, 13) + shift),
                       "General": (date(2024, 8, 19) + shift, date(2024, 9, 6) + shift)}
    assert (past.online_start, past.online_end) == (date(2024, 8, 19), date(2024, 8, 23))
    assert (past.tracks[0].offline_start, past.tracks[0].offline_end) == (date(2024, 9, 2), date(2024, 9, 6))
    assert main.name == "2024 Cultural Experts Training Program" and main.code == "CETP-2024"


def test_every_date_of_the_main_program_moved(db, main, past):
    shift = timedelta(weeks=WEEKS)
    items = db.session.scalars(select(Item).join(Item.unit).where(Unit.program_id == main.id)).all()
    window = (day_start(main.online_start, main.timezone), day_end(main.online_end, main.timezone))
    dated = [value for item in items for value in (item.opens_at, item.due_at) if value is not None]
    assert dated and all(window[0] <= value <= window[1] for value in dated)
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.program_id == main.id)).all()
    online = [s for s in sessions if s.phase == "online"]
    assert len(online) == 4 + 4  # the modules' live sessions and the program meetings
    for session in online:
        local = _korea(session.starts_at)
        assert local.time().isoformat() == "10:00:00" and local.weekday() < 5
        assert window[0] <= session.starts_at < window[1]
        if session.item_id is not None:
            assert session.item.settings["starts_at"] == session.starts_at.isoformat()
    offline = {s.title: s for s in sessions if s.phase == "offline"}
    night = offline["CPI Night"]
    assert _korea(night.starts_at).replace(tzinfo=None) == datetime(2024, 9, 5, 18, 30) + shift
    [past_night] = db.session.scalars(select(LiveSession).where(LiveSession.program_id == past.id,
                                                                 LiveSession.title == "CPI Night")).all()
    assert _korea(past_night.starts_at).replace(tzinfo=None) == datetime(2024, 9, 5, 18, 30)
    for session in offline.values():
        assert main.tracks[0].offline_start <= _korea(session.starts_at).date() <= main.tracks[0].offline_end
    # What the lessons say about the dates moved too.
    welcome = db.session.scalar(select(Item).where(Item.title == "Welcome: how the program works",
                                                   Item.unit.has(program_id=main.id)))
    assert "22 July" not in welcome.body and "2024" not in welcome.body.split("## Time zones")[0].replace(
        "2024 Cultural Experts", "")


# --- The main program: every list of the admission queue has someone ------------------------------------------


def test_eligibility_mid_program_gives_every_status(db, main, loaded):
    standings = evaluate_program(main, NOW)
    statuses = Counter(standing.status for standing in standings.values())
    assert statuses[Status.ELIGIBLE] >= 4 and statuses[Status.AT_RISK] >= 4
    assert statuses[Status.ON_TRACK] >= 10 and statuses[Status.NOT_ELIGIBLE] >= 1
    assert sum(statuses.values()) == 45  # the two who withdrew are not evaluated
    assert {key.value: count for key, count in statuses.items()} == dict(loaded.activity.standings)
    for standing in standings.values():
        if standing.status is Status.ELIGIBLE:
            assert standing.unmet == [] and standing.condition("average").done >= 60
        elif standing.status is Status.AT_RISK:
            assert any(condition.behind for condition in standing.unmet), standing.reasons
        elif standing.status is Status.NOT_ELIGIBLE:
            assert standing.condition("live").impossible  # two program meetings missed
    # Reasons read as numbers, e.g. "attended 2 of 4 live sessions, 3 needed".
    reasons = [reason for s in standings.values() if s.status is Status.AT_RISK for reason in s.reasons]
    assert any(re.fullmatch(r"attended \d of 4 live sessions, 3 needed", reason) for reason in reasons)
    assert any("overdue" in reason for reason in reasons)
    assert any("below the pass mark" in reason for reason in reasons)


def test_ahead_participants_are_spread_over_the_modules(db, main):
    standings = evaluate_program(main, NOW)
    eligible_modules = Counter(s.enrolment.module.short_title for s in standings.values() if s.is_eligible)
    assert set(eligible_modules) == {"Publication", "Cultural Products", "Performing Arts 1", "Performing Arts 2"}


def test_two_participants_withdrew_with_a_reason(db, main):
    withdrawn = _enrolments(db, main, "withdrawn")
    assert len(withdrawn) == 2
    for enrolment in withdrawn:
        [event] = [e for e in enrolment.events if e.to_status == "withdrawn"]
        assert event.from_status == "active" and event.note.startswith("Withdrew")
        assert event.actor.is_coordinator and event.at < NOW
        assert enrolment.events[0].action == "enrolled" and enrolment.events[0].at < event.at
    standings = evaluate_program(main, NOW, include_inactive=True)
    assert all(standings[e.id].status is Status.NOT_ELIGIBLE for e in withdrawn)


def test_the_demo_participant_is_on_track_with_a_draft(db, main):
    [enrolment] = [e for e in _enrolments(db, main) if e.user.email == data.PARTICIPANT_EMAIL]
    standing = evaluate_program(main, NOW)[enrolment.id]
    assert standing.status is Status.ON_TRACK
    assert standing.condition("items").met and standing.condition("live").met
    [submission] = db.session.scalars(select(Submission).where(Submission.user_id == enrolment.user_id)).all()
    assert [version.submitted_at for version in submission.versions] == [None]  # a draft, not handed in


def test_grades_released_draft_and_a_resubmission_requested(db, main):
    grades = db.session.scalars(
        select(Grade).join(Grade.submission).join(Submission.assignment).join(Assignment.item).join(Item.unit)
        .where(Unit.program_id == main.id).options(selectinload(Grade.events))).all()
    by_status = Counter(grade.status for grade in grades)
    assert by_status[GradeStatus.RELEASED.value] >= 8 and by_status[GradeStatus.DRAFT.value] >= 1
    assert by_status[GradeStatus.RESUBMIT.value] == 1
    for grade in grades:
        assert grade.score is not None and grade.rubric_levels and grade.grader is not None
        assert grade.graded_version_number == 1 and grade.events[0].action == "saved"
        if grade.status == GradeStatus.RELEASED.value:
            assert [e.action for e in grade.events] == ["saved", "released"] and grade.released_at < NOW
            assert state_of(grade.submission) == RELEASED
        if grade.status == GradeStatus.RESUBMIT.value:
            assert grade.resubmission_message and state_of(grade.submission) == RESUBMIT
            assert grade.events[-1].action == "resubmission_requested"
    failing = [g for g in grades if g.status == GradeStatus.RELEASED.value and g.score < 60]
    assert len(failing) == 1
    # Released grades and the resubmission request reached the participants.
    kinds = Counter(db.session.scalars(select(Notification.kind).where(Notification.created_at > datetime(
        2025, 1, 1, tzinfo=timezone.utc))))
    assert kinds["grade_released"] == by_status[GradeStatus.RELEASED.value] and kinds["resubmission_requested"] == 1


def test_submissions_and_quiz_attempts(db, main):
    versions = db.session.scalars(
        select(SubmissionVersion).join(SubmissionVersion.submission).join(Submission.assignment)
        .where(Submission.user_id.is_not(None))).all()
    submitted = [v for v in versions if v.submitted_at is not None]
    assert len(submitted) >= 15 and any(v.submitted_at is None for v in versions)
    assert len({v.idempotency_key for v in submitted}) == len(submitted)
    assert all(v.receipt and len(v.receipt) == 64 and v.text for v in submitted)
    completions = {(c.user_id, c.item_id): c for c in db.session.scalars(select(Completion))}
    for version in submitted:
        item_id = version.submission.assignment.item_id
        assert completions[(version.submission.user_id, item_id)].how == "submitted"
    attempts = db.session.scalars(select(QuizAttempt)).all()
    assert any(a.passed for a in attempts) and any(not a.passed for a in attempts)
    for attempt in attempts:
        assert attempt.results and attempt.max_score > 0
        done = completions.get((attempt.user_id, attempt.item_id))
        if attempt.passed:
            assert done is not None and done.how == "passed" and done.completed_at == attempt.submitted_at
    # Numbers follow each other per person and quiz.
    numbers: dict[tuple[int, int], list[int]] = {}
    for attempt in sorted(attempts, key=lambda a: a.number):
        numbers.setdefault((attempt.user_id, attempt.item_id), []).append(attempt.number)
    assert all(values == list(range(1, len(values) + 1)) for values in numbers.values())


def test_live_sessions_attended_and_missed(db, main):
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.program_id == main.id,
                                                            LiveSession.phase == "online")).all()
    enrolments = _enrolments(db, main, "active")
    ended = [s for s in sessions if s.ends_at <= NOW]
    assert len(ended) == 7  # the four meetings and three module sessions (Tuesday, Wednesday)
    attendance = attendance_for_sessions(ended, {e.user_id for e in enrolments}, now=NOW)
    attended = missed = 0
    for session in ended:
        for enrolment in enrolments:
            if in_audience(session, enrolment):
                person = attendance[session.id][enrolment.user_id]
                attended += person.attended
                missed += not person.attended
        assert session.state == "ended"
    assert attended > 150 and 5 <= missed <= 30
    # A dropped connection that came back still counts; a short one counts only when corrected.
    [correction] = db.session.scalars(select(AttendanceCorrection)).all()
    person = attendance[correction.session_id][correction.user_id]
    assert not person.computed_attended and person.attended and correction.reason
    twice = db.session.execute(select(Connection.session_id, Connection.user_id).group_by(
        Connection.session_id, Connection.user_id).having(func.count() > 1)).all()
    twice = [(session_id, user_id) for session_id, user_id in twice  # the main program's active participants
             if user_id in attendance.get(session_id, {})]
    assert twice and all(attendance[session_id][user_id].attended for session_id, user_id in twice)
    # Nothing happened in sessions still to come.
    upcoming = [s.id for s in sessions if s.ends_at > NOW]
    assert upcoming and db.session.scalar(select(func.count(Connection.id)).where(
        Connection.session_id.in_(upcoming))) == 0
    # Attending a module session completed its item.
    item_sessions = [s for s in ended if s.item_id]
    assert db.session.scalar(select(func.count(Completion.id)).where(
        Completion.item_id.in_([s.item_id for s in item_sessions]), Completion.how == "attended")) > 20


def test_nothing_is_dated_after_now(db):
    for column in (Completion.completed_at, QuizAttempt.submitted_at, SubmissionVersion.updated_at,
                   SubmissionVersion.submitted_at, Grade.updated_at, Connection.left_at, Connection.joined_at,
                   AttendanceCorrection.corrected_at, EnrolmentEvent.at, Notification.created_at,
                   AdmissionDecision.decided_at, CheckIn.checked_in_at, Certificate.issued_at):
        latest = db.session.scalar(select(func.max(column)))
        assert latest is not None and latest <= NOW, column


# --- The finished program: decisions, readiness, check-ins, outputs, certificates ---------------------------


def test_admission_decisions_of_the_past_program(db, past):
    decisions = db.session.scalars(
        select(AdmissionDecision).join(AdmissionDecision.enrolment).where(Enrolment.program_id == past.id)).all()
    by_decision = Counter(d.decision for d in decisions)
    assert by_decision == {"admitted": 18, "waitlisted": 1, "not_admitted": 1}
    [override] = [d for d in decisions if d.is_override]
    assert override.decision == "admitted" and override.eligibility_status == "not_eligible"
    assert "power cuts" in override.reason
    assert all(d.decided_by.email == data.COORDINATOR_EMAIL for d in decisions)
    assert all(_korea(d.decided_at).date() == date(2024, 8, 26) for d in decisions)
    assert all(d.rules_snapshot["min_items_percent"] == 80 for d in decisions)
    # Every participant was told (in the app and by email), in 2024; the emails are not sent again today.
    told = db.session.scalars(select(Notification).where(Notification.kind == "admission")).all()
    assert len(told) == 20 and all(n.created_at.year == 2024 and n.read_at is not None for n in told)
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 20 and all(m.sent_at is not None and m.sent_at.year == 2024 for m in messages)


def test_readiness_of_the_past_program(db, past):
    from lms.readiness.operations import missing_items, terms_state

    records = db.session.scalars(select(Readiness).join(Readiness.enrolment).where(
        Enrolment.program_id == past.id).options(selectinload(Readiness.enrolment))).all()
    assert len(records) == 18
    responses = Counter(r.response for r in records)
    assert responses == {"confirmed": 17, "declined": 1}
    [declined] = [r for r in records if r.response == "declined"]
    assert declined.decline_reason and declined.enrolment.status == "declined_place"
    missing = {r.id: missing_items(r, past) for r in records if r.response == "confirmed"}
    assert sorted(len(items) for items in missing.values()).count(0) == 15
    assert sorted(tuple(items) for items in missing.values() if items) == [("emergency_contact",), ("travel",)]
    for record in records:
        if record.response == "confirmed":
            assert terms_state(record, past) == "accepted"
            assert record.arrival_date <= past.tracks[0].offline_start
    assert past.participation_terms and "## Participation terms" in past.participation_terms


def test_check_ins_of_the_past_program(db, past):
    check_ins = db.session.scalars(select(CheckIn).join(CheckIn.session).where(
        LiveSession.program_id == past.id).options(selectinload(CheckIn.session))).all()
    assert 140 <= len(check_ins) <= 153
    methods = Counter(c.method for c in check_ins)
    assert methods["qr"] > 100 and methods["manual"] >= 1
    for check_in in check_ins:
        session = check_in.session
        assert session.phase == "offline"
        assert session.starts_at - timedelta(minutes=20) <= check_in.checked_in_at <= session.ends_at
        if check_in.method == "manual":
            assert check_in.recorded_by.is_coordinator and check_in.note
    present = {c.user_id for c in check_ins}
    statuses = {e.user_id: e.status for e in _enrolments(db, past)}
    assert {statuses[user_id] for user_id in present} <= {"confirmed", "completed"}


def test_outputs_and_the_showcase(db, past):
    outputs = db.session.scalars(select(Output).where(Output.program_id == past.id)
                                 .options(selectinload(Output.files))).all()
    assert len(outputs) == 10 and all(o.published_at is not None for o in outputs)
    plans = [o for o in outputs if o.kind == "policy_plan"]
    assert len(plans) == 9 and len({o.group_id for o in plans}) == 9 and all(o.user_id is None for o in plans)
    for plan in plans:
        [link] = plan.files
        assert link.file.original_name.endswith(".pdf") and "## What we propose" in plan.description
    [narrative] = [o for o in outputs if o.kind == "narrative"]
    assert narrative.user_id is not None
    showcase = db.session.get(Showcase, past.id)
    assert showcase.published_at is not None and showcase.published_by_id is not None
    assert "policy action plans" in showcase.introduction


def test_certificates_of_the_past_program(db, past):
    from lms.certificates.operations import completion_status, verify

    certificates = db.session.scalars(select(Certificate).where(Certificate.program_id == past.id)).all()
    assert len(certificates) == 16
    assert len({c.code for c in certificates}) == 16
    sessions = db.session.scalars(select(LiveSession).where(LiveSession.program_id == past.id,
                                                            LiveSession.phase == "offline")).all()
    attended = Counter(db.session.scalars(select(CheckIn.user_id).where(
        CheckIn.session_id.in_([s.id for s in sessions]))))
    for certificate in certificates:
        assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{16}", certificate.code)
        assert verify(certificate.code.lower()) is certificate and not certificate.is_revoked
        details = certificate.details
        assert details["name"] == certificate.enrolment.user.name and details["program"] == past.name
        assert (details["start"], details["end"], details["basis"]) == ("2024-09-02", "2024-09-06", "offline")
        assert certificate.enrolment.status == "completed"
        assert attended[certificate.user_id] >= 8 == -(-len(sessions) * 80 // 100)
    # The participant who was ill for a day and a half attended too little: no certificate.
    uncertified = [e for e in _enrolments(db, past, "confirmed")]
    assert len(uncertified) == 1 and attended[uncertified[0].user_id] < 8
    # The certificates' own rule (check-ins count as attendance) agrees with who got one.
    completions = completion_status(_enrolments(db, past), NOW)
    certified = {c.enrolment_id for c in certificates}
    assert {e_id for e_id, completion in completions.items() if completion.completed} == certified


def test_the_summary_printed_by_the_command(loaded):
    summary = loaded.activity
    assert summary.decisions == {"admitted": 18, "waitlisted": 1, "not_admitted": 1} and summary.overrides == 1
    assert summary.readiness == {"complete": 15, "details_missing": 2, "declined": 1}
    assert summary.certificates == 16 and summary.outputs == 10 and summary.withdrawn == 2
