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
