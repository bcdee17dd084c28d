"""The schedule of live sessions: which sessions a person may join, in bulk.

The rules are those of ``lms.live.access`` (audience members, the session's
trainers, every coordinator), written as one SQL condition so that a list of
sessions costs a constant number of queries however long it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import joinedload

from lms.core.database import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES
from lms.learning.models import Item, ItemKind, Unit
from lms.live.models import Audience, LiveSession, Phase, SessionState
from lms.programs.models import Group, Module, ModuleTrainer, Track

UPCOMING_PAST_DAYS = 30  # the schedule page shows sessions that ended in the last 30 days
FEED_PAST_DAYS = 60  # the calendar feed keeps two months of past sessions


def _audience_member_condition(user):
    """The person is an enrolled (active or completed) participant of the session's audience."""
    audience_match = or_(
        LiveSession.audience == Audience.PROGRAM.value,
        and_(LiveSession.audience == Audience.TRACK.value, Enrolment.track_id == LiveSession.audience_id),
        and_(LiveSession.audience == Audience.MODULE.value, Enrolment.module_id == LiveSession.audience_id),
        and_(LiveSession.audience == Audience.GROUP.value, Enrolment.group_id == LiveSession.audience_id),
    )
    return exists().where(
        Enrolment.user_id == user.id,
        Enrolment.program_id == LiveSession.program_id,
        Enrolment.status.in_(LEARNING_STATUSES),
        audience_match,
    )


def _trainer_condition(user):
    """Mirrors ``is_session_trainer``: module trainers; track trainers; program trainers otherwise."""
    module_trainer = exists().where(
        ModuleTrainer.user_id == user.id, ModuleTrainer.module_id == LiveSession.audience_id)
    track_trainer = exists().where(
        ModuleTrainer.user_id == user.id, ModuleTrainer.module_id == Module.id,
        Module.track_id == LiveSession.audience_id)
    program_trainer = exists().where(
        ModuleTrainer.user_id == user.id, ModuleTrainer.module_id == Module.id, Module.track_id == Track.id,
        Track.program_id == LiveSession.program_id)
    is_module = and_(LiveSession.audience == Audience.MODULE.value, LiveSession.audience_id.is_not(None))
    is_track = and_(LiveSession.audience == Audience.TRACK.value, LiveSession.audience_id.is_not(None))
    return or_(
        and_(is_module, module_trainer),
        and_(is_track, track_trainer),
        and_(~is_module, ~is_track, program_trainer),
    )


def _published_condition():
    """Sessions of hidden or archived items (or units) do not exist for participants."""
    return or_(
        LiveSession.item_id.is_(None),
        and_(Item.hidden.is_(False), Item.archived_at.is_(None), Unit.hidden.is_(False), Unit.archived_at.is_(None)),
    )


def joinable_sessions_query(user):
    """SELECT of the published (not hidden, not archived) sessions ``user`` may join; one statement.
    Online sessions only: offline ones (in Korea) have their own schedule (``lms.offline``)."""
    query = (
        select(LiveSession)
        .outerjoin(Item, Item.id == LiveSession.item_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(LiveSession.phase == Phase.ONLINE.value)
        .where(LiveSession.archived_at.is_(None))
        .where(or_(LiveSession.item_id.is_(None), and_(Item.archived_at.is_(None), Unit.archived_at.is_(None))))
    )
    if not user.is_authenticated:
        return query.where(false())
    # The schedule lists published sessions only: drafts (hidden items or units) stay on the authoring pages.
    query = query.where(_published_condition())
    if user.is_coordinator:
        return query
    return query.where(or_(_trainer_condition(user), _audience_member_condition(user)))


def sessions_for(user, *, ended_since: datetime, until: datetime | None = None) -> list[LiveSession]:
    """Sessions the person may join that end after ``ended_since`` (and start before ``until``),
    in order of start, with their program and item loaded."""
    query = joinable_sessions_query(user).where(
        or_(LiveSession.ends_at >= ended_since, LiveSession.state == SessionState.LIVE.value))
    if until is not None:
        query = query.where(LiveSession.starts_at < until)
    query = query.options(joinedload(LiveSession.program), joinedload(LiveSession.item))
    return list(db.session.scalars(query.order_by(LiveSession.starts_at, LiveSession.id)).unique())


# What the pages show ---------------------------------------------------------------------------


def effective_state(session: LiveSession, now: datetime) -> str:
    """'live', 'ended' or 'scheduled': a scheduled session whose time has passed counts as ended."""
    if session.state == SessionState.LIVE.value:
        return SessionState.LIVE.value
    if session.state == SessionState.ENDED.value or session.ends_at <= now:
        return SessionState.ENDED.value
    return SessionState.SCHEDULED.value


def state_label(state: str) -> str:
    return {
        SessionState.SCHEDULED.value: _("Scheduled"),
        SessionState.LIVE.value: _("Live now"),
        SessionState.ENDED.value: _("Ended"),
    }[state]


def describe_duration(delta: timedelta) -> str:
    """'1 hour 30 minutes', '45 minutes', '2 hours' in the viewer's language."""
    total_minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(total_minutes, 60)
    parts = []
    if hours:
        parts.append(format_timedelta(timedelta(hours=hours), granularity="hour", threshold=1))
    if minutes or not hours:
        parts.append(format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=1))
    return " ".join(parts)


def countdown_text(session: LiveSession, now: datetime, zone_name: str) -> str | None:
    """On the day of the session (in the viewer's zone), how long until it starts."""
    if session.starts_at <= now:
        return None
    zone = ZoneInfo(zone_name)
    if session.starts_at.astimezone(zone).date() != now.astimezone(zone).date():
        return None
    remaining = session.starts_at - now
    if remaining < timedelta(minutes=1):
        return _("Starts in less than a minute")
    # Round up to the minute: "starts in 2 hours 10 minutes" while 2 h 9 min 30 s remain.
    minutes = -(-int(remaining.total_seconds()) // 60)
    return _("Starts in %(duration)s", duration=describe_duration(timedelta(minutes=minutes)))


@dataclass
class ScheduleEntry:
    session: LiveSession
    state: str
    state_label: str
    audience_label: str
    duration: str
    countdown: str | None

    @property
    def is_past(self) -> bool:
        return self.state == SessionState.ENDED.value


@dataclass
class Schedule:
    upcoming: list[ScheduleEntry]
    past: list[ScheduleEntry]

    @property
    def is_empty(self) -> bool:
        return not self.upcoming and not self.past


def _audience_labels(sessions: list[LiveSession]) -> dict[int, str]:
    """What each session is for ("Module: …", "Group: …"), with one query per kind of audience."""
    ids: dict[str, set[int]] = {}
    for session in sessions:
        if session.audience_id is not None:
            ids.setdefault(session.audience, set()).add(session.audience_id)
    modules = {module.id: module for module in db.session.scalars(
        select(Module).where(Module.id.in_(ids[Audience.MODULE.value])))} \
        if ids.get(Audience.MODULE.value) else {}
    tracks = {track.id: track for track in db.session.scalars(
        select(Track).where(Track.id.in_(ids[Audience.TRACK.value])))} if ids.get(Audience.TRACK.value) else {}
    groups = {group.id: group for group in db.session.scalars(
        select(Group).where(Group.id.in_(ids[Audience.GROUP.value])))} if ids.get(Audience.GROUP.value) else {}
    labels = {}
    for session in sessions:
        program = session.program.name
        if session.audience == Audience.MODULE.value and session.audience_id in modules:
            label = _("%(module)s · %(program)s", module=modules[session.audience_id].display_title,
                      program=program)
        elif session.audience == Audience.TRACK.value and session.audience_id in tracks:
            label = _("%(track)s track · %(program)s", track=tracks[session.audience_id].name, program=program)
        elif session.audience == Audience.GROUP.value and session.audience_id in groups:
            label = _("%(group)s · %(program)s", group=groups[session.audience_id].name, program=program)
        else:
            label = _("Everyone in %(program)s", program=program)
        labels[session.id] = label
    return labels


def build_schedule(user, zone_name: str, now: datetime | None = None, *,
                   past_days: int = UPCOMING_PAST_DAYS, limit: int | None = None) -> Schedule:
    """Live and upcoming sessions first (soonest first), then those of the last ``past_days`` days
    (most recent first)."""
    now = now or utcnow()
    sessions = sessions_for(user, ended_since=now - timedelta(days=past_days))
    labels = _audience_labels(sessions)
    upcoming, past = [], []
    for session in sessions:
        state = effective_state(session, now)
        entry = ScheduleEntry(
            session=session,
            state=state,
            state_label=state_label(state),
            audience_label=labels[session.id],
            duration=describe_duration(session.ends_at - session.starts_at),
            countdown=countdown_text(session, now, zone_name) if state == SessionState.SCHEDULED.value else None,
        )
        (past if entry.is_past else upcoming).append(entry)
    past.reverse()
    if limit is not None:
        upcoming = upcoming[:limit]
    return Schedule(upcoming=upcoming, past=past)


# Keeping sessions in step with their items -------------------------------------------------------


def item_has_schedule(item: Item) -> bool:
    """A live-session item whose start is known (its LiveSession can exist)."""
    from lms.learning.authoring import session_times

    starts_at, _ends_at = session_times(item)
    return item.kind == ItemKind.LIVE_SESSION.value and bool(starts_at or item.opens_at or item.due_at)


def sync_item_session(item: Item) -> LiveSession | None:
    """Create or update the LiveSession of a live-session item; None while its time is unknown."""
    from lms.live.operations import session_for_item

    if not item_has_schedule(item):
        return None
    return session_for_item(item)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    without_time: int = 0


def sync_all_sessions() -> SyncResult:
    """Every live-session item gets its LiveSession (created when missing, kept in step otherwise)."""
    result = SyncResult()
    existing = set(db.session.scalars(select(LiveSession.item_id).where(LiveSession.item_id.is_not(None))))
    items = db.session.scalars(
        select(Item).where(Item.kind == ItemKind.LIVE_SESSION.value).options(joinedload(Item.unit))
        .order_by(Item.id)).all()
    for item in items:
        if sync_item_session(item) is None:
            result.without_time += 1
        elif item.id in existing:
            result.updated += 1
        else:
            result.created += 1
    return result


# Calendar subscription addresses ---------------------------------------------------------------


def feed_of(user) -> "CalendarFeed | None":
    from lms.live.models import CalendarFeed

    return db.session.get(CalendarFeed, user.id)


def _new_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def create_feed(user) -> "CalendarFeed":
    """The person's subscription address, created on first request (idempotent)."""
    from sqlalchemy.exc import IntegrityError

    from lms.live.models import CalendarFeed

    feed = feed_of(user)
    if feed is not None:
        return feed
    try:
        with db.session.begin_nested():
            feed = CalendarFeed(user_id=user.id, token=_new_token(), created_at=utcnow())
            db.session.add(feed)
    except IntegrityError:  # a second click won the race: use its address
        feed = feed_of(user)
    return feed


def renew_feed(user) -> "CalendarFeed":
    """A new secret address; the old one stops working at once."""
    feed = feed_of(user)
    if feed is None:
        return create_feed(user)
    feed.token = _new_token()
    feed.created_at = utcnow()
    db.session.flush()
    return feed


def user_for_feed_token(token: str):
    """The active person whose subscription address carries ``token``, or None."""
    from lms.accounts.models import User
    from lms.live.models import CalendarFeed

    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                             .where(CalendarFeed.token == token))
    if user is None or user.deactivated_at is not None:
        return None
    return user
