"""Fan-out of the live room: N clients in one room on ONE server process, one sender.

For the real live room (``lms.live``: namespace "/live", the page's events "join" and "chat") and,
in the same run, for a bare Flask-SocketIO relay (``bench/bare_relay.py``: join a room, relay chat
to it, nothing else), both served like the app (gunicorn, one gevent worker) on a free port in
5700-5799, it measures:

- delivered and lost messages (every (message, client) pair the server acknowledged must arrive once);
- p50, p95 and p99 delivery latency (sender's clock in the message to receiver's clock on arrival;
  every process runs on this machine and reads the same monotonic clock);
- the time to connect and join the N clients;
- the server worker's resident memory before the N clients connect and after they all joined
  (kb_per_client = difference / N), and its CPU while messages flow.

The N clients run in ``--client-procs`` gevent processes (raw Engine.IO/Socket.IO over websocket,
as the page does with ``transports: ["websocket", ...]``); their CPU share is printed so one can see
the client side is not the bottleneck. The sender is a trainer of the session (the real room asks
for access on every event); it paces its messages to stay within the room's chat rate limit
(``lms.live.room.CHAT_RATE_MESSAGES`` per ``CHAT_RATE_SECONDS``; trainers are not exempt), with the
same pacing for the relay, so latency is measured, not a backlog.

Sign-in: the accounts share one password hash (hashing 1000 passwords with argon2 takes minutes)
and nobody signs in with it: each client carries a session cookie signed with the server's SECRET_KEY, as
``tests/conftest.py:sign_in`` makes one.

    .venv/bin/python bench/live_fanout.py                 # 1000 clients, 50 messages, SQLite
    .venv/bin/python bench/live_fanout.py --clients 200 --messages 20
    .venv/bin/python bench/live_fanout.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL a scratch database is created next to the one named, and dropped afterwards.
The last line is ``live_fanout clients=N lost=L p99_ms=X floor_p99_ms=Y ratio=R kb_per_client=K``.
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and sys.argv[1:2] == ["_clients"]:  # a client process: gevent first
    from gevent import monkey

    monkey.patch_all()

import argparse
import itertools
import json
import os
import queue
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NAMESPACE = "/live"
USER_AGENT = "lms-live-fanout-bench/1.0"
PORTS = range(5700, 5800)
COUNTRIES = ["KE", "VN", "GH", "ID", "PH", "UZ", "KH", "NP", "ET", "MN"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
EVENT_PREFIX = f'42{NAMESPACE},["event",'
PRESENCE_PREFIX = f'42{NAMESPACE},["presence",'
ACK_PREFIX = f"43{NAMESPACE},"
MARK = "bench "


# A Socket.IO client (protocol 5 over Engine.IO 4, websocket transport) ---------------------------

class LiveClient:
    """One socket on the "/live" namespace. A reader (a thread, or a greenlet in client processes)
    answers pings, hands acks to ``call`` and keeps the arrival time of every room event that
    carries the benchmark's mark; presence broadcasts are only counted."""

    def __init__(self, base_url: str, cookie: str, *, record: bool):
        import websocket  # websocket-client (requirements-dev.txt)

        self.record = record
        self.frames: list[tuple[float, str]] = []
        self.presence = 0
        self.closed = False
        self._acks: dict[int, object] = {}
        self._ack_ids = itertools.count(1)
        self._changed = threading.Condition()
        ws_url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(
            ws_url, timeout=60, origin=base_url, skip_utf8_validation=True, enable_multithread=True,
            header=[f"Cookie: {cookie}", f"User-Agent: {USER_AGENT}"])
        opening = self.ws.recv()
        if not opening.startswith("0"):
            raise RuntimeError(f"unexpected Engine.IO open packet {opening[:80]!r}")
        self.ws.send(f"40{NAMESPACE},")
        while True:
            reply = self.ws.recv()
            if reply.startswith(f"40{NAMESPACE},"):
                break
            if reply.startswith(f"44{NAMESPACE},"):
                raise RuntimeError(f"connection refused: {reply[len(NAMESPACE) + 3:][:200]}")
            if reply == "2":
                self.ws.send("3")
        self.ws.settimeout(None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        ws, frames, monotonic = self.ws, self.frames, time.monotonic
        try:
            while True:
                frame = ws.recv()
                arrived = monotonic()
                if frame.startswith(EVENT_PREFIX):
                    if self.record and MARK in frame:
                        frames.append((arrived, frame))
                elif frame.startswith(PRESENCE_PREFIX):
                    self.presence += 1
                elif frame == "2":
                    ws.send("3")
                elif frame.startswith(ACK_PREFIX):
                    body = frame[len(ACK_PREFIX):]
                    bracket = body.index("[")
                    with self._changed:
                        self._acks[int(body[:bracket])] = json.loads(body[bracket:])[0]
                        self._changed.notify_all()
                elif frame == "1" or frame.startswith(f"41{NAMESPACE}"):
                    break
        except Exception:  # noqa: BLE001 - a closed socket ends the reader
            pass
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def call(self, event: str, data: dict, timeout: float = 60):
        ack_id = next(self._ack_ids)
        self.ws.send(f"42{NAMESPACE},{ack_id}" + json.dumps([event, data]))
        deadline = time.monotonic() + timeout
        with self._changed:
            while ack_id not in self._acks:
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    raise RuntimeError(f"no ack for {event!r} ({'closed' if self.closed else 'timeout'})")
                self._changed.wait(remaining)
            return self._acks.pop(ack_id)

    def send_stamped(self, event: str, data: dict, text_prefix: str) -> tuple[int, float]:
        """Send ``event`` whose text ends with the send time, taken just before the write."""
        ack_id = next(self._ack_ids)
        sent = time.monotonic()
        payload = dict(data, text=f"{text_prefix} {sent:.6f}")
        self.ws.send(f"42{NAMESPACE},{ack_id}" + json.dumps([event, payload]))
        return ack_id, sent

    def wait_ack(self, ack_id: int, timeout: float = 60):
        deadline = time.monotonic() + timeout
        with self._changed:
            while ack_id not in self._acks:
                remaining = deadline - time.monotonic()
                if self.closed or remaining <= 0:
                    return None
                self._changed.wait(remaining)
            return self._acks.pop(ack_id)

    def close(self) -> None:
        try:
            self.ws.close(timeout=0.2)
        except Exception:  # noqa: BLE001
            pass


# Client processes -------------------------------------------------------------------------------

def client_process() -> None:
    """``live_fanout.py _clients``: connect the clients named on stdin, then obey commands."""
    import gevent
    from gevent.fileobject import FileObject
    from gevent.pool import Pool

    stdin = FileObject(sys.stdin.fileno(), "r")

    def say(**message) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    config = json.loads(stdin.readline())
    clients: list[LiveClient | None] = [None] * len(config["cookies"])
    connect_ms: list[float] = []
    errors: list[str] = []

    def connect(index: int) -> None:
        started = time.monotonic()
        try:
            client = LiveClient(config["url"], config["cookies"][index], record=True)
            ack = client.call("join", {"session_id": config["session_id"], "last_event_id": None},
                              timeout=config["timeout"])
            if not (isinstance(ack, dict) and ack.get("ok")):
                raise RuntimeError(f"join refused: {ack!r}"[:200])
            clients[index] = client
            connect_ms.append((time.monotonic() - started) * 1000)
        except Exception as error:  # noqa: BLE001
            errors.append(f"{type(error).__name__}: {error}"[:300])

    pool = Pool(config["concurrency"])
    for index in range(len(clients)):
        pool.spawn(connect, index)
    pool.join()
    say(event="connected", ok=sum(c is not None for c in clients), failed=len(errors), errors=errors[:5],
        connect_ms=connect_ms)

    usage = None
    wall = None
    while True:
        line = stdin.readline()
        if not line:
            break
        command = json.loads(line)
        if command["cmd"] == "mark":
            for client in clients:
                if client is not None:
                    client.frames.clear()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            wall = time.monotonic()
            say(event="marked")
        elif command["cmd"] == "collect":
            expected = set(command["expected"])
            deadline = time.monotonic() + command["timeout"]

            def complete() -> bool:
                return all(client is None or client.closed or len(client.frames) >= len(expected)
                           for client in clients)

            while not complete() and time.monotonic() < deadline:
                gevent.sleep(0.05)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime) if usage else 0.0
            latencies: list[float] = []
            received = duplicates = missing = unexpected = 0
            for client in clients:
                if client is None:
                    missing += len(expected)
                    continue
                seen: set[int] = set()
                for arrived, frame in client.frames:
                    text = json.loads(frame[len(f"42{NAMESPACE},"):])[1]["data"].get("text", "")
                    parts = text.split()
                    if len(parts) != 4 or parts[0] != MARK.strip() or parts[1] != command["run"]:
                        continue
                    seq, sent = int(parts[2]), float(parts[3])
                    if seq not in expected:
                        unexpected += 1
                        continue
                    if seq in seen:
                        duplicates += 1
                        continue
                    seen.add(seq)
                    received += 1
                    latencies.append(round((arrived - sent) * 1000, 3))
                missing += len(expected - seen)
            say(event="result", latencies_ms=latencies, received=received, missing=missing, duplicates=duplicates,
                unexpected=unexpected, closed=sum(1 for c in clients if c is not None and c.closed),
                cpu_s=cpu, wall_s=time.monotonic() - wall if wall else 0.0)
    for client in clients:
        if client is not None:
            client.close()


class ClientProcess:
    """The parent's handle on one client process: a JSON line in, JSON lines out."""

    def __init__(self, url: str, session_id: int, cookies: list[str], concurrency: int, timeout: float,
                 log_path: Path):
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "_clients"], cwd=PROJECT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1,
            preexec_fn=_die_with_parent)
        self.messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.send(url=url, session_id=session_id, cookies=cookies, concurrency=concurrency, timeout=timeout)

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def send(self, **message) -> None:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def receive(self, event: str, timeout: float) -> dict:
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"client process: no {event!r} within {timeout:.0f} s") from None
        if message is None or message.get("event") != event:
            raise RuntimeError(f"client process: expected {event!r}, got {message!r}; "
                               f"see {self._log.name}")
        return message

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


# Processes --------------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """Children get SIGTERM if the benchmark dies without cleaning up (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class Server:
    """One gunicorn with ONE gevent worker, as ``make run`` and deploy/nginx.conf serve the app."""

    def __init__(self, app: str, env: dict, log_path: Path, worker_connections: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("wb")
        # gunicorn's gevent worker serves at most --worker-connections sockets (default 1000).
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--worker-class", "gevent", "--workers", "1",
             "--worker-connections", str(worker_connections), "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "3", app],
            cwd=PROJECT, env=env, stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        self.worker_pid: int | None = None

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.url} exited:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"server {self.url} did not answer /healthz:\n{self.tail()}")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        if len(children) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {children}")
        self.worker_pid = int(children[0])

    def rss_kb(self) -> int:
        fields = Path(f"/proc/{self.worker_pid}/statm").read_text().split()
        return int(fields[1]) * PAGE_SIZE // 1024

    def cpu_s(self) -> float:
        stat = Path(f"/proc/{self.worker_pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def wait_idle(self, *, busy_below: float = 0.05, quiet_for: float = 2.0, timeout: float = 600) -> float:
        """Wait until the worker has used less than ``busy_below`` of a CPU for ``quiet_for`` seconds."""
        started = time.monotonic()
        quiet_since = None
        last_cpu, last_at = self.cpu_s(), time.monotonic()
        while time.monotonic() - started < timeout:
            time.sleep(0.5)
            cpu, now = self.cpu_s(), time.monotonic()
            if (cpu - last_cpu) / (now - last_at) < busy_below:
                quiet_since = quiet_since or last_at
                if now - quiet_since >= quiet_for:
                    return quiet_since - started
            else:
                quiet_since = None
            last_cpu, last_at = cpu, now
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.worker_pid:
            try:
                os.kill(self.worker_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._log.close()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# The database -----------------------------------------------------------------------------------

def scratch_database(url: str | None, workdir: Path, cleanup: ExitStack) -> str:
    """A fresh database: a SQLite file in ``workdir``, or a new PostgreSQL database dropped at exit."""
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from config import normalise_database_url

    base = normalise_database_url(url)
    if not base.startswith("postgresql"):
        raise SystemExit("--database-url: a PostgreSQL URL (SQLite is the default)")
    name = f"lms_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    cleanup.callback(drop)
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def seed(clients: int) -> dict:
    """Tables, a program with one module and its trainer, ``clients`` enrolled participants, a live
    session of the module happening now; session cookies for everyone (no passwords)."""
    from datetime import timedelta

    from flask_login.utils import _create_identifier

    from lms import create_app
    from lms.accounts.passwords import hash_password
    from lms.core.database import utcnow
    from lms.extensions import db
    from tests import factories

    app = create_app()
    with app.app_context():
        db.create_all()
        # One hash for everyone (an account without one cannot sign in); nobody types the password.
        password_hash = hash_password(uuid.uuid4().hex)
        trainer = factories.make_user(email="trainer@bench.test", name="Tamar Trainer", country="KR",
                                      timezone="Asia/Seoul", password=None)
        trainer.password_hash = password_hash
        program = factories.make_program()
        track = factories.make_track(program)
        module = factories.make_module(track, trainers=[trainer])
        participants = []
        for n in range(clients):
            user = factories.make_user(email=f"participant{n:05d}@bench.test", name=f"Participant {n:05d}",
                                       country=COUNTRIES[n % len(COUNTRIES)], password=None)
            user.password_hash = password_hash
            factories.enrol(user, program, module=module)
            participants.append(user)
            if n % 200 == 199:  # dashboard summary tracking marks each enrolment of a transaction in one
                db.session.commit()  # statement, too deep for SQLite with ~1000 of them
        unit = factories.make_unit(module)
        session = factories.make_live_session(unit, title="Fan-out benchmark",
                                              starts_at=utcnow() - timedelta(minutes=5), minutes=240)
        db.session.commit()
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                      headers={"User-Agent": USER_AGENT}):
            identifier = _create_identifier()
        serializer = app.session_interface.get_signing_serializer(app)
        name = app.config["SESSION_COOKIE_NAME"]

        def cookie(user) -> str:
            value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True, "_id": identifier})
            return f"{name}={value}"

        return {"session_id": session.id, "trainer": cookie(trainer),
                "participants": [cookie(user) for user in participants]}


# One run against one server ---------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def measure(label: str, server: Server, data: dict, args, workdir: Path, *, start_session: bool) -> dict:
    print(f"\n[{label}] {server.url}, {args.clients} clients in {args.client_procs} processes", flush=True)
    server.wait_ready()
    result: dict = {"label": label}
    with ExitStack() as cleanup:
        sender = LiveClient(server.url, data["trainer"], record=False)
        cleanup.callback(sender.close)
        ack = sender.call("join", {"session_id": data["session_id"], "last_event_id": None})
        assert isinstance(ack, dict) and ack.get("ok"), ack
        if start_session:
            ack = sender.call("session_start", {"session_id": data["session_id"]})
            assert isinstance(ack, dict) and ack.get("ok"), ack
        server.wait_idle(quiet_for=1.0)
        rss_before = server.rss_kb()

        cookies = data["participants"]
        started = time.monotonic()
        processes = []
        for index in range(args.client_procs):
            share = cookies[index::args.client_procs]
            process = ClientProcess(server.url, data["session_id"], share, args.concurrency, args.connect_timeout,
                                    workdir / f"clients-{label}-{index}.log")
            cleanup.callback(process.stop)
            processes.append(process)
        connected = [p.receive("connected", timeout=args.connect_timeout + 60) for p in processes]
        connect_s = time.monotonic() - started
        # Quiet for longer than the live room's longest presence interval (lms.live.events), so that
        # the steady state is measured, not a moment before the last deferred broadcast.
        settle_s = server.wait_idle(quiet_for=12.0)
        rss_after = server.rss_kb()
        ok = sum(c["ok"] for c in connected)
        errors = [e for c in connected for e in c["errors"]]
        connect_ms = [ms for c in connected for ms in c["connect_ms"]]
        print(f"  connected {ok}/{args.clients} in {connect_s:.1f} s (join p50 {percentile(connect_ms, .5):.0f} ms, "
              f"p99 {percentile(connect_ms, .99):.0f} ms), server busy {settle_s:.1f} s more; "
              f"RSS {rss_before / 1024:.1f} -> {rss_after / 1024:.1f} MB", flush=True)
        for error in errors[:5]:
            print(f"  connect error: {error}", flush=True)

        for process in processes:
            process.send(cmd="mark")
        for process in processes:
            process.receive("marked", timeout=30)
        run = uuid.uuid4().hex[:8]
        cpu_before, wall_before = server.cpu_s(), time.monotonic()
        acked: list[int] = []
        refused: list[str] = []
        last = None
        first_send = time.monotonic()
        for seq in range(1, args.messages + 1):
            due = max(first_send + (seq - 1) * args.interval, (last or 0) + args.interval)
            time.sleep(max(0.0, due - time.monotonic()))
            ack_id, last = sender.send_stamped("chat", {"session_id": data["session_id"]}, f"{MARK}{run} {seq}")
            ack = sender.wait_ack(ack_id, timeout=30)
            if isinstance(ack, dict) and ack.get("ok"):
                acked.append(seq)
            else:
                refused.append(f"message {seq}: {ack!r}"[:200])
        for process in processes:
            process.send(cmd="collect", expected=acked, timeout=args.drain, run=run)
        results = [p.receive("result", timeout=args.drain + 120) for p in processes]
        server_cpu = (server.cpu_s() - cpu_before) / (time.monotonic() - wall_before)

    latencies = [ms for r in results for ms in r["latencies_ms"]]
    delivered = sum(r["received"] for r in results)
    expected = len(acked) * args.clients
    client_cpu = [r["cpu_s"] / r["wall_s"] for r in results if r["wall_s"]]
    result.update(
        connected=ok, connect_s=connect_s, connect_p99_ms=percentile(connect_ms, .99), settle_s=settle_s,
        sent=args.messages, acked=len(acked), refused=refused, expected=expected, delivered=delivered,
        lost=expected - delivered + len(refused) * args.clients,
        duplicates=sum(r["duplicates"] for r in results), closed=sum(r["closed"] for r in results),
        p50=percentile(latencies, .50), p95=percentile(latencies, .95), p99=percentile(latencies, .99),
        max=max(latencies) if latencies else float("nan"),
        rss_before_kb=rss_before, rss_after_kb=rss_after,
        kb_per_client=(rss_after - rss_before) / args.clients,
        server_cpu=server_cpu, client_cpu=max(client_cpu) if client_cpu else float("nan"),
        interval=args.interval,
    )
    for line in refused[:5]:
        print(f"  refused: {line}", flush=True)
    if "Traceback" in server.log_path.read_text(errors="replace"):
        print(f"  the server logged a traceback:\n{server.tail()}", flush=True)
    return result


def report(rows: list[dict]) -> None:
    columns = [
        ("", lambda r: r["label"], "{:<10}"),
        ("connected", lambda r: r["connected"], "{:>9}"),
        ("connect s", lambda r: r["connect_s"], "{:>9.1f}"),
        ("delivered", lambda r: r["delivered"], "{:>9}"),
        ("lost", lambda r: r["lost"], "{:>6}"),
        ("dup", lambda r: r["duplicates"], "{:>4}"),
        ("p50 ms", lambda r: r["p50"], "{:>8.1f}"),
        ("p95 ms", lambda r: r["p95"], "{:>8.1f}"),
        ("p99 ms", lambda r: r["p99"], "{:>8.1f}"),
        ("max ms", lambda r: r["max"], "{:>8.1f}"),
        ("RSS0 MB", lambda r: r["rss_before_kb"] / 1024, "{:>8.1f}"),
        ("RSS1 MB", lambda r: r["rss_after_kb"] / 1024, "{:>8.1f}"),
        ("KB/client", lambda r: r["kb_per_client"], "{:>9.1f}"),
        ("srv cpu ms", lambda r: r["server_cpu"] * r["interval"] * 1000, "{:>10.0f}"),
        ("cli cpu ms", lambda r: r["client_cpu"] * r["interval"] * 1000, "{:>10.0f}"),
    ]
    print()
    print(" ".join(f"{title:>{len(fmt.format(getter(rows[0])))}}" if title else " " * 10
                   for title, getter, fmt in columns))
    for row in rows:
        print(" ".join(fmt.format(getter(row)) for _title, getter, fmt in columns))
    print("(cpu ms: CPU time per message of the server worker, and of the busiest client process, while\n"
          " messages flow; the client processes run beside the server, so theirs well below the server's\n"
          " means the clients are not what the latency measures)")


def main() -> int:
    from lms.live.room import CHAT_RATE_MESSAGES, CHAT_RATE_SECONDS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="clients in the room (default 1000)")
    parser.add_argument("--messages", type=int, default=50, help="messages the sender sends (default 50)")
    parser.add_argument("--interval", type=float, default=round(CHAT_RATE_SECONDS / CHAT_RATE_MESSAGES * 1.25, 2),
                        help="seconds between messages (default: just under the room's chat rate limit)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--concurrency", type=int, default=25, help="connections opened at once per client process")
    parser.add_argument("--connect-timeout", type=float, default=600, help="seconds for all clients to join")
    parser.add_argument("--drain", type=float, default=15, help="seconds to wait for stragglers after the last message")
    parser.add_argument("--database-url", help="PostgreSQL server to create a scratch database in (default SQLite)")
    parser.add_argument("--only", choices=["live", "floor"], help="measure one server only")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    workdir = Path(tempfile.mkdtemp(prefix="lms-live-fanout-"))
    rows: list[dict] = []
    with ExitStack() as cleanup:
        if not args.keep:
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        else:
            print(f"keeping {workdir}")
        database_url = scratch_database(args.database_url, workdir, cleanup)
        env = {**os.environ, "LMS_CONFIG": "development", "DATABASE_URL": database_url,
               "SECRET_KEY": f"bench-{uuid.uuid4().hex}", "MAIL_BACKEND": "log",
               "UPLOAD_FOLDER": str(workdir / "uploads"), "SCHEDULER_ENABLED": "0"}
        for name in ("SOCKETIO_ASYNC_MODE", "REDIS_URL", "PROXY_COUNT", "SECURE_COOKIES", "TEST_DATABASE_URL"):
            env.pop(name, None)
        os.environ.update({key: env[key] for key in ("LMS_CONFIG", "DATABASE_URL", "SECRET_KEY", "UPLOAD_FOLDER")})
        started = time.monotonic()
        data = seed(args.clients)
        print(f"seeded {args.clients} participants and a trainer in {time.monotonic() - started:.1f} s "
              f"({database_url.split(':', 1)[0]}); messages every {args.interval} s", flush=True)
        worker_connections = max(1000, args.clients + 100)
        for label, app, start_session in (("floor", "bench.bare_relay:app", False), ("live", "wsgi:app", True)):
            if args.only and args.only != label:
                continue
            server = Server(app, env, workdir / f"server-{label}.log", worker_connections)
            try:
                rows.append(measure(label, server, data, args, workdir, start_session=start_session))
            finally:
                server.stop()
    report(rows)
    by_label = {row["label"]: row for row in rows}
    live, floor = by_label.get("live"), by_label.get("floor")
    main_row = live or floor
    ratio = live["p99"] / floor["p99"] if live and floor else float("nan")
    print(f"live_fanout clients={args.clients} lost={main_row['lost']} p99_ms={main_row['p99']:.1f} "
          f"floor_p99_ms={floor['p99'] if floor else float('nan'):.1f} ratio={ratio:.2f} "
          f"kb_per_client={main_row['kb_per_client']:.1f}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_clients"]:
        client_process()
    else:
        sys.path.insert(0, str(PROJECT))
        try:
            sys.exit(main())
        except KeyboardInterrupt:
            print("interrupted; servers and clients stopped", file=sys.stderr)
            sys.exit(130)
