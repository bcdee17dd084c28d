"""The program dashboard: its numbers against a hand-built cohort, filters, links, access, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lms.assignments.models import Grade, Submission, SubmissionVersion
from lms.core.database import utcnow
from lms.dashboard import queries
from lms.enrolment.models import EnrolmentStatus
from lms.learning.completion import record_completion
from lms.reports.filters import Filters
from tests import factories as f


@pytest.fixture
def cohort(db, world):
    """world.module has 4 required lessons. Participants and what they did:

    * world.participant (KE, world.module): 4 of 4 done -> 100 %
    * ana (KE, world.module): 2 of 4 -> 50 %, one lesson overdue
    * ben (BR, world.module): 0 of 4 -> 0 %, withdrawn
    * world.other_participant (BR, world.other_module): no content -> 0 of 0
    * dee (PE, world.module): admitted, 3 of 4 -> 75 %
    """
    unit = f.make_unit(world.module, title="Week 1")
    past = utcnow() - timedelta(days=1)
    lessons = [f.make_item(unit, "lesson", title=f"Lesson {n}", due_at=past if n == 3 else None)
               for n in range(4)]
    ana = f.make_user(name="Ana", country="KE")
    ben = f.make_user(name="Ben", country="BR")
    dee = f.make_user(name="Dee", country="PE")
    f.enrol(ana, world.program, module=world.module)
    f.enrol(ben, world.program, module=world.module, status=EnrolmentStatus.WITHDRAWN)
    f.enrol(dee, world.program, module=world.module, status=EnrolmentStatus.ADMITTED)
    for lesson in lessons:
        record_completion(world.participant, lesson, "viewed")
    for lesson in lessons[:2]:
        record_completion(ana, lesson, "viewed")
    for lesson in lessons[:3]:
        record_completion(dee, lesson, "viewed")
    assignment = f.make_assignment(unit, title="Essay")
    assignment.item.required = False
    submission = Submission(assignment_id=assignment.id, user_id=ana.id)
    db.session.add(submission)
    db.session.flush()
    db.session.add(SubmissionVersion(submission_id=submission.id, number=1, text="x", author_id=ana.id,
                                     submitted_at=utcnow()))
    graded = Submission(assignment_id=assignment.id, user_id=world.participant.id)
    db.session.add(graded)
    db.session.flush()
    db.session.add(SubmissionVersion(submission_id=graded.id, number=1, text="y", author_id=world.participant.id,
                                     submitted_at=utcnow()))
    db.session.add(Grade(submission_id=graded.id, score=80, status="released"))
    db.session.commit()
    return {"ana": ana, "ben": ben, "dee": dee, "lessons": lessons}


def test_numbers_match_the_hand_computed_cohort(db, world, cohort):
    board = queries.build(world.program)
    assert board.participants == 5
    assert board.funnel["withdrawn"] == 1
    assert board.funnel["active"] == 4  # everyone but the withdrawn one
    assert board.funnel["admitted"] == 1 and board.funnel["confirmed"] == 0
    # Progress of the four following the online part: 100 (+ the Essay is optional), 50, 0 (no content), 75.
    assert sum(board.distribution) == 4
    assert board.distribution[9] == 1 and board.distribution[5] == 1 and board.distribution[7] == 1
    assert board.distribution[0] == 1
    by_module = {title: (round(average), count) for _id, title, average, count in board.by_module}
    assert by_module[world.module.display_title] == (75, 3)  # (100 + 50 + 75) / 3
    by_country = {code: (round(average), count) for code, average, count in board.by_country}
    assert by_country["KE"] == (75, 2) and by_country["PE"] == (75, 1) and by_country["BR"] == (0, 1)
    # Lesson 3 (due yesterday) is overdue for Ana and for Dee, who did lessons 0-2.
    assert board.overdue_items == 2 and board.participants_overdue == 2
    assert board.ungraded == 1  # Ana's submission; the released one is graded


def test_filters_narrow_every_figure(db, world, cohort):
    board = queries.build(world.program, Filters(country="KE"))
    assert board.participants == 2
    assert [(code, count) for code, _average, count in board.by_country] == [("KE", 2)]
    board = queries.build(world.program, Filters(module_id=world.other_module.id))
    assert board.participants == 1 and board.overdue_items == 0


def test_a_new_completion_shows_at_once(db, world, cohort):
    assert queries.build(world.program).distribution[5] == 1
    record_completion(cohort["ana"], cohort["lessons"][2], "viewed")
    db.session.commit()
    board = queries.build(world.program)
    assert board.distribution[5] == 0 and board.distribution[7] == 2


def test_live_attendance_over_time(db, world, cohort, coordinator):
    from lms.live.models import AttendanceCorrection

    unit = f.make_unit(world.module, title="Live")
    session = f.make_live_session(unit, starts_at=utcnow() - timedelta(hours=3), required=False)
    f.make_live_session(unit, starts_at=utcnow() + timedelta(days=2), required=False)  # not held yet
    db.session.add(AttendanceCorrection(session_id=session.id, user_id=cohort["ana"].id, attended=True,
                                        reason="Phone", corrected_by_id=coordinator.id))
    record_completion(cohort["ana"], session.item, "attended")
    db.session.commit()
    board = queries.build(world.program)
    assert [(entry.id, attended, expected) for entry, attended, expected in board.sessions] == [(session.id, 1, 3)]


def test_page_shows_charts_with_links_and_text(client, login, db, world, cohort):
    login(client, world.coordinator)
    html = client.get(f"/programs/{world.program.id}/dashboard").get_data(as_text=True)
    assert "<svg" in html and "Participants by stage" in html
    assert "Show the figures as a table" in html
    # Every bar links to the list behind it; that list shows exactly those people.
    at_risk_link = re.search(r'href="([^"]*dashboard/participants[^"]*stage=withdrawn[^"]*)"', html).group(1)
    listing = client.get(at_risk_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Ben" in listing and "Ana" not in listing
    low = client.get(f"/programs/{world.program.id}/dashboard/participants?min=50&max=59").get_data(as_text=True)
    assert "Ana" in low and "Dee" not in low


def test_bad_filter_is_shown_next_to_the_field(client, login, world, cohort):
    login(client, world.coordinator)
    response = client.get(f"/programs/{world.program.id}/dashboard?country=XX")
    assert response.status_code == 400 and "Unknown country" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["participant", "trainer"])
def test_only_coordinators(client, login, world, cohort, role):
    login(client, getattr(world, role))
    assert client.get(f"/programs/{world.program.id}/dashboard").status_code == 403
    assert client.get(f"/programs/{world.program.id}/dashboard/participants").status_code == 403


def test_constant_queries_whatever_the_cohort(client, login, db, world, cohort, count_queries):
    login(client, world.coordinator)
    urls = [f"/programs/{world.program.id}/dashboard", f"/programs/{world.program.id}/dashboard/participants"]

    def measure():
        for url in urls:
            client.get(url)  # summaries refreshed
        counts = []
        for url in urls:
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    few = measure()
    for n in range(20):
        user = f.make_user(country="GH" if n % 2 else "KE")
        f.enrol(user, world.program, module=world.module)
        record_completion(user, cohort["lessons"][0], "viewed")
    db.session.commit()
    assert measure() == few


def test_participant_list_is_paginated(client, login, db, world, cohort, monkeypatch):
    monkeypatch.setattr(queries, "PER_PAGE", 2)
    login(client, world.coordinator)
    first = client.get(f"/programs/{world.program.id}/dashboard/participants?country=KE").get_data(as_text=True)
    assert "Page 1 of 1" not in first  # two Kenyans: one page, no pager
    html = client.get(f"/programs/{world.program.id}/dashboard/participants").get_data(as_text=True)
    assert "Page 1 of 3" in html and "page=2" in html
    last = client.get(f"/programs/{world.program.id}/dashboard/participants?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and last.count('<th scope="row">') == 1
