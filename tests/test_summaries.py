"""Participant summaries: written from the eligibility service, made dirty by every change that matters."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from lms.admission import operations as admission
from lms.admission.eligibility import evaluate_enrolment
from lms.assignments.models import Grade, Submission, SubmissionVersion
from lms.core.database import utcnow
from lms.dashboard import summaries
from lms.dashboard.models import ParticipantSummary
from lms.learning.completion import record_completion
from lms.learning.models import Completion
from lms.live.models import AttendanceCorrection
from tests import factories as f

UTC = timezone.utc


@pytest.fixture
def lessons(db, world):
    unit = f.make_unit(world.module, title="Week 1")
    items = [f.make_item(unit, "lesson", title=f"Lesson {n}") for n in range(4)]
    db.session.commit()
    return unit, items


def row(db, enrolment) -> ParticipantSummary | None:
    db.session.expire_all()
    return db.session.get(ParticipantSummary, enrolment.id)


def is_stale(db, world) -> bool:
    return world.enrolment.id in summaries.stale_enrolment_ids(world.program.id)


def refresh_now(db, world):
    summaries.ensure_fresh(world.program.id)
    db.session.commit()


def test_refresh_writes_what_the_eligibility_service_says(db, world, lessons, monkeypatch):
    _unit, items = lessons
    record_completion(world.participant, items[0], "viewed")
    db.session.commit()
    assert is_stale(db, world)  # no row yet
    assert summaries.ensure_fresh(world.program.id) == 2  # both participants of the program
    db.session.commit()
    summary = row(db, world.enrolment)
    standing = evaluate_enrolment(world.enrolment)
    assert (summary.required_done, summary.required_total, summary.percent) == (1, 4, 25)
    assert summary.eligibility == standing.status.value
    assert summary.group_id == world.group.id and summary.user_id == world.participant.id


def test_a_refreshed_row_is_current_until_a_change_marks_it(db, world, lessons, monkeypatch):
    _unit, items = lessons
    refresh_now(db, world)
    assert not is_stale(db, world)
    record_completion(world.participant, items[1], "viewed")
    db.session.commit()
    assert is_stale(db, world)
    assert world.other_enrolment.id not in summaries.stale_enrolment_ids(world.program.id)
    refresh_now(db, world)
    assert row(db, world.enrolment).required_done == 1 and not is_stale(db, world)


@pytest.mark.parametrize("change", ["grade", "correction", "enrolment", "item", "rules", "rollback"])
def test_changes_that_matter_mark_the_row(db, world, lessons, coordinator, monkeypatch, change):
    unit, _items = lessons
    session = f.make_live_session(unit, starts_at=utcnow() - timedelta(days=1))
    assignment = f.make_assignment(unit)
    submission = Submission(assignment_id=assignment.id, user_id=world.participant.id)
    db.session.add(submission)
    db.session.flush()
    db.session.add(SubmissionVersion(submission_id=submission.id, number=1, text="x",
                                     author_id=world.participant.id, submitted_at=utcnow()))
    db.session.commit()
    refresh_now(db, world)
    assert not is_stale(db, world)
    if change == "grade":
        db.session.add(Grade(submission_id=submission.id, score=80, status="released"))
    elif change == "correction":
        db.session.add(AttendanceCorrection(session_id=session.id, user_id=world.participant.id, attended=True,
                                            reason="Joined by phone", corrected_by_id=coordinator.id))
    elif change == "enrolment":
        world.enrolment.status = "withdrawn"
    elif change == "item":
        f.make_item(unit, "lesson", title="Added later")
    elif change == "rules":
        admission.save_rules(world.program, None, {"min_items_percent": 50}, coordinator)
    elif change == "rollback":
        # A plain insert: record_completion's SAVEPOINT, as the first write of a transaction on pysqlite,
        # would commit on release (pysqlite's legacy transaction handling).
        db.session.add(Completion(user_id=world.participant.id, item_id=_items[0].id, how="viewed"))
        db.session.flush()
        db.session.rollback()  # the mark goes with the change
        assert not is_stale(db, world)
        return
    db.session.commit()
    assert is_stale(db, world)
    if change in ("item", "rules"):  # the whole program
        assert world.other_enrolment.id in summaries.stale_enrolment_ids(world.program.id)


def test_time_alone_makes_rows_old(db, world, lessons):
    refresh_now(db, world)
    later = utcnow() + timedelta(seconds=summaries.DEFAULT_MAX_AGE_SECONDS + 60)
    assert world.enrolment.id in summaries.stale_enrolment_ids(world.program.id, later)


def test_a_change_during_a_refresh_is_not_lost(app, db, world, lessons, monkeypatch):
    """A change flushed shortly before a refresh read the data may not have been committed yet: within the
    in-flight margin the row stays dirty, and is computed again once the margin has passed."""
    _unit, items = lessons
    monkeypatch.setitem(app.config, "SUMMARY_IN_FLIGHT_SECONDS", 30)
    refresh_now(db, world)
    assert is_stale(db, world)  # a new row: computed again after the margin
    later = utcnow() + timedelta(seconds=31)
    summaries.refresh([world.enrolment.id], now=later)
    db.session.commit()
    # Marked while "in flight" (just before the refresh started): still dirty afterwards.
    record_completion(world.participant, items[0], "viewed")
    db.session.commit()
    summaries.refresh([world.enrolment.id])
    db.session.commit()
    assert is_stale(db, world)


def test_refresh_in_constant_queries(db, world, lessons, count_queries):
    def measure():
        db.session.query(ParticipantSummary).delete()
        db.session.commit()
        db.session.expire_all()
        with count_queries() as queries:
            summaries.ensure_fresh(world.program.id)
        db.session.commit()
        return len(queries)

    few = measure()
    for _n in range(12):
        f.enrol(f.make_user(), world.program, module=world.module)
    db.session.commit()
    assert measure() == few
    assert db.session.scalar(select(ParticipantSummary).limit(1)) is not None


def test_a_transaction_of_many_flushes_marks_once_before_commit(db, world, lessons):
    """Marks accumulate as ids, not as conditions: 1,200 flushes in one transaction still commit on
    SQLite (an OR of one condition per flush went past its expression depth of 1,000)."""
    from lms.live.models import Connection

    unit, _items = lessons
    session = f.make_live_session(unit, title="Clinic")
    db.session.commit()
    refresh_now(db, world)
    assert not is_stale(db, world)
    for number in range(1_200):
        db.session.add(Connection(session_id=session.id, user_id=world.participant.id, sid=f"sid-{number}",
                                  joined_at=utcnow()))
        db.session.flush()
    db.session.commit()
    assert is_stale(db, world)
    assert not db.session.info.get(summaries.MARKS_KEY)
