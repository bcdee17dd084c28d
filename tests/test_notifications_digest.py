"""The trainers' daily email digest of new submissions (``flask lms send-digests``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.assignments.models import Submission, SubmissionVersion
from lms.core.database import utcnow
from lms.extensions import db as _db
from lms.mail.models import OutboxMessage
from lms.notifications import digest as digest_module
from lms.notifications.digest import SUBMISSIONS, build_submission_digests, send_submission_digests
from lms.notifications.models import DigestRun
from tests import factories

UTC = timezone.utc
NOW = datetime(2024, 8, 2, 0, 0, tzinfo=UTC)  # the run time: 2024-08-02 09:00 in Korea


def _submit(assignment, *, author, at, user=None, group=None, late=False, number=1) -> SubmissionVersion:
    submission = _db.session.scalar(select(Submission).where(
        Submission.assignment_id == assignment.id,
        Submission.group_id == group.id if group is not None else Submission.user_id == (user or author).id,
    ))
    if submission is None:
        submission = Submission(assignment=assignment, user_id=None if group else (user or author).id,
                                group_id=group.id if group else None)
        _db.session.add(submission)
    version = SubmissionVersion(submission=submission, number=number, text="My work", author_id=author.id,
                                created_at=at, submitted_at=at, is_late=late)
    _db.session.add(version)
    _db.session.flush()
    return version


def _messages():
    return _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def course(db, world):
    """world.module with an individual and a group assignment; other_module with one assignment."""
    unit = factories.make_unit(world.module, title="Week 2")
    essay = factories.make_assignment(unit, title="Content brief", due_at=datetime(2024, 8, 1, 9, 0, tzinfo=UTC))
    group_work = factories.make_assignment(unit, title="Delegation draft", group_submission=True)
    other_unit = factories.make_unit(world.other_module, title="Week 2")
    festival = factories.make_assignment(other_unit, title="Festival strand")
    db.session.commit()
    return {"essay": essay, "group_work": group_work, "festival": festival}


def test_one_email_per_trainer_with_their_new_submissions(db, world, course):
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3), late=True)
    _submit(course["group_work"], author=world.participant, group=world.group, at=NOW - timedelta(hours=2))
    _submit(course["festival"], author=world.other_participant, at=NOW - timedelta(hours=1))
    co_trainer = factories.make_user(email="co@example.test", name="Cora Cotrainer", timezone="America/New_York")
    from lms.programs.models import ModuleTrainer

    db.session.add(ModuleTrainer(module_id=world.module.id, user_id=co_trainer.id))
    db.session.commit()

    assert send_submission_digests(NOW) == 3
    db.session.commit()

    messages = {message.to_address: message for message in _messages()}
    assert set(messages) == {"trainer@example.test", "trainer2@example.test", "co@example.test"}
    mine = messages["trainer@example.test"]
    assert mine.subject == "2 new submissions to grade"
    body = mine.body_text
    assert "Hello Tomas Trainer," in body
    assert "Digital contents for children" in body
    assert "Content brief" in body and "Delegation draft" in body
    assert "Amina Participant" in body
    assert "Kenya delegation (group)" in body
    # Times in the trainer's zone (Seoul), zone named; the late one flagged.
    assert "Amina Participant, Aug 2, 2024, 6:00\u202fAM (Asia/Seoul, KST), LATE\n" in body
    assert "Kenya delegation (group), Aug 2, 2024, 7:00\u202fAM (Asia/Seoul, KST)\n" in body
    assert "Festival strand" not in body and "Bruno Other" not in body
    assert f"http://localhost/modules/{world.module.id}" in body  # the grading queue (or the module page)
    # The co-trainer of the same module sees the same work in New York time.
    assert "Aug 1, 2024, 5:00\u202fPM (America/New_York, EDT), LATE" in messages["co@example.test"].body_text
    other = messages["trainer2@example.test"]
    assert other.subject == "1 new submission to grade"
    assert "Bruno Other" in other.body_text and "Amina" not in other.body_text


def test_the_link_goes_to_the_grading_queue(app, db, world, course):
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3))
    db.session.commit()
    expected = digest_module.grading_link(world.module.id)
    if "grading.queue" in app.view_functions:
        from flask import url_for

        with app.test_request_context():
            assert expected == "http://localhost" + url_for("grading.queue", module_id=world.module.id)
    else:
        assert expected == f"http://localhost/modules/{world.module.id}"
    send_submission_digests(NOW)
    assert expected in _messages()[0].body_text


def test_the_link_falls_back_to_the_module_page(app, db, world, monkeypatch):
    from werkzeug.routing import BuildError

    def refuse(endpoint, **values):
        if endpoint == "grading.queue":
            raise BuildError(endpoint, values, "GET")
        return "http://localhost/module-page"

    monkeypatch.setattr(digest_module, "_absolute_url", refuse)
    assert digest_module.grading_link(world.module.id) == "http://localhost/module-page"


def test_trainers_without_new_submissions_get_nothing(db, world, course):
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3))
    db.session.commit()

    assert send_submission_digests(NOW) == 1

    assert [message.to_address for message in _messages()] == ["trainer@example.test"]
    runs = db.session.scalars(select(DigestRun)).all()
    assert [(run.user_id, run.kind, run.last_sent_at) for run in runs] == [(world.trainer.id, SUBMISSIONS, NOW)]


def test_drafts_old_work_and_future_work_are_not_reported(db, world, course):
    draft = _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=1))
    draft.submitted_at = None
    _submit(course["festival"], author=world.other_participant, at=NOW - timedelta(hours=25))  # before the window
    _submit(course["group_work"], author=world.participant, group=world.group, at=NOW + timedelta(minutes=1))
    db.session.commit()

    assert send_submission_digests(NOW) == 0
    assert _messages() == []
    assert db.session.scalars(select(DigestRun)).all() == []


def test_running_twice_sends_nothing_new(db, world, course):
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3))
    db.session.commit()
    assert send_submission_digests(NOW) == 1
    db.session.commit()

    assert send_submission_digests(NOW + timedelta(minutes=5)) == 0
    db.session.commit()
    assert len(_messages()) == 1

    # Work submitted after the last digest comes in the next one, and only that work.
    _submit(course["essay"], author=world.participant, at=NOW + timedelta(hours=2), number=2)
    _submit(course["essay"], author=world.other_participant, user=world.other_participant,
            at=NOW + timedelta(hours=3))
    db.session.commit()
    assert send_submission_digests(NOW + timedelta(days=1)) == 1
    db.session.commit()
    latest = _messages()[-1]
    assert latest.subject == "2 new submissions to grade"
    assert "version 2" in latest.body_text
    assert db.session.get(DigestRun, (world.trainer.id, SUBMISSIONS)).last_sent_at == NOW + timedelta(days=1)


def test_the_window_starts_at_the_last_digest_not_24_hours(db, world, course):
    db.session.add(DigestRun(user_id=world.trainer.id, kind=SUBMISSIONS, last_sent_at=NOW - timedelta(days=3)))
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(days=2))  # missed day: still reported
    db.session.commit()
    assert send_submission_digests(NOW) == 1


def test_archived_modules_and_deactivated_trainers_get_nothing(db, world, course):
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3))
    _submit(course["festival"], author=world.other_participant, at=NOW - timedelta(hours=3))
    world.other_module.archived_at = NOW - timedelta(days=1)
    world.trainer.deactivated_at = NOW - timedelta(days=1)
    db.session.commit()
    assert send_submission_digests(NOW) == 0


def test_a_digest_is_written_in_the_trainers_language(db, world, course, monkeypatch):
    used = []
    real_force_locale = digest_module.force_locale

    def spy(locale):
        used.append(locale)
        return real_force_locale(locale)

    monkeypatch.setattr(digest_module, "force_locale", spy)
    world.trainer.locale = "ko"
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3))
    _submit(course["festival"], author=world.other_participant, at=NOW - timedelta(hours=3))
    db.session.commit()

    send_submission_digests(NOW)

    assert sorted(used) == ["en", "ko"]
    messages = {message.to_address: message for message in _messages()}
    korean = messages["trainer@example.test"].body_text
    # Dates follow the Korean locale ("2024. 8. 2. AM 6:00"), whatever the catalog translates.
    assert "Amina Participant, 2024. 8. 2. " in korean
    assert "6:00 (Asia/Seoul, KST)" in korean
    english = messages["trainer2@example.test"]
    assert english.subject == "1 new submission to grade"
    assert "Aug 2, 2024, 6:00\u202fAM (Asia/Seoul, KST)" in english.body_text


def _trainers_with_work(db, count, start, submitted_at):
    """``count`` trainers, each with a module of their own, an assignment and two submissions; half of them
    with an earlier digest."""
    program = factories.make_program()
    track = factories.make_track(program)
    for index in range(count):
        trainer = factories.make_user(email=f"t{start + index}@example.test", timezone="Asia/Seoul")
        module = factories.make_module(track, trainers=[trainer])
        unit = factories.make_unit(module)
        assignment = factories.make_assignment(unit)
        for n in range(2):
            participant = factories.make_user()
            factories.enrol(participant, program, module=module)
            _submit(assignment, author=participant, at=submitted_at + timedelta(minutes=n), late=bool(n))
        if index % 2:
            db.session.add(DigestRun(user_id=trainer.id, kind=SUBMISSIONS,
                                     last_sent_at=submitted_at - timedelta(hours=2)))
    db.session.commit()


def _reads(statements):
    return [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]


def test_the_digest_reads_a_constant_number_of_queries(db, count_queries):
    """Two trainers or six: the same reads (the run records, then one query for all new work).

    Writes are one outbox row per email (the outbox's own insert) and one
    batched statement each for new and updated run records.
    """
    first_run = NOW
    second_run = NOW + timedelta(days=5)
    _trainers_with_work(db, 2, 0, first_run - timedelta(hours=1))
    _trainers_with_work(db, 6, 100, second_run - timedelta(hours=1))
    db.session.expire_all()

    with count_queries() as few:
        assert send_submission_digests(first_run) == 2
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        assert send_submission_digests(second_run) == 6
    db.session.commit()

    assert len(_reads(few)) == len(_reads(many)) == 2
    assert len(many) - len(_reads(many)) <= 6 + 2
    assert len(_messages()) == 8


def test_the_digest_builder_is_one_query(db, count_queries):
    def measure(count, start, at):
        _trainers_with_work(db, count, start, at - timedelta(hours=1))
        db.session.expire_all()
        with count_queries() as queries:
            digests = build_submission_digests(at)
        assert len(digests) == count
        assert all(digest.count == 2 for digest in digests)
        send_submission_digests(at)  # recorded: the next measure sees only its own trainers' work
        db.session.commit()
        return len(queries)

    assert measure(2, 0, NOW) == measure(6, 100, NOW + timedelta(days=5)) == 1


def test_build_lists_every_trainer_once(db, world, course):
    for hours in (5, 4, 3):
        _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=hours), number=6 - hours)
    db.session.commit()
    digests = build_submission_digests(NOW)
    assert [d.trainer.id for d in digests] == [world.trainer.id]
    assert digests[0].count == 3
    entries = digests[0].modules[world.module.id].assignments[course["essay"].item_id].entries
    assert [entry.version_number for entry in entries] == [1, 2, 3]


def test_the_command_queues_and_sends_the_digests(app, db, world, course, outbox):
    _submit(course["essay"], author=world.participant, at=utcnow() - timedelta(hours=1))
    db.session.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["lms", "send-digests"])

    assert result.exit_code == 0, result.output
    assert "queued 1 digest" in result.output
    assert [(m["to"], m["subject"]) for m in outbox] == [("trainer@example.test", "1 new submission to grade")]
    again = runner.invoke(args=["lms", "send-digests"])
    assert again.exit_code == 0 and "queued 0 digest" in again.output
    assert len(outbox) == 1


# The scheduler sends each trainer's digest at their digest hour --------------------------------


def test_the_scheduler_sends_the_digest_once_a_day_at_the_trainers_hour(app, db, world, course, monkeypatch):
    """send_due_notifications (the servers' scheduler, or cron) sends it without a separate cron job:
    once a day, at the digest hour in each trainer's zone (UTC+9 and UTC-11 here)."""
    from lms.notifications.reminders import send_due_notifications

    monkeypatch.setitem(app.config, "NOTIFICATION_DIGEST_HOUR", 8)
    world.trainer.timezone = "Asia/Seoul"  # 08:00 in Seoul is 23:00 UTC the day before
    world.other_trainer.timezone = "Pacific/Pago_Pago"  # UTC-11: 08:00 there is 19:00 UTC
    _submit(course["essay"], author=world.participant, at=datetime(2024, 8, 1, 20, 0, tzinfo=UTC))
    _submit(course["festival"], author=world.other_participant, at=datetime(2024, 8, 1, 20, 30, tzinfo=UTC))
    db.session.commit()

    def run(*when):
        return send_due_notifications(datetime(*when, tzinfo=UTC), at_risk=False,
                                      submission_digests=True)["submission_digests"]

    def recipients():
        return [message.to_address for message in _messages()]

    assert run(2024, 8, 1, 22, 59) == 0  # the work came after both trainers' last digest hour
    assert run(2024, 8, 1, 23, 0) == 1 and recipients() == [world.trainer.email]  # 08:00 in Seoul
    _submit(course["essay"], author=world.participant, at=datetime(2024, 8, 2, 1, 0, tzinfo=UTC), number=2)
    db.session.commit()
    assert run(2024, 8, 2, 5, 0) == 0  # Seoul's digest of the day went already
    assert run(2024, 8, 2, 19, 0) == 1 and recipients()[-1] == world.other_trainer.email  # 08:00 in Pago Pago
    assert run(2024, 8, 2, 22, 0) == 0
    assert run(2024, 8, 2, 23, 0) == 1 and recipients()[-1] == world.trainer.email  # the next morning in Seoul
    assert run(2024, 8, 2, 23, 5) == 0
    assert len(_messages()) == 3


def test_a_stale_reader_cannot_send_the_digest_twice(app, db, world, course, monkeypatch):
    """A second sender that read the runs before the first one claimed finds its claim refused."""
    from lms.notifications.digest import send_due_submission_digests

    world.trainer.timezone = "UTC"
    monkeypatch.setitem(app.config, "NOTIFICATION_DIGEST_HOUR", 8)
    _submit(course["essay"], author=world.participant, at=NOW - timedelta(hours=3))
    db.session.add(DigestRun(user_id=world.trainer.id, kind=SUBMISSIONS, last_sent_at=NOW - timedelta(days=2)))
    db.session.commit()
    now = NOW + timedelta(hours=9)  # 09:00 UTC, after the trainer's 08:00
    stale = dict(db.session.execute(select(DigestRun.user_id, DigestRun.last_sent_at)).all())
    assert send_due_submission_digests(now) == 1

    real_execute = db.session.execute

    def reads_stale_runs(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if "digest_runs.last_sent_at" in str(statement) and str(statement).lstrip().startswith("SELECT"):
            class Stale:
                def all(self):
                    return list(stale.items())
            return Stale()
        return result

    monkeypatch.setattr(db.session, "execute", reads_stale_runs)
    assert send_due_submission_digests(now) == 0  # the claim (an UPDATE of an older run) matches nothing
    monkeypatch.undo()
    assert len(_messages()) == 1


def test_the_scheduler_job_and_the_command_include_the_submission_digests(app, db, world, course, monkeypatch):
    from lms.notifications import reminders, scheduler

    seen = []
    monkeypatch.setattr(reminders, "send_due_notifications",
                        lambda **kwargs: seen.append(kwargs) or {"submission_digests": 0})
    scheduler._send_due(at_risk=False)
    result = app.test_cli_runner().invoke(args=["lms", "send-due-notifications", "--no-at-risk"])
    assert result.exit_code == 0, result.output
    assert [kwargs.get("submission_digests") for kwargs in seen] == [True, True]
