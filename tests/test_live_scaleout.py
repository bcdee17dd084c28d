"""Scale-out: two server processes sharing one database and Redis act as one live room.

Each gunicorn (gevent worker) process only knows its own sockets; with ``REDIS_URL`` set the
Socket.IO server publishes every emit through Redis, so a message sent by a client of one process
reaches the clients of the other. Presence is computed from the shared database, so both
processes see everybody. The clients talk to the processes as nginx (deploy/nginx.conf) would:
with X-Forwarded-* headers and the public https Origin, the processes running with PROXY_COUNT=1.

Run it alone with ``.venv/bin/python -m pytest tests/test_live_scaleout.py`` (needs Redis on
127.0.0.1:6379; on PostgreSQL when TEST_DATABASE_URL names one, else a temporary SQLite file).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
import requests
import socketio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.factories import PASSWORD

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/7")
USER_AGENT = "lms-scaleout-test/1.0"
# What nginx (deploy/nginx.conf) adds in front of the processes; they run with PROXY_COUNT=1.
PUBLIC_URL = "https://lms.example.test"
FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "lms.example.test"}
WAIT = 10  # seconds, for every expected message

pytestmark = pytest.mark.slow

SEED = r"""
import json
from datetime import timedelta

from lms import create_app
from lms.core.database import utcnow
from lms.extensions import db
from tests import factories

app = create_app()
with app.app_context():
    trainer = factories.make_user(email="trainer@scaleout.test", name="Tamar Trainer", country="KR")
    first = factories.make_user(email="amina@scaleout.test", name="Amina Participant", country="KE")
    second = factories.make_user(email="bao@scaleout.test", name="Bao Participant", country="VN")
    program = factories.make_program()
    track = factories.make_track(program)
    module = factories.make_module(track, trainers=[trainer])
    for person in (first, second):
        factories.enrol(person, program, module=module)
    unit = factories.make_unit(module)
    session = factories.make_live_session(unit, title="Scale-out check",
                                          starts_at=utcnow() - timedelta(minutes=2), minutes=60)
    db.session.commit()
    print(json.dumps({"session_id": session.id, "trainer": trainer.id, "first": first.id,
                      "second": second.id}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A fresh database of the suite's kind: PostgreSQL (created, then dropped) or a SQLite file."""
    base = normalise_database_url(os.environ.get("TEST_DATABASE_URL", ""))
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scaleout.sqlite3'}"
        return
    name = f"lms_scaleout_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:  # CI starts Redis (.ci/run); so must a developer
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it with "
                    "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no")
    return REDIS_URL


class Server:
    """One gunicorn process with a gevent worker, its output in a log file."""

    def __init__(self, env: dict, log_path: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--worker-class", "gevent", "--workers", "1",
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "3", "wsgi:app"],
            cwd=PROJECT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server on {self.port} exited:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail(f"server on {self.port} did not answer /healthz:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def sign_in(server: Server, email: str) -> str:
    """Sign in over HTTP like a browser; returns the Cookie header for the Socket.IO handshake."""
    http = requests.Session()
    http.headers.update({"User-Agent": USER_AGENT, **FORWARDED})
    page = http.get(f"{server.url}/login", timeout=5)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = http.post(f"{server.url}/login", timeout=10, allow_redirects=False, headers={
        "Origin": PUBLIC_URL, "Referer": f"{PUBLIC_URL}/login"}, data={
        "csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": ""})
    assert response.status_code == 302, response.text[:1000]
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in http.cookies)


class Person:
    """A Socket.IO client on one server's /live namespace, recording what the room sends it."""

    def __init__(self, server: Server, email: str):
        self.server = server
        self.cookie = sign_in(server, email)
        # websocket-client adds an Origin of its own unless told not to; a browser sends one.
        self.client = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
        self.events: list[dict] = []
        self.presence: list[dict] = []
        self._changed = threading.Condition()
        self.client.on("event", self._on_event, namespace="/live")
        self.client.on("presence", self._on_presence, namespace="/live")

    def _on_event(self, data):
        with self._changed:
            self.events.append(data)
            self._changed.notify_all()

    def _on_presence(self, data):
        with self._changed:
            self.presence.append(data)
            self._changed.notify_all()

    def connect(self) -> None:
        self.client.connect(self.server.url, namespaces=["/live"], wait_timeout=WAIT, headers={
            "Cookie": self.cookie, "Origin": PUBLIC_URL, "User-Agent": USER_AGENT, **FORWARDED})

    def wait_upgraded(self) -> None:
        """Like a browser, the client starts with long-polling, then upgrades to a WebSocket."""
        deadline = time.monotonic() + WAIT
        while self.client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.client.transport() == "websocket"

    def call(self, name: str, data: dict) -> dict:
        reply = self.client.call(name, data, namespace="/live", timeout=WAIT)
        assert isinstance(reply, dict), reply
        return reply

    def wait_for(self, what: str, predicate, description: str):
        """The first recorded entry of ``what`` ("events" or "presence") matching ``predicate``, within WAIT s."""
        deadline = time.monotonic() + WAIT
        with self._changed:
            while True:
                found = next((entry for entry in getattr(self, what) if predicate(entry)), None)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(f"{self.server.url}: no {what} {description} within {WAIT} s; got "
                                f"{getattr(self, what)!r}")
                self._changed.wait(remaining)

    def wait_event(self, kind: str, predicate=lambda data: True):
        return self.wait_for("events", lambda event: event["kind"] == kind and predicate(event["data"]),
                             f"of kind {kind!r}")

    def wait_presence(self, predicate, description: str):
        return self.wait_for("presence", predicate, description)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def _people(presence: dict) -> set[int]:
    return {person["id"] for person in presence["people"]}


def test_two_processes_share_one_room_through_redis(tmp_path, database_url, redis_url):
    env = {
        **os.environ,
        "LMS_CONFIG": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SOCKETIO_CHANNEL": f"lms-scaleout-{uuid.uuid4().hex}",
        "SECRET_KEY": f"scaleout-{uuid.uuid4().hex}",
        "MAIL_BACKEND": "log",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PROXY_COUNT": "1",
    }
    for name in ("SOCKETIO_ASYNC_MODE", "SECURE_COOKIES", "TEST_DATABASE_URL"):
        env.pop(name, None)
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=PROJECT, env=env, check=True,
                   capture_output=True)
    seeded = subprocess.run([sys.executable, "-c", SEED], cwd=PROJECT, env=env, check=True,
                            capture_output=True, text=True)
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    session_id = ids["session_id"]

    servers: list[Server] = []
    with ExitStack() as cleanup:
        for name in ("a", "b"):
            server = Server(env, tmp_path / f"server-{name}.log")
            servers.append(server)
            cleanup.callback(server.stop)
        server_a, server_b = servers
        for server in servers:
            server.wait_ready()

        trainer = Person(server_a, "trainer@scaleout.test")  # on A
        second = Person(server_a, "bao@scaleout.test")  # on A
        first = Person(server_b, "amina@scaleout.test")  # on B
        for person in (trainer, second, first):
            cleanup.callback(person.close)

        # The trainer joins on A; the first participant joins on B; A sees both (presence is shared).
        trainer.connect()
        joined = trainer.call("join", {"session_id": session_id, "last_event_id": None})
        assert joined["ok"] is True, joined
        assert _people(joined["presence"]) == {ids["trainer"]}

        first.connect()
        joined = first.call("join", {"session_id": session_id, "last_event_id": None})
        assert joined["ok"] is True, joined
        assert _people(joined["presence"]) == {ids["trainer"], ids["first"]}
        trainer.wait_presence(lambda p: _people(p) == {ids["trainer"], ids["first"]},
                              "with the trainer (A) and the participant on B")

        second.connect()
        assert second.call("join", {"session_id": session_id, "last_event_id": None})["ok"] is True
        everyone = {ids["trainer"], ids["first"], ids["second"]}
        on_b = first.wait_presence(lambda p: _people(p) == everyone, "with all three people")
        assert on_b["counts"] == {"participant": 2, "trainer": 1, "coordinator": 0, "total": 3}

        # The trainer on A starts the session: the participant on B hears it.
        started = trainer.call("session_start", {"session_id": session_id})
        assert started["ok"] is True, started
        first.wait_event("session_started")

        # Chat sent through B arrives on A, with its author; and the other way round.
        sent = first.call("chat", {"session_id": session_id, "text": "Hello from server B"})
        assert sent["ok"] is True, sent
        chat = trainer.wait_event("chat", lambda data: "Hello from server B" in json.dumps(data))
        assert chat["actor"]["id"] == ids["first"]
        assert chat["actor"]["role"] == "participant"
        assert second.wait_event("chat", lambda data: "Hello from server B" in json.dumps(data))["id"] == chat["id"]
        assert trainer.call("chat", {"session_id": session_id, "text": "Welcome, from A"})["ok"] is True
        reply = first.wait_event("chat", lambda data: "Welcome, from A" in json.dumps(data))
        assert reply["actor"]["id"] == ids["trainer"] and reply["id"] > chat["id"]

        # A poll opened on A reaches B; a vote on B comes back to A as results.
        opened = trainer.call("poll_open", {"session_id": session_id, "question": "Ready for the field visit?",
                                            "options": ["Yes", "Not yet"], "multiple": False})
        assert opened["ok"] is True, opened
        poll_event = first.wait_event("poll_opened", lambda data: "Ready for the field visit?" in json.dumps(data))
        poll_id = poll_event["data"]["poll_id"]
        voted = first.call("poll_vote", {"session_id": session_id, "poll_id": poll_id, "choices": [0]})
        assert voted["ok"] is True, voted
        results = trainer.wait_event("poll_results", lambda data: data["poll_id"] == poll_id)
        assert results["data"]["counts"] == [1, 0] and results["data"]["voters"] == 1, results

        # The participant on B leaves: A's presence drops them.
        first.close()
        after = trainer.wait_presence(lambda p: _people(p) == {ids["trainer"], ids["second"]},
                                      "without the participant who left B")
        assert after["counts"]["participant"] == 1 and after["counts"]["total"] == 2

        # Both processes recorded the room once: events have one increasing id sequence.
        seen = [event["id"] for event in trainer.events]
        assert seen == sorted(set(seen)), seen
        for person in (trainer, second):
            person.wait_upgraded()

    for server in servers:
        output = server.output()
        assert "Traceback" not in output, output
        assert " ERROR " not in output, output

