"""Socket.IO handlers of the live room (namespace "/live"); see the socket contract in issue 5.

Sockets have no ``before_request``: the connect handler authenticates the session cookie and
checks the Origin, and every event handler (``socket_handler``) loads the session named in its
payload, re-checks access (``socket_access_rule``: "member" = ``can_join``, "moderator" =
``can_moderate``) and that this socket joined the room, applies a ``lms.live.room`` operation,
commits, broadcasts the resulting room events, and always removes the database session.
"""

from __future__ import annotations

import ctypes
import logging
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room, rooms

from lms.extensions import db, socketio
from lms.live import attendance, room
from lms.live.access import can_join, can_moderate, release_lock
from lms.live.models import LiveSession, Phase
from lms.live.room import RoomError

NAMESPACE = "/live"
log = logging.getLogger(__name__)


def room_name(session_id: int) -> str:
    return f"live:{session_id}"


def _fresh_user():
    """Judge each socket event by its own session cookie, never by a user cached on a shared ``g``."""
    g.pop("_login_user", None)
    return current_user


def _same_origin(origin: str, host_url: str) -> bool:
    mine, theirs = urlsplit(host_url), urlsplit(origin)
    return (theirs.scheme, theirs.netloc.lower()) == (mine.scheme, mine.netloc.lower())


def broadcast(session: LiveSession, events) -> None:
    for payload in room.serialize_events(session, [e for e in events if e is not None], fresh=True):
        emit("event", payload, to=room_name(session.id), namespace=NAMESPACE)


# Presence of a big room: every join and leave changes who is here, and the whole list goes to
# everyone, so a broadcast costs (people in the room)²: 1000 people arriving at the start would
# send gigabytes. From PRESENCE_BATCH_FROM people on, a room gets at most one presence broadcast
# per interval (the state at the end of the interval, so the last change is never missed): one
# second per PRESENCE_BATCH_PEOPLE_PER_SECOND people, between PRESENCE_BATCH_SECONDS (min, max).
# Smaller rooms hear every change at once. The joiner always has it in its join ack.
PRESENCE_BATCH_FROM = 100
PRESENCE_BATCH_PEOPLE_PER_SECOND = 100
PRESENCE_BATCH_SECONDS = (2.0, 10.0)
_presence_sent: dict[int, float] = {}  # session id -> monotonic time of its last broadcast
_presence_due: set[int] = set()  # session ids with a broadcast scheduled


def _send_presence(session_id: int, presence: dict, *, in_request: bool = True) -> None:
    _presence_sent[session_id] = time.monotonic()
    if in_request:
        emit("presence", presence, to=room_name(session_id), namespace=NAMESPACE)
    else:
        socketio.emit("presence", presence, to=room_name(session_id), namespace=NAMESPACE)


def _send_presence_later(app, session_id: int, delay: float) -> None:
    socketio.sleep(delay)
    with app.app_context():
        try:
            _presence_due.discard(session_id)
            session = db.session.get(LiveSession, session_id)
            if session is not None:
                _send_presence(session_id, room.presence(session), in_request=False)
        except Exception:
            log.exception("presence broadcast of live session %s failed", session_id)
        finally:
            _presence_due.discard(session_id)
            db.session.remove()
            _return_free_heap()


def _return_free_heap() -> None:
    """Give the pages of freed heap memory back to the system (glibc; a no-op elsewhere).

    A wave of joins to a big room frees many join acks of ~100 KB whose pages long-lived objects
    keep from being released; this runs after each batched presence broadcast, so at most every
    few seconds and only for big rooms (bench/live_fanout.py: memory per connected client)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def broadcast_presence(session: LiveSession, presence: dict | None = None) -> None:
    """Tell the room who is here now (``presence``: already computed in this transaction)."""
    if session.id in _presence_due:  # a broadcast is coming, and it will read the state then
        return
    if presence is None:
        presence = room.presence(session)
    people = presence["counts"]["total"]
    shortest, longest = PRESENCE_BATCH_SECONDS
    interval = min(longest, max(shortest, people / PRESENCE_BATCH_PEOPLE_PER_SECOND))
    wait = _presence_sent.get(session.id, float("-inf")) + interval - time.monotonic()
    if people < PRESENCE_BATCH_FROM or wait <= 0:
        _send_presence(session.id, presence)
        return
    _presence_due.add(session.id)
    socketio.start_background_task(_send_presence_later, current_app._get_current_object(), session.id, wait)


def _load_session(data) -> LiveSession:
    if not isinstance(data, dict):
        raise RoomError(_("Missing or invalid session_id."))
    session = db.session.get(LiveSession, room.as_id(data.get("session_id"), "session_id"))
    if session is None or session.archived_at is not None or not can_join(current_user, session):
        raise RoomError(_("You cannot join this session."))
    if release_lock(current_user, session) is not None:
        raise RoomError(_("This session's item is still locked for you: its page says what unlocks it."))
    if session.phase != Phase.ONLINE.value:  # offline sessions have a check-in, not a room
        raise RoomError(_("This session takes place in person: it has no live room."))
    return session


def socket_handler(rule: str, *, needs_room: bool = True):
    """Guard, error handling and clean-up shared by every room event.

    The wrapped function receives (session, user, data) and returns room events (or None) to
    broadcast, or a dict to merge into the ack. Errors become {"ok": False, "error": message}.
    """
    if rule not in {"member", "moderator"}:
        raise ValueError(rule)

    def decorate(handler):
        @wraps(handler)
        def wrapped(data=None, *_args):
            try:
                user = _fresh_user()
                if not user.is_authenticated:
                    raise RoomError(_("Please sign in again."))
                session = _load_session(data)
                if rule == "moderator" and not can_moderate(user, session):
                    raise RoomError(_("Only the session's trainers and coordinators can do this."))
                if needs_room and room_name(session.id) not in rooms(namespace=NAMESPACE):
                    raise RoomError(_("Join the session first."))
                result = handler(session, user, data)
                db.session.commit()
                ack = {"ok": True}
                if isinstance(result, dict):
                    ack.update(result)
                elif result is not None:
                    events = result if isinstance(result, list) else [result]
                    broadcast(session, events)
                    ack["event_ids"] = [event.id for event in events if event is not None]
                return ack
            except RoomError as error:
                db.session.rollback()
                return {"ok": False, "error": error.message}
            except Exception:  # never a server error for the client: log it and say so
                db.session.rollback()
                log.exception("live room event %s failed", handler.__name__)
                return {"ok": False, "error": _("Something went wrong. Please try again.")}
            finally:
                db.session.remove()

        wrapped.socket_access_rule = rule
        return wrapped

    return decorate


# Connection -------------------------------------------------------------------------------------

@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth=None):
    try:
        user = _fresh_user()
        if not user.is_authenticated:
            raise ConnectionRefusedError(_("Please sign in to join the live room."))
        origin = request.headers.get("Origin")
        if origin and not _same_origin(origin, request.host_url):
            raise ConnectionRefusedError(_("This connection comes from another site."))
        return True
    finally:
        db.session.remove()


on_connect.socket_access_rule = "authenticated"


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args):
    try:
        closed = attendance.connection_closed(request.sid)
        db.session.commit()
        for session_id in {connection.session_id for connection in closed}:
            session = db.session.get(LiveSession, session_id)
            if session is not None:
                broadcast_presence(session)
    except Exception:
        db.session.rollback()
        log.exception("closing live connection %s failed", request.sid)
    finally:
        db.session.remove()


@socketio.on("join", namespace=NAMESPACE)
@socket_handler("member", needs_room=False)
def on_join(session, user, data):
    events = room.replay(session, data.get("last_event_id"))
    if room_name(session.id) not in rooms(namespace=NAMESPACE):
        join_room(room_name(session.id), namespace=NAMESPACE)
        attendance.connection_opened(session, user, request.sid)
        db.session.flush()
    state = room.room_state(session, user)
    presence = room.presence(session)
    broadcast_presence(session, presence)
    return {"session": state, "events": events, "presence": presence}


# Chat -------------------------------------------------------------------------------------------

@socketio.on("chat", namespace=NAMESPACE)
@socket_handler("member")
def on_chat(session, user, data):
    return room.post_chat(session, user, data.get("text"))


@socketio.on("delete_message", namespace=NAMESPACE)
@socket_handler("moderator")
def on_delete_message(session, user, data):
    return room.delete_message(session, user, data.get("message_id"))


@socketio.on("mute", namespace=NAMESPACE)
@socket_handler("moderator")
def on_mute(session, user, data):
    return room.mute(session, user, data.get("user_id"))


@socketio.on("unmute", namespace=NAMESPACE)
@socket_handler("moderator")
def on_unmute(session, user, data):
    return room.unmute(session, user, data.get("user_id"))


# Hands ------------------------------------------------------------------------------------------

@socketio.on("raise_hand", namespace=NAMESPACE)
@socket_handler("member")
def on_raise_hand(session, user, data):
    return room.raise_hand(session, user)


@socketio.on("lower_hand", namespace=NAMESPACE)
@socket_handler("member")  # someone else's hand: moderators only, checked in room.lower_hand
def on_lower_hand(session, user, data):
    return room.lower_hand(session, user, data.get("user_id"))


# Polls ------------------------------------------------------------------------------------------

@socketio.on("poll_open", namespace=NAMESPACE)
@socket_handler("moderator")
def on_poll_open(session, user, data):
    return room.open_poll(session, user, data.get("question"), data.get("options"), data.get("multiple", False))


@socketio.on("poll_vote", namespace=NAMESPACE)
@socket_handler("member")
def on_poll_vote(session, user, data):
    return room.vote(session, user, data.get("poll_id"), data.get("choices"))


@socketio.on("poll_close", namespace=NAMESPACE)
@socket_handler("moderator")
def on_poll_close(session, user, data):
    return room.close_poll(session, user, data.get("poll_id"))


# Questions --------------------------------------------------------------------------------------

@socketio.on("question_ask", namespace=NAMESPACE)
@socket_handler("member")
def on_question_ask(session, user, data):
    return room.ask_question(session, user, data.get("text"))


@socketio.on("question_upvote", namespace=NAMESPACE)
@socket_handler("member")
def on_question_upvote(session, user, data):
    return room.upvote(session, user, data.get("question_id"))


@socketio.on("question_answered", namespace=NAMESPACE)
@socket_handler("moderator")
def on_question_answered(session, user, data):
    return room.mark_answered(session, user, data.get("question_id"))


# The session ------------------------------------------------------------------------------------

@socketio.on("session_start", namespace=NAMESPACE)
@socket_handler("moderator")
def on_session_start(session, user, data):
    return room.start_session(session, user)


@socketio.on("session_end", namespace=NAMESPACE)
@socket_handler("moderator")
def on_session_end(session, user, data):
    return room.end_session(session, user)


# Event name -> handler, for the access walk (each has ``socket_access_rule``).
HANDLERS = {
    "join": on_join, "chat": on_chat, "delete_message": on_delete_message, "mute": on_mute,
    "unmute": on_unmute, "raise_hand": on_raise_hand, "lower_hand": on_lower_hand,
    "poll_open": on_poll_open, "poll_vote": on_poll_vote, "poll_close": on_poll_close,
    "question_ask": on_question_ask, "question_upvote": on_question_upvote,
    "question_answered": on_question_answered, "session_start": on_session_start,
    "session_end": on_session_end,
}


def _keep_across_rebinds() -> None:
    """create_app binds the shared ``socketio`` before importing this module, so the handlers above
    went straight to the current server; queue them on the extension too, so that a later
    ``init_app`` (another app in the same process, e.g. tests' ``make_app``) registers them again."""
    if socketio.server is None:
        return
    registered = socketio.server.handlers.get(NAMESPACE, {})
    queued = {(message, namespace) for message, _handler, namespace in socketio.handlers}
    for message in ["connect", "disconnect", *HANDLERS]:
        if (message, NAMESPACE) not in queued and message in registered:
            socketio.handlers.append((message, registered[message], NAMESPACE))


_keep_across_rebinds()
