"""People directory, person pages, inviting and enrolling one by one, editing enrolments."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import AccountToken, User
from lms.accounts.tokens import find_valid_token
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.programs.models import Module, ModuleTrainer, Program
from tests import factories
from tests.helpers import form_errors, post_form


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _field_error(html: str, field_id: str) -> str:
    """The error shown next to one field (the field() macro's `<id>-error` paragraph)."""
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""


# --------------------------------------------------------------------------- access

def _pages(world):
    return [
        ("GET", "/people"),
        ("GET", f"/people/{world.participant.id}"),
        ("GET", f"/people/{world.participant.id}/edit"),
        ("POST", f"/people/{world.participant.id}/edit"),
        ("POST", f"/people/{world.participant.id}/resend-invitation"),
        ("POST", f"/people/{world.participant.id}/deactivate"),
        ("POST", f"/people/{world.participant.id}/reactivate"),
        ("GET", "/people/invite"),
        ("POST", "/people/invite"),
        ("GET", f"/programs/{world.program.id}/people"),
        ("GET", f"/enrolments/{world.enrolment.id}/edit"),
        ("POST", f"/enrolments/{world.enrolment.id}/edit"),
        ("GET", f"/programs/{world.program.id}/import"),
        ("POST", f"/programs/{world.program.id}/import"),
    ]


@pytest.mark.parametrize("role", ["participant", "trainer", "other_trainer", "other_participant"])
def test_every_enrolment_page_refuses_non_coordinators(client, world, login, role, db):
    login(client, getattr(world, role))
    for method, url in _pages(world):
        response = client.get(url) if method == "GET" else post_form(client, url, {"name": "X"})
        assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    assert world.participant.deactivated_at is None
    assert world.participant.name == "Amina Participant"


def test_anonymous_is_sent_to_login_from_every_enrolment_page(client, world):
    for method, url in _pages(world):
        response = client.get(url) if method == "GET" else post_form(client, url, {})
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"]


def test_state_changes_are_post_only(client, world, login):
    login(client, world.coordinator)
    for url in (f"/people/{world.participant.id}/deactivate", f"/people/{world.participant.id}/resend-invitation"):
        assert client.get(url).status_code == 405


def test_post_without_csrf_token_is_refused(client, world, login, db):
    login(client, world.coordinator)
    response = client.post(f"/people/{world.participant.id}/deactivate")
    assert response.status_code == 400
    db.session.expire_all()
    assert world.participant.deactivated_at is None


# --------------------------------------------------------------------------- people directory

def test_people_directory_shows_everyone_with_roles_and_invitation_state(client, world, login, db):
    pending = factories.make_user(email="pending@example.test", name="Pia Pending", password=None,
                                  country="FR", timezone="Europe/Paris", organisation="Maison du livre")
    db.session.commit()
    login(client, world.coordinator)
    html = client.get("/people").get_data(as_text=True)
    for name in ("Amina Participant", "Bruno Other", "Tomas Trainer", "Clara Coordinator", "Pia Pending"):
        assert name in html
    assert "Kenya" in html and "Africa/Nairobi" in html and "Maison du livre" in html
    assert "CETP-2024" in html  # programs enrolled
    assert "Digital contents for children" in html  # modules trained
    row = html[html.index("Pia Pending"):]
    row = row[:row.index("</tr>")]
    assert "Pending" in row
    assert f"/people/{pending.id}" in html


@pytest.mark.parametrize(
    "query, present, absent",
    [
        ({"q": "amina"}, ["Amina Participant"], ["Bruno Other", "Tomas Trainer"]),
        ({"q": "TRAINER2@example"}, ["Olga Other"], ["Tomas Trainer"]),
        ({"role": "trainer"}, ["Tomas Trainer", "Olga Other"], ["Amina Participant", "Clara Coordinator"]),
        ({"role": "participant"}, ["Amina Participant", "Bruno Other"], ["Tomas Trainer"]),
        ({"role": "coordinator"}, ["Clara Coordinator"], ["Amina Participant", "Tomas Trainer"]),
        ({"country": "BR"}, ["Bruno Other"], ["Amina Participant"]),
        ({"account": "pending"}, ["Pia Pending"], ["Amina Participant"]),
        ({"account": "accepted"}, ["Amina Participant"], ["Pia Pending"]),
    ],
)
def test_people_directory_filters(client, world, login, db, query, present, absent):
    factories.make_user(email="pending@example.test", name="Pia Pending", password=None)
    db.session.commit()
    login(client, world.coordinator)
    html = client.get("/people", query_string=query).get_data(as_text=True)
    table = html[html.index("<table"):] if "<table" in html else ""
    for name in present:
        assert name in table, (query, name)
    for name in absent:
        assert name not in table, (query, name)


def test_people_search_treats_wildcards_literally(client, world, login):
    login(client, world.coordinator)
    html = client.get("/people", query_string={"q": "%"}).get_data(as_text=True)
    assert "Nobody matches these filters." in html


def test_people_directory_is_paginated_by_50(client, world, login, db):
    for n in range(60):
        factories.make_user(email=f"zz{n:02d}@example.test", name=f"Zz Person {n:02d}")
    db.session.commit()
    login(client, world.coordinator)
    first = client.get("/people").get_data(as_text=True)
    assert first.count('href="/people/') - first.count('href="/people/invite') == 50
    assert "page=2" in first
    second = client.get("/people?page=2").get_data(as_text=True)
    assert "Zz Person 59" in second and "Zz Person 59" not in first
    assert client.get("/people?page=99").status_code == 200


def _add_people(db, module_id, n):
    module = db.session.get(Module, module_id)
    for _ in range(n):
        person = factories.make_user(password=None)
        program = factories.make_program()
        factories.enrol(person, program, module=factories.make_module(factories.make_track(program)))
        db.session.add(ModuleTrainer(module=module, user=person))
        db.session.add(AccountToken(user=person, purpose=AccountToken.INVITATION, token_hash=f"h{person.id}",
                                    expires_at=utcnow()))
    db.session.commit()


def test_people_directory_uses_a_constant_number_of_queries(client, world, login, db, count_queries):
    login(client, world.coordinator)
    module_id = world.module.id
    _add_people(db, module_id, 2)
    db.session.expunge_all()  # a fresh session, as in a real request: nothing already loaded
    with count_queries() as few:
        assert client.get("/people").status_code == 200
    _add_people(db, module_id, 10)
    db.session.expunge_all()
    with count_queries() as many:
        html = client.get("/people").get_data(as_text=True)
    assert html.count("Trainer:") >= 12
    assert len(many) == len(few)


# --------------------------------------------------------------------------- person page and actions

def test_person_page_shows_details_enrolments_history_and_modules(client, world, login, db):
    db.session.add(EnrolmentEvent(enrolment=world.enrolment, actor=world.coordinator, action="group",
                                  from_value=None, to_value="Kenya delegation", note="Delegation formed"))
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/people/{world.participant.id}").get_data(as_text=True)
    assert "participant@example.test" in html and "Kenya" in html and "Africa/Nairobi" in html
    assert world.program.name in html and "Intensive" in html and "Digital contents for children" in html
    assert "Kenya delegation" in html and "Delegation formed" in html and "Clara Coordinator" in html
    assert f"/enrolments/{world.enrolment.id}/edit" in html
    trainer_html = client.get(f"/people/{world.trainer.id}").get_data(as_text=True)
    assert "Digital contents for children" in trainer_html
    assert client.get("/people/999999").status_code == 404


def test_resend_invitation_only_for_people_who_have_not_accepted(client, world, login, db, outbox):
    pending = factories.make_user(email="pending@example.test", name="Pia Pending", password=None)
    factories.enrol(pending, world.program, module=world.other_module, status=EnrolmentStatus.INVITED)
    db.session.commit()
    login(client, world.coordinator)
    page = client.get(f"/people/{pending.id}").get_data(as_text=True)
    assert "Resend invitation" in page
    response = post_form(client, f"/people/{pending.id}/resend-invitation")
    assert response.status_code == 302
    assert [m["to"] for m in outbox] == ["pending@example.test"]
    assert "/invitation/" in outbox[0]["body"] and "Citizen-led festivals" in outbox[0]["body"]

    assert "Resend invitation" not in client.get(f"/people/{world.participant.id}").get_data(as_text=True)
    post_form(client, f"/people/{world.participant.id}/resend-invitation")
    assert len(outbox) == 1


def test_fresh_invitations_for_everyone_in_a_program_who_has_not_accepted(client, world, login, db, outbox):
    pending = factories.make_user(email="pending@example.test", name="Pia Pending", password=None)
    factories.enrol(pending, world.program, module=world.other_module, status=EnrolmentStatus.INVITED)
    from lms.accounts.operations import send_invitation

    old_secret = send_invitation(pending, world.coordinator)
    blocked = factories.make_user(email="blocked@example.test", password=None, deactivated_at=utcnow())
    factories.enrol(blocked, world.program, status=EnrolmentStatus.INVITED)
    elsewhere = factories.make_user(email="elsewhere@example.test", password=None)
    factories.enrol(elsewhere, factories.make_program(), status=EnrolmentStatus.INVITED)
    db.session.commit()
    from lms.mail.operations import deliver_pending

    deliver_pending()  # the first invitation went out long ago
    outbox.clear()
    login(client, world.coordinator)

    page = client.get(f"/programs/{world.program.id}/people").get_data(as_text=True)
    assert "2 participants have not accepted their invitation yet." in page
    response = post_form(client, f"/programs/{world.program.id}/people/resend-invitations")
    assert response.status_code == 302
    assert [m["to"] for m in outbox] == ["pending@example.test"]
    assert find_valid_token(old_secret, AccountToken.INVITATION) is None  # only the newest link works
    with client.session_transaction() as session:
        assert "sent to 1 person" in session["_flashes"][-1][1]

    outbox.clear()
    other = factories.make_program()
    db.session.commit()
    post_form(client, f"/programs/{other.id}/people/resend-invitations")
    assert outbox == []


def test_deactivate_and_reactivate_keep_the_person(client, world, login, db):
    login(client, world.coordinator)
    version_before = world.participant.session_version
    assert post_form(client, f"/people/{world.participant.id}/deactivate").status_code == 302
    db.session.expire_all()
    person = db.session.get(User, world.participant.id)
    assert person.deactivated_at is not None and not person.is_active
    assert person.session_version == version_before + 1
    assert db.session.get(Enrolment, world.enrolment.id) is not None
    html = client.get("/people", query_string={"account": "deactivated"}).get_data(as_text=True)
    assert "Amina Participant" in html
    assert post_form(client, f"/people/{world.participant.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.participant.id).deactivated_at is None


def test_a_coordinator_cannot_deactivate_themselves(client, world, login, db):
    login(client, world.coordinator)
    post_form(client, f"/people/{world.coordinator.id}/deactivate")
    db.session.expire_all()
    assert db.session.get(User, world.coordinator.id).deactivated_at is None


def _person_form(person, **changes):
    data = {
        "name": person.name, "country": person.country, "timezone": person.timezone,
        "organisation": person.organisation or "", "job_title": person.job_title or "",
        "version": str(person.version),
    }
    if person.is_coordinator:
        data["is_coordinator"] = "y"
    data.update(changes)
    return data


def test_edit_person_saves_details(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, f"/people/{world.participant.id}/edit",
                         _person_form(world.participant, name="Amina N. Participant", country="TZ", timezone="",
                                      organisation="Book Council", job_title="Editor"))
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, world.participant.id)
    assert (person.name, person.country, person.timezone) == ("Amina N. Participant", "TZ", "Africa/Dar_es_Salaam")
    assert (person.organisation, person.job_title, person.is_coordinator) == ("Book Council", "Editor", False)


def test_edit_person_detects_a_concurrent_edit(client, world, login, db):
    login(client, world.coordinator)
    stale = _person_form(world.participant, name="My typed name")
    world.participant.organisation = "Changed by someone else"
    db.session.commit()
    response = post_form(client, f"/people/{world.participant.id}/edit", stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert "Changed by someone else" in html and 'value="My typed name"' in html
    db.session.expire_all()
    assert db.session.get(User, world.participant.id).name == "Amina Participant"


def test_edit_person_rejects_a_zone_for_a_multi_zone_country_left_blank(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, f"/people/{world.participant.id}/edit",
                         _person_form(world.participant, country="BR", timezone=""))
    assert "several time zones" in _field_error(response.get_data(as_text=True), "timezone")
    bad = post_form(client, f"/people/{world.participant.id}/edit",
                    _person_form(world.participant, timezone="Mars/Olympus"))
    assert "Unknown time zone" in _field_error(bad.get_data(as_text=True), "timezone")


def test_coordinator_cannot_remove_their_own_coordinator_role(client, world, login, db):
    login(client, world.coordinator)
    data = _person_form(world.coordinator)
    data.pop("is_coordinator")
    response = post_form(client, f"/people/{world.coordinator.id}/edit", data)
    assert "your own coordinator role" in _field_error(response.get_data(as_text=True), "is_coordinator")
    db.session.expire_all()
    assert db.session.get(User, world.coordinator.id).is_coordinator


# --------------------------------------------------------------------------- inviting one by one

def _invite(world, **changes):
    data = {
        "email": "new.person@example.test", "name": "Nadia New", "country": "KE", "timezone": "",
        "organisation": "Kenya Publishers", "job_title": "Editor", "role": "participant",
        "program": str(world.program.id), "track": str(world.track.id), "module": str(world.module.id),
        "group": str(world.group.id), "trainer_module": "",
    }
    data.update(changes)
    return data


def test_invite_participant_creates_person_enrolment_and_invitation(client, world, login, db, outbox):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/programs/{world.program.id}/people")
    person = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
    assert person.name == "Nadia New" and person.country == "KE" and person.timezone == "Africa/Nairobi"
    assert person.password_hash is None
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.status == EnrolmentStatus.INVITED.value
    assert (enrolment.program_id, enrolment.track_id, enrolment.module_id, enrolment.group_id) == (
        world.program.id, world.track.id, world.module.id, world.group.id)
    assert [(e.action, e.actor_id) for e in enrolment.events] == [("enrolled", world.coordinator.id)]
    assert len(outbox) == 1 and outbox[0]["to"] == "new.person@example.test"
    body = outbox[0]["body"]
    assert f"You are enrolled in {world.program.name}, module Digital contents for children" in body
    token = re.search(r"http://localhost/invitation/(\S+)", body).group(1)
    assert find_valid_token(token, AccountToken.INVITATION).user_id == person.id
    assert client.get(f"/invitation/{token}").status_code == 200


def test_invite_prefills_the_program_from_the_program_page(client, world, login):
    login(client, world.coordinator)
    html = client.get(f"/people/invite?program_id={world.program.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{world.program.id}">|<option value="{world.program.id}" selected',
                     html)


def test_invite_reuses_an_existing_email_in_another_case(client, world, login, db, outbox):
    other_program = factories.make_program(name="2024 Administrators Program")
    track = factories.make_track(other_program, name="Admin")
    module = factories.make_module(track, title="Cultural administration")
    db.session.commit()
    users_before = _count(db, User)
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(
        world, email="  Participant@EXAMPLE.test ", name="Someone Else", program=str(other_program.id),
        track=str(track.id), module=str(module.id), group=""))
    assert response.status_code == 302
    assert _count(db, User) == users_before
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.program_id == other_program.id))
    assert enrolment.user_id == world.participant.id
    assert enrolment.status == EnrolmentStatus.ACTIVE.value  # they have an account already
    db.session.expire_all()
    assert db.session.get(User, world.participant.id).name == "Amina Participant"  # details kept
    assert outbox == []


def test_invite_someone_already_enrolled_shows_error_next_to_program_with_link(client, world, login, db):
    login(client, world.coordinator)
    enrolments_before = _count(db, Enrolment)
    response = post_form(client, "/people/invite", _invite(world, email="PARTICIPANT@example.test"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already enrolled in this program" in _field_error(html, "program")
    assert f"/enrolments/{world.enrolment.id}/edit" in html
    assert _count(db, Enrolment) == enrolments_before


def test_invite_validates_track_module_and_group_against_the_program(client, world, login, db):
    other_program = factories.make_program()
    foreign_group = factories.make_group(other_program, "Elsewhere")
    db.session.commit()
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(
        world, track=str(world.track.id), module=str(world.other_module.id), group=str(foreign_group.id)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "belongs to the track General, not Intensive" in _field_error(html, "module")
    assert "not part of" in _field_error(html, "group")
    assert 'value="Nadia New"' in html  # what was typed is kept
    assert db.session.scalar(select(User).where(User.email == "new.person@example.test")) is None


def test_invite_requires_a_program_for_a_participant(client, world, login):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, program="", track="", module="", group=""))
    assert "Choose the program" in _field_error(response.get_data(as_text=True), "program")


@pytest.mark.parametrize(
    "changes, field_id, message",
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"country": "BR", "timezone": ""}, "timezone", "several time zones"),
        ({"timezone": "Nowhere/Atlantis"}, "timezone", "Unknown time zone"),
        ({"country": ""}, "country", "country"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_invite_shows_bad_input_next_to_the_field(client, world, login, db, changes, field_id, message):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, **changes))
    assert response.status_code == 200
    assert message in _field_error(response.get_data(as_text=True), field_id)
    assert db.session.scalar(select(User).where(User.email == "new.person@example.test")) is None


@pytest.mark.parametrize("changes, message", [
    ({"country": "ZZ"}, "Choose a country from the list."),
    ({"role": "boss"}, "Choose a role."),
])
def test_invite_says_what_is_wrong_once_and_keeps_what_was_typed(client, world, login, db, changes, message):
    from tests.helpers import form_errors

    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert form_errors(html) == [message]  # not also WTForms' generic "Not a valid choice."
    assert 'value="Nadia New"' in html and 'value="Kenya Publishers"' in html and 'value="Editor"' in html


def test_invite_with_explicit_zone_for_a_multi_zone_country(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, country="BR", timezone="America/Sao_Paulo"))
    assert response.status_code == 302
    assert db.session.scalar(select(User.timezone).where(User.email == "new.person@example.test")) == \
        "America/Sao_Paulo"


def test_invite_trainer_adds_module_trainer(client, world, login, db, outbox):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(
        world, email="new.trainer@example.test", name="Tara Trainer", role="trainer", program="", track="",
        module="", group="", trainer_module=str(world.other_module.id)))
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "new.trainer@example.test"))
    assert db.session.get(ModuleTrainer, (world.other_module.id, person.id)) is not None
    assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.user_id == person.id)) == 0
    assert len(outbox) == 1 and "Citizen-led festivals" in outbox[0]["body"]


def test_invite_trainer_requires_a_module(client, world, login):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, role="trainer", trainer_module=""))
    assert "Choose the module" in _field_error(response.get_data(as_text=True), "trainer_module")


def test_invite_coordinator_sets_the_flag(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, email="office@example.test", role="coordinator"))
    assert response.status_code == 302
    assert db.session.scalar(select(User.is_coordinator).where(User.email == "office@example.test")) is True


# --------------------------------------------------------------------------- program people

def test_program_people_lists_participants_counts_and_trainers(client, world, login, db):
    withdrawn = factories.make_user(name="Wanda Withdrawn", country="KE")
    factories.enrol(withdrawn, world.program, module=world.module, status=EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/programs/{world.program.id}/people").get_data(as_text=True)
    assert "3 participants" in html
    assert re.search(r"<strong>2</strong>\s*Active", html) and re.search(r"<strong>1</strong>\s*Withdrawn", html)
    assert "Kenya: 2" in html and "Brazil: 1" in html
    for text in ("Amina Participant", "Bruno Other", "Wanda Withdrawn", "Kenya delegation", "Tomas Trainer",
                 "Olga Other", "Invite someone to this program", f"/programs/{world.program.id}/import",
                 f"/people/invite?program_id={world.program.id}"):
        assert text in html


@pytest.mark.parametrize(
    "query, present, absent",
    [
        ("track={track}", ["Amina Participant"], ["Bruno Other"]),
        ("module={other_module}", ["Bruno Other"], ["Amina Participant"]),
        ("group={group}", ["Amina Participant"], ["Bruno Other"]),
        ("group=none", ["Bruno Other"], ["Amina Participant"]),
        ("country=BR", ["Bruno Other"], ["Amina Participant"]),
        ("status=withdrawn", [], ["Amina Participant", "Bruno Other"]),
    ],
)
def test_program_people_filters(client, world, login, query, present, absent):
    login(client, world.coordinator)
    query = query.format(track=world.track.id, other_module=world.other_module.id, group=world.group.id)
    html = client.get(f"/programs/{world.program.id}/people?{query}").get_data(as_text=True)
    participants = html[html.index('id="participants-title"'):html.index('id="trainers-title"')]
    for name in present:
        assert name in participants
    for name in absent:
        assert name not in participants


def test_program_people_uses_a_constant_number_of_queries(client, world, login, db, count_queries):
    login(client, world.coordinator)
    program_id, module_ids = world.program.id, [world.module.id, world.other_module.id]

    def add(n):
        program = db.session.get(Program, program_id)
        for i in range(n):
            person = factories.make_user(country=["KE", "BR", "FR"][i % 3], timezone="UTC")
            group = factories.make_group(program)
            factories.enrol(person, program, module=db.session.get(Module, module_ids[i % 2]), group=group)
            db.session.add(ModuleTrainer(module=db.session.get(Module, module_ids[i % 2]),
                                         user=factories.make_user()))
        db.session.commit()
        db.session.expunge_all()  # a fresh session, as in a real request

    add(2)
    with count_queries() as few:
        assert client.get(f"/programs/{program_id}/people").status_code == 200
    add(10)
    with count_queries() as many:
        html = client.get(f"/programs/{program_id}/people").get_data(as_text=True)
    assert "14 participants" in html
    assert len(many) == len(few)


def test_program_people_404_for_unknown_program(client, world, login):
    login(client, world.coordinator)
    assert client.get("/programs/999999/people").status_code == 404


# --------------------------------------------------------------------------- editing an enrolment

def _enrolment_form(enrolment, **changes):
    data = {
        "track": str(enrolment.track_id or ""), "module": str(enrolment.module_id or ""),
        "group": str(enrolment.group_id or ""), "status": enrolment.status, "note": "",
        "version": str(enrolment.version),
    }
    data.update(changes)
    return data


def test_edit_enrolment_records_every_change_as_an_event(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, f"/enrolments/{world.enrolment.id}/edit", _enrolment_form(
        world.enrolment, track=str(world.other_track.id), module=str(world.other_module.id), group="",
        status="withdrawn", note="Changed field after week one"))
    assert response.status_code == 302
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, world.enrolment.id)
    assert (enrolment.track_id, enrolment.module_id, enrolment.group_id, enrolment.status) == (
        world.other_track.id, world.other_module.id, None, "withdrawn")
    events = {e.action: e for e in enrolment.events}
    assert set(events) == {"moved", "group", "status"}
    assert events["moved"].from_value == "Intensive · Digital contents for children"
    assert events["moved"].to_value == "General · Citizen-led festivals"
    assert (events["group"].from_value, events["group"].to_value) == ("Kenya delegation", None)
    assert (events["status"].from_status, events["status"].to_status) == ("active", "withdrawn")
    assert all(e.note == "Changed field after week one" and e.actor_id == world.coordinator.id
               for e in events.values())
    html = client.get(f"/people/{world.participant.id}").get_data(as_text=True)
    assert "General · Citizen-led festivals" in html and "Withdrawn" in html


def test_edit_enrolment_takes_the_track_from_the_module(client, world, login, db):
    login(client, world.coordinator)
    post_form(client, f"/enrolments/{world.enrolment.id}/edit",
              _enrolment_form(world.enrolment, track="", module=str(world.other_module.id)))
    db.session.expire_all()
    assert db.session.get(Enrolment, world.enrolment.id).track_id == world.other_track.id


def test_edit_enrolment_without_changes_records_nothing(client, world, login, db):
    login(client, world.coordinator)
    post_form(client, f"/enrolments/{world.enrolment.id}/edit", _enrolment_form(world.enrolment))
    assert _count(db, EnrolmentEvent) == 0


def test_edit_enrolment_rejects_a_module_of_another_track_or_program(client, world, login, db):
    other_program = factories.make_program()
    foreign_module = factories.make_module(factories.make_track(other_program))
    db.session.commit()
    login(client, world.coordinator)
    response = post_form(client, f"/enrolments/{world.enrolment.id}/edit",
                         _enrolment_form(world.enrolment, module=str(world.other_module.id)))
    assert "not Intensive" in _field_error(response.get_data(as_text=True), "module")
    response = post_form(client, f"/enrolments/{world.enrolment.id}/edit",
                         _enrolment_form(world.enrolment, track="", module=str(foreign_module.id)))
    assert "not part of" in _field_error(response.get_data(as_text=True), "module")
    db.session.expire_all()
    assert db.session.get(Enrolment, world.enrolment.id).module_id == world.module.id
    assert _count(db, EnrolmentEvent) == 0


def test_edit_enrolment_detects_a_concurrent_edit(client, world, login, db):
    login(client, world.coordinator)
    stale = _enrolment_form(world.enrolment, status="withdrawn", note="my note")
    other_group = factories.make_group(world.program, "Latin America")
    world.enrolment.group = other_group  # someone else saves first
    db.session.commit()
    response = post_form(client, f"/enrolments/{world.enrolment.id}/edit", stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in html and "Latin America" in html
    assert "my note" in html
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, world.enrolment.id)
    assert enrolment.status == "active" and enrolment.group_id == other_group.id
    assert _count(db, EnrolmentEvent) == 0


def test_invited_enrolments_become_active_when_the_invitation_is_accepted(world, db):
    from lms.enrolment.operations import activate_invited_enrolments

    person = factories.make_user(password=None)
    enrolment = factories.enrol(person, world.program, module=world.module, status=EnrolmentStatus.INVITED)
    activate_invited_enrolments(person)
    db.session.flush()
    assert enrolment.status == "active"
    assert [(e.action, e.from_status, e.to_status) for e in enrolment.events] == [("status", "invited", "active")]


def test_form_errors_helper_sees_enrolment_errors(client, world, login):
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world, email="bad"))
    assert any("valid email" in error for error in form_errors(response.get_data(as_text=True)))


def test_enrol_in_another_program_starts_from_the_person(client, world, login):
    login(client, world.coordinator)
    page = client.get(f"/people/{world.participant.id}").get_data(as_text=True)
    assert "/people/invite?email=participant@example.test" in page
    html = client.get("/people/invite?email=PARTICIPANT@example.test").get_data(as_text=True)
    assert 'value="participant@example.test"' in html and 'value="Amina Participant"' in html


def test_edit_person_keeps_an_older_zone_spelling_selectable(client, world, login, db):
    world.participant.timezone = "Asia/Calcutta"
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/people/{world.participant.id}/edit").get_data(as_text=True)
    assert '<option selected value="Asia/Calcutta">' in html
    response = post_form(client, f"/people/{world.participant.id}/edit", _person_form(world.participant))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.participant.id).timezone == "Asia/Calcutta"


# --------------------------------------------------------------------------- archived records take no one new

def _archive(db, *records):
    for record in records:
        record.archived_at = utcnow()
    db.session.commit()


@pytest.mark.parametrize("kind, field_id", [("other_track", "track"), ("other_module", "module"), ("group", "group")])
def test_invite_refuses_an_archived_track_module_or_group(client, world, login, db, kind, field_id):
    _archive(db, getattr(world, kind))
    login(client, world.coordinator)
    placement = {"track": str(world.other_track.id), "module": str(world.other_module.id), "group": ""}
    if kind == "group":
        placement = {"group": str(world.group.id)}
    response = post_form(client, "/people/invite", _invite(world, **placement))
    assert response.status_code == 200
    assert "archived" in _field_error(response.get_data(as_text=True), field_id)
    assert db.session.scalar(select(User).where(User.email == "new.person@example.test")) is None


def test_invite_offers_no_archived_track_or_module(client, world, login, db):
    _archive(db, world.other_track)
    login(client, world.coordinator)
    html = client.get("/people/invite").get_data(as_text=True)
    assert f'value="{world.track.id}"' in html
    assert f'<option value="{world.other_track.id}">' not in html
    assert world.other_module.title not in html


def test_invite_refuses_an_archived_program_and_an_archived_module_for_a_trainer(client, world, login, db):
    _archive(db, world.program)
    login(client, world.coordinator)
    response = post_form(client, "/people/invite", _invite(world))
    assert "archived" in _field_error(response.get_data(as_text=True), "program")
    response = post_form(client, "/people/invite", _invite(world, role="trainer",
                                                           trainer_module=str(world.module.id)))
    assert "archived" in _field_error(response.get_data(as_text=True), "trainer_module")
    assert db.session.scalar(select(User).where(User.email == "new.person@example.test")) is None


def test_edit_enrolment_keeps_its_archived_placement_but_offers_no_other(client, world, login, db):
    _archive(db, world.group, world.other_module)
    login(client, world.coordinator)
    html = client.get(f"/enrolments/{world.enrolment.id}/edit").get_data(as_text=True)
    assert f"{world.group.name} (archived)" in html  # their own group, still selected
    assert world.other_module.title not in html
    # Saving without a change keeps the archived group; moving into an archived module is refused.
    response = post_form(client, f"/enrolments/{world.enrolment.id}/edit",
                         _enrolment_form(world.enrolment, status="withdrawn"))
    assert response.status_code == 302
    response = post_form(client, f"/enrolments/{world.enrolment.id}/edit", _enrolment_form(
        world.enrolment, track=str(world.other_track.id), module=str(world.other_module.id)))
    assert "archived" in _field_error(response.get_data(as_text=True), "module")
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, world.enrolment.id)
    assert (enrolment.group_id, enrolment.module_id, enrolment.status) == (world.group.id, world.module.id,
                                                                          "withdrawn")
