"""Monitoring: the participant's page (every section, who sees what), last activity, the at-risk list and
its reminders (once per sender within 24 hours), filters, query counts."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.admission.models import AdmissionDecision, AdmissionRules
from lms.announcements.models import Message, MessageThread
from lms.assignments.models import Grade, GradeEvent, Submission, SubmissionVersion
from lms.certificates.models import Certificate
from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentEvent
from lms.learning.completion import record_completion
from lms.learning.models import Completion, QuizAttempt
from lms.live.models import AttendanceCorrection, ChatMessage, Connection, LiveSession
from lms.monitoring import operations as monitoring_ops
from lms.monitoring.activity import last_active
from lms.notifications.models import Notification, ReminderClaim
from lms.offline.models import CheckIn
from lms.readiness.models import Readiness
from tests import factories as f
from tests.helpers import post_form


def page_url(world, user=None):
    return f"/programs/{world.program.id}/participants/{(user or world.participant).id}"


def at_risk_url(world, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/programs/{world.program.id}/at-risk" + (f"?{query}" if query else "")


def remind_url(world):
    return f"/programs/{world.program.id}/at-risk/remind"


def text_of(response) -> str:
    """The page's visible text, entities decoded and spaces collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html_lib.unescape(body))


def section(response, section_id: str) -> str:
    """The visible text of one <section id=...> of the page."""
    body = response.get_data(as_text=True)
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', body, re.S)
    assert match, f"no section {section_id}"
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(0))))


def run_online_now(db, world):
    """The world's online phase runs from five days ago to five days ahead."""
    today = date.today()
    world.program.online_start = today - timedelta(days=5)
    world.program.online_end = today + timedelta(days=5)
    db.session.commit()


# --------------------------------------------------------------------------
# A hand-built record of world.participant
# --------------------------------------------------------------------------


@pytest.fixture
def record(db, world, coordinator):
    """world.participant (admitted by override, then confirmed) with every kind of activity:

    * outline: a program-wide "Orientation" (done) + Week 1: "Reading" (done), "Interview" (open),
      an optional "Extra", "Essay" (due yesterday, never started: overdue), "Poster" (2 versions,
      released 80/100), three live sessions "Clinic 1" (attended 60 min), "Clinic 2" (missed, corrected to
      attended), "Clinic 3" (to come) → 3 of 8 required items done;
    * an offline workshop with a check-in recorded by hand; a certificate; two notifications (one about
      readiness); a message thread; readiness confirmed with nothing filled in.
    """
    run_online_now(db, world)
    now = utcnow()
    program_unit = f.make_unit(program=world.program, title="Welcome", position=0)
    orientation = f.make_item(program_unit, "lesson", title="Orientation")
    unit = f.make_unit(world.module, title="Week 1", position=1)
    reading = f.make_item(unit, "lesson", title="Reading", position=1)
    interview = f.make_item(unit, "lesson", title="Interview", position=2)
    f.make_item(unit, "lesson", title="Extra", required=False, position=3)
    essay = f.make_assignment(unit, title="Essay", due_at=now - timedelta(days=1))
    poster = f.make_assignment(unit, title="Poster", due_at=now + timedelta(days=3))
    clinic1 = f.make_live_session(unit, title="Clinic 1", starts_at=now - timedelta(days=2), minutes=60)
    clinic2 = f.make_live_session(unit, title="Clinic 2", starts_at=now - timedelta(days=1), minutes=60)
    f.make_live_session(unit, title="Clinic 3", starts_at=now + timedelta(days=1), minutes=60)
    for item in (orientation, reading):
        record_completion(world.participant, item, "viewed")
    record_completion(world.participant, poster.item, "submitted")

    submission = Submission(assignment=poster, user_id=world.participant.id)
    db.session.add(submission)
    db.session.flush()
    for number in (1, 2):
        db.session.add(SubmissionVersion(submission=submission, number=number, text=f"v{number}",
                                         author_id=world.participant.id,
                                         submitted_at=now - timedelta(hours=30 - number), receipt="0" * 64))
    grade = Grade(submission=submission, score=80, status="released", graded_version_number=2,
                  released_at=now - timedelta(hours=20), grader_id=world.trainer.id)
    db.session.add(grade)
    db.session.flush()
    db.session.add(GradeEvent(grade=grade, actor_id=world.trainer.id, action="released",
                              at=now - timedelta(hours=20), snapshot={"score": 80}))

    db.session.add(Connection(session_id=clinic1.id, user_id=world.participant.id, sid="s1",
                              joined_at=clinic1.starts_at, left_at=clinic1.ends_at, last_seen_at=clinic1.ends_at))
    db.session.add(AttendanceCorrection(session_id=clinic2.id, user_id=world.participant.id, attended=True,
                                        minutes=None, reason="Joined by phone from the library",
                                        corrected_by_id=coordinator.id, corrected_at=now - timedelta(hours=12)))
    workshop = f.make_offline_session(world.program, title="Book workshop", audience="track",
                                      audience_id=world.track.id, starts_at=now - timedelta(hours=3))
    db.session.add(CheckIn(session_id=workshop.id, user_id=world.participant.id, method="manual",
                           recorded_by_id=coordinator.id, checked_in_at=now - timedelta(hours=3)))

    world.enrolment.status = "confirmed"
    db.session.add(AdmissionDecision(enrolment_id=world.enrolment.id, decision="admitted",
                                     eligibility_status="at_risk", is_override=True,
                                     reason="Strong portfolio despite the delays", rules_snapshot={},
                                     decided_by_id=coordinator.id, decided_at=now - timedelta(hours=10)))
    db.session.add(EnrolmentEvent(enrolment=world.enrolment, at=now - timedelta(hours=10), actor_id=coordinator.id,
                                  action="admission", from_status="active", to_status="admitted",
                                  note="Strong portfolio despite the delays"))
    db.session.add(EnrolmentEvent(enrolment=world.enrolment, at=now - timedelta(hours=9),
                                  actor_id=world.participant.id, action="readiness", from_status="admitted",
                                  to_status="confirmed", note="My visa is delayed"))
    db.session.add(Readiness(enrolment_id=world.enrolment.id, response="confirmed",
                             responded_at=now - timedelta(hours=9)))
    db.session.add(Certificate(enrolment_id=world.enrolment.id, user_id=world.participant.id,
                               program_id=world.program.id, code="MONITORCODE12345", details={},
                               issued_at=now - timedelta(hours=1)))
    db.session.add(Notification(user_id=world.participant.id, kind="grade_released",
                                title="Your grade for Poster is available", email_status="sent",
                                created_at=now - timedelta(hours=20), read_at=now - timedelta(hours=19)))
    db.session.add(Notification(user_id=world.participant.id, kind="readiness",
                                title="The office recorded your travel", created_at=now - timedelta(hours=8)))
    thread = MessageThread(program_id=world.program.id, participant_id=world.participant.id,
                           subject="Visa question", last_message_at=now - timedelta(hours=5))
    db.session.add(thread)
    db.session.flush()
    db.session.add(Message(thread_id=thread.id, author_id=world.participant.id, body="Can you help?",
                           created_at=now - timedelta(hours=5)))
    db.session.commit()
    return {"essay": essay, "poster": poster, "unit": unit, "interview": interview}


def test_participant_page_shows_every_section_for_a_coordinator(client, world, record, login):
    login(client, world.coordinator)
    response = client.get(page_url(world))
    assert response.status_code == 200
    text = text_of(response)
    # Header.
    assert "Amina Participant" in text and "Kenya" in text and "Intensive" in text
    assert "Digital contents for children" in text and "Kenya delegation" in text and "Confirmed" in text
    header = section(response, "about")
    # Times in the viewer's zone (the coordinator's).
    assert "Last active" in header and "never" not in header and "(Asia/Seoul" in header

    # Progress: 3 of 8 required (orientation, reading, poster), 1 overdue (Essay), next: Interview.
    progress = section(response, "progress")
    assert "3 of 8 required items done" in progress and "(38%)" in progress
    assert "Optional items 0 of 1" in progress
    assert "Overdue 1 item: Essay" in progress
    assert "Next Interview" in progress
    assert "Program-wide units · 1 of 1 required" in progress
    assert "Digital contents for children · 2 of 7 required" in progress

    # Submissions and grades.
    work = section(response, "work")
    assert re.search(r"Essay .*Not started overdue 0 —", work)
    assert re.search(r"Poster .*Graded .* 2 80 / 100 passed", work)

    # Attendance: online 2 of 2 past (3 in all), 60 minutes; offline: checked in by hand.
    attendance = section(response, "attendance")
    assert "Attended 2 of 2 past sessions (3 in all)." in attendance
    assert "60 minutes in all." in attendance
    assert re.search(r"Clinic 1 .* yes 60 100%", attendance)
    assert "Joined by phone from the library" in attendance and "Clara Coordinator" in attendance
    assert "Attended 1 of 1 past sessions (1 in all)." in attendance
    assert "Book workshop" in attendance and "by hand" in attendance and "(Clara Coordinator)" in attendance
    assert "KST" in attendance or "Korea" in attendance or "Asia/Seoul" in attendance

    # Eligibility and decisions, with the override's reason.
    eligibility = section(response, "eligibility")
    assert "completed 3 of 8 required items, 7 needed" in eligibility
    assert "Admitted" in eligibility and "Override" in eligibility
    assert "Strong portfolio despite the delays" in eligibility

    # Readiness: confirmed, details missing.
    readiness = section(response, "readiness")
    assert "Confirmed" in readiness and "Travel, Dietary needs, Emergency contact" in readiness

    # Certificates, notifications.
    assert "MONITORCODE12345" in section(response, "certificates")
    notifications = section(response, "notifications")
    assert "(2)" in notifications
    assert "Your grade for Poster is available" in notifications and "Grade released" in notifications
    assert "sent" in notifications and "The office recorded your travel" in notifications

    # Timeline: newest first, every kind.
    timeline = section(response, "timeline")
    expected_order = [
        "Certificate issued",  # 1 h ago
        "Checked in to “Book workshop”",  # 3 h
        "Wrote in “Visa question”",  # 5 h
        "Notified: The office recorded your travel",  # 8 h
        "Participant's answer: Admitted → Confirmed",  # 9 h
        "Decision: Admitted (against the rules)",  # 10 h
        "Attendance of “Clinic 2” corrected to attended",  # 12 h
        "Grade released for “Poster”: 80 / 100",  # 20 h
        "Submitted version 2 of “Poster”",  # 28 h
        "Submitted version 1 of “Poster”",  # 29 h
        "Attended “Clinic 1” (60 min, 100%)",  # 2 days
    ]
    positions = [timeline.find(entry) for entry in expected_order]
    assert -1 not in positions, [entry for entry, at in zip(expected_order, positions) if at == -1]
    assert positions == sorted(positions)
    assert "Completed “Orientation” (viewed)" in timeline
    assert "My visa is delayed" in timeline  # the note of the enrolment history
    assert "monitoring.css" in response.get_data(as_text=True)
    assert "style=" not in response.get_data(as_text=True)


def test_trainer_of_the_module_sees_learning_but_no_logistics(client, world, record, login, db):
    world.trainer.timezone = "America/Sao_Paulo"
    login(client, world.trainer)
    response = client.get(page_url(world))
    assert response.status_code == 200
    assert "(America/Sao_Paulo" in section(response, "timeline") and "Asia/Seoul" not in section(response, "work")
    body = response.get_data(as_text=True)
    assert "3 of 8 required items done" in text_of(response)
    assert "Admitted" in section(response, "eligibility")
    # No override reasons, no readiness, no notes of the history, no readiness notifications.
    assert "Strong portfolio" not in body
    assert 'id="readiness"' not in body and "Dietary needs" not in body
    assert "My visa is delayed" not in body
    assert "The office recorded your travel" not in body
    assert "(1)" in section(response, "notifications")
    assert "Answered about the offline phase: Confirmed" in section(response, "timeline")


def test_who_may_open_a_participants_page(client, world, record, login):
    login(client, world.other_trainer)
    assert client.get(page_url(world)).status_code == 403
    login(client, world.other_participant)
    assert client.get(page_url(world)).status_code == 403
    # The participant themself is sent to their own checklist.
    login(client, world.participant)
    response = client.get(page_url(world))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/programs/{world.program.id}/offline-phase")
    # Nobody enrolled under that id: 404.
    login(client, world.coordinator)
    assert client.get(page_url(world, world.trainer)).status_code == 404
    assert client.get(f"/programs/999999/participants/{world.participant.id}").status_code == 404
    # Anonymous: the login page.
    client.post("/logout")
    anonymous = client.application.test_client()
    assert "/login" in anonymous.get(page_url(world)).headers["Location"]


def test_timeline_is_limited_with_show_more(client, world, db, login):
    run_online_now(db, world)
    unit = f.make_unit(world.module, title="Many")
    start = utcnow() - timedelta(days=10)
    for number in range(45):
        item = f.make_item(unit, "lesson", title=f"Lesson {number:02d}")
        db.session.add(Completion(user_id=world.participant.id, item_id=item.id, how="viewed",
                                  completed_at=start + timedelta(minutes=number)))
    db.session.commit()
    login(client, world.coordinator)
    response = client.get(page_url(world))
    timeline = section(response, "timeline")
    assert "Lesson 44" in timeline and "Lesson 05" in timeline and "Lesson 04" not in timeline
    assert timeline.count("Completed “Lesson") == 40
    assert "timeline=80" in response.get_data(as_text=True)
    timeline = section(client.get(page_url(world) + "?timeline=80"), "timeline")
    assert timeline.count("Completed “Lesson") == 45 and "Lesson 00" in timeline
    assert "Show more" not in timeline


def test_participant_page_costs_the_same_with_3_or_30_completions(client, world, db, login, count_queries):
    run_online_now(db, world)
    unit = f.make_unit(world.module, title="Week 1")
    items = [f.make_item(unit, "lesson", title=f"Lesson {number}") for number in range(30)]
    assignments = [f.make_assignment(unit, title=f"Essay {number}") for number in range(3)]
    session = f.make_live_session(unit, title="Clinic", starts_at=utcnow() - timedelta(days=1), minutes=60)

    made = {"completions": 0, "others": 0}

    def activity(count):
        """``count`` completions, and a third as many of every other record."""
        for item in items[made["completions"]:count]:
            record_completion(world.participant, item, "viewed")
        made["completions"] = count
        for number in range(made["others"], count // 3):
            if number < len(assignments):
                submission = Submission(assignment=assignments[number], user_id=world.participant.id)
                db.session.add(submission)
                db.session.flush()
                db.session.add(SubmissionVersion(submission=submission, number=1, author_id=world.participant.id,
                                                 submitted_at=utcnow() - timedelta(hours=number), receipt="0" * 64))
                db.session.add(Grade(submission=submission, score=60, status="released", graded_version_number=1))
            db.session.add(Notification(user_id=world.participant.id, kind="grade_released", title=f"N{number}"))
            db.session.add(Connection(session_id=session.id, user_id=world.participant.id,
                                      sid=f"x{count}-{number}", joined_at=session.starts_at,
                                      left_at=session.ends_at, last_seen_at=session.ends_at))
            db.session.add(QuizAttempt(item_id=items[0].id, user_id=world.participant.id,
                                       number=number + 1, answers={}, results={}, score=1, max_score=3))
        made["others"] = count // 3
        db.session.commit()

    url = page_url(world)
    activity(3)
    login(client, world.coordinator)
    client.get(url)
    db.session.expunge_all()  # as in a server: nothing of the test's own objects in the session
    with count_queries() as few:
        assert client.get(url).status_code == 200
    activity(30)
    db.session.expunge_all()
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200 and "30 of 34 required items done" in text_of(response)
    assert len(many) == len(few), (len(few), len(many))


# --------------------------------------------------------------------------
# Last activity
# --------------------------------------------------------------------------


def test_last_active_takes_the_latest_activity_in_the_program(db, world):
    run_online_now(db, world)
    now = utcnow()
    unit = f.make_unit(world.module, title="Week 1")
    lesson = f.make_item(unit, "lesson")
    session = f.make_live_session(unit, starts_at=now - timedelta(days=3))
    other_program = f.make_program(name="Other program")
    other_track = f.make_track(other_program)
    other_module = f.make_module(other_track)
    other_unit = f.make_unit(other_module)
    other_lesson = f.make_item(other_unit, "lesson")
    stranger = f.make_user(name="Never Active")
    stranger_enrolment = f.enrol(stranger, world.program, module=world.module)
    db.session.add(Completion(user_id=world.participant.id, item_id=lesson.id, how="viewed",
                              completed_at=now - timedelta(days=4)))
    # Activity in another program does not count for this one.
    f.enrol(world.participant, other_program, module=other_module)
    db.session.add(Completion(user_id=world.participant.id, item_id=other_lesson.id, how="viewed",
                              completed_at=now - timedelta(hours=1)))
    db.session.commit()
    assert last_active([world.enrolment, stranger_enrolment]) == {
        world.participant.id: now - timedelta(days=4), stranger.id: None}

    # Each kind of activity moves it on: a chat message, a connection, a sign-in.
    db.session.add(ChatMessage(session_id=session.id, user_id=world.participant.id, text="hi",
                               created_at=now - timedelta(days=2)))
    db.session.commit()
    assert last_active([world.enrolment])[world.participant.id] == now - timedelta(days=2)
    db.session.add(Connection(session_id=session.id, user_id=world.participant.id, sid="c",
                              joined_at=now - timedelta(days=1), last_seen_at=now - timedelta(days=1)))
    db.session.commit()
    assert last_active([world.enrolment])[world.participant.id] == now - timedelta(days=1)
    world.participant.last_login_at = now - timedelta(minutes=30)
    db.session.commit()
    assert last_active([world.enrolment])[world.participant.id] == now - timedelta(minutes=30)


# --------------------------------------------------------------------------
# The at-risk list
# --------------------------------------------------------------------------


@pytest.fixture
def cohort(db, world):
    """Online from five days ago to five ahead (half the time gone): four required lessons in each module.

    * world.participant: nothing done → at risk, signed in two days ago;
    * Nadia (world.module, no group, TZ): nothing done, never active → at risk;
    * Omar (world.module): one lesson three days ago → at risk (2 expected by now);
    * Pia (world.module): two lessons → on track; Quinn (world.module): all four → eligible;
    * Bruno (world.other_participant, other module, BR): nothing → at risk;
    * Rita (world.module, "Late group"): missed the group's only live session → not eligible;
    * Sam (world.module): withdrawn → never listed.
    """
    run_online_now(db, world)
    now = utcnow()
    unit = f.make_unit(world.module, title="Week 1")
    lessons = [f.make_item(unit, "lesson", title=f"Lesson {n}") for n in range(4)]
    other_unit = f.make_unit(world.other_module, title="Festivals")
    for n in range(4):
        f.make_item(other_unit, "lesson", title=f"Festival {n}")
    late_group = f.make_group(world.program, "Late group")

    def person(name, *, done=0, country="KE", group=None, status="active"):
        user = f.make_user(name=name, country=country)
        enrolment = f.enrol(user, world.program, module=world.module, group=group, status=status)
        for lesson in lessons[:done]:
            db.session.add(Completion(user_id=user.id, item_id=lesson.id, how="viewed",
                                      completed_at=now - timedelta(days=3)))
        return enrolment

    world.participant.last_login_at = now - timedelta(days=2)
    people = {
        "nadia": person("Nadia Never", country="TZ"),
        "omar": person("Omar One", done=1),
        "pia": person("Pia Pace", done=2),
        "quinn": person("Quinn Quick", done=4),
        "rita": person("Rita Late", group=late_group),
        "sam": person("Sam Gone", status="withdrawn"),
    }
    db.session.add(LiveSession(program_id=world.program.id, title="Group call", audience="group",
                               audience_id=late_group.id, starts_at=now - timedelta(days=2),
                               ends_at=now - timedelta(days=2) + timedelta(hours=1)))
    db.session.commit()
    return people


def rows_of(response) -> list[str]:
    body = response.get_data(as_text=True)
    return re.findall(r'<tr id="participant-\d+">.*?<a href="[^"]+">([^<]+)</a>', body, re.S)


def test_at_risk_list_reasons_last_active_and_order(client, world, cohort, login):
    login(client, world.coordinator)
    response = client.get(at_risk_url(world))
    assert response.status_code == 200
    # Never active first, then the longest inactive.
    assert rows_of(response) == ["Bruno Other", "Nadia Never", "Omar One", "Amina Participant"]
    body = response.get_data(as_text=True)
    row = re.search(r'<tr id="participant-%d">.*?</tr>' % cohort["omar"].user_id, body, re.S).group(0)
    assert "completed 1 of 4 required items, 4 needed" in row and "At risk" in row
    assert "never" not in row and "not yet" in row
    nadia = re.search(r'<tr id="participant-%d">.*?</tr>' % cohort["nadia"].user_id, body, re.S).group(0)
    assert "never" in nadia
    assert "Pia Pace" not in body and "Quinn Quick" not in body and "Sam Gone" not in body
    assert "Rita Late" not in body  # not eligible: only with the toggle
    assert "4 at risk" in text_of(response) and "1 not eligible" in text_of(response)

    response = client.get(at_risk_url(world, not_eligible="y"))
    assert "Rita Late" in rows_of(response)
    rita = re.search(r'<tr id="participant-%d">.*?</tr>' % cohort["rita"].user_id,
                     response.get_data(as_text=True), re.S).group(0)
    assert "Not eligible" in rita and "attended 0 of 1 live session, 1 needed" in rita


def test_at_risk_filters(client, world, cohort, login):
    login(client, world.coordinator)
    assert rows_of(client.get(at_risk_url(world, module=world.other_module.id))) == ["Bruno Other"]
    assert rows_of(client.get(at_risk_url(world, track=world.track.id))) == [
        "Nadia Never", "Omar One", "Amina Participant"]
    assert rows_of(client.get(at_risk_url(world, country="TZ"))) == ["Nadia Never"]
    assert rows_of(client.get(at_risk_url(world, group=world.group.id))) == ["Amina Participant"]
    assert rows_of(client.get(at_risk_url(world, group="none"))) == ["Bruno Other", "Nadia Never", "Omar One"]
    response = client.get(at_risk_url(world, country="FR"))
    assert rows_of(response) == [] and "Nobody matches these filters." in response.get_data(as_text=True)


def test_at_risk_list_is_paginated(client, world, cohort, login, monkeypatch):
    from lms.monitoring import queries

    monkeypatch.setattr(queries, "AT_RISK_PER_PAGE", 2)
    login(client, world.coordinator)
    first = client.get(at_risk_url(world))
    assert rows_of(first) == ["Bruno Other", "Nadia Never"]
    assert "4 participants · page 1 of 2" in text_of(first) and 'rel="next"' in first.get_data(as_text=True)
    second = client.get(at_risk_url(world, page=2))
    assert rows_of(second) == ["Omar One", "Amina Participant"] and 'rel="prev"' in second.get_data(as_text=True)
    # Reminding from page 2 comes back to page 2.
    response = post_form(client, remind_url(world) + "?page=2", {"row_action": str(world.participant.id)})
    assert response.headers["Location"].endswith("/at-risk?page=2")
    assert rows_of(client.get(at_risk_url(world, page=9))) == ["Omar One", "Amina Participant"]


def test_trainers_see_their_modules_participants_only(client, world, cohort, login):
    login(client, world.trainer)
    response = client.get(at_risk_url(world))
    assert response.status_code == 200
    assert rows_of(response) == ["Nadia Never", "Omar One", "Amina Participant"]
    login(client, world.other_trainer)
    assert rows_of(client.get(at_risk_url(world))) == ["Bruno Other"]
    # Reminding someone of another module: refused.
    response = post_form(client, remind_url(world), {"row_action": str(world.participant.id)})
    assert response.status_code == 403
    login(client, world.participant)
    assert client.get(at_risk_url(world)).status_code == 403
    assert post_form(client, remind_url(world), {"row_action": str(world.participant.id)}).status_code == 403


def nudges(db, user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.kind == "at_risk_nudge")).all()


def test_reminder_is_sent_once_per_sender_within_24_hours(client, world, cohort, login, db):
    login(client, world.coordinator)
    response = post_form(client, remind_url(world) + f"?track={world.track.id}",
                         {"row_action": str(cohort["omar"].user_id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/programs/{world.program.id}/at-risk?track={world.track.id}")
    omar = cohort["omar"].user
    sent = nudges(db, omar)
    assert len(sent) == 1
    assert sent[0].link == f"/programs/{world.program.id}/offline-phase"
    assert "completed 1 of 4 required items, 4 needed" in sent[0].body
    assert world.program.name in sent[0].title

    # A second click: nothing new, and the coordinator is told when it was sent.
    response = post_form(client, remind_url(world), {"row_action": str(omar.id)}, follow_redirects=True)
    assert len(nudges(db, omar)) == 1
    assert "Already reminded by you in the last 24 hours" in text_of(response) and "Omar One (at" in text_of(response)
    row = re.search(r'<tr id="participant-%d">.*?</tr>' % omar.id, response.get_data(as_text=True), re.S).group(0)
    assert "You reminded them at" in row and "by Clara Coordinator" in row
    assert 'value="%d"' % omar.id not in row  # no button, no checkbox

    # Another sender may (the page shows the last reminder to them first).
    second = f.make_user(name="Carl Coordinator", coordinator=True)
    login(client, second)
    post_form(client, remind_url(world), {"row_action": str(omar.id)})
    assert len(nudges(db, omar)) == 2

    # 25 hours later, the first coordinator may remind again.
    db.session.execute(ReminderClaim.__table__.update().values(claimed_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    login(client, world.coordinator)
    post_form(client, remind_url(world), {"row_action": str(omar.id)})
    assert len(nudges(db, omar)) == 3


def test_automatic_reminders_show_as_last_reminded_but_do_not_block(client, world, cohort, login, db):
    """The scheduler's weekly nudge (same kind and link, claimed by a server process)."""
    nadia = cohort["nadia"].user
    notification = Notification(user_id=nadia.id, kind="at_risk_nudge", title="You are falling behind",
                                link=f"/programs/{world.program.id}/offline-phase",
                                created_at=utcnow() - timedelta(hours=2))
    db.session.add(notification)
    db.session.flush()
    db.session.add(ReminderClaim(key=f"at_risk:{cohort['nadia'].id}:2026-W01", kind="at_risk_nudge", user_id=nadia.id,
                                 claimed_by="web-1:4242", notification_id=notification.id))
    # A nudge about another program is not this program's.
    db.session.add(Notification(user_id=world.participant.id, kind="at_risk_nudge", title="Elsewhere",
                                link="/programs/999/offline-phase"))
    db.session.commit()
    login(client, world.coordinator)
    body = client.get(at_risk_url(world)).get_data(as_text=True)
    row = re.search(r'<tr id="participant-%d">.*?</tr>' % nadia.id, body, re.S).group(0)
    assert "sent automatically" in row and "Remind" in row
    amina = re.search(r'<tr id="participant-%d">.*?</tr>' % world.participant.id, body, re.S).group(0)
    assert "not yet" in amina
    post_form(client, remind_url(world), {"row_action": str(nadia.id)})
    assert len(nudges(db, nadia)) == 2


def test_bulk_reminder_and_people_no_longer_behind(client, world, cohort, login, db):
    login(client, world.coordinator)
    ids = [cohort["nadia"].user_id, world.participant.id, cohort["pia"].user_id, cohort["sam"].user_id]
    response = post_form(client, remind_url(world), {"user_id": [str(user_id) for user_id in ids]},
                         follow_redirects=True)
    text = text_of(response)
    assert "Reminders were sent to 2 participants" in text
    assert "Not behind (or no longer following the program), nothing sent: Pia Pace, Sam Gone." in text
    assert len(nudges(db, cohort["nadia"].user)) == 1 and len(nudges(db, world.participant)) == 1
    assert nudges(db, cohort["pia"].user) == [] and nudges(db, cohort["sam"].user) == []
    # Nothing selected.
    response = post_form(client, remind_url(world), {}, follow_redirects=True)
    assert "Select the participants to remind." in text_of(response)


def test_two_clicks_at_the_same_moment_send_one_reminder(app, db, world, cohort, monkeypatch):
    omar = cohort["omar"]
    with app.test_request_context():
        first = monitoring_ops.send_reminders([omar], world.coordinator)
        # The second request read the claims before the first committed: it sees none.
        monkeypatch.setattr(monitoring_ops, "claims_by", lambda *args, **kwargs: {})
        second = monitoring_ops.send_reminders([omar], world.coordinator)
        db.session.commit()
    assert [e.id for e in first.sent] == [omar.id] and second.sent == [] and len(second.already) == 1
    assert len(nudges(db, omar.user)) == 1
    assert db.session.scalar(select(func.count(ReminderClaim.id))) == 1


def test_reminder_is_written_in_the_participants_language(app, db, world, cohort):
    omar = cohort["omar"]
    omar.user.locale = "ko"
    db.session.commit()
    with app.test_request_context():
        monitoring_ops.send_reminders([omar], world.coordinator)
        db.session.commit()
    (notification,) = nudges(db, omar.user)
    assert world.program.name in notification.title
    assert "completed 1 of 4" not in notification.body  # translated (Korean catalog)


def test_at_risk_list_costs_the_same_for_3_or_20_participants(client, world, db, login, count_queries):
    run_online_now(db, world)
    unit = f.make_unit(world.module, title="Week 1")
    for n in range(4):
        f.make_item(unit, "lesson", title=f"Lesson {n}")
    db.session.commit()

    def add(count):
        for _number in range(count):
            user = f.make_user()
            f.enrol(user, world.program, module=world.module)
        db.session.commit()

    add(2)  # with world.participant: 3 (world.other_participant's module has no items: on track)
    login(client, world.coordinator)
    post_form(client, remind_url(world), {"row_action": str(world.participant.id)})
    # Each measure follows a first visit that brings the stored summaries up to date (their refresh is a
    # constant number of queries too: tests/test_summaries.py).
    client.get(at_risk_url(world))
    with count_queries() as few:
        response = client.get(at_risk_url(world))
    assert len(rows_of(response)) == 3
    add(17)
    client.get(at_risk_url(world))
    with count_queries() as many:
        response = client.get(at_risk_url(world))
    assert len(rows_of(response)) == 20
    assert len(many) == len(few), (len(few), len(many))


def test_program_page_and_people_pages_link_to_monitoring(client, world, login, db):
    login(client, world.coordinator)
    program_page = client.get(f"/programs/{world.program.id}").get_data(as_text=True)
    assert f"/programs/{world.program.id}/at-risk" in program_page
    people = client.get(f"/programs/{world.program.id}/people").get_data(as_text=True)
    assert page_url(world) in people
    person = client.get(f"/people/{world.participant.id}").get_data(as_text=True)
    assert page_url(world) in person


def test_rules_of_the_track_apply(client, world, cohort, login, db):
    """The list follows the eligibility service: a track asking for fewer items clears people."""
    db.session.add(AdmissionRules(program_id=world.program.id, track_id=world.track.id, min_items_percent=25,
                                  require_assignments_passed=True, min_live_percent=75, min_average_grade=None,
                                  min_offline_percent=80))
    db.session.commit()
    login(client, world.coordinator)
    names = rows_of(client.get(at_risk_url(world)))
    assert "Omar One" not in names and "Bruno Other" in names
