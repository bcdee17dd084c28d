"""Attendance: every connection is recorded; intervals are merged per person."""

from __future__ import annotations

from sqlalchemy import select

from lms.core.database import utcnow
from lms.extensions import db
from lms.live.models import Connection, LiveSession


def connection_opened(session: LiveSession, user, sid: str) -> Connection:
    connection = Connection(session_id=session.id, user_id=user.id, sid=sid)
    db.session.add(connection)
    db.session.flush()
    return connection


def connection_closed(sid: str) -> list[Connection]:
    """Close every open connection record of this socket (it may have joined several rooms)."""
    now = utcnow()
    connections = list(db.session.scalars(select(Connection).where(Connection.sid == sid,
                                                                   Connection.left_at.is_(None))))
    for connection in connections:
        connection.left_at = now
        connection.last_seen_at = now
    db.session.flush()
    return connections
