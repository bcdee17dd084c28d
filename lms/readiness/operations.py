"""Pre-departure readiness: confirming or declining a place, the details the office needs, the board.

Views, the demo and tests call these; they flush but never commit.

Conventions of the stored record (``Readiness``):

* ``dietary_needs`` NULL means "not answered yet"; an empty string means the
  participant said explicitly that they have no special dietary needs; any
  other text describes them.
* ``terms_digest`` is the SHA-256 of the program's participation terms as
  accepted; when the terms change later the consent needs renewing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from lms.accounts.models import User
from lms.admission.operations import places_taken
from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.core.timezones import DateWindow, format_day
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.notifications.operations import notify
from lms.programs.models import Program, Track
from lms.readiness.access import READINESS_STATUSES
from lms.readiness.models import Readiness

ADMITTED = EnrolmentStatus.ADMITTED.value
CONFIRMED = EnrolmentStatus.CONFIRMED.value
DECLINED = EnrolmentStatus.DECLINED_PLACE.value

TRAVEL_FIELDS = ("arrival_date", "arrival_flight", "departure_date", "departure_flight")
EMERGENCY_FIELDS = ("emergency_name", "emergency_relationship", "emergency_phone", "emergency_email")
# What an emergency contact needs to be usable; the email is welcome but optional.
EMERGENCY_REQUIRED = ("emergency_name", "emergency_relationship", "emergency_phone")
DETAIL_FIELDS = (*TRAVEL_FIELDS, "dietary_needs", "accessibility_needs", *EMERGENCY_FIELDS)

# The items the board reports as missing, in this order.
ITEMS = ("travel", "dietary", "emergency_contact", "terms")
ITEM_LABELS = {
    "travel": _l("Travel"),
    "dietary": _l("Dietary needs"),
    "emergency_contact": _l("Emergency contact"),
    "terms": _l("Terms accepted"),
}

# Board states (the "status" filter) and their labels.
STATE_CONFIRMED = "confirmed"
STATE_NOT_ANSWERED = "not_answered"
STATE_DECLINED = "declined"
STATE_INCOMPLETE = "incomplete"
STATE_LABELS = {
    STATE_CONFIRMED: _l("Confirmed"),
    STATE_NOT_ANSWERED: _l("Not answered"),
    STATE_DECLINED: _l("Declined"),
    STATE_INCOMPLETE: _l("Confirmed, details missing"),
}

# Terms states.
TERMS_NOT_REQUIRED = "not_required"  # the program has no participation terms
TERMS_ACCEPTED = "accepted"
TERMS_RENEW = "renew"  # accepted, but the terms changed since
TERMS_MISSING = "missing"

# An arrival this long before the offline phase (or a departure this long after it) is probably a typo.
FAR_FROM_WINDOW = timedelta(days=14)

_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-/]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ReadinessError(Exception):
    """A rule refused the change; ``errors`` maps form fields to messages."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("readiness refused")
        self.errors = dict(errors)


class NotAllowed(Exception):
    """The enrolment is not in a state where this answer makes sense (e.g. not admitted)."""


class PlaceTaken(Exception):
    """Taking back a decline: the track is full again (someone else got the place)."""

    def __init__(self, track: Track, taken: int, capacity: int):
        super().__init__("track full")
        self.track, self.taken, self.capacity = track, taken, capacity


# --------------------------------------------------------------------------
# Reading a record
# --------------------------------------------------------------------------


def readiness_for(enrolment: Enrolment) -> Readiness | None:
    return db.session.scalar(select(Readiness).where(Readiness.enrolment_id == enrolment.id))


def _readiness_or_new(enrolment: Enrolment) -> Readiness:
    readiness = readiness_for(enrolment)
    if readiness is None:
        readiness = Readiness(enrolment=enrolment)
        db.session.add(readiness)
    return readiness


def terms_digest(text: str | None) -> str | None:
    """SHA-256 of the terms text; line endings and surrounding blanks do not count (browsers send CRLF)."""
    if text is None:
        return None
    normalised = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    normalised = normalised.strip()
    if not normalised:
        return None
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def terms_state(readiness: Readiness | None, program: Program) -> str:
    current = terms_digest(program.participation_terms)
    if current is None:
        return TERMS_NOT_REQUIRED
    if readiness is None or readiness.terms_accepted_at is None or not readiness.terms_digest:
        return TERMS_MISSING
    return TERMS_ACCEPTED if readiness.terms_digest == current else TERMS_RENEW


def has_no_dietary_needs(readiness: Readiness | None) -> bool:
    """The participant said explicitly they have no special dietary needs."""
    return readiness is not None and readiness.dietary_needs is not None and not readiness.dietary_needs.strip()


def _filled(value) -> bool:
    if value is None:
        return False
    return bool(value.strip()) if isinstance(value, str) else True


def missing_items(readiness: Readiness | None, program: Program) -> list[str]:
    """What the office still needs from a participant who comes (keys of ``ITEMS``).

    Travel: both dates and both flights (or how they travel). Dietary: an
    answer, "no special needs" counts. Emergency contact: name, relationship
    and phone. Terms: accepted in their current wording (when the program has terms).
    """
    missing = []
    if readiness is None or not all(_filled(getattr(readiness, name)) for name in TRAVEL_FIELDS):
        missing.append("travel")
    if readiness is None or readiness.dietary_needs is None:
        missing.append("dietary")
    if readiness is None or not all(_filled(getattr(readiness, name)) for name in EMERGENCY_REQUIRED):
        missing.append("emergency_contact")
    if terms_state(readiness, program) in (TERMS_MISSING, TERMS_RENEW):
        missing.append("terms")
    return missing


def item_label(key: str) -> str:
    return str(ITEM_LABELS[key])


# --------------------------------------------------------------------------
# Checking details
# --------------------------------------------------------------------------


def phone_problem(value: str | None) -> str | None:
    if not value:
        return None
    digits = sum(char.isdigit() for char in value)
    if not _PHONE_CHARACTERS.match(value) or not 6 <= digits <= 15:
        return _("Enter a phone number with its country code, for example +254 712 345 678.")
    return None


def email_problem(value: str | None) -> str | None:
    if value and not _EMAIL.match(value):
        return _("Enter a valid email address, for example name@example.org.")
    return None


def _window(track: Track | None) -> DateWindow | None:
    window = track.offline_window if track is not None else None
    return window if window is not None and window.is_announced else None


def date_problems(arrival: date | None, departure: date | None, track: Track | None) -> dict[str, str]:
    """Dates the office cannot use: refused, with the message next to the field."""
    problems = {}
    if arrival and departure and departure < arrival:
        problems["departure_date"] = _("Your departure cannot be before your arrival.")
    window = _window(track)
    if window is not None:
        if arrival and arrival > window.end:
            problems["arrival_date"] = _(
                "This is after the offline phase ends (%(end)s). Check the date.", end=format_day(window.end))
        if departure and departure < window.start and "departure_date" not in problems:
            problems["departure_date"] = _(
                "This is before the offline phase starts (%(start)s). Check the date.",
                start=format_day(window.start))
    return problems


def date_warnings(arrival: date | None, departure: date | None, track: Track | None) -> dict[str, str]:
    """Dates that are possible but worth a second look: saved, and shown next to the field."""
    warnings = {}
    window = _window(track)
    if window is None:
        return warnings
    if arrival:
        if arrival > window.start:
            warnings["arrival_date"] = _(
                "You would arrive after the offline phase starts (%(start)s) and miss its first days. "
                "The program office will contact you.", start=format_day(window.start))
        elif arrival < window.start - FAR_FROM_WINDOW:
            warnings["arrival_date"] = _(
                "This is more than two weeks before the offline phase starts (%(start)s). Check the date.",
                start=format_day(window.start))
    if departure:
        if departure < window.end:
            warnings["departure_date"] = _(
                "You would leave before the offline phase ends (%(end)s) and miss its last days. "
                "The program office will contact you.", end=format_day(window.end))
        elif departure > window.end + FAR_FROM_WINDOW:
            warnings["departure_date"] = _(
                "This is more than two weeks after the offline phase ends (%(end)s). Check the date.",
                end=format_day(window.end))
    return warnings


def readiness_warnings(readiness: Readiness | None, track: Track | None) -> dict[str, str]:
    if readiness is None:
        return {}
    return date_warnings(readiness.arrival_date, readiness.departure_date, track)


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def details_problems(data: Mapping, track: Track | None) -> dict[str, str]:
    """Every refusal for submitted details, by field."""
    problems = date_problems(data.get("arrival_date"), data.get("departure_date"), track)
    if (problem := phone_problem(_clean(data.get("emergency_phone")))) is not None:
        problems["emergency_phone"] = problem
    if (problem := email_problem(_clean(data.get("emergency_email")))) is not None:
        problems["emergency_email"] = problem
    if data.get("no_dietary_needs") and _clean(data.get("dietary_needs")):
        problems["no_dietary_needs"] = _(
            "Either describe your dietary needs or tick “No special dietary needs”, not both.")
    return problems


# --------------------------------------------------------------------------
# Answers: confirming or declining the place
# --------------------------------------------------------------------------


def _lock_track(track_id: int | None) -> None:
    """PostgreSQL row lock so that two people taking the last place at once are serialised."""
    if track_id is not None:
        db.session.execute(select(Track.id).where(Track.id == track_id).with_for_update())


def confirm_attendance(enrolment: Enrolment, actor, now: datetime | None = None, *,
                       note: str | None = None) -> Readiness:
    """The participant will come: status ``confirmed``, recorded and told to the program office.

    From ``admitted`` the place is already theirs. From ``declined_place``
    (taking a decline back) the place must still be free: a full track
    raises ``PlaceTaken``. Confirming twice changes nothing.
    """
    now = now or utcnow()
    if enrolment.status == CONFIRMED:
        return _readiness_or_new(enrolment)
    if enrolment.status not in (ADMITTED, DECLINED):
        raise NotAllowed(enrolment.status)
    track = enrolment.track
    if enrolment.status == DECLINED and track is not None and track.capacity is not None:
        _lock_track(track.id)
        taken = places_taken([track.id])[track.id]
        if taken + 1 > track.capacity:
            raise PlaceTaken(track, taken + 1, track.capacity)
    readiness = _readiness_or_new(enrolment)
    readiness.response = Readiness.CONFIRMED
    readiness.responded_at = now
    readiness.decline_reason = None
    _change_status(enrolment, CONFIRMED, actor, now, note=_clean(note))
    db.session.flush()
    _tell(enrolment, actor, CONFIRMED, reason=None)
    return readiness


def decline_place(enrolment: Enrolment, actor, reason: str | None, now: datetime | None = None) -> Readiness:
    """The participant cannot come: status ``declined_place`` frees the track's place. Details are kept."""
    now = now or utcnow()
    reason = _clean(reason)
    if enrolment.status == DECLINED:
        return _readiness_or_new(enrolment)
    if enrolment.status not in (ADMITTED, CONFIRMED):
        raise NotAllowed(enrolment.status)
    readiness = _readiness_or_new(enrolment)
    readiness.response = Readiness.DECLINED
    readiness.responded_at = now
    readiness.decline_reason = reason
    _change_status(enrolment, DECLINED, actor, now, note=reason)
    db.session.flush()
    _tell(enrolment, actor, DECLINED, reason=reason)
    return readiness


def _change_status(enrolment: Enrolment, to_status: str, actor, now: datetime, note: str | None) -> None:
    db.session.add(EnrolmentEvent(enrolment=enrolment, at=now, actor_id=actor.id if actor is not None else None,
                                  action="readiness", from_status=enrolment.status, to_status=to_status,
                                  note=note))
    enrolment.status = to_status


def _path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():  # a command or a test: only the path is needed
        return url_for(endpoint, **values)


def _locale(user) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _waitlisted(track_id: int) -> int:
    return db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.track_id == track_id, Enrolment.status == EnrolmentStatus.WAITLISTED.value)) or 0


def _tell(enrolment: Enrolment, actor, answer: str, reason: str | None) -> None:
    """One in-app notification per coordinator (not the one who recorded it); the participant
    too when the office recorded the answer for them."""
    person, program, track = enrolment.user, enrolment.program, enrolment.track
    waiting = _waitlisted(track.id) if answer == DECLINED and track is not None else 0
    record_link = _path("readiness.record", program_id=program.id, enrolment_id=enrolment.id)
    coordinators = db.session.scalars(
        select(User).where(User.is_coordinator.is_(True), User.deactivated_at.is_(None)).order_by(User.id)
    ).all()
    for coordinator in coordinators:
        if actor is not None and coordinator.id == actor.id:
            continue
        with force_locale(_locale(coordinator)):
            if answer == CONFIRMED:
                title = _("%(name)s confirmed their place in the offline phase", name=person.name)
            else:
                title = _("%(name)s declined their place in the offline phase", name=person.name)
            lines = [program.name + (f" · {track.name}" if track is not None else "")]
            if reason:
                lines.append(_("Reason: %(reason)s", reason=reason))
            if answer == DECLINED and track is not None:
                lines.append(_("A place is free again in %(track)s; %(count)d on its waiting list.",
                               track=track.name, count=waiting))
            notify(coordinator, "readiness", title, "\n".join(lines), link=record_link)
    if actor is not None and actor.id != person.id:
        with force_locale(_locale(person)):
            if answer == CONFIRMED:
                title = _("The program office recorded that you will attend the offline phase of %(program)s",
                          program=program.name)
            else:
                title = _("The program office recorded that you declined your place in the offline phase "
                          "of %(program)s", program=program.name)
            notify(person, "readiness", title, reason, link=_path("readiness.form", program_id=program.id))


# --------------------------------------------------------------------------
# Details
# --------------------------------------------------------------------------


def save_details(readiness: Readiness, data: Mapping, expected_version, actor,
                 now: datetime | None = None) -> Readiness:
    """Save what the participant gave (partially is fine: the board shows what is missing).

    ``data`` has the keys of ``DETAIL_FIELDS`` (missing keys are left as
    they are), ``no_dietary_needs`` (bool) and ``accept_terms_digest``: the
    digest of the terms text the person ticked to accept (None when not
    ticked). Raises ``EditConflict`` when the record changed since the form
    was opened, ``ReadinessError`` for refused values, ``NotAllowed`` unless
    the participant confirmed.
    """
    now = now or utcnow()
    enrolment = readiness.enrolment
    if enrolment.status != CONFIRMED:
        raise NotAllowed(enrolment.status)
    check_version(readiness, expected_version)
    values = {name: _clean(data[name]) for name in DETAIL_FIELDS if name in data}
    merged = {name: values.get(name, getattr(readiness, name)) for name in DETAIL_FIELDS}
    merged["no_dietary_needs"] = bool(data.get("no_dietary_needs"))
    problems = details_problems(merged, enrolment.track)
    accepted = data.get("accept_terms_digest")
    current = terms_digest(enrolment.program.participation_terms)
    if accepted and current is not None and accepted != current:
        problems["accept_terms"] = _("The terms changed while you were reading them. "
                                     "Read the current terms below and tick the box again.")
    if problems:
        raise ReadinessError(problems)
    for name, value in values.items():
        setattr(readiness, name, value)
    if "dietary_needs" in data or "no_dietary_needs" in data:
        # NULL: not answered; "": no special needs (said explicitly); text: the needs.
        readiness.dietary_needs = "" if data.get("no_dietary_needs") else values.get("dietary_needs")
    if accepted and current is not None and readiness.terms_digest != current:
        readiness.terms_accepted_at = now
        readiness.terms_digest = current
    db.session.flush()
    return readiness


# --------------------------------------------------------------------------
# The board
# --------------------------------------------------------------------------


@dataclass
class BoardRow:
    enrolment: Enrolment
    readiness: Readiness | None
    state: str  # confirmed, not_answered, declined
    missing: list[str]
    terms: str
    warnings: dict[str, str]

    @property
    def user(self) -> User:
        return self.enrolment.user

    @property
    def incomplete(self) -> bool:
        return self.state == STATE_CONFIRMED and bool(self.missing)

    @property
    def answered_at(self) -> datetime | None:
        return self.readiness.responded_at if self.readiness is not None else None

    @property
    def no_dietary_needs(self) -> bool:
        return has_no_dietary_needs(self.readiness)


@dataclass
class BoardFilters:
    track_id: int | None = None
    status: str | None = None  # one of STATE_LABELS' keys

    @classmethod
    def from_args(cls, args: Mapping) -> BoardFilters:
        try:
            track_id = int(args.get("track") or 0) or None
        except (TypeError, ValueError):
            track_id = None
        status = args.get("status") or None
        return cls(track_id=track_id, status=status if status in STATE_LABELS else None)

    @property
    def active(self) -> bool:
        return self.track_id is not None or self.status is not None

    def as_args(self) -> dict[str, object]:
        return {key: value for key, value in (("track", self.track_id), ("status", self.status)) if value}


@dataclass
class Board:
    program: Program
    filters: BoardFilters
    rows: list[BoardRow]  # after the filters
    counts: dict[str, int] = field(default_factory=dict)  # for the chosen track, before the status filter
    total: int = 0


def answer_state(enrolment: Enrolment) -> str:
    if enrolment.status == CONFIRMED:
        return STATE_CONFIRMED
    if enrolment.status == DECLINED:
        return STATE_DECLINED
    return STATE_NOT_ANSWERED


def _matches(row: BoardRow, status: str | None) -> bool:
    if status is None:
        return True
    if status == STATE_INCOMPLETE:
        return row.incomplete
    return row.state == status


def board_rows(program: Program, filters: BoardFilters | Mapping | None = None) -> Board:
    """Everyone admitted, confirmed, declined or completed, with what is missing; constant queries."""
    if filters is None:
        filters = BoardFilters()
    elif not isinstance(filters, BoardFilters):
        filters = BoardFilters.from_args(filters)
    query = (
        select(Enrolment, Readiness)
        .join(Enrolment.user)
        .outerjoin(Readiness, Readiness.enrolment_id == Enrolment.id)
        .where(Enrolment.program_id == program.id,
               Enrolment.status.in_((*READINESS_STATUSES, EnrolmentStatus.COMPLETED.value)))
        .options(contains_eager(Enrolment.user), joinedload(Enrolment.track), joinedload(Enrolment.module),
                 joinedload(Enrolment.group))
        .order_by(User.name, User.id)
    )
    if filters.track_id is not None:
        query = query.where(Enrolment.track_id == filters.track_id)
    everyone = []
    for enrolment, readiness in db.session.execute(query).unique():
        state = answer_state(enrolment)
        everyone.append(BoardRow(
            enrolment=enrolment,
            readiness=readiness,
            state=state,
            missing=missing_items(readiness, program) if state != STATE_DECLINED else [],
            terms=terms_state(readiness, program),
            warnings=readiness_warnings(readiness, enrolment.track) if state == STATE_CONFIRMED else {},
        ))
    counts = {key: 0 for key in STATE_LABELS}
    counts["complete"] = 0
    for row in everyone:
        counts[row.state] += 1
        if row.incomplete:
            counts[STATE_INCOMPLETE] += 1
        elif row.state == STATE_CONFIRMED:
            counts["complete"] += 1
    rows = [row for row in everyone if _matches(row, filters.status)]
    return Board(program=program, filters=filters, rows=rows, counts=counts, total=len(everyone))
