"""The demo's program meetings of the online phase: live sessions that belong to no module.

Besides each module's live session (an item of its second unit), the program
office runs a few online meetings for everyone: an opening session on the
first day, and for the two-week Experts program a meeting per track on the
offline phase and a round-up at the end of week 1. They are standalone
``LiveSession`` rows (no item) for the program or a track, at 10:00 Korea time
like every demo live session, and they count for the live-session condition of
the admission rules.

``load_meetings`` is called by the demo loader inside its transaction.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from lms.demo import data
from lms.extensions import db
from lms.live.models import Audience, LiveSession, Phase
from lms.programs.models import Program

START = time(10, 0)  # Korea time


@dataclass(frozen=True)
class Meeting:
    day: int  # days after the first day of the online phase
    minutes: int
    title: str
    audience: str  # "program" or a TrackData.key
    description: str


def _md(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


_OPENING = """
    The program office and the trainers welcome you: how the online phase works, what the offline phase
    in Korea asks of you, and time for your questions. Introduce yourself in one minute: your name,
    your organisation, and one thing you hope to take home.
"""


def _track_meeting(track: data.TrackData) -> Meeting:
    return Meeting(2, 60, f"Track meeting: the {track.name} course in Korea", track.key, _md(f"""
        For the participants of the {track.name.lower()} track. {track.description} The program office
        explains the dates, the cities, travel and accommodation, and what admission to the offline
        phase depends on. Bring your questions.
    """))


MEETINGS = {
    data.EXPERTS.code: (
        Meeting(0, 90, "Opening session: welcome to the online phase", "program", _md(_OPENING)),
        *(_track_meeting(track) for track in data.EXPERTS.tracks),
        Meeting(4, 60, "Week 1 round-up with the program office", "program", _md("""
            A look back at week 1 (what worked, what was hard, the quiz) and forward to week 2: your live
            session with your trainers and the assignment. Questions about the platform are welcome too.
        """)),
    ),
    data.ADMINISTRATORS.code: (
        Meeting(0, 90, "Opening session: welcome to the online phase", "program", _md(_OPENING)),
    ),
}


def load_meetings(programs: dict[str, Program]) -> int:
    """Add the program meetings of each program's online phase (the caller commits); returns how many."""
    added = 0
    for code, meetings in MEETINGS.items():
        program = programs[code]
        spec = next(spec for spec in data.PROGRAMS if spec.code == code)
        track_ids = {track_spec.key: track.id for track_spec in spec.tracks for track in program.tracks
                     if track.name == track_spec.name}
        zone = ZoneInfo(program.timezone)
        for meeting in meetings:
            day = program.online_start + timedelta(days=meeting.day)
            starts_at = datetime.combine(day, START, tzinfo=zone).astimezone(timezone.utc)
            if meeting.audience == "program":
                audience, audience_id = Audience.PROGRAM.value, program.id
            else:
                audience, audience_id = Audience.TRACK.value, track_ids[meeting.audience]
            db.session.add(LiveSession(
                program_id=program.id, item_id=None, title=meeting.title, description=meeting.description,
                starts_at=starts_at, ends_at=starts_at + timedelta(minutes=meeting.minutes),
                audience=audience, audience_id=audience_id, phase=Phase.ONLINE.value,
            ))
            added += 1
    db.session.flush()
    return added
