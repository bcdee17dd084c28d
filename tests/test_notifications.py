"""In-app notifications: the header count, the list, mark all read, opening one."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.notifications.models import Notification
from lms.notifications.operations import is_internal_link, notify, unread_count
from tests.helpers import post_form

UTC = timezone.utc
T0 = datetime(2024, 8, 1, 9, 0, tzinfo=UTC)


def _add(db, user, title, *, at=T0, link=None, read=False, body=None) -> Notification:
    notification = notify(user, "grade_released", title, body=body, link=link)
    notification.created_at = at
    if read:
        notification.read_at = at + timedelta(minutes=5)
    db.session.flush()
    return notification


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _header(html: str) -> str:
    return html.split('<main id="main"', 1)[0]


# --- Header count ---------------------------------------------------------------------------------------------


def test_header_shows_the_unread_count(db, client, login, world):
    for number in range(3):
        _add(db, world.participant, f"Grade {number}")
    _add(db, world.participant, "Old news", read=True)
    _add(db, world.trainer, "Not yours")
    login(client, world.participant)

    html = client.get("/").get_data(as_text=True)

    header = _header(html)
    assert 'href="/notifications/"' in header
    assert "Notifications (3 unread)" in _text(header)
    assert 'class="badge notification-count"' in header


def test_header_count_disappears_at_zero(db, client, login, world):
    _add(db, world.participant, "Read already", read=True)
    login(client, world.participant)

    header = _header(client.get("/").get_data(as_text=True))

    assert 'href="/notifications/"' in header
    assert "notification-count" not in header
    assert "unread" not in _text(header)


def test_header_count_follows_mark_all_read(db, client, login, world):
    _add(db, world.participant, "One")
    _add(db, world.participant, "Two")
    login(client, world.participant)
    assert "Notifications (2 unread)" in _text(_header(client.get("/").get_data(as_text=True)))

    post_form(client, "/notifications/read-all")

    assert "notification-count" not in _header(client.get("/").get_data(as_text=True))


def test_signed_out_pages_have_no_notifications_link_and_no_count_query(client, count_queries):
    with count_queries() as queries:
        html = client.get("/login").get_data(as_text=True)
    assert "/notifications/" not in html
    assert not [q for q in queries if "notifications" in q]


def test_the_header_count_is_one_query(db, client, login, world, count_queries):
    _add(db, world.participant, "One")
    login(client, world.participant)
    with count_queries() as queries:
        client.get("/")
    assert len([q for q in queries if "FROM notifications" in q]) == 1


# --- The list -------------------------------------------------------------------------------------------------


def test_index_lists_only_own_notifications_newest_first(db, client, login, world):
    _add(db, world.participant, "Oldest grade", at=T0)
    _add(db, world.participant, "Newest resubmission", at=T0 + timedelta(days=2), body="Please add the budget.")
    _add(db, world.participant, "Middle grade", at=T0 + timedelta(days=1), read=True)
    _add(db, world.other_participant, "Someone else's grade", at=T0 + timedelta(days=3))
    login(client, world.participant)

    response = client.get("/notifications/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    main = html.split('<main id="main"', 1)[1]
    titles = re.findall(r'class="link-button notification-title">([^<]+)<', main)
    assert titles == ["Newest resubmission", "Middle grade", "Oldest grade"]
    assert "Someone else" not in html
    assert "Please add the budget." in html
    # Unread ones are highlighted; times are in the viewer's zone (Nairobi), zone named.
    assert main.count('class="notification card unread"') == 2
    assert main.count('class="notification card"') == 1
    assert "Aug 1, 2024, 12:00\u202fPM (Africa/Nairobi, EAT)" in html
    assert "Mark all as read" in html


def test_index_when_empty(client, login, world):
    login(client, world.participant)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "No notifications yet" in html
    assert "Mark all as read" not in html


def test_index_is_paginated_by_30(db, client, login, world):
    for number in range(35):
        _add(db, world.participant, f"Note {number:02d}", at=T0 + timedelta(minutes=number))
    login(client, world.participant)

    first = client.get("/notifications/").get_data(as_text=True)
    second = client.get("/notifications/?page=2").get_data(as_text=True)

    assert first.count("notification-title") == 30
    assert "Note 34" in first and "Note 04" not in first
    assert second.count("notification-title") == 5
    assert "Note 04" in second and "Note 00" in second
    assert 'rel="next"' in first


def test_index_needs_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["participant", "trainer", "coordinator"])
def test_every_signed_in_role_has_a_notifications_page(client, login, world, role):
    login(client, getattr(world, role))
    assert client.get("/notifications/").status_code == 200


def test_index_issues_a_constant_number_of_queries(db, client, login, world, count_queries):
    def measure(total):
        db.session.execute(Notification.__table__.delete())
        for number in range(total):
            _add(db, world.participant, f"Note {number}", at=T0 + timedelta(minutes=number),
                 link=f"/modules/{number}", read=number % 2 == 0)
        login(client, world.participant)
        with count_queries() as queries:
            response = client.get("/notifications/")
        assert response.status_code == 200
        return len(queries)

    assert measure(2) == measure(25)


# --- Mark all read ----------------------------------------------------------------------------------------------


def test_mark_all_read_marks_only_own_unread(db, client, login, world):
    mine = [_add(db, world.participant, f"Mine {n}") for n in range(3)]
    earlier = _add(db, world.participant, "Read earlier", read=True)
    theirs = _add(db, world.other_participant, "Theirs")
    earlier_read_at = earlier.read_at
    login(client, world.participant)

    response = post_form(client, "/notifications/read-all", follow_redirects=True)

    assert response.status_code == 200
    assert "3 notifications marked as read." in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_at is not None for n in mine)
    assert db.session.get(Notification, earlier.id).read_at == earlier_read_at
    assert db.session.get(Notification, theirs.id).read_at is None
    assert unread_count(world.participant) == 0
    assert unread_count(world.other_participant) == 1


def test_mark_all_read_needs_csrf(db, client, login, world):
    _add(db, world.participant, "Mine")
    login(client, world.participant)
    response = client.post("/notifications/read-all")
    assert response.status_code == 400
    assert unread_count(world.participant) == 1


def test_get_never_marks_anything_read(db, client, login, world):
    notification = _add(db, world.participant, "Mine", link="/")
    login(client, world.participant)
    client.get("/notifications/")
    assert client.get(f"/notifications/{notification.id}/open").status_code == 405
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


# --- Opening one -----------------------------------------------------------------------------------------------


def test_open_marks_read_and_follows_the_internal_link(db, client, login, world):
    notification = _add(db, world.participant, "Your grade", link="/modules/7/assignments?tab=feedback")
    other = _add(db, world.participant, "Another")
    login(client, world.participant)

    response = post_form(client, f"/notifications/{notification.id}/open")

    assert response.status_code == 302
    assert response.headers["Location"] == "/modules/7/assignments?tab=feedback"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    assert db.session.get(Notification, other.id).read_at is None


def test_opening_a_read_notification_keeps_its_read_time(db, client, login, world):
    notification = _add(db, world.participant, "Seen", link="/", read=True)
    read_at = notification.read_at
    login(client, world.participant)
    assert post_form(client, f"/notifications/{notification.id}/open").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at == read_at


@pytest.mark.parametrize("link", [
    "https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)",
    "evil.example/path", "/ok\r\nLocation: https://evil.example",
])
def test_open_never_follows_an_external_link(db, client, login, world, link):
    notification = _add(db, world.participant, "Suspicious", link=link)
    login(client, world.participant)

    response = post_form(client, f"/notifications/{notification.id}/open")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None


def test_open_without_a_link_goes_back_to_the_list(db, client, login, world):
    notification = _add(db, world.participant, "Just so you know")
    login(client, world.participant)
    response = post_form(client, f"/notifications/{notification.id}/open")
    assert response.headers["Location"] == "/notifications/"


@pytest.mark.parametrize("role", ["other_participant", "trainer", "coordinator"])
def test_another_persons_notification_is_not_found(db, client, login, world, role):
    notification = _add(db, world.participant, "Private grade", link="/")
    login(client, getattr(world, role))

    response = post_form(client, f"/notifications/{notification.id}/open")

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


def test_open_a_missing_notification_is_not_found(client, login, world):
    login(client, world.participant)
    assert post_form(client, "/notifications/999999/open").status_code == 404


def test_open_needs_sign_in(db, world, client):
    notification = _add(db, world.participant, "Private", link="/")
    db.session.commit()
    response = post_form(client, f"/notifications/{notification.id}/open")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("link", "safe"), [
    ("/", True), ("/modules/1/grading?filter=late", True), (None, False), ("", False), ("//x.test", False),
    ("http://x.test/", False), ("/\\x.test", False), ("/a\\b", False), ("/a\tb", False),
])
def test_is_internal_link(link, safe):
    assert is_internal_link(link) is safe


def test_notify_creates_an_unread_notification(db, world):
    notification = notify(world.participant, "resubmission_requested", "Please resubmit", link="/x")
    db.session.commit()
    stored = db.session.scalar(select(Notification).where(Notification.id == notification.id))
    assert stored.user_id == world.participant.id and stored.read_at is None
    assert unread_count(world.participant) == 1
