"""Real-browser checks: the pages work under the Content-Security-Policy, forms behave."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base_url, user):
    page.goto(f"{base_url}/")
    assert "/login" in page.url
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_participant_signs_in_and_sees_program_without_console_errors(live_server, page, world):
    sign_in(page, live_server, world.participant)
    assert page.url.rstrip("/") == live_server
    body = page.inner_text("main")
    assert world.program.name in body
    assert world.module.title in body
    # The stylesheet loaded (CSP allows only same-origin files) and nothing was blocked.
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    )
    assert page.console_errors == []


def test_wrong_password_keeps_email_and_shows_message(live_server, page, world):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", world.participant.email)
    page.fill("input[name=password]", "not-the-password")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.input_value("input[name=email]") == world.participant.email
    assert page.locator(".error, .form-errors").count() >= 1
    assert page.console_errors == []


def test_coordinator_pages_render_without_console_errors(live_server, page, world):
    sign_in(page, live_server, world.coordinator)
    for path in ["/", "/profile"]:
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").count() >= 1
    for link in page.locator("nav.main-nav a").all():
        href = link.get_attribute("href")
        response = page.goto(f"{live_server}{href}")
        assert response.status == 200, href
    assert page.console_errors == []


def test_sign_out_ends_the_session(live_server, page, world):
    sign_in(page, live_server, world.participant)
    page.click(".user-menu button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/")
    assert "/login" in page.url
