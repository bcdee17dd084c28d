"""Participant pages of the online segment: outline, items, release rules, completion, downloads, offline zip."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentStatus
from lms.files.storage import RESOURCE_EXTENSIONS, UploadRules, save_upload
from lms.learning.completion import record_completion
from lms.learning.models import Completion, ItemPrerequisite
from tests import factories as f
from tests.helpers import post_form

PDF = b"%PDF-1.4 " + bytes(range(256)) * 8  # 2 KB and a bit


def upload(name="reading.pdf", data=PDF, by=None):
    return save_upload(FileStorage(io.BytesIO(data), filename=name),
                       UploadRules(RESOURCE_EXTENSIONS, 5 * 1024 * 1024), by)


def completions(user, item):
    return list(Completion.query.filter_by(user_id=user.id, item_id=item.id))


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def course(world, db):
    """Orientation (program-wide) and one unit of world.module; one unit of world.other_module."""
    orientation = f.make_unit(None, program=world.program, title="Orientation", position=0)
    welcome = f.make_item(orientation, "lesson", title="Welcome", position=1, body="Hello **everyone**.")
    unit = f.make_unit(world.module, title="Week 1", position=1)
    intro = f.make_item(unit, "lesson", title="Intro", position=1, body="The intro text.")
    locked = f.make_item(unit, "lesson", title="Deep dive", position=2, prerequisites=[intro],
                         body="SECRET deep dive content")
    later = f.make_item(unit, "lesson", title="Next week", position=3, opens_at=utcnow() + timedelta(days=2),
                        body="SECRET future content")
    other = f.make_item(f.make_unit(world.other_module, title="Festivals"), "lesson", title="Festivals 101")
    db.session.commit()
    return dict(orientation=orientation, welcome=welcome, unit=unit, intro=intro, locked=locked, later=later,
                other=other)


# --- The outline ------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [
    ("participant", 200), ("trainer", 200), ("coordinator", 200), ("other_trainer", 403),
    ("other_participant", 403),
])
def test_outline_access(client, login, world, course, role, status):
    login(client, getattr(world, role))
    assert client.get(f"/learn/modules/{world.module.id}").status_code == status


def test_outline_shows_program_wide_units_first_with_states(client, login, world, course, db):
    course["intro"].due_at = utcnow() + timedelta(days=3, hours=1)
    f.make_item(course["unit"], "lesson", title="Hidden one", hidden=True)
    f.make_item(course["unit"], "lesson", title="Archived one", archived_at=utcnow())
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/modules/{world.module.id}")
    assert status == 200
    assert html.index("Orientation") < html.index("Week 1")
    assert "For the whole program" in html
    assert "Hidden one" not in html and "Archived one" not in html and "Festivals 101" not in html
    assert "Complete “Intro” first." in html  # locked with the reason
    assert "Opens in 2 days" in html  # relative hint
    assert "Due in 3 days" in html
    assert "Africa/Nairobi" in html  # dates in the viewer's zone, zone named
    assert "0 of 4 required items done (0%)" in html
    assert 'class="w-0"' in html
    assert f'href="/learn/items/{course["welcome"].id}">Continue where you left off' in html.replace(
        'class="button continue-link" ', "")


def test_completion_shows_on_the_outline_at_once(client, login, world, course):
    login(client, world.participant)
    response = post_form(client, f"/learn/items/{course['welcome'].id}/leave", {"go": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/learn/items/{course['intro'].id}")
    status, html = page(client, f"/learn/modules/{world.module.id}")
    assert "1 of 4 required items done (25%)" in html
    assert 'class="w-25"' in html
    assert "Done on" in html and "(viewed)" in html
    # "Continue" now points at the next open item.
    assert re.search(rf'href="/learn/items/{course["intro"].id}">\s*Continue where you left off', html.replace(
        'class="button continue-link" ', ""))


def test_trainer_sees_the_outline_without_personal_states(client, login, world, course):
    login(client, world.trainer)
    status, html = page(client, f"/learn/modules/{world.module.id}")
    assert "You see this outline as participants see it" in html
    assert "Your progress" not in html
    assert f'/learn/modules/{world.module.id}/progress' in html


def test_program_outline_for_a_participant_without_module(client, login, world, course, db):
    person = f.make_user()
    f.enrol(person, world.program)
    db.session.commit()
    login(client, person)
    status, html = page(client, f"/learn/programs/{world.program.id}")
    assert status == 200 and "Welcome" in html and "Intro" not in html
    # Participants with a module are sent to their module's outline.
    login(client, world.participant)
    response = client.get(f"/learn/programs/{world.program.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/learn/modules/{world.module.id}")


# --- Items: access, visibility, locks -----------------------------------------------


def test_participant_reads_a_lesson(client, login, world, course):
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{course['welcome'].id}")
    assert status == 200
    assert "Hello <strong>everyone</strong>." in html
    assert "Done — continue" in html
    # Navigation records the reading: POST forms, not links.
    assert f'action="/learn/items/{course["welcome"].id}/leave"' in html
    assert "Next: Intro" in html
    assert completions(world.participant, course["welcome"]) == []  # GET records nothing


def test_previous_and_back_to_outline(client, login, world, course):
    login(client, world.participant)
    response = post_form(client, f"/learn/items/{course['intro'].id}/leave", {"go": "-1"})
    assert response.headers["Location"].endswith(f"/learn/items/{course['welcome'].id}")
    response = post_form(client, f"/learn/items/{course['intro'].id}/leave", {"go": "0"})
    assert response.headers["Location"].endswith(f"/learn/modules/{world.module.id}")
    response = post_form(client, f"/learn/items/{course['intro'].id}/leave", {"go": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/learn/modules/{world.module.id}")
    assert [c.how for c in completions(world.participant, course["intro"])] == ["viewed"]


@pytest.mark.parametrize("key", ["locked", "later"])
def test_locked_item_shows_why_and_never_the_content(client, login, world, course, key):
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{course[key].id}")
    assert status == 403
    assert "This item is locked for now." in html
    assert "SECRET" not in html
    if key == "locked":
        assert "Complete “Intro” first." in html
        assert f'href="/learn/items/{course["intro"].id}">Intro</a>' in html
    else:
        assert "It opens by itself on" in html and "in 2 days" in html


def test_locked_item_opens_once_its_prerequisite_is_done(client, login, world, course):
    login(client, world.participant)
    post_form(client, f"/learn/items/{course['intro'].id}/leave", {"go": "1"})
    status, html = page(client, f"/learn/items/{course['locked'].id}")
    assert status == 200 and "SECRET deep dive content" in html


@pytest.mark.parametrize("change", [{"hidden": True}, {"archived": True}, {"unit_hidden": True}])
def test_hidden_and_archived_items_do_not_exist_for_participants(client, login, world, course, db, change):
    item = course["intro"]
    if change.get("hidden"):
        item.hidden = True
    if change.get("archived"):
        item.archived_at = utcnow()
    if change.get("unit_hidden"):
        item.unit.hidden = True
    db.session.commit()
    login(client, world.participant)
    assert client.get(f"/learn/items/{item.id}").status_code == 404
    assert post_form(client, f"/learn/items/{item.id}/done").status_code == 404
    for role in ("trainer", "coordinator"):
        login(client, getattr(world, role))
        status, html = page(client, f"/learn/items/{item.id}")
        assert status == 200
        assert "Hidden from participants" in html
        assert "The intro text." in html


def test_trainer_previews_locked_items_and_sees_the_rules(client, login, world, course):
    login(client, world.trainer)
    status, html = page(client, f"/learn/items/{course['locked'].id}")
    assert status == 200 and "SECRET deep dive content" in html
    assert "For participants this item is locked until:" in html
    assert "Preview: you see this item as participants do." in html


@pytest.mark.parametrize("who", ["other_participant", "withdrawn", "invited", "other_trainer"])
def test_people_outside_the_module_cannot_open_its_items(client, login, world, course, db, who):
    if who in ("withdrawn", "invited"):
        world.enrolment.status = (EnrolmentStatus.WITHDRAWN if who == "withdrawn" else EnrolmentStatus.INVITED).value
        db.session.commit()
        user = world.participant
    else:
        user = getattr(world, who)
    login(client, user)
    for url in (f"/learn/items/{course['intro'].id}", f"/learn/modules/{world.module.id}",
                f"/learn/units/{course['unit'].id}/offline.zip"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, f"/learn/items/{course['intro'].id}/done").status_code == 403


def test_participants_of_other_modules_see_the_program_wide_units(client, login, world, course):
    login(client, world.other_participant)
    assert client.get(f"/learn/items/{course['welcome'].id}").status_code == 200
    assert client.get(f"/learn/items/{course['other'].id}").status_code == 200
    assert client.get(f"/learn/items/{course['intro'].id}").status_code == 403


def test_anonymous_is_sent_to_login(client, course):
    response = client.get(f"/learn/items/{course['intro'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_lesson_markdown_is_sanitised(client, login, world, db):
    unit = f.make_unit(world.module)
    item = f.make_item(unit, "lesson", body=(
        '<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n<img src=x onerror="alert(3)">\n\n'
        '<svg onload="alert(4)"></svg>'))
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{item.id}")
    assert status == 200
    assert "<script>alert" not in html and 'href="javascript:' not in html
    assert "<img src" not in html and "<svg" not in html
    assert "&lt;script&gt;alert(1)" in html  # shown as text


# --- Marking as done ----------------------------------------------------------------


def test_mark_done_is_idempotent(client, login, world, db):
    unit = f.make_unit(world.module)
    item = f.make_item(unit, "lesson", completion_rule="mark_done")
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{item.id}")
    assert "Mark as done" in html and "Done — continue" not in html
    first = post_form(client, f"/learn/items/{item.id}/done")
    assert first.status_code == 302
    first_at = completions(world.participant, item)[0].completed_at
    second = post_form(client, f"/learn/items/{item.id}/done")
    assert second.status_code == 302
    records = completions(world.participant, item)
    assert len(records) == 1 and records[0].how == "marked_done" and records[0].completed_at == first_at
    status, html = page(client, f"/learn/items/{item.id}")
    assert "Done on" in html and "(marked as done)" in html and "Mark as done" not in html


def test_mark_done_refused_for_quizzes_and_downloads(client, login, world, db):
    unit = f.make_unit(world.module)
    quiz = f.make_quiz(unit)
    file_item = f.make_item(unit, "file", file_id=upload().id)
    db.session.commit()
    login(client, world.participant)
    for item in (quiz, file_item):
        response = post_form(client, f"/learn/items/{item.id}/done")
        assert response.status_code == 400
        assert "cannot be marked as done by hand" in response.get_data(as_text=True)
        assert completions(world.participant, item) == []


def test_mark_done_refused_when_locked(client, login, world, course, db):
    course["locked"].completion_rule = "mark_done"
    db.session.commit()
    login(client, world.participant)
    response = post_form(client, f"/learn/items/{course['locked'].id}/done")
    assert response.status_code == 403
    assert "SECRET" not in response.get_data(as_text=True)
    assert completions(world.participant, course["locked"]) == []


def test_mark_done_refused_for_trainers(client, login, world, course):
    login(client, world.trainer)
    response = post_form(client, f"/learn/items/{course['intro'].id}/done")
    assert response.status_code == 403
    assert "Only participants" in response.get_data(as_text=True)
    assert Completion.query.count() == 0


def test_mark_done_needs_csrf(client, login, world, course):
    login(client, world.participant)
    assert client.post(f"/learn/items/{course['intro'].id}/done").status_code == 400
    assert Completion.query.count() == 0


def test_trainer_navigation_records_nothing(client, login, world, course):
    login(client, world.trainer)
    response = post_form(client, f"/learn/items/{course['welcome'].id}/leave", {"go": "1"})
    assert response.status_code == 302
    assert Completion.query.count() == 0


def test_link_item_embeds_the_video_with_a_plain_link(client, login, world, db):
    unit = f.make_unit(world.module)
    video = f.make_item(unit, "link", title="Talk", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    plain = f.make_item(unit, "link", title="Article", url="https://example.org/article")
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{video.id}")
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Talk" loading="lazy"' in html
    assert "allowfullscreen" in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert "I have watched or read it" in html
    status, html = page(client, f"/learn/items/{plain.id}")
    assert "<iframe" not in html and 'href="https://example.org/article"' in html
    assert post_form(client, f"/learn/items/{video.id}/done").status_code == 302
    assert [c.how for c in completions(world.participant, video)] == ["viewed"]


def test_quiz_item_goes_to_the_quiz(app, client, login, world, db):
    quiz = f.make_quiz(f.make_unit(world.module), body="Ten questions on the week.")
    db.session.commit()
    login(client, world.participant)
    response = client.get(f"/learn/items/{quiz.id}")
    if "quizzes.take" in app.view_functions:
        assert response.status_code == 302
        with app.test_request_context():
            from flask import url_for

            assert response.headers["Location"].endswith(url_for("quizzes.take", item_id=quiz.id))
    else:
        assert response.status_code == 200 and "Ten questions on the week." in response.get_data(as_text=True)


def test_live_session_page_shows_its_times_in_the_viewers_zone(client, login, world, db):
    start = utcnow().replace(microsecond=0) + timedelta(days=2, minutes=5)
    item = f.make_item(f.make_unit(world.module), "live_session", body="Meet the trainers.",
                       url="https://meet.example.org/room",
                       settings={"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()})
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{item.id}")
    assert status == 200 and "Meet the trainers." in html
    assert "in 2 days" in html and "Africa/Nairobi" in html
    assert 'href="https://meet.example.org/room"' in html


@pytest.mark.parametrize("kind", ["assignment", "live_session"])
def test_assignment_and_live_session_pages(client, login, world, db, kind):
    item = f.make_item(f.make_unit(world.module), kind, body="What to do.",
                       opens_at=utcnow() - timedelta(hours=1), due_at=utcnow() + timedelta(days=5))
    db.session.commit()
    login(client, world.participant)
    if kind == "assignment":  # participants hand in their work on the assignment page
        response = client.get(f"/learn/items/{item.id}")
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/assignments/{item.id}")
    status, html = page(client, f"/assignments/{item.id}" if kind == "assignment" else f"/learn/items/{item.id}")
    assert status == 200 and "What to do." in html
    assert "due in 5 days" in html.lower() and "Africa/Nairobi" in html


# --- Files ------------------------------------------------------------------------------


def _file_item(world, db, **extra):
    stored = upload()
    item = f.make_item(f.make_unit(world.module), "file", title="Reading", file_id=stored.id, **extra)
    db.session.commit()
    return item, stored


def test_file_page_shows_size_and_download(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{item.id}")
    assert "reading.pdf" in html and "PDF" in html and "KB" in html
    assert f'href="/learn/items/{item.id}/download"' in html


def test_download_records_completion(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    with client.get(f"/learn/items/{item.id}/download") as response:
        assert response.status_code == 200
        assert response.data == PDF
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert [c.how for c in completions(world.participant, item)] == ["downloaded"]


def test_download_resumes_with_range(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    with client.get(f"/learn/items/{item.id}/download", headers={"Range": "bytes=100-199"}) as response:
        assert response.status_code == 206
        assert response.data == PDF[100:200]
        assert response.headers["Content-Range"] == f"bytes 100-199/{len(PDF)}"
    assert completions(world.participant, item) == []  # a resumed part does not count on its own
    with client.get(f"/learn/items/{item.id}/download", headers={"Range": "bytes=0-99"}) as response:
        assert response.status_code == 206 and response.data == PDF[:100]
    assert len(completions(world.participant, item)) == 1


def test_trainer_download_records_nothing(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.trainer)
    with client.get(f"/learn/items/{item.id}/download") as response:
        assert response.status_code == 200
    assert Completion.query.count() == 0


def test_locked_file_cannot_be_downloaded(client, login, world, db):
    item, stored = _file_item(world, db, opens_at=utcnow() + timedelta(days=1))
    login(client, world.participant)
    response = client.get(f"/learn/items/{item.id}/download")
    assert response.status_code == 403 and PDF[:20].decode("latin-1") not in response.get_data(as_text=True)
    assert client.get(f"/learn/items/{item.id}/files/{stored.id}").status_code == 403


def test_download_of_an_item_without_file_is_404(client, login, world, course):
    login(client, world.participant)
    assert client.get(f"/learn/items/{course['intro'].id}/download").status_code == 404


def test_item_file_serves_only_referenced_files(client, login, world, db):
    image = upload("map.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    stranger = upload("other.pdf")
    lesson = f.make_item(f.make_unit(world.module), "lesson", settings={"images": [image.id]},
                         body=f"![Map](/learn/items/0/files/{image.id})")
    db.session.commit()
    login(client, world.participant)
    with client.get(f"/learn/items/{lesson.id}/files/{image.id}") as response:
        assert response.status_code == 200 and response.mimetype == "image/png"
    assert client.get(f"/learn/items/{lesson.id}/files/{stranger.id}").status_code == 404
    login(client, world.other_participant)
    assert client.get(f"/learn/items/{lesson.id}/files/{image.id}").status_code == 403
    login(client, world.trainer)
    with client.get(f"/learn/items/{lesson.id}/files/{image.id}") as response:
        assert response.status_code == 200


# --- Offline package ------------------------------------------------------------------------


def _zip(client, unit):
    with client.get(f"/learn/units/{unit.id}/offline.zip") as response:
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "application/zip"
        assert "attachment" in response.headers["Content-Disposition"]
        return zipfile.ZipFile(io.BytesIO(response.data))


def test_unit_zip_holds_lessons_files_and_links(client, login, world, course, db):
    unit = course["unit"]
    image = upload("map.png", b"\x89PNG\r\n\x1a\n" + b"1" * 64)
    illustrated = f.make_item(unit, "lesson", title="Maps & charts", position=4, settings={"images": [image.id]})
    db.session.flush()
    illustrated.body = f"A map:\n\n![Map](/learn/items/{illustrated.id}/files/{image.id})"
    f.make_item(unit, "file", title="Reading A", position=5, file_id=upload("reading.pdf").id)
    f.make_item(unit, "file", title="Reading B", position=6, file_id=upload("reading.pdf", PDF + b"x").id)
    f.make_item(unit, "link", title="Talk", position=7, url="https://vimeo.com/76979871")
    f.make_item(unit, "lesson", title="Hidden draft", position=8, hidden=True, body="DRAFT")
    db.session.commit()

    login(client, world.participant)
    archive = _zip(client, unit)
    names = archive.namelist()
    assert "week-1/index.html" in names and "week-1/style.css" in names
    assert "week-1/01-intro.html" in names
    assert "week-1/02-maps-charts.html" in names
    assert "week-1/files/reading.pdf" in names and "week-1/files/reading (2).pdf" in names
    assert archive.read("week-1/files/reading.pdf") == PDF
    assert f"week-1/images/{image.id}-map.png" in names
    lesson = archive.read("week-1/02-maps-charts.html").decode()
    assert f'src="images/{image.id}-map.png"' in lesson
    assert 'href="style.css"' in lesson and "style=" not in lesson.replace('stylesheet" href="style.css', "")
    assert "The intro text." in archive.read("week-1/01-intro.html").decode()
    index = archive.read("week-1/index.html").decode()
    assert "https://vimeo.com/76979871" in index
    # Locked lessons are left out, with a note.
    assert "SECRET" not in "".join(archive.read(name).decode("utf-8", "replace") for name in names)
    assert "Deep dive" in index and "Locked when this file was made" in index
    assert "Hidden draft" not in index and "DRAFT" not in index


def test_unit_zip_for_a_trainer_includes_every_visible_lesson(client, login, world, course):
    login(client, world.trainer)
    archive = _zip(client, course["unit"])
    assert any("SECRET deep dive content" in archive.read(name).decode() for name in archive.namelist()
               if name.endswith(".html"))


def test_hidden_unit_zip_is_404_for_participants(client, login, world, course, db):
    course["unit"].hidden = True
    db.session.commit()
    login(client, world.participant)
    assert client.get(f"/learn/units/{course['unit'].id}/offline.zip").status_code == 404


# --- Home page ------------------------------------------------------------------------------


def test_home_shows_progress_and_continue_link(client, login, world, course, db):
    record_completion(world.participant, course["welcome"], "viewed")
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, "/")
    assert "1 of 4 required items done (25%)" in html
    assert f'href="/learn/items/{course["intro"].id}">Continue where you left off' in html
    assert f'href="/learn/modules/{world.module.id}"' in html


def test_home_links_trainers_to_outline_and_grid(client, login, world, course):
    login(client, world.trainer)
    status, html = page(client, "/")
    assert f'href="/learn/modules/{world.module.id}/progress"' in html
    assert f'href="/learn/modules/{world.module.id}"' in html


def test_completion_count_is_one_per_person_and_item(world, course, db):
    record_completion(world.participant, course["intro"], "viewed")
    record_completion(world.participant, course["intro"], "marked_done")
    db.session.commit()
    assert db.session.scalar(select(func.count(Completion.id))) == 1


# --- Resuming downloads: HTTP range edge cases ------------------------------------------


def _get(client, url, **headers):
    with client.get(url, headers=headers) as response:
        return response.status_code, response.headers, response.data


def test_download_answers_head_and_advertises_ranges(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    with client.head(f"/learn/items/{item.id}/download") as response:
        assert response.status_code == 200
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.headers["Content-Length"] == str(len(PDF))
        assert response.headers["ETag"] == f'"{stored.sha256}"'
        assert response.data == b""
    assert completions(world.participant, item) == []  # a HEAD is not a download


@pytest.mark.parametrize("header, start", [("bytes=100-", 100), ("bytes=-57", len(PDF) - 57),
                                           ("bytes=2000-999999", 2000)])
def test_download_resumes_open_ended_and_suffix_ranges(client, login, world, db, header, start):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    status, headers, data = _get(client, f"/learn/items/{item.id}/download", Range=header)
    assert status == 206
    assert data == PDF[start:]
    assert headers["Content-Range"] == f"bytes {start}-{len(PDF) - 1}/{len(PDF)}"
    assert completions(world.participant, item) == []


def test_if_range_resumes_the_same_file_and_restarts_a_changed_one(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    url = f"/learn/items/{item.id}/download"
    status, headers, data = _get(client, url, Range="bytes=100-", **{"If-Range": f'"{stored.sha256}"'})
    assert status == 206 and data == PDF[100:]
    assert completions(world.participant, item) == []
    # The trainer replaced the file since the first part was fetched: the whole new file comes back.
    status, headers, data = _get(client, url, Range="bytes=100-", **{"If-Range": '"an-older-version"'})
    assert status == 200 and data == PDF and "Content-Range" not in headers
    assert [c.how for c in completions(world.participant, item)] == ["downloaded"]  # the whole file was sent


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "bytes=abc", "items=0-5", "bytes=5-2"])
def test_unusable_range_headers_are_ignored_and_the_whole_file_is_sent(client, login, world, db, header):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    status, headers, data = _get(client, f"/learn/items/{item.id}/download", Range=header)
    assert status == 200 and data == PDF
    assert len(completions(world.participant, item)) == 1


def test_range_past_the_end_is_416_with_the_size(client, login, world, db):
    item, stored = _file_item(world, db)
    login(client, world.participant)
    status, headers, data = _get(client, f"/learn/items/{item.id}/download", Range=f"bytes={len(PDF)}-")
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(PDF)}"
    assert PDF[:8] not in data
    assert completions(world.participant, item) == []
    # Unless the file changed (If-Range no longer matches): then it is sent whole.
    status, headers, data = _get(client, f"/learn/items/{item.id}/download", Range=f"bytes={len(PDF)}-",
                                 **{"If-Range": '"an-older-version"'})
    assert status == 200 and data == PDF


def test_a_file_missing_on_disk_is_404(client, login, world, db):
    from lms.files.storage import file_path

    item, stored = _file_item(world, db)
    file_path(stored).unlink()
    login(client, world.participant)
    assert client.get(f"/learn/items/{item.id}/download").status_code == 404
    assert completions(world.participant, item) == []


# --- Locked items never leak, whatever the address or the format asked for -----------------


def test_locked_item_addresses_never_leak_content(client, login, world, db):
    unit = f.make_unit(world.module, title="Week 9")
    first = f.make_item(unit, "lesson", title="First steps", position=1, body="Open text.")
    image = upload("plan.png", b"\x89PNG\r\n\x1a\n" + b"SECRETPNG" * 8)
    stored = upload("secret.pdf", PDF + b"SECRETPDF")
    lesson = f.make_item(unit, "lesson", title="Locked lesson", position=2, prerequisites=[first],
                         body=f"SECRET lesson ![plan](/learn/items/0/files/{image.id})",
                         settings={"images": [image.id]})
    document = f.make_item(unit, "file", title="Locked file", position=3, prerequisites=[first],
                           file_id=stored.id, body="SECRET description")
    video = f.make_item(unit, "link", title="Locked video", position=4, opens_at=utcnow() + timedelta(days=3),
                        url="https://vimeo.com/76979871", body="SECRET video notes")
    db.session.commit()
    login(client, world.participant)
    json_headers = {"Accept": "application/json"}
    for item in (lesson, document, video):
        for headers in ({}, json_headers):
            response = client.get(f"/learn/items/{item.id}", headers=headers)
            body = response.get_data(as_text=True)
            assert response.status_code == 403, (item.title, headers)
            assert "SECRET" not in body and "76979871" not in body
        assert response.is_json
        error = response.get_json()["error"]
        assert error["item"] == {"id": item.id, "title": item.title} and error["reasons"]
        assert post_form(client, f"/learn/items/{item.id}/done").status_code == 403
    assert client.get(f"/learn/items/{lesson.id}", headers=json_headers).get_json()["error"]["complete_first"] == [
        {"id": first.id, "title": "First steps", "url": f"/learn/items/{first.id}"}]
    assert client.get(f"/learn/items/{video.id}", headers=json_headers).get_json()["error"]["opens_at"]
    for url in (f"/learn/items/{document.id}/download", f"/learn/items/{document.id}/files/{stored.id}",
                f"/learn/items/{lesson.id}/files/{image.id}"):
        for headers in ({}, json_headers, {"Range": "bytes=0-"}):
            status, _headers, data = _get(client, url, **headers)
            assert status == 403, url
            assert b"SECRET" not in data and not data.startswith(b"%PDF")
    assert completions(world.participant, document) == []
    archive = _zip(client, unit)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"SECRET" not in everything and b"76979871" not in everything
    assert not any(name.endswith((".pdf", ".png")) for name in archive.namelist())
    outline = client.get(f"/learn/modules/{world.module.id}").get_data(as_text=True)
    assert "Locked lesson" in outline and "SECRET" not in outline


# --- Videos: embedded players allowed by the page's Content Security Policy ------------------


@pytest.mark.parametrize("url, player", [
    ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
])
def test_embedded_player_is_allowed_by_the_csp(client, login, world, db, url, player):
    video = f.make_item(f.make_unit(world.module), "link", title="Talk", url=url)
    db.session.commit()
    login(client, world.participant)
    response = client.get(f"/learn/items/{video.id}")
    html = response.get_data(as_text=True)
    assert f'<iframe src="{player}"' in html and f'href="{url}"' in html  # the player and the plain link
    frame_src = next(part.split()[1:] for part in response.headers["Content-Security-Policy"].split(";")
                     if part.split() and part.split()[0] == "frame-src")
    assert "https://" + player.split("/")[2] in frame_src


# --- Markdown XSS payloads: lesson pages, unit summaries and the offline copy -----------------

XSS_PAYLOADS = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=\"alert('x2')\">",
    "<a href=\"javascript:alert('x3')\">raw link</a>",
    "[md link](javascript:alert('x4'))",
    "[mixed case](JaVaScRiPt:alert('x5'))",
    "[entity](javascript&#58;alert('x6'))",
    "[spaced](  javascript:alert('x7') )",
    "![image](javascript:alert('x8'))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgneDknKTwvc2NyaXB0Pg==)",
    "<svg onload=\"alert('x10')\"><script>alert('x10')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('x11')\"><text>svg link</text></a></svg>",
    "<math><mtext><img src=x onerror=alert('x12')></mtext></math>",
    "![x](https://example.org/a.png \"title\" onerror=\"alert('x13')\")",
    "[title](https://example.org/ \"a\\\" onmouseover=\\\"alert('x14')\")",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<style>body{display:none}</style><div style=\"background:url(javascript:alert('x15'))\">styled</div>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert('x16')> | [c](javascript:alert('x17')) |",
]


def _assert_inert(html: str) -> None:
    """Parse the HTML as a browser would and look at the real tags and attributes (text is harmless)."""
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    assert found, html
    for tag, attrs in found:
        assert tag not in {"script", "svg", "math", "iframe", "style", "object", "embed", "form", "base"}, html
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", html
            if name in ("href", "src", "xlink:href"):
                scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower().split(":", 1)
                assert len(scheme) == 1 or scheme[0] in ("http", "https", "mailto"), html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_xss_payloads_are_inert(client, login, world, db, payload):
    unit = f.make_unit(world.module, title="Week X", summary=payload)
    lesson = f.make_item(unit, "lesson", title="Lesson X", body=f"Before.\n\n{payload}\n\nAfter.")
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{lesson.id}")
    assert status == 200 and "Before." in html and "After." in html
    _assert_inert(html.split('<div class="lesson-body">', 1)[1].split("</div>", 1)[0])
    status, html = page(client, f"/learn/modules/{world.module.id}")
    _assert_inert(html.split('<div class="unit-summary">', 1)[1].split("</div>", 1)[0])
    archive = _zip(client, unit)
    offline = archive.read("week-x/01-lesson-x.html").decode()
    assert "After." in offline
    _assert_inert(offline)


def test_a_locked_overdue_item_says_both(client, login, world, course, db):
    course["locked"].due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    login(client, world.participant)
    status, html = page(client, f"/learn/modules/{world.module.id}")
    row = html.split(f'class="item-title" href="/learn/items/{course["locked"].id}">Deep dive</a>', 1)[1]
    row = row.split('<li class="item-row', 1)[0]
    assert ">Locked</span>" in row and ">Overdue</span>" in row and "Complete “Intro” first." in row
    status, html = page(client, f"/learn/items/{course['locked'].id}")
    assert status == 403 and ">Overdue</span>" in html and "Was due 1 day ago" in html
    assert "SECRET" not in html


# --- Release rules hold for every kind, at every address of the item ----------------------


def _item_of_kind(unit, kind, **rules):
    if kind == "assignment":
        item = f.make_assignment(unit, title="Kind item").item
        item.body = "SECRET instructions"
    elif kind == "quiz":
        item = f.make_quiz(unit, title="Kind item", body="SECRET quiz intro")
    elif kind == "file":
        item = f.make_item(unit, "file", title="Kind item", file_id=upload().id, body="SECRET notes")
    elif kind == "link":
        item = f.make_item(unit, "link", title="Kind item", url="https://vimeo.com/76979871", body="SECRET notes")
    else:
        item = f.make_item(unit, kind, title="Kind item", body="SECRET text", url="https://meet.example.org/SECRET"
                           if kind == "live_session" else None)
    for name, value in rules.items():
        setattr(item, name, value)
    return item


KIND_ADDRESSES = {
    "lesson": ["/learn/items/{id}"],
    "file": ["/learn/items/{id}", "/learn/items/{id}/download"],
    "link": ["/learn/items/{id}"],
    "quiz": ["/learn/items/{id}", "/quizzes/{id}"],
    "assignment": ["/learn/items/{id}", "/assignments/{id}"],
    "live_session": ["/learn/items/{id}"],
}


@pytest.mark.parametrize("kind", list(KIND_ADDRESSES))
@pytest.mark.parametrize("rule", ["date", "prerequisite"])
def test_release_rules_for_every_kind(client, login, world, db, kind, rule):
    unit = f.make_unit(world.module, title="Week R")
    first = f.make_item(unit, "lesson", title="Read me first", position=0)
    if rule == "date":
        item = _item_of_kind(unit, kind, opens_at=utcnow() + timedelta(days=2))
    else:
        item = _item_of_kind(unit, kind)
        db.session.flush()
        item.prerequisite_links.append(ItemPrerequisite(required_item_id=first.id))
    db.session.commit()
    login(client, world.participant)
    for address in KIND_ADDRESSES[kind]:
        url = address.format(id=item.id)
        with client.get(url) as response:
            body = response.get_data()
            assert response.status_code == 403, url
            assert b"SECRET" not in body and b"76979871" not in body and not body.startswith(b"%PDF")
            text = body.decode()
            assert ("in 2 days" in text) if rule == "date" else ("Read me first" in text), url
    assert completions(world.participant, item) == []
    # What unlocks it, unlocks it.
    if rule == "date":
        item.opens_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    else:
        post_form(client, f"/learn/items/{first.id}/leave", {"go": "1"})
    for address in KIND_ADDRESSES[kind]:
        with client.get(address.format(id=item.id)) as response:
            assert response.status_code in (200, 302), address


def test_file_marked_done_by_hand_when_the_trainer_asks_for_it(client, login, world, db):
    item, stored = _file_item(world, db, completion_rule="mark_done")
    login(client, world.participant)
    status, html = page(client, f"/learn/items/{item.id}")
    assert "Mark as done" in html and "Mark it as done when you have finished." in html
    with client.get(f"/learn/items/{item.id}/download") as response:
        assert response.status_code == 200
    assert completions(world.participant, item) == []  # downloading is not what completes this one
    assert post_form(client, f"/learn/items/{item.id}/done").status_code == 302
    [record] = completions(world.participant, item)
    assert record.how == "marked_done" and record.completed_at is not None
    status, html = page(client, f"/learn/modules/{world.module.id}")
    assert "(marked as done)" in html
