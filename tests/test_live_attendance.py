"""Attendance of live sessions: computation, completion, report, CSV, corrections, access."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.core.database import utcnow
from lms.learning.models import Completion
from lms.live import attendance
from lms.live.models import (
    AttendanceCorrection,
    ChatMessage,
    Connection,
    HandRaise,
    LiveQuestion,
    Poll,
    PollVote,
)
from tests import factories
from tests.helpers import form_errors, post_form

T0 = datetime(2024, 7, 22, 9, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def live(db, world):
    """A 100-minute session of world.module, in the past."""
    unit = factories.make_unit(world.module, title="Week 1")
    session = factories.make_live_session(unit, title="Opening session", starts_at=T0, minutes=100)
    db.session.commit()
    return session


def connect(session, user, start, end=None, *, last_seen=None, sid=None):
    connection = Connection(session_id=session.id, user_id=user.id, sid=sid or f"sid-{user.id}-{start.timestamp()}",
                            joined_at=start, left_at=end, last_seen_at=last_seen or end or start)
    from lms.extensions import db

    db.session.add(connection)
    db.session.flush()
    return connection


def completion_of(db, user, session):
    return db.session.scalar(select(Completion).where(Completion.user_id == user.id,
                                                      Completion.item_id == session.item_id))


# --------------------------------------------------------------------------
# Computation over stored connections
# --------------------------------------------------------------------------


def test_connections_of_one_person_merge(db, world, live):
    connect(live, world.participant, at(-10), at(40), sid="a")  # early: clipped
    connect(live, world.participant, at(20), at(50), sid="b")  # second tab, overlapping
    connect(live, world.participant, at(55), at(130), sid="c")  # reconnect after a gap, late: clipped
    entry = attendance.attendance_of(live, world.participant.id)
    assert entry.connections == 3
    assert entry.minutes == 95
    assert entry.percent == 95
    assert entry.attended
    assert entry.first_join == at(-10)
    assert entry.last_leave == at(130)


def test_open_and_stale_connections(db, world, live):
    connect(live, world.participant, at(0), None, last_seen=at(59.5), sid="open")
    connect(live, world.other_participant, at(0), None, last_seen=at(20), sid="stale")
    people = attendance.attendance_for_sessions([live], now=at(60))[live.id]
    assert people[world.participant.id].minutes == 60
    assert people[world.participant.id].connected_now
    assert people[world.other_participant.id].minutes == 20
    assert not people[world.other_participant.id].connected_now


def test_exactly_the_threshold_attends(db, world, live):
    connect(live, world.participant, at(0), at(75))
    connect(live, world.other_participant, at(0), at(74.9))
    people = attendance.attendance_for_sessions([live])[live.id]
    assert people[world.participant.id].attended
    assert people[world.participant.id].percent == 75
    assert not people[world.other_participant.id].attended
    assert people[world.other_participant.id].percent == 74


def test_threshold_is_configurable_per_session_and_by_default(db, app, world, live):
    assert live.attendance_threshold == 75
    connect(live, world.participant, at(0), at(60))
    assert not attendance.attendance_of(live, world.participant.id).attended
    live.attendance_threshold = 60
    assert attendance.attendance_of(live, world.participant.id).attended

    app.config["LIVE_ATTENDANCE_THRESHOLD"] = 50
    try:
        other = factories.make_live_session(factories.make_unit(world.module), starts_at=T0)
        assert other.attendance_threshold == 50
    finally:
        app.config["LIVE_ATTENDANCE_THRESHOLD"] = 75


# --------------------------------------------------------------------------
# Completion
# --------------------------------------------------------------------------


def test_closing_the_connection_completes_the_item_at_once(db, world, live):
    attendance.connection_opened(live, world.participant, "sock-1")
    connection = db.session.scalar(select(Connection).where(Connection.sid == "sock-1"))
    connection.joined_at = at(0)  # joined at the start; the session is over now
    db.session.flush()
    closed = attendance.connection_closed("sock-1")
    assert [c.id for c in closed] == [connection.id]
    completion = completion_of(db, world.participant, live)
    assert completion is not None
    assert completion.how == "attended"
    assert completion.detail == "100 min, 100%"


def test_not_enough_presence_does_not_complete(db, world, live):
    attendance.connection_opened(live, world.participant, "sock-2")
    connection = db.session.scalar(select(Connection).where(Connection.sid == "sock-2"))
    connection.joined_at = at(30)  # 70 minutes
    db.session.flush()
    attendance.connection_closed("sock-2")
    assert completion_of(db, world.participant, live) is None


def test_only_learners_complete(db, world, live):
    attendance.connection_opened(live, world.trainer, "sock-t")
    db.session.scalar(select(Connection).where(Connection.sid == "sock-t")).joined_at = at(0)
    connect(live, world.coordinator, at(0), at(100))
    db.session.flush()
    attendance.connection_closed("sock-t")
    attendance.evaluate_session(live)
    assert db.session.scalar(select(func.count(Completion.id))) == 0


def test_evaluate_session_completes_everyone_who_attended(db, world, live):
    connect(live, world.participant, at(0), at(80))
    people = attendance.evaluate_session(live)
    assert people[world.participant.id].attended
    assert completion_of(db, world.participant, live).detail == "80 min, 80%"
    attendance.evaluate_session(live)  # idempotent
    assert db.session.scalar(select(func.count(Completion.id))) == 1


# --------------------------------------------------------------------------
# Engagement
# --------------------------------------------------------------------------


def add_engagement(db, session, user, *, messages=0, deleted=0, hands=0, votes=0, questions=0):
    for n in range(messages):
        db.session.add(ChatMessage(session_id=session.id, user_id=user.id, text=f"hello {n}"))
    for n in range(deleted):
        db.session.add(ChatMessage(session_id=session.id, user_id=user.id, text="gone", deleted_at=utcnow()))
    for _n in range(hands):
        db.session.add(HandRaise(session_id=session.id, user_id=user.id))
    for n in range(votes):
        poll = Poll(session_id=session.id, question=f"Q{n}?", options=["a", "b"], opened_by_id=user.id)
        db.session.add(poll)
        db.session.flush()
        db.session.add(PollVote(poll_id=poll.id, user_id=user.id, choices=[0]))
    for n in range(questions):
        db.session.add(LiveQuestion(session_id=session.id, user_id=user.id, text=f"why {n}?"))
    db.session.flush()


def test_engagement_counts(db, world, live):
    add_engagement(db, live, world.participant, messages=3, deleted=2, hands=2, votes=1, questions=4)
    add_engagement(db, live, world.other_participant, messages=1)
    counts = attendance.engagement_for_sessions([live.id])
    mine = counts[(live.id, world.participant.id)]
    assert (mine.messages, mine.hands, mine.poll_votes, mine.questions) == (3, 2, 1, 4)
    assert counts[(live.id, world.other_participant.id)].messages == 1
    assert (live.id, world.trainer.id) not in counts


# --------------------------------------------------------------------------
# Report and CSV
# --------------------------------------------------------------------------


def report_url(live):
    return f"/live/sessions/{live.id}/attendance"


def test_report_lists_every_participant_including_absent_ones(db, client, login, world, live):
    absent = factories.make_user(name="Chidi Absent", country="NG", timezone="Africa/Lagos")
    factories.enrol(absent, world.program, module=world.module)
    connect(live, world.participant, at(0), at(90))
    connect(live, world.trainer, at(0), at(100))
    add_engagement(db, live, world.participant, messages=2, questions=1)
    login(client, world.trainer)
    response = client.get(report_url(live))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Opening session" in html
    assert "Amina Participant" in html and "Chidi Absent" in html
    assert "Never connected" in html
    assert "Bruno Other" not in html  # another module's participant
    assert "1 of 2 participants" in html
    assert "90%" in html
    assert "Asia/Seoul" in html  # the trainer's zone is named
    assert "Also connected" in html and "Tomas Trainer" in html
    assert "Correct" not in re.sub(r"Corrections|No corrections", "", html)  # trainers do not correct


def test_report_csv(db, client, login, world, live):
    world.participant.name = "=HYPERLINK(\"http://evil\")"
    connect(live, world.participant, at(0), at(80))
    add_engagement(db, live, world.participant, messages=2, hands=1, votes=1, questions=3)
    login(client, world.coordinator)
    response = client.get(f"{report_url(live)}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Name" and "First join (Asia/Seoul)" in rows[0]
    row = rows[1]
    assert row[0] == "'=HYPERLINK(\"http://evil\")"
    assert row[1] == "participant@example.test"
    assert row[2] == "Kenya"
    assert row[4].startswith("2024-07-22T18:00+09:00")
    assert row[6:10] == ["80", "80", "yes", "no"]
    assert row[12:] == ["2", "1", "1", "3"]


def test_report_queries_are_constant(db, client, login, world, count_queries):
    def build(n):
        unit = factories.make_unit(world.module)
        session = factories.make_live_session(unit, starts_at=T0, minutes=100)
        for i in range(n):
            user = factories.make_user()
            factories.enrol(user, world.program, module=world.module)
            connect(session, user, at(0), at(50 + i))
            connect(session, user, at(60), at(70))
            add_engagement(db, session, user, messages=1, hands=1, votes=1, questions=1)
            db.session.add(AttendanceCorrection(session_id=session.id, user_id=user.id, attended=True,
                                                reason="phone", corrected_by_id=world.coordinator.id))
        db.session.commit()
        return session

    small, large = build(2), build(10)
    login(client, world.coordinator)
    counts = []
    for session in (small, large):
        for url in (report_url(session), f"{report_url(session)}.csv"):
            client.get(url)  # warm up
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[2]
    assert counts[1] == counts[3]


# --------------------------------------------------------------------------
# Corrections
# --------------------------------------------------------------------------


def correct_url(live, user):
    return f"/live/sessions/{live.id}/attendance/{user.id}/correct"


def test_correction_requires_a_reason(db, client, login, world, live):
    login(client, world.coordinator)
    response = post_form(client, correct_url(live, world.participant),
                         {"attended": "yes", "minutes": "80", "reason": "  "})
    assert response.status_code == 200
    assert "Give the reason for this correction; it is recorded." in form_errors(response.get_data(as_text=True))
    assert 'value="80"' in response.get_data(as_text=True)  # keeps what was typed
    assert db.session.scalar(select(func.count(AttendanceCorrection.id))) == 0


def test_correction_minutes_cannot_exceed_the_session(db, client, login, world, live):
    login(client, world.coordinator)
    response = post_form(client, correct_url(live, world.participant),
                         {"attended": "yes", "minutes": "101", "reason": "phone"})
    assert response.status_code == 200
    assert "At most the scheduled 100 minutes." in form_errors(response.get_data(as_text=True))


def test_correction_to_attended_completes_and_is_shown(db, client, login, world, live):
    connect(live, world.participant, at(0), at(30))
    login(client, world.coordinator)
    page = client.get(correct_url(live, world.participant))
    assert page.status_code == 200 and "30 minutes" in page.get_data(as_text=True)
    response = post_form(client, correct_url(live, world.participant),
                         {"attended": "yes", "minutes": "85", "reason": "Joined by phone: power cut"})
    assert response.status_code == 302
    correction = db.session.scalar(select(AttendanceCorrection))
    assert correction.attended and correction.minutes == 85
    assert correction.corrected_by_id == world.coordinator.id and correction.corrected_at is not None
    assert completion_of(db, world.participant, live).detail == "85 min, 85%"
    html = client.get(report_url(live)).get_data(as_text=True)
    assert "Corrected" in html and "Joined by phone: power cut" in html
    assert "Clara Coordinator" in html


def test_correction_to_absent_keeps_the_completion_and_history(db, client, login, world, live):
    connect(live, world.participant, at(0), at(100))
    attendance.evaluate_session(live)
    db.session.commit()
    login(client, world.coordinator)
    post_form(client, correct_url(live, world.participant),
              {"attended": "yes", "reason": "First look"})
    response = post_form(client, correct_url(live, world.participant),
                         {"attended": "no", "reason": "Camera off, was not there"})
    assert response.status_code == 302
    assert completion_of(db, world.participant, live) is not None  # nothing is deleted
    entry = attendance.attendance_of(live, world.participant.id)
    assert not entry.attended and entry.computed_attended
    assert [c.reason for c in entry.corrections] == ["Camera off, was not there", "First look"]
    html = client.get(report_url(live)).get_data(as_text=True)
    assert "stays completed" in html
    assert "First look" in html and "Camera off, was not there" in html
    assert "0 of 1 participants" in html


def test_correction_only_for_the_audience(db, client, login, world, live):
    login(client, world.coordinator)
    response = post_form(client, correct_url(live, world.other_participant),
                         {"attended": "yes", "reason": "x"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(AttendanceCorrection.id))) == 0


# --------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------


@pytest.mark.parametrize("role, expected", [
    ("participant", 403), ("other_participant", 403), ("other_trainer", 403), ("trainer", 200),
    ("coordinator", 200),
])
@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_report_access(client, login, world, live, role, expected, suffix):
    login(client, getattr(world, role))
    assert client.get(report_url(live) + suffix).status_code == expected


def test_report_anonymous_goes_to_login(client, live):
    response = client.get(report_url(live))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, expected", [
    ("participant", 403), ("trainer", 403), ("other_trainer", 403), ("coordinator", 302),
])
def test_correct_access(db, client, login, world, live, role, expected):
    login(client, getattr(world, role))
    response = post_form(client, correct_url(live, world.participant), {"attended": "no", "reason": "test"})
    assert response.status_code == expected
    assert db.session.scalar(select(func.count(AttendanceCorrection.id))) == (1 if expected == 302 else 0)


def test_report_of_missing_session_is_404(client, login, world):
    login(client, world.coordinator)
    assert client.get("/live/sessions/999999/attendance").status_code == 404


# --------------------------------------------------------------------------
# Module summary
# --------------------------------------------------------------------------


def test_module_summary(db, client, login, world, live, count_queries):
    unit = factories.make_unit(world.module, title="Week 2")
    second = factories.make_live_session(unit, title="Second session", starts_at=T0 + timedelta(days=7))
    connect(live, world.participant, at(0), at(100))
    connect(second, world.participant, second.starts_at, second.starts_at + timedelta(minutes=30))
    add_engagement(db, live, world.participant, messages=2)
    add_engagement(db, second, world.participant, messages=3)
    db.session.commit()
    url = f"/live/modules/{world.module.id}/attendance"
    login(client, world.trainer)
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Opening session" in html and "Second session" in html
    assert "1/2" in html  # one of two sessions attended
    assert ">130<" in html  # minutes in total
    assert ">5<" in html  # messages in total


@pytest.mark.parametrize("role, expected", [
    ("participant", 403), ("other_trainer", 403), ("trainer", 200), ("coordinator", 200),
])
def test_module_summary_access(client, login, world, live, role, expected):
    login(client, getattr(world, role))
    assert client.get(f"/live/modules/{world.module.id}/attendance").status_code == expected


def test_module_summary_queries_are_constant(db, client, login, world, count_queries):
    def build(module, n):
        for s in range(n):
            session = factories.make_live_session(factories.make_unit(module), starts_at=T0 + timedelta(days=s))
            for i in range(n):
                user = factories.make_user()
                factories.enrol(user, world.program, module=module)
                connect(session, user, session.starts_at, session.starts_at + timedelta(minutes=80))
                add_engagement(db, session, user, messages=1)
        db.session.commit()

    big_module = factories.make_module(world.track, trainers=[world.trainer])
    build(world.module, 2)
    build(big_module, 6)
    login(client, world.coordinator)
    counts = []
    for module in (world.module, big_module):
        url = f"/live/modules/{module.id}/attendance"
        client.get(url)
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_correction_requires_a_choice(db, client, login, world, live):
    login(client, world.coordinator)
    response = post_form(client, correct_url(live, world.participant), {"reason": "phone"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose whether the person attended." in form_errors(html)
    assert "phone" in html
    assert db.session.scalar(select(func.count(AttendanceCorrection.id))) == 0
