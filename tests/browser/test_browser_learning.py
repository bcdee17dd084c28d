"""A participant studies in a real browser: no JavaScript needed, CSP respected, completion recorded."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.test_browser_smoke import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def course(world, db):
    unit = factories.make_unit(world.module, title="Week 1")
    first = factories.make_item(unit, "lesson", title="Why stories matter",
                                body="# Why stories matter\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    video = factories.make_item(unit, "link", title="A talk", url="https://www.youtube.com/watch?v=iG9CE55wbtY",
                                required=False)
    locked = factories.make_item(unit, "lesson", title="After the talk", body="Secret body text",
                                 prerequisites=[first])
    db.session.commit()
    return {"unit": unit, "first": first, "video": video, "locked": locked}


def test_participant_reads_a_lesson_and_the_outline_shows_it_done(live_server, page, world, course):
    sign_in(page, live_server, world.participant)
    page.goto(f"{live_server}/learn/modules/{world.module.id}")
    outline = page.inner_text("main")
    assert "Why stories matter" in outline and "Locked" in outline
    page.get_by_role("link", name="Why stories matter", exact=True).click()
    page.wait_for_url("**/learn/items/**")
    assert page.locator("main table").count() == 1  # the Markdown table rendered
    page.click("button[name=go][value='1']")  # "Next": records the lesson as read, no script involved
    page.wait_for_load_state()
    assert "/learn/items/" in page.url
    page.goto(f"{live_server}/learn/modules/{world.module.id}")
    row = page.locator("li", has_text="Why stories matter").first
    assert "Done" in row.inner_text()
    # The prerequisite is met: the next lesson opens and shows its content.
    page.get_by_role("link", name="After the talk", exact=True).click()
    page.wait_for_url("**/learn/items/**")
    assert "Secret body text" in page.inner_text("main")
    csp_errors = [error for error in page.console_errors if "Content Security Policy" in error]
    assert csp_errors == []


def test_video_is_embedded_with_a_plain_link_beside_it(live_server, page, world, course):
    sign_in(page, live_server, world.participant)
    page.goto(f"{live_server}/learn/items/{course['video'].id}")
    frame = page.locator("iframe")
    assert frame.count() == 1
    assert frame.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/iG9CE55wbtY")
    assert page.locator("a[href='https://www.youtube.com/watch?v=iG9CE55wbtY']").count() >= 1
    csp_errors = [error for error in page.console_errors if "Content Security Policy" in error]
    assert csp_errors == []


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Seoul", java_script_enabled=False,
                                  accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def test_without_javascript_a_participant_reads_completes_and_downloads_the_unit(live_server, no_script_page, world,
                                                                                  course, db):
    from lms.learning.models import Completion

    page = no_script_page
    sign_in(page, live_server, world.participant)
    page.goto(f"{live_server}/learn/items/{course['first'].id}")
    assert page.locator("main table").count() == 1
    page.get_by_role("button", name="Done — continue").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/learn/items/{course['video'].id}")
    page.get_by_role("button", name="I have watched or read it").click()
    page.wait_for_load_state()
    assert "is done" in page.inner_text("main")
    db.session.expire_all()
    assert {c.how for c in Completion.query.filter_by(user_id=world.participant.id)} == {"viewed"}
    assert Completion.query.filter_by(user_id=world.participant.id).count() == 2
    page.goto(f"{live_server}/learn/modules/{world.module.id}")
    assert "1 of 2 required items done (50%)" in page.inner_text("main")  # the video is optional
    with page.expect_download() as download:
        page.get_by_role("link", name="Download for offline study (zip)").first.click()
    assert download.value.suggested_filename == "week-1.zip"


def test_without_javascript_a_trainer_reorders_items(live_server, no_script_page, world, course, db):
    page = no_script_page
    sign_in(page, live_server, world.trainer)
    page.goto(f"{live_server}/modules/{world.module.id}/content")
    page.get_by_role("button", name="Move “A talk” up").click()
    page.wait_for_load_state()
    db.session.expire_all()
    assert course["video"].position < course["first"].position
