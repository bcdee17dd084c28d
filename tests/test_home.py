"""The home page: one page whose sections follow what the signed-in person is."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentStatus
from lms.home import queries
from tests import factories as f


def _page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _text(page: str) -> str:
    """The page's text with tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{section_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_anonymous_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- Participant ------------------------------------------------------------


def test_participant_sees_program_timeline_module_trainers_and_group(client, login, world, db):
    mate = f.make_user(name="Grace Groupmate", country="NG", timezone="Africa/Lagos")
    f.enrol(mate, world.program, module=world.module, group=world.group)
    gone = f.make_user(name="Walter Withdrawn", country="GH", timezone="Africa/Accra")
    f.enrol(gone, world.program, module=world.module, group=world.group, status=EnrolmentStatus.WITHDRAWN)
    login(client, world.participant)

    page = _page(client)
    section = _text(_section(page, "home-participant"))
    assert "2024 Cultural Experts Training Program" in section
    assert "Active" in section
    # Online phase: as the program states it (zone named) and in the viewer's zone (Nairobi).
    assert "Online phase" in section
    assert "Jul 22, 2024 – Aug 2, 2024 (Asia/Seoul)" in section
    assert "In your time zone: from Sun, Jul 21, 2024, 18:00 (Africa/Nairobi, EAT) to Fri, Aug 2, 2024, 17:59 (Africa/Nairobi, EAT)" in section
    assert "Africa/Nairobi" in section
    # Offline phase of their track, with its location.
    assert "Offline phase in Korea" in section
    assert "Intensive track" in section
    assert "Aug 19, 2024 – Sep 13, 2024 (Asia/Seoul)" in section
    assert "Location: Seoul" in section
    assert "Finished" in section  # 2024 is over: the phases are past
    # Module, field, organisation and trainers.
    assert "Digital contents for children" in section
    assert "Publication" in section and "EDCN" in section
    assert "Tomas Trainer" in section
    assert "Olga Other" not in section  # the other module's trainer
    # Group with the other (non-withdrawn) members and their countries.
    assert "Kenya delegation" in section
    assert "Grace Groupmate (Nigeria)" in section
    assert "Walter Withdrawn" not in section
    assert "Amina Participant (Kenya)" not in section  # not listed among the others
    # Nobody else's sections.
    assert _section(page, "home-trainer") == ""
    assert _section(page, "home-coordinator") == ""
    assert "Bruno Other" not in page


def test_offline_dates_to_be_announced_when_track_dates_are_unknown(client, login, db):
    program = f.make_program(name="2025 Cultural Experts Training Program", code="CETP-2025", year=2025,
                             online=(date(2025, 7, 21), date(2025, 8, 1)))
    track = f.make_track(program, name="Intensive", offline=None, location="Busan")
    module = f.make_module(track, title="Cultural products by design")
    person = f.make_user(country="PE", timezone="America/Lima")
    f.enrol(person, program, module=module)
    login(client, person)

    section = _text(_section(_page(client), "home-participant"))
    assert "Offline phase in Korea" in section
    assert "Dates to be announced" in section
    assert "To be announced" in section  # the phase's state badge
    assert "Location: Busan" in section
    assert "Your group" in section and "You are not in a group." in section


def test_online_only_program_says_so(client, login, db):
    program = f.make_program(name="2024 Online Curators Course", has_offline_phase=False)
    track = f.make_track(program, name="Online", offline=None, location=None)
    module = f.make_module(track, title="Curating online")
    person = f.make_user()
    f.enrol(person, program, module=module)
    login(client, person)

    section = _text(_section(_page(client), "home-participant"))
    assert "This program is online only." in section
    assert "Offline phase in Korea" not in section


def _seoul_today() -> date:
    return datetime.now(ZoneInfo("Asia/Seoul")).date()


def test_countdown_to_the_next_phase(client, login, db):
    start = _seoul_today() + timedelta(days=12)
    program = f.make_program(name="Future Program", year=start.year, online=(start, start + timedelta(days=11)))
    track = f.make_track(program, offline=(start + timedelta(days=28), start + timedelta(days=48)))
    person = f.make_user()
    f.enrol(person, program, module=f.make_module(track))
    login(client, person)

    section = _text(_section(_page(client), "home-participant"))
    assert re.search(r"The online phase starts in 1[12] days\.", section), section
    assert "Upcoming" in section


def test_countdown_to_the_end_of_the_current_phase(client, login, db):
    today = _seoul_today()
    program = f.make_program(name="Running Program", year=today.year,
                             online=(today - timedelta(days=3), today + timedelta(days=4)))
    track = f.make_track(program, offline=(today + timedelta(days=30), today + timedelta(days=50)))
    person = f.make_user(country="KR", timezone="Asia/Seoul")
    f.enrol(person, program, module=f.make_module(track))
    login(client, person)

    section = _text(_section(_page(client), "home-participant"))
    assert re.search(r"The online phase ends in [45] days\.", section), section
    assert "Under way" in section
    assert "In your time zone" not in section  # the viewer is in the program's zone


def test_enrolments_newest_program_first_and_withdrawn_muted(client, login, db):
    person = f.make_user()
    old = f.make_program(name="2023 Cultural Experts Training Program", year=2023,
                         online=(date(2023, 7, 24), date(2023, 8, 4)))
    new = f.make_program(name="2024 Cultural Administrators Training Program", year=2024,
                         online=(date(2024, 8, 19), date(2024, 8, 23)))
    f.enrol(person, old, module=f.make_module(f.make_track(old)), status=EnrolmentStatus.WITHDRAWN)
    f.enrol(person, new, module=f.make_module(f.make_track(new)))
    login(client, person)

    page = _page(client)
    assert page.index("2024 Cultural Administrators") < page.index("2023 Cultural Experts")
    withdrawn = re.search(r'<article class="card home-enrolment is-withdrawn">.*?</article>', page, re.S)
    assert withdrawn and "2023 Cultural Experts" in withdrawn.group(0)
    assert "You have withdrawn from this program." in withdrawn.group(0)


def test_archived_program_is_not_on_the_participant_home(client, login, db):
    person = f.make_user()
    program = f.make_program(name="Archived Program", archived_at=utcnow())
    f.enrol(person, program, module=f.make_module(f.make_track(program)))
    login(client, person)

    page = _page(client)
    assert "Archived Program" not in page
    assert "You are not enrolled in a program yet" in page


# --- Trainer ----------------------------------------------------------------


def test_trainer_sees_their_module_participants_only(client, login, world, db):
    login(client, world.trainer)
    page = _page(client)
    section = _section(page, "home-trainer")
    text = _text(section)
    assert "Modules you train" in text
    assert "Digital contents for children" in text
    assert "2024 Cultural Experts Training Program" in text
    assert "Intensive" in text and "Publication" in text and "EDCN" in text
    assert "Amina Participant" in text
    assert "Kenya" in text and "Africa/Nairobi" in text
    assert "Kenya delegation" in text
    assert "Active" in text
    # Not the other module, nor its participants.
    assert "Citizen-led festivals" not in page
    assert "Bruno Other" not in page and "Brazil" not in page
    assert _section(page, "home-participant") == ""
    assert _section(page, "home-coordinator") == ""


def test_person_with_several_roles_sees_each_section(client, login, world, db):
    other = f.make_program(name="2025 Cultural Administrators Training Program", code="CATP-2025", year=2025,
                           online=(date(2025, 8, 18), date(2025, 8, 22)))
    f.enrol(world.trainer, other, module=f.make_module(f.make_track(other)))
    login(client, world.trainer)
    page = _page(client)
    assert "2025 Cultural Administrators Training Program" in _section(page, "home-participant")
    assert "Amina Participant" in _section(page, "home-trainer")


def _trainer_world(modules: int, per_module: int):
    trainer = f.make_user(email=f"t{modules}@example.test", name="Query Trainer", country="KR",
                          timezone="Asia/Seoul")
    countries = ["KE", "BR", "NG", "VN", "PE"]
    for m in range(modules):
        program = f.make_program()
        track = f.make_track(program)
        group = f.make_group(program)
        module = f.make_module(track, organisation=f.make_organisation(), trainers=[trainer])
        for p in range(per_module):
            person = f.make_user(country=countries[p % len(countries)])
            f.enrol(person, program, module=module, group=group if p % 2 else None)
    return trainer


def test_trainer_section_uses_a_constant_number_of_queries(app, client, login, db, count_queries):
    small = _trainer_world(1, 2)
    login(client, small)
    client.get("/")  # warm up (first request compiles templates)
    db.session.commit()  # start each measurement with nothing cached in the session
    with count_queries() as few:
        assert client.get("/").status_code == 200

    big = _trainer_world(4, 10)
    other_client = app.test_client()
    login(other_client, big)
    db.session.commit()
    with count_queries() as many:
        page = _page(other_client)
    assert page.count('<article class="card home-module">') == 4
    assert len(many) == len(few), "\n".join(s[:90] for s in many) + "\n---\n" + "\n".join(s[:90] for s in few)


# --- Coordinator --------------------------------------------------------------


def _coordinator_program(name="2024 Cultural Experts Training Program", **extra):
    program = f.make_program(name=name, **extra)
    module = f.make_module(f.make_track(program, name="Intensive"))
    people = [
        ("KE", EnrolmentStatus.ACTIVE), ("KE", EnrolmentStatus.ACTIVE), ("BR", EnrolmentStatus.ACTIVE),
        ("KE", EnrolmentStatus.WITHDRAWN), ("NG", EnrolmentStatus.INVITED),
    ]
    for country, status in people:
        f.enrol(f.make_user(country=country), program, module=module, status=status)
    return program


def test_coordinator_counts_by_status_and_country(app, client, login, coordinator, db):
    program = _coordinator_program()
    f.make_program(name="Old Archived Program", archived_at=utcnow())
    db.session.commit()

    with app.test_request_context():
        summaries = queries.coordinator_programs()
    assert [s.name for s in summaries] == [program.name]
    summary = summaries[0]
    assert {c.key: c.count for c in summary.by_status} == {"active": 3, "withdrawn": 1, "invited": 1}
    assert [c.key for c in summary.by_status] == ["invited", "active", "withdrawn"]
    assert {c.key: c.count for c in summary.by_country} == {"KE": 2, "BR": 1, "NG": 1}
    assert summary.total == 5 and summary.enrolled == 4 and summary.country_count == 3

    login(client, coordinator)
    page = _page(client)
    section = _section(page, "home-coordinator")
    text = _text(section)
    assert "2024 Cultural Experts Training Program" in text
    assert "Old Archived Program" not in page
    assert "Active: 3" in text and "Withdrawn: 1" in text and "Invited: 1" in text
    assert "Kenya: 2" in text and "Brazil: 1" in text and "Nigeria: 1" in text
    assert "5 enrolled" in text and "3 countries" in text
    assert "Jul 22, 2024 – Aug 2, 2024 (Asia/Seoul)" in text
    assert "Intensive track" in text and "Aug 19, 2024 – Sep 13, 2024 (Asia/Seoul)" in text
    assert _section(page, "home-participant") == ""


def test_coordinator_counts_lead_to_the_people_behind_them(app, client, login, coordinator, db):
    program = _coordinator_program()
    login(client, coordinator)
    page = _page(client)
    status_link = f"/programs/{program.id}/people?status=withdrawn"
    country_link = f"/programs/{program.id}/people?country=KE"
    assert f'href="{status_link}"' in page and f'href="{country_link}"' in page
    assert f'href="/people/invite?program_id={program.id}"' in page
    assert f'href="/programs/{program.id}/import"' in page

    def listed(url):  # rows of the participants table the link opens
        html = client.get(url).get_data(as_text=True)
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        return body.count("<tr>")

    assert listed(status_link) == 1 and listed(country_link) == 3  # two active Kenyans and one who withdrew


def test_coordinator_counts_speak_in_the_singular_for_one(client, login, coordinator, db):
    program = f.make_program(name="Small Program")
    f.enrol(f.make_user(country="KE"), program, status=EnrolmentStatus.ACTIVE)
    login(client, coordinator)
    text = _text(_section(_page(client), "home-coordinator"))
    assert "1 enrolled" in text and "1 country" in text and "1 countries" not in text


@pytest.mark.parametrize("endpoint", ["programs.program_detail", "enrolment.program_people"])
def test_coordinator_links_to_program_pages_when_they_exist(app, client, login, coordinator, db, endpoint):
    program = _coordinator_program()
    login(client, coordinator)
    page = _page(client)  # renders whether or not the other features provide these pages yet
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not built yet")
    from flask import url_for

    with app.test_request_context():
        url = url_for(endpoint, program_id=program.id)
    assert f'href="{url}"' in page


def test_coordinator_without_programs_is_told_so(client, login, coordinator):
    login(client, coordinator)
    page = _page(client)
    assert "There is no active program." in page
    assert "You are not enrolled in a program yet" not in page


def test_coordinator_section_uses_a_constant_number_of_queries(client, login, coordinator, db, count_queries):
    _coordinator_program()
    login(client, coordinator)
    client.get("/")
    db.session.commit()  # start each measurement with nothing cached in the session
    with count_queries() as few:
        assert client.get("/").status_code == 200

    for n in range(5):
        _coordinator_program(name=f"Program {n}", online=(date(2025, 1, 1 + n), date(2025, 2, 1)))
    db.session.commit()
    with count_queries() as many:
        page = _page(client)
    assert page.count('<article class="card home-program">') == 6
    assert len(many) == len(few), "\n".join(s[:90] for s in many) + "\n---\n" + "\n".join(s[:90] for s in few)


# --- Nobody yet -----------------------------------------------------------------


def test_person_without_a_role_is_told_whom_to_contact(client, login, coordinator, db):
    person = f.make_user(name="Nora Newcomer")
    login(client, person)
    page = _page(client)
    assert "You are not enrolled in a program yet" in page
    assert "Clara Coordinator" in page and 'href="mailto:coord@example.test"' in page
    for section in ("home-participant", "home-trainer", "home-coordinator"):
        assert _section(page, section) == ""


@pytest.mark.parametrize("role", ["participant", "trainer", "coordinator"])
def test_home_is_escaped(client, login, world, db, role):
    world.program.name = "<script>alert(1)</script> Program"
    db.session.commit()
    login(client, getattr(world, role))
    raw = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Program" in raw
