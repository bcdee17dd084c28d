"""The live room in real browsers: two people, chat and a poll cross, reconnect catches up."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.test_browser_smoke import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def session_id(world, db):
    from datetime import timedelta

    from lms.core.database import utcnow

    # A two-minute session that began half a minute ago; a twentieth of it (6 s) in the room attends.
    session = factories.make_live_session(factories.make_unit(world.module), title="Clinic",
                                          starts_at=utcnow() - timedelta(seconds=30), minutes=2)
    session.attendance_threshold = 5
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
        poll = participant.locator(".live-poll", has_text="Which format?")
        poll.wait_for(timeout=10_000)
        poll.locator("label", has_text="App").click()
        poll.locator("button[data-action=poll_vote]").click()
        trainer_poll = trainer.locator(".live-poll", has_text="Which format?")
        trainer_poll.locator(".live-voters", has_text="1").wait_for(timeout=10_000)
        assert trainer_poll.locator("li", has_text="App").locator(".live-count").inner_text() == "1"
        assert trainer_poll.locator("li", has_text="Picture book").locator(".live-count").inner_text() == "0"
        assert poll.locator("button[data-action=poll_vote]").is_disabled()  # one vote per person

        # A raised hand reaches the trainer's queue, who lowers it.
        participant.click("button[data-action=raise_hand]")
        hand = trainer.locator("#hand-queue li", has_text=world.participant.name)
        hand.wait_for(timeout=10_000)
        hand.locator("button[data-action=lower_hand]").click()
        participant.locator("#hand-queue li").wait_for(state="detached", timeout=10_000)

        participant.fill("#question-text", "Can we see an example contract?")
        participant.locator("#question-form button[type=submit]").click()
        trainer.locator("#question-list li", has_text="example contract").wait_for(timeout=10_000)

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

        # The participant leaves; the attendance record shows them present, attended and engaged.
        participant.wait_for_timeout(6_500)  # a twentieth of the session, whatever the test's pace
        participant_context.close()
        row = trainer.locator("tr", has_text=world.participant.name)
        for _ in range(20):  # the disconnect is recorded as the browser's socket closes
            trainer.goto(f"{live_server}/live/sessions/{session_id}/attendance")
            if "attended" in (row.get_attribute("class") or ""):
                break
            trainer.wait_for_timeout(500)
        assert "attended" in row.get_attribute("class")
        cells = [cell.strip() for cell in row.locator("td.num").all_inner_texts()]
        assert cells[2:] == ["1", "1", "1", "1"]  # messages, hands, poll votes, questions (minutes, share first)
    finally:
        trainer_context.close()
        participant_context.close()
