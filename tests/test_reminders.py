"""Reminders (deadlines, live sessions, at-risk nudges), sent when due and never twice; the scheduler.

The concurrency test runs two senders in real threads, each with its own app
context and session, on the real test database (an SQLite file by default;
PostgreSQL with TEST_DATABASE_URL=postgresql://…).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import select

from lms.assignments.models import Extension, Submission, SubmissionVersion
from lms.assignments.operations import effective_due_at
from lms.extensions import db as _db
from lms.learning.completion import record_completion
from lms.mail.models import OutboxMessage
from lms.notifications import reminders, scheduler
from lms.notifications.models import Notification, ReminderClaim
from lms.notifications.operations import save_preferences
from lms.notifications.reminders import collect_due_reminders, send_due_notifications
from tests import factories as f

UTC = timezone.utc
DUE = datetime(2024, 8, 1, 9, 0, tzinfo=UTC)
# The world's program runs online from 22 July to 2 August 2024 (Asia/Seoul); Friday of ISO week 30.
FRIDAY = datetime(2024, 7, 26, 3, 0, tzinfo=UTC)


def _notifications(kind=None):
    query = select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return _db.session.scalars(query).all()


def _claims():
    return _db.session.scalars(select(ReminderClaim).order_by(ReminderClaim.id)).all()


def _outbox():
    return _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _submit(assignment, author, *, group=None, submitted=True):
    submission = Submission(assignment=assignment, user_id=None if group else author.id,
                            group_id=group.id if group else None)
    _db.session.add(submission)
    _db.session.add(SubmissionVersion(submission=submission, number=1, text="My work", author_id=author.id,
                                      submitted_at=DUE - timedelta(days=2) if submitted else None))
    _db.session.flush()


def _run(now):
    """Deadlines and live sessions (the at-risk nudges are tested on their own)."""
    return send_due_notifications(now, at_risk=False)


def _sent(counts):
    return {key: value for key, value in counts.items() if value}


@pytest.fixture
def essay(db, world):
    unit = f.make_unit(world.module, title="Week 2")
    assignment = f.make_assignment(unit, title="Content brief", due_at=DUE)
    db.session.commit()
    return assignment


# --- Deadlines -------------------------------------------------------------------------------------------------


def test_deadline_reminder_24_hours_before_to_those_who_have_not_submitted(db, world, essay):
    submitted = f.make_user(name="Sami Submitted")
    drafter = f.make_user(name="Dora Drafter")
    for person in (submitted, drafter):
        f.enrol(person, world.program, module=world.module)
    _submit(essay, submitted)
    _submit(essay, drafter, submitted=False)  # a draft is not a submission
    db.session.commit()

    assert _sent(_run(DUE - timedelta(hours=25))) == {}

    counts = _run(DUE - timedelta(hours=23))

    assert _sent(counts) == {"deadline_reminder": 2}
    notes = _notifications("deadline_reminder")
    assert {note.user_id for note in notes} == {world.participant.id, drafter.id}
    mine = next(note for note in notes if note.user_id == world.participant.id)
    # In the participant's zone (Nairobi), zone named.
    assert mine.title == "Due soon: “Content brief”, Aug 1, 2024, 12:00\u202fPM (Africa/Nairobi, EAT)"
    assert mine.body.startswith("You have not submitted this assignment yet.")
    assert mine.link == f"/assignments/{essay.item_id}"
    assert mine.email_status == "sent"
    claims = _claims()
    assert {claim.key for claim in claims} == {
        f"deadline:{essay.id}:{person.id}:{DUE.isoformat()}" for person in (world.participant, drafter)}
    assert {claim.notification_id for claim in claims} == {note.id for note in notes}
    assert all(claim.claimed_by for claim in claims)
    assert sorted(message.to_address for message in _outbox()) == sorted(
        [world.participant.email, drafter.email])

    # Never twice: later runs before the deadline, and after it, send nothing more.
    for later in (DUE - timedelta(hours=23), DUE - timedelta(hours=1), DUE, DUE + timedelta(hours=1)):
        assert _sent(_run(later)) == {}
    assert len(_notifications()) == 2 and len(_outbox()) == 2


def test_a_sender_that_was_down_still_reminds_before_the_deadline(db, world, essay):
    counts = _run(DUE - timedelta(minutes=5))
    assert counts["deadline_reminder"] == 1
    assert _notifications()[0].user_id == world.participant.id


def test_an_extension_moves_the_reminder(db, world, essay, coordinator):
    extended = DUE + timedelta(days=3)
    db.session.add(Extension(assignment=essay, user_id=world.participant.id, due_at=extended,
                             granted_by_id=coordinator.id))
    mate = f.make_user(name="Mo Mate")
    f.enrol(mate, world.program, module=world.module)
    # A revoked extension counts for nothing.
    db.session.add(Extension(assignment=essay, user_id=mate.id, due_at=extended, granted_by_id=coordinator.id,
                             revoked_at=DUE - timedelta(days=5)))
    db.session.commit()
    assert effective_due_at(essay, world.participant) == extended

    _run(DUE - timedelta(hours=23))
    assert [note.user_id for note in _notifications()] == [mate.id]

    _run(extended - timedelta(hours=23))
    assert [note.user_id for note in _notifications()] == [mate.id, world.participant.id]
    assert _claims()[-1].key == f"deadline:{essay.id}:{world.participant.id}:{extended.isoformat()}"


def test_an_extension_of_an_overdue_assignment_reminds_before_its_new_date(db, world, coordinator):
    unit = f.make_unit(world.module)
    overdue = f.make_assignment(unit, title="Overdue", due_at=DUE - timedelta(days=10))
    db.session.add(Extension(assignment=overdue, group_id=world.group.id, due_at=DUE, granted_by_id=coordinator.id))
    db.session.commit()

    _run(DUE - timedelta(hours=2))
    assert [note.user_id for note in _notifications()] == [world.participant.id]  # a member of the group


def test_group_work_reminds_each_member_until_the_group_submits(db, world):
    unit = f.make_unit(world.module)
    f.make_assignment(unit, title="Delegation draft", due_at=DUE, group_submission=True)
    mate = f.make_user(name="Gil Groupmate")
    f.enrol(mate, world.program, module=world.module, group=world.group)
    loner = f.make_user(name="Lou Nogroup")
    f.enrol(loner, world.program, module=world.module)  # no group: submits alone
    db.session.commit()

    _run(DUE - timedelta(hours=20))
    notes = _notifications()
    assert {note.user_id for note in notes} == {world.participant.id, mate.id, loner.id}
    member_note = next(note for note in notes if note.user_id == mate.id)
    assert member_note.body.startswith("Your group has not submitted this assignment yet.")


def test_nobody_in_a_group_that_submitted_is_reminded(db, world):
    unit = f.make_unit(world.module)
    group_work = f.make_assignment(unit, title="Delegation draft", due_at=DUE, group_submission=True)
    mate = f.make_user(name="Gil Groupmate")
    f.enrol(mate, world.program, module=world.module, group=world.group)
    _submit(group_work, world.participant, group=world.group)
    db.session.commit()

    assert _sent(_run(DUE - timedelta(hours=20))) == {}


def test_hidden_work_and_other_modules_get_no_reminder(db, world):
    unit = f.make_unit(world.module)
    hidden = f.make_assignment(unit, title="Hidden", due_at=DUE)
    hidden.item.hidden = True
    other_unit = f.make_unit(world.other_module)
    f.make_assignment(other_unit, title="Festival strand", due_at=DUE)
    withdrawn = f.make_user()
    f.enrol(withdrawn, world.program, module=world.other_module, status="withdrawn")
    db.session.commit()

    _run(DUE - timedelta(hours=20))
    assert [note.user_id for note in _notifications()] == [world.other_participant.id]


def test_the_preference_applies_to_reminders(db, world, essay):
    save_preferences(world.participant, {"deadline_reminder": "off"})
    db.session.commit()
    _run(DUE - timedelta(hours=20))
    [note] = _notifications()
    assert note.email_status == "off" and _outbox() == []


# --- Live sessions ---------------------------------------------------------------------------------------------


def test_live_reminder_15_minutes_before_for_the_audience(db, world):
    starts = DUE
    unit = f.make_unit(world.module)
    session = f.make_live_session(unit, title="Picture books live", starts_at=starts)
    f.make_offline_session(world.program, title="Studio visit", starts_at=starts)  # offline: no reminder
    classmate = f.make_user(name="Cleo Classmate")
    f.enrol(classmate, world.program, module=world.module)
    db.session.commit()

    assert _sent(_run(starts - timedelta(minutes=20))) == {}
    counts = _run(starts - timedelta(minutes=14))

    assert _sent(counts) == {"live_reminder": 2}
    notes = _notifications("live_reminder")
    assert {note.user_id for note in notes} == {world.participant.id, classmate.id}  # not other_participant
    mine = next(note for note in notes if note.user_id == world.participant.id)
    assert mine.title == "Starting soon: “Picture books live”"
    assert "Aug 1, 2024, 12:00\u202fPM (Africa/Nairobi, EAT)" in mine.body
    assert mine.link == f"/live/{session.id}/room"
    assert {claim.key for claim in _claims()} == {
        f"live:{session.id}:{person.id}:{starts.isoformat()}" for person in (world.participant, classmate)}

    assert _sent(_run(starts - timedelta(minutes=1))) == {}
    assert _sent(_run(starts + timedelta(minutes=1))) == {}
    assert len(_outbox()) == 2


def test_a_session_moved_later_is_reminded_again_before_its_new_time(db, world):
    unit = f.make_unit(world.module)
    session = f.make_live_session(unit, title="Moved", starts_at=DUE)
    db.session.commit()
    _run(DUE - timedelta(minutes=10))
    session.starts_at = DUE + timedelta(hours=2)
    session.ends_at = DUE + timedelta(hours=3)
    db.session.commit()

    _run(DUE + timedelta(hours=2) - timedelta(minutes=10))
    assert len(_notifications("live_reminder")) == 2


# --- At-risk nudges --------------------------------------------------------------------------------------------


@pytest.fixture
def lessons(db, world):
    """Four required lessons in the world's module: nothing done by Friday of the first week is behind."""
    unit = f.make_unit(world.module, title="Week 1")
    made = [f.make_item(unit, "lesson", title=f"Lesson {n}") for n in range(4)]
    db.session.commit()
    return made


def test_at_risk_participants_are_nudged_once_a_week_with_the_reasons(db, world, lessons):
    on_track = f.make_user(name="Olu Ontrack")
    f.enrol(on_track, world.program, module=world.module)
    for lesson in lessons[:2]:
        record_completion(on_track, lesson, "viewed")
    db.session.commit()

    counts = send_due_notifications(FRIDAY)

    assert counts["at_risk_nudge"] == 1
    [note] = _notifications("at_risk_nudge")
    assert note.user_id == world.participant.id
    assert note.title == f"You are falling behind in {world.program.name}"
    assert note.body == "- completed 0 of 4 required items, 4 needed"
    assert note.link == f"/programs/{world.program.id}/offline-phase"
    assert _claims()[0].key == f"at_risk:{world.enrolment.id}:2024-W30"

    # Still at risk two days later (same ISO week): no second nudge. The next week: one more.
    assert send_due_notifications(FRIDAY + timedelta(days=2))["at_risk_nudge"] == 0
    assert send_due_notifications(FRIDAY + timedelta(days=3))["at_risk_nudge"] == 1
    assert _claims()[-1].key == f"at_risk:{world.enrolment.id}:2024-W31"


def test_nudges_are_skipped_when_asked(db, world, lessons):
    assert send_due_notifications(FRIDAY, at_risk=False)["at_risk_nudge"] == 0
    assert _notifications() == []


def test_the_reasons_are_in_the_persons_language(db, world, lessons):
    world.participant.locale = "ko"
    db.session.commit()
    send_due_notifications(FRIDAY)
    [note] = _notifications("at_risk_nudge")
    assert "completed 0 of 4" not in note.body and "4" in note.body


# --- Constant queries ------------------------------------------------------------------------------------------


def test_finding_what_is_due_takes_the_same_queries_for_more_people(db, world, essay, lessons, count_queries):
    unit = f.make_unit(world.module)
    f.make_live_session(unit, title="Live", starts_at=FRIDAY + timedelta(minutes=10))
    essay.item.due_at = FRIDAY + timedelta(hours=3)
    db.session.commit()

    def more(count):
        for _ in range(count):
            f.enrol(f.make_user(), world.program, module=world.module, group=world.group)
        db.session.commit()

    more(1)
    with count_queries() as few:
        found = collect_due_reminders(FRIDAY)
    assert Counter(reminder.kind for reminder in found) == {
        "deadline_reminder": 2, "live_reminder": 2, "at_risk_nudge": 2}
    more(6)
    with count_queries() as many:
        found = collect_due_reminders(FRIDAY)
    assert Counter(reminder.kind for reminder in found) == {
        "deadline_reminder": 8, "live_reminder": 8, "at_risk_nudge": 8}
    assert len(few) == len(many)


# --- Two senders at once ---------------------------------------------------------------------------------------


def test_two_concurrent_senders_never_send_one_reminder_twice(app, db, world, essay, lessons, monkeypatch):
    """Both senders find the same reminders due (a barrier holds each until both have looked), then race
    to claim and send them: every reminder is claimed once, notified once and emailed once."""
    unit = f.make_unit(world.module)
    f.make_live_session(unit, title="Live", starts_at=FRIDAY + timedelta(minutes=10))
    essay.item.due_at = FRIDAY + timedelta(hours=3)
    for _ in range(4):
        f.enrol(f.make_user(), world.program, module=world.module)
    db.session.commit()
    expected = len(collect_due_reminders(FRIDAY))
    assert expected == 15  # 5 people: a deadline, a live session and a nudge each

    barrier = threading.Barrier(2)
    original = reminders.collect_due_reminders

    def collect_then_wait(now, **kwargs):
        found = original(now, **kwargs)
        barrier.wait(timeout=30)
        return found

    monkeypatch.setattr(reminders, "collect_due_reminders", collect_then_wait)
    results: list = [None, None]

    def sender(index):
        with app.app_context():
            try:
                results[index] = send_due_notifications(FRIDAY, digests=False)
            except Exception as error:  # noqa: BLE001 - handed back to the test
                results[index] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=sender, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a sender did not finish"
    assert all(isinstance(result, dict) for result in results), results

    sent = sum(result[kind] for result in results
               for kind in ("deadline_reminder", "live_reminder", "at_risk_nudge"))
    assert sent == expected
    assert sum(result["skipped"] for result in results) == expected  # the other sender skipped each one
    assert sum(result["failed"] for result in results) == 0
    db.session.expire_all()
    claims = _claims()
    assert len(claims) == len({claim.key for claim in claims}) == expected
    notes = _notifications()
    assert len(notes) == expected
    assert {claim.notification_id for claim in claims} == {note.id for note in notes}
    assert len(_outbox()) == expected
    pairs = Counter((message.to_address, message.subject) for message in _outbox())
    assert max(pairs.values()) == 1
    assert Counter(note.kind for note in notes) == {"deadline_reminder": 5, "live_reminder": 5, "at_risk_nudge": 5}


def test_a_failed_send_leaves_no_claim_so_the_next_run_sends_it(db, world, essay, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(reminders, "deliver", broken)
    counts = send_due_notifications(DUE - timedelta(hours=2))
    assert counts["failed"] == 1 and _claims() == []
    monkeypatch.undo()

    assert send_due_notifications(DUE - timedelta(hours=1))["deadline_reminder"] == 1
    assert len(_claims()) == 1


# --- The command -----------------------------------------------------------------------------------------------


def test_the_command_sends_what_is_due_and_prints_counts(app, db, world, essay, outbox, monkeypatch):
    monkeypatch.setattr(reminders, "utcnow", lambda: DUE - timedelta(hours=3))
    result = app.test_cli_runner().invoke(args=["lms", "send-due-notifications"])
    assert result.exit_code == 0, result.output
    assert "deadline_reminder=1" in result.output and "skipped=0" in result.output
    assert [message["to"] for message in outbox] == [world.participant.email]  # delivered too

    again = app.test_cli_runner().invoke(args=["lms", "send-due-notifications", "--no-at-risk"])
    assert again.exit_code == 0 and "deadline_reminder=0" in again.output


# --- The scheduler ---------------------------------------------------------------------------------------------


def _scheduler_threads():
    return [thread for thread in threading.enumerate() if thread.name == "lms-scheduler" and thread.is_alive()]


def test_scheduler_starts_once_per_process(app):
    calls = []
    ran = threading.Event()

    def job(*, at_risk):
        calls.append(at_risk)
        ran.set()

    bare = Flask("scheduler-test")
    bare.config.update(SCHEDULER_INTERVAL_SECONDS=3600, SCHEDULER_AT_RISK_INTERVAL_SECONDS=3600)
    first = scheduler.start_scheduler(bare, job=job, first_delay=0)
    try:
        second = scheduler.start_scheduler(bare, job=job, first_delay=0)
        assert second is first
        assert len(_scheduler_threads()) == 1
        assert ran.wait(5)  # the first run comes after the first delay, the next one an interval later
        assert calls == [True]
    finally:
        first.stop()
    assert not first.alive and _scheduler_threads() == []


def test_scheduler_starts_on_the_first_request_only_when_enabled(monkeypatch):
    started = []
    monkeypatch.setattr(scheduler, "start_scheduler", lambda app, job=None, first_delay=0: started.append(app))

    disabled = Flask("disabled")
    scheduler.register_scheduler(disabled)
    disabled.add_url_rule("/", "index", lambda: "ok")
    disabled.test_client().get("/")
    assert started == []

    enabled = Flask("enabled")
    enabled.config["SCHEDULER_ENABLED"] = True
    scheduler.register_scheduler(enabled)
    enabled.add_url_rule("/", "index", lambda: "ok")
    assert started == []  # not when the app is built (commands, the reloader's parent)
    enabled.test_client().get("/")
    assert started == [enabled]


def test_scheduler_config(monkeypatch):
    from config import DevelopmentConfig, ProductionConfig, TestingConfig

    monkeypatch.delenv("SCHEDULER_ENABLED", raising=False)
    assert TestingConfig().SCHEDULER_ENABLED is False
    assert DevelopmentConfig().SCHEDULER_ENABLED is True
    assert ProductionConfig().SCHEDULER_ENABLED is True
    assert DevelopmentConfig().SCHEDULER_INTERVAL_SECONDS == 60
    monkeypatch.setenv("SCHEDULER_ENABLED", "0")
    assert DevelopmentConfig().SCHEDULER_ENABLED is False
    monkeypatch.setenv("SCHEDULER_ENABLED", "1")
    assert TestingConfig().SCHEDULER_ENABLED is False  # tests never run it behind your back


def test_the_test_app_does_not_start_the_scheduler(app, client):
    client.get("/healthz")
    assert scheduler.EXTENSION_KEY not in app.extensions


def test_a_failing_run_is_logged_and_the_loop_goes_on(app, caplog):
    def failing(*, at_risk):
        raise RuntimeError("database down")

    runner = scheduler.Scheduler(app, 60, 3600, job=failing)
    assert runner.run_once() is None
    assert runner.runs == 1 and "database down" in caplog.text
    assert runner.last_at_risk is None  # the evaluation is retried on the next run


def test_a_run_sends_what_is_due_and_evaluates_at_risk_hourly(app, db, world, essay, monkeypatch):
    monkeypatch.setattr(reminders, "utcnow", lambda: DUE - timedelta(hours=3))
    seen = []
    original = reminders.send_due_notifications

    def spy(**kwargs):
        seen.append(kwargs["at_risk"])
        return original(**kwargs)

    monkeypatch.setattr(reminders, "send_due_notifications", spy)
    runner = scheduler.Scheduler(app, 60, 3600)
    first = runner.run_once()
    second = runner.run_once()
    assert first["deadline_reminder"] == 1 and second["deadline_reminder"] == 0
    assert seen == [True, False]
    db.session.expire_all()
    assert len(_notifications()) == 1


def test_at_risk_evaluation_can_be_left_to_cron(app):
    calls = []
    runner = scheduler.Scheduler(app, 60, 0, job=lambda *, at_risk: calls.append(at_risk))
    runner.run_once()
    runner.run_once()
    assert calls == [False, False]
