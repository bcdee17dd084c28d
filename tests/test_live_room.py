"""The live room over Socket.IO (namespace /live): access, chat, hands, polls, questions, replay, the page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.extensions import socketio
from lms.live.models import ChatMessage, LiveQuestion, LiveSession, Poll, PollVote, RoomEvent
from tests import factories

NS = "/live"


@pytest.fixture(autouse=True)
def _rebind_socketio(app):
    from lms import init_socketio

    init_socketio(app)


@pytest.fixture
def live(world, db):
    unit = factories.make_unit(world.module)
    session = factories.make_live_session(unit, title="Picture books live", url="https://meet.example/abc")
    db.session.commit()
    return {"id": session.id, "participant": world.participant.id, "trainer": world.trainer.id,
            "other_participant": world.other_participant.id, "coordinator": world.coordinator.id,
            "other_trainer": world.other_trainer.id, "world": world}


@pytest.fixture
def connect(app, login, db):
    """connect(user_key) -> a socket test client signed in as that world user."""
    from lms.accounts.models import User

    opened = []

    def _connect(live, who, headers=None):
        client = app.test_client()
        login(client, db.session.get(User, live[who]))
        sock = socketio.test_client(app, namespace=NS, flask_test_client=client, headers=headers)
        opened.append(sock)
        return sock

    yield _connect
    for sock in opened:
        if sock.is_connected(NS):
            sock.disconnect(namespace=NS)


def call(sock, event, **data):
    return sock.emit(event, data, namespace=NS, callback=True)


def joined(connect, live, who, last_event_id=None):
    sock = connect(live, who)
    assert sock.is_connected(NS)
    ack = call(sock, "join", session_id=live["id"], last_event_id=last_event_id)
    assert ack["ok"], ack
    sock.get_received(NS)
    return sock, ack


def events_of(sock, kind=None):
    received = [m["args"][0] for m in sock.get_received(NS) if m["name"] == "event"]
    return [e for e in received if kind is None or e["kind"] == kind]


def test_anonymous_connection_is_refused(app, live):
    sock = socketio.test_client(app, namespace=NS, flask_test_client=app.test_client())
    assert not sock.is_connected(NS)


def test_foreign_origin_is_refused_and_own_origin_accepted(connect, live):
    assert not connect(live, "participant", headers={"Origin": "http://evil.example"}).is_connected(NS)
    assert connect(live, "participant", headers={"Origin": "http://localhost"}).is_connected(NS)


def test_outsider_cannot_join_or_chat(connect, live, db):
    sock = connect(live, "other_participant")  # enrolled in another module of the program
    assert sock.is_connected(NS)
    ack = call(sock, "join", session_id=live["id"], last_event_id=None)
    assert ack == {"ok": False, "error": "You cannot join this session."}
    ack = call(sock, "chat", session_id=live["id"], text="hello")
    assert ack["ok"] is False
    assert db.session.scalar(select(ChatMessage.id)) is None


def test_participant_of_another_program_cannot_join(connect, live, db, login, app):
    from lms.accounts.models import User

    other_program = factories.make_program(name="2025 Administrators", code="ADM25", year=2025)
    other_module = factories.make_module(factories.make_track(other_program), title="Arts policy")
    stranger = factories.make_user(email="stranger@example.test")
    factories.enrol(stranger, other_program, module=other_module)
    db.session.commit()
    client = app.test_client()
    login(client, db.session.get(User, stranger.id))
    sock = socketio.test_client(app, namespace=NS, flask_test_client=client)
    assert call(sock, "join", session_id=live["id"]) == {"ok": False, "error": "You cannot join this session."}
    assert call(sock, "question_ask", session_id=live["id"], text="hello")["ok"] is False
    sock.disconnect(namespace=NS)


def test_withdrawn_participant_is_refused_even_if_already_in_the_room(connect, live, db):
    sock, _ack = joined(connect, live, "participant")
    from lms.enrolment.models import Enrolment

    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == live["participant"])).one()
    enrolment.status = "withdrawn"
    db.session.commit()
    ack = call(sock, "chat", session_id=live["id"], text="still here?")
    assert ack["ok"] is False
    assert db.session.scalar(select(ChatMessage.id)) is None


BAD_VALUES = [None, "", "x" * 5000, -1, 0, 2**63, 1.5, True, [], {}, ["a"] * 50, {"a": 1}]
ROOM_EVENTS = ["chat", "delete_message", "mute", "unmute", "raise_hand", "lower_hand", "poll_open", "poll_vote",
               "poll_close", "question_ask", "question_upvote", "question_answered", "session_start",
               "session_end"]
FIELDS = ["text", "message_id", "user_id", "poll_id", "choices", "question", "options", "multiple", "question_id"]


@pytest.mark.parametrize("event", ROOM_EVENTS)
def test_every_event_answers_bad_fields_with_an_error_never_a_crash(connect, live, db, event):
    """Missing, oversized and mistyped fields: an error ack, the connection stays up, nothing is stored."""
    sock, _ack = joined(connect, live, "trainer")
    for field in FIELDS:
        for value in BAD_VALUES:
            ack = call(sock, event, session_id=live["id"], **{field: value})
            assert isinstance(ack, dict) and "ok" in ack, (field, value, ack)
            if not ack["ok"]:
                assert isinstance(ack["error"], str) and ack["error"], (field, value, ack)
    assert sock.is_connected(NS)
    # None of the values is a valid text, poll or question: nothing was stored from them.
    for model in (ChatMessage, Poll, LiveQuestion):
        assert db.session.scalar(select(model.id)) is None, model


def test_other_trainer_cannot_moderate_nor_join(connect, live):
    sock = connect(live, "other_trainer")
    assert call(sock, "join", session_id=live["id"])["ok"] is False
    assert call(sock, "session_start", session_id=live["id"])["ok"] is False


def test_chat_requires_joining_the_room_first(connect, live):
    sock = connect(live, "participant")
    ack = call(sock, "chat", session_id=live["id"], text="hi")
    assert ack == {"ok": False, "error": "Join the session first."}


@pytest.mark.parametrize("payload", [None, "x", {"session_id": "1"}, {"session_id": True}, {"session_id": 999999}])
def test_malformed_payloads_get_an_error_ack(connect, live, payload):
    sock, _ack = joined(connect, live, "participant")
    ack = sock.emit("chat", payload, namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"]


def test_member_joins_and_everyone_sees_presence(connect, live):
    trainer, _ack = joined(connect, live, "trainer")
    participant = connect(live, "participant")
    ack = call(participant, "join", session_id=live["id"], last_event_id=None)
    assert ack["ok"] and ack["session"]["id"] == live["id"] and ack["session"]["state"] == "scheduled"
    assert ack["presence"]["counts"] == {"participant": 1, "trainer": 1, "coordinator": 0, "total": 2}
    people = {p["name"]: p for p in ack["presence"]["people"]}
    assert people["Amina Participant"]["role"] == "participant"
    assert people["Amina Participant"]["country"] == "KE"
    assert people["Amina Participant"]["country_name"] == "Kenya"
    assert people["Tomas Trainer"]["role"] == "trainer"
    presence = [m["args"][0] for m in trainer.get_received(NS) if m["name"] == "presence"]
    assert presence and presence[-1]["counts"]["total"] == 2
    participant.disconnect(namespace=NS)
    presence = [m["args"][0] for m in trainer.get_received(NS) if m["name"] == "presence"]
    assert presence[-1]["counts"] == {"participant": 0, "trainer": 1, "coordinator": 0, "total": 1}


def test_chat_is_broadcast_sanitised_and_persisted(connect, live, db):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    ack = call(participant, "chat", session_id=live["id"], text="  <b>Hello</b> <script>x()</script>all  ")
    assert ack["ok"], ack
    [event] = events_of(trainer, "chat")
    assert event["data"]["text"] == "Hello all"
    assert event["actor"] == {"id": live["participant"], "name": "Amina Participant", "role": "participant",
                              "country": "KE"}
    assert events_of(participant, "chat")[0]["id"] == event["id"]
    message = db.session.scalar(select(ChatMessage))
    assert (message.text, message.user_id, message.session_id) == ("Hello all", live["participant"], live["id"])


@pytest.mark.parametrize("text, error", [
    ("", "The message cannot be empty."),
    ("   ", "The message cannot be empty."),
    ("x" * 1001, "The message is too long (at most 1000 characters)."),
    (42, "The message must be text."),
])
def test_bad_chat_text_is_refused(connect, live, db, text, error):
    participant, _ = joined(connect, live, "participant")
    assert call(participant, "chat", session_id=live["id"], text=text) == {"ok": False, "error": error}
    assert db.session.scalar(select(ChatMessage.id)) is None


def test_chat_of_exactly_1000_characters_is_accepted(connect, live):
    participant, _ = joined(connect, live, "participant")
    assert call(participant, "chat", session_id=live["id"], text="x" * 1000)["ok"]


def test_chat_rate_limit(connect, live, db):
    participant, _ = joined(connect, live, "participant")
    for n in range(5):
        assert call(participant, "chat", session_id=live["id"], text=f"m{n}")["ok"]
    ack = call(participant, "chat", session_id=live["id"], text="one too many")
    assert ack["ok"] is False and "too fast" in ack["error"]
    assert len(db.session.scalars(select(ChatMessage)).all()) == 5
    trainer, _ = joined(connect, live, "trainer")  # the limit is per person
    assert call(trainer, "chat", session_id=live["id"], text="fine")["ok"]


def test_muted_participant_cannot_chat_until_unmuted(connect, live):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    assert call(participant, "mute", session_id=live["id"], user_id=live["trainer"])["ok"] is False
    assert call(trainer, "mute", session_id=live["id"], user_id=live["participant"])["ok"]
    assert events_of(participant, "muted")[0]["data"]["user_id"] == live["participant"]
    ack = call(participant, "chat", session_id=live["id"], text="hello?")
    assert ack == {"ok": False, "error": "A trainer has muted you in this session's chat."}
    assert call(trainer, "unmute", session_id=live["id"], user_id=live["participant"])["ok"]
    assert call(participant, "chat", session_id=live["id"], text="back")["ok"]


def test_trainer_deletes_a_message_participant_cannot(connect, live, db):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    call(participant, "chat", session_id=live["id"], text="oops")
    message_id = db.session.scalar(select(ChatMessage.id))
    ack = call(participant, "delete_message", session_id=live["id"], message_id=message_id)
    assert ack == {"ok": False, "error": "Only the session's trainers and coordinators can do this."}
    assert call(trainer, "delete_message", session_id=live["id"], message_id=message_id)["ok"]
    assert events_of(participant, "chat_deleted")[0]["data"] == {"message_id": message_id}
    message = db.session.get(ChatMessage, message_id)
    assert message.deleted_at is not None and message.deleted_by_id == live["trainer"]
    assert message.text == "oops"  # kept, not shown
    # a late joiner's replay does not show the deleted text
    coordinator, ack = joined(connect, live, "coordinator")
    [chat] = [e for e in ack["events"] if e["kind"] == "chat"]
    assert chat["data"]["text"] == "" and chat["data"]["deleted"] is True


def test_hands_queue_in_order_and_idempotent(connect, live, db):
    from lms.accounts.models import User

    world = live["world"]
    third = factories.make_user(email="third@example.test", name="Chen Third")
    factories.enrol(third, world.program, module=world.module)
    db.session.commit()
    live["third"] = third.id
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    other, _ = joined(connect, live, "third")
    assert call(other, "raise_hand", session_id=live["id"])["ok"]
    assert call(participant, "raise_hand", session_id=live["id"])["ok"]
    assert call(other, "raise_hand", session_id=live["id"]) == {"ok": True}  # already up: no new event
    state = call(trainer, "join", session_id=live["id"])["session"]
    assert [h["user_id"] for h in state["hands"]] == [live["third"], live["participant"]]
    assert call(participant, "lower_hand", session_id=live["id"], user_id=live["third"])["ok"] is False
    assert call(trainer, "lower_hand", session_id=live["id"], user_id=live["third"])["ok"]
    assert call(participant, "lower_hand", session_id=live["id"])["ok"]
    lowered = events_of(trainer, "hand_lowered")
    assert [e["data"]["user_id"] for e in lowered] == [live["third"], live["participant"]]
    assert call(trainer, "join", session_id=live["id"])["session"]["hands"] == []
    assert db.session.get(User, live["third"]) is not None


def _open_poll(trainer, live, multiple=False, options=("Yes", "No", "Maybe")):
    ack = call(trainer, "poll_open", session_id=live["id"], question="Ready?", options=list(options),
               multiple=multiple)
    assert ack["ok"], ack
    return events_of(trainer, "poll_opened")[-1]["data"]["poll_id"]


def test_poll_one_vote_per_person_results_and_close(connect, live, db):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    assert call(participant, "poll_open", session_id=live["id"], question="Q", options=["a", "b"])["ok"] is False
    poll_id = _open_poll(trainer, live)
    assert events_of(participant, "poll_opened")[0]["data"]["options"] == ["Yes", "No", "Maybe"]
    assert call(participant, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[0, 1]) == {
        "ok": False, "error": "Choose exactly one option."}
    assert call(participant, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[7])["ok"] is False
    assert call(participant, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[1])["ok"]
    assert call(participant, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[0]) == {
        "ok": False, "error": "You have already voted in this poll."}
    assert call(trainer, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[1])["ok"]
    results = events_of(participant, "poll_results")
    assert results[-1]["data"] == {"poll_id": poll_id, "counts": [0, 2, 0], "voters": 2}
    assert results[-1]["actor"] is None  # who voted is not broadcast
    assert call(trainer, "poll_close", session_id=live["id"], poll_id=poll_id)["ok"]
    assert events_of(participant, "poll_closed")[0]["data"]["counts"] == [0, 2, 0]
    coordinator, _ = joined(connect, live, "coordinator")
    assert call(coordinator, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[0]) == {
        "ok": False, "error": "This poll is closed."}
    assert len(db.session.scalars(select(PollVote)).all()) == 2
    assert db.session.get(Poll, poll_id).closed_at is not None


def test_multiple_choice_poll_and_validation(connect, live):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    for bad in ([], ["only one"], [str(n) for n in range(11)], "Yes,No"):
        ack = call(trainer, "poll_open", session_id=live["id"], question="Q", options=bad, multiple=False)
        assert ack == {"ok": False, "error": "A poll needs between 2 and 10 options."}
    assert call(trainer, "poll_open", session_id=live["id"], question="x" * 301, options=["a", "b"])["ok"] is False
    poll_id = _open_poll(trainer, live, multiple=True)
    assert call(participant, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[0, 2])["ok"]
    assert events_of(trainer, "poll_results")[-1]["data"]["counts"] == [1, 0, 1]


def test_question_upvote_once_and_answered(connect, live, db):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    assert call(participant, "question_ask", session_id=live["id"], text="x" * 501)["ok"] is False
    assert call(participant, "question_ask", session_id=live["id"], text="When is the deadline?")["ok"]
    question_id = events_of(trainer, "question_asked")[0]["data"]["question_id"]
    assert call(participant, "question_upvote", session_id=live["id"], question_id=question_id)["ok"] is False
    assert call(trainer, "question_upvote", session_id=live["id"], question_id=question_id)["ok"]
    assert call(trainer, "question_upvote", session_id=live["id"], question_id=question_id) == {
        "ok": False, "error": "You have already upvoted this question."}
    assert events_of(participant, "question_upvoted")[0]["data"] == {"question_id": question_id, "votes": 1}
    assert call(participant, "question_answered", session_id=live["id"], question_id=question_id)["ok"] is False
    assert call(trainer, "question_answered", session_id=live["id"], question_id=question_id)["ok"]
    assert events_of(participant, "question_answered")[0]["data"] == {"question_id": question_id}


def test_start_end_and_nothing_after_the_end(connect, live, db):
    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    assert call(participant, "session_start", session_id=live["id"])["ok"] is False
    assert call(trainer, "session_start", session_id=live["id"])["ok"]
    assert events_of(participant, "session_started")
    assert db.session.get(LiveSession, live["id"]).state == "live"
    assert call(trainer, "session_end", session_id=live["id"])["ok"]
    assert events_of(participant, "session_ended")
    session = db.session.get(LiveSession, live["id"])
    assert session.state == "ended" and session.started_at <= session.ended_at
    for event, data in [("chat", {"text": "hi"}), ("raise_hand", {}), ("question_ask", {"text": "q?"})]:
        assert call(participant, event, session_id=live["id"], **data) == {"ok": False,
                                                                            "error": "The session has ended."}
    assert call(trainer, "poll_open", session_id=live["id"], question="Q", options=["a", "b"])["error"] == (
        "The session has ended.")
    assert call(trainer, "session_start", session_id=live["id"])["ok"] is False


def test_reconnect_replays_exactly_the_missed_events_in_order(connect, live):
    trainer, _ = joined(connect, live, "trainer")
    participant, ack = joined(connect, live, "participant")
    call(trainer, "chat", session_id=live["id"], text="before")
    seen = events_of(participant)
    last_id = seen[-1]["id"]
    trainer.get_received(NS)
    participant.disconnect(namespace=NS)
    call(trainer, "chat", session_id=live["id"], text="while away 1")
    call(trainer, "raise_hand", session_id=live["id"])
    call(trainer, "chat", session_id=live["id"], text="while away 2")
    missed = events_of(trainer)
    again = connect(live, "participant")
    ack = call(again, "join", session_id=live["id"], last_event_id=last_id)
    assert ack["ok"]
    assert [e["id"] for e in ack["events"]] == [e["id"] for e in missed]
    assert [e["kind"] for e in ack["events"]] == ["chat", "hand_raised", "chat"]
    assert [e["data"].get("text") for e in ack["events"]] == ["while away 1", None, "while away 2"]
    assert ack["events"] == missed  # the same payloads the room saw
    assert call(again, "join", session_id=live["id"], last_event_id=missed[-1]["id"])["events"] == []


def test_each_handler_declares_its_access_rule():
    from lms.live.events import HANDLERS

    rules = {name: handler.socket_access_rule for name, handler in HANDLERS.items()}
    assert rules["chat"] == "member" and rules["poll_open"] == "moderator"
    assert set(rules.values()) == {"member", "moderator"}


def test_room_event_ids_increase(connect, live, db):
    trainer, _ = joined(connect, live, "trainer")
    for text in ("a", "b", "c"):
        call(trainer, "chat", session_id=live["id"], text=text)
    ids = list(db.session.scalars(select(RoomEvent.id).order_by(RoomEvent.created_at, RoomEvent.id)))
    assert ids == sorted(ids) and len(ids) == 3


# The page ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("participant", 200), ("trainer", 200), ("coordinator", 200),
                                         ("other_participant", 403), ("other_trainer", 403)])
def test_room_page_access(client, login, db, live, who, status):
    from lms.accounts.models import User

    login(client, db.session.get(User, live[who]))
    assert client.get(f"/live/{live['id']}/room").status_code == status


def test_room_page_anonymous_goes_to_login(client, live):
    response = client.get(f"/live/{live['id']}/room")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_room_page_renders_state_without_inline_script(client, login, db, connect, live):
    from lms.accounts.models import User

    participant, _ = joined(connect, live, "participant")
    call(participant, "chat", session_id=live["id"], text="<i>first</i> message")
    login(client, db.session.get(User, live["participant"]))
    html = client.get(f"/live/{live['id']}/room").get_data(as_text=True)
    assert '/static/vendor/socket.io/4.8.4/socket.io.min.js"' in html
    assert '/static/js/live-room.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # only external scripts
    assert "style=" not in html
    assert "first message" in html and "<i>first</i>" not in html
    assert 'href="https://meet.example/abc"' in html and "Open the video meeting" in html
    assert f'data-session-id="{live["id"]}"' in html
    last_id = db.session.scalar(select(RoomEvent.id).order_by(RoomEvent.id.desc()))
    assert f'data-last-event-id="{last_id}"' in html


def test_ended_room_page_is_a_read_only_record(client, login, db, connect, live):
    from lms.accounts.models import User

    trainer, _ = joined(connect, live, "trainer")
    participant, _ = joined(connect, live, "participant")
    call(participant, "chat", session_id=live["id"], text="Thanks everyone")
    poll_id = _open_poll(trainer, live)
    call(participant, "poll_vote", session_id=live["id"], poll_id=poll_id, choices=[2])
    call(participant, "question_ask", session_id=live["id"], text="Slides available?")
    call(trainer, "session_end", session_id=live["id"])
    login(client, db.session.get(User, live["participant"]))
    html = client.get(f"/live/{live['id']}/room").get_data(as_text=True)
    assert "This session has ended" in html
    assert "Thanks everyone" in html and "Ready?" in html and "Slides available?" in html
    assert '<progress max="1" value="1"></progress>' in html
    assert 'id="chat-form"' not in html and 'data-action=' not in html and "<script" not in html


def test_room_follows_the_items_release_rules(client, login, db, world):
    """A live session whose item asks for a lesson first: the participant is sent to the item's
    locked page until it is done; the trainer always gets in."""
    from lms.learning.completion import record_completion

    unit = factories.make_unit(world.module)
    lesson = factories.make_item(unit, "lesson", title="Read before the clinic")
    session = factories.make_live_session(unit, title="Clinic", prerequisites=(lesson,))
    db.session.commit()
    login(client, world.participant)
    response = client.get(f"/live/{session.id}/room")
    assert response.status_code == 302 and response.location.endswith(f"/items/{session.item_id}")
    locked = client.get(response.location)
    assert locked.status_code == 403 and "Read before the clinic" in locked.get_data(as_text=True)
    record_completion(world.participant, lesson, "viewed")
    db.session.commit()
    assert client.get(f"/live/{session.id}/room").status_code == 200
    login(client, world.trainer)
    assert client.get(f"/live/{session.id}/room").status_code == 200


def test_socket_refuses_a_participant_while_the_item_is_locked(connect, live, db):
    from lms.accounts.models import User
    from lms.learning.completion import record_completion
    from lms.learning.models import Item

    world = live["world"]
    unit = factories.make_unit(world.module)
    lesson = factories.make_item(unit, "lesson", title="Read first")
    session = factories.make_live_session(unit, title="Locked clinic", prerequisites=(lesson,))
    db.session.commit()
    session_id, lesson_id = session.id, lesson.id
    locked = {**live, "id": session_id}
    sock = connect(locked, "participant")
    ack = call(sock, "join", session_id=session_id)
    assert ack["ok"] is False and "locked" in ack["error"]
    assert call(sock, "chat", session_id=session_id, text="let me in")["ok"] is False
    trainer = connect(locked, "trainer")
    assert call(trainer, "join", session_id=session_id)["ok"] is True
    record_completion(db.session.get(User, live["participant"]), db.session.get(Item, lesson_id), "viewed")
    db.session.commit()
    assert call(sock, "join", session_id=session_id)["ok"] is True
