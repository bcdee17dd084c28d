"""The offline phase: sessions in Korea time, the rotating QR check-in, check-in by hand, attendance."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentStatus
from lms.live.attendance import attendance_for_sessions, attendance_of, record_correction
from lms.live.models import LiveSession
from lms.offline import operations as ops
from lms.offline.models import CheckIn
from tests import factories
from tests.helpers import csrf_token, form_errors, post_form

MINUTE = datetime(2024, 8, 20, 1, 0, tzinfo=timezone.utc)  # 10:00 in Korea, exactly on a minute


@pytest.fixture
def offline(world, db):
    """world.participant admitted (Intensive track, Kenya group); a confirmed participant of the same
    track; world.other_participant (General track) not admitted; a session open for check-in now."""
    world.enrolment.status = EnrolmentStatus.ADMITTED.value
    confirmed_user = factories.make_user(name="Chen Confirmed", country="CN", timezone="Asia/Shanghai")
    confirmed = factories.enrol(confirmed_user, world.program, module=world.module,
                                status=EnrolmentStatus.CONFIRMED)
    now = utcnow()
    session = factories.make_offline_session(world.program, title="Workshop: storyboards", audience="track",
                                             audience_id=world.track.id, starts_at=now - timedelta(minutes=10),
                                             location="EDCN studio, Seoul")
    db.session.commit()
    return {"session": session, "confirmed": confirmed, "confirmed_user": confirmed_user}


def text(response) -> str:
    """The page's text with babel's narrow and non-breaking spaces as plain spaces."""
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")


def count(db, model=CheckIn):
    return db.session.scalar(select(func.count()).select_from(model))


def check_in_url(session, code=None):
    return f"/offline/check-in/{session.id}/{code or ops.code_for(session)}"


# The rotating code -------------------------------------------------------------------------------


def test_code_rotates_every_minute_and_is_short_and_url_safe(offline):
    session = offline["session"]
    first = ops.code_for(session, MINUTE)
    assert first == ops.code_for(session, MINUTE + timedelta(seconds=59))
    assert first != ops.code_for(session, MINUTE + timedelta(seconds=60))
    assert re.fullmatch(r"[a-z2-7]{10}", first)
    assert ops.check_code(session, first, MINUTE + timedelta(seconds=30))
    assert ops.check_code(session, first.upper(), MINUTE)  # typed by hand: case does not matter


def test_previous_minute_accepted_two_minutes_old_refused(offline):
    session = offline["session"]
    code = ops.code_for(session, MINUTE)
    assert ops.check_code(session, code, MINUTE + timedelta(seconds=60))  # the turn of the minute
    assert ops.check_code(session, code, MINUTE + timedelta(seconds=119))
    assert not ops.check_code(session, code, MINUTE + timedelta(seconds=120))
    assert ops.code_status(session, code, MINUTE + timedelta(minutes=5)) == "expired"
    assert not ops.check_code(session, code, MINUTE - timedelta(seconds=1))  # not before its minute
    assert ops.code_status(session, "", MINUTE) == "invalid"


def test_codes_are_per_session(world, offline, db):
    session = offline["session"]
    other = factories.make_offline_session(world.program, audience="track", audience_id=world.track.id,
                                           starts_at=session.starts_at)
    assert ops.code_for(session, MINUTE) != ops.code_for(other, MINUTE)
    assert not ops.check_code(other, ops.code_for(session, MINUTE), MINUTE)


# Checking in by QR code --------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_and_back(client, offline):
    url = check_in_url(offline["session"])
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "next=" in response.headers["Location"]
    assert "check-in" in response.headers["Location"]


def test_get_asks_to_confirm_and_records_nothing(client, login, world, offline, db):
    login(client, world.participant)
    response = client.get(check_in_url(offline["session"]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Check in</button>" in html and "Workshop: storyboards" in html
    assert count(db) == 0


def test_post_checks_in_once(client, login, world, offline, db):
    session = offline["session"]
    login(client, world.participant)
    url = check_in_url(session)
    code = url.rsplit("/", 1)[1]
    first = post_form(client, url, {"code": code}, follow_redirects=True)
    assert first.status_code == 200
    assert "You are checked in" in first.get_data(as_text=True)
    second = post_form(client, url, {"code": code}, follow_redirects=True)
    assert "already checked in" in second.get_data(as_text=True)
    records = db.session.scalars(select(CheckIn)).all()
    assert len(records) == 1
    assert (records[0].user_id, records[0].method, records[0].recorded_by_id) == (world.participant.id, "qr", None)
    # A second GET says so too, without a button.
    again = client.get(url).get_data(as_text=True)
    assert "already checked in" in again and "Check in</button>" not in again
    # So does a scan of an old code.
    old = check_in_url(session, ops.code_for(session, utcnow() - timedelta(minutes=10)))
    assert "already checked in" in client.get(old).get_data(as_text=True)


def test_expired_code_refused(client, login, world, offline, db):
    session = offline["session"]
    login(client, world.participant)
    old = ops.code_for(session, utcnow() - timedelta(minutes=3))
    response = client.get(check_in_url(session, old))
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    response = post_form(client, check_in_url(session, old), {"code": old})
    assert response.status_code == 400
    assert count(db) == 0


def test_another_sessions_code_refused(client, login, world, offline, db):
    session = offline["session"]
    other = factories.make_offline_session(world.program, audience="track", audience_id=world.track.id,
                                           starts_at=session.starts_at)
    db.session.commit()
    login(client, world.participant)
    response = post_form(client, check_in_url(other, ops.code_for(session)), {"code": ops.code_for(session)})
    assert response.status_code == 400
    assert "not valid for this session" in response.get_data(as_text=True)
    # The form's code must be the address's code.
    response = post_form(client, check_in_url(session), {"code": "aaaaaaaaaa"})
    assert response.status_code == 400
    assert count(db) == 0


def test_not_expected_people_refused(client, login, world, offline, db):
    session = offline["session"]
    # Not admitted (active), and of the other track.
    login(client, world.other_participant)
    response = post_form(client, check_in_url(session), {"code": ops.code_for(session)})
    assert response.status_code == 403
    assert "not expected" in response.get_data(as_text=True)
    # Admitted, but of the other track.
    world.other_enrolment.status = EnrolmentStatus.ADMITTED.value
    db.session.commit()
    assert client.get(check_in_url(session)).status_code == 403
    # Of the track, but waitlisted.
    world.enrolment.status = EnrolmentStatus.WAITLISTED.value
    login(client, world.participant)
    assert client.get(check_in_url(session)).status_code == 403
    # Coordinators and trainers are not participants.
    login(client, world.coordinator)
    assert client.get(check_in_url(session)).status_code == 403
    assert count(db) == 0


def test_closed_outside_the_session_time(app, client, login, world, offline, db):
    now = utcnow()
    later = factories.make_offline_session(world.program, starts_at=now + timedelta(minutes=45))
    soon = factories.make_offline_session(world.program, starts_at=now + timedelta(minutes=20))
    ended = factories.make_offline_session(world.program, starts_at=now - timedelta(hours=3), minutes=60)
    db.session.commit()
    login(client, world.participant)
    response = client.get(check_in_url(later))
    assert response.status_code == 403 and "opens at" in response.get_data(as_text=True)
    assert client.get(check_in_url(soon)).status_code == 200  # 30 minutes before the start
    response = post_form(client, check_in_url(ended), {"code": ops.code_for(ended)})
    assert response.status_code == 403 and "closed" in response.get_data(as_text=True)
    app.config["OFFLINE_CHECKIN_EARLY_MINUTES"] = 10
    try:
        assert client.get(check_in_url(soon)).status_code == 403
    finally:
        app.config.pop("OFFLINE_CHECKIN_EARLY_MINUTES")
    assert count(db) == 0


def test_archived_or_online_sessions_have_no_check_in(client, login, world, offline, db):
    session = offline["session"]
    ops.archive_session(session)
    db.session.commit()
    login(client, world.participant)
    assert client.get(check_in_url(session)).status_code == 404
    unit = factories.make_unit(world.module)
    online = factories.make_live_session(unit)
    db.session.commit()
    assert client.get(f"/offline/check-in/{online.id}/{ops.code_for(online)}").status_code == 404


def test_operation_refusals_raise_clear_exceptions(world, offline, db):
    session = offline["session"]
    now = utcnow()
    with pytest.raises(ops.InvalidCode):
        ops.check_in(session, world.participant, "qr", code="wrongwrong", now=now)
    with pytest.raises(ops.NotExpected):
        ops.check_in(session, world.other_participant, "qr", code=ops.code_for(session, now), now=now)
    with pytest.raises(ops.NotOpen):
        ops.check_in(session, world.participant, "qr", code=ops.code_for(session, now), now=now + timedelta(hours=5))
    record = ops.check_in(session, world.participant, "qr", code=ops.code_for(session, now), now=now)
    with pytest.raises(ops.AlreadyCheckedIn) as already:
        ops.check_in(session, world.participant, "manual", recorded_by=world.coordinator, now=now)
    assert already.value.check_in.id == record.id
    with pytest.raises(ValueError):
        ops.check_in(session, offline["confirmed_user"], "manual", now=now)  # who recorded it?


def test_typed_code_goes_to_the_check_in_page(client, login, world, offline):
    session = offline["session"]
    login(client, world.participant)
    code = ops.code_for(session)
    response = client.get(f"/offline/sessions/{session.id}/code", query_string={"code": " " + code.upper()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/offline/check-in/{session.id}/{code}")
    response = client.get(f"/offline/sessions/{session.id}/code", query_string={"code": "  "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/offline/sessions/{session.id}")


# Checking in by hand -----------------------------------------------------------------------------


def test_coordinator_checks_people_in_by_hand_with_a_note(client, login, world, offline, db):
    session = offline["session"]
    login(client, world.coordinator)
    page = client.get(f"/offline/sessions/{session.id}/check-in-by-hand")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Amina Participant" in html and "Chen Confirmed" in html and "Bruno Other" not in html
    response = post_form(client, f"/offline/sessions/{session.id}/check-in-by-hand",
                         {"people": [str(world.participant.id)], "note": "Phone without battery"},
                         follow_redirects=True)
    assert "1 person checked in." in response.get_data(as_text=True)
    record = db.session.scalar(select(CheckIn))
    assert (record.user_id, record.method, record.recorded_by_id, record.note) == (
        world.participant.id, "manual", world.coordinator.id, "Phone without battery")
    # Nobody chosen: the form says so.
    response = post_form(client, f"/offline/sessions/{session.id}/check-in-by-hand", {"note": "x"})
    assert response.status_code == 200
    assert "Choose at least one person." in form_errors(response.get_data(as_text=True))
    # Someone not expected cannot be chosen.
    response = post_form(client, f"/offline/sessions/{session.id}/check-in-by-hand",
                         {"people": [str(world.other_participant.id)]})
    assert response.status_code == 200 and form_errors(response.get_data(as_text=True))
    assert count(db) == 1


def test_trainers_and_participants_cannot_check_in_by_hand(client, login, world, offline, db):
    session = offline["session"]
    for person in (world.trainer, world.participant):
        login(client, person)
        assert client.get(f"/offline/sessions/{session.id}/check-in-by-hand").status_code == 403
        response = post_form(client, f"/offline/sessions/{session.id}/check-in-by-hand",
                             {"people": [str(offline["confirmed_user"].id)]})
        assert response.status_code == 403
    assert count(db) == 0


# The session page: the check-in screen, or the participant's view --------------------------------


def test_check_in_screen_for_trainer_and_coordinator(client, login, world, offline, db):
    session = offline["session"]
    ops.check_in(session, world.participant, "manual", recorded_by=world.coordinator)
    db.session.commit()
    for person in (world.trainer, world.coordinator):
        login(client, person)
        response = client.get(f"/offline/sessions/{session.id}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="qr-code"' in html
        code = re.search(r'class="offline-code"[^>]*>([a-z2-7]{10})<', html).group(1)
        assert ops.check_code(session, code)
        refresh = re.search(r'<meta http-equiv="refresh" content="(\d+)">', html)
        assert refresh and 1 <= int(refresh.group(1)) <= 60
        assert "<strong>1</strong> / 2" in html  # checked in / expected
        assert "Amina Participant" in html and "Chen Confirmed" in html
        assert ("Check people in by hand" in html) == person.is_coordinator
        assert "style=" not in html.split('class="qr-code"')[1].split("</svg>")[0]  # CSP: no inline style


def test_no_code_before_check_in_opens(client, login, world, offline, db):
    later = factories.make_offline_session(world.program, audience="track", audience_id=world.track.id,
                                           starts_at=utcnow() + timedelta(days=2))
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/offline/sessions/{later.id}").get_data(as_text=True)
    assert "<svg" not in html and "Check-in opens 30 minutes before the start" in html
    assert 'http-equiv="refresh"' not in html  # opens in more than an hour: no reloading


def test_session_page_for_participants(client, login, world, offline, db):
    session = offline["session"]
    login(client, world.participant)
    html = client.get(f"/offline/sessions/{session.id}").get_data(as_text=True)
    assert "EDCN studio, Seoul" in html and "Not checked in" in html
    assert "<svg" not in html and 'class="offline-code"' not in html  # the code is only on the screen
    ops.check_in(session, world.participant, "qr", code=ops.code_for(session))
    db.session.commit()
    html = client.get(f"/offline/sessions/{session.id}").get_data(as_text=True)
    assert "Checked in" in html
    # Not expected: the other track's trainer, a participant not admitted.
    for person in (world.other_trainer, world.other_participant):
        login(client, person)
        assert client.get(f"/offline/sessions/{session.id}").status_code == 403


# The same attendance records ---------------------------------------------------------------------


def test_check_in_counts_as_attended_and_a_correction_overrides(world, offline, db, count_queries):
    session = offline["session"]
    ids = [world.participant.id, offline["confirmed_user"].id]
    ops.check_in(session, world.participant, "qr", code=ops.code_for(session))
    db.session.commit()
    db.session.refresh(session)
    with count_queries() as queries:
        people = attendance_for_sessions([session], ids)[session.id]
    assert len(queries) == 3  # connections, corrections, check-ins
    mine, theirs = people[world.participant.id], people[offline["confirmed_user"].id]
    assert mine.attended and mine.check_in is not None and mine.checked_in_at is not None
    assert mine.seconds == ops_seconds(session) and mine.percent == 100
    assert not theirs.attended and theirs.minutes == 0

    record_correction(session, world.participant.id, attended=False, minutes=None,
                      reason="Checked in for a friend", corrected_by=world.coordinator)
    record_correction(session, offline["confirmed_user"].id, attended=True, minutes=None,
                      reason="Phone lost", corrected_by=world.coordinator)
    db.session.commit()
    assert not attendance_of(session, world.participant.id).attended
    assert attendance_of(session, offline["confirmed_user"].id).attended


def ops_seconds(session):
    return (session.ends_at - session.starts_at).total_seconds()


def test_online_sessions_still_cost_two_queries(world, db, count_queries):
    unit = factories.make_unit(world.module)
    online = factories.make_live_session(unit)
    db.session.commit()
    db.session.refresh(online)
    user_id = world.participant.id
    with count_queries() as queries:
        attendance_for_sessions([online], [user_id])
    assert len(queries) == 2


def test_attendance_report_and_correction_work_for_offline_sessions(client, login, world, offline, db):
    session = offline["session"]
    ops.check_in(session, world.participant, "qr", code=ops.code_for(session))
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/live/sessions/{session.id}/attendance").get_data(as_text=True)
    assert "2 of 2 participants" not in html and "1 of 2 participants" in html
    csv = client.get(f"/live/sessions/{session.id}/attendance.csv").get_data(as_text=True)
    assert "Amina Participant" in csv and "Chen Confirmed" in csv and "Bruno Other" not in csv
    response = post_form(client, f"/live/sessions/{session.id}/attendance/{world.participant.id}/correct",
                         {"attended": "no", "reason": "Scanned from a photo"})
    assert response.status_code == 302
    assert not attendance_of(session, world.participant.id).attended
    # Only expected people are corrected at an offline session.
    response = post_form(client, f"/live/sessions/{session.id}/attendance/{world.other_participant.id}/correct",
                         {"attended": "yes", "reason": "x"})
    assert response.status_code == 403


def test_offline_attendance_shares(world, offline, db, count_queries):
    now = utcnow()
    track_session = factories.make_offline_session(world.program, audience="track", audience_id=world.track.id,
                                                   starts_at=now - timedelta(days=2))
    day = factories.make_offline_session(world.program, kind="forum", starts_at=now - timedelta(days=1))
    other_track = factories.make_offline_session(world.program, audience="track",
                                                 audience_id=world.other_track.id, starts_at=now - timedelta(days=1))
    group = factories.make_offline_session(world.program, audience="group", audience_id=world.group.id,
                                           starts_at=now - timedelta(days=1))
    archived = factories.make_offline_session(world.program, starts_at=now - timedelta(days=1))
    archived.archived_at = now
    db.session.add(CheckIn(session_id=track_session.id, user_id=world.participant.id, method="manual",
                           recorded_by_id=world.coordinator.id, checked_in_at=track_session.starts_at))
    db.session.add(CheckIn(session_id=day.id, user_id=world.participant.id, method="qr",
                           checked_in_at=day.starts_at))
    db.session.commit()
    # The open session (offline["session"]) has not ended: it does not count yet.
    assert ops.offline_attendance_share(world.enrolment) == (2, 3)  # track, day, group
    assert ops.offline_attendance_share(offline["confirmed"]) == (0, 2)  # track, day (no group)
    assert ops.offline_attendance_share(world.other_enrolment) == (0, 2)  # day, other track
    record_correction(day, world.participant.id, attended=False, minutes=None, reason="Left at once",
                      corrected_by=world.coordinator)
    db.session.commit()
    assert ops.offline_attendance_share(world.enrolment) == (1, 3)
    assert other_track and group

    def shares_queries(enrolments):
        for enrolment in enrolments:
            db.session.refresh(enrolment)
        with count_queries() as queries:
            ops.offline_attendance_shares(enrolments)
        return len(queries)

    few = shares_queries([world.enrolment])
    more = [offline["confirmed"], world.other_enrolment, world.enrolment]
    for _ in range(6):
        user = factories.make_user()
        more.append(factories.enrol(user, world.program, module=world.other_module, status=EnrolmentStatus.ADMITTED))
    db.session.commit()
    assert shares_queries(more) == few == 4


# The schedule ------------------------------------------------------------------------------------


def test_schedule_for_admitted_participant_shows_their_sessions_in_korea_time(client, login, world, offline, db):
    factories.make_offline_session(world.program, title="CPI Day: forum", kind="forum",
                                   starts_at=datetime(2024, 9, 5, 0, 30, tzinfo=timezone.utc))  # 09:30 in Korea
    factories.make_offline_session(world.program, title="Festival visit", audience="track",
                                   audience_id=world.other_track.id)
    factories.make_offline_session(world.program, title="Kenya rehearsal", audience="group",
                                   audience_id=world.group.id)
    db.session.commit()
    login(client, world.participant)
    response = client.get(f"/programs/{world.program.id}/offline/schedule")
    assert response.status_code == 200
    html = text(response)
    assert "CPI Day: forum" in html and "Workshop: storyboards" in html and "Kenya rehearsal" in html
    assert "Festival visit" not in html  # the other track's
    assert "Thursday, September 5, 2024" in html  # grouped by day (in Korea)
    assert "9:30 AM" in html  # Korea time…
    assert "3:30 AM" in html and "Africa/Nairobi" in html  # …with the participant's own time beside it
    assert "Forum" in html and "offline-kind-forum" in html


def test_schedule_refused_to_participants_not_admitted(client, login, world, offline):
    login(client, world.other_participant)  # active, not admitted
    assert client.get(f"/programs/{world.program.id}/offline/schedule").status_code == 403


def test_schedule_for_trainers_and_coordinators_by_track(client, login, world, offline, db):
    factories.make_offline_session(world.program, title="Festival visit", audience="track",
                                   audience_id=world.other_track.id)
    db.session.commit()
    for person in (world.trainer, world.coordinator):
        login(client, person)
        html = client.get(f"/programs/{world.program.id}/offline/schedule").get_data(as_text=True)
        assert "Festival visit" in html and "Workshop: storyboards" in html
        html = client.get(f"/programs/{world.program.id}/offline/schedule?track={world.track.id}").get_data(
            as_text=True)
        assert "Festival visit" not in html and "Workshop: storyboards" in html


def test_schedule_queries_do_not_grow_with_sessions(client, login, world, offline, db, count_queries):
    def queries_for(person):
        login(client, person)
        with count_queries() as queries:
            assert client.get(f"/programs/{world.program.id}/offline/schedule").status_code == 200
        return len(queries)

    few = {person: queries_for(person) for person in (world.participant, world.trainer, world.coordinator)}
    for n in range(8):
        factories.make_offline_session(world.program, audience=("program", "track", "group")[n % 3],
                                       audience_id=(world.program.id, world.track.id, world.group.id)[n % 3],
                                       starts_at=utcnow() + timedelta(days=n))
    db.session.commit()
    assert {person: queries_for(person) for person in few} == few


def test_check_in_screen_queries_do_not_grow_with_people(client, login, world, offline, db, count_queries):
    session = offline["session"]

    def queries():
        login(client, world.coordinator)
        with count_queries() as statements:
            assert client.get(f"/offline/sessions/{session.id}").status_code == 200
        return len(statements)

    few = queries()
    for _ in range(6):
        user = factories.make_user()
        factories.enrol(user, world.program, module=world.module, status=EnrolmentStatus.CONFIRMED)
        ops.check_in(session, user, "manual", recorded_by=world.coordinator)
    db.session.commit()
    assert queries() == few


# Authoring ---------------------------------------------------------------------------------------


def _session_form(world, **overrides):
    data = {"title": "Site visit: National Museum", "kind": "site_visit", "audience": f"track:{world.track.id}",
            "location": "Yongsan, Seoul", "day": "2024-08-21", "starts": "09:30", "ends": "12:00",
            "description": "Bring your **passport**."}
    data.update(overrides)
    return data


def test_coordinator_creates_a_session_in_korea_time(client, login, world, db):
    login(client, world.coordinator)
    assert client.get(f"/programs/{world.program.id}/offline/sessions/new").status_code == 200
    response = post_form(client, f"/programs/{world.program.id}/offline/sessions/new", _session_form(world))
    assert response.status_code == 302
    session = db.session.scalar(select(LiveSession).where(LiveSession.phase == "offline"))
    assert session.starts_at == datetime(2024, 8, 21, 0, 30, tzinfo=timezone.utc)
    assert session.ends_at == datetime(2024, 8, 21, 3, 0, tzinfo=timezone.utc)
    assert (session.offline_kind, session.audience, session.audience_id, session.item_id) == (
        "site_visit", "track", world.track.id, None)
    html = text(client.get(f"/programs/{world.program.id}/offline/sessions"))
    assert "Site visit: National Museum" in html and "9:30 AM" in html


def test_bad_times_keep_what_was_typed(client, login, world, db):
    login(client, world.coordinator)
    response = post_form(client, f"/programs/{world.program.id}/offline/sessions/new",
                         _session_form(world, starts="14:00", ends="13:00"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The session must end after it starts (on the same day)." in form_errors(html)
    assert 'value="Site visit: National Museum"' in html
    response = post_form(client, f"/programs/{world.program.id}/offline/sessions/new",
                         _session_form(world, audience="track:999999"))
    assert response.status_code == 200 and form_errors(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0


def test_outside_the_track_window_warns(client, login, world, db):
    login(client, world.coordinator)
    response = post_form(client, f"/programs/{world.program.id}/offline/sessions/new",
                         _session_form(world, day="2024-10-01"), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Outside the offline phase of the Intensive track" in html
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 1  # saved all the same


def test_edit_conflict_and_archive(client, login, world, db):
    session = factories.make_offline_session(world.program, title="Old title",
                                             starts_at=datetime(2024, 8, 22, 1, 0, tzinfo=timezone.utc))
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/offline/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="2024-08-22"' in html and 'value="10:00"' in html  # shown in Korea time
    version = session.version
    ok = post_form(client, f"/offline/sessions/{session.id}/edit",
                   _session_form(world, title="New title", version=str(version)))
    assert ok.status_code == 302
    stale = post_form(client, f"/offline/sessions/{session.id}/edit",
                      _session_form(world, title="Stale title", version=str(version)))
    assert stale.status_code == 200
    html = stale.get_data(as_text=True)
    assert "Someone else changed this record" in html and 'value="Stale title"' in html
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).title == "New title"

    assert post_form(client, f"/offline/sessions/{session.id}/archive").status_code == 302
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).archived_at is not None
    listing = client.get(f"/programs/{world.program.id}/offline/sessions").get_data(as_text=True)
    assert ">New title</a>" not in listing and "Show archived (1)" in listing
    assert post_form(client, f"/offline/sessions/{session.id}/restore").status_code == 302
    db.session.expire_all()
    assert db.session.get(LiveSession, session.id).archived_at is None


def test_authoring_is_for_coordinators(client, login, world, db):
    session = factories.make_offline_session(world.program)
    db.session.commit()
    login(client, world.trainer)
    assert client.get(f"/programs/{world.program.id}/offline/sessions").status_code == 403
    assert post_form(client, f"/programs/{world.program.id}/offline/sessions/new",
                     _session_form(world)).status_code == 403
    assert post_form(client, f"/offline/sessions/{session.id}/archive").status_code == 403


def test_to_utc_uses_korea_time():
    assert ops.to_utc(date(2024, 9, 5), time(18, 0)) == datetime(2024, 9, 5, 9, 0, tzinfo=timezone.utc)


# Kept out of the online side ---------------------------------------------------------------------


def test_offline_sessions_are_not_in_the_online_schedule_nor_the_room(client, login, world, offline, db):
    from lms.live.schedule import build_schedule, joinable_sessions_query

    session = offline["session"]
    unit = factories.make_unit(world.module)
    online = factories.make_live_session(unit, title="Online clinic")
    db.session.commit()
    for person in (world.participant, world.coordinator):
        ids = set(db.session.scalars(joinable_sessions_query(person).with_only_columns(LiveSession.id)))
        assert online.id in ids and session.id not in ids
        schedule = build_schedule(person, "UTC")
        assert [entry.session.id for entry in schedule.upcoming + schedule.past] == [online.id]
    login(client, world.participant)
    html = client.get("/schedule/").get_data(as_text=True)
    assert "Online clinic" in html and "Workshop: storyboards" not in html
    response = client.get(f"/live/{session.id}/room")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/offline/sessions/{session.id}")
    assert client.get(f"/live/{online.id}/room").status_code == 200


def test_csrf_needed_to_check_in(client, login, world, offline, db):
    login(client, world.participant)
    csrf_token(client)
    response = client.post(check_in_url(offline["session"]), data={"code": ops.code_for(offline["session"])})
    assert response.status_code == 400
    assert count(db) == 0


# Who may open what (mirrors the RECORD_RULES proposed for tests/test_access_map.py) ---------------


def test_access_by_role(app, client, login, world, db):
    """world.participant is active (not admitted); the session is for world.track (world.trainer's)."""
    session = factories.make_offline_session(world.program, audience="track", audience_id=world.track.id,
                                             starts_at=utcnow() - timedelta(minutes=10))
    db.session.commit()
    code = "notarealcode"
    pages = {
        f"/programs/{world.program.id}/offline/schedule": {"participant": 403},
        f"/offline/sessions/{session.id}": {"participant": 403, "other_trainer": 403},
        f"/offline/check-in/{session.id}/{code}": {"participant": 403, "trainer": 403, "other_trainer": 403,
                                                   "coordinator": 403},
        f"/programs/{world.program.id}/offline/sessions": {"participant": 403, "trainer": 403,
                                                           "other_trainer": 403},
        f"/offline/sessions/{session.id}/edit": {"participant": 403, "trainer": 403, "other_trainer": 403},
        f"/offline/sessions/{session.id}/check-in-by-hand": {"participant": 403, "trainer": 403,
                                                             "other_trainer": 403},
    }
    for url, forbidden in pages.items():
        anonymous = app.test_client().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
        for role in ("participant", "trainer", "other_trainer", "coordinator"):
            login(client, getattr(world, role))
            status = client.get(url).status_code
            if role in forbidden:
                assert status == 403, (url, role, status)
            else:
                assert status in (200, 302), (url, role, status)
