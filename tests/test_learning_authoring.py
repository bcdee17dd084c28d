"""Authoring a module's online segment: content pages, units, items of every kind."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from lms.files.models import StoredFile
from lms.learning.models import Completion, Item, ItemPrerequisite, QuizChoice, QuizQuestion, Unit
from tests import factories as f
from tests.helpers import form_errors, post_form

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def version_of(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', html).group(1)


def item_fields(title="A lesson", **extra):
    data = {"title": title, "required": "y", "completion_rule": "view", "opens_at": "", "due_at": "",
            "body": "# Hello\n\nSome text."}
    data.update(extra)
    return data


@pytest.fixture
def unit(world, db):
    unit = f.make_unit(world.module, title="Week 1", position=0)
    db.session.commit()
    return unit


def content_url(world):
    return f"/modules/{world.module.id}/content"


# Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [
    ("coordinator", 200), ("trainer", 200), ("other_trainer", 403), ("participant", 403), ("other_participant", 403),
])
def test_module_content_access(client, world, login, unit, role, status):
    login(client, getattr(world, role))
    assert client.get(content_url(world)).status_code == status


def test_anonymous_is_sent_to_login(client, world, unit):
    response = client.get(content_url(world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = post_form(client, f"/units/{unit.id}/hide")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not unit.hidden


@pytest.mark.parametrize("role, status", [("coordinator", 200), ("trainer", 403), ("participant", 403)])
def test_program_content_is_for_coordinators(client, world, login, role, status):
    login(client, getattr(world, role))
    assert client.get(f"/programs/{world.program.id}/content").status_code == status


def _authoring_urls(unit, item):
    return [
        ("GET", f"/units/{unit.id}/edit"), ("GET", f"/items/{item.id}/edit"),
        ("GET", f"/units/{unit.id}/items/new?kind=lesson"),
        ("POST", f"/units/{unit.id}/hide"), ("POST", f"/units/{unit.id}/duplicate"),
        ("POST", f"/units/{unit.id}/archive"), ("POST", f"/items/{item.id}/hide"),
        ("POST", f"/items/{item.id}/duplicate"), ("POST", f"/items/{item.id}/archive"),
        ("POST", f"/items/{item.id}/move"), ("POST", f"/items/{item.id}/images"),
        ("POST", f"/items/{item.id}/edit"),
    ]


@pytest.mark.parametrize("role", ["other_trainer", "participant"])
def test_others_cannot_author_the_module(client, world, login, unit, db, role):
    item = f.make_item(unit, title="Welcome")
    db.session.commit()
    login(client, getattr(world, role))
    for method, url in _authoring_urls(unit, item):
        response = client.get(url) if method == "GET" else post_form(client, url, {"direction": "up"})
        assert response.status_code == 403, (method, url)
    db.session.expire_all()
    assert not unit.hidden and not item.hidden and not unit.is_archived
    assert db.session.scalar(select(func.count(Item.id))) == 1


def test_trainers_cannot_author_program_wide_units(client, world, login, db):
    orientation = f.make_unit(None, program=world.program, title="Orientation")
    item = f.make_item(orientation)
    db.session.commit()
    login(client, world.trainer)
    assert client.get(f"/units/{orientation.id}/edit").status_code == 403
    assert client.get(f"/items/{item.id}/edit").status_code == 403
    assert post_form(client, f"/units/{orientation.id}/hide").status_code == 403
    login(client, world.coordinator)
    assert client.get(f"/units/{orientation.id}/edit").status_code == 200
    html = client.get(f"/programs/{world.program.id}/content").get_data(as_text=True)
    assert "Orientation" in html and item.title in html


# The content page --------------------------------------------------------------------------------


def test_content_page_shows_units_and_items(client, world, login, db, unit):
    lesson = f.make_item(unit, title="Reading for children", position=0,
                         opens_at=utc(2024, 7, 22, 0, 0), due_at=utc(2024, 7, 29, 0, 0))
    quiz = f.make_quiz(unit, title="Check your reading", position=1, prerequisites=[lesson])
    f.make_item(unit, "file", title="Slides", position=2, required=False, hidden=True)
    hidden_unit = f.make_unit(world.module, title="Week 2 draft", position=1, hidden=True)
    archived_unit = f.make_unit(world.module, title="Old week", position=2, archived_at=utc(2024, 1, 1))
    archived_item = f.make_item(unit, title="Old lesson", position=3, archived_at=utc(2024, 1, 1))
    f.make_unit(f.make_module(world.track), title="Someone else's unit")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(content_url(world)).get_data(as_text=True)
    assert "Reading for children" in html and "Check your reading" in html and "Slides" in html
    assert "Week 2 draft" in html and f'id="unit-{hidden_unit.id}"' in html
    assert "Hidden" in html
    assert "Optional" in html and "Required" in html
    assert "Complete when passed" in html and "Complete when viewed" in html
    assert "Requires Reading for children" in html
    assert "3 questions" in html
    # Dates in the viewer's zone (Asia/Seoul for the trainer), zone named.
    assert ("Jul 22, 2024, 9:00\u202fAM" in html or "Jul 22, 2024, 9:00 AM" in html) and "Asia/Seoul" in html
    assert "Old week" not in html and "Old lesson" not in html
    assert "Someone else" not in html
    assert "Show archived (2)" in html
    assert f"/items/{quiz.id}/edit" in html
    html = client.get(content_url(world) + "?archived=1").get_data(as_text=True)
    assert "Old week" in html and "Old lesson" in html
    assert f"/units/{archived_unit.id}/restore" in html and f"/items/{archived_item.id}/restore" in html


def test_content_page_escapes_titles(client, world, login, db, unit):
    f.make_item(unit, title="<script>alert(1)</script>")
    unit.summary = "<img src=x onerror=alert(1)> **bold**"
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(content_url(world)).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror" in html and "<strong>bold</strong>" in html


def test_content_page_query_count_is_constant(client, world, login, db, count_queries):
    def build(n):
        module = f.make_module(world.track, trainers=[world.trainer])
        first = f.make_unit(module, title="First")
        second = f.make_unit(module, title="Second")
        previous = None
        for i in range(n):
            target = first if i % 2 else second
            previous = f.make_item(target, ["lesson", "file", "quiz", "link"][i % 4],
                                   prerequisites=[previous] if previous else [])
        db.session.add(Completion(user_id=world.participant.id, item_id=previous.id, how="view"))
        db.session.commit()
        return module

    small, large = build(2), build(10)
    login(client, world.trainer)
    client.get(f"/modules/{small.id}/content")  # warm up
    db.session.expire_all()  # every request starts from a fresh session
    with count_queries() as few:
        assert client.get(f"/modules/{small.id}/content").status_code == 200
    db.session.expire_all()
    with count_queries() as many:
        assert client.get(f"/modules/{large.id}/content").status_code == 200
    assert len(few) == len(many)


# Units ------------------------------------------------------------------------------------------


def test_create_and_edit_unit(client, world, login, db):
    login(client, world.trainer)
    response = post_form(client, f"/modules/{world.module.id}/units/new",
                         {"title": "Week 1", "summary": "Getting *started*", "hidden": "y"})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit))
    assert (unit.title, unit.summary, unit.hidden, unit.module_id, unit.program_id) == (
        "Week 1", "Getting *started*", True, world.module.id, world.program.id)
    second = post_form(client, f"/modules/{world.module.id}/units/new", {"title": "Week 2"})
    assert second.status_code == 302
    assert [u.position for u in db.session.scalars(select(Unit).order_by(Unit.id))] == [0, 1]

    html = client.get(f"/units/{unit.id}/edit").get_data(as_text=True)
    response = post_form(client, f"/units/{unit.id}/edit",
                         {"title": "Week one", "summary": "", "version": version_of(html)})
    assert response.status_code == 302
    db.session.expire_all()
    assert (unit.title, unit.summary, unit.hidden) == ("Week one", None, False)


def test_unit_needs_a_title(client, world, login, db):
    login(client, world.trainer)
    response = post_form(client, f"/modules/{world.module.id}/units/new", {"title": "  ", "summary": "kept"})
    assert response.status_code == 200
    assert "Enter the unit's title." in form_errors(response.get_data(as_text=True))
    assert "kept" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Unit.id))) == 0


def test_program_wide_unit(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, f"/programs/{world.program.id}/units/new", {"title": "Orientation"})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit))
    assert unit.module_id is None and unit.program_id == world.program.id
    login(client, world.trainer)
    assert post_form(client, f"/programs/{world.program.id}/units/new", {"title": "X"}).status_code == 403


def test_unit_edit_conflict(client, world, login, db, unit):
    login(client, world.trainer)
    html = client.get(f"/units/{unit.id}/edit").get_data(as_text=True)
    stale = version_of(html)
    unit.title = "Renamed by the coordinator"
    db.session.commit()
    response = post_form(client, f"/units/{unit.id}/edit", {"title": "My title", "version": stale})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this record" in page
    assert "Renamed by the coordinator" in page and 'value="My title"' in page
    db.session.expire_all()
    assert unit.title == "Renamed by the coordinator"
    # Saving again (with the version the conflict page carries) overwrites knowingly.
    response = post_form(client, f"/units/{unit.id}/edit", {"title": "My title", "version": version_of(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert unit.title == "My title"


def test_move_hide_and_archive_units(client, world, login, db):
    a = f.make_unit(world.module, title="A", position=5)
    b = f.make_unit(world.module, title="B", position=9)
    c = f.make_unit(world.module, title="C", position=12)
    db.session.commit()
    login(client, world.trainer)
    assert post_form(client, f"/units/{c.id}/move", {"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert sorted([a, b, c], key=lambda u: u.position) == [a, c, b]
    assert [u.position for u in (a, c, b)] == [0, 1, 2]
    post_form(client, f"/units/{a.id}/move", {"direction": "up"})  # already first
    assert post_form(client, f"/units/{a.id}/move", {"direction": "sideways"}).status_code == 400

    post_form(client, f"/units/{b.id}/hide")
    db.session.expire_all()
    assert b.hidden
    post_form(client, f"/units/{b.id}/show")
    db.session.expire_all()
    assert not b.hidden

    post_form(client, f"/units/{b.id}/archive")
    db.session.expire_all()
    assert b.is_archived
    assert "B" not in re.findall(r"<h2>\s*([^<]+?)\s*<", client.get(content_url(world)).get_data(as_text=True))
    post_form(client, f"/units/{b.id}/restore")
    db.session.expire_all()
    assert not b.is_archived
    assert db.session.scalar(select(func.count(Unit.id))) == 3


def test_duplicate_unit_copies_items_hidden(client, world, login, db, unit):
    lesson = f.make_item(unit, title="Lesson", position=0, body="Text")
    quiz = f.make_quiz(unit, title="Quiz", position=1, prerequisites=[lesson])
    f.make_item(unit, title="Archived", position=2, archived_at=utc(2024, 1, 1))
    later = f.make_unit(world.module, title="Week 2", position=1)
    db.session.commit()
    login(client, world.trainer)
    assert post_form(client, f"/units/{unit.id}/duplicate").status_code == 302
    copy = db.session.scalar(select(Unit).where(Unit.title == "Week 1 (copy)"))
    assert copy.hidden and copy.module_id == world.module.id
    db.session.expire_all()
    assert [u.title for u in db.session.scalars(select(Unit).order_by(Unit.position))] == [
        "Week 1", "Week 1 (copy)", "Week 2"]
    assert later.position == 2
    titles = [item.title for item in copy.items]
    assert titles == ["Lesson (copy)", "Quiz (copy)"]
    copied_lesson, copied_quiz = copy.items
    assert copied_lesson.body == "Text"
    assert copied_quiz.prerequisite_ids == [copied_lesson.id]  # points at the copy
    assert db.session.scalar(select(func.count(QuizQuestion.id)).where(QuizQuestion.item_id == copied_quiz.id)) == 3
    assert quiz.prerequisite_ids == [lesson.id]


# Items: creating each kind ---------------------------------------------------------------------------


def test_create_lesson(client, world, login, db, unit):
    login(client, world.trainer)
    assert client.get(f"/units/{unit.id}/items/new?kind=lesson").status_code == 200
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson",
                         item_fields("Why children read", completion_rule="mark_done", hidden="y"))
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert (item.kind, item.title, item.completion_rule, item.required, item.hidden, item.unit_id) == (
        "lesson", "Why children read", "mark_done", True, True, unit.id)
    assert item.body.startswith("# Hello")
    assert item.position == 0


def test_choose_kind_page(client, world, login, unit):
    login(client, world.trainer)
    html = client.get(f"/units/{unit.id}/items/new").get_data(as_text=True)
    for kind in ("lesson", "file", "link", "quiz", "assignment", "live_session"):
        assert f"kind={kind}" in html


def test_lesson_needs_a_body(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson", item_fields("Typed title", body=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write the lesson's text." in form_errors(html)
    assert 'value="Typed title"' in html
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_completion_rule_must_fit_the_kind(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson",
                         item_fields(completion_rule="download"))
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Item.id))) == 0
    html = response.get_data(as_text=True)
    assert "marked as done by the participant" in html and ">downloaded<" not in html


def test_preview_renders_sanitised_markdown_without_saving(client, world, login, db, unit):
    login(client, world.trainer)
    body = "# Title\n\n**bold** <script>alert('x')</script>\n\n[bad](javascript:alert(1))"
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson",
                         item_fields("Draft", body=body, preview="1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Item.id))) == 0
    preview = html.split('id="preview"', 1)[1]
    assert "<h1>Title</h1>" in preview and "<strong>bold</strong>" in preview
    assert "<script>" not in html and "&lt;script&gt;" in preview
    assert 'href="javascript' not in preview
    assert "Draft" in html  # the typed values stay in the form


def test_preview_on_edit_keeps_the_saved_version(client, world, login, db, unit):
    item = f.make_item(unit, body="Old text")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    response = post_form(client, f"/items/{item.id}/edit",
                         item_fields(item.title, body="*New* text", preview="1", version=version_of(html)))
    assert "<em>New</em>" in response.get_data(as_text=True)
    db.session.expire_all()
    assert item.body == "Old text"


def test_create_file_item(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=file", {
        **item_fields("Reading list", completion_rule="download", body="The *list*"),
        "upload": (io.BytesIO(PDF), "reading list.pdf"),
    })
    assert response.status_code == 302, form_errors(response.get_data(as_text=True))
    item = db.session.scalar(select(Item))
    assert item.kind == "file" and item.file.original_name == "reading list.pdf"
    assert item.file.content_type == "application/pdf" and item.file.size == len(PDF)
    assert item.file.uploaded_by_id == world.trainer.id


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ\x90\x00", "Files of this type are not accepted"),
    ("fake.pdf", PNG, "does not match its type"),
    ("empty.pdf", b"", "The file is empty."),
])
def test_file_upload_is_checked(client, world, login, db, unit, name, content, message):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=file", {
        **item_fields("Typed title", completion_rule="download"), "upload": (io.BytesIO(content), name),
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert any(message in error for error in form_errors(html)), form_errors(html)
    assert 'value="Typed title"' in html
    assert db.session.scalar(select(func.count(Item.id))) == 0
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0


def test_file_item_needs_a_file(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=file",
                         item_fields("No file", completion_rule="download"))
    assert "Choose the file to share." in form_errors(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_file_larger_than_the_limit(client, world, login, db, unit, app, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCE_MAX_BYTES", 1024)
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=file", {
        **item_fields("Big", completion_rule="download"), "upload": (io.BytesIO(PDF + b"x" * 4096), "big.pdf"),
    })
    assert "The file is larger than 1 KB." in form_errors(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_request_larger_than_the_server_accepts(client, world, login, db, unit, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    item = f.make_item(unit, "file", title="Slides", completion_rule="download")
    db.session.commit()
    login(client, world.trainer)
    big = {**item_fields("Big", completion_rule="download"), "upload": (io.BytesIO(PDF + b"x" * 10000), "big.pdf")}
    response = post_form(client, f"/units/{unit.id}/items/new?kind=file", big)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file is larger than 4 KB." in form_errors(html)
    assert 'name="title"' in html  # the form, not a bare error page
    response = post_form(client, f"/items/{item.id}/edit", {**big, "upload": (io.BytesIO(b"x" * 10000), "b.pdf")})
    assert response.status_code == 413
    assert "The file is larger than 4 KB." in form_errors(response.get_data(as_text=True))
    assert 'value="Slides"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id))) == 1
    # The access rules still apply.
    login(client, world.other_trainer)
    response = post_form(client, f"/items/{item.id}/edit", {**big, "upload": (io.BytesIO(b"x" * 10000), "b.pdf")})
    assert response.status_code == 403


def test_editing_a_file_item_keeps_or_replaces_the_file(client, world, login, db, unit):
    login(client, world.trainer)
    post_form(client, f"/units/{unit.id}/items/new?kind=file", {
        **item_fields("Slides", completion_rule="download"), "upload": (io.BytesIO(PDF), "v1.pdf")})
    item = db.session.scalar(select(Item))
    first_file = item.file_id
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert "v1.pdf" in html
    response = post_form(client, f"/items/{item.id}/edit",
                         item_fields("Slides, week 1", completion_rule="download", version=version_of(html)))
    assert response.status_code == 302
    db.session.expire_all()
    assert item.file_id == first_file and item.title == "Slides, week 1"
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    response = post_form(client, f"/items/{item.id}/edit", {
        **item_fields("Slides, week 1", completion_rule="download", version=version_of(html)),
        "upload": (io.BytesIO(PDF), "v2.pdf")})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.file.original_name == "v2.pdf"
    assert db.session.get(StoredFile, first_file) is not None  # nothing deleted


def test_create_link(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=link",
                         {**item_fields("Talk"), "url": "https://youtu.be/dQw4w9WgXcQ", "preview": "1"})
    assert "embedded as a YouTube video" in response.get_data(as_text=True)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=link",
                         {**item_fields("Talk", body=""), "url": "https://youtu.be/dQw4w9WgXcQ"})
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert (item.kind, item.url, item.body) == ("link", "https://youtu.be/dQw4w9WgXcQ", None)
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert "embedded as a YouTube video" in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/file", "example.org", "https://"])
def test_link_must_be_a_web_address(client, world, login, db, unit, url):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=link", {**item_fields("Talk"), "url": url})
    assert "Enter a full web address starting with https:// (or http://)." in form_errors(
        response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_create_quiz(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=quiz", {
        **item_fields("Check", completion_rule="pass", body=""), "pass_mark": "70", "max_attempts": "",
        "show_feedback": "y"})
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert item.completion_rule == "pass"
    assert item.settings == {"pass_mark": 70, "max_attempts": None, "show_feedback": True}
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    response = post_form(client, f"/items/{item.id}/edit", {
        **item_fields("Check", completion_rule="pass", body="", version=version_of(html)),
        "pass_mark": "80", "max_attempts": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.settings == {"pass_mark": 80, "max_attempts": 2, "show_feedback": False}


@pytest.mark.parametrize("pass_mark, attempts, message", [
    ("150", "", "Enter the pass mark, from 0 to 100."),
    ("", "", "Enter the pass mark, from 0 to 100."),
    ("50", "0", "Enter 1 or more, or leave empty for no limit."),
])
def test_quiz_settings_are_checked(client, world, login, db, unit, pass_mark, attempts, message):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=quiz", {
        **item_fields("Check", completion_rule="pass"), "pass_mark": pass_mark, "max_attempts": attempts})
    assert message in form_errors(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_create_assignment_mirrors_the_completion_rule(client, world, login, db, unit):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=assignment",
                         item_fields("Essay", completion_rule="pass", body="", due_at="2024-07-30T18:00"))
    assert "Write the instructions." in form_errors(response.get_data(as_text=True))
    response = post_form(client, f"/units/{unit.id}/items/new?kind=assignment",
                         item_fields("Essay", completion_rule="pass", body="Write 500 words.",
                                     due_at="2024-07-30T18:00"))
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert item.settings == {"complete_on": "pass"} and item.completion_rule == "pass"
    assert item.due_at == utc(2024, 7, 30, 9, 0)  # 18:00 in Seoul


def test_create_live_session(client, world, login, db, unit):
    login(client, world.trainer)
    data = {**item_fields("Kick-off call", completion_rule="attend", body=""),
            "starts_at": "2024-07-23T20:00", "ends_at": "2024-07-23T19:00", "meeting_url": "https://meet.example/x"}
    response = post_form(client, f"/units/{unit.id}/items/new?kind=live_session", data)
    assert "The session must end after it starts." in form_errors(response.get_data(as_text=True))
    response = post_form(client, f"/units/{unit.id}/items/new?kind=live_session",
                         {**data, "ends_at": "2024-07-23 21:30"})
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert item.settings == {"starts_at": "2024-07-23T11:00:00+00:00", "ends_at": "2024-07-23T12:30:00+00:00"}
    assert item.url == "https://meet.example/x"
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert 'value="2024-07-23T20:00"' in html and 'value="2024-07-23T21:30"' in html


def test_dates_are_typed_in_the_authors_zone(client, world, login, db, unit):
    login(client, world.trainer)  # Asia/Seoul
    html = client.get(f"/units/{unit.id}/items/new?kind=lesson").get_data(as_text=True)
    assert "In your time zone: Asia/Seoul" in html
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson",
                         item_fields(opens_at="2024-07-22T09:00", due_at="2024-07-29 18:30"))
    assert response.status_code == 302
    item = db.session.scalar(select(Item))
    assert item.opens_at == utc(2024, 7, 22, 0, 0)
    assert item.due_at == utc(2024, 7, 29, 9, 30)
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert 'value="2024-07-22T09:00"' in html
    # A coordinator in another zone sees (and types) the same instant in theirs.
    world.coordinator.timezone = "Europe/Paris"
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert 'value="2024-07-22T02:00"' in html and "Europe/Paris" in html


@pytest.mark.parametrize("opens, due, message", [
    ("2024-07-22T09:00", "2024-07-21T09:00", "The due date must be after the opening date."),
    ("2024-07-22T09:00", "2024-07-22T09:00", "The due date must be after the opening date."),
    ("22/07/2024", "", "Enter a date and time, e.g. 2024-07-22 09:00."),
])
def test_dates_are_checked(client, world, login, db, unit, opens, due, message):
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson", item_fields(opens_at=opens, due_at=due))
    html = response.get_data(as_text=True)
    assert message in form_errors(html)
    assert opens in html
    assert db.session.scalar(select(func.count(Item.id))) == 0


# Prerequisites -----------------------------------------------------------------------------------


def test_prerequisites_are_set_and_cycles_refused(client, world, login, db, unit):
    a = f.make_item(unit, title="Item A", position=0)
    b = f.make_item(unit, title="Item B", position=1, prerequisites=[a])
    c = f.make_item(unit, title="Item C", position=2, prerequisites=[b])
    elsewhere = f.make_item(f.make_unit(world.other_module), title="Other module item")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/items/{a.id}/edit").get_data(as_text=True)
    assert "Item B" in html and "Other module item" not in html
    assert f'value="{a.id}"' not in re.findall(r'<input[^>]*name="prerequisites"[^>]*>', html).__str__()

    response = post_form(client, f"/items/{a.id}/edit",
                         item_fields("Item A", prerequisites=[str(c.id)], version=version_of(html)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = " ".join(form_errors(page))
    assert "“Item C” already requires this item" in errors and "cannot require itself" in errors
    db.session.expire_all()
    assert a.prerequisite_ids == []

    response = post_form(client, f"/items/{a.id}/edit",
                         item_fields("Item A", prerequisites=[str(a.id)], version=version_of(page)))
    assert response.status_code == 200 and a.prerequisite_ids == []

    response = post_form(client, f"/items/{a.id}/edit",
                         item_fields("Item A", prerequisites=[str(elsewhere.id)], version=version_of(page)))
    assert response.status_code == 200
    db.session.expire_all()
    assert a.prerequisite_ids == []

    # C may require A (no cycle), and dropping B works.
    html = client.get(f"/items/{c.id}/edit").get_data(as_text=True)
    response = post_form(client, f"/items/{c.id}/edit",
                         item_fields("Item C", prerequisites=[str(a.id)], version=version_of(html)))
    assert response.status_code == 302
    db.session.expire_all()
    assert c.prerequisite_ids == [a.id]
    assert db.session.scalar(select(func.count()).select_from(ItemPrerequisite)) == 2


def test_new_item_can_require_earlier_items(client, world, login, db, unit):
    a = f.make_item(unit, title="Item A", position=7)
    f.make_item(unit, title="Item Z", position=40)
    db.session.commit()
    login(client, world.trainer)
    response = post_form(client, f"/units/{unit.id}/items/new?kind=lesson",
                         item_fields("Item B", prerequisites=[str(a.id)]))
    assert response.status_code == 302
    b = db.session.scalar(select(Item).where(Item.title == "Item B"))
    assert b.prerequisite_ids == [a.id]
    db.session.expire_all()
    assert [(i.title, i.position) for i in unit.items] == [("Item A", 0), ("Item Z", 1), ("Item B", 2)]


# Editing, reordering, hiding, duplicating, archiving ---------------------------------------------------


def test_editing_keeps_completion_records(client, world, login, db, unit):
    item = f.make_item(unit, title="Lesson", completion_rule="view")
    db.session.add(Completion(user_id=world.participant.id, item_id=item.id, how="view"))
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert "1 participant completed this item" in html
    response = post_form(client, f"/items/{item.id}/edit",
                         item_fields("Lesson, revised", completion_rule="mark_done", body="New",
                                     version=version_of(html)))
    assert response.status_code == 302
    post_form(client, f"/items/{item.id}/archive")
    post_form(client, f"/items/{item.id}/restore")
    db.session.expire_all()
    assert item.completion_rule == "mark_done" and item.body == "New"
    completion = db.session.scalar(select(Completion))
    assert completion is not None and completion.item_id == item.id and completion.how == "view"


def test_item_edit_conflict(client, world, login, db, unit):
    item = f.make_item(unit, title="Original", body="Original text")
    db.session.commit()
    login(client, world.trainer)
    stale = version_of(client.get(f"/items/{item.id}/edit").get_data(as_text=True))
    item.body = "Changed by the coordinator"
    db.session.commit()
    response = post_form(client, f"/items/{item.id}/edit", item_fields("Mine", body="My text", version=stale))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Someone else changed this record" in html
    assert "Changed by the coordinator" in html and "My text" in html
    db.session.expire_all()
    assert item.body == "Changed by the coordinator"


def test_move_items(client, world, login, db, unit):
    a = f.make_item(unit, title="A", position=3)
    b = f.make_item(unit, title="B", position=7)
    c = f.make_item(unit, title="C", position=8)
    week2 = f.make_unit(world.module, title="Week 2", position=1)
    d = f.make_item(week2, title="D", position=0)
    db.session.commit()
    login(client, world.trainer)
    assert post_form(client, f"/items/{a.id}/move", {"direction": "down"}).status_code == 302
    db.session.expire_all()
    assert [i.title for i in sorted(unit.items, key=lambda i: i.position)] == ["B", "A", "C"]
    assert sorted(i.position for i in unit.items) == [0, 1, 2]

    html = client.get(f"/items/{a.id}/edit").get_data(as_text=True)
    assert "Week 2" in html
    response = post_form(client, f"/items/{a.id}/edit",
                         item_fields("A", unit_id=str(week2.id), version=version_of(html)))
    assert response.status_code == 302
    db.session.expire_all()
    assert a.unit_id == week2.id
    assert [(i.title, i.position) for i in week2.items] == [("D", 0), ("A", 1)]
    assert [(i.title, i.position) for i in unit.items] == [("B", 0), ("C", 1)]

    other = f.make_unit(world.other_module, title="Not mine")
    db.session.commit()
    html = client.get(f"/items/{a.id}/edit").get_data(as_text=True)
    assert "Not mine" not in html
    response = post_form(client, f"/items/{a.id}/edit",
                         item_fields("A", unit_id=str(other.id), version=version_of(html)))
    assert response.status_code == 200
    db.session.expire_all()
    assert a.unit_id == week2.id


def test_hide_and_show_item(client, world, login, db, unit):
    item = f.make_item(unit)
    db.session.commit()
    login(client, world.trainer)
    assert post_form(client, f"/items/{item.id}/hide").status_code == 302
    db.session.expire_all()
    assert item.hidden
    post_form(client, f"/items/{item.id}/show")
    db.session.expire_all()
    assert not item.hidden


def test_duplicate_quiz_copies_questions_and_choices(client, world, login, db, unit):
    lesson = f.make_item(unit, title="Lesson", position=0)
    quiz = f.make_quiz(unit, title="Quiz", position=1, pass_mark=60, prerequisites=[lesson])
    after = f.make_item(unit, title="After", position=2)
    db.session.add(Completion(user_id=world.participant.id, item_id=quiz.id, how="pass"))
    edited = db.session.scalar(select(QuizQuestion).where(QuizQuestion.item_id == quiz.id).limit(1))
    edited.feedback_correct = "Well done"  # the original has been edited: its version moved on
    db.session.commit()
    assert edited.version == 2
    login(client, world.trainer)
    assert post_form(client, f"/items/{quiz.id}/duplicate").status_code == 302
    copy = db.session.scalar(select(Item).where(Item.title == "Quiz (copy)"))
    assert copy.hidden and copy.kind == "quiz" and copy.settings == quiz.settings
    assert copy.prerequisite_ids == [lesson.id]
    db.session.expire_all()
    assert [i.title for i in sorted(unit.items, key=lambda i: i.position)] == [
        "Lesson", "Quiz", "Quiz (copy)", "After"]
    assert after.position == 3

    def questions(item_id):
        rows = db.session.scalars(select(QuizQuestion).where(QuizQuestion.item_id == item_id)
                                  .order_by(QuizQuestion.position)).all()
        return [(q.kind, q.prompt, q.accepted_answers, [(c.text, c.is_correct) for c in q.choices]) for q in rows]

    assert questions(copy.id) == questions(quiz.id) and len(questions(copy.id)) == 3
    # Copies are new records: their version counter starts at 1.
    assert db.session.scalars(select(QuizQuestion.version).where(QuizQuestion.item_id == copy.id)).all() == [1, 1, 1]
    assert db.session.scalar(select(func.count(QuizChoice.id))) == 10
    assert db.session.scalar(select(func.count(Completion.id)).where(Completion.item_id == copy.id)) == 0


def test_duplicate_file_item_shares_the_file(client, world, login, db, unit):
    login(client, world.trainer)
    post_form(client, f"/units/{unit.id}/items/new?kind=file",
              {**item_fields("Slides", completion_rule="download"), "upload": (io.BytesIO(PDF), "s.pdf")})
    item = db.session.scalar(select(Item))
    post_form(client, f"/items/{item.id}/duplicate")
    copy = db.session.scalar(select(Item).where(Item.title == "Slides (copy)"))
    assert copy.file_id == item.file_id and copy.completion_rule == "download"


def test_archive_and_restore_item(client, world, login, db, unit):
    item = f.make_item(unit, title="Keep me")
    db.session.commit()
    login(client, world.trainer)
    assert post_form(client, f"/items/{item.id}/archive").status_code == 302
    db.session.expire_all()
    assert item.is_archived
    html = client.get(content_url(world)).get_data(as_text=True)
    assert f'id="item-{item.id}"' not in html and "Show archived (1)" in html
    post_form(client, f"/items/{item.id}/restore")
    db.session.expire_all()
    assert not item.is_archived
    assert f'id="item-{item.id}"' in client.get(content_url(world)).get_data(as_text=True)


# Lesson images ------------------------------------------------------------------------------------


def test_upload_image_keeps_the_typed_text(client, world, login, db, unit, app):
    item = f.make_item(unit, title="Lesson", body="Saved text")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    version = version_of(html)
    response = post_form(client, f"/items/{item.id}/images", {
        **item_fields("Lesson", body="Typed, not saved", version=version),
        "image": (io.BytesIO(PNG), "diagram.png")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    db.session.expire_all()
    images = item.settings["images"]
    assert len(images) == 1
    stored = db.session.get(StoredFile, images[0])
    assert stored.original_name == "diagram.png" and stored.content_type == "image/png"
    assert "Typed, not saved" in page and "diagram.png" in page
    if "learning.item_file" in app.view_functions:
        assert f"/files/{stored.id}" in page or str(stored.id) in page
    # The edit form can still be saved: the image did not move the version on.
    assert version_of(page) == version
    response = post_form(client, f"/items/{item.id}/edit", item_fields("Lesson", body="Final", version=version))
    assert response.status_code == 302
    db.session.expire_all()
    assert item.body == "Final" and item.settings["images"] == images


@pytest.mark.parametrize("name, content, message", [
    ("notes.pdf", PDF, "Files of this type are not accepted"),
    ("fake.png", PDF, "does not match its type"),
    ("", b"", "Choose a file."),
])
def test_upload_image_is_checked(client, world, login, db, unit, name, content, message):
    item = f.make_item(unit)
    db.session.commit()
    login(client, world.trainer)
    data = {"image": (io.BytesIO(content), name)} if name else {}
    response = post_form(client, f"/items/{item.id}/images", data)
    assert response.status_code == 200
    assert any(message in error for error in form_errors(response.get_data(as_text=True)))
    db.session.expire_all()
    assert "images" not in item.settings


# Every authoring address as every role -----------------------------------------------------------------

COORDINATOR_ONLY = {"authoring.program_content", "authoring.create_program_unit"}


def _authoring_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("authoring.")),
                  key=lambda rule: rule.endpoint)


@pytest.mark.parametrize("role", ["anonymous", "participant", "other_trainer", "trainer", "coordinator"])
def test_every_authoring_address_as_every_role(app, client, world, login, db, role):
    unit = f.make_unit(world.module, title="Week 1")
    item = f.make_item(unit)
    db.session.commit()
    values = {"module_id": world.module.id, "program_id": world.program.id, "unit_id": unit.id, "item_id": item.id}
    if role != "anonymous":
        login(client, getattr(world, role))
    rules = _authoring_rules(app)
    assert len(rules) >= 20
    for rule in rules:
        assert getattr(app.view_functions[rule.endpoint], "access_rule", None) is not None
        with app.test_request_context():
            url = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]
        for method in ("GET", "POST"):
            if method not in rule.methods:
                continue
            response = client.get(url) if method == "GET" else post_form(client, url, {})
            status = response.status_code
            assert status < 500, (method, url, role)
            if role == "anonymous":
                assert status == 302 and "/login" in response.headers["Location"], (method, url)
            elif role in ("participant", "other_trainer") or (
                    rule.endpoint in COORDINATOR_ONLY and role != "coordinator"):
                assert status == 403, (method, url, role, status)
            else:
                assert status != 403 and "/login" not in response.headers.get("Location", ""), (method, url, role)


def test_a_prerequisite_change_alone_is_a_change(client, world, login, db, unit):
    """Saving only new prerequisites moves the version on, so a stale form cannot undo it silently."""
    a = f.make_item(unit, title="Item A", position=0)
    b = f.make_item(unit, title="Item B", position=1, body="Same text")
    db.session.commit()
    login(client, world.trainer)
    stale = version_of(client.get(f"/items/{b.id}/edit").get_data(as_text=True))
    fields = item_fields("Item B", body="Same text", completion_rule=b.completion_rule)
    response = post_form(client, f"/items/{b.id}/edit", {**fields, "prerequisites": [str(a.id)], "version": stale})
    assert response.status_code == 302
    response = post_form(client, f"/items/{b.id}/edit", {**fields, "version": stale})
    assert "Someone else changed this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert b.prerequisite_ids == [a.id]


def test_upload_limit_defaults_to_50_mb_and_is_configurable(client, world, login, db, unit, monkeypatch):
    from config import DevelopmentConfig, ProductionConfig

    monkeypatch.delenv("RESOURCE_MAX_BYTES", raising=False)
    assert DevelopmentConfig().RESOURCE_MAX_BYTES == 50 * 1024 * 1024
    monkeypatch.setenv("RESOURCE_MAX_BYTES", str(20 * 1024 * 1024))
    assert DevelopmentConfig().RESOURCE_MAX_BYTES == 20 * 1024 * 1024
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert ProductionConfig().RESOURCE_MAX_BYTES == 20 * 1024 * 1024
    login(client, world.trainer)
    html = client.get(f"/units/{unit.id}/items/new?kind=file").get_data(as_text=True)
    assert "At most 50 MB." in html  # the testing app keeps the default, and says it beside the field


def test_content_page_dates_name_the_zone_with_a_relative_hint(client, world, login, db, unit):
    from datetime import timedelta

    from lms.core.database import utcnow

    f.make_item(unit, "lesson", title="Soon", opens_at=utcnow() + timedelta(days=2, hours=1),
                due_at=utcnow() + timedelta(days=5, hours=1))
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/modules/{world.module.id}/content").get_data(as_text=True)
    zone = world.trainer.timezone
    assert re.search(rf"Opens [^<]*\({re.escape(zone)}, [A-Z+0-9]+\) <span class=\"hint\">· in 2 days", html)
    assert re.search(rf"Due [^<]*\({re.escape(zone)}, [A-Z+0-9]+\) <span class=\"hint\">· in 5 days", html)


def test_module_items_may_require_program_wide_items(client, world, login, db, unit):
    orientation = f.make_unit(None, program=world.program, title="Orientation")
    quiz = f.make_item(orientation, "quiz", title="Orientation quiz")
    week = f.make_item(unit, title="Week 1 lesson")
    other = f.make_item(f.make_unit(world.other_module), title="Other module item")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/items/{week.id}/edit").get_data(as_text=True)
    assert "Orientation › Orientation quiz" in html and "Other module item" not in html
    response = post_form(client, f"/items/{week.id}/edit",
                         item_fields("Week 1 lesson", prerequisites=[str(quiz.id)], version=version_of(html)))
    assert response.status_code == 302
    db.session.expire_all()
    assert week.prerequisite_ids == [quiz.id]
    assert "Requires Orientation quiz" in client.get(content_url(world)).get_data(as_text=True)
    # Participants meet the rule: locked until the orientation quiz is passed.
    login(client, world.participant)
    response = client.get(f"/learn/items/{week.id}")
    assert response.status_code == 403 and "Complete “Orientation quiz” first." in response.get_data(as_text=True)
    db.session.add(Completion(user_id=world.participant.id, item_id=quiz.id, how="passed"))
    db.session.commit()
    assert client.get(f"/learn/items/{week.id}").status_code == 200
    # Items of another module stay out of reach, and program-wide items cannot require module items.
    login(client, world.coordinator)
    html = client.get(f"/items/{week.id}/edit").get_data(as_text=True)
    response = post_form(client, f"/items/{week.id}/edit",
                         item_fields("Week 1 lesson", prerequisites=[str(other.id)], version=version_of(html)))
    assert response.status_code == 200 and form_errors(response.get_data(as_text=True))
    from lms.learning.authoring import AuthoringError, set_prerequisites

    with pytest.raises(AuthoringError, match="same module or of the program-wide units"):
        set_prerequisites(week, [other.id])
    db.session.rollback()
    db.session.expire_all()
    assert week.prerequisite_ids == [quiz.id]
    html = client.get(f"/items/{quiz.id}/edit").get_data(as_text=True)
    assert "Week 1 lesson" not in html
