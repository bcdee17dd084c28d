"""Grading the assignments of program-wide units (module_id NULL, e.g. an orientation every participant
of the program takes): the program's queue, gradebook and CSV, the grading page's links, and the links
to them from the program's pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from lms.assignments import grading as ops
from lms.assignments.models import Grade, GradeEvent
from lms.enrolment.models import EnrolmentStatus
from tests import factories
from tests.helpers import post_form
from tests.test_grading import RUBRIC, fresh_grade, grade_url, notifications, submit


# Set-up --------------------------------------------------------------------------------------


@pytest.fixture
def orientation(world, db):
    """A program-wide unit of world.program."""
    unit = factories.make_unit(program=world.program, title="Orientation")
    db.session.commit()
    return unit


@pytest.fixture
def intro(orientation, db):
    """An individual program-wide assignment: typed score out of 100, pass at 50."""
    assignment = factories.make_assignment(orientation, title="Self-introduction", completion_rule="pass")
    db.session.commit()
    return assignment


@pytest.fixture
def poster(orientation, db):
    """A program-wide group assignment (one submission per program group), out of 50, pass at 25."""
    assignment = factories.make_assignment(orientation, title="Delegation poster", group_submission=True,
                                           points=50, pass_points=25)
    db.session.commit()
    return assignment


@pytest.fixture
def module_essay(world, db):
    """An assignment of world.module: never part of the program-wide pages."""
    unit = factories.make_unit(world.module, title="Week 1")
    assignment = factories.make_assignment(unit, title="Module essay")
    db.session.commit()
    return assignment


def queue_url(world, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/programs/{world.program.id}/grading" + (f"?{query}" if query else "")


def gradebook_url(world, csv_export=False):
    return f"/programs/{world.program.id}/gradebook" + (".csv" if csv_export else "")


def draft(db, submission, score, status="draft", version=1):
    db.session.add(Grade(submission=submission, score=score, status=status, graded_version_number=version,
                         rubric_levels={}))


def csv_table(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


# Access --------------------------------------------------------------------------------------


@pytest.fixture
def handed_in(world, intro, db):
    submission = submit(intro, user=world.participant)
    draft(db, submission, 60)
    db.session.commit()
    return submission


def _program_urls(world):
    return [queue_url(world), gradebook_url(world), gradebook_url(world, csv_export=True)]


def test_coordinators_open_the_program_wide_pages(client, login, world, handed_in):
    login(client, world.coordinator)
    for url in _program_urls(world):
        assert client.get(url).status_code == 200, url
    assert client.get(grade_url(handed_in)).status_code == 200


@pytest.mark.parametrize("role", ["trainer", "other_trainer", "participant", "other_participant"])
def test_trainers_and_participants_are_refused(client, login, world, intro, handed_in, db, role):
    login(client, getattr(world, role))
    for url in _program_urls(world):
        assert client.get(url).status_code == 403, f"{url} as {role}"
    # Nor may they grade a program-wide submission or release its grades (coordinators only).
    assert client.get(grade_url(handed_in)).status_code == 403
    assert post_form(client, grade_url(handed_in), {"action": "release", "score": "100"}).status_code == 403
    assert post_form(client, f"/assignments/{intro.id}/release-grades").status_code == 403
    grade = fresh_grade(db, handed_in)
    assert grade.status == "draft" and grade.score == 60


def test_anonymous_is_sent_to_login(client, world, handed_in):
    for url in _program_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_an_unknown_program_is_404(client, login, world):
    login(client, world.coordinator)
    assert client.get("/programs/999999/grading").status_code == 404
    assert client.get("/programs/999999/gradebook").status_code == 404
    assert client.get("/programs/999999/gradebook.csv").status_code == 404


# Queue ---------------------------------------------------------------------------------------


def test_queue_lists_group_and_individual_submissions(client, login, world, intro, poster, db):
    partner = factories.make_user(name="Kip Partner", country="UG")
    factories.enrol(partner, world.program, group=world.group)  # no module yet: still a participant
    mine = submit(intro, user=world.participant)
    group_work = submit(poster, group=world.group, author=partner)
    db.session.commit()

    login(client, world.coordinator)
    response = client.get(queue_url(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Self-introduction" in html and "Delegation poster" in html
    assert "Amina Participant" in html
    assert html.count("Kenya delegation") == 1  # the group's one submission
    assert "Kenya" in html and "Uganda" in html  # the members' countries
    assert grade_url(mine) in html and grade_url(group_work) in html
    assert world.program.name in html and "Program-wide units" in html
    # The tabs and breadcrumbs stay on the program-wide pages.
    assert f'href="/programs/{world.program.id}/gradebook"' in html
    assert f'href="/programs/{world.program.id}/content"' in html
    assert f"/modules/{world.module.id}/grading" not in html


def test_queue_counts_filters_and_assignment_choice(client, login, world, intro, poster, db):
    people = [factories.make_user(name=f"Learner {n}", country="GH") for n in range(4)]
    for person in people:
        factories.enrol(person, world.program)
    late = submit(intro, user=people[0], late=True)
    drafted = submit(intro, user=people[1])
    released = submit(intro, user=people[2])
    resubmit = submit(intro, user=people[3])
    group_work = submit(poster, group=world.group, author=world.participant)
    draft(db, drafted, 40)
    draft(db, released, 70, status="released")
    draft(db, resubmit, 20, status="resubmit")
    db.session.commit()

    rows = ops.queue_rows(ops.program_wide_assignments(world.program.id), world.program.id)
    counts = ops.queue_counts(rows)
    assert counts[intro.id] == {"to_grade": 1, "graded": 1, "released": 1, "late": 1, "resubmit": 1,
                                "releasable": 1}
    assert counts[poster.id]["to_grade"] == 1 and counts[None]["to_grade"] == 2

    login(client, world.coordinator)
    html = client.get(queue_url(world)).get_data(as_text=True)
    # The per-assignment counts link to the filtered queue of the program (not of a module).
    assert f'href="/programs/{world.program.id}/grading?assignment={intro.id}&amp;state=late"' in html
    assert f'href="/programs/{world.program.id}/grading?assignment={poster.id}&amp;state=to_grade"' in html
    assert f'action="/programs/{world.program.id}/grading"' in html  # the filter form

    def shown(**args):
        page = client.get(queue_url(world, **args)).get_data(as_text=True)
        return {submission.id for submission in (late, drafted, released, resubmit, group_work)
                if grade_url(submission, args.get("state")) in page}

    assert shown(state="late") == {late.id}
    assert shown(state="to_grade") == {late.id, group_work.id}
    assert shown(state="to_grade", assignment=intro.id) == {late.id}
    assert shown(state="graded") == {drafted.id}
    assert shown(state="released") == {released.id}
    assert shown(state="resubmit") == {resubmit.id}
    assert shown(assignment=poster.id) == {group_work.id}


def test_module_and_program_wide_assignments_never_mix(client, login, world, intro, module_essay, db):
    program_wide = submit(intro, user=world.participant)
    in_module = submit(module_essay, user=world.participant)
    db.session.commit()
    assert ops.program_wide_assignments(world.program.id) == [intro]
    assert ops.module_assignments(world.module.id) == [module_essay]

    login(client, world.coordinator)
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert grade_url(program_wide) in html and grade_url(in_module) not in html
    assert "Module essay" not in html
    # Asking for the module's assignment in the program queue shows the whole program queue instead.
    html = client.get(queue_url(world, assignment=module_essay.id)).get_data(as_text=True)
    assert grade_url(in_module) not in html and grade_url(program_wide) in html

    html = client.get(f"/modules/{world.module.id}/grading").get_data(as_text=True)
    assert grade_url(in_module) in html and grade_url(program_wide) not in html
    assert "Self-introduction" not in html

    html = client.get(gradebook_url(world)).get_data(as_text=True)
    assert "Self-introduction" in html and "Module essay" not in html
    html = client.get(f"/modules/{world.module.id}/gradebook").get_data(as_text=True)
    assert "Module essay" in html and "Self-introduction" not in html

    # Another program's program-wide assignment stays out too.
    other_program = factories.make_program(name="Other program")
    other = factories.make_assignment(factories.make_unit(program=other_program), title="Other intro")
    db.session.commit()
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "Other intro" not in html
    assert ops.program_wide_assignments(other_program.id) == [other]


def test_release_all_from_the_program_queue(client, login, world, intro, db):
    others = [factories.make_user(name=f"Learner {n}") for n in range(2)]
    for person in others:
        factories.enrol(person, world.program)
    drafts = [submit(intro, user=person) for person in [world.participant, *others]]
    for submission, score in zip(drafts, (80, 30, None)):
        draft(db, submission, score)
    db.session.commit()

    login(client, world.coordinator)
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert f'action="/assignments/{intro.id}/release-grades"' in html  # "release all" on the row
    response = post_form(client, f"/assignments/{intro.id}/release-grades")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/programs/{world.program.id}/grading?assignment={intro.id}")
    assert [fresh_grade(db, submission).status for submission in drafts] == ["released", "released", "draft"]
    assert {n.user_id for n in notifications(db, "grade_released")} == {world.participant.id, others[0].id}
    assert db.session.scalar(select(func.count(GradeEvent.id)).where(GradeEvent.action == "released")) == 2
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 grades of “Self-introduction” released" in html


# The grading page --------------------------------------------------------------------------


def test_grading_page_links_back_to_the_program_queue_with_previous_and_next(client, login, world, intro, db):
    people = [factories.make_user(name=name) for name in ("Ann", "Bea", "Cem")]
    for person in people:
        factories.enrol(person, world.program)
    subs = [submit(intro, user=person) for person in people]
    draft(db, subs[1], 50, status="released")
    db.session.commit()

    login(client, world.coordinator)
    html = client.get(grade_url(subs[1])).get_data(as_text=True)
    assert re.search(r'href="[^"]*/submissions/%d/grade"[^>]*rel="prev"' % subs[0].id, html)
    assert re.search(r'href="[^"]*/submissions/%d/grade"[^>]*rel="next"' % subs[2].id, html)
    assert "2 of 3" in html
    assert f'href="/programs/{world.program.id}/grading?assignment={intro.id}"' in html  # back to the queue
    assert f'href="/programs/{world.program.id}"' in html  # the program, in the breadcrumbs
    assert "/modules/" not in html.split('class="breadcrumbs"')[1].split("</nav>")[0]

    html = client.get(grade_url(subs[0], state="to_grade")).get_data(as_text=True)
    assert f"/submissions/{subs[2].id}/grade?state=to_grade" in html  # Bea (released) is skipped
    assert 'rel="prev"' not in html and "1 of 2" in html
    assert (f'href="/programs/{world.program.id}/grading?assignment={intro.id}&amp;state=to_grade"' in html)


def test_grading_a_program_wide_submission_saves_and_returns_to_it(client, login, world, intro, db):
    submission = submit(intro, user=world.participant)
    db.session.commit()
    login(client, world.coordinator)
    response = post_form(client, grade_url(submission), {"action": "release", "score": "75"})
    assert response.status_code == 302 and response.headers["Location"].endswith(grade_url(submission))
    grade = fresh_grade(db, submission)
    assert grade.status == "released" and grade.score == 75


def test_the_module_grading_page_keeps_its_module_queue_link(client, login, world, module_essay, db):
    submission = submit(module_essay, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    html = client.get(grade_url(submission)).get_data(as_text=True)
    assert f'href="/modules/{world.module.id}/grading?assignment={module_essay.id}"' in html
    assert f"/programs/{world.program.id}/grading" not in html


# Gradebook ----------------------------------------------------------------------------------


def test_gradebook_totals_pass_late_and_csv(client, login, world, intro, poster, db):
    partner = factories.make_user(name="=HYPERLINK(\"x\")", country="UG")
    factories.enrol(partner, world.program, group=world.group)  # no module
    newcomer = factories.make_user(name="Nadia Newcomer", country="NG")
    factories.enrol(newcomer, world.program)
    for name, status in (("Ivy Invited", EnrolmentStatus.INVITED), ("Walter Withdrawn", EnrolmentStatus.WITHDRAWN)):
        factories.enrol(factories.make_user(name=name), world.program, status=status)
    outsider = factories.make_user(name="Otto Outsider")
    factories.enrol(outsider, factories.make_program(name="Another program"))

    mine = submit(intro, user=world.participant, late=True)
    theirs = submit(intro, user=partner)
    failed = submit(intro, user=world.other_participant)
    group_work = submit(poster, group=world.group, author=partner)
    draft(db, mine, 70, status="released")
    draft(db, theirs, 40)
    draft(db, failed, 10, status="released")
    draft(db, group_work, 30, status="released")
    db.session.commit()

    book = ops.gradebook(ops.program_wide_scope(world.program.id))
    rows = {row.user.name: row for row in book.rows}
    # Every participant of the program (whatever their module, or none), learning statuses only.
    assert set(rows) == {"Amina Participant", "Bruno Other", "=HYPERLINK(\"x\")", "Nadia Newcomer"}
    assert [assignment.id for assignment in book.assignments] == [intro.id, poster.id]
    assert book.total_points == 150
    amina = rows["Amina Participant"]
    assert amina.total == 100 and amina.result == "pass" and amina.cells[0].is_late
    assert rows["=HYPERLINK(\"x\")"].total == 70 and rows["=HYPERLINK(\"x\")"].has_provisional
    assert rows["=HYPERLINK(\"x\")"].result == "pending"  # the draft does not count as passed
    assert rows["Bruno Other"].total == 10 and rows["Bruno Other"].result == "fail"
    assert rows["Nadia Newcomer"].total == 0 and rows["Nadia Newcomer"].cells[0].state is None

    login(client, world.coordinator)
    html = client.get(gradebook_url(world)).get_data(as_text=True)
    assert "100/150" in html and "70/150" in html and "10/150" in html and "0/150" in html
    assert "Passed" in html and "Not passed" in html and "draft" in html and "Late" in html
    assert "Ivy Invited" not in html and "Walter Withdrawn" not in html and "Otto Outsider" not in html
    assert f'href="/programs/{world.program.id}/gradebook.csv"' in html
    assert f'href="/programs/{world.program.id}/grading?assignment={poster.id}"' in html

    response = client.get(gradebook_url(world, csv_export=True))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"gradebook-program-{world.program.id}-program-wide.csv" in response.headers["Content-Disposition"]
    table = csv_table(response)
    assert table[0][:4] == ["Name", "Email", "Country", "Group"]
    assert table[0][4] == "Self-introduction: score (of 100)" and table[0][7] == "Delegation poster: score (of 50)"
    by_name = {row[0]: row for row in table[1:]}
    assert set(by_name) == {"Amina Participant", "Bruno Other", "'=HYPERLINK(\"x\")", "Nadia Newcomer"}
    amina_row = by_name["Amina Participant"]
    assert amina_row[3] == "Kenya delegation" and amina_row[4:7] == ["70", "Released", "Late"]
    assert amina_row[7:10] == ["30", "Released", ""]
    assert amina_row[-3:] == ["100", "150", "Passed"]
    assert by_name["Bruno Other"][-3:] == ["10", "150", "Not passed"]
    assert by_name["Nadia Newcomer"][4:6] == ["", "Not submitted"]


def test_empty_program_wide_pages(client, login, world, module_essay):
    login(client, world.coordinator)
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "The program-wide units have no assignments yet." in html
    html = client.get(gradebook_url(world)).get_data(as_text=True)
    assert "The program-wide units have no assignments yet." in html
    table = csv_table(client.get(gradebook_url(world, csv_export=True)))
    assert table[0][-3:] == ["Total", "Total points", "Result"] and len(table[0]) == 7


# Links -------------------------------------------------------------------------------------


def test_program_pages_link_to_program_wide_grading_only_when_there_are_assignments(client, login, world,
                                                                                   orientation, db):
    factories.make_item(orientation, "lesson", title="Welcome")
    db.session.commit()
    pages = [f"/programs/{world.program.id}", f"/programs/{world.program.id}/content"]
    login(client, world.coordinator)
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "Grading (program-wide assignments)" not in html, url

    intro = factories.make_assignment(orientation, title="Self-introduction")
    submit(intro, user=world.participant)
    submit(intro, user=world.other_participant)
    graded = submit(intro, user=factories.make_user(name="Graded One"))
    draft(db, graded, 60)
    db.session.commit()
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert f'href="/programs/{world.program.id}/grading"' in html, url
        assert "Grading (program-wide assignments)" in html and "2 to grade" in html, url

    # A newer version of a graded submission is to grade again.
    submit(intro, user=db.session.get(type(world.participant), graded.user_id), number=2)
    db.session.commit()
    assert ops.program_wide_grading(world.program.id) == ops.ProgramWideGrading(assignments=1, to_grade=3)


def test_program_outline_links_coordinators_to_program_wide_grading(client, login, world, intro, app):
    from flask import url_for

    with app.test_request_context():
        outline = url_for("learning.program_outline", program_id=world.program.id)
    login(client, world.coordinator)
    html = client.get(outline).get_data(as_text=True)
    assert f'href="/programs/{world.program.id}/grading"' in html
    login(client, world.trainer)
    html = client.get(outline).get_data(as_text=True)
    assert f"/programs/{world.program.id}/grading" not in html


def test_archived_assignments_are_left_out(client, login, world, intro, db):
    from lms.core.database import utcnow

    intro.item.archived_at = utcnow()
    db.session.commit()
    assert ops.program_wide_assignments(world.program.id) == []
    assert ops.program_wide_grading(world.program.id) is None


# Constant numbers of queries -----------------------------------------------------------------


def _program_setup(world, orientation, db, n):
    assignment = factories.make_assignment(orientation, title=f"Assignment {n}", rubric=RUBRIC)
    group_work = factories.make_assignment(orientation, title=f"Group {n}", group_submission=True)
    for i in range(n):
        person = factories.make_user(name=f"P{n}-{i}")
        group = factories.make_group(world.program, f"G{n}-{i}")
        # Half follow a module, half have none yet: all are participants of the program.
        factories.enrol(person, world.program, module=world.module if i % 2 else None, group=group)
        submission = submit(assignment, user=person, late=bool(i % 2))
        submit(assignment, user=person, number=2)
        db.session.add(Grade(submission=submission, score=50, status="draft", graded_version_number=1,
                             rubric_levels={}))
        submit(group_work, group=group, author=person)
        db.session.commit()  # one transaction per person, like the module tests


def test_program_queue_issues_a_constant_number_of_queries(client, login, world, orientation, db, count_queries):
    """The same number of queries for 5 and for 200 participants (and groups)."""
    login(client, world.coordinator)
    _program_setup(world, orientation, db, 5)
    url = queue_url(world)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _program_setup(world, orientation, db, 195)
    client.get(url)  # both measured requests start with the same session state
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
    assert "P195-194" in html and "G195-194" in html
    assert html.count('href="/submissions/') == 2 * 200  # every participant's and group's work is listed
    assert len(small) == len(large)


def test_program_gradebook_issues_a_constant_number_of_queries(client, login, world, orientation, db,
                                                               count_queries):
    """The same number of queries for 5 and for 200 participants, page and CSV."""
    login(client, world.coordinator)
    _program_setup(world, orientation, db, 5)
    url = gradebook_url(world)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
        assert client.get(url + ".csv").status_code == 200
    _program_setup(world, orientation, db, 195)
    client.get(url)
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
        csv_text = client.get(url + ".csv").get_data(as_text=True)
    assert "P195-194" in html and "P195-194" in csv_text
    # Header, 200 participants, and world's two (Amina in world.module, Bruno in world.other_module).
    assert len(csv_text.strip().splitlines()) == 1 + 200 + 2
    assert len(small) == len(large)


def test_the_links_count_in_a_constant_number_of_queries(world, orientation, db, count_queries):
    program_id = world.program.id
    _program_setup(world, orientation, db, 2)
    with count_queries() as small:
        assert ops.program_wide_grading(program_id).to_grade == 4
    _program_setup(world, orientation, db, 20)
    with count_queries() as large:
        assert ops.program_wide_grading(program_id) == ops.ProgramWideGrading(assignments=4, to_grade=44)
    assert len(small) == len(large) == 2


def test_assignment_page_links_graders_to_the_program_queue(client, login, world, intro, module_essay):
    login(client, world.coordinator)
    html = client.get(f"/assignments/{intro.item_id}").get_data(as_text=True)
    assert f'href="/programs/{world.program.id}/grading?assignment={intro.id}"' in html
    html = client.get(f"/assignments/{module_essay.item_id}").get_data(as_text=True)
    assert f'href="/modules/{world.module.id}/grading?assignment={module_essay.id}"' in html
