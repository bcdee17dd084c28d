"""Walks every Socket.IO event of the live room as every kind of person.

Each handler declares ``socket_access_rule`` ("member": the session's audience, trainers and
coordinators; "moderator": its trainers and coordinators). Anonymous connections are refused
outright. A new event without a rule, or one that lets the wrong person act, fails here.
"""

from __future__ import annotations

import pytest

from lms.extensions import socketio
from tests import factories

NAMESPACE = "/live"
ROLES = ["participant", "trainer", "other_trainer", "coordinator"]
LIFECYCLE = {"connect", "disconnect"}
ACCESS_REFUSALS = {
    "You cannot join this session.",
    "Only the session's trainers and coordinators can do this.",
    "Join the session first.",
    "Please sign in again.",
}
FORBIDDEN = {"member": {"other_trainer"}, "moderator": {"participant", "other_trainer"}}


def _events(app):
    handlers = socketio.server.handlers.get(NAMESPACE, {})
    return sorted(name for name in handlers if name not in LIFECYCLE)


def test_every_socket_event_declares_its_access_rule(app):
    handlers = socketio.server.handlers.get(NAMESPACE, {})
    missing = [name for name in _events(app) if getattr(handlers[name], "socket_access_rule", None)
               not in FORBIDDEN]
    assert _events(app), "the live room registers its events"
    assert missing == []


def test_anonymous_connection_is_refused(app, client):
    socket = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client)
    assert not socket.is_connected(NAMESPACE)


@pytest.fixture
def live_session(world, db):
    session = factories.make_live_session(factories.make_unit(world.module), title="Clinic")
    db.session.commit()
    return session


def _socket_cases():
    from lms import create_app, init_socketio

    app = create_app("testing")
    cases = [pytest.param(event, role, id=f"{event}-{role}") for event in _events(app) for role in ROLES]
    init_socketio(app)
    return cases


@pytest.fixture(scope="module", autouse=True)
def _rebind_socketio(app):
    from lms import init_socketio

    init_socketio(app)


@pytest.mark.parametrize("event,role", _socket_cases())
def test_socket_event_access(app, client, login, world, live_session, event, role):
    session_id = live_session.id  # handlers remove the DB session: keep plain values
    login(client, getattr(world, role))
    socket = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client)
    assert socket.is_connected(NAMESPACE)
    try:
        if event != "join":
            socket.emit("join", {"session_id": session_id, "last_event_id": None},
                        namespace=NAMESPACE, callback=True)
        ack = socket.emit(event, {"session_id": session_id}, namespace=NAMESPACE, callback=True)
    finally:
        socket.disconnect(namespace=NAMESPACE)
    rule = socketio.server.handlers[NAMESPACE][event].socket_access_rule
    assert isinstance(ack, dict), f"{event} must acknowledge"
    if role in FORBIDDEN[rule]:
        assert ack["ok"] is False and ack["error"] in ACCESS_REFUSALS, f"{event} as {role}: {ack}"
    else:
        assert ack["ok"] is True or ack.get("error") not in ACCESS_REFUSALS, f"{event} as {role}: {ack}"
