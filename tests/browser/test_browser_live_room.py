"""The live room in real browsers: two people, chat and a poll cross, reconnect catches up."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.test_browser_smoke import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def session_id(world, db):
    session = factories.make_live_session(factories.make_unit(world.module), title="Clinic")
    db.session.commit()
    return session.id


def _open_room(browser, live_server, user, session_id):
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Seoul")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    sign_in(page, live_server, user)
    page.goto(f"{live_server}/live/{session_id}/room")
    page.locator("#chat-form").wait_for(state="visible", timeout=10_000)  # shown once the socket joined
    return context, page


def test_trainer_and_participant_share_the_room(browser, live_server, world, session_id):
    trainer_context, trainer = _open_room(browser, live_server, world.trainer, session_id)
    participant_context, participant = _open_room(browser, live_server, world.participant, session_id)
    try:
        trainer.click("button[data-action=session_start]")
        participant.locator("#live-state").filter(has_text="Live").wait_for(timeout=10_000)

        participant.fill("#chat-text", "Hello from Nairobi")
        participant.locator("#chat-form button[type=submit]").click()
        trainer.locator("#chat-list li", has_text="Hello from Nairobi").wait_for(timeout=10_000)

        trainer.fill("#poll-question", "Which format?")
        trainer.fill("#poll-options", "Picture book\nApp")
        trainer.locator("#poll-form button[type=submit]").click()
        participant.locator(".live-poll", has_text="Which format?").wait_for(timeout=10_000)

        # The participant drops off, the trainer keeps chatting, the participant catches up once.
        participant.context.set_offline(True)
        trainer.fill("#chat-text", "Message while you were away")
        trainer.locator("#chat-form button[type=submit]").click()
        trainer.locator("#chat-list li", has_text="Message while you were away").wait_for(timeout=10_000)
        participant.context.set_offline(False)
        participant.locator("#chat-list li", has_text="Message while you were away").wait_for(timeout=20_000)
        assert participant.locator("#chat-list li", has_text="Message while you were away").count() == 1
        assert participant.locator("#chat-list li", has_text="Hello from Nairobi").count() == 1

        csp = [e for e in trainer.console_errors + participant.console_errors if "Content Security Policy" in e]
        assert csp == []
    finally:
        trainer_context.close()
        participant_context.close()
