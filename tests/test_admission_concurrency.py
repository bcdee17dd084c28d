"""Eligibility and admission stay right when two events arrive at once.

Real threads, each with its own app context and database session, on the real
test database (an SQLite file by default; PostgreSQL with
TEST_DATABASE_URL=postgresql://…). A barrier releases them together.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.admission import operations as admission
from lms.admission.eligibility import Status, evaluate_enrolment
from lms.admission.models import AdmissionDecision
from lms.assignments.models import Grade, GradeStatus, Submission, SubmissionVersion
from lms.enrolment.models import OFFLINE_STATUSES, Enrolment
from lms.extensions import db as _db
from lms.learning.completion import record_completion
from lms.learning.models import Item
from tests import factories as f


def run_together(app, *works, timeout=30):
    """Run each ``work()`` in its own thread, app context and session, released at once by a barrier;
    each commits its own transaction. Returns what each returned, or the exception it raised."""
    barrier = threading.Barrier(len(works))
    results: list[object] = [None] * len(works)

    def runner(index, work):
        with app.test_request_context():  # a request: decisions build links for their notifications
            try:
                barrier.wait(timeout=timeout)
                results[index] = work()
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - handed back to the test
                _db.session.rollback()
                results[index] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner, args=(index, work)) for index, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results


@pytest.fixture
def course(db, world):
    """The world's program is half way through its online phase; two required lessons and a required
    assignment in world.module, no live sessions."""
    today = date.today()
    world.program.online_start = today - timedelta(days=5)
    world.program.online_end = today + timedelta(days=5)
    unit = f.make_unit(world.module, title="Week 1")
    lessons = [f.make_item(unit, "lesson", title=f"Lesson {n}") for n in range(2)]
    db.session.commit()
    return unit, lessons


def test_two_completions_at_once_are_both_counted(app, db, world, course):
    _unit, lessons = course
    user_id, enrolment_id = world.participant.id, world.enrolment.id
    lesson_ids = [lesson.id for lesson in lessons]
    assert evaluate_enrolment(world.enrolment).condition("items").done == 0

    def complete(item_id):
        def work():
            user = _db.session.get(User, user_id)
            return record_completion(user, _db.session.get(Item, item_id), "viewed").item_id
        return work

    results = run_together(app, complete(lesson_ids[0]), complete(lesson_ids[1]))
    assert results == lesson_ids, results

    db.session.expire_all()
    standing = evaluate_enrolment(db.session.get(Enrolment, enrolment_id))
    items = standing.condition("items")
    assert (items.done, items.total) == (2, 2)
    assert standing.status is Status.ELIGIBLE


def test_a_completion_and_a_released_grade_at_once(app, db, world, course):
    unit, lessons = course
    essay = f.make_assignment(unit, title="Essay", pass_points=50)
    record_completion(world.participant, lessons[0], "viewed")
    record_completion(world.participant, essay.item, "submitted")
    submission = Submission(assignment_id=essay.id, user_id=world.participant.id)
    db.session.add(submission)
    db.session.flush()
    db.session.add(SubmissionVersion(submission_id=submission.id, number=1, text="Essay",
                                     author_id=world.participant.id,
                                     submitted_at=datetime.now(timezone.utc) - timedelta(days=1)))
    grade = Grade(submission_id=submission.id, score=90, status=GradeStatus.DRAFT.value)
    db.session.add(grade)
    db.session.commit()
    user_id, enrolment_id, lesson_id, grade_id = world.participant.id, world.enrolment.id, lessons[1].id, grade.id
    before = evaluate_enrolment(world.enrolment)
    assert before.status is not Status.ELIGIBLE and not before.condition("assignments").met

    def complete():
        return record_completion(_db.session.get(User, user_id), _db.session.get(Item, lesson_id), "viewed").id

    def release():
        _db.session.get(Grade, grade_id).status = GradeStatus.RELEASED.value
        return grade_id

    results = run_together(app, complete, release)
    assert not any(isinstance(result, Exception) for result in results), results

    db.session.expire_all()
    standing = evaluate_enrolment(db.session.get(Enrolment, enrolment_id))
    items = standing.condition("items")
    assert (items.done, items.total) == (3, 3)
    assert standing.condition("assignments").met and standing.condition("average").met
    assert standing.status is Status.ELIGIBLE


def test_two_coordinators_admitting_the_last_place_at_once(app, db, world, course, monkeypatch):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no row locks: both transactions read the places taken before either writes "
                    "(writers are only serialised at the write). Run with TEST_DATABASE_URL=postgresql://… "
                    "where operations.decide locks the track's row (SELECT … FOR UPDATE).")
    _unit, lessons = course
    world.track.capacity = 1
    second = f.enrol(f.make_user(name="Dara Second"), world.program, module=world.module)
    other_coordinator = f.make_user(name="Olu Coordinator", coordinator=True)
    db.session.commit()
    for user in (world.participant, second.user):
        for lesson in lessons:
            record_completion(user, lesson, "viewed")
    db.session.commit()
    pairs = [(world.enrolment.id, world.coordinator.id), (second.id, other_coordinator.id)]
    track_id = world.track.id

    # Widen the window between reading the places taken and writing the decision, so that without the
    # lock both would read "0 of 1" and both admit.
    original = admission.evaluate

    def slow_evaluate(*args, **kwargs):
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(admission, "evaluate", slow_evaluate)

    def admit(enrolment_id, coordinator_id):
        def work():
            enrolment = _db.session.get(Enrolment, enrolment_id)
            try:
                records = admission.decide([enrolment], "admitted", _db.session.get(User, coordinator_id))
            except admission.CapacityExceeded as exceeded:
                return "refused", [(track.id, taken, capacity) for track, taken, capacity in exceeded.overflows]
            return "admitted", [record.enrolment_id for record in records]
        return work

    results = run_together(app, *(admit(*pair) for pair in pairs))
    assert sorted(outcome for outcome, _detail in results) == ["admitted", "refused"], results
    refused = next(detail for outcome, detail in results if outcome == "refused")
    assert refused == [(track_id, 2, 1)]  # the second sees the first's admission: 2 of 1 places

    db.session.expire_all()
    assert db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.track_id == track_id, Enrolment.status.in_(OFFLINE_STATUSES))) == 1
    assert len(db.session.scalars(select(AdmissionDecision)).all()) == 1
