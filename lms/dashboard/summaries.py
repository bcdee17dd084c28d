"""Keeping ParticipantSummary rows current.

* ``mark_dirty``: a SQLAlchemy ``after_flush`` listener. Whatever the code path
  (a view, a socket handler, a command), a flush that adds or changes a
  completion, a grade, a submitted version, an extension, a live connection, an
  attendance correction, a check-in or an enrolment marks that person's rows
  dirty; a change to the outline (units, items, assignments, sessions) or to
  the admission rules marks the whole program's rows dirty. It runs in the same
  transaction, so the mark commits (or rolls back) with the change itself.
* ``refresh``: recompute rows with the eligibility service, in bulk.
* ``ensure_fresh``: refresh the rows of a program that are missing, dirty, or
  older than ``SUMMARY_MAX_AGE_SECONDS`` (time alone moves "on track" to "at
  risk"). The dashboard calls it before reading; the scheduler can call it in
  the background so that views rarely wait.

A change must never be lost to a refresh running at the same moment. The marks
made by a transaction's flushes are made again just before it commits (the
``before_commit`` hook), so a row's dirty time is at least its change's commit
time; a refresh records as its time the moment it *started*, minus a short
margin for the commit itself. A refresh that read the data before the change
was committed is therefore older than the mark, and the row is computed again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, selectinload

from lms.core.database import utcnow
from lms.dashboard.models import ParticipantSummary
from lms.extensions import db

DEFAULT_MAX_AGE_SECONDS = 60 * 60  # the scheduler refreshes them hourly (at-risk nudges)
IN_FLIGHT_MARGIN = timedelta(seconds=2)  # longer than a commit takes
MARKS_KEY = "participant_summary_marks"
REFRESH_CHUNK = 500


# --------------------------------------------------------------------------
# Marking rows dirty
# --------------------------------------------------------------------------


def _changed(session: Session):
    for instance in list(session.new) + list(session.dirty) + list(session.deleted):
        yield instance


def mark_dirty(session: Session, _flush_context) -> None:
    from lms.admission.models import AdmissionRules
    from lms.assignments.models import Assignment, Extension, Grade, Submission, SubmissionVersion
    from lms.enrolment.models import Enrolment
    from lms.learning.models import Completion, Item, Unit
    from lms.live.models import AttendanceCorrection, Connection, LiveSession
    from lms.offline.models import CheckIn
    from lms.programs.models import Program

    user_ids: set[int] = set()
    group_ids: set[int] = set()
    enrolment_ids: set[int] = set()
    submission_ids: set[int] = set()
    program_ids: set[int] = set()
    unit_ids: set[int] = set()
    item_ids: set[int] = set()
    for instance in _changed(session):
        if isinstance(instance, (Completion, Connection, AttendanceCorrection, CheckIn)):
            user_ids.add(instance.user_id)
        elif isinstance(instance, Extension):
            if instance.user_id:
                user_ids.add(instance.user_id)
            if instance.group_id:
                group_ids.add(instance.group_id)
        elif isinstance(instance, (Grade, SubmissionVersion)):
            submission_ids.add(instance.submission_id)
        elif isinstance(instance, Submission):
            submission_ids.add(instance.id)
        elif isinstance(instance, Enrolment):
            enrolment_ids.add(instance.id)
        elif isinstance(instance, (AdmissionRules, LiveSession)):
            program_ids.add(instance.program_id)
        elif isinstance(instance, Program):  # online dates move the pace
            program_ids.add(instance.id)
        elif isinstance(instance, Unit):
            program_ids.add(instance.program_id)
        elif isinstance(instance, Item):
            unit_ids.add(instance.unit_id)
        elif isinstance(instance, Assignment):
            item_ids.add(instance.item_id)
    changed = {"user": user_ids, "group": group_ids, "enrolment": enrolment_ids, "program": program_ids,
               "submission": submission_ids, "unit": unit_ids, "item": item_ids}
    for ids in changed.values():
        ids.discard(None)
    condition = _summaries_of(changed)
    if condition is not None:
        # Core statement on the flush's connection: no ORM flush, same transaction.
        session.connection().execute(update(ParticipantSummary).where(condition).values(dirty_at=utcnow()))
        # Kept as sets of ids, not conditions: a transaction of many flushes still makes one short
        # statement before commit (SQLite refuses expressions deeper than 1,000).
        pending = session.info.setdefault(MARKS_KEY, {})
        for key, ids in changed.items():
            pending.setdefault(key, set()).update(ids)


def _summaries_of(changed: dict[str, set[int]]):
    """The condition on summaries touched by the changed ids (by kind), or None when there are none."""
    from lms.assignments.models import Submission
    from lms.learning.models import Item, Unit

    summary = ParticipantSummary
    conditions = []
    for key, column in (("user", summary.user_id), ("group", summary.group_id),
                        ("enrolment", summary.enrolment_id), ("program", summary.program_id)):
        if changed.get(key):
            conditions.append(column.in_(changed[key]))
    if changed.get("submission"):
        submissions = changed["submission"]
        owners = select(Submission.user_id).where(Submission.id.in_(submissions))
        groups = select(Submission.group_id).where(Submission.id.in_(submissions))
        conditions += [summary.user_id.in_(owners), summary.group_id.in_(groups)]
    if changed.get("unit"):
        conditions.append(summary.program_id.in_(select(Unit.program_id).where(Unit.id.in_(changed["unit"]))))
    if changed.get("item"):
        conditions.append(summary.program_id.in_(
            select(Unit.program_id).join(Item, Item.unit_id == Unit.id).where(Item.id.in_(changed["item"]))))
    return or_(*conditions) if conditions else None


def mark_again_before_commit(session: Session) -> None:
    """Repeat the transaction's marks with the commit's time (see the module's docstring)."""
    condition = _summaries_of(session.info.pop(MARKS_KEY, None) or {})
    if condition is not None:
        session.connection().execute(update(ParticipantSummary).where(condition).values(dirty_at=utcnow()))


def forget_marks(session: Session, *_args) -> None:
    """After the transaction: marks of the commit's own final flush were made at commit time already."""
    session.info.pop(MARKS_KEY, None)


def register_summary_tracking() -> None:
    """Listen on every ORM session (idempotent)."""
    for name, listener in (("after_flush", mark_dirty), ("before_commit", mark_again_before_commit),
                           ("after_commit", forget_marks), ("after_rollback", forget_marks)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# --------------------------------------------------------------------------
# Refreshing
# --------------------------------------------------------------------------


def in_flight_margin() -> timedelta:
    if has_app_context() and "SUMMARY_IN_FLIGHT_SECONDS" in current_app.config:
        return timedelta(seconds=current_app.config["SUMMARY_IN_FLIGHT_SECONDS"])
    return IN_FLIGHT_MARGIN


def max_age() -> timedelta:
    seconds = DEFAULT_MAX_AGE_SECONDS
    if has_app_context():
        seconds = current_app.config.get("SUMMARY_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS)
    return timedelta(seconds=seconds)


def refresh(enrolment_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute the summaries of these enrolments (created when missing); flushes, does not commit."""
    from lms.admission.eligibility import evaluate
    from lms.enrolment.models import Enrolment

    ids = sorted(set(enrolment_ids))
    now = now or utcnow()
    started = utcnow()
    margin = in_flight_margin()
    count = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        if start:
            time.sleep(0)  # under gevent, let the worker's other requests run between chunks
        chunk = ids[start:start + REFRESH_CHUNK]
        enrolments = list(db.session.scalars(
            select(Enrolment).where(Enrolment.id.in_(chunk))
            .options(selectinload(Enrolment.program), selectinload(Enrolment.user))))
        standings = evaluate(enrolments, now)
        from lms.monitoring.activity import last_active

        active = last_active(enrolments)
        existing = {row.enrolment_id: row for row in db.session.scalars(
            select(ParticipantSummary).where(ParticipantSummary.enrolment_id.in_(chunk)))}
        for enrolment in enrolments:
            standing = standings[enrolment.id]
            row = existing.get(enrolment.id)
            if row is None:
                # A change flushed before the row existed marked nothing: count the row as changed at its
                # creation, so that it is computed once more after the in-flight margin.
                row = ParticipantSummary(enrolment_id=enrolment.id, dirty_at=started)
                db.session.add(row)
            row.program_id = enrolment.program_id
            row.user_id = enrolment.user_id
            row.group_id = enrolment.group_id
            progress = standing.progress
            row.required_done = progress.required_done if progress else 0
            row.required_total = progress.required_total if progress else 0
            row.percent = progress.percent if progress else 0
            row.overdue_count = len(progress.overdue) if progress else 0
            live = standing.condition("live")
            row.live_attended = int(live.done) if live and live.applies else 0
            row.live_total = live.total if live and live.applies else 0
            assignments = standing.condition("assignments")
            row.assignments_passed = int(assignments.done) if assignments and assignments.applies else 0
            row.assignments_required = assignments.total if assignments and assignments.applies else 0
            average = standing.condition("average")
            row.average_grade = average.value if average is not None else None
            row.eligibility = standing.status.value
            row.last_active_at = active.get(enrolment.user_id)
            row.refreshed_at = started - margin
            count += 1
    db.session.flush()
    return count


def stale_enrolment_ids(program_id: int, now: datetime | None = None) -> list[int]:
    """Enrolments of the program whose summary is missing, dirty or too old; one query."""
    from lms.enrolment.models import Enrolment

    now = now or utcnow()
    cutoff = now - max_age()
    summary = ParticipantSummary
    return list(db.session.scalars(
        select(Enrolment.id)
        .outerjoin(summary, summary.enrolment_id == Enrolment.id)
        .where(Enrolment.program_id == program_id)
        .where(or_(summary.enrolment_id.is_(None), summary.refreshed_at.is_(None),
                   summary.refreshed_at < cutoff, summary.dirty_at > summary.refreshed_at))
    ))


def ensure_fresh(program_id: int, now: datetime | None = None) -> int:
    """Refresh what needs it in one program; returns how many rows were recomputed."""
    ids = stale_enrolment_ids(program_id, now)
    return refresh(ids, now) if ids else 0
