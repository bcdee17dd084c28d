"""Attendance: every connection is recorded; intervals are merged per person.

A person's presence in a session is the union of their connections (several
tabs, devices, reconnects count once), clipped to the session's *scheduled*
window. They attended when present for at least the session's threshold
share of the scheduled time; a coordinator's correction (the latest one)
overrides the computed result. Attending completes the session's item at once.
Nothing here deletes anything: corrections are added, completions are kept.

Offline sessions (``phase == "offline"``, in Korea) have no room: a person attended when they
checked in (``lms.offline``: QR code or by hand); their time then counts as the whole scheduled
time. Corrections override check-ins the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select

from lms.core.database import utcnow
from lms.enrolment.models import OFFLINE_PHASE_STATUSES, Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES
from lms.learning.models import Completion, Item
from lms.live.models import (
    Audience,
    AttendanceCorrection,
    ChatMessage,
    Connection,
    HandRaise,
    LiveQuestion,
    LiveSession,
    Phase,
    Poll,
    PollVote,
)
from lms.offline.models import CheckIn

DEFAULT_THRESHOLD = 75
DEFAULT_STALE_SECONDS = 120

Interval = tuple[datetime, datetime]


# --------------------------------------------------------------------------
# Pure interval arithmetic
# --------------------------------------------------------------------------


def connection_end(joined_at: datetime, left_at: datetime | None, last_seen_at: datetime | None,
                   now: datetime, stale_after: timedelta) -> datetime:
    """Where a connection's interval ends: when it left; if still open, now — unless no sign of life
    came for ``stale_after`` (a crashed server never saw the disconnect): then when it was last seen."""
    if left_at is not None:
        return left_at
    seen = last_seen_at or joined_at
    if now - seen > stale_after:
        return max(seen, joined_at)
    return now


def merge_intervals(intervals: Iterable[Interval], window_start: datetime, window_end: datetime) -> list[Interval]:
    """The union of ``intervals`` clipped to [window_start, window_end]; overlapping and touching
    intervals become one, empty ones disappear. Sorted by start."""
    clipped = []
    for start, end in intervals:
        start, end = max(start, window_start), min(end, window_end)
        if end > start:
            clipped.append((start, end))
    clipped.sort()
    merged: list[Interval] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def total_seconds(intervals: Iterable[Interval]) -> float:
    return sum((end - start).total_seconds() for start, end in intervals)


def share_attended(present_seconds: float, scheduled_seconds: float, threshold: int) -> bool:
    """Present for at least ``threshold`` percent of the scheduled time (exactly the threshold counts)."""
    if scheduled_seconds <= 0:
        return False
    # Compare without floating division: present * 100 >= threshold * scheduled.
    return present_seconds * 100 >= threshold * scheduled_seconds


# --------------------------------------------------------------------------
# One person's attendance of one session
# --------------------------------------------------------------------------


@dataclass
class PersonAttendance:
    session_id: int
    user_id: int
    scheduled_seconds: float
    threshold: int
    intervals: list[Interval] = field(default_factory=list)
    first_join: datetime | None = None
    last_leave: datetime | None = None
    connected_now: bool = False
    connections: int = 0
    correction: AttendanceCorrection | None = None
    corrections: list[AttendanceCorrection] = field(default_factory=list)  # newest first
    offline: bool = False  # an offline session: attendance is the check-in
    check_in: CheckIn | None = None

    @property
    def checked_in_at(self) -> datetime | None:
        return self.check_in.checked_in_at if self.check_in is not None else None

    @property
    def computed_seconds(self) -> float:
        if self.offline:
            return self.scheduled_seconds if self.check_in is not None else 0.0
        return total_seconds(self.intervals)

    @property
    def computed_minutes(self) -> int:
        return int(self.computed_seconds // 60)

    @property
    def computed_attended(self) -> bool:
        if self.offline:
            return self.check_in is not None
        return share_attended(self.computed_seconds, self.scheduled_seconds, self.threshold)

    @property
    def is_corrected(self) -> bool:
        return self.correction is not None

    @property
    def seconds(self) -> float:
        if self.correction is not None and self.correction.minutes is not None:
            return self.correction.minutes * 60.0
        return self.computed_seconds

    @property
    def minutes(self) -> int:
        return int(self.seconds // 60)

    @property
    def percent(self) -> int:
        """Share of the scheduled time, rounded down (74.9 % shows 74, never a misleading 75)."""
        if self.scheduled_seconds <= 0:
            return 0
        return math.floor(self.seconds * 100 / self.scheduled_seconds)

    @property
    def attended(self) -> bool:
        if self.correction is not None:
            return bool(self.correction.attended)
        return self.computed_attended

    @property
    def connected_at_all(self) -> bool:
        """Connected to the room (online) or checked in (offline) at least once."""
        return self.connections > 0 or self.check_in is not None


def stale_after() -> timedelta:
    seconds = DEFAULT_STALE_SECONDS
    if has_app_context():
        seconds = current_app.config.get("LIVE_CONNECTION_STALE_SECONDS", DEFAULT_STALE_SECONDS)
    return timedelta(seconds=seconds)


def scheduled_seconds(session: LiveSession) -> float:
    return max((session.ends_at - session.starts_at).total_seconds(), 0.0)


def scheduled_minutes(session: LiveSession) -> int:
    return int(scheduled_seconds(session) // 60)


def session_threshold(session: LiveSession) -> int:
    if session.attendance_threshold is not None:
        return session.attendance_threshold
    return default_threshold()


def default_threshold() -> int:
    if has_app_context():
        return int(current_app.config.get("LIVE_ATTENDANCE_THRESHOLD", DEFAULT_THRESHOLD))
    return DEFAULT_THRESHOLD


def attendance_for_sessions(sessions: Sequence[LiveSession], user_ids: Iterable[int] | None = None,
                            now: datetime | None = None, *,
                            everyone: bool = False) -> dict[int, dict[int, PersonAttendance]]:
    """Attendance of several sessions at once, two queries whatever their number (three when an
    offline session is among them: its check-ins):
    ``{session_id: {user_id: PersonAttendance}}`` for every id in ``user_ids`` (absent people are
    there with nothing); without ``user_ids``, or with ``everyone``, also for everyone else who
    connected, checked in or was corrected."""
    now = now or utcnow()
    limit = stale_after()
    by_id = {session.id: session for session in sessions}
    result: dict[int, dict[int, PersonAttendance]] = {session_id: {} for session_id in by_id}
    if not by_id:
        return result
    wanted = None if user_ids is None else set(user_ids)

    def person(session_id: int, user_id: int) -> PersonAttendance:
        people = result[session_id]
        if user_id not in people:
            session = by_id[session_id]
            people[user_id] = PersonAttendance(session_id, user_id, scheduled_seconds(session),
                                               session_threshold(session),
                                               offline=session.phase == Phase.OFFLINE.value)
        return people[user_id]

    if wanted is not None:
        for session_id in by_id:
            for user_id in wanted:
                person(session_id, user_id)

    connection_query = select(Connection.session_id, Connection.user_id, Connection.joined_at,
                              Connection.left_at, Connection.last_seen_at).where(
        Connection.session_id.in_(by_id))
    correction_query = select(AttendanceCorrection).where(AttendanceCorrection.session_id.in_(by_id))
    if wanted is not None and not everyone:
        connection_query = connection_query.where(Connection.user_id.in_(wanted))
        correction_query = correction_query.where(AttendanceCorrection.user_id.in_(wanted))

    raw: dict[tuple[int, int], list[Interval]] = {}
    for session_id, user_id, joined_at, left_at, last_seen_at in db.session.execute(connection_query):
        entry = person(session_id, user_id)
        end = connection_end(joined_at, left_at, last_seen_at, now, limit)
        raw.setdefault((session_id, user_id), []).append((joined_at, end))
        entry.connections += 1
        entry.first_join = joined_at if entry.first_join is None else min(entry.first_join, joined_at)
        if left_at is None and end == now:
            entry.connected_now = True
        entry.last_leave = end if entry.last_leave is None else max(entry.last_leave, end)
    for (session_id, user_id), intervals in raw.items():
        session = by_id[session_id]
        result[session_id][user_id].intervals = merge_intervals(intervals, session.starts_at, session.ends_at)

    corrections = db.session.scalars(
        correction_query.order_by(AttendanceCorrection.corrected_at.desc(), AttendanceCorrection.id.desc()))
    for correction in corrections:
        entry = person(correction.session_id, correction.user_id)
        entry.corrections.append(correction)
        if entry.correction is None:
            entry.correction = correction  # newest first: the first one seen applies

    offline_ids = [session_id for session_id, session in by_id.items() if session.phase == Phase.OFFLINE.value]
    if offline_ids:
        check_in_query = select(CheckIn).where(CheckIn.session_id.in_(offline_ids))
        if wanted is not None and not everyone:
            check_in_query = check_in_query.where(CheckIn.user_id.in_(wanted))
        for check_in in db.session.scalars(check_in_query):
            entry = person(check_in.session_id, check_in.user_id)
            entry.check_in = check_in
            entry.first_join = check_in.checked_in_at
    return result


def attendance_of(session: LiveSession, user_id: int, now: datetime | None = None) -> PersonAttendance:
    return attendance_for_sessions([session], [user_id], now=now)[session.id][user_id]


# --------------------------------------------------------------------------
# Who is expected: the audience's participants
# --------------------------------------------------------------------------


def audience_enrolments_query(session: LiveSession, statuses: Iterable[str] | None = None):
    """Enrolled (active or completed) participants of the session's audience, as a query; for an
    offline session, those admitted to (or confirmed for) the offline phase."""
    if statuses is None:
        statuses = OFFLINE_PHASE_STATUSES if session.phase == Phase.OFFLINE.value else LEARNING_STATUSES
    query = select(Enrolment).where(Enrolment.program_id == session.program_id,
                                    Enrolment.status.in_(tuple(statuses)))
    column = {
        Audience.TRACK.value: Enrolment.track_id,
        Audience.MODULE.value: Enrolment.module_id,
        Audience.GROUP.value: Enrolment.group_id,
    }.get(session.audience)
    if column is not None:
        query = query.where(column == session.audience_id)
    return query


# --------------------------------------------------------------------------
# Engagement: what each person did in the room
# --------------------------------------------------------------------------


@dataclass
class Engagement:
    messages: int = 0
    hands: int = 0
    poll_votes: int = 0
    questions: int = 0

    @property
    def total(self) -> int:
        return self.messages + self.hands + self.poll_votes + self.questions


def engagement_for_sessions(session_ids: Iterable[int]) -> dict[tuple[int, int], Engagement]:
    """``{(session_id, user_id): Engagement}`` in four GROUP BY queries whatever the numbers."""
    ids = list(session_ids)
    counts: dict[tuple[int, int], Engagement] = {}
    if not ids:
        return counts

    def add(query, attribute):
        for session_id, user_id, number in db.session.execute(query):
            setattr(counts.setdefault((session_id, user_id), Engagement()), attribute, number)

    add(select(ChatMessage.session_id, ChatMessage.user_id, func.count(ChatMessage.id))
        .where(ChatMessage.session_id.in_(ids), ChatMessage.deleted_at.is_(None))
        .group_by(ChatMessage.session_id, ChatMessage.user_id), "messages")
    add(select(HandRaise.session_id, HandRaise.user_id, func.count(HandRaise.id))
        .where(HandRaise.session_id.in_(ids))
        .group_by(HandRaise.session_id, HandRaise.user_id), "hands")
    add(select(Poll.session_id, PollVote.user_id, func.count(PollVote.id))
        .join(Poll, Poll.id == PollVote.poll_id)
        .where(Poll.session_id.in_(ids))
        .group_by(Poll.session_id, PollVote.user_id), "poll_votes")
    add(select(LiveQuestion.session_id, LiveQuestion.user_id, func.count(LiveQuestion.id))
        .where(LiveQuestion.session_id.in_(ids), LiveQuestion.deleted_at.is_(None))
        .group_by(LiveQuestion.session_id, LiveQuestion.user_id), "questions")
    return counts


# --------------------------------------------------------------------------
# Completion: attending completes the session's item at once
# --------------------------------------------------------------------------


def _learner_ids(session: LiveSession, item: Item, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who follow the item's unit as participants (one query)."""
    ids = set(user_ids)
    if not ids:
        return set()
    unit = item.unit
    query = select(Enrolment.user_id).where(Enrolment.user_id.in_(ids), Enrolment.program_id == unit.program_id,
                                            Enrolment.status.in_(LEARNING_STATUSES))
    if unit.module_id is not None:
        query = query.where(Enrolment.module_id == unit.module_id)
    return set(db.session.scalars(query))


def completion_detail(entry: PersonAttendance) -> str:
    return f"{entry.minutes} min, {entry.percent}%"


def _complete(session: LiveSession, entries: Iterable[PersonAttendance]) -> list[Completion]:
    if session.item_id is None:
        return []
    attended = [entry for entry in entries if entry.attended]
    if not attended:
        return []
    item = session.item
    if item is None:
        return []
    learners = _learner_ids(session, item, [entry.user_id for entry in attended])
    from lms.accounts.models import User
    from lms.learning.completion import record_completion

    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(learners)))} \
        if learners else {}
    completions = []
    for entry in attended:
        if entry.user_id in users:
            completions.append(record_completion(users[entry.user_id], item, "attended",
                                                 detail=completion_detail(entry)))
    return completions


def evaluate_person(session: LiveSession, user_id: int, now: datetime | None = None) -> PersonAttendance:
    """Recompute one person's attendance and complete the item if they attended."""
    entry = attendance_of(session, user_id, now=now)
    _complete(session, [entry])
    return entry


def evaluate_session(session: LiveSession, now: datetime | None = None) -> dict[int, PersonAttendance]:
    """Recompute everyone's attendance (call at the session's end) and complete the item for those
    who attended. Returns ``{user_id: PersonAttendance}`` for everyone who connected or was corrected."""
    people = attendance_for_sessions([session], now=now)[session.id]
    _complete(session, people.values())
    db.session.flush()
    return people


# --------------------------------------------------------------------------
# Connections (called by the room's socket handlers)
# --------------------------------------------------------------------------


def connection_opened(session: LiveSession, user, sid: str) -> Connection:
    connection = Connection(session_id=session.id, user_id=user.id, sid=sid)
    db.session.add(connection)
    db.session.flush()
    return connection


def connection_closed(sid: str) -> list[Connection]:
    """Close every open connection record of this socket (it may have joined several rooms),
    then evaluate each person's attendance: if it is now enough, the item is completed at once."""
    now = utcnow()
    connections = list(db.session.scalars(select(Connection).where(Connection.sid == sid,
                                                                   Connection.left_at.is_(None))))
    for connection in connections:
        connection.left_at = now
        connection.last_seen_at = now
    db.session.flush()
    for session_id, user_id in {(c.session_id, c.user_id) for c in connections}:
        session = db.session.get(LiveSession, session_id)
        if session is not None:
            evaluate_person(session, user_id, now=now)
    db.session.flush()
    return connections


# --------------------------------------------------------------------------
# Corrections by coordinators
# --------------------------------------------------------------------------


def record_correction(session: LiveSession, user_id: int, *, attended: bool, minutes: int | None, reason: str,
                      corrected_by) -> AttendanceCorrection:
    """Add a correction (the latest applies; earlier ones stay as history). A correction to
    "attended" completes the item; one to "not attended" keeps any existing completion."""
    correction = AttendanceCorrection(session_id=session.id, user_id=user_id, attended=attended,
                                      minutes=minutes, reason=reason.strip(), corrected_by_id=corrected_by.id,
                                      corrected_at=utcnow())
    db.session.add(correction)
    db.session.flush()
    evaluate_person(session, user_id)
    return correction
