"""The demo's assignments: every assignment item has settings and a rubric written for its module."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.assignments.models import Assignment, LatePolicy, RubricCriterion
from lms.demo.assignment_settings import RUBRICS
from lms.learning.models import Item, ItemKind, Unit
from lms.programs.models import Module, Program

MODULES = [
    ("CETP-2024", "Publication", False),
    ("CETP-2024", "Cultural Products", False),
    ("CETP-2024", "Performing Arts 1", False),
    ("CETP-2024", "Performing Arts 2", False),
    ("CATP-2024", "Cultural Policy", True),  # delegations hand in one draft together
]


@pytest.fixture(scope="module")
def demo_assignments(app):
    """Load the demo once for this module's tests; read what they check into plain values."""
    from lms.extensions import db

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["lms", "demo"])
        assert result.exit_code == 0, result.output
        items = db.session.scalars(select(Item).where(Item.kind == ItemKind.ASSIGNMENT.value)).all()
        assignments = db.session.scalars(
            select(Assignment).options(selectinload(Assignment.criteria).selectinload(RubricCriterion.levels))
        ).all()
        rows = db.session.execute(
            select(Assignment, Program.code, Module.short_title)
            .join(Assignment.item).join(Item.unit).join(Unit.program).join(Unit.module)
        ).all()
        summary = {
            "item_ids": sorted(item.id for item in items),
            "assignment_item_ids": sorted(a.item_id for a in assignments),
            "by_module": {
                (code, short_title): {
                    "points": a.points, "pass_points": a.pass_points, "allow_text": a.allow_text,
                    "allow_files": a.allow_files, "extensions": list(a.allowed_extensions),
                    "max_file_bytes": a.max_file_bytes, "max_files": a.max_files,
                    "group": a.group_submission, "late_policy": a.late_policy,
                    "title": a.item.title,
                    "criteria": [
                        (c.title, c.description, [(lv.title, lv.points, lv.description) for lv in c.levels])
                        for c in a.criteria
                    ],
                }
                for a, code, short_title in rows
            },
        }
        db.session.rollback()
    yield summary
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _app_context(app):
    """This module keeps its demo data between tests (loading it once is what keeps the suite fast)."""
    with app.app_context():
        yield


def test_every_assignment_item_has_settings(demo_assignments):
    assert len(demo_assignments["item_ids"]) == 5
    assert demo_assignments["assignment_item_ids"] == demo_assignments["item_ids"]


@pytest.mark.parametrize(("code", "short_title", "group"), MODULES)
def test_settings_are_sensible(demo_assignments, code, short_title, group):
    settings = demo_assignments["by_module"][(code, short_title)]
    assert settings["points"] == 100 and settings["pass_points"] == 60
    assert settings["allow_text"] and settings["allow_files"]
    assert settings["extensions"] == ["pdf", "docx", "pptx", "jpg", "png"]
    assert settings["max_file_bytes"] == 20 * 1024 * 1024
    assert settings["max_files"] == 3
    assert settings["late_policy"] == LatePolicy.ACCEPT_AND_FLAG.value
    assert settings["group"] is group


@pytest.mark.parametrize(("code", "short_title", "group"), MODULES)
def test_rubric_adds_up_to_the_points(demo_assignments, code, short_title, group):
    settings = demo_assignments["by_module"][(code, short_title)]
    criteria = settings["criteria"]
    assert 3 <= len(criteria) <= 4
    assert sum(max(points for _title, points, _desc in levels) for _t, _d, levels in criteria) == settings["points"]
    for title, description, levels in criteria:
        assert title and description
        assert 3 <= len(levels) <= 4, title
        points = [level_points for _title, level_points, _desc in levels]
        assert points == sorted(points, reverse=True) and len(set(points)) == len(points), title
        assert all(level_title and level_description for level_title, _p, level_description in levels)


def test_each_module_has_its_own_rubric(demo_assignments):
    titles = {key: tuple(c[0] for c in value["criteria"]) for key, value in demo_assignments["by_module"].items()}
    assert len(set(titles.values())) == len(titles)
    brief = titles[("CETP-2024", "Publication")]
    assert brief == ("Learning goals", "Audience and format", "Feasibility", "Presentation")
    assert "Respect for the cultural source" in titles[("CETP-2024", "Cultural Products")]
    assert "Citizens' decisions" in titles[("CETP-2024", "Performing Arts 2")]
    assert "Collaboration idea" in titles[("CATP-2024", "Cultural Policy")]


def test_the_administrators_assignment_is_group_work(demo_assignments):
    policy = demo_assignments["by_module"][("CATP-2024", "Cultural Policy")]
    assert policy["group"] is True
    assert policy["title"] == "Assignment: your draft for the CPI Cultural Policy Forum"
    assert [value["group"] for key, value in demo_assignments["by_module"].items() if key[0] == "CETP-2024"] == [
        False] * 4


def test_every_rubric_in_the_data_adds_up_to_100():
    assert set(RUBRICS) == {"publication", "products", "arts1", "arts2", "policy"}
    for criteria in RUBRICS.values():
        assert sum(criterion.points for criterion in criteria) == 100
