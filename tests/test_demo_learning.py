"""The demo's online learning content: every 2024 module has a real online segment, each program an orientation."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lms.core.markdown import render_markdown
from lms.demo.learning_content import QUIZ_SETTINGS, reading_list_pdf
from lms.files.models import StoredFile
from lms.files.storage import file_path
from lms.learning.models import COMPLETION_RULES_BY_KIND, Item, ItemKind, QuizQuestion, Unit
from lms.programs.models import Module, Program, Track

KOREA = ZoneInfo("Asia/Seoul")
UTC = timezone.utc

# (program code, module short title, words that show the lessons are about the module's subject)
MODULES = [
    ("CETP-2024", "Publication", ("children", "e-book", "narration")),
    ("CETP-2024", "Cultural Products", ("design thinking", "prototype", "makers")),
    ("CETP-2024", "Performing Arts 1", ("ecosystem", "dancers", "touring")),
    ("CETP-2024", "Performing Arts 2", ("citizen", "festival", "puppet")),
    ("CATP-2024", "Cultural Policy", ("infrastructure", "convergence", "policy")),
]
# The start of the second unit, 00:00 Korea time: week 2 (Experts), day 3 (Administrators).
SECOND_PART_OPENS = {
    "CETP-2024": datetime(2024, 7, 28, 15, 0, tzinfo=UTC),  # 2024-07-29 00:00 KST
    "CATP-2024": datetime(2024, 8, 20, 15, 0, tzinfo=UTC),  # 2024-08-21 00:00 KST
}
ONLINE = {
    "CETP-2024": (datetime(2024, 7, 22).date(), datetime(2024, 8, 2).date()),
    "CATP-2024": (datetime(2024, 8, 19).date(), datetime(2024, 8, 23).date()),
}


def run_demo(app, *args):
    return app.test_cli_runner().invoke(args=["lms", "demo", *args])


@pytest.fixture
def demo(app, db):
    result = run_demo(app)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def _module(db, code, short_title) -> Module:
    return db.session.scalar(
        select(Module).join(Module.track).join(Track.program)
        .where(Program.code == code, Module.short_title == short_title)
    )


def _units(db, module) -> list[Unit]:
    return db.session.scalars(select(Unit).where(Unit.module_id == module.id).order_by(Unit.position)).all()


def _items(unit, kind: ItemKind) -> list[Item]:
    return [item for item in unit.items if item.kind == kind.value]


def _words(markdown: str) -> int:
    return len(re.findall(r"[^\W_]+(?:[-'’][^\W_]+)*", markdown))


def _check_pdf(content: bytes) -> None:
    """A PDF whose cross-reference table points at its objects (what readers rely on)."""
    assert content.startswith(b"%PDF-1.4\n")
    assert content.rstrip().endswith(b"%%EOF")
    xref_at = int(re.search(rb"startxref\n(\d+)\n%%EOF", content).group(1))
    assert content[xref_at:xref_at + 4] == b"xref"
    count = int(re.match(rb"xref\n0 (\d+)\n", content[xref_at:]).group(1))
    entries = re.findall(rb"(\d{10}) 00000 n \n", content[xref_at:])
    assert len(entries) == count - 1 >= 6
    for number, offset in enumerate(entries, start=1):
        assert content[int(offset):].startswith(b"%d 0 obj\n" % number)
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", content).group(1))
    stream_at = content.index(b"stream\n") + len(b"stream\n")
    assert content[stream_at + length:].startswith(b"\nendstream")
    assert b"/Type /Catalog" in content and b"/Type /Page " in content


@pytest.mark.parametrize(("code", "short_title", "subject_words"), MODULES)
def test_every_module_has_a_full_online_segment(db, demo, code, short_title, subject_words):
    module = _module(db, code, short_title)
    units = _units(db, module)
    assert len(units) >= 2
    first, second = units[0], units[1]
    expected_labels = ("Week 1: ", "Week 2: ") if code == "CETP-2024" else ("Days 1–2: ", "Days 3–5: ")
    assert first.title.startswith(expected_labels[0]) and second.title.startswith(expected_labels[1])
    assert all(unit.program_id == module.track.program_id and not unit.hidden for unit in units)
    for unit in units:
        assert len(_items(unit, ItemKind.LESSON)) >= 2, unit.title
        assert unit.summary
    kinds = {item.kind for unit in units for item in unit.items}
    assert kinds == {kind.value for kind in ItemKind}

    lessons = [item for unit in units for item in _items(unit, ItemKind.LESSON)]
    text = " ".join(item.body for item in lessons).lower()
    for word in subject_words:
        assert word in text, word
    assert len({item.body for item in lessons}) == len(lessons)  # no lesson repeated


@pytest.mark.parametrize(("code", "short_title", "subject_words"), MODULES)
def test_lessons_are_substantial_markdown(db, demo, code, short_title, subject_words):
    module = _module(db, code, short_title)
    lessons = [item for unit in _units(db, module) for item in _items(unit, ItemKind.LESSON)]
    with_table = 0
    for lesson in lessons:
        assert 250 <= _words(lesson.body) <= 600, (lesson.title, _words(lesson.body))
        html = str(render_markdown(lesson.body))
        assert "<h2>" in html and "<li>" in html, lesson.title
        assert "&lt;" not in html and "<p>|" not in html  # nothing escaped, no table left unparsed
        with_table += "<table>" in html and "<td>" in html
    assert with_table >= 1


@pytest.mark.parametrize(("code", "short_title"), [m[:2] for m in MODULES])
def test_reading_list_is_a_pdf_stored_on_disk(db, demo, code, short_title):
    module = _module(db, code, short_title)
    [first, _second] = _units(db, module)
    [item] = _items(first, ItemKind.FILE)
    stored = item.file
    assert stored is not None and stored.original_name.endswith(".pdf")
    assert stored.content_type == "application/pdf"
    content = file_path(stored).read_bytes()
    assert content.startswith(b"%PDF")
    assert len(content) == stored.size and hashlib.sha256(content).hexdigest() == stored.sha256
    _check_pdf(content)
    assert stored.uploaded_by in module.trainers
    assert item.completion_rule == "download" and item.required and item.body


def test_the_reading_list_can_be_downloaded_in_parts(app, db, demo):
    """Served through the shared storage helper, with range support (a broken download resumes)."""
    from lms.files.storage import send_stored_file

    stored = db.session.scalars(select(StoredFile).order_by(StoredFile.id)).first()
    with app.test_request_context(headers={"Range": "bytes=0-7"}):
        response = send_stored_file(stored)
        try:
            response.direct_passthrough = False
            assert response.status_code == 206
            assert response.get_data() == b"%PDF-1.4"
        finally:
            response.close()


def test_reading_list_pdf_refuses_text_that_does_not_fit():
    _check_pdf(reading_list_pdf("A title (with parentheses) and a back\\slash", ["- one", "# Heading", "text"]))
    with pytest.raises(ValueError, match="does not fit"):
        reading_list_pdf("Too long", ["- a line"] * 80)


@pytest.mark.parametrize(("code", "short_title"), [m[:2] for m in MODULES])
def test_video_link_is_optional_and_on_youtube_or_vimeo(db, demo, code, short_title):
    [first, _second] = _units(db, _module(db, code, short_title))
    [link] = _items(first, ItemKind.LINK)
    assert re.fullmatch(r"https://(www\.youtube\.com/watch\?v=[\w-]{11}|vimeo\.com/\d+)", link.url), link.url
    assert link.required is False
    assert link.completion_rule == "view"
    assert link.body


def test_video_links_differ_between_modules(db, demo):
    urls = db.session.scalars(select(Item.url).where(Item.kind == "link")).all()
    assert len(urls) == len(MODULES) == len(set(urls))


@pytest.mark.parametrize(("code", "short_title"), [m[:2] for m in MODULES])
def test_quiz_has_valid_questions_and_requires_the_first_lessons(db, demo, code, short_title):
    [first, _second] = _units(db, _module(db, code, short_title))
    [quiz] = _items(first, ItemKind.QUIZ)
    assert quiz.settings == QUIZ_SETTINGS == {"pass_mark": 60, "max_attempts": 3, "show_feedback": True}
    assert quiz.completion_rule == "pass" and quiz.required and quiz.opens_at is None
    # Due at the end of the unit's last day, Korea time.
    first_part_end = {"CETP-2024": datetime(2024, 7, 26, 23, 59), "CATP-2024": datetime(2024, 8, 20, 23, 59)}
    assert quiz.due_at == first_part_end[code].replace(tzinfo=KOREA).astimezone(UTC)

    week_one_lessons = {item.id for item in _items(first, ItemKind.LESSON)}
    assert set(quiz.prerequisite_ids) == week_one_lessons
    assert quiz.position > max(item.position for item in _items(first, ItemKind.LESSON))

    questions = db.session.scalars(
        select(QuizQuestion).where(QuizQuestion.item_id == quiz.id).order_by(QuizQuestion.position)
    ).all()
    assert 4 <= len(questions) <= 6
    assert {q.kind for q in questions} == {"single", "multiple", "short"}
    assert [q.position for q in questions] == list(range(len(questions)))
    for question in questions:
        assert question.prompt and question.points == 1
        assert question.feedback_correct and question.feedback_incorrect
        correct = [choice for choice in question.choices if choice.is_correct]
        if question.kind == "single":
            assert len(correct) == 1 and len(question.choices) >= 3, question.prompt
        elif question.kind == "multiple":
            assert len(correct) >= 2 and len(question.choices) > len(correct), question.prompt
        else:
            assert question.choices == [] and question.accepted_answers, question.prompt
        if question.kind != "short":
            assert question.accepted_answers == []
            assert len({choice.text for choice in question.choices}) == len(question.choices)


@pytest.mark.parametrize(("code", "short_title"), [m[:2] for m in MODULES])
def test_second_unit_opens_at_its_start_in_korea_time(db, demo, code, short_title):
    first, second = _units(db, _module(db, code, short_title))[:2]
    opens = SECOND_PART_OPENS[code]
    assert opens.astimezone(KOREA).time().isoformat() == "00:00:00"
    assert second.items and all(item.opens_at == opens for item in second.items)
    assert all(item.opens_at is None for item in first.items)
    assert all(item.prerequisite_ids == [] for item in second.items)


@pytest.mark.parametrize(("code", "short_title"), [m[:2] for m in MODULES])
def test_assignment_and_live_session(db, demo, code, short_title):
    [_first, second] = _units(db, _module(db, code, short_title))
    start, end = ONLINE[code]

    [assignment] = _items(second, ItemKind.ASSIGNMENT)
    assert assignment.completion_rule == "submit" and assignment.settings == {"complete_on": "submit"}
    assert assignment.due_at == datetime.combine(end, datetime.min.time().replace(hour=18), KOREA).astimezone(UTC)
    assert "## What to hand in" in assignment.body and "<ol>" in str(render_markdown(assignment.body))

    [live] = _items(second, ItemKind.LIVE_SESSION)
    assert live.completion_rule == "attend" and live.required
    starts_at = datetime.fromisoformat(live.settings["starts_at"])
    ends_at = datetime.fromisoformat(live.settings["ends_at"])
    assert starts_at.utcoffset() == timedelta(0) and ends_at.utcoffset() == timedelta(0)
    assert ends_at - starts_at == timedelta(minutes=90)
    in_korea = starts_at.astimezone(KOREA)
    assert in_korea.time().isoformat() == "10:00:00"
    assert in_korea.weekday() < 5
    assert SECOND_PART_OPENS[code] < starts_at and start <= in_korea.date() <= end
    assert "Agenda" in live.body


def test_completion_rules_are_the_default_of_each_kind(db, demo):
    items = db.session.scalars(select(Item)).all()
    assert len(items) == 5 * 9 + 2 * 3
    for item in items:
        assert item.completion_rule == COMPLETION_RULES_BY_KIND[ItemKind(item.kind)][0].value, item.title
    assert len({(item.unit_id, item.position) for item in items}) == len(items)  # positions unique per unit


@pytest.mark.parametrize("code", ["CETP-2024", "CATP-2024"])
def test_each_program_has_an_orientation_unit_first(db, demo, code):
    program = db.session.scalar(select(Program).where(Program.code == code))
    [unit] = db.session.scalars(select(Unit).where(Unit.program_id == program.id, Unit.module_id.is_(None))).all()
    assert unit.is_program_wide and unit.position == 0 and not unit.hidden
    welcome, tips = _items(unit, ItemKind.LESSON)
    [quiz] = _items(unit, ItemKind.QUIZ)
    assert [item.kind for item in unit.items] == ["lesson", "lesson", "quiz"]

    text = re.sub(r"\s+", " ", welcome.body)
    online = {"CETP-2024": "22 July – 2 August 2024", "CATP-2024": "19–23 August 2024"}[code]
    assert online in text
    offline = {"CETP-2024": ["19 August – 13 September 2024", "19 August – 6 September 2024", "Seoul and Busan",
                             "Seoul and Chuncheon", "Intensive", "General"],
               "CATP-2024": ["2–6 September 2024", "5 September 2024", "delegation"]}[code]
    for snippet in offline:
        assert snippet in text, snippet
    for topic in ("## Time zones", "Korea time (KST, UTC+9)", "your own time zone", "## Netiquette", "offline phase",
                  "progress"):
        assert topic in text, topic
    participants = {"CETP-2024": "47 cultural professionals", "CATP-2024": "20 cultural administrators"}[code]
    assert participants in text

    assert tips.title == "Platform and low-bandwidth tips"
    assert "zip" in tips.body and "plain link" in tips.body
    for lesson in (welcome, tips):
        assert 250 <= _words(lesson.body) <= 600, lesson.title
        assert "<table>" in str(render_markdown(lesson.body))

    assert quiz.settings == QUIZ_SETTINGS and quiz.prerequisite_ids == [welcome.id]
    assert len(db.session.scalars(select(QuizQuestion).where(QuizQuestion.item_id == quiz.id)).all()) == 3
    start = ONLINE[code][0]
    assert quiz.due_at == datetime.combine(start, datetime.min.time().replace(hour=23, minute=59),
                                           KOREA).astimezone(UTC)


def test_the_demo_loads_again_with_reset_and_recreates_the_files(app, db, demo):
    def counts():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Unit, Item, QuizQuestion, StoredFile))

    before = counts()
    assert before == (2 + 5 * 2, 5 * 9 + 2 * 3, 5 * 5 + 2 * 3, 5)
    first_keys = set(db.session.scalars(select(StoredFile.storage_key)))
    for _ in range(2):
        result = run_demo(app, "--reset")
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert counts() == before
    stored = db.session.scalars(select(StoredFile)).all()
    assert first_keys.isdisjoint(file.storage_key for file in stored)
    for file in stored:
        assert file_path(file).read_bytes().startswith(b"%PDF")


def _files_in(folder) -> set[str]:
    return {path.name for path in folder.iterdir() if path.is_file()}


def test_reset_removes_the_files_of_the_deleted_stored_files(app, db, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    assert run_demo(app).exit_code == 0
    db.session.expire_all()
    first_keys = set(db.session.scalars(select(StoredFile.storage_key)))
    assert len(first_keys) == 5 and _files_in(folder) == first_keys

    result = run_demo(app, "--reset")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    keys = set(db.session.scalars(select(StoredFile.storage_key)))
    assert len(_files_in(folder)) == db.session.scalar(select(func.count()).select_from(StoredFile)) == 5
    assert _files_in(folder) == keys and keys.isdisjoint(first_keys)


def test_a_reset_that_fails_keeps_the_files(app, db, tmp_path, monkeypatch):
    """The rows come back with the rollback, so their files must stay."""
    from lms.demo import loader
    from lms.demo.loader import DemoError

    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    assert run_demo(app).exit_code == 0
    db.session.expire_all()
    keys = set(db.session.scalars(select(StoredFile.storage_key)))

    def broken_load(**_options):
        raise DemoError("simulated failure")

    monkeypatch.setattr(loader, "load_demo", broken_load)
    result = run_demo(app, "--reset")
    assert result.exit_code == 1 and "simulated failure" in result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(StoredFile.storage_key))) == keys
    assert _files_in(folder) == keys
