"""Trainer-side assignment settings: submission rules, rubric editor, extensions, and who may open them."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from lms import create_app
from lms.assignments.models import Assignment, Extension, RubricCriterion, RubricLevel, Submission
from lms.assignments.operations import effective_due_at
from tests import factories as f
from tests.helpers import form_errors, post_form

DUE = datetime(2024, 7, 29, 14, 59, tzinfo=timezone.utc)  # 23:59 in Seoul


@pytest.fixture
def assignment(world, db):
    unit = f.make_unit(world.module, title="Week 1")
    assignment = f.make_assignment(unit, title="Essay on picture books", due_at=DUE, points=20, pass_points=10)
    db.session.commit()
    return assignment


def _url(endpoint, **args):
    from flask import current_app, url_for

    with current_app.test_request_context():
        return url_for(endpoint, **args)


def _settings(**overrides):
    data = {
        "points": "20", "pass_points": "10", "allow_text": "y", "allow_files": "y",
        "allowed_extensions": ["pdf", "docx"], "max_file_mb": "10", "max_files": "3",
        "submission_mode": "individual", "late_policy": "accept", "version": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _levels(*rows):
    data = {}
    for index, (title, points, description) in enumerate(rows):
        data[f"levels-{index}-title"] = title
        data[f"levels-{index}-points"] = points
        data[f"levels-{index}-description"] = description
    return data


# Submission rules ------------------------------------------------------------------------------


def test_settings_page_shows_the_item_and_links_to_it(client, login, world, assignment):
    login(client, world.trainer)
    response = client.get(_url("assignment_settings.edit", item_id=assignment.item_id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Essay on picture books" in html
    assert "Jul 29, 2024, 11:59\u202fPM (Asia/Seoul, KST)" in html or "Asia/Seoul" in html
    assert _url("authoring.edit_item", item_id=assignment.item_id) in html
    assert 'name="version" type="hidden" value="1"' in html


def test_settings_are_saved(client, login, world, assignment, db):
    login(client, world.trainer)
    url = _url("assignment_settings.edit", item_id=assignment.item_id)
    response = post_form(client, url, _settings(points="40", pass_points="25", allow_text=None,
                                                allowed_extensions=["pdf", "png"], max_file_mb="5",
                                                max_files="2", submission_mode="group", late_policy="close"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Assignment, assignment.id)
    assert (saved.points, saved.pass_points, saved.allow_text, saved.allow_files) == (40, 25, False, True)
    assert saved.allowed_extensions == ["pdf", "png"]
    assert saved.max_file_bytes == 5 * 1024 * 1024
    assert saved.max_files == 2
    assert saved.group_submission is True
    assert saved.late_policy == "close"
    assert saved.version == 2


@pytest.mark.parametrize("overrides, message", [
    ({"allow_text": None, "allow_files": None}, "Allow text, files or both"),
    ({"pass_points": "30"}, "The pass mark cannot be more than the points"),
    ({"points": "0"}, "between 1 and 1000"),
    ({"pass_points": "-1"}, "cannot be negative"),
    ({"allowed_extensions": None}, "Tick at least one file type"),
    ({"allowed_extensions": ["pdf", "exe"]}, "Choose file types from the list"),
    ({"max_file_mb": "51"}, "between 1 and 50"),
    ({"max_files": "21"}, "between 1 and 20"),
    ({"points": "many"}, "whole number"),
])
def test_settings_validation_keeps_what_was_typed(client, login, world, assignment, db, overrides, message):
    login(client, world.trainer)
    url = _url("assignment_settings.edit", item_id=assignment.item_id)
    response = post_form(client, url, _settings(**{"max_files": "7", **overrides}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert any(message in error for error in form_errors(html)), form_errors(html)
    typed = {"max_files": "7", **overrides}["max_files"]
    assert f'value="{typed}"' in html  # what was typed is kept
    db.session.expire_all()
    saved = db.session.get(Assignment, assignment.id)
    assert (saved.points, saved.pass_points, saved.max_files, saved.version) == (20, 10, 3, 1)


def test_a_stale_form_is_refused_and_shows_the_other_version(client, login, world, assignment, db):
    login(client, world.trainer)
    url = _url("assignment_settings.edit", item_id=assignment.item_id)
    assert post_form(client, url, _settings(points="30")).status_code == 302  # someone saves first (v1 -> v2)
    response = post_form(client, url, _settings(points="50", pass_points="45"))  # opened at version 1
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert re.search(r"<dt>Points</dt><dd[^>]*>30</dd>", html)  # their version
    assert 'value="50"' in html and 'value="45"' in html  # ours, kept
    assert 'name="version" type="hidden" value="2"' in html
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).points == 30
    # Saving again, knowingly, from the refreshed form works.
    assert post_form(client, url, _settings(points="50", pass_points="45", version="2")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).points == 50


def test_individual_or_group_is_fixed_once_submissions_exist(client, login, world, assignment, db):
    db.session.add(Submission(assignment_id=assignment.id, user_id=world.participant.id))
    db.session.commit()
    login(client, world.trainer)
    url = _url("assignment_settings.edit", item_id=assignment.item_id)
    response = post_form(client, url, _settings(submission_mode="group"))
    assert response.status_code == 200
    assert any("cannot change now" in error for error in form_errors(response.get_data(as_text=True)))
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).group_submission is False


def test_get_creates_no_settings_row(client, login, world, db):
    unit = f.make_unit(world.module)
    item = f.make_item(unit, "assignment", title="Bare assignment")
    db.session.commit()
    login(client, world.trainer)
    for endpoint in ("assignment_settings.edit", "assignment_settings.rubric", "assignment_settings.extensions",
                     "assignment_settings.add_criterion"):
        assert client.get(_url(endpoint, item_id=item.id)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Assignment).where(Assignment.item_id == item.id)) is None
    response = post_form(client, _url("assignment_settings.edit", item_id=item.id), _settings(points="10",
                                                                                             pass_points="5"))
    assert response.status_code == 302
    assert db.session.scalar(select(Assignment.points).where(Assignment.item_id == item.id)) == 10


def test_content_page_and_item_form_link_to_the_settings(client, login, world, assignment):
    login(client, world.trainer)
    settings_url = _url("assignment_settings.edit", item_id=assignment.item_id)
    content = client.get(_url("authoring.module_content", module_id=world.module.id)).get_data(as_text=True)
    assert settings_url in content
    item_form = client.get(_url("authoring.edit_item", item_id=assignment.item_id)).get_data(as_text=True)
    assert settings_url in item_form


# Rubric ----------------------------------------------------------------------------------------


def _criteria(db, assignment):
    db.session.expire_all()
    return list(db.session.scalars(select(RubricCriterion).where(RubricCriterion.assignment_id == assignment.id)
                                   .order_by(RubricCriterion.position, RubricCriterion.id)))


def test_add_a_criterion_with_levels(client, login, world, assignment, db):
    login(client, world.trainer)
    url = _url("assignment_settings.add_criterion", item_id=assignment.item_id)
    data = {"title": "Structure", "description": "Is it well organised?",
            **_levels(("Excellent", "10", "Clear from start to end"), ("", "", ""), ("Weak", "2", ""))}
    response = post_form(client, url, data)
    assert response.status_code == 302
    [criterion] = _criteria(db, assignment)
    assert criterion.title == "Structure" and criterion.description == "Is it well organised?"
    assert [(level.title, level.points, level.description) for level in criterion.levels] == [
        ("Excellent", 10, "Clear from start to end"), ("Weak", 2, None)]


@pytest.mark.parametrize("rows, message", [
    ((("Excellent", "10", ""),), "at least two levels"),
    ((("Excellent", "25", ""), ("Weak", "0", "")), "At most the assignment's 20 points"),
    ((("Excellent", "-1", ""), ("Weak", "0", "")), "cannot be negative"),
    ((("Excellent", "", ""), ("Weak", "0", "")), "Enter the level's points"),
    ((("", "5", "Something"), ("Weak", "0", "")), "Name the level"),
])
def test_criterion_validation(client, login, world, assignment, db, rows, message):
    login(client, world.trainer)
    url = _url("assignment_settings.add_criterion", item_id=assignment.item_id)
    response = post_form(client, url, {"title": "Structure", **_levels(*rows)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert any(message in error for error in form_errors(html)), form_errors(html)
    assert 'value="Structure"' in html
    assert _criteria(db, assignment) == []


def test_edit_a_criterion_archives_a_removed_level(client, login, world, db):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, points=10, rubric=[("Voice", [("Strong", 5), ("Fair", 3), ("Weak", 1)])])
    db.session.commit()
    [criterion] = _criteria(db, assignment)
    strong, fair, weak = criterion.levels
    login(client, world.trainer)
    url = _url("assignment_settings.edit_criterion", criterion_id=criterion.id)
    page = client.get(url).get_data(as_text=True)
    assert 'value="Strong"' in page and 'value="Fair"' in page
    data = {"title": "Voice and tone", "levels-0-id": str(strong.id), "levels-0-title": "Strong", "levels-0-points": "6",
            "levels-1-id": str(weak.id), "levels-1-title": "Weak", "levels-1-points": "0",
            "levels-2-title": "Missing", "levels-2-points": "0"}
    assert post_form(client, url, data).status_code == 302
    db.session.expire_all()
    levels = {level.id: level for level in db.session.scalars(select(RubricLevel).where(
        RubricLevel.criterion_id == criterion.id))}
    assert len(levels) == 4  # nothing deleted
    assert levels[fair.id].archived_at is not None
    assert levels[strong.id].points == 6 and levels[strong.id].archived_at is None
    assert levels[weak.id].points == 0
    assert db.session.get(RubricCriterion, criterion.id).title == "Voice and tone"


def test_rubric_page_shows_maximum_and_warns_when_it_differs(client, login, world, db):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, points=20, rubric=[("Voice", [("Strong", 5), ("Weak", 1)]),
                                                            ("Ideas", [("Rich", 10), ("Thin", 2)])])
    db.session.commit()
    login(client, world.trainer)
    html = client.get(_url("assignment_settings.rubric", item_id=assignment.item_id)).get_data(as_text=True)
    assert "Maximum total: 15 of the assignment's 20 points." in html
    assert "differs from the assignment" in html
    assert html.index("Voice") < html.index("Ideas")


def test_rubric_without_criteria_says_graders_type_a_score(client, login, world, assignment):
    login(client, world.trainer)
    html = client.get(_url("assignment_settings.rubric", item_id=assignment.item_id)).get_data(as_text=True)
    assert "graders type a score out of 20" in html
    assert "differs from" not in html


def test_archive_and_restore_a_criterion(client, login, world, db):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, points=15, rubric=[("Voice", [("Strong", 5), ("Weak", 1)]),
                                                            ("Ideas", [("Rich", 10), ("Thin", 2)])])
    db.session.commit()
    voice, ideas = _criteria(db, assignment)
    login(client, world.trainer)
    assert post_form(client, _url("assignment_settings.archive_criterion", criterion_id=voice.id)).status_code == 302
    assert _criteria(db, assignment)[0].archived_at is not None
    html = client.get(_url("assignment_settings.rubric", item_id=assignment.item_id)).get_data(as_text=True)
    assert "Maximum total: 10 of" in html
    assert "1 archived criterion" in html
    assert post_form(client, _url("assignment_settings.restore_criterion", criterion_id=voice.id)).status_code == 302
    restored = _criteria(db, assignment)
    assert [c.title for c in restored] == ["Ideas", "Voice"]  # back at the end
    assert all(c.archived_at is None for c in restored)


def test_move_criteria(client, login, world, db):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, points=30, rubric=[(name, [("Good", 10), ("Poor", 0)])
                                                            for name in ("A", "B", "C")])
    db.session.commit()
    a, b, c = _criteria(db, assignment)
    login(client, world.trainer)
    post_form(client, _url("assignment_settings.move_criterion", criterion_id=c.id), {"direction": "up"})
    assert [x.title for x in _criteria(db, assignment)] == ["A", "C", "B"]
    post_form(client, _url("assignment_settings.move_criterion", criterion_id=a.id), {"direction": "down"})
    assert [x.title for x in _criteria(db, assignment)] == ["C", "A", "B"]
    post_form(client, _url("assignment_settings.move_criterion", criterion_id=c.id), {"direction": "up"})  # at the top
    assert [x.title for x in _criteria(db, assignment)] == ["C", "A", "B"]
    response = post_form(client, _url("assignment_settings.move_criterion", criterion_id=c.id), {"direction": "x"})
    assert response.status_code == 400


# Extensions ------------------------------------------------------------------------------------


def _extension(**overrides):
    data = {"user_id": "", "group_id": "", "due_at": "2024-08-02T09:00", "reason": "Illness"}
    data.update(overrides)
    return data


def test_grant_an_extension_to_a_participant(client, login, world, assignment, db):
    login(client, world.trainer)  # Asia/Seoul
    url = _url("assignment_settings.extensions", item_id=assignment.item_id)
    response = post_form(client, url, _extension(user_id=str(world.participant.id)))
    assert response.status_code == 302
    [extension] = db.session.scalars(select(Extension)).all()
    assert extension.user_id == world.participant.id and extension.group_id is None
    assert extension.due_at == datetime(2024, 8, 2, 0, 0, tzinfo=timezone.utc)  # 09:00 in Seoul
    assert extension.granted_by_id == world.trainer.id and extension.reason == "Illness"
    html = client.get(url).get_data(as_text=True)
    assert "Granted by Tomas Trainer" in html
    assert "Amina Participant" in html and "Extended" in html


def test_grant_an_extension_to_a_group(client, login, world, assignment, db):
    login(client, world.trainer)
    url = _url("assignment_settings.extensions", item_id=assignment.item_id)
    assert post_form(client, url, _extension(group_id=str(world.group.id))).status_code == 302
    [extension] = db.session.scalars(select(Extension)).all()
    assert extension.group_id == world.group.id and extension.user_id is None
    assert effective_due_at(db.session.get(Assignment, assignment.id), world.participant) == extension.due_at


@pytest.mark.parametrize("overrides, message", [
    ({}, "Choose one participant or one group"),
    ({"user_id": "USER", "group_id": "GROUP"}, "Choose one participant or one group"),
    ({"user_id": "USER", "due_at": "2024-07-29T09:00"}, "after the current due date"),
    ({"user_id": "USER", "due_at": "2024-07-29T23:59"}, "after the current due date"),  # exactly the due time
    ({"user_id": "USER", "due_at": "soon"}, "Enter a date and time"),
    ({"user_id": "USER", "reason": ""}, "Say why"),
    ({"user_id": "OTHER"}, "Not a valid choice"),  # not a participant of this module
])
def test_extension_validation(client, login, world, assignment, db, overrides, message):
    ids = {"USER": str(world.participant.id), "GROUP": str(world.group.id), "OTHER": str(world.other_participant.id)}
    overrides = {key: ids.get(value, value) for key, value in overrides.items()}
    login(client, world.trainer)
    response = post_form(client, _url("assignment_settings.extensions", item_id=assignment.item_id),
                         _extension(**{"reason": "Flight delayed", **overrides}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert any(message in error for error in form_errors(html)), form_errors(html)
    assert db.session.scalars(select(Extension)).all() == []


def test_a_new_extension_must_beat_the_current_one(client, login, world, assignment, db):
    db.session.add(Extension(assignment_id=assignment.id, group_id=world.group.id,
                             due_at=datetime(2024, 8, 5, tzinfo=timezone.utc), reason="Delegation travel"))
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, _url("assignment_settings.extensions", item_id=assignment.item_id),
                         _extension(user_id=str(world.participant.id), due_at="2024-08-03T09:00"))
    assert any("after the current due date" in error for error in form_errors(response.get_data(as_text=True)))
    assert len(db.session.scalars(select(Extension)).all()) == 1


def test_no_extension_without_a_due_date(client, login, world, db):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, due_at=None)
    db.session.commit()
    login(client, world.trainer)
    url = _url("assignment_settings.extensions", item_id=assignment.item_id)
    assert "nothing to extend" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, _extension(user_id=str(world.participant.id)))
    assert response.status_code == 200 and "nothing to extend" in response.get_data(as_text=True)
    assert db.session.scalars(select(Extension)).all() == []


def test_revoke_an_extension(client, login, world, assignment, db):
    extension = Extension(assignment_id=assignment.id, user_id=world.participant.id,
                          due_at=datetime(2024, 8, 5, tzinfo=timezone.utc), reason="Illness",
                          granted_by_id=world.trainer.id)
    db.session.add(extension)
    db.session.commit()
    login(client, world.coordinator)
    url = _url("assignment_settings.revoke_extension", extension_id=extension.id)
    assert post_form(client, url).status_code == 302
    db.session.expire_all()
    revoked = db.session.get(Extension, extension.id)
    assert revoked is not None and revoked.revoked_at is not None
    assert effective_due_at(db.session.get(Assignment, assignment.id), world.participant) == DUE
    html = client.get(_url("assignment_settings.extensions", item_id=assignment.item_id)).get_data(as_text=True)
    assert "Revoked extensions" in html
    assert "No extensions: everyone has the usual due date." in html


def test_effective_due_dates_match_the_shared_rule(client, login, world, db):
    from lms.assignments import settings as ops

    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, due_at=DUE)
    grouped = f.make_user(name="Chidi Grouped")
    f.enrol(grouped, world.program, module=world.module, group=world.group)
    loner = f.make_user(name="Dana Alone")
    f.enrol(loner, world.program, module=world.module)
    revoked = f.make_user(name="Eli Revoked")
    f.enrol(revoked, world.program, module=world.module)
    user_ext = datetime(2024, 8, 3, tzinfo=timezone.utc)
    group_ext = datetime(2024, 8, 1, tzinfo=timezone.utc)
    db.session.add_all([
        Extension(assignment_id=assignment.id, user_id=world.participant.id, due_at=user_ext, reason="r"),
        Extension(assignment_id=assignment.id, group_id=world.group.id, due_at=group_ext, reason="r"),
        Extension(assignment_id=assignment.id, user_id=revoked.id, due_at=user_ext, reason="r",
                  revoked_at=datetime(2024, 7, 28, tzinfo=timezone.utc)),
    ])
    db.session.commit()
    enrolments = ops.participant_enrolments(assignment)
    rows = {row.enrolment.user_id: row for row in ops.effective_due_rows(assignment, enrolments,
                                                                        ops.extension_rows(assignment))}
    assert rows[world.participant.id].due_at == user_ext  # own extension, later than the group's
    assert rows[grouped.id].due_at == group_ext  # the group's extension
    assert rows[loner.id].due_at == DUE and not rows[loner.id].extended
    assert rows[revoked.id].due_at == DUE  # a revoked extension is ignored
    assert world.other_participant.id not in rows  # another module's participant
    for user in (world.participant, grouped, loner, revoked):
        assert rows[user.id].due_at == effective_due_at(assignment, user)


def test_extensions_page_queries_do_not_grow_with_participants(client, login, world, assignment, db,
                                                               count_queries):
    login(client, world.trainer)
    url = _url("assignment_settings.extensions", item_id=assignment.item_id)

    def add(count):
        for _ in range(count):
            user = f.make_user()
            group = f.make_group(world.program)
            f.enrol(user, world.program, module=world.module, group=group)
            db.session.add(Extension(assignment_id=assignment.id, user_id=user.id, granted_by_id=world.trainer.id,
                                     due_at=datetime(2024, 8, 3, tzinfo=timezone.utc), reason="r"))
            db.session.add(Extension(assignment_id=assignment.id, group_id=group.id,
                                     due_at=datetime(2024, 8, 2, tzinfo=timezone.utc), reason="r"))
        db.session.commit()

    add(2)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(8)
    client.get(url)
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count('id="due-') == 11
    assert len(many) == len(few)


def test_rubric_page_queries_do_not_grow_with_criteria(client, login, world, db, count_queries):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, points=100, rubric=[(f"C{i}", [("Good", 5), ("Poor", 0)]) for i in range(2)])
    db.session.commit()
    login(client, world.trainer)
    url = _url("assignment_settings.rubric", item_id=assignment.item_id)
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for i in range(8):
        criterion = RubricCriterion(assignment_id=assignment.id, title=f"More {i}", position=10 + i)
        db.session.add(criterion)
        db.session.flush()
        db.session.add_all([RubricLevel(criterion_id=criterion.id, title="Good", points=5),
                            RubricLevel(criterion_id=criterion.id, title="Poor", points=0)])
    db.session.commit()
    client.get(url)
    with count_queries() as many:
        assert "More 7" in client.get(url).get_data(as_text=True)
    assert len(many) == len(few), "\n".join(many)


# Access ----------------------------------------------------------------------------------------

ROLES = ["anonymous", "participant", "other_participant", "trainer", "other_trainer", "coordinator"]
GRADERS_ONLY = {"participant": 403, "other_participant": 403, "other_trainer": 403}
RECORD_RULES = {
    "assignment_settings.edit": GRADERS_ONLY,
    "assignment_settings.rubric": GRADERS_ONLY,
    "assignment_settings.add_criterion": GRADERS_ONLY,
    "assignment_settings.edit_criterion": GRADERS_ONLY,
    "assignment_settings.archive_criterion": GRADERS_ONLY,
    "assignment_settings.restore_criterion": GRADERS_ONLY,
    "assignment_settings.move_criterion": GRADERS_ONLY,
    "assignment_settings.extensions": GRADERS_ONLY,
    "assignment_settings.revoke_extension": GRADERS_ONLY,
}


def _cases():
    app = create_app("testing")
    cases = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint.startswith("assignment_settings."):
            for method in ("GET", "POST"):
                if method in rule.methods:
                    cases += [pytest.param(rule.endpoint, rule.rule, method, role,
                                           id=f"{rule.endpoint}-{method}-{role}") for role in ROLES]
    return cases


CASES = _cases()


@pytest.fixture(scope="module", autouse=True)
def _rebind_socketio(app):
    from lms import init_socketio

    init_socketio(app)


def test_every_settings_endpoint_is_walked(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("assignment_settings.")}
    assert endpoints == set(RECORD_RULES)


@pytest.mark.parametrize("endpoint, rule_path, method, role", CASES)
def test_access(app, client, world, login, db, endpoint, rule_path, method, role):
    unit = f.make_unit(world.module)
    assignment = f.make_assignment(unit, due_at=DUE, rubric=[("Voice", [("Strong", 50), ("Weak", 10)])])
    criterion = assignment.criteria[0]
    extension = Extension(assignment_id=assignment.id, user_id=world.participant.id,
                          due_at=datetime(2024, 8, 5, tzinfo=timezone.utc), reason="r")
    db.session.add(extension)
    db.session.commit()
    values = {"item_id": assignment.item_id, "criterion_id": criterion.id, "extension_id": extension.id}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_path)
    with app.test_request_context():
        url = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]
    if role != "anonymous":
        login(client, getattr(world, role))
    data = {"direction": "up"} if endpoint.endswith("move_criterion") else {}
    response = client.get(url) if method == "GET" else post_form(client, url, data)
    assert response.status_code < 500
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in RECORD_RULES[endpoint]:
        assert response.status_code == 403, f"{method} {url} as {role}: {response.status_code}"
    else:
        assert response.status_code in (200, 302), f"{method} {url} as {role}: {response.status_code}"


@pytest.mark.parametrize("endpoint", ["assignment_settings.edit", "assignment_settings.rubric",
                                      "assignment_settings.add_criterion", "assignment_settings.extensions"])
def test_an_item_that_is_not_an_assignment_is_not_found(client, login, world, db, endpoint):
    unit = f.make_unit(world.module)
    lesson = f.make_item(unit, "lesson")
    db.session.commit()
    login(client, world.coordinator)
    assert client.get(_url(endpoint, item_id=lesson.id)).status_code == 404
    assert client.get(_url(endpoint, item_id=999999)).status_code == 404


def test_program_wide_assignment_is_for_coordinators_only(client, login, world, db):
    unit = f.make_unit(program=world.program)
    assignment = f.make_assignment(unit, due_at=DUE)
    db.session.commit()
    url = _url("assignment_settings.edit", item_id=assignment.item_id)
    login(client, world.trainer)
    assert client.get(url).status_code == 403
    login(client, world.coordinator)
    assert client.get(url).status_code == 200
