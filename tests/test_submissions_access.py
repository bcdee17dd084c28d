"""Who may see the assignment page, a submission's files and feedback; the "my assignments" list."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.assignments.models import Extension, Grade, Submission, SubmissionFile, SubmissionVersion
from lms.core.database import utcnow
from lms.files.storage import UploadRules, save_upload
from tests import factories as f
from tests.helpers import post_form

PDF = b"%PDF-1.4\n%%EOF\n"


def _stored(user, name="work.pdf", content=PDF):
    from werkzeug.datastructures import FileStorage

    return save_upload(FileStorage(io.BytesIO(content), filename=name), UploadRules(frozenset({"pdf"}), 10_000),
                       uploaded_by=user)


def _version(db, assignment, user, number=1, submitted=True):
    submission = db.session.scalar(
        select(Submission).where(Submission.assignment_id == assignment.id, Submission.user_id == user.id)
    )
    if submission is None:
        submission = Submission(assignment=assignment, user_id=user.id)
        db.session.add(submission)
    stored = _stored(user)
    version = SubmissionVersion(submission=submission, number=number, author_id=user.id, text="Essay",
                                submitted_at=utcnow() if submitted else None, receipt="ab" * 32)
    db.session.add(version)
    version.files.append(SubmissionFile(file=stored))
    db.session.commit()
    return version


@pytest.fixture
def assignment(db, world):
    unit = f.make_unit(world.module, title="Week 1")
    assignment = f.make_assignment(unit, title="Festival plan", due_at=utcnow() + timedelta(days=2))
    db.session.commit()
    return assignment


def _as(world, role):
    return getattr(world, role)




@pytest.mark.parametrize(("role", "status"), [
    ("participant", 200), ("other_participant", 403), ("trainer", 200), ("other_trainer", 403),
    ("coordinator", 200),
])
def test_assignment_page_access(client, login, world, assignment, role, status):
    login(client, _as(world, role))
    assert client.get(f"/assignments/{assignment.item_id}").status_code == status


def test_anonymous_people_are_sent_to_sign_in(client, assignment, db):
    db.session.commit()
    response = client.get(f"/assignments/{assignment.item_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["other_participant", "trainer", "other_trainer", "coordinator"])
@pytest.mark.parametrize("action", ["submit", "draft"])
def test_only_participants_following_it_hand_in(client, login, db, world, assignment, role, action):
    login(client, _as(world, role))
    response = post_form(client, f"/assignments/{assignment.item_id}/{action}",
                         {"text": "x", "token": secrets.token_urlsafe(24)})
    assert response.status_code == 403
    assert db.session.scalars(select(SubmissionVersion)).all() == []


@pytest.mark.parametrize(("role", "status"), [
    ("participant", 200), ("other_participant", 403), ("trainer", 200), ("other_trainer", 403),
    ("coordinator", 200),
])
def test_submitted_files_are_served_only_to_those_who_may_see_them(client, login, db, world, assignment, role,
                                                                   status):
    version = _version(db, assignment, world.participant)
    link = version.files[0]
    login(client, _as(world, role))
    with client.get(f"/submissions/versions/{version.id}/files/{link.file_id}") as response:
        assert response.status_code == status
        if status == 200:
            assert response.data == PDF
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_must_belong_to_the_version(client, login, db, world, assignment):
    first = _version(db, assignment, world.participant, 1)
    second = _version(db, assignment, world.participant, 2)
    login(client, world.participant)
    assert client.get(f"/submissions/versions/{second.id}/files/{first.files[0].file_id}").status_code == 404


@pytest.mark.parametrize(("role", "status"), [("participant", 200), ("trainer", 403), ("coordinator", 403)])
def test_draft_files_are_their_owners_alone(client, login, db, world, assignment, role, status):
    draft = _version(db, assignment, world.participant, submitted=False)
    login(client, _as(world, role))
    with client.get(f"/submissions/versions/{draft.id}/files/{draft.files[0].file_id}") as response:
        assert response.status_code == status


@pytest.mark.parametrize(("grade_status", "role", "status"), [
    ("draft", "participant", 403), ("released", "participant", 200), ("draft", "trainer", 200),
    ("released", "other_participant", 403), ("released", "other_trainer", 403),
])
def test_feedback_file_only_once_released(client, login, db, world, assignment, grade_status, role, status):
    version = _version(db, assignment, world.participant)
    grade = Grade(submission=version.submission, status=grade_status, score=70,
                  feedback_file=_stored(world.trainer, "feedback.pdf"))
    db.session.add(grade)
    db.session.commit()
    login(client, _as(world, role))
    with client.get(f"/grades/{grade.id}/feedback-file") as response:
        assert response.status_code == status
    if role == "participant":
        html = client.get(f"/assignments/{assignment.item_id}").get_data(as_text=True)
        assert ("feedback.pdf" in html) == (grade_status == "released")


# My assignments -------------------------------------------------------------------------------


def test_my_assignments_lists_module_and_program_wide_work_with_status(client, login, db, world, assignment):
    orientation = f.make_unit(program=world.program, title="Orientation")
    intro = f.make_assignment(orientation, title="Introduce yourself", due_at=utcnow() + timedelta(days=1))
    elsewhere = f.make_unit(world.other_module, title="Other")
    f.make_assignment(elsewhere, title="Not mine")
    hidden = f.make_assignment(f.make_unit(world.module), title="Hidden work")
    hidden.item.hidden = True
    db.session.add(Extension(assignment_id=assignment.id, user_id=world.participant.id,
                             due_at=utcnow() + timedelta(days=9)))
    _version(db, intro, world.participant)
    login(client, world.participant)
    html = client.get("/my/assignments").get_data(as_text=True)
    assert "Festival plan" in html and "Introduce yourself" in html
    assert "Not mine" not in html and "Hidden work" not in html
    assert "Extended for you" in html and "in 1 week" in html
    assert "Not started" in html and "Submitted" in html
    assert 'href="/my/assignments"' in html  # the navigation entry


def _many(db, world, count):
    unit = f.make_unit(world.module)
    for number in range(count):
        assignment = f.make_assignment(unit, title=f"Task {number}", due_at=utcnow() + timedelta(days=number + 1),
                                       group_submission=number % 2 == 0)
        db.session.add(Extension(assignment_id=assignment.id, group_id=world.group.id,
                                 due_at=utcnow() + timedelta(days=30)))
        if number % 3:
            version = _version(db, assignment, world.participant) if number % 2 else None
            if version is not None:
                db.session.add(Grade(submission=version.submission, status="released", score=50))
    db.session.commit()


def test_my_assignments_issues_a_constant_number_of_queries(client, login, db, world, count_queries):
    login(client, world.participant)
    _many(db, world, 2)
    with count_queries() as few:
        assert client.get("/my/assignments").status_code == 200
    _many(db, world, 6)
    with count_queries() as many:
        html = client.get("/my/assignments").get_data(as_text=True)
    assert html.count("Task ") == 8
    assert len(few) == len(many)
