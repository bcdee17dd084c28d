"""The offline phase: its sessions, the rotating check-in code, check-ins and attendance shares.

An offline session is a ``LiveSession`` with ``phase == "offline"``; it has no item, a kind
(workshop, site visit…), a location and an audience (the program, a track or a group). People
expected at it are the audience's participants admitted to (or confirmed for) the offline phase.

Check-in code: an HMAC of the secret key, the session's id and the minute number since the epoch,
truncated to ten base-32 characters. A code is accepted during its minute and the next one (a scan
at the turn of the minute works) and never later: a photo sent to someone absent fails within two
minutes. Codes are per session.

Functions here flush, never commit; views, commands and tests call them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.core.timezones import KOREA_TZ, format_instant
from lms.enrolment.models import OFFLINE_PHASE_STATUSES, Enrolment
from lms.extensions import db
from lms.live.attendance import attendance_for_sessions, audience_enrolments_query
from lms.live.models import Audience, LiveSession, OfflineKind, Phase
from lms.offline.models import CheckIn
from lms.programs.models import Group, Program, Track

OFFLINE = Phase.OFFLINE.value
ENTRY_ZONE = KOREA_TZ  # offline sessions are entered in Korea time
DEFAULT_EARLY_MINUTES = 30
CODE_LENGTH = 10
# A code older than its two minutes is reported as "expired" (not "wrong") when it is at most this old.
EXPIRED_LOOKBACK_MINUTES = 120


# --------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------


class CheckInError(Exception):
    """Why a check-in is refused; ``status`` is the HTTP status of the page that says so."""

    status = 400

    @property
    def message(self) -> str:  # pragma: no cover - every subclass says it
        return _("This check-in is refused.")


class SessionUnavailable(CheckInError):
    status = 404

    @property
    def message(self) -> str:
        return _("This is not an offline session, or it was cancelled.")


class NotExpected(CheckInError):
    status = 403

    @property
    def message(self) -> str:
        return _("You are not expected at this session: only participants of its audience admitted to the "
                 "offline phase check in. If you think this is a mistake, talk to the program office.")


class NotOpen(CheckInError):
    status = 403

    def __init__(self, opens_at: datetime, closes_at: datetime, now: datetime):
        super().__init__("not open")
        self.opens_at, self.closes_at, self.now = opens_at, closes_at, now

    @property
    def too_early(self) -> bool:
        return self.now < self.opens_at

    @property
    def message(self) -> str:
        if self.too_early:
            return _("Check-in for this session opens at %(time)s.", time=format_instant(self.opens_at, KOREA_TZ))
        return _("Check-in for this session closed at its end (%(time)s).",
                 time=format_instant(self.closes_at, KOREA_TZ))


class CodeExpired(CheckInError):
    status = 400

    @property
    def message(self) -> str:
        return _("This code has expired: the code changes every minute. Scan the code on the screen again.")


class InvalidCode(CheckInError):
    status = 400

    @property
    def message(self) -> str:
        return _("This code is not valid for this session. Scan the code shown on the screen in the room.")


class AlreadyCheckedIn(CheckInError):
    """Not a refusal: the person was checked in before (a second scan records nothing)."""

    status = 200

    def __init__(self, check_in: CheckIn):
        super().__init__("already checked in")
        self.check_in = check_in

    @property
    def message(self) -> str:
        return _("You are already checked in (since %(time)s).",
                 time=format_instant(self.check_in.checked_in_at, KOREA_TZ))


# --------------------------------------------------------------------------
# The sessions and their audience
# --------------------------------------------------------------------------


def offline_sessions_query(program_id: int, *, archived: bool = False):
    query = select(LiveSession).where(LiveSession.program_id == program_id, LiveSession.phase == OFFLINE)
    if not archived:
        query = query.where(LiveSession.archived_at.is_(None))
    return query.order_by(LiveSession.starts_at, LiveSession.id)


def expected_enrolments_query(session: LiveSession):
    """The audience's participants admitted to or confirmed for the offline phase, as a query."""
    return audience_enrolments_query(session, statuses=OFFLINE_PHASE_STATUSES)


def expected_enrolments(session: LiveSession) -> list[Enrolment]:
    """Who is expected at the session, by name, with their user loaded (one query)."""
    return list(db.session.scalars(
        expected_enrolments_query(session).join(Enrolment.user)
        .options(joinedload(Enrolment.user)).order_by(User.name, User.id)))


def in_audience(session: LiveSession, enrolment: Enrolment) -> bool:
    if session.program_id != enrolment.program_id:
        return False
    if session.audience == Audience.PROGRAM.value:
        return True
    value = {
        Audience.TRACK.value: enrolment.track_id,
        Audience.MODULE.value: enrolment.module_id,
        Audience.GROUP.value: enrolment.group_id,
    }.get(session.audience)
    return value is not None and value == session.audience_id


def sessions_for_enrolment_query(enrolment: Enrolment):
    """The (not archived) offline sessions of a participant's audience: program-wide, their track,
    module and group."""
    match = [LiveSession.audience == Audience.PROGRAM.value]
    for audience, value in ((Audience.TRACK, enrolment.track_id), (Audience.MODULE, enrolment.module_id),
                            (Audience.GROUP, enrolment.group_id)):
        if value is not None:
            match.append(and_(LiveSession.audience == audience.value, LiveSession.audience_id == value))
    return offline_sessions_query(enrolment.program_id).where(or_(*match))


# --------------------------------------------------------------------------
# Authoring
# --------------------------------------------------------------------------


@dataclass
class SessionData:
    title: str
    kind: str
    description: str | None
    location: str | None
    audience: str
    audience_id: int
    starts_at: datetime
    ends_at: datetime


def to_utc(day: date, at: time, zone_name: str = ENTRY_ZONE) -> datetime:
    """A wall-clock time of a day in ``zone_name`` (Korea by default) as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone_name)).astimezone(timezone.utc)


def in_entry_zone(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(ENTRY_ZONE))


def _apply(session: LiveSession, data: SessionData) -> None:
    if data.kind not in {kind.value for kind in OfflineKind}:
        raise ValueError(f"unknown offline kind {data.kind!r}")
    if data.audience not in {Audience.PROGRAM.value, Audience.TRACK.value, Audience.GROUP.value}:
        raise ValueError(f"audience {data.audience!r} is not offered for offline sessions")
    if data.ends_at <= data.starts_at:
        raise ValueError("an offline session ends after it starts")
    session.title = data.title.strip()
    session.offline_kind = data.kind
    session.description = (data.description or "").strip() or None
    session.location = (data.location or "").strip() or None
    session.audience = data.audience
    session.audience_id = data.audience_id
    session.starts_at = data.starts_at
    session.ends_at = data.ends_at


def create_session(program: Program, data: SessionData) -> LiveSession:
    session = LiveSession(program_id=program.id, phase=OFFLINE, item_id=None, video_url=None,
                          attendance_threshold=100)
    _apply(session, data)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(session: LiveSession, data: SessionData, version) -> LiveSession:
    """Save an edit made from ``version``; ``EditConflict`` when someone saved in between."""
    check_version(session, version)
    _apply(session, data)
    db.session.flush()
    return session


def archive_session(session: LiveSession) -> bool:
    if session.archived_at is not None:
        return False
    session.archived_at = utcnow()
    db.session.flush()
    return True


def restore_session(session: LiveSession) -> bool:
    if session.archived_at is None:
        return False
    session.archived_at = None
    db.session.flush()
    return True


def audience_choices(program: Program, current: tuple[str, int] | None = None) -> list[tuple[str, str]]:
    """("program:1", "Everyone in the program"), ("track:3", "Track: Intensive"), ("group:4", …);
    archived tracks and groups only when they are the current value. Two queries."""
    choices = [(f"{Audience.PROGRAM.value}:{program.id}", _("Everyone in the program"))]
    for track in db.session.scalars(select(Track).where(Track.program_id == program.id)
                                    .order_by(Track.position, Track.id)):
        if track.archived_at is None or current == (Audience.TRACK.value, track.id):
            choices.append((f"{Audience.TRACK.value}:{track.id}", _("Track: %(name)s", name=track.name)))
    for group in db.session.scalars(select(Group).where(Group.program_id == program.id).order_by(Group.name)):
        if group.archived_at is None or current == (Audience.GROUP.value, group.id):
            choices.append((f"{Audience.GROUP.value}:{group.id}", _("Group: %(name)s", name=group.name)))
    return choices


def outside_window(session: LiveSession, tracks: Sequence[Track]) -> str | None:
    """A warning when the session falls outside the offline window of its track (for a track
    audience) or of every track of the program (other audiences); None when it fits or no window
    is announced. ``tracks``: the program's tracks (with the program loaded)."""
    if not tracks or not tracks[0].program.has_offline_phase:
        return None
    if session.audience == Audience.TRACK.value:
        candidates = [track for track in tracks if track.id == session.audience_id]
    else:
        candidates = [track for track in tracks if track.archived_at is None]
    windows = [(track, track.offline_window) for track in candidates]
    windows = [(track, window) for track, window in windows if window is not None and window.is_announced]
    if not windows:
        return None
    for _track, window in windows:
        if window.starts_at <= session.starts_at and session.ends_at <= window.ends_at:
            return None
    if session.audience == Audience.TRACK.value:
        track, window = windows[0]
        return _("Outside the offline phase of the %(track)s track (%(window)s).", track=track.name,
                 window=window.describe())
    return _("Outside the offline phase of every track of the program.")


# --------------------------------------------------------------------------
# The rotating code
# --------------------------------------------------------------------------


def minute_number(at: datetime) -> int:
    """Minutes since the epoch (UTC)."""
    return int(at.timestamp() // 60)


def _code(session_id: int, minute: int) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    message = f"lms.offline.check-in:{session_id}:{minute}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:CODE_LENGTH]


def code_for(session: LiveSession, at: datetime | None = None) -> str:
    """The session's check-in code during the minute of ``at`` (default: now)."""
    return _code(session.id, minute_number(at or utcnow()))


def normalise_code(code: str | None) -> str:
    """What a person typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:64]


def code_status(session: LiveSession, code: str | None, now: datetime | None = None) -> str:
    """'valid' (this minute's or the previous minute's code), 'expired' (an older code of this
    session, up to two hours) or 'invalid'."""
    now = now or utcnow()
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return "invalid"
    minute = minute_number(now)
    if any(hmac.compare_digest(code, _code(session.id, m)) for m in (minute, minute - 1)):
        return "valid"
    for back in range(2, EXPIRED_LOOKBACK_MINUTES + 1):
        if hmac.compare_digest(code, _code(session.id, minute - back)):
            return "expired"
    return "invalid"


def check_code(session: LiveSession, code: str | None, now: datetime | None = None) -> bool:
    return code_status(session, code, now) == "valid"


def seconds_to_next_minute(now: datetime | None = None) -> int:
    now = now or utcnow()
    return max(1, 60 - now.second)


# --------------------------------------------------------------------------
# Check-in
# --------------------------------------------------------------------------


def early_minutes() -> int:
    if has_app_context():
        return int(current_app.config.get("OFFLINE_CHECKIN_EARLY_MINUTES", DEFAULT_EARLY_MINUTES))
    return DEFAULT_EARLY_MINUTES


def opens_at(session: LiveSession) -> datetime:
    return session.starts_at - timedelta(minutes=early_minutes())


def is_open(session: LiveSession, now: datetime | None = None) -> bool:
    """Check-in is open from OFFLINE_CHECKIN_EARLY_MINUTES before the start until the end."""
    now = now or utcnow()
    return opens_at(session) <= now < session.ends_at


def check_in_of(session: LiveSession, user_id: int) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.session_id == session.id, CheckIn.user_id == user_id))


def check_ins_by_user(session: LiveSession) -> dict[int, CheckIn]:
    """The session's check-ins by person, with who they are and who recorded them (one query)."""
    return {c.user_id: c for c in db.session.scalars(
        select(CheckIn).where(CheckIn.session_id == session.id)
        .options(joinedload(CheckIn.user), joinedload(CheckIn.recorded_by)))}


def refusal(session: LiveSession, user, *, code: str | None = None, method: str = CheckIn.QR,
            now: datetime | None = None) -> CheckInError | None:
    """Why ``user`` cannot check in now (the first reason), or None. Records nothing.

    Order: the session, the person, an existing check-in (``AlreadyCheckedIn``), the time, then
    the code (when ``code`` is not None: a scan; an empty string is a wrong code).
    """
    now = now or utcnow()
    if session.phase != OFFLINE or session.archived_at is not None:
        return SessionUnavailable("unavailable")
    if db.session.scalar(expected_enrolments_query(session).where(Enrolment.user_id == user.id).limit(1)) is None:
        return NotExpected("not expected")
    existing = check_in_of(session, user.id)
    if existing is not None:  # a second scan, even late or from an old code, only says so
        return AlreadyCheckedIn(existing)
    if (method == CheckIn.QR and not is_open(session, now)) or (method == CheckIn.MANUAL
                                                                and now < opens_at(session)):
        return NotOpen(opens_at(session), session.ends_at, now)
    if method == CheckIn.QR and code is not None:
        status = code_status(session, code, now)
        if status == "expired":
            return CodeExpired("expired")
        if status != "valid":
            return InvalidCode("invalid")
    return None


def check_in(session: LiveSession, user, method: str, recorded_by=None, note: str | None = None,
             now: datetime | None = None, *, code: str | None = None) -> CheckIn:
    """Record that ``user`` is present (once: a second call raises ``AlreadyCheckedIn``).

    ``method`` "qr": the person scanned ``code`` (checked here when given; a caller that checked
    it already may leave it out) while check-in is open. "manual": a coordinator (``recorded_by``)
    checked them in, from the opening of check-in on (also after the end: the record is made
    afterwards), with an optional note. Raises a ``CheckInError`` subclass per refusal reason.
    """
    if method not in (CheckIn.QR, CheckIn.MANUAL):
        raise ValueError(f"unknown check-in method {method!r}")
    if method == CheckIn.MANUAL and recorded_by is None:
        raise ValueError("a manual check-in names who recorded it")
    now = now or utcnow()
    problem = refusal(session, user, code=code, method=method, now=now)
    if problem is not None:
        raise problem
    record = CheckIn(session_id=session.id, user_id=user.id, checked_in_at=now, method=method,
                     recorded_by_id=recorded_by.id if recorded_by is not None else None,
                     note=(note or "").strip() or None)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:  # a second scan won the race: the first one counts
        existing = check_in_of(session, user.id)
        if existing is None:  # pragma: no cover
            raise
        raise AlreadyCheckedIn(existing) from None
    return record


def check_in_by_hand(session: LiveSession, users: Iterable, recorded_by, note: str | None = None,
                     now: datetime | None = None) -> tuple[list[CheckIn], list[CheckIn], list[tuple]]:
    """Check several people in at once. Returns (recorded, already checked in, refused (user, error))."""
    recorded, already, refused = [], [], []
    for user in users:
        try:
            recorded.append(check_in(session, user, CheckIn.MANUAL, recorded_by=recorded_by, note=note, now=now))
        except AlreadyCheckedIn as existing:
            already.append(existing.check_in)
        except CheckInError as error:
            refused.append((user, error))
    db.session.flush()
    return recorded, already, refused


# --------------------------------------------------------------------------
# Attendance shares (for certificates)
# --------------------------------------------------------------------------


def offline_attendance_shares(enrolments: Iterable[Enrolment],
                              now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """``{enrolment_id: (attended, total)}``: the ended, not archived offline sessions of each
    person's audience, and how many of them they attended (a check-in, or a coordinator's
    correction, which overrides). At most four queries whatever the number of enrolments."""
    now = now or utcnow()
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    program_ids = {enrolment.program_id for enrolment in enrolments}
    sessions = list(db.session.scalars(
        select(LiveSession).where(LiveSession.program_id.in_(program_ids), LiveSession.phase == OFFLINE,
                                  LiveSession.archived_at.is_(None), LiveSession.ends_at <= now)
        .order_by(LiveSession.starts_at, LiveSession.id)))
    attendance = attendance_for_sessions(sessions, {enrolment.user_id for enrolment in enrolments}, now=now) \
        if sessions else {}
    shares = {}
    for enrolment in enrolments:
        mine = [session for session in sessions if in_audience(session, enrolment)]
        attended = sum(1 for session in mine if attendance[session.id][enrolment.user_id].attended)
        shares[enrolment.id] = (attended, len(mine))
    return shares


def offline_attendance_share(enrolment: Enrolment, now: datetime | None = None) -> tuple[int, int]:
    return offline_attendance_shares([enrolment], now=now)[enrolment.id]


# --------------------------------------------------------------------------
# The schedule
# --------------------------------------------------------------------------


@dataclass
class ScheduleEntry:
    session: LiveSession
    kind_label: str
    audience_label: str
    state: str  # upcoming | open | ended
    checked_in: bool | None = None  # participants: whether they are checked in
    warning: str | None = None

    @property
    def korea_start(self) -> datetime:
        return in_entry_zone(self.session.starts_at)

    @property
    def korea_end(self) -> datetime:
        return in_entry_zone(self.session.ends_at)


@dataclass
class ScheduleDay:
    day: date  # in Korea
    entries: list[ScheduleEntry] = field(default_factory=list)


def kind_label(session: LiveSession) -> str:
    try:
        return OfflineKind(session.offline_kind).label
    except ValueError:
        return OfflineKind.OTHER.label


def session_state(session: LiveSession, now: datetime) -> str:
    if now >= session.ends_at:
        return "ended"
    if session.starts_at <= now:
        return "now"
    return "upcoming"


def audience_label(session: LiveSession, tracks: dict[int, Track], groups: dict[int, Group]) -> str:
    if session.audience == Audience.TRACK.value and session.audience_id in tracks:
        return _("%(track)s track", track=tracks[session.audience_id].name)
    if session.audience == Audience.GROUP.value and session.audience_id in groups:
        return _("Group: %(group)s", group=groups[session.audience_id].name)
    if session.audience == Audience.MODULE.value:
        return _("One module")
    return _("Everyone")


def program_tracks_and_groups(program: Program) -> tuple[list[Track], dict[int, Group]]:
    """The program's tracks (with their program) and groups: two queries."""
    tracks = list(db.session.scalars(select(Track).where(Track.program_id == program.id)
                                     .options(joinedload(Track.program)).order_by(Track.position, Track.id)))
    groups = {group.id: group for group in db.session.scalars(select(Group).where(Group.program_id == program.id))}
    return tracks, groups


def schedule_days(sessions: Sequence[LiveSession], tracks: Sequence[Track], groups: dict[int, Group], *,
                  now: datetime | None = None, checked_in_ids: set[int] | None = None,
                  with_warnings: bool = False) -> list[ScheduleDay]:
    """Sessions grouped by their day in Korea, in order of start (no queries)."""
    now = now or utcnow()
    track_map = {track.id: track for track in tracks}
    days: dict[date, ScheduleDay] = {}
    for session in sorted(sessions, key=lambda s: (s.starts_at, s.id)):
        entry = ScheduleEntry(
            session=session,
            kind_label=kind_label(session),
            audience_label=audience_label(session, track_map, groups),
            state=session_state(session, now),
            checked_in=None if checked_in_ids is None else session.id in checked_in_ids,
            warning=outside_window(session, tracks) if with_warnings else None,
        )
        day = in_entry_zone(session.starts_at).date()
        days.setdefault(day, ScheduleDay(day)).entries.append(entry)
    return list(days.values())


def checked_in_session_ids(user_id: int, session_ids: Iterable[int]) -> set[int]:
    ids = list(session_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(CheckIn.session_id).where(CheckIn.user_id == user_id,
                                                                   CheckIn.session_id.in_(ids))))
