"""The progress service: states, totals, next item, program-wide units; the trainer grid and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentStatus
from lms.learning.completion import record_completion
from lms.learning.progress import (
    DONE,
    LOCKED,
    OPEN,
    OVERDUE,
    item_states,
    load_outline,
    module_progress,
    program_progress,
    progress_for_enrolments,
)
from tests import factories as f


def _outline_world(world, db):
    """Orientation (program-wide) then two units of the module, with every kind of state."""
    now = utcnow()
    orientation = f.make_unit(None, program=world.program, title="Orientation", position=0)
    welcome = f.make_item(orientation, "lesson", title="Welcome", position=1)
    week1 = f.make_unit(world.module, title="Week 1", position=1)
    intro = f.make_item(week1, "lesson", title="Intro", position=1)
    reading = f.make_item(week1, "file", title="Reading", position=2, required=False)
    after_intro = f.make_item(week1, "lesson", title="After intro", position=3, prerequisites=[intro])
    week2 = f.make_unit(world.module, title="Week 2", position=2)
    later = f.make_item(week2, "lesson", title="Later", position=1, opens_at=now + timedelta(days=2))
    late = f.make_item(week2, "assignment", title="Essay", position=2, due_at=now - timedelta(days=1))
    soon = f.make_item(week2, "assignment", title="Poster", position=3, due_at=now + timedelta(days=3))
    # Never visible to participants:
    f.make_item(week2, "lesson", title="Hidden lesson", position=4, hidden=True)
    f.make_item(week2, "lesson", title="Archived lesson", position=5, archived_at=now)
    hidden_unit = f.make_unit(world.module, title="Draft week", position=3, hidden=True)
    f.make_item(hidden_unit, "lesson", title="Draft lesson")
    db.session.commit()
    return dict(orientation=orientation, welcome=welcome, week1=week1, intro=intro, reading=reading,
                after_intro=after_intro, week2=week2, later=later, late=late, soon=soon)


def test_states_done_open_locked_and_overdue(world, db):
    w = _outline_world(world, db)
    record_completion(world.participant, w["welcome"], "viewed")
    db.session.commit()

    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    states = {state.item.title: state for state in progress.states.values()}

    assert states["Welcome"].state == DONE
    assert states["Welcome"].completion.how == "viewed"
    assert states["Intro"].state == OPEN
    assert states["After intro"].state == LOCKED
    assert states["After intro"].lock.missing_prerequisites == [w["intro"]]
    assert "Complete “Intro” first." in states["After intro"].lock.reasons
    assert states["Later"].state == LOCKED
    assert states["Later"].lock.opens_at == w["later"].opens_at
    assert states["Essay"].state == OVERDUE
    assert states["Poster"].state == OPEN
    assert "Hidden lesson" not in states and "Archived lesson" not in states and "Draft lesson" not in states
    assert progress.overdue == [w["late"]]


def test_prerequisite_done_unlocks(world, db):
    w = _outline_world(world, db)
    record_completion(world.participant, w["intro"], "viewed")
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.states[w["after_intro"].id].state == OPEN


def test_hidden_prerequisite_does_not_lock(world, db):
    unit = f.make_unit(world.module)
    hidden = f.make_item(unit, "lesson", hidden=True)
    item = f.make_item(unit, "lesson", prerequisites=[hidden])
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.states[item.id].state == OPEN


def test_required_and_optional_counts_with_program_wide_units(world, db):
    w = _outline_world(world, db)
    for item in (w["welcome"], w["intro"], w["reading"]):
        record_completion(world.participant, item, "viewed")
    db.session.commit()

    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    # Required: Welcome (program-wide), Intro, After intro, Later, Essay, Poster.
    assert progress.required_total == 6
    assert progress.required_done == 2
    assert progress.optional_total == 1 and progress.optional_done == 1
    assert progress.percent == 33
    assert progress.width_class == "w-35"
    assert not progress.is_complete


def test_next_item_is_the_first_open_item_not_done(world, db):
    w = _outline_world(world, db)
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.next_item == w["welcome"]  # program-wide units come first

    record_completion(world.participant, w["welcome"], "viewed")
    record_completion(world.participant, w["intro"], "viewed")
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.next_item == w["reading"]  # optional items count as "open" too

    record_completion(world.participant, w["reading"], "downloaded")
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.next_item == w["after_intro"]  # unlocked by Intro; "Later" is still locked by date


def test_everything_done_is_complete(world, db):
    unit = f.make_unit(world.module)
    items = [f.make_item(unit, "lesson") for _ in range(3)]
    for item in items:
        record_completion(world.participant, item, "viewed")
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.is_complete and progress.percent == 100 and progress.width_class == "w-100"
    assert progress.next_item is None


def test_program_progress_uses_each_participants_module(world, db):
    orientation = f.make_unit(None, program=world.program)
    shared = f.make_item(orientation, "lesson")
    mine = f.make_item(f.make_unit(world.module), "lesson")
    theirs = f.make_item(f.make_unit(world.other_module), "lesson")
    theirs_2 = f.make_item(theirs.unit, "lesson")
    record_completion(world.other_participant, shared, "viewed")
    db.session.commit()

    result = program_progress([world.participant.id, world.other_participant.id, world.trainer.id],
                              world.program)
    assert set(result) == {world.participant.id, world.other_participant.id}  # trainers are not learners
    assert set(result[world.participant.id].states) == {shared.id, mine.id}
    assert set(result[world.other_participant.id].states) == {shared.id, theirs.id, theirs_2.id}
    assert result[world.other_participant.id].required_done == 1
    assert result[world.other_participant.id].required_total == 3


def test_withdrawn_participants_have_no_program_progress(world, db):
    world.enrolment.status = EnrolmentStatus.WITHDRAWN.value
    f.make_item(f.make_unit(world.module), "lesson")
    db.session.commit()
    assert program_progress([world.participant.id], world.program) == {}


def test_item_states_for_a_list_of_units(world, db):
    w = _outline_world(world, db)
    states = item_states(world.participant, [w["week1"]])
    assert set(states) == {w["intro"].id, w["reading"].id, w["after_intro"].id}
    assert states[w["after_intro"].id].is_locked
    # With the whole outline, prerequisites in other units resolve too.
    outline = load_outline(world.program.id, world.module.id)
    assert item_states(world.participant, [w["week2"]], outline=outline)[w["late"].id].state == OVERDUE


def _participants(module, program, n):
    people = []
    for _ in range(n):
        person = f.make_user()
        f.enrol(person, program, module=module)
        people.append(person)
    return people


def test_progress_uses_a_constant_number_of_queries(world, db, count_queries):
    w = _outline_world(world, db)
    few = _participants(world.module, world.program, 2)
    many = few + _participants(world.module, world.program, 8)
    for person in many:
        record_completion(person, w["welcome"], "viewed")
    db.session.commit()
    few_ids, many_ids = [p.id for p in few], [p.id for p in many]

    db.session.expire_all()
    with count_queries() as queries_few:
        result_few = module_progress(few_ids, world.module)
    db.session.expire_all()
    with count_queries() as queries_many:
        result_many = module_progress(many_ids, world.module)
    assert len(result_few) == 2 and len(result_many) == 10
    assert all(progress.required_done == 1 for progress in result_many.values())
    assert len(queries_many) == len(queries_few)

    db.session.expire_all()
    with count_queries() as program_few:
        program_progress(few_ids, world.program)
    db.session.expire_all()
    with count_queries() as program_many:
        program_progress(many_ids, world.program)
    assert len(program_many) == len(program_few)


def test_progress_for_many_items_uses_a_constant_number_of_queries(world, db, count_queries):
    unit = f.make_unit(world.module)
    first = f.make_item(unit, "lesson")
    db.session.commit()
    db.session.expire_all()
    with count_queries() as few:
        progress_for_enrolments([(world.participant.id, world.program.id, world.module.id)])
    previous = first
    for n in range(30):
        previous = f.make_item(unit, "lesson" if n % 2 else "link", prerequisites=[previous],
                               url="https://example.org/")
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        result = progress_for_enrolments([(world.participant.id, world.program.id, world.module.id)])
    assert result[(world.participant.id, world.program.id)].required_total == 31
    assert len(many) == len(few)


# --- The trainer grid -----------------------------------------------------------


def grid_url(module):
    return f"/learn/modules/{module.id}/progress"


@pytest.mark.parametrize("role, status", [
    ("trainer", 200), ("coordinator", 200), ("other_trainer", 403), ("participant", 403),
    ("other_participant", 403),
])
def test_grid_access(client, login, world, role, status):
    login(client, getattr(world, role))
    assert client.get(grid_url(world.module)).status_code == status
    assert client.get(grid_url(world.module) + ".csv").status_code == status


def test_grid_shows_each_participant_by_item(client, login, world, db):
    w = _outline_world(world, db)
    record_completion(world.participant, w["welcome"], "viewed")
    withdrawn = f.make_user(name="Wanda Withdrawn")
    f.enrol(withdrawn, world.program, module=world.module, status=EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    login(client, world.trainer)
    html = client.get(grid_url(world.module)).get_data(as_text=True)

    assert "Amina Participant" in html and "Kenya" in html
    assert "Bruno Other" not in html  # another module's participant
    assert "Wanda Withdrawn" not in html
    assert "Orientation" in html and "Week 1" in html and "Week 2" in html
    assert "Hidden lesson" not in html and "Draft week" not in html
    assert html.count('class="cell cell-done"') == 1
    assert 'title="Done on ' in html and "(viewed)" in html
    assert html.count('class="cell cell-overdue"') == 1  # the essay
    assert 'class="cell cell-locked"' in html
    assert ">1/6<" in html and "17%" in html


def test_grid_uses_a_constant_number_of_queries(app, client, login, world, db, count_queries):
    w = _outline_world(world, db)
    _participants(world.module, world.program, 1)
    db.session.commit()
    login(client, world.trainer)
    client.get(grid_url(world.module))  # warm up
    db.session.commit()
    with count_queries() as few:
        assert client.get(grid_url(world.module)).status_code == 200

    for person in _participants(world.module, world.program, 8):
        record_completion(person, w["intro"], "viewed")
    db.session.commit()
    with count_queries() as many:
        html = client.get(grid_url(world.module)).get_data(as_text=True)
    assert html.count("<th scope=\"row\">") == 10  # 10 participants (the totals row spans two columns)
    assert len(many) == len(few), "\n".join(q[:100] for q in many)


def test_grid_csv(client, login, world, db):
    w = _outline_world(world, db)
    record_completion(world.participant, w["welcome"], "viewed")
    sneaky = f.make_user(name="=HYPERLINK(\"http://evil\")")
    f.enrol(sneaky, world.program, module=world.module)
    db.session.commit()
    login(client, world.coordinator)
    response = client.get(grid_url(world.module) + ".csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[:3] == ["Name", "Email", "Country"]
    assert "Orientation — Welcome" in header
    amina = next(row for row in rows if row[0] == "Amina Participant")
    assert amina[2] == "Kenya"
    assert amina[header.index("Required items done")] == "1"
    assert amina[header.index("Orientation — Welcome")].startswith("Done 20")
    assert amina[header.index("Week 2 — Essay")] == "Overdue"
    assert any(row[0] == "'=HYPERLINK(\"http://evil\")" for row in rows)  # not a formula


def _bulk_items(unit, n, start=0):
    kinds = ["lesson", "file", "link", "quiz", "assignment", "live_session"]
    previous = None
    for i in range(n):
        kind = kinds[(start + i) % len(kinds)]
        previous = f.make_item(unit, kind, title=f"Item {start + i}", url="https://example.org/",
                               due_at=utcnow() + timedelta(days=i % 7 - 3),
                               opens_at=utcnow() + timedelta(days=1) if i % 11 == 5 else None,
                               prerequisites=[previous] if previous is not None and i % 3 == 0 else ())


def test_outline_page_uses_the_same_queries_for_5_and_200_items(client, login, world, db, count_queries):
    orientation = f.make_unit(None, program=world.program, title="Orientation")
    _bulk_items(orientation, 2)
    unit = f.make_unit(world.module, title="Week 1")
    _bulk_items(unit, 3)
    db.session.commit()
    url = f"/learn/modules/{world.module.id}"
    login(client, world.participant)
    client.get(url)  # warm up
    db.session.commit()
    with count_queries() as few:
        assert client.get(url).get_data(as_text=True).count('class="item-row') == 5

    second = f.make_unit(world.module, title="Week 2")
    _bulk_items(unit, 100, start=3)
    _bulk_items(second, 95, start=103)
    db.session.commit()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count('class="item-row') == 200
    assert len(many) == len(few), "\n".join(q[:100] for q in many)


def test_grid_uses_the_same_queries_for_5_and_200_participants(client, login, world, db, count_queries):
    unit = f.make_unit(world.module, title="Week 1")
    _bulk_items(unit, 6)
    items = list(unit.items)
    people = [world.participant]
    for n in range(199):
        person = f.make_user(password=None, email=f"bulk{n}@example.test", name=f"Bulk {n:03d}")
        f.enrol(person, world.program, module=world.module)
        people.append(person)
    for person in people[:5]:
        record_completion(person, items[0], "viewed")
    db.session.commit()
    login(client, world.trainer)
    url = f"/learn/modules/{world.module.id}/progress"
    from lms.enrolment.models import Enrolment

    # 5 participants first: the 195 others are withdrawn (left out of the grid) until measured again.
    Enrolment.query.filter(Enrolment.user_id.in_([p.id for p in people[5:]])).update(
        {"status": EnrolmentStatus.WITHDRAWN.value}, synchronize_session=False)
    db.session.commit()
    client.get(url)
    db.session.commit()
    with count_queries() as few:
        assert client.get(url).get_data(as_text=True).count('<th scope="row">') == 5
    Enrolment.query.filter(Enrolment.user_id.in_([p.id for p in people[5:]])).update(
        {"status": EnrolmentStatus.ACTIVE.value}, synchronize_session=False)
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).get_data(as_text=True).count('<th scope="row">') == 200
    assert len(many) == len(few), "\n".join(q[:100] for q in many)


def test_next_item_passes_over_optional_items_the_participant_skipped(world, db):
    unit = f.make_unit(world.module)
    first = f.make_item(unit, "lesson", title="First", position=1)
    video = f.make_item(unit, "link", title="Optional video", position=2, required=False, url="https://example.org/v")
    second = f.make_item(unit, "lesson", title="Second", position=3)
    third = f.make_item(unit, "lesson", title="Third", position=4)
    record_completion(world.participant, first, "viewed")
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.next_item == video  # read in order: the optional video comes next

    record_completion(world.participant, third, "viewed")  # moved on past the video and the second lesson
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.next_item == second  # the required lesson left behind, not the skipped video

    record_completion(world.participant, second, "viewed")
    db.session.commit()
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.next_item == video  # only the skipped optional item is left


def test_grid_uses_the_same_queries_for_5_and_200_items(client, login, world, db, count_queries):
    orientation = f.make_unit(None, program=world.program, title="Orientation")
    _bulk_items(orientation, 2)
    unit = f.make_unit(world.module, title="Week 1")
    _bulk_items(unit, 3)
    others = []
    for n in range(3):
        person = f.make_user(password=None, email=f"grid{n}@example.test", name=f"Grid {n}")
        f.enrol(person, world.program, module=world.module)
        others.append(person)
    db.session.commit()
    login(client, world.trainer)
    url = f"/learn/modules/{world.module.id}/progress"
    client.get(url)
    db.session.commit()
    with count_queries() as few:
        html = client.get(url).get_data(as_text=True)
    assert html.count('class="item-col"') == 5
    second = f.make_unit(world.module, title="Week 2")
    _bulk_items(unit, 100, start=3)
    _bulk_items(second, 95, start=103)
    for item in list(unit.items)[:50]:
        for person in others:
            record_completion(person, item, "viewed")
    db.session.commit()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count('class="item-col"') == 200
    assert len(many) == len(few), "\n".join(q[:100] for q in many)
    with count_queries() as csv_queries:
        assert client.get(f"{url}.csv").status_code == 200
    assert len(csv_queries) <= len(few)
