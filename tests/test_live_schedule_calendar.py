"""iCalendar downloads and personal subscription feeds of live sessions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.core.database import utcnow
from lms.live.calendar import build_calendar, escape_text, fold
from lms.live.models import CalendarFeed
from tests import factories as f
from tests.helpers import post_form

KST_TEN = datetime(2031, 7, 22, 1, 0, tzinfo=timezone.utc)  # 10:00 in Korea


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def ics_url(session) -> str:
    return f"/schedule/sessions/{session.id}.ics"


@pytest.fixture
def module_session(world, db):
    session = f.make_live_session(
        f.make_unit(world.module), title="Clinic; questions, answers", starts_at=KST_TEN, minutes=90,
        url="https://meet.example.test/clinic?id=42",
        body="Bring your draft.\nWe go through it together, one by one; " + "long text " * 20)
    db.session.commit()
    return session


def test_session_ics_content(client, login, world, module_session, app):
    login(client, world.participant)
    response = client.get(ics_url(module_session))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="live-session-{module_session.id}.ics"' in response.headers["Content-Disposition"]
    raw = response.get_data(as_text=True)
    # CRLF everywhere, no bare LF; no line over 75 octets.
    assert raw.endswith("\r\n")
    assert "\n" not in raw.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    text = unfold(raw)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines and lines[-2] == "END:VCALENDAR"
    assert text.count("BEGIN:VEVENT") == 1
    assert f"UID:live-{module_session.id}@localhost" in lines
    # 10:00 Korea time is 01:00 UTC.
    assert "DTSTART:20310722T010000Z" in lines
    assert "DTEND:20310722T023000Z" in lines
    assert any(re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line) for line in lines)
    assert "SUMMARY:Clinic\\; questions\\, answers" in lines
    assert "LOCATION:https://meet.example.test/clinic?id=42" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    room = "http://localhost/live/%d/room" % module_session.id if "live.room" in app.view_functions \
        else "http://localhost/schedule/"
    assert f"Live room: {room}" in description
    assert "\\nVideo link: https://meet.example.test/clinic?id=42" in description
    assert "Bring your draft.\\nWe go through it together\\, one by one\\; long text" in description
    assert f"URL:{room}" in lines
    # The description is long: it was folded.
    assert len(description.encode()) > 75


def test_location_online_without_video(client, login, world, db):
    session = f.make_live_session(f.make_unit(world.module), title="Plain", starts_at=KST_TEN)
    db.session.commit()
    login(client, world.participant)
    text = unfold(client.get(ics_url(session)).get_data(as_text=True))
    assert "LOCATION:Online" in text.split("\r\n")


@pytest.mark.parametrize(("role", "status"), [
    ("participant", 200), ("trainer", 200), ("coordinator", 200),
    ("other_participant", 403), ("other_trainer", 403),
])
def test_session_ics_access(client, login, world, module_session, role, status):
    login(client, getattr(world, role))
    assert client.get(ics_url(module_session)).status_code == status


def test_session_ics_anonymous_and_missing(client, login, world, module_session):
    response = client.get(ics_url(module_session))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, world.coordinator)
    assert client.get("/schedule/sessions/999999.ics").status_code == 404


def test_escaping_and_folding_units():
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    line = "DESCRIPTION:" + "é" * 100  # two octets each: must not be split inside a character
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert unfold(folded) == line
    assert fold("SHORT:x") == "SHORT:x"


def test_calendar_of_several_sessions(world, db, app):
    sessions = [f.make_live_session(f.make_unit(world.module), starts_at=KST_TEN + timedelta(days=day))
                for day in range(3)]
    with app.test_request_context():
        text = build_calendar(sessions, name="Live sessions, Amina")
    assert text.count("BEGIN:VEVENT") == 3
    assert "X-WR-CALNAME:Live sessions\\, Amina\r\n" in text


# Subscription feed ---------------------------------------------------------------------------


def feed_address(client) -> str:
    html = client.get("/schedule/calendar").get_data(as_text=True)
    match = re.search(r'value="http://localhost(/schedule/feed/[^"]+\.ics)"', html)
    return match.group(1) if match else None


def test_calendar_page_get_writes_nothing(client, login, world, db):
    login(client, world.participant)
    response = client.get("/schedule/calendar")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Create my calendar address" in html
    assert "Google Calendar" in html and "Outlook" in html and "Apple Calendar" in html
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def test_create_feed_and_subscribe_without_login(client, login, world, module_session, db, app):
    other_session = f.make_live_session(f.make_unit(world.other_module), title="Not for Amina",
                                        starts_at=KST_TEN)
    old = f.make_live_session(f.make_unit(world.module), title="Two months ago",
                              starts_at=utcnow() - timedelta(days=70))
    recent = f.make_live_session(f.make_unit(world.module), title="Last month",
                                 starts_at=utcnow() - timedelta(days=40))
    db.session.commit()
    login(client, world.participant)
    response = post_form(client, "/schedule/calendar")
    assert response.status_code == 302
    feed = db.session.get(CalendarFeed, world.participant.id)
    assert feed is not None and len(feed.token) >= 40
    address = feed_address(client)
    assert address == f"/schedule/feed/{feed.token}.ics"
    assert f'href="webcal://localhost/schedule/feed/{feed.token}.ics"' in client.get(
        "/schedule/calendar").get_data(as_text=True)

    # A second "create" keeps the same address.
    post_form(client, "/schedule/calendar")
    db.session.expire_all()
    assert db.session.get(CalendarFeed, world.participant.id).token == feed.token

    anonymous = app.test_client()
    response = anonymous.get(address)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = unfold(response.get_data(as_text=True))
    assert f"UID:live-{module_session.id}@localhost" in text
    assert f"UID:live-{recent.id}@localhost" in text
    assert f"UID:live-{old.id}@localhost" not in text  # older than 60 days
    assert f"UID:live-{other_session.id}@localhost" not in text  # another module's
    assert "X-WR-CALNAME:Live sessions · Amina Participant" in text


def test_feed_with_unknown_token_is_404(client):
    assert client.get("/schedule/feed/not-a-real-token.ics").status_code == 404


def test_feed_of_a_deactivated_person_is_404(client, world, db):
    db.session.add(CalendarFeed(user_id=world.participant.id, token="t" * 43))
    world.participant.deactivated_at = utcnow()
    db.session.commit()
    assert client.get(f"/schedule/feed/{'t' * 43}.ics").status_code == 404


def test_renewing_invalidates_the_old_address(client, login, world, db, app):
    login(client, world.participant)
    post_form(client, "/schedule/calendar")
    old_address = feed_address(client)
    anonymous = app.test_client()
    assert anonymous.get(old_address).status_code == 200

    response = post_form(client, "/schedule/calendar/renew")
    assert response.status_code == 302
    new_address = feed_address(client)
    assert new_address and new_address != old_address
    assert anonymous.get(old_address).status_code == 404
    assert anonymous.get(new_address).status_code == 200


@pytest.mark.parametrize("url", ["/schedule/calendar", "/schedule/calendar/renew"])
def test_calendar_posts_need_csrf(client, login, world, db, url):
    login(client, world.participant)
    assert client.post(url).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def test_calendar_pages_need_login(client):
    for url in ("/schedule/calendar",):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
