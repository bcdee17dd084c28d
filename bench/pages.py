"""Render time of the main pages with the demo programs loaded.

The floor is ``/healthz`` (one trivial query, no template) measured in the
same run: each page is reported in milliseconds and as a multiple of it, with
its SQL query count.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="lms-bench-")
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    from sqlalchemy import event, select

    from lms import create_app
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.programs.models import Module, Program

    app = create_app("testing")
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["lms", "demo"])
        assert result.exit_code == 0, result.output
        program_id = db.session.scalar(select(Program.id).where(Program.code == "CETP-2024"))
        module_id = db.session.scalar(select(Module.id).order_by(Module.id))
        users = {u.email: u for u in db.session.scalars(select(User)).all()}

    def client_for(email):
        client = app.test_client()
        if email:
            from tests.conftest import sign_in

            with app.app_context():
                sign_in(app, client, db.session.merge(users[email]))
        return client

    pages = [
        ("floor: /healthz", None, "/healthz"),
        ("participant home", "participant@demo.test", "/"),
        ("trainer home", "trainer@demo.test", "/"),
        ("coordinator home", "coordinator@demo.test", "/"),
        ("programs list", "coordinator@demo.test", "/programs/"),
        ("program detail", "coordinator@demo.test", f"/programs/{program_id}"),
        ("program people", "coordinator@demo.test", f"/programs/{program_id}/people"),
        ("people directory", "coordinator@demo.test", "/people"),
        ("module page (trainer)", "trainer@demo.test", f"/modules/{module_id}"),
    ]
    queries: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(args[2]))

    floor = None
    print(f"{'page':28} {'median ms':>10} {'x floor':>8} {'queries':>8}")
    for label, email, path in pages:
        client = client_for(email)
        assert client.get(path).status_code == 200, path
        timings = []
        for _ in range(ROUNDS):
            queries.clear()
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        median = statistics.median(timings)
        floor = floor or median
        print(f"{label:28} {median:10.2f} {median / floor:8.1f} {len(queries):8d}")


if __name__ == "__main__":
    main()
