"""The eligibility service: rules at their edges, pace, live sessions, grades, withdrawn people."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.admission import operations as admission
from lms.admission.eligibility import Status, evaluate, evaluate_enrolment, evaluate_program, needed_count
from lms.admission.models import AdmissionRulesChange
from lms.assignments.models import Grade, Submission, SubmissionVersion
from lms.enrolment.models import EnrolmentStatus
from lms.learning.completion import record_completion
from lms.live.models import AttendanceCorrection
from tests import factories as f

UTC = timezone.utc
# The world's program runs online from 22 July to 2 August 2024 (Asia/Seoul by default).
MIDWAY = datetime(2024, 7, 28, 3, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2024, 8, 3, 0, 0, tzinfo=UTC)


@pytest.fixture
def course(db, world):
    """Four required lessons and one optional in the world's module."""
    unit = f.make_unit(world.module, title="Week 1")
    lessons = [f.make_item(unit, "lesson", title=f"Lesson {n}") for n in range(4)]
    optional = f.make_item(unit, "lesson", title="Extra", required=False)
    db.session.commit()
    return unit, lessons, optional


def standing(world, now=MIDWAY):
    return evaluate_enrolment(world.enrolment, now)


def test_needed_count_rounds_up():
    assert needed_count(5, 75) == 4 and needed_count(4, 75) == 3 and needed_count(0, 75) == 0
    assert needed_count(10, 80) == 8 and needed_count(3, 100) == 3


def test_no_sessions_no_assignments_only_items_count(db, world, course):
    _unit, lessons, _optional = course
    result = standing(world)
    assert [c.key for c in result.conditions] == ["items", "assignments", "live", "average"]
    assert not result.condition("live").applies and not result.condition("assignments").applies
    assert not result.condition("average").applies
    assert result.condition("items").message == "completed 0 of 4 required items, 4 needed"
    for lesson in lessons[:3]:
        record_completion(world.participant, lesson, "viewed")
    db.session.commit()
    assert standing(world).condition("items").done == 3
    assert standing(world).status is not Status.ELIGIBLE
    record_completion(world.participant, lessons[3], "viewed")
    db.session.commit()
    result = standing(world)
    assert result.status is Status.ELIGIBLE and result.unmet == []


def test_pace_decides_between_on_track_and_at_risk_and_deadline_decides_not_eligible(db, world, course):
    # 4 required items at 80 % -> 4 needed (ceil 3.2). Early in the phase nothing is expected yet.
    early = datetime(2024, 7, 22, 3, 0, tzinfo=UTC)
    assert standing(world, early).status is Status.ON_TRACK
    # Past the middle of the phase with nothing done: behind the pace.
    result = standing(world, MIDWAY)
    assert result.status is Status.AT_RISK and result.condition("items").behind
    assert result.reasons == ["completed 0 of 4 required items, 4 needed"]
    assert standing(world, AFTER_DEADLINE).status is Status.NOT_ELIGIBLE


def test_live_sessions_count_attendance_and_impossibility(db, world, course, coordinator):
    unit, lessons, _optional = course
    for lesson in lessons:
        record_completion(world.participant, lesson, "viewed")
    starts = datetime(2024, 7, 23, 9, 0, tzinfo=UTC)
    # Optional items, so that only the live-session condition is under test here.
    sessions = [f.make_live_session(unit, title=f"Live {n}", starts_at=starts + timedelta(days=2 * n),
                                    required=False)
                for n in range(5)]  # 23, 25, 27, 29, 31 July
    db.session.commit()
    # Midway (28 July): three sessions past, none attended -> behind; 2 to come, 4 needed -> impossible.
    result = standing(world, MIDWAY)
    live = result.condition("live")
    assert live.message == "attended 0 of 5 live sessions, 4 needed"
    assert live.impossible and result.status is Status.NOT_ELIGIBLE
    for session in sessions[:3]:
        db.session.add(AttendanceCorrection(session_id=session.id, user_id=world.participant.id, attended=True,
                                            reason="Joined by phone", corrected_by_id=coordinator.id))
    db.session.commit()
    result = standing(world, MIDWAY)
    assert result.condition("live").message == "attended 3 of 5 live sessions, 4 needed"
    assert result.status is Status.ON_TRACK
    db.session.add(AttendanceCorrection(session_id=sessions[3].id, user_id=world.participant.id, attended=True,
                                        reason="Present", corrected_by_id=coordinator.id))
    db.session.commit()
    assert standing(world, MIDWAY).status is Status.ELIGIBLE
    # Another module's session is not this participant's.
    other_unit = f.make_unit(world.other_module)
    f.make_live_session(other_unit, starts_at=starts, required=False)
    db.session.commit()
    assert standing(world, MIDWAY).condition("live").total == 5


def _submit_and_grade(db, assignment, user, score, *, released=True):
    submission = Submission(assignment_id=assignment.id, user_id=user.id)
    db.session.add(submission)
    db.session.flush()
    db.session.add(SubmissionVersion(submission_id=submission.id, number=1, text="Essay", author_id=user.id,
                                     submitted_at=datetime(2024, 7, 25, tzinfo=UTC)))
    db.session.add(Grade(submission_id=submission.id, score=score, status="released" if released else "draft"))
    db.session.commit()


def test_required_assignments_and_average_grade(db, world, course):
    unit, lessons, _optional = course
    for lesson in lessons:
        record_completion(world.participant, lesson, "viewed")
    essay = f.make_assignment(unit, title="Essay", pass_points=50)
    plan = f.make_assignment(unit, title="Plan", pass_points=50, points=50)
    db.session.commit()
    result = standing(world)
    assert result.condition("assignments").message == "passed 0 of 2 required assignments, 2 needed"
    assert result.condition("average").message == "no grade released yet, an average of 60% needed"
    _submit_and_grade(db, essay, world.participant, 90)
    _submit_and_grade(db, plan, world.participant, 40, released=False)  # a draft grade counts for nothing
    result = standing(world)
    assert result.condition("assignments").done == 1
    assert result.condition("average").message == "average 90% over 1 released grade, 60% needed"
    db.session.scalar(select(Grade).where(Grade.score == 40)).status = "released"
    db.session.commit()
    result = standing(world)
    # 40 of 50 = 80 %, but below the pass mark of 50 points.
    assert result.condition("assignments").message == \
        "passed 1 of 2 required assignments, 2 needed (1 below the pass mark)"
    assert result.condition("average").met and result.status is Status.AT_RISK


def test_rules_changed_mid_program_apply_from_then_on_and_are_recorded(db, world, course, coordinator):
    _unit, lessons, _optional = course
    for lesson in lessons[:3]:
        record_completion(world.participant, lesson, "viewed")
    db.session.commit()
    assert standing(world).status is Status.ON_TRACK  # 3 of 4, 4 needed, on pace
    admission.save_rules(world.program, None, {"min_items_percent": 75}, coordinator, note="Lighter load")
    db.session.commit()
    assert standing(world).status is Status.ELIGIBLE  # 3 of 4 at 75 % is enough
    [change] = db.session.scalars(select(AdmissionRulesChange)).all()
    assert change.before is None and change.after["min_items_percent"] == 75
    # A track's own rules replace the program's for that track only.
    admission.save_rules(world.program, world.track.id, {"min_items_percent": 100}, coordinator)
    db.session.commit()
    assert standing(world).status is Status.ON_TRACK
    assert admission.remove_track_rules(world.program, world.track.id, coordinator)
    db.session.commit()
    assert standing(world).status is Status.ELIGIBLE
    assert len(admission.rules_history(world.program.id)) == 3


def test_decision_date_can_be_set_earlier(db, world, course, coordinator):
    admission.save_rules(world.program, None, {"decide_by": date(2024, 7, 26)}, coordinator)
    db.session.commit()
    assert standing(world, MIDWAY).status is Status.NOT_ELIGIBLE
    assert standing(world, datetime(2024, 7, 22, 3, tzinfo=UTC)).status is Status.ON_TRACK


def test_withdrawn_and_invited_participants(db, world, course):
    world.enrolment.status = EnrolmentStatus.WITHDRAWN.value
    db.session.commit()
    result = standing(world)
    assert result.status is Status.NOT_ELIGIBLE and result.reasons == ["withdrawn from the program"]
    assert world.enrolment.id not in evaluate_program(world.program, MIDWAY)
    assert world.enrolment.id in evaluate_program(world.program, MIDWAY, include_inactive=True)


def test_group_assignment_counts_for_every_member(db, world, course):
    unit, lessons, _optional = course
    partner = f.make_user(name="Partner")
    partner_enrolment = f.enrol(partner, world.program, module=world.module, group=world.group)
    project = f.make_assignment(unit, title="Delegation plan", group_submission=True)
    db.session.commit()
    submission = Submission(assignment_id=project.id, group_id=world.group.id)
    db.session.add(submission)
    db.session.flush()
    db.session.add(SubmissionVersion(submission_id=submission.id, number=1, text="Plan", author_id=partner.id,
                                     submitted_at=MIDWAY))
    db.session.add(Grade(submission_id=submission.id, score=80, status="released"))
    db.session.commit()
    results = evaluate([world.enrolment, partner_enrolment], MIDWAY)
    for enrolment_id in (world.enrolment.id, partner_enrolment.id):
        assert results[enrolment_id].condition("assignments").done == 1


def test_whole_program_in_constant_queries(db, world, course, count_queries):
    unit, lessons, _optional = course
    f.make_live_session(unit, starts_at=datetime(2024, 7, 24, tzinfo=UTC))
    f.make_assignment(unit)
    db.session.commit()

    def measure():
        db.session.expire_all()
        with count_queries() as queries:
            evaluate_program(world.program, MIDWAY)
        return len(queries)

    few = measure()
    for n in range(15):
        f.enrol(f.make_user(), world.program, module=world.module if n % 2 else world.other_module)
    db.session.commit()
    assert measure() == few
