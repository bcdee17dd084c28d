"""Participants hand in work: drafts, versions, receipts, idempotency, late policies, grades, groups."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.assignments.models import Extension, Grade, Submission, SubmissionVersion
from lms.core.database import utcnow
from lms.learning.models import Completion
from lms.learning.progress import module_progress
from tests import factories as f
from tests.helpers import post_form

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def unit(world):
    return f.make_unit(world.module, title="Week 1")


@pytest.fixture
def make(db, unit):
    def _make(**settings):
        settings.setdefault("title", "Festival plan")
        settings.setdefault("due_at", utcnow() + timedelta(days=3))
        assignment = f.make_assignment(unit, **settings)
        db.session.commit()
        return assignment

    return _make


def page(item_id):
    return f"/assignments/{item_id}"


def token():
    return secrets.token_urlsafe(24)


def hand_in(client, item_id, action="submit", text="My essay", files=None, tok=None, **extra):
    data = {"text": text, "token": tok or token(), **extra}
    if files is not None:
        data["files"] = files
    return post_form(client, f"/assignments/{item_id}/{action}", data, content_type="multipart/form-data")


def versions(db, assignment):
    return db.session.scalars(
        select(SubmissionVersion).join(Submission).where(Submission.assignment_id == assignment.id)
        .order_by(SubmissionVersion.number)
    ).all()


def submitted(db, assignment):
    return [version for version in versions(db, assignment) if version.submitted_at is not None]


# The page -----------------------------------------------------------------------------


def test_page_shows_instructions_due_date_rules_and_a_one_time_token(client, login, world, make):
    assignment = make(points=20, pass_points=12, max_files=2, allowed_extensions=["pdf", "png"])
    login(client, world.participant)
    response = client.get(page(assignment.item_id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write a short essay." in html
    assert "EAT" in html or "Nairobi" in html or "GMT+03:00" in html  # the viewer's zone is named
    assert "in 3 days" in html or "in 2 days" in html
    assert "20 points; 12 to pass" in html
    assert "Up to 2 files" in html and "pdf, png" in html
    tokens = re.findall(r'name="token" type="hidden" value="([^"]+)"|name="token"[^>]*value="([^"]+)"', html)
    assert tokens
    assert "Nothing submitted yet." in html


def test_participants_see_the_rubric_before_they_hand_in(client, login, db, world, unit):
    assignment = f.make_assignment(unit, title="Graded by rubric",
                                   rubric=[("Clarity", [("Clear", 60), ("Vague", 10)]),
                                           ("Sources", [("Cited", 40), ("Missing", 0)])],
                                   allowed_extensions=["pdf", "docx"])
    assignment.criteria[1].archived_at = utcnow()
    db.session.commit()
    login(client, world.participant)
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    rubric = html.split('id="rubric-title"')[1].split("</section>")[0]
    assert "How it is graded" in html
    assert "Clarity" in rubric and "Clear" in rubric and "60 points" in rubric and "Vague" in rubric
    assert "Sources" not in rubric  # archived criteria are not used any more
    assert 'accept=".docx,.pdf"' in html  # the file picker offers the allowed types


def test_learning_item_page_redirects_participants_to_the_assignment_page(client, login, world, make):
    assignment = make()
    login(client, world.participant)
    response = client.get(f"/learn/items/{assignment.item_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page(assignment.item_id))


def test_trainer_sees_a_read_only_view(client, login, world, make):
    assignment = make()
    login(client, world.trainer)
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "Read-only view" in html
    assert f'href="/assignments/{assignment.item_id}/settings"' in html
    assert f'href="/modules/{world.module.id}/grading?assignment={assignment.id}"' in html
    assert "<form method=\"post\" action=\"/assignments" not in html
    assert hand_in(client, assignment.item_id).status_code == 403


def test_locked_assignment_is_refused_with_reasons(client, login, db, world, unit):
    lesson = f.make_item(unit, "lesson", title="Read this first")
    assignment = f.make_assignment(unit, title="Locked work")
    from lms.learning.models import ItemPrerequisite

    db.session.add(ItemPrerequisite(item=assignment.item, required_item=lesson))
    db.session.commit()
    login(client, world.participant)
    response = client.get(page(assignment.item_id))
    assert response.status_code == 403
    assert "Read this first" in response.get_data(as_text=True)
    assert hand_in(client, assignment.item_id).status_code == 403
    assert versions(db, assignment) == []


def test_hidden_assignment_does_not_exist_for_participants(client, login, db, world, make):
    assignment = make()
    assignment.item.hidden = True
    db.session.commit()
    login(client, world.participant)
    assert client.get(page(assignment.item_id)).status_code == 404


def test_page_does_not_write(client, login, db, world, unit):
    item = f.make_item(unit, "assignment", title="No settings yet", completion_rule="submit")
    db.session.commit()
    login(client, world.participant)
    from lms.assignments.models import Assignment

    assert client.get(page(item.id)).status_code == 200
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


# Drafts and submitting --------------------------------------------------------------------


def test_draft_is_saved_and_resumed(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    response = hand_in(client, assignment.item_id, "draft", text="First thoughts",
                       files=[(io.BytesIO(PDF), "notes.pdf")])
    assert response.status_code == 302
    [draft] = versions(db, assignment)
    assert draft.submitted_at is None and draft.text == "First thoughts" and len(draft.files) == 1
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "First thoughts" in html and "notes.pdf" in html and "Draft saved on" in html
    # Saving again updates the same draft; a file can be removed.
    hand_in(client, assignment.item_id, "draft", text="Second thoughts", remove_files=str(draft.files[0].file_id))
    db.session.expire_all()
    [draft] = versions(db, assignment)
    assert draft.text == "Second thoughts" and draft.files == []
    assert db.session.scalar(select(func.count(Completion.id))) == 0


def test_submit_creates_version_one_with_receipt_and_completion(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    response = hand_in(client, assignment.item_id, text="My essay", files=[(io.BytesIO(PDF), "essay.pdf")])
    assert response.status_code == 302
    [version] = submitted(db, assignment)
    expected = hashlib.sha256(b"text:My essay\nfile:" + hashlib.sha256(PDF).hexdigest().encode()).hexdigest()
    assert version.number == 1 and version.receipt == expected and not version.is_late
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Receipt: {expected[:12]}" in html  # the flash
    assert "Version 1" in html and "essay.pdf" in html
    status = html.split('class="assignment-status">')[1].split("</dd>")[0]
    assert "Submitted" in status and "version 1, submitted" in status and "Waiting for your trainer" in status
    progress = module_progress([world.participant.id], world.module)[world.participant.id]
    assert progress.states[assignment.item_id].is_done
    assert progress.states[assignment.item_id].completion.how == "submitted"


def test_resubmission_is_version_two_and_version_one_stays_viewable(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    hand_in(client, assignment.item_id, text="First", files=[(io.BytesIO(PDF), "one.pdf")])
    hand_in(client, assignment.item_id, text="Second")
    first, second = submitted(db, assignment)
    assert (first.number, first.text, second.number, second.text) == (1, "First", 2, "Second")
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert 'id="version-1"' in html and 'id="version-2"' in html and "one.pdf" in html
    with client.get(f"/submissions/versions/{first.id}/files/{first.files[0].file_id}") as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_double_post_with_the_same_token_creates_one_version(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    tok = token()
    first = hand_in(client, assignment.item_id, text="Once", tok=tok)
    second = hand_in(client, assignment.item_id, text="Once", tok=tok)
    assert first.status_code == second.status_code == 302
    [version] = submitted(db, assignment)
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already submitted as version 1" in html and version.short_receipt in html


def test_empty_submission_is_refused_next_to_the_field(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    response = hand_in(client, assignment.item_id, text="   ")
    assert response.status_code == 200
    assert "Write your text or attach a file before submitting." in response.get_data(as_text=True)
    assert submitted(db, assignment) == []


# Late work ------------------------------------------------------------------------------------


def test_accept_policy_flags_late_work(client, login, db, world, make):
    assignment = make(due_at=utcnow() - timedelta(hours=1), late_policy="accept")
    login(client, world.participant)
    assert hand_in(client, assignment.item_id).status_code == 302
    [version] = submitted(db, assignment)
    assert version.is_late
    assert "Late" in client.get(page(assignment.item_id)).get_data(as_text=True)


def test_close_policy_refuses_after_due_but_extension_allows(client, login, db, world, make):
    assignment = make(due_at=utcnow() - timedelta(hours=1), late_policy="close")
    login(client, world.participant)
    for action in ("submit", "draft"):
        response = hand_in(client, assignment.item_id, action)
        assert response.status_code == 200
        assert "Submission closed at the due date" in response.get_data(as_text=True)
    assert versions(db, assignment) == []
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "Submission closed at the due date" in html and "Save draft" not in html

    db.session.add(Extension(assignment_id=assignment.id, user_id=world.participant.id,
                             due_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "Extended for you" in html
    assert hand_in(client, assignment.item_id).status_code == 302
    [version] = submitted(db, assignment)
    assert not version.is_late


# Grades ---------------------------------------------------------------------------------------


def _grade(db, assignment, **values):
    submission = db.session.scalar(select(Submission).where(Submission.assignment_id == assignment.id))
    grade = Grade(submission=submission, **values)
    db.session.add(grade)
    db.session.commit()
    return grade


def test_draft_grade_is_invisible_released_grade_is_visible(client, login, db, world, unit):
    assignment = f.make_assignment(unit, title="Graded", rubric=[("Clarity", [("Clear", 10), ("Vague", 2)])])
    db.session.commit()
    login(client, world.participant)
    hand_in(client, assignment.item_id)
    criterion = assignment.criteria[0]
    level = criterion.levels[0]
    grade = _grade(db, assignment, score=87, comments="Secret **draft** remark", status="draft",
                   rubric_levels={str(criterion.id): level.id})
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    # Not a bare "87": a CSRF token or receipt hash may contain those digits.
    assert "of 100 points" not in html and "Secret" not in html and "Your grade" not in html
    listing = client.get("/my/assignments").get_data(as_text=True)
    assert "of 100 points" not in listing and "Submitted" in listing

    grade.status = "released"
    grade.released_at = utcnow()
    db.session.commit()
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "87 of 100 points" in html and "<strong>draft</strong>" in html
    assert "Clarity" in html and "Clear" in html
    listing = client.get("/my/assignments").get_data(as_text=True)
    assert "87 of 100 points" in listing and "Passed" in listing and "Read the feedback" in listing
    assert f'href="/assignments/{assignment.item_id}#grade"' in listing


def test_released_grade_blocks_resubmission_but_resubmit_status_allows(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    hand_in(client, assignment.item_id, text="First")
    grade = _grade(db, assignment, score=40, status="released", released_at=utcnow())
    response = hand_in(client, assignment.item_id, text="Second")
    assert response.status_code == 200
    assert "no further version can be submitted" in response.get_data(as_text=True)
    assert len(submitted(db, assignment)) == 1

    grade.status = "resubmit"
    grade.resubmission_message = "Please add **sources**."
    db.session.commit()
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "<strong>sources</strong>" in html and "40 of" not in html
    assert "Resubmission requested" in client.get("/my/assignments").get_data(as_text=True)
    assert hand_in(client, assignment.item_id, text="Second").status_code == 302
    assert [version.number for version in submitted(db, assignment)] == [1, 2]


# Group work -----------------------------------------------------------------------------------


def test_group_submission_is_shared_and_completes_for_every_member(client, app, login, db, world, make):
    teammate = f.make_user(email="team@example.test", name="Tariq Teammate")
    f.enrol(teammate, world.program, module=world.module, group=world.group)
    outsider = f.make_user(email="out@example.test", name="Olu Outsider")
    other_group = f.make_group(world.program, "Peru delegation")
    f.enrol(outsider, world.program, module=world.module, group=other_group)
    assignment = make(group_submission=True)
    login(client, world.participant)
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert "Kenya delegation" in html and "Tariq Teammate" in html
    hand_in(client, assignment.item_id, text="Our plan", files=[(io.BytesIO(PDF), "plan.pdf")])

    [submission] = db.session.scalars(select(Submission).where(Submission.assignment_id == assignment.id)).all()
    assert submission.group_id == world.group.id and submission.user_id is None
    [version] = submission.versions
    progress = module_progress([world.participant.id, teammate.id, outsider.id], world.module)
    assert progress[world.participant.id].states[assignment.item_id].is_done
    assert progress[teammate.id].states[assignment.item_id].is_done
    assert not progress[outsider.id].states[assignment.item_id].is_done

    mate = app.test_client()
    login(mate, teammate)
    html = mate.get(page(assignment.item_id)).get_data(as_text=True)
    assert "Our plan" in html and "plan.pdf" in html
    file_url = f"/submissions/versions/{version.id}/files/{version.files[0].file_id}"
    with mate.get(file_url) as response:
        assert response.status_code == 200
    hand_in(mate, assignment.item_id, text="Our better plan")
    assert [v.number for v in submitted(db, assignment)] == [1, 2]

    other = app.test_client()
    login(other, outsider)
    with other.get(file_url) as response:
        assert response.status_code == 403
    assert "Our plan" not in other.get(page(assignment.item_id)).get_data(as_text=True)


# Upload checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda: [(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")], "Files of this type are not accepted"),
        (lambda: [(io.BytesIO(b"MZ\x90\x00binary"), "essay.pdf")], "content does not match its type"),
        (lambda: [(io.BytesIO(b""), "empty.pdf")], "The file is empty."),
        (lambda: [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf"), (io.BytesIO(PDF), "c.pdf")],
         "At most 2 files can be handed in."),
        (lambda: [(io.BytesIO(PDF + b"x" * 3000), "big.pdf")], "The file is larger than"),
    ],
    ids=["type", "magic", "empty", "count", "size"],
)
@pytest.mark.parametrize("action", ["submit", "draft"])
def test_bad_uploads_are_refused_next_to_the_field_and_text_is_kept(client, login, db, world, make, files,
                                                                   message, action):
    assignment = make(max_files=2, max_file_bytes=2048)
    login(client, world.participant)
    response = hand_in(client, assignment.item_id, action, text="Typed <b>carefully</b>", files=files())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    field_error = re.search(r'id="files-error">(.*?)</p>', html, re.S)
    assert field_error and message in field_error.group(1)
    assert "Typed &lt;b&gt;carefully&lt;/b&gt;" in html
    assert versions(db, assignment) == []


def test_non_latin_and_path_traversal_names_are_kept_for_display_only(client, login, db, world, make):
    assignment = make()
    login(client, world.participant)
    hand_in(client, assignment.item_id, files=[(io.BytesIO(PDF), "../../보고서.pdf")])
    [version] = submitted(db, assignment)
    stored = version.files[0].file
    assert stored.original_name == "보고서.pdf" and "/" not in stored.storage_key
    from pathlib import Path

    from flask import current_app

    from lms.files.storage import file_path

    path = file_path(stored).resolve()
    assert path.name == stored.storage_key and path.read_bytes() == PDF  # a random name, the bytes as sent
    assert Path(current_app.static_folder).resolve() not in path.parents  # never under static/
    with client.get(f"/submissions/versions/{version.id}/files/{stored.id}") as response:
        assert "UTF-8''%EB%B3%B4%EA%B3%A0%EC%84%9C.pdf" in response.headers["Content-Disposition"]
        assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.fixture
def small_request_limit(app):
    limit = app.config.get("MAX_CONTENT_LENGTH")
    app.config["MAX_CONTENT_LENGTH"] = 4096
    yield
    app.config["MAX_CONTENT_LENGTH"] = limit


@pytest.mark.parametrize("action", ["submit", "draft"])
def test_body_over_the_request_limit_keeps_the_typed_text(client, login, db, world, make, small_request_limit,
                                                          action):
    """JavaScript off (or bypassed): the server refuses the body but reads back what was typed."""
    assignment = make()
    login(client, world.participant)
    hand_in(client, assignment.item_id, "draft", text="Saved earlier")
    tok = token()
    response = hand_in(client, assignment.item_id, action, text="Typed now <b>with care</b>\nsecond line",
                       tok=tok, files=[(io.BytesIO(PDF + b"x" * 10_000), "huge.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert re.search(r'id="files-error">\s*The files are too large: each may be at most 4 KB', html)
    assert "Typed now &lt;b&gt;with care&lt;/b&gt;\nsecond line" in html  # what was typed, not the draft
    assert "Your text is kept below" in html
    assert f'value="{tok}"' in html  # the same one-time token: sending again still submits once
    assert submitted(db, assignment) == []
    [draft] = versions(db, assignment)
    assert draft.text == "Saved earlier"  # nothing was saved


def test_body_over_the_request_limit_without_a_valid_csrf_token_echoes_nothing(client, login, db, world, make,
                                                                                small_request_limit):
    assignment = make()
    login(client, world.participant)
    hand_in(client, assignment.item_id, "draft", text="Saved earlier")
    response = client.post(f"/assignments/{assignment.item_id}/submit", content_type="multipart/form-data",
                           data={"csrf_token": "forged", "token": token(), "text": "Planted text",
                                 "files": [(io.BytesIO(PDF + b"x" * 10_000), "huge.pdf")]})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Planted text" not in html
    assert "Saved earlier" in html and "last saved draft" in html
    assert submitted(db, assignment) == []


# Deadlines at the edges ---------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "expected"), [
    ("Pacific/Kiritimati", "Jan 2, 2030"),  # UTC+14: already the next day
    ("Pacific/Pago_Pago", "Dec 31, 2029"),  # UTC-11: still the day before
])
def test_due_date_is_shown_in_the_viewers_zone(client, login, db, world, make, zone, expected):
    from datetime import datetime, timezone

    assignment = make(due_at=datetime(2030, 1, 1, 10, 30, tzinfo=timezone.utc))
    world.participant.timezone = zone
    db.session.commit()
    login(client, world.participant)
    html = client.get(page(assignment.item_id)).get_data(as_text=True)
    assert expected in html
    assert expected in client.get("/my/assignments").get_data(as_text=True)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14, UTC-11
@pytest.mark.parametrize(("offset", "late"), [(timedelta(0), False), (timedelta(seconds=1), True)])
def test_late_flag_at_the_due_instant(client, login, db, world, make, monkeypatch, offset, late, zone):
    from lms.assignments import submitting

    due = utcnow() + timedelta(days=1)
    assignment = make(due_at=due, late_policy="accept")
    world.participant.timezone = zone
    db.session.commit()
    monkeypatch.setattr(submitting, "utcnow", lambda: due + offset)
    login(client, world.participant)
    assert hand_in(client, assignment.item_id).status_code == 302
    [version] = submitted(db, assignment)
    assert version.is_late is late


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14, UTC-11
def test_close_policy_at_the_due_instant(client, login, db, world, make, monkeypatch, zone):
    from lms.assignments import submitting

    due = utcnow() + timedelta(days=1)
    assignment = make(due_at=due, late_policy="close")
    world.participant.timezone = zone
    db.session.commit()
    monkeypatch.setattr(submitting, "utcnow", lambda: due + timedelta(seconds=1))
    login(client, world.participant)
    assert hand_in(client, assignment.item_id).status_code == 200
    assert submitted(db, assignment) == []
    monkeypatch.setattr(submitting, "utcnow", lambda: due)
    assert hand_in(client, assignment.item_id).status_code == 302
    assert len(submitted(db, assignment)) == 1


def test_the_same_file_saved_twice_in_a_draft_is_kept_once(client, login, db, world, make):
    from lms.files.models import StoredFile

    assignment = make()
    login(client, world.participant)
    hand_in(client, assignment.item_id, "draft", files=[(io.BytesIO(PDF), "notes.pdf")])
    hand_in(client, assignment.item_id, "draft", files=[(io.BytesIO(PDF), "notes.pdf")])
    [draft] = versions(db, assignment)
    assert len(draft.files) == 1
    assert db.session.scalar(select(func.count(StoredFile.id))) == 1
