"""The app as `make run` serves it: gunicorn with a gevent worker, migrated database, demo loaded."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_gunicorn_gevent_serves_migrated_demo(tmp_path):
    env = {
        **os.environ,
        "LMS_CONFIG": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "MAIL_BACKEND": "log",
    }
    env.pop("SOCKETIO_ASYNC_MODE", None)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=PROJECT, env=env, check=True, capture_output=True)
    loaded = subprocess.run([*flask, "lms", "demo", "--if-empty"], cwd=PROJECT, env=env, check=True,
                            capture_output=True, text=True)
    assert "participant@demo.test" in loaded.stdout
    again = subprocess.run([*flask, "lms", "demo", "--if-empty"], cwd=PROJECT, env=env, check=True,
                           capture_output=True, text=True)
    assert "participant@demo.test" not in again.stdout

    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--worker-class", "gevent", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "wsgi:app"],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200 and '"ok"' in body
        status, body = _get(f"{base}/login")
        assert status == 200 and 'name="password"' in body
        # The Socket.IO endpoint answers (engine.io polling handshake).
        status, body = _get(f"{base}/socket.io/?EIO=4&transport=polling")
        assert status in (200, 400)
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0].decode(errors="replace")
    assert "Traceback" not in output, output
