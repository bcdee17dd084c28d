"""Grading: the queue, the grading page (rubric, score, release, resubmission, locking), history, gradebook."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from lms.assignments import grading as ops
from lms.assignments.models import Grade, GradeEvent, RubricCriterion, Submission, SubmissionFile, SubmissionVersion
from lms.core.database import utcnow
from lms.files.storage import RESOURCE_EXTENSIONS, UploadRules, save_upload
from lms.learning.models import Completion
from lms.notifications.models import Notification
from tests import factories
from tests.helpers import csrf_token, form_errors, post_form

RUBRIC = [("Content", [("Excellent", 60), ("Good", 40), ("Weak", 10)]),
          ("Form", [("Clear", 40), ("Unclear", 10)])]


# Set-up --------------------------------------------------------------------------------------


@pytest.fixture
def unit(world):
    return factories.make_unit(world.module, title="Week 1")


@pytest.fixture
def essay(unit, db):
    """An individual assignment without a rubric: typed score out of 100, pass at 50."""
    assignment = factories.make_assignment(unit, title="Essay", completion_rule="pass")
    db.session.commit()
    return assignment


@pytest.fixture
def rubric_assignment(unit, db):
    assignment = factories.make_assignment(unit, title="Project plan", rubric=RUBRIC, completion_rule="pass")
    db.session.commit()
    return assignment


def submit(assignment, *, user=None, group=None, number=1, text="My work", late=False, author=None, when=None):
    """A submitted version, made with the models (the submission flow is tested elsewhere)."""
    from lms.extensions import db

    query = select(Submission).where(Submission.assignment_id == assignment.id)
    query = query.where(Submission.group_id == group.id) if group else query.where(Submission.user_id == user.id)
    submission = db.session.scalar(query)
    if submission is None:
        submission = Submission(assignment=assignment, user_id=None if group else user.id,
                                group_id=group.id if group else None)
        db.session.add(submission)
        db.session.flush()
    version = SubmissionVersion(submission=submission, number=number, text=text, author_id=(author or user).id,
                                submitted_at=when or utcnow(), is_late=late, receipt="ab" * 32)
    db.session.add(version)
    db.session.flush()
    return submission


def grade_url(submission, state=None):
    return f"/submissions/{submission.id}/grade" + (f"?state={state}" if state else "")


def levels_for(assignment, *titles):
    """Form data choosing, per criterion in order, the level with this title."""
    data = {}
    for criterion, title in zip(assignment.criteria, titles):
        level = next(level for level in criterion.levels if level.title == title)
        data[f"criterion_{criterion.id}"] = str(level.id)
    return data


def notifications(db, kind=None):
    query = select(Notification)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def fresh_grade(db, submission):
    db.session.expire_all()
    return db.session.scalar(select(Grade).where(Grade.submission_id == submission.id))


# Queue ---------------------------------------------------------------------------------------


def test_queue_counts_and_filters(client, login, world, essay, db):
    people = [factories.make_user(name=f"Learner {n}", country="GH") for n in range(4)]
    for person in people:
        factories.enrol(person, world.program, module=world.module)
    to_grade = submit(essay, user=people[0], late=True)
    drafted = submit(essay, user=people[1])
    released = submit(essay, user=people[2])
    resubmit = submit(essay, user=people[3])
    submit(essay, user=world.participant)  # to grade, on time
    db.session.add_all([
        Grade(submission=drafted, score=40, status="draft", graded_version_number=1, rubric_levels={}),
        Grade(submission=released, score=70, status="released", graded_version_number=1, rubric_levels={}),
        Grade(submission=resubmit, score=20, status="resubmit", graded_version_number=1, rubric_levels={}),
    ])
    # A resubmitted version after a released grade goes back to "to grade".
    regraded = submit(essay, user=factories.make_user(name="Learner again"))
    db.session.add(Grade(submission=regraded, score=30, status="released", graded_version_number=1,
                         rubric_levels={}))
    submit(essay, user=db.session.get(type(world.participant), regraded.user_id), number=2)
    db.session.commit()

    rows = ops.queue_rows([essay], world.program.id)
    counts = ops.queue_counts(rows)[essay.id]
    assert counts == {"to_grade": 3, "graded": 1, "released": 1, "late": 1, "resubmit": 1, "releasable": 1}
    assert to_grade.id in {row.submission.id for row in rows if row.state == "to_grade"}

    login(client, world.trainer)
    url = f"/modules/{world.module.id}/grading"
    html = client.get(url).get_data(as_text=True)
    for name in ("Learner 0", "Learner 1", "Learner 2", "Learner 3", "Amina Participant", "Learner again"):
        assert name in html
    assert "Ghana" in html  # countries shown

    html = client.get(url, query_string={"state": "late"}).get_data(as_text=True)
    assert "Learner 0" in html and "Learner 1" not in html and "Amina Participant" not in html
    html = client.get(url, query_string={"state": "to_grade", "assignment": essay.id}).get_data(as_text=True)
    assert "Learner 0" in html and "Amina Participant" in html and "Learner again" in html
    assert "Learner 1" not in html and "Learner 2" not in html
    html = client.get(url, query_string={"state": "resubmit"}).get_data(as_text=True)
    assert "Learner 3" in html and "Learner 0" not in html
    html = client.get(url, query_string={"state": "graded"}).get_data(as_text=True)
    assert "Learner 1" in html and "Learner 2" not in html


def test_queue_lists_group_submissions_once_with_members_countries(client, login, world, unit, db):
    group_work = factories.make_assignment(unit, title="Group poster", group_submission=True)
    partner = factories.make_user(name="Kip Partner", country="UG")
    factories.enrol(partner, world.program, module=world.module, group=world.group)
    submit(group_work, group=world.group, author=world.participant)
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/modules/{world.module.id}/grading").get_data(as_text=True)
    assert html.count("Kenya delegation") == 1
    assert "Kenya" in html and "Uganda" in html


def _queue_setup(world, unit, db, n):
    assignment = factories.make_assignment(unit, title=f"Assignment {n}", rubric=RUBRIC)
    group_work = factories.make_assignment(unit, title=f"Group {n}", group_submission=True)
    for i in range(n):
        person = factories.make_user(name=f"P{n}-{i}")
        group = factories.make_group(world.program, f"G{n}-{i}")
        factories.enrol(person, world.program, module=world.module, group=group)
        submission = submit(assignment, user=person, late=bool(i % 2))
        submit(assignment, user=person, number=2)
        db.session.add(Grade(submission=submission, score=50, status="draft", graded_version_number=1,
                             rubric_levels={}))
        submit(group_work, group=group, author=person)
        db.session.commit()  # one transaction per person (see the report: summaries' marks grow per flush)


def test_queue_issues_a_constant_number_of_queries(client, login, world, unit, db, count_queries):
    """The same number of queries for 5 and for 200 participants (and groups)."""
    login(client, world.trainer)
    _queue_setup(world, unit, db, 5)
    url = f"/modules/{world.module.id}/grading"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _queue_setup(world, unit, db, 195)
    client.get(url)  # both measured requests start with the same session state
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
    assert "P195-194" in html and "G195-194" in html
    assert html.count('href="/submissions/') == 2 * 200  # every participant's and group's work is listed
    assert len(small) == len(large)


# The grading page ------------------------------------------------------------------------


def test_grading_page_shows_text_escaped_files_and_earlier_versions(client, login, world, essay, db):
    submit(essay, user=world.participant, text="First draft<script>alert(1)</script>")
    submission = submit(essay, user=world.participant, number=2, text="Line one\n\nLine **two**", late=True)
    version = submission.versions[-1]
    pdf = save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 essay"), filename="essay.pdf"),
                      UploadRules(RESOURCE_EXTENSIONS, 10_000), uploaded_by=world.participant)
    png = save_upload(FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\nxx"), filename="photo.png"),
                      UploadRules(RESOURCE_EXTENSIONS, 10_000), uploaded_by=world.participant)
    docx = save_upload(FileStorage(io.BytesIO(b"PK\x03\x04doc"), filename="notes.docx"),
                       UploadRules(RESOURCE_EXTENSIONS, 10_000), uploaded_by=world.participant)
    for stored in (pdf, png, docx):
        db.session.add(SubmissionFile(version_id=version.id, file_id=stored.id))
    db.session.commit()

    login(client, world.trainer)
    html = client.get(grade_url(submission)).get_data(as_text=True)
    assert "<strong>two</strong>" in html  # sanitised Markdown
    assert "<script>alert(1)</script>" not in html  # the earlier version's text is sanitised too
    assert "<details class=\"earlier-version\">" in html and "Version 1" in html
    assert re.search(r'<iframe[^>]+src="[^"]*/grading-files/%d\?preview=1"' % pdf.id, html)
    assert re.search(r'<img src="[^"]*/grading-files/%d\?preview=1"' % png.id, html)
    assert f"/grading-files/{docx.id}" in html and f"/grading-files/{docx.id}?preview=1" not in html
    assert "Late" in html

    response = client.get(buffered=True, path=f"/submission-versions/{version.id}/grading-files/{pdf.id}?preview=1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Shown inline in our own page only, loading and running nothing itself.
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert response.headers["Content-Disposition"].startswith("inline")
    # The grading page itself lets its frames come from the site (and nowhere else it does not list).
    page_csp = client.get(grade_url(submission)).headers["Content-Security-Policy"]
    assert "frame-src 'self'" in page_csp
    response = client.get(buffered=True, path=f"/submission-versions/{version.id}/grading-files/{docx.id}")
    assert "attachment" in response.headers["Content-Disposition"]
    # A file of another version is not served through this version.
    assert client.get(buffered=True, path=f"/submission-versions/{submission.versions[0].id}/grading-files/{pdf.id}").status_code == 404

    login(client, world.participant)
    assert client.get(buffered=True, path=f"/submission-versions/{version.id}/grading-files/{pdf.id}").status_code == 403
    login(client, world.other_trainer)
    assert client.get(buffered=True, path=f"/submission-versions/{version.id}/grading-files/{pdf.id}").status_code == 403


def test_rubric_levels_compute_the_score_and_a_draft_stays_hidden(client, login, world, rubric_assignment, db):
    submission = submit(rubric_assignment, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    data = {"action": "save", "comments": "Good *start*", "score": "3", "version": ""}
    data |= levels_for(rubric_assignment, "Good", "Clear")
    response = post_form(client, grade_url(submission), data)
    assert response.status_code == 302
    grade = fresh_grade(db, submission)
    assert grade.score == 80  # 40 + 40, the typed score is ignored when there is a rubric
    assert grade.status == "draft" and grade.released_at is None
    assert grade.graded_version_number == 1 and grade.grader_id == world.trainer.id
    assert set(grade.rubric_levels) == {str(c.id) for c in rubric_assignment.criteria}
    assert notifications(db) == []  # the participant hears nothing of a draft
    assert db.session.scalar(select(func.count(Completion.id))) == 0

    html = client.get(grade_url(submission)).get_data(as_text=True)
    assert "checked" in html and "Current score: 80." in html


def test_archived_criteria_do_not_count(client, login, world, rubric_assignment, db):
    form_criterion = rubric_assignment.criteria[1]
    form_criterion.archived_at = utcnow()
    submission = submit(rubric_assignment, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    post_form(client, grade_url(submission), {"action": "release"} | levels_for(rubric_assignment, "Excellent"))
    assert fresh_grade(db, submission).score == 60


def test_release_needs_every_criterion(client, login, world, rubric_assignment, db):
    submission = submit(rubric_assignment, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    data = {"action": "release", "comments": "Kept"} | levels_for(rubric_assignment, "Good")
    response = post_form(client, grade_url(submission), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose a level for every criterion" in html and "Form" in html
    assert "Kept" in html  # typed values kept
    assert fresh_grade(db, submission) is None


@pytest.mark.parametrize("score, ok", [("-1", False), ("101", False), ("abc", False), ("0", True), ("100", True)])
def test_typed_score_bounds(client, login, world, essay, db, score, ok):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, grade_url(submission), {"action": "save", "score": score, "comments": "Typed"})
    grade = fresh_grade(db, submission)
    if ok:
        assert response.status_code == 302 and grade.score == int(score)
    else:
        assert response.status_code == 200 and grade is None
        errors = form_errors(response.get_data(as_text=True))
        assert errors and ("0 to 100" in errors[0] or "integer" in errors[0].lower())
        assert "Typed" in response.get_data(as_text=True)


def test_release_without_a_score_is_refused(client, login, world, essay, db):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, grade_url(submission), {"action": "release", "score": ""})
    assert "Enter a score before releasing." in response.get_data(as_text=True)
    assert fresh_grade(db, submission) is None


# Release, completion, notifications -----------------------------------------------------------


def test_release_notifies_every_group_member_and_completes_when_passed(client, login, world, unit, db):
    group_work = factories.make_assignment(unit, title="Group poster", group_submission=True,
                                           completion_rule="pass", pass_points=60)
    partner = factories.make_user(name="Kip Partner", country="UG")
    factories.enrol(partner, world.program, module=world.module, group=world.group)
    submission = submit(group_work, group=world.group, author=world.participant)
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, grade_url(submission), {"action": "release", "score": "75", "comments": "Well done"})
    assert response.status_code == 302

    grade = fresh_grade(db, submission)
    assert grade.status == "released" and grade.released_at is not None
    sent = notifications(db, "grade_released")
    assert {n.user_id for n in sent} == {world.participant.id, partner.id}
    assert all(n.link and str(group_work.item_id) in n.link for n in sent)
    completions = db.session.scalars(select(Completion).where(Completion.item_id == group_work.item_id)).all()
    assert {c.user_id for c in completions} == {world.participant.id, partner.id}
    assert all(c.how == "passed" and c.detail == "75/100" for c in completions)


def test_release_below_the_pass_mark_does_not_complete(client, login, world, essay, db):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    post_form(client, grade_url(submission), {"action": "release", "score": "49"})
    assert fresh_grade(db, submission).status == "released"
    assert len(notifications(db, "grade_released")) == 1
    assert db.session.scalar(select(func.count(Completion.id))) == 0


def test_release_with_submit_rule_does_not_record_a_pass(client, login, world, unit, db):
    assignment = factories.make_assignment(unit, title="Reflection", completion_rule="submit")
    submission = submit(assignment, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    post_form(client, grade_url(submission), {"action": "release", "score": "90"})
    assert db.session.scalar(select(func.count(Completion.id)).where(Completion.how == "passed")) == 0


def test_release_all_releases_every_draft(client, login, world, essay, db):
    others = [factories.make_user(name=f"Learner {n}") for n in range(2)]
    drafts = [submit(essay, user=person) for person in [world.participant, *others]]
    for submission, score in zip(drafts, (80, 30, None)):
        db.session.add(Grade(submission=submission, score=score, status="draft", graded_version_number=1,
                             rubric_levels={}))
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, f"/assignments/{essay.id}/release-grades")
    assert response.status_code == 302
    statuses = [fresh_grade(db, submission).status for submission in drafts]
    assert statuses == ["released", "released", "draft"]  # a draft without a score stays a draft
    assert {n.user_id for n in notifications(db, "grade_released")} == {world.participant.id, others[0].id}
    assert db.session.scalar(select(Completion.user_id)) == world.participant.id  # 80 >= 50 only
    assert db.session.scalar(select(func.count(GradeEvent.id)).where(GradeEvent.action == "released")) == 2


def test_resubmission_needs_a_message_and_notifies(client, login, world, essay, db):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, grade_url(submission), {"action": "resubmit", "score": "20",
                                                         "resubmission_message": "  "})
    assert response.status_code == 200
    assert "Write a message saying what to change." in response.get_data(as_text=True)
    assert fresh_grade(db, submission) is None
    assert notifications(db) == []

    response = post_form(client, grade_url(submission), {"action": "resubmit", "score": "20",
                                                         "resubmission_message": "Add your sources."})
    assert response.status_code == 302
    grade = fresh_grade(db, submission)
    assert grade.status == "resubmit" and grade.resubmission_message == "Add your sources."
    sent = notifications(db, "resubmission_requested")
    assert [n.user_id for n in sent] == [world.participant.id] and sent[0].body == "Add your sources."
    assert db.session.scalar(select(func.count(Completion.id))) == 0

    # A new version puts it back in the "to grade" state.
    submit(essay, user=world.participant, number=2)
    db.session.commit()
    assert ops.state_of(db.session.get(Submission, submission.id)) == "to_grade"


def test_release_all_leaves_outdated_and_incomplete_drafts(client, login, world, unit, rubric_assignment, db):
    """A draft grade of version 1 after version 2 came in, or with a criterion left out, is not released."""
    people = [factories.make_user(name=f"Learner {n}") for n in range(3)]
    for person in people:
        factories.enrol(person, world.program, module=world.module)
    complete, outdated, partial = (submit(rubric_assignment, user=person) for person in people)
    submit(rubric_assignment, user=people[1], number=2)  # handed in again after the draft grade
    full = {str(c.id): c.levels[0].id for c in rubric_assignment.criteria}
    first_only = {str(rubric_assignment.criteria[0].id): rubric_assignment.criteria[0].levels[0].id}
    for submission, levels in ((complete, full), (outdated, full), (partial, first_only)):
        db.session.add(Grade(submission=submission, score=60, status="draft", graded_version_number=1,
                             rubric_levels=levels))
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/modules/{world.module.id}/grading").get_data(as_text=True)
    response = post_form(client, f"/assignments/{rubric_assignment.id}/release-grades")
    assert response.status_code == 302
    assert [fresh_grade(db, s).status for s in (complete, outdated, partial)] == ["released", "draft", "draft"]
    assert {n.user_id for n in notifications(db, "grade_released")} == {people[0].id}
    assert "Release 1 graded" in html  # the button counts what it releases
    assert "1 draft grade is incomplete" in html


# Two graders at once ---------------------------------------------------------------------


def test_second_grader_is_refused_and_sees_the_others_grade(client, login, world, essay, db, app):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    trainer_client = app.test_client()
    login(trainer_client, world.trainer)
    page = trainer_client.get(grade_url(submission)).get_data(as_text=True)
    assert 'name="version" type="hidden" value=""' in page or 'name="version" value=""' in page

    coordinator_client = app.test_client()
    login(coordinator_client, world.coordinator)
    post_form(coordinator_client, grade_url(submission), {"action": "save", "score": "64",
                                                          "comments": "Coordinator's **view**", "version": ""})
    assert fresh_grade(db, submission).score == 64

    response = post_form(trainer_client, grade_url(submission), {"action": "release", "score": "90",
                                                                 "comments": "Trainer typed this", "version": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert "Clara Coordinator" in html and "64/100" in html and "<strong>view</strong>" in html
    assert "Trainer typed this" in html and 'value="90"' in html  # typed values kept
    grade = fresh_grade(db, submission)
    assert grade.score == 64 and grade.status == "draft"
    assert notifications(db) == []
    assert re.search(r'name="version" (?:type="hidden" )?value="%d"' % grade.version, html)

    # Saving again (with the version now shown) overwrites knowingly.
    response = post_form(trainer_client, grade_url(submission), {"action": "save", "score": "90",
                                                                 "version": str(grade.version)})
    assert response.status_code == 302
    assert fresh_grade(db, submission).score == 90


def test_stale_data_at_commit_is_a_conflict(client, login, world, essay, db, monkeypatch):
    submission = submit(essay, user=world.participant)
    grade = Grade(submission=submission, score=10, status="draft", graded_version_number=1, rubric_levels={})
    db.session.add(grade)
    db.session.commit()
    grade_id, version = grade.id, grade.version
    real_check = ops.check_version

    def check_then_someone_saves(record, submitted):
        real_check(record, submitted)
        with db.engine.begin() as connection:  # another grader commits between our check and our commit
            connection.execute(update(Grade).where(Grade.id == grade_id)
                               .values(version=Grade.version + 1, score=33, comments="Saved meanwhile"))

    monkeypatch.setattr(ops, "check_version", check_then_someone_saves)
    login(client, world.trainer)
    response = post_form(client, grade_url(submission), {"action": "save", "score": "70", "comments": "Mine",
                                                         "version": str(version)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in html and "Saved meanwhile" in html and "33/100" in html
    grade = fresh_grade(db, submission)
    assert grade.score == 33 and grade.version == version + 1
    assert db.session.scalar(select(func.count(GradeEvent.id))) == 0


# History -------------------------------------------------------------------------------------


def test_every_change_is_kept_in_the_history(client, login, world, rubric_assignment, db):
    submission = submit(rubric_assignment, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    post_form(client, grade_url(submission), {"action": "save", "version": "", "comments": "First look"}
              | levels_for(rubric_assignment, "Weak", "Unclear"))
    version = fresh_grade(db, submission).version
    post_form(client, grade_url(submission), {"action": "release", "version": str(version)}
              | levels_for(rubric_assignment, "Excellent", "Clear"))
    events = db.session.scalars(select(GradeEvent).order_by(GradeEvent.id)).all()
    assert [e.action for e in events] == ["saved", "released"]
    assert [e.snapshot["score"] for e in events] == [20, 100]
    assert events[0].snapshot["comments"] == "First look" and events[0].snapshot["status"] == "draft"
    assert events[1].snapshot["status"] == "released" and events[1].snapshot["graded_version_number"] == 1
    assert all(e.actor_id == world.trainer.id for e in events)

    html = client.get(grade_url(submission)).get_data(as_text=True)
    history = html.split('id="history-title"')[1]
    assert "Saved as draft" in history and "Released" in history and "Tomas Trainer" in history
    assert "Content: Weak (10)" in history and "Content: Excellent (60)" in history


def test_feedback_file_upload_and_who_may_download_it(client, login, world, essay, db):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    data = {"action": "save", "score": "60", "csrf_token": csrf_token(client),
            "feedback_file": (io.BytesIO(b"%PDF-1.4 remarks"), "remarks.pdf")}
    response = client.post(grade_url(submission), data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    grade = fresh_grade(db, submission)
    assert grade.feedback_file.original_name == "remarks.pdf"
    url = f"/grades/{grade.id}/feedback-file"
    assert client.get(url, buffered=True).status_code == 200

    bad = {"action": "save", "score": "60", "version": str(grade.version), "csrf_token": csrf_token(client),
           "feedback_file": (io.BytesIO(b"MZ\x90\x00"), "virus.pdf")}
    response = client.post(grade_url(submission), data=bad, content_type="multipart/form-data")
    assert response.status_code == 200 and "does not match its type" in response.get_data(as_text=True)

    login(client, world.participant)
    assert client.get(url).status_code == 403  # not released yet
    grade.status = "released"
    db.session.commit()
    response = client.get(url, buffered=True)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    login(client, world.other_participant)
    assert client.get(url).status_code == 403


def test_next_and_previous_follow_the_queue_order(client, login, world, essay, db):
    people = [factories.make_user(name=name) for name in ("Ann", "Bea", "Cem")]
    subs = [submit(essay, user=person) for person in people]
    db.session.add(Grade(submission=subs[1], score=50, status="released", graded_version_number=1,
                         rubric_levels={}))
    db.session.commit()
    login(client, world.trainer)
    html = client.get(grade_url(subs[1])).get_data(as_text=True)
    assert re.search(r'href="[^"]*/submissions/%d/grade"[^>]*rel="prev"' % subs[0].id, html)
    assert re.search(r'href="[^"]*/submissions/%d/grade"[^>]*rel="next"' % subs[2].id, html)
    assert "2 of 3" in html
    html = client.get(grade_url(subs[0], state="to_grade")).get_data(as_text=True)
    assert f"/submissions/{subs[2].id}/grade?state=to_grade" in html  # Bea (released) is skipped
    assert 'rel="prev"' not in html and "1 of 2" in html


# Gradebook ------------------------------------------------------------------------------------


def test_gradebook_totals_pass_and_csv(client, login, world, unit, essay, db):
    group_work = factories.make_assignment(unit, title="Group poster", group_submission=True, points=50,
                                           pass_points=25)
    partner = factories.make_user(name="=HYPERLINK(\"x\")", country="UG")
    factories.enrol(partner, world.program, module=world.module, group=world.group)
    mine = submit(essay, user=world.participant, late=True)
    theirs = submit(essay, user=partner)
    poster = submit(group_work, group=world.group, author=partner)
    db.session.add_all([
        Grade(submission=mine, score=70, status="released", graded_version_number=1, rubric_levels={}),
        Grade(submission=theirs, score=40, status="draft", graded_version_number=1, rubric_levels={}),
        Grade(submission=poster, score=30, status="released", graded_version_number=1, rubric_levels={}),
    ])
    db.session.commit()

    book = ops.gradebook(world.module)
    rows = {row.user.id: row for row in book.rows}
    assert book.total_points == 150
    assert rows[world.participant.id].total == 100 and rows[world.participant.id].result == "pass"
    assert rows[partner.id].total == 70 and rows[partner.id].has_provisional
    assert rows[partner.id].result == "pending"  # the draft does not count as passed
    assert rows[world.participant.id].cells[0].is_late

    login(client, world.trainer)
    html = client.get(f"/modules/{world.module.id}/gradebook").get_data(as_text=True)
    assert "100/150" in html and "70/150" in html and "Passed" in html and "draft" in html

    response = client.get(f"/modules/{world.module.id}/gradebook.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][:4] == ["Name", "Email", "Country", "Group"]
    by_name = {row[0]: row for row in table[1:]}
    assert "'=HYPERLINK(\"x\")" in by_name  # not run as a formula
    amina = by_name["Amina Participant"]
    assert amina[3] == "Kenya delegation" and amina[4:7] == ["70", "Released", "Late"]
    assert amina[-3:] == ["100", "150", "Passed"]


def test_gradebook_issues_a_constant_number_of_queries(client, login, world, unit, db, count_queries):
    """The same number of queries for 5 and for 200 participants, page and CSV."""
    login(client, world.trainer)
    _queue_setup(world, unit, db, 5)
    url = f"/modules/{world.module.id}/gradebook"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
        assert client.get(url + ".csv").status_code == 200
    _queue_setup(world, unit, db, 195)
    client.get(url)
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
        csv_text = client.get(url + ".csv").get_data(as_text=True)
    assert "P195-194" in html and "P195-194" in csv_text
    assert len(csv_text.strip().splitlines()) == 1 + 200 + 1  # header, 200 participants, Amina
    assert len(small) == len(large)


# Access ------------------------------------------------------------------------------------


@pytest.fixture
def graded(world, essay, db):
    submission = submit(essay, user=world.participant)
    pdf = save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 essay"), filename="essay.pdf"),
                      UploadRules(RESOURCE_EXTENSIONS, 10_000), uploaded_by=world.participant)
    db.session.add(SubmissionFile(version_id=submission.versions[0].id, file_id=pdf.id))
    grade = Grade(submission=submission, score=10, status="draft", graded_version_number=1, rubric_levels={},
                  feedback_file_id=pdf.id)
    db.session.add(grade)
    db.session.commit()
    return {"submission": submission, "file": pdf, "grade": grade, "assignment": essay}


def _urls(world, graded):
    submission = graded["submission"]
    version_id = submission.versions[0].id
    return [
        ("GET", f"/modules/{world.module.id}/grading"),
        ("GET", f"/modules/{world.module.id}/gradebook"),
        ("GET", f"/modules/{world.module.id}/gradebook.csv"),
        ("GET", f"/submissions/{submission.id}/grade"),
        ("POST", f"/submissions/{submission.id}/grade"),
        ("POST", f"/assignments/{graded['assignment'].id}/release-grades"),
        ("GET", f"/submission-versions/{version_id}/grading-files/{graded['file'].id}"),
        ("GET", f"/grades/{graded['grade'].id}/feedback-file"),
    ]


@pytest.mark.parametrize("role", ["participant", "other_trainer", "other_participant"])
def test_wrong_roles_get_403_on_every_grading_page(client, login, world, graded, db, role):
    login(client, getattr(world, role))
    for method, url in _urls(world, graded):
        response = client.get(url, buffered=True) if method == "GET" else post_form(client, url, {"action": "release",
                                                                                   "score": "100"})
        assert response.status_code == 403, f"{method} {url} as {role}"
    grade = fresh_grade(db, graded["submission"])
    assert grade.status == "draft" and grade.score == 10


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_trainers_and_coordinators_may_grade(client, login, world, graded, role):
    login(client, getattr(world, role))
    for method, url in _urls(world, graded):
        if method == "GET":
            assert client.get(url, buffered=True).status_code == 200, url


def test_anonymous_is_sent_to_login(client, world, graded):
    for method, url in _urls(world, graded):
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code in (302, 400) and (response.status_code == 400
                                                         or "/login" in response.headers["Location"])


def test_module_pages_link_to_grading(client, login, world, app, db):
    from flask import url_for

    with app.test_request_context():
        progress = url_for("learning.progress_grid", module_id=world.module.id)
        detail = url_for("programs.module_detail", module_id=world.module.id)
    login(client, world.trainer)
    html = client.get(progress).get_data(as_text=True)
    assert f"/modules/{world.module.id}/grading" in html and f"/modules/{world.module.id}/gradebook" in html
    login(client, world.coordinator)
    html = client.get(detail).get_data(as_text=True)
    assert f"/modules/{world.module.id}/grading" in html and f"/modules/{world.module.id}/gradebook" in html


def test_unknown_records_are_404(client, login, world, db):
    login(client, world.coordinator)
    assert client.get("/submissions/999999/grade").status_code == 404
    assert client.get("/modules/999999/gradebook").status_code == 404
    assert client.get("/grades/999999/feedback-file").status_code == 404


def test_criterion_model_has_levels_in_rubric_order(rubric_assignment):
    criterion = rubric_assignment.criteria[0]
    assert isinstance(criterion, RubricCriterion)
    assert [level.points for level in criterion.levels] == [60, 40, 10]


def test_late_flag_uses_the_version(world, essay, db):
    submission = submit(essay, user=world.participant, late=True, when=utcnow() - timedelta(hours=1))
    db.session.commit()
    row = ops.queue_rows([essay], world.program.id)[0]
    assert row.submission.id == submission.id and row.is_late


def test_each_member_reads_the_grade_notification_in_their_own_language(client, login, world, unit, db):
    group_work = factories.make_assignment(unit, title="Poster", group_submission=True)
    partner = factories.make_user(name="Ji-woo Partner", country="KR", locale="ko")
    factories.enrol(partner, world.program, module=world.module, group=world.group)
    submission = submit(group_work, group=world.group, author=world.participant)
    db.session.commit()
    login(client, world.trainer)  # the grader works in English
    post_form(client, grade_url(submission), {"action": "release", "score": "75"})
    titles = {n.user_id: n.title for n in notifications(db, "grade_released")}
    assert titles[world.participant.id] == "Your grade for “Poster” is available"
    assert titles[partner.id] == "“Poster”의 성적이 공개되었습니다"


# Every state, end to end, and what the participant sees at each --------------------------------


def test_every_state_transition_end_to_end(app, client, login, world, essay, db):
    """draft → submitted → draft grade → resubmission requested → version 2 → released → withdrawn,
    through the pages; before a release the participant sees nothing of the grade anywhere."""
    import secrets

    from lms.notifications.models import Notification

    learner = app.test_client()
    login(learner, world.participant)
    login(client, world.trainer)
    item_url = f"/assignments/{essay.item_id}"

    def hand_in(action, text):
        return post_form(learner, f"{item_url}/{action}", {"text": text, "token": secrets.token_urlsafe(24)},
                         content_type="multipart/form-data")

    def learner_sees():
        page = learner.get(item_url).get_data(as_text=True)
        listing = learner.get("/my/assignments").get_data(as_text=True)
        return page, listing

    def unread():
        return db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == world.participant.id, Notification.read_at.is_(None)))

    assert hand_in("draft", "Notes").status_code == 302
    assert "Draft saved" in learner_sees()[1]
    assert learner.get(f"/modules/{world.module.id}/grading").status_code == 403
    assert hand_in("submit", "Version one").status_code == 302
    submission = db.session.scalar(select(Submission).where(Submission.assignment_id == essay.id))
    assert ops.state_of(submission) == "to_grade"

    # A draft grade with a feedback file: nothing of it reaches the participant.
    data = {"action": "save", "score": "42", "comments": "Hidden remark", "version": "",
            "feedback_file": (io.BytesIO(b"%PDF-1.4 notes"), "feedback.pdf")}
    assert post_form(client, grade_url(submission), data, content_type="multipart/form-data").status_code == 302
    grade = fresh_grade(db, submission)
    page, listing = learner_sees()
    assert "Hidden remark" not in page and "42 of" not in page and "feedback.pdf" not in page
    assert "42 of" not in listing and unread() == 0
    assert learner.get(f"/grades/{grade.id}/feedback-file").status_code == 403
    assert learner.get(f"/modules/{world.module.id}/gradebook").status_code == 403
    assert learner.get(f"/modules/{world.module.id}/gradebook.csv").status_code == 403
    assert learner.get(grade_url(submission)).status_code == 403

    # Resubmission requested: the message, not the score.
    post_form(client, grade_url(submission), {"action": "resubmit", "score": "42", "version": str(grade.version),
                                              "resubmission_message": "Add your *sources*"})
    grade = fresh_grade(db, submission)
    assert grade.status == "resubmit" and ops.state_of(grade.submission) == "resubmit"
    page, listing = learner_sees()
    assert "<em>sources</em>" in page and "42 of" not in page and "Hidden remark" not in page
    assert "Resubmission requested" in listing and unread() == 1
    assert learner.get(f"/grades/{grade.id}/feedback-file").status_code == 403

    # Version 2 goes back to the queue.
    assert hand_in("submit", "Version two").status_code == 302
    db.session.expire_all()
    assert ops.state_of(db.session.get(Submission, submission.id)) == "to_grade"
    assert "Submitted" in learner_sees()[1]

    # Released: score, comments, feedback file, notification, completion by pass.
    post_form(client, grade_url(submission), {"action": "release", "score": "77", "comments": "Well **done**",
                                              "version": str(grade.version)})
    grade = fresh_grade(db, submission)
    assert grade.status == "released" and grade.graded_version_number == 2
    page, listing = learner_sees()
    assert "77 of 100 points" in page and "<strong>done</strong>" in page and "feedback.pdf" in page
    assert "77 of 100 points" in listing and unread() == 2
    assert learner.get(f"/grades/{grade.id}/feedback-file", buffered=True).status_code == 200
    assert db.session.scalar(select(Completion.how).where(Completion.user_id == world.participant.id)) == "passed"
    response = hand_in("submit", "Version three")
    assert response.status_code == 200 and "no further version can be submitted" in response.get_data(as_text=True)

    # Saving a draft again withdraws it from the participant until it is released again.
    post_form(client, grade_url(submission), {"action": "save", "score": "70", "version": str(grade.version)})
    grade = fresh_grade(db, submission)
    page, listing = learner_sees()
    assert grade.status == "draft" and "of 100 points" not in page and "feedback.pdf" not in page
    assert learner.get(f"/grades/{grade.id}/feedback-file").status_code == 403
    actions = [event.action for event in db.session.scalars(
        select(GradeEvent).where(GradeEvent.grade_id == grade.id).order_by(GradeEvent.id))]
    assert actions == ["saved", "resubmission_requested", "released", "unreleased"]


def test_a_feedback_file_over_the_request_limit_keeps_what_the_grader_typed(client, login, world,
                                                                            rubric_assignment, db, app):
    submission = submit(rubric_assignment, user=world.participant)
    db.session.commit()
    login(client, world.trainer)
    html = client.get(grade_url(submission)).get_data(as_text=True)
    assert 'data-max-file-bytes="' in html  # the browser refuses a too-large file before sending it
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        data = {"action": "release", "version": "", "comments": "Careful **remarks** typed for long",
                "feedback_file": (io.BytesIO(b"%PDF-1.4 " + b"x" * 10_000), "annotated.pdf")}
        data |= levels_for(rubric_assignment, "Good", "Clear")
        response = post_form(client, grade_url(submission), data, content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Careful **remarks** typed for long" in html  # the comments as typed
    good = next(level for level in rubric_assignment.criteria[0].levels if level.title == "Good")
    assert re.search(r'value="%d" data-points="\d+" checked' % good.id, html)  # the chosen level kept
    assert "The file is too large" in html and "Nothing was saved" in html
    assert fresh_grade(db, submission) is None and notifications(db) == []


def test_a_too_large_body_from_someone_who_may_not_grade_is_refused(client, login, world, essay, db, app):
    submission = submit(essay, user=world.participant)
    db.session.commit()
    login(client, world.other_trainer)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        response = post_form(client, grade_url(submission), {
            "action": "save", "version": "", "comments": "Not mine to grade",
            "feedback_file": (io.BytesIO(b"%PDF-1.4 " + b"x" * 10_000), "a.pdf")}, content_type="multipart/form-data")
        assert response.status_code == 403 and "Not mine to grade" not in response.get_data(as_text=True)
        login(client, world.other_participant)
        response = post_form(client, f"/assignments/{essay.item_id}/submit", {
            "text": "Not my assignment", "token": "x" * 32,
            "files": (io.BytesIO(b"%PDF-1.4 " + b"x" * 10_000), "a.pdf")}, content_type="multipart/form-data")
        assert response.status_code == 403 and "Not my assignment" not in response.get_data(as_text=True)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
