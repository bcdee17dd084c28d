"""A too-large file is refused in the browser before it is sent, and the typed text stays."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.assignments.models import SubmissionVersion
from tests import factories
from tests.browser.test_browser_smoke import sign_in

pytestmark = pytest.mark.browser


def test_too_large_file_is_refused_before_upload_and_text_is_kept(live_server, page, world, db, tmp_path):
    assignment = factories.make_assignment(factories.make_unit(world.module), max_file_bytes=1024,
                                           allowed_extensions=["pdf"])
    db.session.commit()
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"x" * 5000)
    sign_in(page, live_server, world.participant)
    page.goto(f"{live_server}/assignments/{assignment.item_id}")
    page.fill("textarea[name=text]", "My long answer that must not be lost")
    page.set_input_files("input[type=file]", str(big))
    page.click("form.submission-form button[type=submit]:not([formaction])")
    error = page.locator(".error.client-check")
    error.wait_for()
    assert "big.pdf" in error.inner_text()
    assert page.input_value("textarea[name=text]") == "My long answer that must not be lost"
    assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 0


def test_trainer_resource_upload_too_large_is_refused_before_upload(live_server, page, world, db, tmp_path,
                                                                     app, monkeypatch):
    monkeypatch.setitem(app.config, "RESOURCE_MAX_BYTES", 2048)
    unit = factories.make_unit(world.module)
    db.session.commit()
    big = tmp_path / "slides.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"x" * 10_000)
    sign_in(page, live_server, world.trainer)
    page.goto(f"{live_server}/units/{unit.id}/items/new?kind=file")
    page.fill("input[name=title]", "Week 1 slides")
    page.set_input_files("input[type=file]", str(big))
    page.locator("form.authoring-form button[type=submit]").first.click()
    error = page.locator(".error.client-check")
    error.wait_for()
    assert "slides.pdf" in error.inner_text()
    assert page.input_value("input[name=title]") == "Week 1 slides"


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Paris", java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def test_without_javascript_a_body_over_the_server_limit_keeps_the_typed_text(live_server, no_script_page, world,
                                                                               db, tmp_path, app, monkeypatch):
    """The server's own path: the body is larger than MAX_CONTENT_LENGTH, the page comes back with the
    message next to the file field and the text as typed (not a bare 413 page, not a reset connection)."""
    page = no_script_page
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    assignment = factories.make_assignment(factories.make_unit(world.module), allowed_extensions=["pdf"])
    db.session.commit()
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4 " + b"x" * 200_000)
    sign_in(page, live_server, world.participant)
    page.goto(f"{live_server}/assignments/{assignment.item_id}")
    page.fill("textarea[name=text]", "Typed without JavaScript — 보고서")
    page.set_input_files("input[type=file]", str(big))
    page.click("form.submission-form button[type=submit]:not([formaction])")
    page.wait_for_load_state()
    assert page.input_value("textarea[name=text]") == "Typed without JavaScript — 보고서"
    assert "The files are too large" in page.inner_text("#files-error")
    assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 0


def test_the_grading_page_previews_a_pdf_inline(live_server, page, world, db):
    import io

    from werkzeug.datastructures import FileStorage

    from lms.assignments.models import Submission, SubmissionFile
    from lms.core.database import utcnow
    from lms.files.storage import UploadRules, save_upload

    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
           b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    assignment = factories.make_assignment(factories.make_unit(world.module))
    submission = Submission(assignment=assignment, user_id=world.participant.id)
    version = SubmissionVersion(submission=submission, number=1, author_id=world.participant.id,
                                submitted_at=utcnow(), receipt="a" * 64)
    stored = save_upload(FileStorage(io.BytesIO(pdf), filename="essay.pdf"), UploadRules(frozenset({"pdf"}), 10_000),
                         uploaded_by=world.participant)
    db.session.add_all([submission, version, SubmissionFile(version=version, file_id=stored.id)])
    db.session.commit()
    sign_in(page, live_server, world.trainer)
    response = page.goto(f"{live_server}/submissions/{submission.id}/grade")
    assert response.status == 200
    page.locator("iframe.submission-preview-frame").wait_for()
    page.wait_for_timeout(1000)
    urls = [frame.url for frame in page.frames]
    # The PDF loaded in its frame (the page's CSP and the file's headers allow it), with nothing
    # blocked on the page itself.
    assert any(url.endswith(f"/grading-files/{stored.id}?preview=1") for url in urls)
    assert not [error for error in page.console_errors if "Content Security Policy" in error]
