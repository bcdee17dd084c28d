"""The live-session schedule: who sees which sessions, times, countdown, constant queries, syncing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.core.database import utcnow
from lms.extensions import db
from lms.learning.models import Item, ItemKind
from lms.live.models import Audience, LiveSession
from lms.live.schedule import build_schedule, countdown_text, describe_duration, sessions_for
from tests import factories as f

URL = "/schedule/"


def standalone(world, audience, audience_id, title, starts_at=None, minutes=60, **extra):
    starts_at = starts_at or utcnow() + timedelta(days=2)
    session = LiveSession(program_id=world.program.id, title=title, starts_at=starts_at,
                          ends_at=starts_at + timedelta(minutes=minutes), audience=audience,
                          audience_id=audience_id, **extra)
    db.session.add(session)
    db.session.flush()
    return session


@pytest.fixture
def sessions(world):
    """One session for each audience of the world's program."""
    made = {
        "module": f.make_live_session(f.make_unit(world.module), title="Module A seminar"),
        "other_module": f.make_live_session(f.make_unit(world.other_module), title="Module B seminar"),
        "program": f.make_live_session(f.make_unit(program=world.program), title="Program welcome"),
        "group": standalone(world, Audience.GROUP.value, world.group.id, "Kenya delegation rehearsal"),
        "track": standalone(world, Audience.TRACK.value, world.track.id, "Intensive track briefing"),
        "other_track": standalone(world, Audience.TRACK.value, world.other_track.id, "General track briefing"),
    }
    db.session.commit()
    return made


def titles(html: str, all_titles) -> set[str]:
    return {title for title in all_titles if title in html}


ALL_TITLES = ("Module A seminar", "Module B seminar", "Program welcome", "Kenya delegation rehearsal",
              "Intensive track briefing", "General track briefing")


@pytest.mark.parametrize(("role", "expected"), [
    # world.participant: module A, Intensive track, Kenya delegation.
    ("participant", {"Module A seminar", "Program welcome", "Kenya delegation rehearsal",
                     "Intensive track briefing"}),
    # world.other_participant: module B, General track, no group.
    ("other_participant", {"Module B seminar", "Program welcome", "General track briefing"}),
    # Trainers: their module's sessions, their track's, and program-wide ones (program and group audiences).
    ("trainer", {"Module A seminar", "Program welcome", "Kenya delegation rehearsal", "Intensive track briefing"}),
    ("other_trainer", {"Module B seminar", "Program welcome", "Kenya delegation rehearsal",
                       "General track briefing"}),
    ("coordinator", set(ALL_TITLES)),
])
def test_upcoming_lists_the_sessions_of_the_persons_audience(client, login, world, sessions, role, expected):
    login(client, getattr(world, role))
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True), ALL_TITLES) == expected


@pytest.mark.parametrize("role", ["participant", "other_participant", "trainer", "other_trainer", "coordinator"])
def test_bulk_query_agrees_with_can_join(world, sessions, role):
    from lms.live.access import can_join

    user = getattr(world, role)
    listed = {session.id for session in sessions_for(user, ended_since=utcnow() - timedelta(days=1))}
    allowed = {session.id for session in sessions.values() if can_join(user, session)}
    assert listed == allowed


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_withdrawn_and_invited_participants_see_nothing(client, login, world, sessions, db):
    world.enrolment.status = "withdrawn"
    db.session.commit()
    login(client, world.participant)
    html = client.get(URL).get_data(as_text=True)
    assert titles(html, ALL_TITLES) == set()
    assert "No live sessions are scheduled for you." in html


def test_hidden_and_archived_sessions_are_not_listed(client, login, world, db):
    unit = f.make_unit(world.module)
    hidden = f.make_live_session(unit, title="Hidden draft session")
    hidden.item.hidden = True
    archived = f.make_live_session(unit, title="Archived session")
    archived.item.archived_at = utcnow()
    f.make_live_session(unit, title="Published session")
    db.session.commit()
    for user in (world.participant, world.trainer, world.coordinator):
        login(client, user)
        html = client.get(URL).get_data(as_text=True)
        assert "Published session" in html
        assert "Hidden draft session" not in html
        assert "Archived session" not in html


def test_times_in_viewer_zone_and_korea_time(client, login, world, db):
    # 10:00 in Korea is 01:00 UTC and 04:00 in Nairobi (the participant's zone).
    starts_at = datetime(2031, 7, 22, 1, 0, tzinfo=timezone.utc)
    f.make_live_session(f.make_unit(world.module), title="Morning clinic", starts_at=starts_at, minutes=90,
                        url="https://meet.example.test/clinic")
    db.session.commit()
    login(client, world.participant)
    html = client.get(URL).get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert "Jul 22, 2031, 4:00 AM (Africa/Nairobi, EAT)" in html
    assert "Jul 22, 2031, 10:00 AM (Asia/Seoul, KST)" in html
    assert "Jul 22, 2031, 5:30 AM (Africa/Nairobi, EAT)" in html  # the end
    assert "1 hour 30 minutes" in html
    assert "https://meet.example.test/clinic" in html
    assert 'href="/schedule/sessions/' in html
    assert "Scheduled" in html


def test_live_upcoming_then_past_in_order(world, db):
    now = utcnow()
    unit = f.make_unit(world.module)
    later = f.make_live_session(unit, title="Later", starts_at=now + timedelta(days=3))
    soon = f.make_live_session(unit, title="Soon", starts_at=now + timedelta(days=1))
    live = f.make_live_session(unit, title="Running", starts_at=now - timedelta(minutes=10))
    live.state = "live"
    recent = f.make_live_session(unit, title="Yesterday", starts_at=now - timedelta(days=1))
    older = f.make_live_session(unit, title="Last week", starts_at=now - timedelta(days=7))
    f.make_live_session(unit, title="Too old", starts_at=now - timedelta(days=40))
    db.session.commit()
    schedule = build_schedule(world.participant, "Africa/Nairobi", now)
    assert [entry.session.id for entry in schedule.upcoming] == [live.id, soon.id, later.id]
    assert [entry.state for entry in schedule.upcoming] == ["live", "scheduled", "scheduled"]
    assert [entry.session.id for entry in schedule.past] == [recent.id, older.id]
    assert {entry.state for entry in schedule.past} == {"ended"}


def test_past_sessions_are_shown_on_the_page(client, login, world, db):
    f.make_live_session(f.make_unit(world.module), title="Yesterday's seminar",
                        starts_at=utcnow() - timedelta(days=1))
    db.session.commit()
    login(client, world.participant)
    html = client.get(URL).get_data(as_text=True)
    past = html.split('id="live-past"', 1)[1]
    assert "Yesterday&#39;s seminar" in past
    assert "Ended" in past


def test_countdown_on_the_day_only(world, db):
    session = f.make_live_session(f.make_unit(world.module), starts_at=datetime(2031, 3, 3, 12, 0,
                                                                                  tzinfo=timezone.utc))
    same_day = datetime(2031, 3, 3, 9, 50, tzinfo=timezone.utc)
    assert countdown_text(session, same_day, "UTC") == "Starts in 2 hours 10 minutes"
    assert countdown_text(session, same_day + timedelta(minutes=30, seconds=20), "UTC") == \
        "Starts in 1 hour 40 minutes"
    assert countdown_text(session, datetime(2031, 3, 3, 11, 59, 30, tzinfo=timezone.utc), "UTC") == \
        "Starts in less than a minute"
    # The day before (in the viewer's zone) there is no countdown yet.
    assert countdown_text(session, datetime(2031, 3, 2, 23, 0, tzinfo=timezone.utc), "UTC") is None
    # ...but in Seoul 23:00 UTC on the 2nd is already the 3rd.
    assert countdown_text(session, datetime(2031, 3, 2, 23, 0, tzinfo=timezone.utc), "Asia/Seoul") == \
        "Starts in 13 hours"
    assert countdown_text(session, datetime(2031, 3, 3, 12, 1, tzinfo=timezone.utc), "UTC") is None


def test_countdown_is_rendered_with_its_script(client, login, world, db):
    starts_at = utcnow() + timedelta(minutes=20)
    f.make_live_session(f.make_unit(world.module), title="Very soon", starts_at=starts_at)
    db.session.commit()
    world.participant.timezone = "UTC"
    login(client, world.participant)
    html = client.get(URL).get_data(as_text=True)
    if starts_at.date() == utcnow().date():  # not across midnight
        assert "Starts in 20 minutes" in html or "Starts in 19 minutes" in html
        assert f'data-starts-at="{starts_at.isoformat()}"' in html
    assert 'src="/static/js/countdown.js"' in html
    assert "<script>" not in html


def test_duration_text():
    assert describe_duration(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert describe_duration(timedelta(hours=2)) == "2 hours"
    assert describe_duration(timedelta(minutes=45)) == "45 minutes"


def test_room_link_when_the_room_exists(client, login, world, sessions, app):
    login(client, world.participant)
    html = client.get(URL).get_data(as_text=True)
    if "live.room" in app.view_functions:
        assert f'href="/live/{sessions["module"].id}/room"' in html
    else:
        assert "Open the live room" not in html


def test_korean_page(client, login, world, sessions, db):
    world.participant.locale = "ko"
    login(client, world.participant)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Module A seminar" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["participant", "trainer", "coordinator"])
def test_upcoming_uses_a_constant_number_of_queries(client, login, world, db, count_queries, role):
    user = getattr(world, role)

    def make(count):
        for index in range(count):
            unit = f.make_unit(world.module)
            f.make_live_session(unit, title=f"Module session {index}")
            f.make_live_session(f.make_unit(program=world.program), title=f"Program session {index}")
            standalone(world, Audience.GROUP.value, world.group.id, f"Group session {index}")
            standalone(world, Audience.TRACK.value, world.track.id, f"Track session {index}")
        db.session.commit()

    login(client, user)
    make(1)
    db.session.expire_all()
    with count_queries() as few:
        html = client.get(URL).get_data(as_text=True)
    assert "Module session 0" in html
    make(4)
    db.session.expire_all()
    with count_queries() as many:
        html = client.get(URL).get_data(as_text=True)
    assert "Track session 3" in html and html.count("live-session live-") == 20
    assert len(many) == len(few)


def test_home_page_box(client, login, world, sessions):
    login(client, world.participant)
    html = client.get("/").get_data(as_text=True)
    assert "Upcoming live sessions" in html
    assert "Module A seminar" in html
    assert "Module B seminar" not in html
    login(client, world.trainer)
    html = client.get("/").get_data(as_text=True)
    assert "Upcoming live sessions" in html
    assert "Module A seminar" in html


def test_navigation_link(client, login, world):
    login(client, world.participant)
    assert 'href="/schedule/"' in client.get("/").get_data(as_text=True)


def test_item_page_links_to_calendar_and_room(client, login, world, sessions, app):
    session = sessions["module"]
    login(client, world.participant)
    html = client.get(_item_url(app, session.item_id)).get_data(as_text=True)
    assert f"/schedule/sessions/{session.id}.ics" in html
    if "live.room" in app.view_functions:
        assert f"/live/{session.id}/room" in html


def _item_url(app, item_id):
    from flask import url_for

    with app.test_request_context():
        return url_for("learning.item", item_id=item_id)


# Keeping LiveSessions in step with their items ----------------------------------------------------


def _live_item(unit, title, starts_at=None):
    settings = {}
    if starts_at:
        settings = {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(hours=1)).isoformat()}
    return f.make_item(unit, "live_session", title=title, settings=settings)


def test_sync_command_creates_missing_sessions(app, world, db):
    unit = f.make_unit(world.module)
    starts_at = datetime(2031, 5, 5, 1, 0, tzinfo=timezone.utc)
    first = _live_item(unit, "Needs a session", starts_at)
    second = _live_item(unit, "Also needs one", starts_at + timedelta(days=1))
    _live_item(unit, "No time yet")
    existing = f.make_live_session(unit, title="Already there")
    existing.item.title = "Renamed meanwhile"
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["lms", "sync-live-sessions"])
    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated, 1 item(s) without a start time skipped" in result.output
    db.session.expire_all()
    made = {session.item_id: session for session in db.session.scalars(select(LiveSession))}
    assert made[first.id].starts_at == starts_at
    assert made[first.id].audience == "module" and made[first.id].audience_id == world.module.id
    assert made[second.id].title == "Also needs one"
    assert made[existing.item_id].title == "Renamed meanwhile"
    assert len(made) == 3

    again = app.test_cli_runner().invoke(args=["lms", "sync-live-sessions"])
    assert "0 created, 3 updated" in again.output
    assert db.session.scalar(select(func.count(LiveSession.id))) == 3


def test_authoring_keeps_the_session_in_step(world, db):
    from lms.learning import authoring

    unit = f.make_unit(world.module)
    starts_at = datetime(2031, 6, 2, 1, 0, tzinfo=timezone.utc)
    data = {"title": "Clinic", "required": True, "completion_rule": "attend", "body": "Bring questions.",
            "url": "https://meet.example.test/x", "settings": {
                "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(hours=2)).isoformat()}}
    item = authoring.create_item(unit, ItemKind.LIVE_SESSION, data, actor=world.trainer)
    session = db.session.scalar(select(LiveSession).where(LiveSession.item_id == item.id))
    assert session is not None and session.starts_at == starts_at and session.title == "Clinic"

    later = starts_at + timedelta(days=1)
    authoring.update_item(item, {**data, "title": "Clinic (moved)", "settings": {
        "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()}}, item.version)
    db.session.refresh(session)
    assert session.title == "Clinic (moved)" and session.starts_at == later

    copy = authoring.duplicate_item(item)
    assert db.session.scalar(select(LiveSession).where(LiveSession.item_id == copy.id)) is not None

    # A live-session item without a time yet has no session (and saving it does not fail).
    timeless = authoring.create_item(unit, ItemKind.LIVE_SESSION, {**data, "settings": {}})
    assert db.session.scalar(select(LiveSession).where(LiveSession.item_id == timeless.id)) is None
    assert db.session.scalar(select(func.count(Item.id)).where(Item.kind == "live_session")) == 3


def test_demo_gives_every_live_session_item_its_session(app, db):
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    items = set(db.session.scalars(select(Item.id).where(Item.kind == ItemKind.LIVE_SESSION.value)))
    with_session = set(db.session.scalars(select(LiveSession.item_id).where(LiveSession.item_id.is_not(None))))
    assert items and items == with_session
