"""Modules: set-up pages, the module page (coordinators and its trainers), trainers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.programs.models import Module, ModuleTrainer
from tests import factories as f
from tests.helpers import form_errors, post_form


def version_in(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)


def module_form(world, **overrides):
    data = {
        "title": "Capacity Building for Developing and Marketing Cultural Products",
        "short_title": "Cultural Products",
        "field_id": str(world.field.id),
        "track_id": str(world.track.id),
        "organisation_id": str(world.organisation.id),
        "description": "Design thinking.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def coord_client(client, login, world):
    login(client, world.coordinator)
    return client


def test_create_module_in_track(coord_client, world, db):
    page = coord_client.get(f"/tracks/{world.track.id}/modules/new")
    assert page.status_code == 200
    assert f'<option selected value="{world.track.id}">Intensive</option>' in page.text
    response = post_form(coord_client, f"/tracks/{world.track.id}/modules/new", module_form(world))
    assert response.status_code == 302
    module = db.session.scalar(select(Module).where(Module.short_title == "Cultural Products"))
    assert response.headers["Location"].endswith(f"/modules/{module.id}")
    assert (module.track_id, module.field_id, module.organisation_id) == (
        world.track.id, world.field.id, world.organisation.id)
    assert module.position > world.module.position  # added at the end of the track


def test_module_form_requires_title_and_field(coord_client, world, db):
    response = post_form(coord_client, f"/tracks/{world.track.id}/modules/new",
                         module_form(world, title="", field_id="", short_title="Typed short"))
    assert response.status_code == 200
    errors = form_errors(response.text)
    assert "Enter the module's title." in errors and "Choose the module's field." in errors
    assert 'value="Typed short"' in response.text
    assert db.session.scalar(select(Module).where(Module.short_title == "Typed short")) is None


def test_module_form_refuses_a_track_of_another_program(coord_client, world, db):
    foreign = f.make_track(f.make_program(), name="Foreign")
    db.session.commit()
    response = post_form(coord_client, f"/tracks/{world.track.id}/modules/new",
                         module_form(world, track_id=str(foreign.id)))
    assert response.status_code == 200
    assert re.search(r'id="track_id-error"', response.text)
    assert db.session.scalars(select(Module).where(Module.track_id == foreign.id)).first() is None


def test_archived_field_and_organisation_are_not_offered_for_new_modules(coord_client, world, db):
    old_field = f.make_field("Old field")
    old_org = f.make_organisation("Old organisation")
    db.session.commit()
    post_form(coord_client, f"/fields/{old_field.id}/archive")
    post_form(coord_client, f"/organisations/{old_org.id}/archive")
    coord_client.get("/fields/")  # shows the flash messages
    page = coord_client.get(f"/tracks/{world.track.id}/modules/new").text
    assert "Old field" not in page and "Old organisation" not in page
    response = post_form(coord_client, f"/tracks/{world.track.id}/modules/new",
                         module_form(world, field_id=str(old_field.id)))
    assert response.status_code == 200 and re.search(r'id="field_id-error"', response.text)


def test_edit_module_moves_it_to_another_track(coord_client, world, db):
    page = coord_client.get(f"/modules/{world.module.id}/edit").text
    assert "General" in page  # the other track of the program is offered
    response = post_form(coord_client, f"/modules/{world.module.id}/edit",
                         module_form(world, title="Digital contents", track_id=str(world.other_track.id),
                                     version=version_in(page)))
    assert response.status_code == 302
    db.session.refresh(world.module)
    assert world.module.track_id == world.other_track.id and world.module.title == "Digital contents"
    assert world.module.position > world.other_module.position


def test_module_edit_conflict_keeps_db(coord_client, world, db):
    version = version_in(coord_client.get(f"/modules/{world.module.id}/edit").text)
    world.module.title = "Changed meanwhile"
    db.session.commit()
    response = post_form(coord_client, f"/modules/{world.module.id}/edit",
                         module_form(world, title="Mine", version=version))
    assert response.status_code == 200
    assert "Someone else changed this record" in response.text and "Changed meanwhile" in response.text
    db.session.refresh(world.module)
    assert world.module.title == "Changed meanwhile"


def test_module_archive_restore_and_reorder(coord_client, world, db):
    second = f.make_module(world.track, title="Second module")
    third = f.make_module(world.track, title="Third module")
    db.session.commit()
    post_form(coord_client, f"/modules/{third.id}/move", {"direction": "up"})
    db.session.expire_all()
    titles = [m.title for m in db.session.scalars(
        select(Module).where(Module.track_id == world.track.id).order_by(Module.position, Module.id))]
    assert titles == ["Digital contents for children", "Third module", "Second module"]

    post_form(coord_client, f"/modules/{second.id}/archive")
    db.session.refresh(second)
    assert second.is_archived
    detail = coord_client.get(f"/programs/{world.program.id}").text
    assert "Second module</a>" not in detail
    assert "Second module</a>" in coord_client.get(f"/programs/{world.program.id}?archived=1").text
    assert coord_client.get(f"/modules/{second.id}").status_code == 200  # still there
    post_form(coord_client, f"/modules/{second.id}/restore")
    db.session.refresh(second)
    assert not second.is_archived


# The module page ----------------------------------------------------------------------


def test_own_trainer_sees_module_and_participants_with_countries(client, login, world, db):
    f.enrol(f.make_user(name="Chen Withdrawn", country="CN", timezone="Asia/Shanghai"), world.program,
            module=world.module, status="withdrawn")
    db.session.commit()
    login(client, world.trainer)
    response = client.get(f"/modules/{world.module.id}")
    assert response.status_code == 200
    html = response.text
    assert "Digital contents for children" in html and "Publication" in html and "EDCN" in html
    assert "Amina Participant" in html and "Kenya" in html and "Africa/Nairobi" in html
    assert "Kenya delegation" in html and "Active" in html
    assert "Chen Withdrawn" in html and "China" in html and "Withdrawn" in html
    assert "Bruno Other" not in html  # another module's participant
    # Trainers see the page but not the set-up controls.
    assert "Add trainer" not in html and f"/modules/{world.module.id}/edit" not in html


def test_coordinator_module_page_has_trainer_controls(client, login, world):
    login(client, world.coordinator)
    html = client.get(f"/modules/{world.module.id}").text
    assert "Tomas Trainer" in html and "Add trainer" in html
    assert f"/modules/{world.module.id}/trainers/{world.trainer.id}/remove" in html
    assert f"/programs/{world.program.id}" in html


def test_coordinator_adds_trainer_by_email(coord_client, world, db):
    response = post_form(coord_client, f"/modules/{world.module.id}/trainers",
                         {"email": "  TRAINER2@Example.test "})
    assert response.status_code == 302
    links = db.session.scalars(select(ModuleTrainer).where(ModuleTrainer.module_id == world.module.id)).all()
    assert {link.user_id for link in links} == {world.trainer.id, world.other_trainer.id}


def test_adding_unknown_email_shows_error_next_to_field(coord_client, world, db):
    response = post_form(coord_client, f"/modules/{world.module.id}/trainers", {"email": "nobody@example.test"})
    assert response.status_code == 200
    error = re.search(r'id="email-error">(.*?)</p>', response.text, re.S).group(1)
    assert "Invite them from the People page" in error
    assert 'value="nobody@example.test"' in response.text
    assert "Amina Participant" in response.text  # the page is whole again
    assert db.session.scalar(select(ModuleTrainer).where(ModuleTrainer.module_id == world.module.id,
                                                         ModuleTrainer.user_id != world.trainer.id)) is None


def test_adding_an_existing_trainer_again_is_refused(coord_client, world):
    response = post_form(coord_client, f"/modules/{world.module.id}/trainers", {"email": world.trainer.email})
    assert response.status_code == 200
    assert "already a trainer of this module" in " ".join(form_errors(response.text))


def test_coordinator_removes_trainer(coord_client, client, login, world, db):
    response = post_form(coord_client, f"/modules/{world.module.id}/trainers/{world.trainer.id}/remove")
    assert response.status_code == 302
    assert db.session.get(ModuleTrainer, (world.module.id, world.trainer.id)) is None
    assert db.session.get(type(world.trainer), world.trainer.id) is not None  # the person stays
    login(client, world.trainer)
    assert client.get(f"/modules/{world.module.id}").status_code == 403  # no longer their module


def test_operations_add_and_remove_trainer(world, db):
    from lms.programs.operations import add_trainer, remove_trainer

    assert add_trainer(world.module, world.other_trainer) is True
    assert add_trainer(world.module, world.other_trainer) is False
    assert remove_trainer(world.module, world.other_trainer) is True
    assert remove_trainer(world.module, world.other_trainer) is False
    db.session.commit()
    assert [t.id for t in world.module.trainers] == [world.trainer.id]


def test_module_page_issues_a_constant_number_of_queries(client, login, world, db, count_queries):
    login(client, world.trainer)

    def add(n):
        for i in range(n):
            group = f.make_group(world.program)
            f.enrol(f.make_user(country=["JP", "MX", "EG"][i % 3]), world.program, module=world.module, group=group)
        db.session.commit()

    add(1)  # 2 participants with the world's
    with count_queries() as few:
        assert client.get(f"/modules/{world.module.id}").status_code == 200
    add(9)
    with count_queries() as many:
        html = client.get(f"/modules/{world.module.id}").text
    assert "Mexico" in html and "Egypt" in html
    assert len(many) == len(few)
