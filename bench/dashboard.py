"""Scale benchmark of the coordinator's monitoring pages.

Generates two programs in one SQLite database, one of 1,000 and one of 10,000
participants, each participant following 40 items (an orientation unit and
their module's units: lessons, assignments, live sessions) with realistic
activity: some ahead, most in the middle, some behind; submissions graded,
released or waiting; live sessions attended or missed. Then, through the app
as a signed-in coordinator, it measures the program dashboard, the at-risk
list and the paginated participant list: p50 and p95 in milliseconds and the
number of SQL queries per page, at both sizes, against a floor (``/healthz``)
measured in the same run. The last line is

    dashboard participants=10000 p50_ms=X p95_ms=Y queries=Q queries_at_1000=Q1

Targets: the same query count at both sizes; dashboard p50 at most 250 ms at
10,000 participants. Run: ``.venv/bin/python bench/dashboard.py``
(``BENCH_ROUNDS``, ``BENCH_SIZES=1000,10000`` to change).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
ITEMS_PER_PARTICIPANT = 40
MODULES = 4
COUNTRIES = ["KE", "NG", "GH", "EG", "IN", "ID", "VN", "PH", "MN", "KZ", "UZ", "GE", "TR", "BR", "MX", "CO",
             "PE", "TH"]


def _insert(db, table, rows, chunk=5000):
    for start in range(0, len(rows), chunk):
        db.session.execute(table.insert(), rows[start:start + chunk])


def generate(db, size: int, seed: int, now: datetime) -> int:
    """One program of ``size`` participants with activity; returns its id. Bulk inserts, no ORM events."""
    from lms.assignments.models import Assignment, Grade, Submission, SubmissionVersion
    from lms.accounts.models import User
    from lms.enrolment.models import Enrolment
    from lms.learning.models import Completion, Item, Unit
    from lms.live.models import LiveSession
    from lms.programs.models import Field, Module, Program, Track

    rng = random.Random(seed)
    start = (now - timedelta(days=21)).date()
    program = Program(name=f"Bench program {size}", code=f"BENCH-{size}", year=now.year, timezone="Asia/Seoul",
                      online_start=start, online_end=start + timedelta(days=35), has_offline_phase=True)
    db.session.add(program)
    field = db.session.get(Field, 1) or Field(name="Bench field")
    db.session.add(field)
    tracks = [Track(program=program, name=name, position=n, offline_start=start + timedelta(days=50),
                    offline_end=start + timedelta(days=75)) for n, name in enumerate(("Intensive", "General"))]
    db.session.add_all(tracks)
    db.session.flush()
    modules = [Module(track=tracks[n % 2], field=field, title=f"Module {n + 1}", position=n) for n in range(MODULES)]
    db.session.add_all(modules)
    db.session.flush()

    # The outline: 4 program-wide items, then 36 per module (4 units of 9: 6 lessons, 2 assignments, 1 live).
    def unit(module, position, title):
        record = Unit(program_id=program.id, module_id=module.id if module else None, title=title, position=position)
        db.session.add(record)
        db.session.flush()
        return record

    outlines: dict[int | None, list[Item]] = {}
    orientation = unit(None, 0, "Orientation")
    outlines[None] = []
    for n in range(4):
        item = Item(unit_id=orientation.id, kind="lesson", title=f"Orientation {n + 1}", position=n,
                    completion_rule="view", body="Welcome.")
        db.session.add(item)
        outlines[None].append(item)
    assignments = {}
    sessions = {}
    for module in modules:
        outlines[module.id] = []
        for week in range(4):
            record = unit(module, week + 1, f"Week {week + 1}")
            due = datetime.combine(start + timedelta(days=7 * week + 6), datetime.min.time(), timezone.utc)
            for n in range(9):
                kind = "lesson" if n < 6 else ("assignment" if n < 8 else "live_session")
                item = Item(unit_id=record.id, kind=kind, title=f"{module.title} W{week + 1} {kind} {n + 1}",
                            position=n, completion_rule={"lesson": "view", "assignment": "submit",
                                                         "live_session": "attend"}[kind],
                            due_at=due if kind == "assignment" else None, body="Text.")
                db.session.add(item)
                outlines[module.id].append(item)
        db.session.flush()
        for item in outlines[module.id]:
            if item.kind == "assignment":
                assignments[item.id] = Assignment(item_id=item.id, points=100, pass_points=50)
                db.session.add(assignments[item.id])
            elif item.kind == "live_session":
                starts = item.due_at or datetime.combine(start, datetime.min.time(), timezone.utc)
                sessions[item.id] = LiveSession(program_id=program.id, item_id=item.id, title=item.title,
                                                starts_at=starts + timedelta(days=5),
                                                ends_at=starts + timedelta(days=5, hours=1),
                                                audience="module", audience_id=module.id)
                db.session.add(sessions[item.id])
    db.session.flush()

    # People and enrolments.
    first_user = (db.session.query(db.func.max(User.id)).scalar() or 0) + 1
    users, enrolments = [], []
    for n in range(size):
        user_id = first_user + n
        users.append({"id": user_id, "email": f"p{size}-{n}@bench.test", "name": f"Participant {size}-{n}",
                      "country": COUNTRIES[n % len(COUNTRIES)], "timezone": "Asia/Seoul", "is_coordinator": False,
                      "password_hash": "bench-only-not-a-hash", "locale": "en"})
        module = modules[n % MODULES]
        enrolments.append({"user_id": user_id, "program_id": program.id, "track_id": module.track_id,
                           "module_id": module.id, "status": "withdrawn" if rng.random() < 0.03 else "active",
                           "version": 1})
    _insert(db, User.__table__, users)
    _insert(db, Enrolment.__table__, enrolments)

    # Activity: each person works through the outline in order up to a share drawn around 60 %.
    completions, submissions, versions, grades = [], [], [], []
    submission_id = (db.session.query(db.func.max(Submission.id)).scalar() or 0) + 1
    for enrolment in enrolments:
        diligence = min(1.0, max(0.0, rng.gauss(0.62, 0.25)))
        outline = outlines[None] + outlines[enrolment["module_id"]]
        done = round(diligence * len(outline))
        when = now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 1000))
        for item in outline[:done]:
            if item.kind == "live_session" and rng.random() < 0.15:
                continue  # missed that session
            how = {"lesson": "viewed", "assignment": "submitted", "live_session": "attended"}[item.kind]
            completions.append({"user_id": enrolment["user_id"], "item_id": item.id, "how": how, "completed_at": when})
            if item.kind == "assignment":
                assignment = assignments[item.id]
                submissions.append({"id": submission_id, "assignment_id": assignment.id,
                                    "user_id": enrolment["user_id"]})
                versions.append({"submission_id": submission_id, "number": 1, "text": "Work.",
                                 "author_id": enrolment["user_id"], "submitted_at": when, "is_late": False,
                                 "created_at": when, "updated_at": when})
                roll = rng.random()
                if roll < 0.7:
                    grades.append({"submission_id": submission_id, "score": rng.randint(35, 100),
                                   "status": "released" if roll < 0.55 else "draft", "rubric_levels": {},
                                   "version": 1})
                submission_id += 1
    _insert(db, Completion.__table__, completions)
    _insert(db, Submission.__table__, submissions)
    _insert(db, SubmissionVersion.__table__, versions)
    _insert(db, Grade.__table__, grades)
    db.session.commit()
    return program.id


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="lms-bench-dashboard-")
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    from sqlalchemy import event

    from lms import create_app
    from lms.accounts.models import User
    from lms.dashboard.summaries import ensure_fresh
    from lms.extensions import db
    from tests.conftest import sign_in

    app = create_app("testing")
    now = datetime.now(timezone.utc)
    programs = {}
    with app.app_context():
        db.create_all()
        coordinator = User(email="coordinator@bench.test", name="Coordinator", is_coordinator=True,
                           timezone="Asia/Seoul", country="KR", password_hash="bench-only-not-a-hash")
        db.session.add(coordinator)
        db.session.commit()
        for size in SIZES:
            started = time.perf_counter()
            programs[size] = generate(db, size, seed=size, now=now)
            generated = time.perf_counter() - started
            started = time.perf_counter()
            refreshed = ensure_fresh(programs[size])
            db.session.commit()
            print(f"generated {size} participants in {generated:.1f} s; "
                  f"first summary of {refreshed} in {time.perf_counter() - started:.1f} s", flush=True)
        coordinator_id = coordinator.id

    client = app.test_client()
    with app.app_context():
        sign_in(app, client, db.session.get(User, coordinator_id))
    queries: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(args[2]))

    def measure(path):
        assert client.get(path).status_code == 200, path  # warm: summaries current, templates compiled
        timings, counts = [], []
        for _ in range(ROUNDS):
            queries.clear()
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(queries))
            assert response.status_code == 200, path
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        return statistics.median(timings), p95, max(counts)

    floor, _p95, _q = measure("/healthz")
    print(f"floor /healthz: {floor:.2f} ms")
    print(f"{'page':34} {'size':>6} {'p50 ms':>9} {'p95 ms':>9} {'x floor':>8} {'queries':>8}")
    results = {}
    for name, path in (("dashboard", "/programs/{id}/dashboard"),
                       ("at-risk list", "/programs/{id}/at-risk"),
                       ("participant list (page 2)", "/programs/{id}/dashboard/participants?page=2")):
        for size in SIZES:
            p50, p95, count = measure(path.format(id=programs[size]))
            results[(name, size)] = (p50, p95, count)
            print(f"{name:34} {size:6d} {p50:9.1f} {p95:9.1f} {p50 / floor:8.1f} {count:8d}", flush=True)
    for name in ("dashboard", "at-risk list", "participant list (page 2)"):
        counts = {size: results[(name, size)][2] for size in SIZES}
        same = len(set(counts.values())) == 1
        print(f"{name}: queries {'the same' if same else 'DIFFER'} at every size ({counts})")
    largest, smallest = max(SIZES), min(SIZES)
    p50, p95, count = results[("dashboard", largest)]
    print(f"dashboard p50 at {largest}: {p50:.1f} ms (target 250 ms: {'met' if p50 <= 250 else 'NOT met'})")
    print(f"dashboard participants={largest} p50_ms={p50:.1f} p95_ms={p95:.1f} queries={count} "
          f"queries_at_{smallest}={results[('dashboard', smallest)][2]}")


if __name__ == "__main__":
    main()
