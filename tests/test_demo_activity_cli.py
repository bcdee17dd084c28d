"""`lms demo --with-activity`: the flag, loading twice, --reset and --if-empty, the clock on every day of the
week, and the offline phase that every demo has (with or without the activity)."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lms.admission.eligibility import Status, evaluate_program
from lms.admission.models import AdmissionDecision, AdmissionRules, AdmissionRulesChange
from lms.certificates.models import Certificate
from lms.core.timezones import day_end, day_start
from lms.demo import activity, data
from lms.demo.loader import load_demo
from lms.learning.models import Completion, QuizAttempt
from lms.live.models import Connection, LiveSession
from lms.offline.models import CheckIn
from lms.programs.models import Program

KOREA = ZoneInfo("Asia/Seoul")
UTC = timezone.utc


def run_demo(app, *args):
    return app.test_cli_runner().invoke(args=["lms", "demo", *args])


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _program(db, code) -> Program:
    return db.session.scalar(select(Program).where(Program.code == code))


def _fingerprint(db) -> dict:
    """What the finished program's story left (it does not depend on the day the demo is loaded)."""
    past = _program(db, "CATP-2024")
    return {
        "decisions": sorted((d.enrolment.user.email, d.decision, d.is_override)
                            for d in db.session.scalars(select(AdmissionDecision))),
        "certificates": sorted((c.user.email, c.code) for c in db.session.scalars(select(Certificate))),
        "check_ins": _count(db, CheckIn),
        "past_completions": sorted(
            (c.user.email, c.item.title, c.completed_at.isoformat()) for c in db.session.scalars(
                select(Completion).join(Completion.item)) if c.item.unit.program_id == past.id),
    }


# --- The command ---------------------------------------------------------------------------------------------


def test_with_activity_uses_today_and_prints_what_it_simulated(app, db):
    started = time.perf_counter()
    result = run_demo(app, "--with-activity")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert elapsed < 6, elapsed  # a few seconds on SQLite
    db.session.expire_all()
    main = _program(db, "CETP-2024")
    now = datetime.now(UTC)
    assert day_start(main.online_start, main.timezone) <= now < day_end(main.online_end, main.timezone)
    assert main.online_start.weekday() == 0 and (main.online_start - date(2024, 7, 22)).days % 7 == 0
    out = result.output
    assert re.search(r"Activity simulated as of \w+day \d+ \w+ 20\d\d \d\d:\d\d Korea time", out)
    weeks = (main.online_start - date(2024, 7, 22)).days // 7
    assert f"2024 Cultural Experts Training Program (CETP-2024) moved {weeks} weeks later" in out
    assert "admission standing: eligible " in out and "withdrawn 2" in out
    assert ("2024 Cultural Administrators Training Program (finished, 2024 dates): admitted 18, waitlisted 1, "
            "not admitted 1 (1 against the rules); readiness: confirmed 15, details missing 2, declined 1") in out
    assert "16 certificates" in out and "participant@demo.test" in out
    standings = evaluate_program(main)
    assert {s.status for s in standings.values()} >= {Status.ON_TRACK, Status.AT_RISK, Status.NOT_ELIGIBLE}


def test_activity_is_never_added_to_a_loaded_demo_and_reset_reloads_it(app, db):
    assert run_demo(app).exit_code == 0  # the demo without activity
    before = (_count(db, Completion), _count(db, Connection), _count(db, LiveSession))
    assert before[:2] == (0, 0)

    refused = run_demo(app, "--with-activity")
    assert refused.exit_code == 1
    assert "already has data" in refused.output and "--reset" in refused.output and "activity" in refused.output
    skipped = run_demo(app, "--if-empty", "--with-activity")
    assert skipped.exit_code == 0 and "already has data" in skipped.output
    db.session.expire_all()
    assert (_count(db, Completion), _count(db, Connection), _count(db, LiveSession)) == before

    first = run_demo(app, "--reset", "--with-activity")
    assert first.exit_code == 0, first.output
    db.session.expire_all()
    once = _fingerprint(db)
    assert len(once["certificates"]) == 16 and once["check_ins"] > 100
    assert _count(db, LiveSession) == before[2]  # the same sessions, moved

    again = run_demo(app, "--reset", "--with-activity")  # replaces, never adds
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert _fingerprint(db) == once  # deterministic: the same story, the same certificate codes
    assert _count(db, Program) == 2 and _count(db, AdmissionDecision) == 20

    plain = run_demo(app, "--reset")  # and back to the plain demo
    assert plain.exit_code == 0
    db.session.expire_all()
    assert (_count(db, Completion), _count(db, AdmissionDecision), _count(db, Certificate)) == (0, 0, 0)
    assert _program(db, "CETP-2024").online_start == date(2024, 7, 22)


def test_if_empty_with_activity_loads_an_empty_database(app, db):
    result = run_demo(app, "--if-empty", "--with-activity")
    assert result.exit_code == 0, result.output
    assert "Activity simulated" in result.output
    db.session.expire_all()
    assert _count(db, Certificate) == 16


# --- The clock -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", range(7))
@pytest.mark.parametrize("hour", [0, 9, 23])
def test_the_clock_puts_today_in_the_second_half_of_the_online_phase(day, hour):
    now = datetime(2026, 11, 23, hour, 30, tzinfo=KOREA) + timedelta(days=day)  # Monday 23 November + day
    weeks = activity.mid_program_weeks(now)
    moved = activity.moved(data.EXPERTS, timedelta(weeks=weeks))
    start, end = moved.online
    assert start.weekday() == 0 and end.weekday() == 4 and (end - start).days == 11
    assert start - timedelta(weeks=weeks) == date(2024, 7, 22)
    today = now.astimezone(KOREA).date()
    assert end - timedelta(days=6) <= today <= end  # Saturday between the weeks … Friday of week 2
    if today.weekday() < 5:
        assert today >= start + timedelta(days=7)  # a weekday of week 2
    assert [track.offline[0] - timedelta(weeks=weeks) for track in moved.tracks] == [date(2024, 8, 19)] * 2


def test_the_clock_reads_the_day_in_korea():
    # Friday 22:00 in Bogotá is Saturday noon in Korea: the Saturday between the weeks.
    now = datetime(2026, 11, 27, 22, 0, tzinfo=ZoneInfo("America/Bogota"))
    weeks = activity.mid_program_weeks(now)
    assert date(2024, 7, 27) + timedelta(weeks=weeks) == date(2026, 11, 28)


@pytest.mark.parametrize(("now", "eligible"), [
    (datetime(2026, 11, 21, 3, 0, tzinfo=UTC), False),  # Saturday noon: week 2 has not opened, nobody can be done
    (datetime(2026, 11, 23, 0, 0, tzinfo=UTC), False),  # Monday 09:00: week 2 just opened
    (datetime(2026, 11, 27, 10, 0, tzinfo=UTC), True),  # Friday 19:00, after the assignments' due time
])
def test_other_days_stay_true(db, now, eligible):
    load_demo(with_activity=True, now=now)
    db.session.flush()
    main = _program(db, "CETP-2024")
    assert day_start(main.online_start, main.timezone) <= now < day_end(main.online_end, main.timezone)
    for column in (Completion.completed_at, QuizAttempt.submitted_at, Connection.left_at):
        assert db.session.scalar(select(func.max(column))) <= now
    statuses = Counter(s.status for s in evaluate_program(main, now).values())
    assert statuses[Status.AT_RISK] and statuses[Status.NOT_ELIGIBLE] and bool(statuses[Status.ELIGIBLE]) is eligible
    if not eligible:
        assert statuses[Status.ON_TRACK] > 20


# --- The offline phase, with or without the activity ----------------------------------------------------------


def test_every_demo_has_the_offline_phase_terms_and_rules(app, db):
    assert run_demo(app).exit_code == 0
    db.session.expire_all()
    for code, expected in (("CETP-2024", 21), ("CATP-2024", 9)):
        program = _program(db, code)
        sessions = db.session.scalars(select(LiveSession).where(LiveSession.program_id == program.id,
                                                                LiveSession.phase == "offline")).all()
        assert len(sessions) == expected
        tracks = {track.id: track for track in program.tracks}
        for session in sessions:
            assert session.item_id is None and session.location and session.offline_kind
            assert session.audience in ("program", "track", "module")
            local = session.starts_at.astimezone(KOREA)
            if session.audience == "track":
                track = tracks[session.audience_id]
                assert track.offline_start <= local.date() <= track.offline_end
            assert session.ends_at > session.starts_at
        kinds = Counter(session.offline_kind for session in sessions)
        assert set(kinds) == {"workshop", "site_visit", "presentation", "forum", "ceremony", "social"}
        cpi_day = [s for s in sessions if s.starts_at.astimezone(KOREA).date() == date(2024, 9, 5)]
        assert {(s.offline_kind, s.audience) for s in cpi_day} == {("forum", "program"), ("social", "program")}
        [forum] = [s for s in cpi_day if s.offline_kind == "forum"]
        assert "Cultural Infrastructure in the Era of Cultural Convergence" in forum.title
        assert "Sey Min" in forum.description and "From Data Realism to AI Surrealism" in forum.description
        assert program.participation_terms.startswith("## Participation terms")
        assert all(track.capacity is None for track in program.tracks)  # the report gives none
        [rules] = db.session.scalars(select(AdmissionRules).where(AdmissionRules.program_id == program.id)).all()
        assert rules.track_id is None and (rules.min_items_percent, rules.min_live_percent) == (80, 75)
        [change] = db.session.scalars(select(AdmissionRulesChange).where(
            AdmissionRulesChange.program_id == program.id)).all()
        assert change.changed_by_id is None and change.before is None and change.after == rules.snapshot()
        assert change.changed_at < day_start(program.online_start, program.timezone)
    # The Experts' module workshops are in their module's city; the closing ceremonies per track.
    experts = _program(db, "CETP-2024")
    closing = db.session.scalars(select(LiveSession).where(LiveSession.program_id == experts.id,
                                                           LiveSession.offline_kind == "ceremony",
                                                           LiveSession.audience == "track")).all()
    assert sorted(s.starts_at.astimezone(KOREA).date() for s in closing) == [date(2024, 9, 6), date(2024, 9, 13)]
    busan = db.session.scalars(select(LiveSession).where(LiveSession.location.contains("Busan"))).all()
    assert busan and {s.audience for s in busan} == {"module"}


def test_program_meetings_of_the_online_phase(app, db):
    assert run_demo(app).exit_code == 0
    db.session.expire_all()
    meetings = db.session.scalars(select(LiveSession).where(LiveSession.item_id.is_(None),
                                                            LiveSession.phase == "online")).all()
    titles = Counter((m.program.code, m.audience) for m in meetings)
    assert titles == {("CETP-2024", "program"): 2, ("CETP-2024", "track"): 2, ("CATP-2024", "program"): 1}
    for meeting in meetings:
        local = meeting.starts_at.astimezone(KOREA)
        assert local.time().isoformat() == "10:00:00" and local.weekday() in (0, 2, 4)
        assert meeting.program.online_start <= local.date() <= meeting.program.online_end
