"""Who may open the programs pages: coordinators everywhere; a module's own trainers on its page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.programs.access import can_manage_program, can_view_module
from lms.programs.models import Program
from tests.helpers import post_form

GET_PAGES = [
    lambda w: "/programs/",
    lambda w: "/programs/?archived=1",
    lambda w: "/programs/new",
    lambda w: f"/programs/{w.program.id}",
    lambda w: f"/programs/{w.program.id}/edit",
    lambda w: f"/programs/{w.program.id}/tracks/new",
    lambda w: f"/programs/{w.program.id}/groups/new",
    lambda w: f"/tracks/{w.track.id}/edit",
    lambda w: f"/tracks/{w.track.id}/modules/new",
    lambda w: f"/modules/{w.module.id}/edit",
    lambda w: f"/groups/{w.group.id}",
    lambda w: f"/groups/{w.group.id}/edit",
    lambda w: "/fields/",
    lambda w: "/fields/new",
    lambda w: f"/fields/{w.field.id}/edit",
    lambda w: "/organisations/",
    lambda w: "/organisations/new",
    lambda w: f"/organisations/{w.organisation.id}/edit",
]

POST_ACTIONS = [
    lambda w: "/programs/new",
    lambda w: f"/programs/{w.program.id}/edit",
    lambda w: f"/programs/{w.program.id}/archive",
    lambda w: f"/programs/{w.program.id}/restore",
    lambda w: f"/programs/{w.program.id}/tracks/new",
    lambda w: f"/programs/{w.program.id}/groups/new",
    lambda w: f"/tracks/{w.track.id}/edit",
    lambda w: f"/tracks/{w.track.id}/archive",
    lambda w: f"/tracks/{w.track.id}/restore",
    lambda w: f"/tracks/{w.track.id}/move",
    lambda w: f"/tracks/{w.track.id}/modules/new",
    lambda w: f"/modules/{w.module.id}/edit",
    lambda w: f"/modules/{w.module.id}/archive",
    lambda w: f"/modules/{w.module.id}/restore",
    lambda w: f"/modules/{w.module.id}/move",
    lambda w: f"/modules/{w.module.id}/trainers",
    lambda w: f"/modules/{w.module.id}/trainers/{w.trainer.id}/remove",
    lambda w: f"/groups/{w.group.id}/edit",
    lambda w: f"/groups/{w.group.id}/archive",
    lambda w: f"/groups/{w.group.id}/restore",
    lambda w: "/fields/new",
    lambda w: f"/fields/{w.field.id}/edit",
    lambda w: f"/fields/{w.field.id}/archive",
    lambda w: f"/fields/{w.field.id}/restore",
    lambda w: "/organisations/new",
    lambda w: f"/organisations/{w.organisation.id}/edit",
    lambda w: f"/organisations/{w.organisation.id}/archive",
    lambda w: f"/organisations/{w.organisation.id}/restore",
]

NOT_COORDINATORS = ["trainer", "other_trainer", "participant", "other_participant"]


@pytest.mark.parametrize("role", NOT_COORDINATORS)
@pytest.mark.parametrize("page", range(len(GET_PAGES)))
def test_coordinator_pages_refuse_trainers_and_participants(client, login, world, role, page):
    login(client, getattr(world, role))
    assert client.get(GET_PAGES[page](world)).status_code == 403


@pytest.mark.parametrize("role", NOT_COORDINATORS)
@pytest.mark.parametrize("action", range(len(POST_ACTIONS)))
def test_coordinator_actions_refuse_trainers_and_participants(client, login, world, db, role, action):
    login(client, getattr(world, role))
    response = post_form(client, POST_ACTIONS[action](world),
                         {"name": "Hijacked", "code": "HIJACK", "email": world.other_trainer.email})
    assert response.status_code == 403
    db.session.expire_all()
    assert world.program.archived_at is None and world.program.name != "Hijacked"
    assert world.track.archived_at is None and world.module.archived_at is None
    assert {t.id for t in world.module.trainers} == {world.trainer.id}
    assert db.session.scalar(select(Program).where(Program.code == "HIJACK")) is None


@pytest.mark.parametrize("page", range(len(GET_PAGES)))
def test_anonymous_is_sent_to_login(client, world, page):
    response = client.get(GET_PAGES[page](world))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_anonymous_post_is_sent_to_login_and_changes_nothing(client, world, db):
    response = post_form(client, f"/programs/{world.program.id}/archive")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(world.program)
    assert world.program.archived_at is None


@pytest.mark.parametrize("page", range(len(GET_PAGES)))
def test_coordinator_opens_every_page(client, login, world, page):
    login(client, world.coordinator)
    assert client.get(GET_PAGES[page](world)).status_code == 200


def test_module_page_access(client, login, world):
    url = f"/modules/{world.module.id}"
    assert client.get(url).status_code == 302  # anonymous: to login
    for person, expected in [
        (world.coordinator, 200),
        (world.trainer, 200),  # its own trainer
        (world.other_trainer, 403),  # a trainer of another module
        (world.participant, 403),  # even a participant of this module
        (world.other_participant, 403),
    ]:
        login(client, person)
        assert client.get(url).status_code == expected, person.email


def test_record_rules(world):
    assert can_manage_program(world.coordinator)
    assert not can_manage_program(world.trainer) and not can_manage_program(world.participant)
    assert can_view_module(world.coordinator, world.module)
    assert can_view_module(world.trainer, world.module)
    assert not can_view_module(world.trainer, world.other_module)
    assert not can_view_module(world.other_trainer, world.module)
    assert not can_view_module(world.participant, world.module)


def test_archive_and_move_refuse_get(client, login, world):
    login(client, world.coordinator)
    for url in (f"/tracks/{world.track.id}/archive", f"/tracks/{world.track.id}/move",
                f"/modules/{world.module.id}/trainers/{world.trainer.id}/remove"):
        assert client.get(url).status_code == 405
