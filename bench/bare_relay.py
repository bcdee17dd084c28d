"""The floor of ``bench/live_fanout.py``: a bare Flask-SocketIO app that only relays chat to a room.

Served exactly like the real app (gunicorn, one gevent worker), with the live room's namespace and
event names, so the clients of the benchmark talk to both the same way:

    gunicorn --worker-class gevent --workers 1 --bind 127.0.0.1:5701 bench.bare_relay:app

No database, no access checks, no record: "join" joins the room, "chat" emits the text to it.
"""

from __future__ import annotations

import itertools
import os

from flask import Flask, request
from flask_socketio import SocketIO, emit, join_room

NAMESPACE = "/live"

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "bare-relay")
socketio = SocketIO(app, async_mode=os.environ.get("SOCKETIO_ASYNC_MODE", "gevent"))
_ids = itertools.count(1)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@socketio.on("join", namespace=NAMESPACE)
def on_join(data):
    join_room(f"live:{data['session_id']}", namespace=NAMESPACE)
    return {"ok": True, "sid": request.sid}


@socketio.on("chat", namespace=NAMESPACE)
def on_chat(data):
    event_id = next(_ids)
    emit("event", {"id": event_id, "kind": "chat", "data": {"text": data["text"]}},
         to=f"live:{data['session_id']}", namespace=NAMESPACE)
    return {"ok": True, "event_ids": [event_id]}
