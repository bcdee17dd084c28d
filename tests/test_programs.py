"""Programs set-up pages: programs, tracks, fields, organisations, groups (coordinator)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lms.core.database import utcnow
from lms.programs.models import Field, Group, Organisation, Program, Track
from tests import factories as f
from tests.helpers import form_errors, post_form


def program_form(**overrides):
    data = {
        "name": "2025 Cultural Experts Training Program",
        "code": "CETP-2025",
        "year": "2025",
        "description": "Two weeks online, then Korea.",
        "host_organisation_id": "",
        "timezone": "Asia/Seoul",
        "online_start": "2025-07-21",
        "online_end": "2025-08-01",
        "has_offline_phase": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def track_form(**overrides):
    data = {
        "name": "Intensive",
        "description": "",
        "offline_start": "2025-08-18",
        "offline_end": "2025-09-12",
        "offline_location": "Seoul",
        "offline_timezone": "Asia/Seoul",
        "capacity": "",
    }
    data.update(overrides)
    return data


def main(html: str) -> str:
    """The page's content without the flash messages (they repeat names)."""
    content = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r'<div class="flashes".*?</div>', "", content, flags=re.S)


def version_in(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def field_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else None


@pytest.fixture
def coord_client(client, login, coordinator):
    login(client, coordinator)
    return client


# Programs -----------------------------------------------------------------------------


def test_coordinator_creates_program_through_the_form(coord_client, db):
    host = f.make_organisation("Korea Arts Office", kind=Organisation.HOST)
    db.session.commit()
    page = coord_client.get("/programs/new")
    assert page.status_code == 200
    assert "Korea Arts Office" in page.text
    assert '<option selected value="Asia/Seoul">' in page.text  # default calendar zone

    response = post_form(coord_client, "/programs/new", program_form(host_organisation_id=str(host.id)))
    assert response.status_code == 302
    program = db.session.scalar(select(Program).where(Program.code == "CETP-2025"))
    assert program is not None
    assert response.headers["Location"].endswith(f"/programs/{program.id}")
    assert program.name == "2025 Cultural Experts Training Program"
    assert program.year == 2025
    assert program.online_start == date(2025, 7, 21) and program.online_end == date(2025, 8, 1)
    assert program.has_offline_phase is True
    assert program.host_organisation_id == host.id
    assert program.timezone == "Asia/Seoul"


def test_program_form_shows_errors_next_to_fields_and_keeps_typed_values(coord_client, db):
    f.make_program(code="CETP-2025")
    db.session.commit()
    response = post_form(
        coord_client, "/programs/new",
        program_form(code="cetp-2025", name="Typed name", online_start="2025-08-10", online_end="2025-08-01"),
    )
    assert response.status_code == 200
    errors = form_errors(response.text)
    assert "The online phase cannot end before it starts." in errors
    assert field_value(response.text, "name") == "Typed name"
    assert field_value(response.text, "online_start") == "2025-08-10"
    assert db.session.scalar(select(Program).where(Program.name == "Typed name")) is None

    # With the dates right, the duplicate code (any case) is refused next to the code field.
    response = post_form(coord_client, "/programs/new", program_form(code="cetp-2025", name="Typed name"))
    assert response.status_code == 200
    assert any("Another program already uses this code" in error for error in form_errors(response.text))
    assert re.search(r'id="code-error"', response.text)
    assert field_value(response.text, "code") == "cetp-2025"
    assert db.session.scalars(select(Program)).all().__len__() == 1


def test_program_form_refuses_missing_and_unreadable_values(coord_client):
    response = post_form(coord_client, "/programs/new", program_form(name="", year="twenty", online_end=""))
    errors = form_errors(response.text)
    assert "Enter the program's name." in errors
    assert "Enter the last day of the online phase." in errors
    assert any("year" in error.lower() for error in errors)


def test_coordinator_edits_program(coord_client, db):
    program = f.make_program(name="Old name", code="OLD")
    db.session.commit()
    page = coord_client.get(f"/programs/{program.id}/edit")
    assert page.status_code == 200
    assert field_value(page.text, "name") == "Old name"
    version = version_in(page.text)
    response = post_form(
        coord_client, f"/programs/{program.id}/edit",
        program_form(name="New name", code="OLD", version=version, has_offline_phase=None),
    )
    assert response.status_code == 302
    db.session.refresh(program)
    assert program.name == "New name"
    assert program.has_offline_phase is False  # unticked checkbox
    assert program.version == int(version) + 1


def test_stale_edit_is_refused_with_conflict_and_db_unchanged(coord_client, db):
    program = f.make_program(name="Original", code="CONFLICT")
    db.session.commit()
    stale_version = version_in(coord_client.get(f"/programs/{program.id}/edit").text)

    program.name = "Saved by a colleague"  # someone else saves first
    db.session.commit()

    response = post_form(
        coord_client, f"/programs/{program.id}/edit",
        program_form(name="My typed name", code="CONFLICT", version=stale_version),
    )
    assert response.status_code == 200
    assert "Someone else changed this record" in response.text
    assert "Saved by a colleague" in response.text  # their version is shown
    assert field_value(response.text, "name") == "My typed name"  # ours is kept
    db.session.refresh(program)
    assert program.name == "Saved by a colleague"

    # The re-rendered form carries the current version: saving again is a deliberate overwrite.
    new_version = version_in(response.text)
    assert int(new_version) == program.version
    response = post_form(
        coord_client, f"/programs/{program.id}/edit",
        program_form(name="My typed name", code="CONFLICT", version=new_version),
    )
    assert response.status_code == 302
    db.session.refresh(program)
    assert program.name == "My typed name"


def test_archive_and_restore_program(coord_client, db):
    program = f.make_program(name="Program to archive", code="ARCH")
    f.make_program(name="Stays active", code="ACTIVE")
    db.session.commit()

    response = post_form(coord_client, f"/programs/{program.id}/archive")
    assert response.status_code == 302
    db.session.refresh(program)
    assert program.archived_at is not None

    listing = main(coord_client.get("/programs/").text)
    assert "Stays active" in listing and "Program to archive" not in listing
    with_archived = coord_client.get("/programs/?archived=1").text
    assert "Program to archive" in with_archived
    assert 'class="archived"' in with_archived and "badge-archived" in with_archived

    # The page still opens (never deleted), and restore brings it back.
    assert coord_client.get(f"/programs/{program.id}").status_code == 200
    post_form(coord_client, f"/programs/{program.id}/restore")
    db.session.refresh(program)
    assert program.archived_at is None
    assert "Program to archive" in coord_client.get("/programs/").text


def test_archive_requires_post(coord_client, db):
    program = f.make_program()
    db.session.commit()
    assert coord_client.get(f"/programs/{program.id}/archive").status_code == 405
    db.session.refresh(program)
    assert program.archived_at is None


def test_program_list_shows_phases_tracks_and_counts_by_status(coord_client, world, db):
    f.make_program(name="Online only program", code="ONLINE", has_offline_phase=False)
    tba_program = f.make_program(name="TBA program", code="TBA")
    f.make_track(tba_program, offline=None)
    f.enrol(f.make_user(), world.program, module=world.module, status="invited")
    db.session.commit()
    html = coord_client.get("/programs/").text
    row = html.split("2024 Cultural Experts Training Program", 1)[1].split("</tr>", 1)[0]
    assert "Jul 22, 2024 – Aug 2, 2024 (Asia/Seoul)" in row
    assert "Aug 19, 2024 – Sep 13, 2024 (Asia/Seoul)" in row  # both tracks' span
    assert re.search(r'<td class="num">2</td>', row)  # two tracks
    assert "2 active" in row and "1 invited" in row
    online_row = html.split("Online only program", 1)[1].split("</tr>", 1)[0]
    assert "Online only" in online_row
    tba_row = html.split("TBA program", 1)[1].split("</tr>", 1)[0]
    assert "Dates to be announced" in tba_row


def test_program_detail_shows_timeline_tracks_modules_groups_and_counts(client, login, world, db):
    viewer = f.make_user(email="paris@example.test", coordinator=True, country="FR", timezone="Europe/Paris")
    f.make_track(world.program, name="Later track", offline=None, location=None)
    db.session.commit()
    login(client, viewer)
    html = client.get(f"/programs/{world.program.id}").text
    assert "Online phase" in html and "Jul 22, 2024 – Aug 2, 2024 (Asia/Seoul)" in html
    assert "In your time zone: from" in html  # describe_for_viewer for a Paris viewer
    assert "Offline phase — Intensive" in html and "Seoul" in html
    assert "Offline phase — Later track" in html and "Dates to be announced" in html
    assert "Digital contents for children" in html and "Publication" in html and "EDCN" in html
    assert "Tomas Trainer" in html
    assert "Kenya delegation" in html
    assert "Kenya: 1" in html and "Brazil: 1" in html
    assert "2 active" in html
    assert f'href="/programs/{world.program.id}/edit"' in html
    assert f'href="/modules/{world.module.id}"' in html


def test_program_detail_links_to_people_page_when_it_exists(coord_client, world, app):
    html = coord_client.get(f"/programs/{world.program.id}").text
    if "enrolment.program_people" in app.view_functions:
        assert f'href="/programs/{world.program.id}/people"' in html
    else:
        assert "/people" not in html.split("<main", 1)[1]


def test_unknown_program_is_404(coord_client):
    assert coord_client.get("/programs/9999").status_code == 404
    assert coord_client.get("/programs/9999/edit").status_code == 404


# Tracks -------------------------------------------------------------------------------


def test_create_track_with_window_capacity_and_location(coord_client, db):
    program = f.make_program()
    db.session.commit()
    response = post_form(coord_client, f"/programs/{program.id}/tracks/new", track_form(capacity="24"))
    assert response.status_code == 302
    track = db.session.scalar(select(Track).where(Track.program_id == program.id))
    assert (track.name, track.offline_start, track.offline_end) == ("Intensive", date(2025, 8, 18), date(2025, 9, 12))
    assert track.offline_location == "Seoul" and track.offline_timezone == "Asia/Seoul" and track.capacity == 24


def test_track_with_both_dates_empty_is_to_be_announced(coord_client, db):
    program = f.make_program()
    db.session.commit()
    response = post_form(coord_client, f"/programs/{program.id}/tracks/new",
                         track_form(offline_start="", offline_end="", offline_location=""))
    assert response.status_code == 302
    track = db.session.scalar(select(Track).where(Track.program_id == program.id))
    assert track.offline_start is None and track.offline_end is None
    assert track.offline_window.state() == "tba"
    html = coord_client.get(f"/programs/{program.id}").text
    assert "To be announced" in html and "Dates to be announced" in html


def test_track_window_may_cross_the_year_boundary(coord_client, db):
    program = f.make_program()
    db.session.commit()
    response = post_form(coord_client, f"/programs/{program.id}/tracks/new",
                         track_form(offline_start="2026-12-20", offline_end="2027-01-15"))
    assert response.status_code == 302
    track = db.session.scalar(select(Track).where(Track.program_id == program.id))
    assert track.offline_window.days == 27
    assert "Dec 20, 2026 – Jan 15, 2027" in coord_client.get(f"/programs/{program.id}").text


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"offline_end": ""}, "offline_end", "Enter the last day too"),
        ({"offline_start": ""}, "offline_start", "Enter the first day too"),
        ({"offline_start": "2025-09-12", "offline_end": "2025-08-18"}, "offline_end", "cannot end before it starts"),
        ({"capacity": "0"}, "capacity", "at least 1"),
        ({"name": ""}, "name", "Enter the track's name."),
    ],
)
def test_track_form_errors_next_to_field(coord_client, db, overrides, field, message):
    program = f.make_program()
    db.session.commit()
    response = post_form(coord_client, f"/programs/{program.id}/tracks/new",
                         track_form(offline_location="Busan typed", **overrides))
    assert response.status_code == 200
    error = re.search(rf'id="{field}-error">(.*?)</p>', response.text, re.S)
    assert error and message in error.group(1)
    assert field_value(response.text, "offline_location") == "Busan typed"
    assert db.session.scalar(select(Track).where(Track.program_id == program.id)) is None


def test_duplicate_track_name_in_program_is_refused(coord_client, world, db):
    response = post_form(coord_client, f"/programs/{world.program.id}/tracks/new", track_form(name="intensive"))
    assert response.status_code == 200
    assert "already has a track with this name" in " ".join(form_errors(response.text))
    # The same name in another program is fine.
    other = f.make_program()
    db.session.commit()
    assert post_form(coord_client, f"/programs/{other.id}/tracks/new", track_form()).status_code == 302


def test_online_only_program_hides_and_ignores_offline_fields(coord_client, db):
    program = f.make_program(has_offline_phase=False)
    db.session.commit()
    page = coord_client.get(f"/programs/{program.id}/tracks/new").text
    assert 'name="offline_start"' not in page and 'name="offline_location"' not in page
    assert "online only" in page
    response = post_form(coord_client, f"/programs/{program.id}/tracks/new",
                         track_form(name="Online track", offline_end=""))  # ignored: no error
    assert response.status_code == 302
    track = db.session.scalar(select(Track).where(Track.program_id == program.id))
    assert track.offline_start is None and track.offline_location is None
    assert track.offline_window is None
    html = coord_client.get(f"/programs/{program.id}").text
    assert "This program runs online only." in html
    assert "Offline phase — Online track" not in html


def test_edit_track_and_conflict(coord_client, world, db):
    track = world.track
    version = version_in(coord_client.get(f"/tracks/{track.id}/edit").text)
    response = post_form(coord_client, f"/tracks/{track.id}/edit",
                         track_form(name="Intensive (4 weeks)", version=version, offline_location="Busan"))
    assert response.status_code == 302
    db.session.refresh(track)
    assert track.name == "Intensive (4 weeks)" and track.offline_location == "Busan"
    response = post_form(coord_client, f"/tracks/{track.id}/edit",
                         track_form(name="Stale", version=version))
    assert response.status_code == 200 and "Someone else changed this record" in response.text
    db.session.refresh(track)
    assert track.name == "Intensive (4 weeks)"


def test_tracks_reorder_with_move_buttons(coord_client, db):
    program = f.make_program()
    first, second, third = (f.make_track(program, name=name) for name in ("First", "Second", "Third"))
    db.session.commit()

    def order():
        db.session.expire_all()
        return [t.name for t in db.session.scalars(
            select(Track).where(Track.program_id == program.id).order_by(Track.position, Track.id))]

    assert post_form(coord_client, f"/tracks/{third.id}/move", {"direction": "up"}).status_code == 302
    assert order() == ["First", "Third", "Second"]
    post_form(coord_client, f"/tracks/{first.id}/move", {"direction": "down"})
    assert order() == ["Third", "First", "Second"]
    post_form(coord_client, f"/tracks/{third.id}/move", {"direction": "up"})  # already first: nothing changes
    assert order() == ["Third", "First", "Second"]
    assert post_form(coord_client, f"/tracks/{third.id}/move", {"direction": "sideways"}).status_code == 400
    assert order() == ["Third", "First", "Second"]
    html = coord_client.get(f"/programs/{program.id}").text
    headings = re.findall(r"<h3>(Third|First|Second)\b", html)
    assert headings == ["Third", "First", "Second"]


def test_archive_and_restore_track(coord_client, world, db):
    post_form(coord_client, f"/tracks/{world.other_track.id}/archive")
    db.session.refresh(world.other_track)
    assert world.other_track.is_archived
    html = main(coord_client.get(f"/programs/{world.program.id}").text)
    assert "General" not in html
    assert "General" in coord_client.get(f"/programs/{world.program.id}?archived=1").text
    # Archived tracks are not offered when moving a module.
    edit = coord_client.get(f"/modules/{world.module.id}/edit").text
    track_select = re.search(r'<select[^>]*name="track_id".*?</select>', edit, re.S).group(0)
    assert "Intensive" in track_select and "General" not in track_select
    post_form(coord_client, f"/tracks/{world.other_track.id}/restore")
    db.session.refresh(world.other_track)
    assert not world.other_track.is_archived


# Fields -------------------------------------------------------------------------------


def test_fields_create_edit_duplicate_archive_restore(coord_client, db):
    assert post_form(coord_client, "/fields/new", {"name": "Film"}).status_code == 302
    field = db.session.scalar(select(Field).where(Field.name == "Film"))
    assert field is not None

    duplicate = post_form(coord_client, "/fields/new", {"name": "film"})
    assert duplicate.status_code == 200
    assert "A field with this name already exists." in form_errors(duplicate.text)
    assert field_value(duplicate.text, "name") == "film"

    version = version_in(coord_client.get(f"/fields/{field.id}/edit").text)
    assert post_form(coord_client, f"/fields/{field.id}/edit",
                     {"name": "Film & Video", "version": version}).status_code == 302
    db.session.refresh(field)
    assert field.name == "Film & Video"
    assert "Film &amp; Video" in coord_client.get("/fields/").text

    post_form(coord_client, f"/fields/{field.id}/archive")
    db.session.refresh(field)
    assert field.is_archived
    assert "Film &amp; Video" not in main(coord_client.get("/fields/").text)
    assert "Film &amp; Video" in coord_client.get("/fields/?archived=1").text
    again = post_form(coord_client, "/fields/new", {"name": "Film & Video"})
    assert "An archived field has this name" in " ".join(form_errors(again.text))
    post_form(coord_client, f"/fields/{field.id}/restore")
    db.session.refresh(field)
    assert not field.is_archived


# Organisations ------------------------------------------------------------------------


def organisation_form(**overrides):
    data = {"name": "Design Council Busan", "short_name": "DCB", "kind": "training_partner", "country": "KR",
            "city": "Busan", "website": "https://designbusan.example.org", "description": "Design thinking."}
    data.update(overrides)
    return data


def test_create_and_edit_organisation(coord_client, db):
    page = coord_client.get("/organisations/new")
    assert page.status_code == 200 and "South Korea" in page.text
    assert post_form(coord_client, "/organisations/new", organisation_form()).status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Design Council Busan"))
    assert (org.short_name, org.kind, org.country, org.city) == ("DCB", "training_partner", "KR", "Busan")
    assert org.website == "https://designbusan.example.org"
    listing = coord_client.get("/organisations/").text
    assert "Design Council Busan" in listing and "Busan, South Korea" in listing

    version = version_in(coord_client.get(f"/organisations/{org.id}/edit").text)
    response = post_form(coord_client, f"/organisations/{org.id}/edit",
                         organisation_form(kind="host", website="", country="", version=version))
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.kind == "host" and org.website is None and org.country is None


@pytest.mark.parametrize("website", ["not a url", "www.example.org", "javascript://alert(1)", "ftp://example.org"])
def test_organisation_website_must_be_a_web_address(coord_client, db, website):
    response = post_form(coord_client, "/organisations/new", organisation_form(website=website))
    assert response.status_code == 200
    error = re.search(r'id="website-error">(.*?)</p>', response.text, re.S)
    assert error and "https://" in error.group(1)
    assert field_value(response.text, "name") == "Design Council Busan"
    assert db.session.scalar(select(Organisation)) is None


def test_duplicate_organisation_name_and_unknown_country_refused(coord_client, db):
    f.make_organisation("EDCN")
    db.session.commit()
    response = post_form(coord_client, "/organisations/new", organisation_form(name="edcn"))
    assert "An organisation with this name already exists." in form_errors(response.text)
    response = post_form(coord_client, "/organisations/new", organisation_form(country="XX"))
    assert re.search(r'id="country-error"', response.text)


def test_archived_organisation_leaves_selects_but_stays_listed(coord_client, db):
    host = f.make_organisation("Host office", kind=Organisation.HOST)
    partner = f.make_organisation("Partner org")
    db.session.commit()
    post_form(coord_client, f"/organisations/{host.id}/archive")
    db.session.refresh(host)
    assert host.is_archived
    assert "Host office" not in main(coord_client.get("/programs/new").text)
    assert "Host office" not in main(coord_client.get("/organisations/").text)
    assert "Host office" in coord_client.get("/organisations/?archived=1").text
    # Only host organisations are offered as a program's host.
    assert "Partner org" not in coord_client.get("/programs/new").text
    assert partner.kind == Organisation.TRAINING_PARTNER
    post_form(coord_client, f"/organisations/{host.id}/restore")
    assert "Host office" in coord_client.get("/programs/new").text


def test_program_keeps_its_archived_host_when_edited(coord_client, db):
    host = f.make_organisation("Old host", kind=Organisation.HOST)
    program = f.make_program(host_organisation=host)
    db.session.commit()
    post_form(coord_client, f"/organisations/{host.id}/archive")
    page = coord_client.get(f"/programs/{program.id}/edit").text
    assert "Old host (archived)" in page
    response = post_form(coord_client, f"/programs/{program.id}/edit",
                         program_form(code=program.code, host_organisation_id=str(host.id),
                                      version=version_in(page)))
    assert response.status_code == 302


# Groups -------------------------------------------------------------------------------


def test_create_group_and_duplicate_name_per_program(coord_client, world, db):
    response = post_form(coord_client, f"/programs/{world.program.id}/groups/new",
                         {"name": "Brazil delegation", "description": "Three people"})
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "Brazil delegation"))
    assert group.program_id == world.program.id and group.description == "Three people"

    duplicate = post_form(coord_client, f"/programs/{world.program.id}/groups/new", {"name": "kenya DELEGATION"})
    assert duplicate.status_code == 200
    assert "This program already has a group with this name." in form_errors(duplicate.text)

    other = f.make_program()
    db.session.commit()
    assert post_form(coord_client, f"/programs/{other.id}/groups/new",
                     {"name": "Kenya delegation"}).status_code == 302


def test_group_detail_lists_members_and_edit_archive(coord_client, world, db):
    html = coord_client.get(f"/groups/{world.group.id}").text.split('id="add-members"')[0]  # the members
    assert "Amina Participant" in html and "Kenya" in html and "Bruno Other" not in html
    version = version_in(coord_client.get(f"/groups/{world.group.id}/edit").text)
    assert post_form(coord_client, f"/groups/{world.group.id}/edit",
                     {"name": "Kenya team", "description": "", "version": version}).status_code == 302
    db.session.refresh(world.group)
    assert world.group.name == "Kenya team"
    post_form(coord_client, f"/groups/{world.group.id}/archive")
    db.session.refresh(world.group)
    assert world.group.is_archived
    assert "Kenya team" not in main(coord_client.get(f"/programs/{world.program.id}").text)
    assert "Kenya team" in coord_client.get(f"/programs/{world.program.id}?archived=1").text
    post_form(coord_client, f"/groups/{world.group.id}/restore")
    db.session.refresh(world.group)
    assert not world.group.is_archived


# Query counts -------------------------------------------------------------------------


def _populate_programs(count):
    field = f.make_field()
    host = f.make_organisation(kind=Organisation.HOST)
    for _ in range(count):
        program = f.make_program(host_organisation=host)
        track = f.make_track(program)
        f.make_track(program, offline=None)
        module = f.make_module(track, field=field, trainers=[f.make_user()])
        f.make_group(program)
        f.enrol(f.make_user(), program, module=module)
        f.enrol(f.make_user(country="BR"), program, module=module, status="invited")


def test_program_list_issues_a_constant_number_of_queries(coord_client, db, count_queries):
    _populate_programs(2)
    db.session.commit()
    with count_queries() as few:
        assert coord_client.get("/programs/").status_code == 200
    _populate_programs(8)
    db.session.commit()
    with count_queries() as many:
        html = coord_client.get("/programs/").text
    assert html.count("1 invited") == 10
    assert len(many) == len(few)


def test_program_detail_issues_a_constant_number_of_queries(coord_client, db, count_queries):
    program = f.make_program()
    field = f.make_field()

    def add(n):
        for _ in range(n):
            track = f.make_track(program)
            module = f.make_module(track, field=field, organisation=f.make_organisation(),
                                   trainers=[f.make_user(), f.make_user()])
            group = f.make_group(program)
            f.enrol(f.make_user(), program, module=module, group=group)
        db.session.commit()

    add(2)
    with count_queries() as few:
        assert coord_client.get(f"/programs/{program.id}").status_code == 200
    add(6)
    with count_queries() as many:
        assert coord_client.get(f"/programs/{program.id}").status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("url", ["/fields/", "/organisations/"])
def test_fields_and_organisations_lists_issue_constant_queries(coord_client, db, count_queries, url):
    def add(n):
        program = f.make_program()
        for _ in range(n):
            f.make_module(f.make_track(program), organisation=f.make_organisation())
        db.session.commit()

    add(2)
    with count_queries() as few:
        coord_client.get(url)
    add(8)
    with count_queries() as many:
        coord_client.get(url)
    assert len(many) == len(few)


# Group membership from the group's page ------------------------------------------------


def test_group_page_adds_and_removes_members_with_history(coord_client, world, db):
    from lms.enrolment.models import Enrolment, EnrolmentEvent

    other_group = f.make_group(world.program, name="Brazil delegation")
    newcomer = f.enrol(f.make_user(name="Nia Newcomer", country="NG"), world.program, module=world.module)
    mover = f.enrol(f.make_user(name="Maya Mover", country="BR"), world.program, module=world.module,
                    group=other_group)
    gone = f.enrol(f.make_user(name="Walt Withdrawn"), world.program, module=world.module, status="withdrawn")
    outsider = f.enrol(f.make_user(name="Otto Outsider"), f.make_program(), module=None)
    db.session.commit()

    html = coord_client.get(f"/groups/{world.group.id}").text
    add_form = html.split('id="add-members"', 1)[1]
    assert "Nia Newcomer" in add_form and "Maya Mover" in add_form and "now in Brazil delegation" in add_form
    assert "Walt Withdrawn" not in add_form and "Otto Outsider" not in add_form
    assert "Amina Participant" not in add_form  # already a member

    # Nothing ticked, or someone of another program: a message next to the list, nothing changes.
    response = post_form(coord_client, f"/groups/{world.group.id}/members", {})
    assert "Tick at least one participant." in form_errors(response.text)
    response = post_form(coord_client, f"/groups/{world.group.id}/members",
                         {"enrolments": [str(newcomer.id), str(outsider.id)]})
    assert any("Choose participants of" in error for error in form_errors(response.text))
    db.session.expire_all()
    assert db.session.get(Enrolment, newcomer.id).group_id is None

    response = post_form(coord_client, f"/groups/{world.group.id}/members",
                         {"enrolments": [str(newcomer.id), str(mover.id)], "note": "Present together"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, newcomer.id).group_id == world.group.id
    assert db.session.get(Enrolment, mover.id).group_id == world.group.id  # at most one group per program
    event = db.session.scalars(select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == mover.id)).one()
    assert (event.action, event.from_value, event.to_value, event.note) == (
        "group", "Brazil delegation", world.group.name, "Present together")

    response = post_form(coord_client, f"/groups/{world.group.id}/members/{newcomer.id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, newcomer.id).group_id is None
    assert db.session.get(Enrolment, gone.id).group_id is None
    # Removing someone who is not in the group changes nothing.
    post_form(coord_client, f"/groups/{other_group.id}/members/{mover.id}/remove")
    db.session.expire_all()
    assert db.session.get(Enrolment, mover.id).group_id == world.group.id


def test_archived_group_takes_no_new_members(coord_client, world, db):
    from lms.enrolment.models import Enrolment

    newcomer = f.enrol(f.make_user(name="Nia Newcomer"), world.program, module=world.module)
    world.group.archived_at = utcnow()
    db.session.commit()
    assert 'id="add-members"' not in coord_client.get(f"/groups/{world.group.id}").text
    response = post_form(coord_client, f"/groups/{world.group.id}/members", {"enrolments": [str(newcomer.id)]},
                         follow_redirects=True)
    assert "This group is archived. Restore it before adding people to it." in response.text
    db.session.expire_all()
    assert db.session.get(Enrolment, newcomer.id).group_id is None


# Bad input keeps what was typed on every set-up form -----------------------------------


@pytest.mark.parametrize("url, data, kept", [
    ("/programs/{program}/tracks/new",
     {**track_form(name="Typed track", offline_start="2025-09-12", offline_end="2025-08-18",
                   offline_location="Typed city")},
     ["Typed track", "Typed city", "2025-09-12"]),
    ("/tracks/{track}/modules/new",
     {"title": "Typed module title", "short_title": "Typed short", "field_id": "", "track_id": "{track}",
      "organisation_id": "", "description": "Typed description"},
     ["Typed module title", "Typed short", "Typed description"]),
    ("/programs/{program}/groups/new",
     {"name": "{group_name}", "description": "Typed group description"},
     ["Typed group description"]),
    ("/organisations/new",
     {"name": "Typed Organisation", "short_name": "TO", "kind": "training_partner", "country": "KR",
      "city": "Typed City", "website": "not a web address", "description": ""},
     ["Typed Organisation", "Typed City", "not a web address"]),
])
def test_setup_forms_keep_typed_values_next_to_errors(coord_client, world, db, url, data, kept):
    values = {"program": world.program.id, "track": world.track.id, "group_name": world.group.name}
    data = {key: value.format(**values) for key, value in data.items()}
    response = post_form(coord_client, url.format(**values), data)
    assert response.status_code == 200
    assert form_errors(response.text), "a message next to the field"
    for value in kept:
        assert value in response.text, value


# A new edition from last year's -------------------------------------------------------


def test_copy_program_as_next_edition_keeps_its_set_up(coord_client, world, db):
    from lms.programs.models import Module, ModuleTrainer

    tba = f.make_track(world.program, name="Later", offline=None, location="Jeju")
    archived_track = f.make_track(world.program, name="Dropped", archived_at=utcnow())
    f.make_module(archived_track, title="Dropped module")
    f.make_module(world.track, title="Archived module", archived_at=utcnow())
    db.session.commit()

    page = coord_client.get(f"/programs/{world.program.id}/copy").text
    assert field_value(page, "name") == "2025 Cultural Experts Training Program"
    assert field_value(page, "code") == "CETP-2025"
    assert field_value(page, "year") == "2025"
    assert field_value(page, "online_start") == "2025-07-21"  # 52 weeks later: the same weekday
    assert "Participants, groups and the online content are not copied." in page

    # Bad input: the message is next to the field and what was typed stays.
    response = post_form(coord_client, f"/programs/{world.program.id}/copy",
                         program_form(code=world.program.code, name="Typed name"))
    assert "Another program already uses this code" in " ".join(form_errors(response.text))
    assert field_value(response.text, "name") == "Typed name"

    response = post_form(coord_client, f"/programs/{world.program.id}/copy", program_form(
        name="2025 Cultural Experts Training Program", code="CETP-2025", year="2025",
        online_start="2025-07-21", online_end="2025-08-01"))
    assert response.status_code == 302
    copy = db.session.scalars(select(Program).where(Program.code == "CETP-2025")).one()
    tracks = db.session.scalars(select(Track).where(Track.program_id == copy.id).order_by(Track.position)).all()
    assert [t.name for t in tracks] == [world.track.name, world.other_track.name, "Later"]
    assert (tracks[0].offline_start, tracks[0].offline_end) == (date(2025, 8, 18), date(2025, 9, 12))
    assert (tracks[2].offline_start, tracks[2].offline_location) == (None, "Jeju")  # still to be announced
    modules = db.session.scalars(select(Module).where(Module.track_id.in_([t.id for t in tracks]))).all()
    assert sorted(m.title for m in modules) == sorted([world.module.title, world.other_module.title])
    copied = next(m for m in modules if m.title == world.module.title)
    assert (copied.field_id, copied.organisation_id) == (world.module.field_id, world.module.organisation_id)
    trainers = db.session.scalars(select(ModuleTrainer.user_id).where(ModuleTrainer.module_id == copied.id)).all()
    assert trainers == [world.trainer.id]
    # The people and groups stay with last year's edition.
    from lms.enrolment.models import Enrolment

    assert db.session.scalar(select(Enrolment).where(Enrolment.program_id == copy.id)) is None
    assert db.session.scalar(select(Group).where(Group.program_id == copy.id)) is None
    assert tba.program_id == world.program.id
    assert f'href="/programs/{world.program.id}/copy"' in coord_client.get(f"/programs/{world.program.id}").text


def test_group_page_adds_someone_whose_module_moved_to_another_track(coord_client, world, db):
    """A module moved to another track leaves its enrolments' track as it was: joining a group still works."""
    from lms.enrolment.models import Enrolment

    person = f.enrol(f.make_user(name="Tess Trackless"), world.program, module=world.other_module)
    world.other_module.track = world.track  # moved after the enrolment
    db.session.commit()
    response = post_form(coord_client, f"/groups/{world.group.id}/members", {"enrolments": [str(person.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, person.id).group_id == world.group.id
