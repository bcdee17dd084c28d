"""Authors choose who a live session invites: the module, one group, a track or the whole program."""

from __future__ import annotations

import re
from html import unescape
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.database import utcnow
from lms.extensions import db
from lms.learning.models import Item
from lms.live.models import LiveSession
from lms.live.operations import session_for_item
from tests import factories as f
from tests.helpers import form_errors, post_form


def live_fields(title="Kenya delegation rehearsal", **extra):
    starts_at = utcnow() + timedelta(days=3)
    data = {"title": title, "required": "y", "completion_rule": "attend", "opens_at": "", "due_at": "",
            "body": "", "starts_at": starts_at.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "meeting_url": ""}
    data.update(extra)
    return data


def options(html: str) -> list[tuple[str, str]]:
    """(value, label) of the "Who is invited" select's options."""
    select_html = re.search(r'<select[^>]*name="audience"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, re.sub(r"\s+", " ", label).strip())
            for value, label in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select_html, re.S)]


def selected(html: str) -> str:
    """The value of the selected option of the "Who is invited" select."""
    select_html = re.search(r'<select[^>]*name="audience"[^>]*>(.*?)</select>', html, re.S).group(1)
    chosen = [tag for tag in re.findall(r"<option[^>]*>", select_html) if "selected" in tag]
    assert len(chosen) == 1, chosen
    return re.search(r'value="([^"]*)"', chosen[0]).group(1)


@pytest.fixture
def unit(world):
    unit = f.make_unit(world.module, title="Week 1", position=0)
    db.session.commit()
    return unit


@pytest.fixture
def outsider(world):
    """A participant of the same module who is not in the group."""
    user = f.make_user(email="outsider@example.test", name="Olu Outsider", country="NG", timezone="Africa/Lagos")
    f.enrol(user, world.program, module=world.module)
    db.session.commit()
    return user


def test_module_unit_offers_module_groups_track_and_program(client, world, login, unit):
    archived = f.make_group(world.program, "Archived delegation")
    archived.archived_at = utcnow()
    f.make_group(f.make_program(name="Another program", code="OTHER-2024"), "Foreign group")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/units/{unit.id}/items/new?kind=live_session").get_data(as_text=True)
    assert "Who is invited" in html
    assert options(html) == [
        (f"module:{world.module.id}", "Everyone in this module"),
        (f"group:{world.group.id}", "One group of the program: Kenya delegation"),
        (f"track:{world.track.id}", "The whole track: Intensive"),
        (f"program:{world.program.id}", "The whole program"),
    ]
    assert selected(html) == f"module:{world.module.id}"


def test_group_audience_saved_through_the_authoring_page(client, world, login, unit, outsider):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=live_session",
                         live_fields(audience=f"group:{world.group.id}"))
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    item = db.session.scalar(select(Item))
    assert item.settings["audience"] == {"kind": "group", "id": world.group.id}
    session = db.session.scalar(select(LiveSession).where(LiveSession.item_id == item.id))
    assert (session.audience, session.audience_id) == ("group", world.group.id)
    # The edit form shows the choice.
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert selected(html) == f"group:{world.group.id}"

    # A participant of the group: the room opens and the schedule lists the session.
    login(client, world.participant)
    assert client.get(f"/live/{session.id}/room").status_code == 200
    assert "Kenya delegation rehearsal" in client.get("/schedule/").get_data(as_text=True)
    # A participant of the same module outside the group: refused, and not listed.
    login(client, outsider)
    assert client.get(f"/live/{session.id}/room").status_code == 403
    assert "Kenya delegation rehearsal" not in client.get("/schedule/").get_data(as_text=True)
    # The module's trainer still runs it.
    login(client, world.trainer)
    assert client.get(f"/live/{session.id}/room").status_code == 200


def test_back_to_the_default_audience(client, world, login, unit, outsider):
    login(client, world.trainer)
    post_form(client, f"/units/{unit.id}/items/new?kind=live_session", live_fields(audience=f"group:{world.group.id}"))
    item = db.session.scalar(select(Item))
    session = db.session.scalar(select(LiveSession).where(LiveSession.item_id == item.id))
    response = post_form(client, f"/items/{item.id}/edit",
                         live_fields(audience=f"module:{world.module.id}", version=str(item.version)))
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    db.session.expire_all()
    assert "audience" not in item.settings
    assert (session.audience, session.audience_id) == ("module", world.module.id)
    login(client, outsider)
    assert client.get(f"/live/{session.id}/room").status_code == 200


def test_track_and_program_audiences(client, world, login, unit):
    login(client, world.trainer)
    post_form(client, f"/units/{unit.id}/items/new?kind=live_session",
              live_fields("Track call", audience=f"track:{world.track.id}"))
    post_form(client, f"/units/{unit.id}/items/new?kind=live_session",
              live_fields("Program call", audience=f"program:{world.program.id}"))
    made = {session.title: session for session in db.session.scalars(select(LiveSession))}
    assert (made["Track call"].audience, made["Track call"].audience_id) == ("track", world.track.id)
    assert (made["Program call"].audience, made["Program call"].audience_id) == ("program", world.program.id)
    # world.other_participant is in the other track: invited by the program, not by the track.
    login(client, world.other_participant)
    assert client.get(f"/live/{made['Track call'].id}/room").status_code == 403
    assert client.get(f"/live/{made['Program call'].id}/room").status_code == 200


@pytest.mark.parametrize("value_of, message", [
    (lambda world, other: f"group:{other['group'].id}", "This group is not part of the program"),
    (lambda world, other: f"track:{other['track'].id}", "This track is not part of the program"),
    (lambda world, other: f"track:{world.other_track.id}", "Only this module's track, “Intensive”"),
    (lambda world, other: f"program:{other['program'].id}", "Only this program"),
    (lambda world, other: f"module:{world.other_module.id}", "Only this unit's module can be invited"),
    (lambda world, other: "group:abc", "Choose who is invited."),
])
def test_audience_outside_the_program_is_refused(client, world, login, unit, value_of, message):
    program = f.make_program(name="Another program", code="OTHER-2024")
    other = {"program": program, "group": f.make_group(program, "Foreign group"),
             "track": f.make_track(program, name="Foreign track")}
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=live_session",
                         live_fields("Typed title", audience=value_of(world, other)))
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    errors = form_errors(html)
    assert any(message in error for error in errors), errors
    # The message sits next to the "Who is invited" field, and the typed title is kept.
    assert re.search(r'id="audience-error"[^>]*>[^<]*' + re.escape(message), html)
    assert 'value="Typed title"' in html
    assert db.session.scalar(select(Item)) is None
    assert db.session.scalar(select(LiveSession)) is None


def test_archived_group_is_refused_unless_already_chosen(client, world, login, unit):
    login(client, world.trainer)
    post_form(client, f"/units/{unit.id}/items/new?kind=live_session", live_fields(audience=f"group:{world.group.id}"))
    item = db.session.scalar(select(Item))
    world.group.archived_at = utcnow()
    db.session.commit()
    # The item that invites it keeps it (shown as archived) and can still be saved.
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert (f"group:{world.group.id}", "One group of the program: Kenya delegation (archived)") in options(html)
    response = post_form(client, f"/items/{item.id}/edit",
                         live_fields(audience=f"group:{world.group.id}", version=str(item.version)))
    assert response.status_code == 302
    # A new item cannot choose it.
    html = client.get(f"/units/{unit.id}/items/new?kind=live_session").get_data(as_text=True)
    assert f"group:{world.group.id}" not in html
    response = post_form(client, f"/units/{unit.id}/items/new?kind=live_session",
                         live_fields("New one", audience=f"group:{world.group.id}"))
    assert "This group is archived." in " ".join(form_errors(response.get_data(as_text=True)))


def test_program_wide_unit_offers_tracks_and_groups(client, world, login):
    orientation = f.make_unit(program=world.program, title="Orientation")
    second = f.make_group(world.program, "Brazil delegation")
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/units/{orientation.id}/items/new?kind=live_session").get_data(as_text=True)
    assert options(html) == [
        (f"program:{world.program.id}", "The whole program"),
        (f"track:{world.track.id}", "The whole track: Intensive"),
        (f"track:{world.other_track.id}", "The whole track: General"),
        (f"group:{second.id}", "One group of the program: Brazil delegation"),
        (f"group:{world.group.id}", "One group of the program: Kenya delegation"),
    ]
    assert selected(html) == f"program:{world.program.id}"
    response = post_form(client, f"/units/{orientation.id}/items/new?kind=live_session",
                         live_fields("General briefing", audience=f"track:{world.other_track.id}"))
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    session = db.session.scalar(select(LiveSession))
    assert (session.audience, session.audience_id) == ("track", world.other_track.id)
    # A module audience makes no sense for a program-wide unit.
    response = post_form(client, f"/units/{orientation.id}/items/new?kind=live_session",
                         live_fields("Module call", audience=f"module:{world.module.id}"))
    assert "not one module" in unescape(" ".join(form_errors(response.get_data(as_text=True))))


def test_session_for_item_follows_the_setting(world, unit):
    item = f.make_item(unit, "live_session", settings={
        "starts_at": (utcnow() + timedelta(days=1)).isoformat(), "audience": {"kind": "group", "id": world.group.id}})
    session = session_for_item(item)
    assert (session.audience, session.audience_id) == ("group", world.group.id)
    item.settings = {**item.settings, "audience": {"kind": "bogus", "id": "x"}}  # unreadable: the default
    session_for_item(item)
    assert (session.audience, session.audience_id) == ("module", world.module.id)
    item.settings = {k: v for k, v in item.settings.items() if k != "audience"}
    assert session_for_item(item).audience == "module"
