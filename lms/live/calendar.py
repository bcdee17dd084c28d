"""iCalendar (RFC 5545) for live sessions: one event to download, or a person's subscription feed.

Times are written as UTC instants ("20240722T010000Z"), which every calendar
program shows correctly in its own zone. Text is escaped, lines are folded at
75 octets without splitting a UTF-8 character, and lines end with CRLF.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import gettext as _

from lms.core.database import utcnow
from lms.live.models import LiveSession

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Hybrid Learning//Live sessions//EN"


def escape_text(value: str | None) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (continuations start with a space)."""
    chunks: list[str] = []
    current, size = [], 0
    limit = MAX_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = MAX_OCTETS - 1  # the leading space of a continuation line counts
        current.append(char)
        size += octets
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def format_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def site_url() -> str:
    return current_app.config.get("SITE_URL", "http://localhost").rstrip("/")


def site_host() -> str:
    return urlsplit(site_url()).hostname or "localhost"


def _absolute(endpoint: str, **values) -> str:
    """An address on the configured site (calendar programs fetch feeds from anywhere)."""
    return site_url() + url_for(endpoint, **values)


def room_url(session: LiveSession) -> str:
    """The live room when that page exists, else the schedule."""
    if "live.room" in current_app.view_functions:
        return _absolute("live.room", session_id=session.id)
    return _absolute("live_schedule.upcoming")


def event_uid(session: LiveSession) -> str:
    return f"live-{session.id}@{site_host()}"


def _event_lines(session: LiveSession, stamp: datetime) -> list[str]:
    room = room_url(session)
    description = [_("Live room: %(url)s", url=room)]
    if session.video_url:
        description.append(_("Video link: %(url)s", url=session.video_url))
    if session.description:
        description.extend(["", session.description.strip()])
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event_uid(session)}",
        f"DTSTAMP:{format_utc(stamp)}",
        f"DTSTART:{format_utc(session.starts_at)}",
        f"DTEND:{format_utc(session.ends_at)}",
        f"SUMMARY:{escape_text(session.title)}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
        f"URL:{room}",
        f"LOCATION:{escape_text(session.video_url or _('Online'))}",
        f"SEQUENCE:{max(0, (session.version or 1) - 1)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
    ]
    if session.updated_at:
        lines.append(f"LAST-MODIFIED:{format_utc(session.updated_at)}")
    lines.append("END:VEVENT")
    return lines


def build_calendar(sessions: list[LiveSession], *, name: str | None = None, now: datetime | None = None) -> str:
    """A VCALENDAR with one VEVENT per session, CRLF line endings, folded lines."""
    stamp = now or utcnow()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
        lines.append("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
        lines.append("X-PUBLISHED-TTL:PT1H")
    for session in sessions:
        lines.extend(_event_lines(session, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def session_filename(session: LiveSession) -> str:
    return f"live-session-{session.id}.ics"
