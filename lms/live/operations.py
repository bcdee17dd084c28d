"""Live session rules shared by scheduling, the room and attendance."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lms.extensions import db
from lms.learning.models import Item, ItemKind
from lms.live.models import Audience, LiveSession, RoomEvent


def _parse(value) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else None


def default_audience(unit) -> tuple[str, int]:
    """Who a session of ``unit`` invites unless its author chose otherwise: the module, or the program."""
    if unit.module_id:
        return Audience.MODULE.value, unit.module_id
    return Audience.PROGRAM.value, unit.program_id


def chosen_audience(settings) -> tuple[str, int] | None:
    """The audience an author chose (``settings["audience"]`` = {"kind", "id"}), or None."""
    stored = (settings or {}).get("audience")
    if not isinstance(stored, dict):
        return None
    kind, audience_id = stored.get("kind"), stored.get("id")
    if kind not in {audience.value for audience in Audience}:
        return None
    if not isinstance(audience_id, int) or isinstance(audience_id, bool):
        return None
    return kind, audience_id


def item_audience(item: Item) -> tuple[str, int]:
    """The audience of a live-session item's session: the author's choice, else the unit's default."""
    return chosen_audience(item.settings) or default_audience(item.unit)


def session_for_item(item: Item) -> LiveSession:
    """The live session of a live-session item, created (or kept in step) from the item's settings."""
    if item.kind != ItemKind.LIVE_SESSION.value:
        raise ValueError("not a live-session item")
    session = db.session.scalar(select(LiveSession).where(LiveSession.item_id == item.id))
    settings = item.settings or {}
    starts_at = _parse(settings.get("starts_at")) or item.opens_at or item.due_at
    ends_at = _parse(settings.get("ends_at")) or (starts_at + timedelta(minutes=90) if starts_at else None)
    unit = item.unit
    audience, audience_id = item_audience(item)
    if session is None:
        session = LiveSession(
            item=item,
            program_id=unit.program_id,
            attendance_threshold=current_app.config.get("LIVE_ATTENDANCE_THRESHOLD", 75),
        )
        db.session.add(session)
    session.audience = audience
    session.audience_id = audience_id
    session.title = item.title
    session.description = item.body
    session.video_url = item.url
    if starts_at is not None:
        session.starts_at = starts_at
        session.ends_at = ends_at
    db.session.flush()
    return session


def record_event(session: LiveSession, kind: str, actor=None, data: dict | None = None) -> RoomEvent:
    """Append an event to the room's record; its id orders it and lets reconnecting clients catch up."""
    event = RoomEvent(session_id=session.id, kind=kind, actor_id=actor.id if actor else None, data=data or {})
    db.session.add(event)
    db.session.flush()
    return event


def events_after(session: LiveSession, last_event_id: int | None, limit: int = 2000) -> list[RoomEvent]:
    query = select(RoomEvent).where(RoomEvent.session_id == session.id)
    if last_event_id:
        query = query.where(RoomEvent.id > last_event_id)
    return list(db.session.scalars(query.order_by(RoomEvent.id).limit(limit)))
