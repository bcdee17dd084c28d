"""Presence in a big live room is batched: one broadcast per interval, with the latest state."""

from __future__ import annotations

import time

import pytest

from lms.live import events
from tests.test_live_room import NS, _rebind_socketio, call, connect, joined, live  # noqa: F401 (fixtures)


@pytest.fixture
def big_rooms_from_two(monkeypatch):
    """Rooms count as big from two people on, with a one-second interval."""
    monkeypatch.setattr(events, "PRESENCE_BATCH_FROM", 2)
    monkeypatch.setattr(events, "PRESENCE_BATCH_SECONDS", (1.0, 1.0))
    monkeypatch.setattr(events, "_presence_sent", {})
    monkeypatch.setattr(events, "_presence_due", set())


def presence_of(sock):
    return [m["args"][0] for m in sock.get_received(NS) if m["name"] == "presence"]


def test_big_room_presence_comes_once_after_the_interval_with_the_latest_state(connect, live, big_rooms_from_two):
    trainer, ack = joined(connect, live, "trainer")  # one person: a small room, told at once
    assert ack["presence"]["counts"]["total"] == 1

    participant = connect(live, "participant")
    ack = call(participant, "join", session_id=live["id"], last_event_id=None)
    assert ack["ok"] and ack["presence"]["counts"]["total"] == 2  # the joiner knows at once
    assert presence_of(trainer) == []  # the others within the interval

    deadline = time.monotonic() + 10
    received = []
    while not received and time.monotonic() < deadline:
        time.sleep(0.1)
        received = presence_of(trainer)
    assert len(received) == 1, received
    assert received[0]["counts"] == {"participant": 1, "trainer": 1, "coordinator": 0, "total": 2}
    assert {p["id"] for p in received[0]["people"]} == {live["trainer"], live["participant"]}
    assert not events._presence_due


def test_small_room_presence_is_immediate(connect, live):
    trainer, _ = joined(connect, live, "trainer")
    participant = connect(live, "participant")
    assert call(participant, "join", session_id=live["id"], last_event_id=None)["ok"]
    assert presence_of(trainer)[-1]["counts"]["total"] == 2
