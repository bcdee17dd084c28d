"""Reading and checking a CSV file of people to enrol: pure functions, no database.

The view decodes the upload (``decode_upload``), parses it (``parse_csv``),
asks ``operations.load_import_context`` for what the database already knows
about the program and the file's emails, then ``validate_rows`` returns one
``RowResult`` per line: its parsed values, its errors (per column) and what
importing it will do. The import itself lives in ``operations.import_rows``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

import email_validator
from flask_babel import gettext as _

from lms.core.timezones import (
    country_name,
    default_timezone_for_country,
    is_valid_timezone,
    normalise_country,
    timezone_names,
)

PARTICIPANT = "participant"
TRAINER = "trainer"

# Canonical column -> accepted spellings (compared after ``_header_key``).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "person", "participant"),
    "email": ("email", "e mail", "email address", "mail"),
    "country": ("country", "country code", "nationality"),
    "timezone": ("time zone", "timezone", "tz", "zone"),
    "track": ("track",),
    "module": ("module", "module title"),
    "group": ("group", "group name", "delegation"),
    "role": ("role",),
    "organisation": ("organisation", "organization", "org", "institution", "affiliation"),
    "job_title": ("job title", "job", "position", "title"),
}
REQUIRED_COLUMNS = ("name", "email")
MAX_LENGTHS = {"name": 200, "email": 254, "organisation": 200, "job_title": 200, "group": 120}


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, no header, missing columns)."""


# --------------------------------------------------------------------------- context

@dataclass(frozen=True)
class TrackRef:
    id: int
    name: str
    archived: bool = False


@dataclass(frozen=True)
class ModuleRef:
    id: int
    title: str
    short_title: str | None
    track_id: int
    archived: bool = False  # the module, or its track

    @property
    def display_title(self) -> str:
        return self.short_title or self.title


@dataclass(frozen=True)
class GroupRef:
    id: int
    name: str
    archived: bool = False


@dataclass(frozen=True)
class KnownPerson:
    id: int
    email: str
    name: str
    accepted: bool


@dataclass(frozen=True)
class ExistingEnrolment:
    id: int
    user_id: int
    track_id: int | None
    module_id: int | None
    group_id: int | None
    status: str
    label: str  # "Intensive · Digital contents", as shown in messages


@dataclass
class ImportContext:
    """What the database knows, as plain data (``operations.load_import_context``)."""

    tracks: list[TrackRef] = field(default_factory=list)
    modules: list[ModuleRef] = field(default_factory=list)
    groups: list[GroupRef] = field(default_factory=list)
    people: dict[str, KnownPerson] = field(default_factory=dict)  # by normalised email
    enrolments: dict[int, ExistingEnrolment] = field(default_factory=dict)  # by user id
    trainer_links: set[tuple[int, int]] = field(default_factory=set)  # (user id, module id)

    def track_named(self, name: str) -> TrackRef | None:
        key = _fold(name)
        return next((t for t in sorted(self.tracks, key=lambda t: t.archived) if _fold(t.name) == key), None)

    def modules_named(self, name: str) -> list[ModuleRef]:
        key = _fold(name)
        return [m for m in self.modules if _fold(m.title) == key or (m.short_title and _fold(m.short_title) == key)]

    def group_named(self, name: str) -> GroupRef | None:
        key = _fold(name)
        return next((g for g in sorted(self.groups, key=lambda g: g.archived) if _fold(g.name) == key), None)

    def track(self, track_id: int | None) -> TrackRef | None:
        return next((t for t in self.tracks if t.id == track_id), None)


# --------------------------------------------------------------------------- results

# What importing a row will do.
NEW_PERSON = "new_person"  # a person is created, enrolled (or made trainer) and invited
ENROL_EXISTING = "enrol_existing"  # a known person is enrolled (or made trainer)
ALREADY_DONE = "already_done"  # already enrolled / already a trainer: nothing to do


@dataclass
class RawRow:
    line: int
    values: dict[str, str]


@dataclass
class ParsedFile:
    columns: list[str]  # canonical columns found, in file order
    ignored_columns: list[str]
    delimiter: str
    rows: list[RawRow]


@dataclass
class RowResult:
    line: int
    values: dict[str, str]  # what the file said (trimmed), by canonical column
    role: str = PARTICIPANT
    name: str = ""
    email: str = ""
    country: str | None = None
    timezone: str | None = None
    organisation: str | None = None
    job_title: str | None = None
    track_id: int | None = None
    module_id: int | None = None
    group_id: int | None = None
    group_name: str | None = None  # set when the group does not exist yet
    person_id: int | None = None
    outcome: str | None = None
    invite: bool = False
    creates_group: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    notes: list[str] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_for(self, column: str) -> list[str]:
        return [message for col, message in self.errors if col == column]

    @property
    def error_columns(self) -> set[str]:
        return {col for col, _message in self.errors}


@dataclass
class ImportPreview:
    file: ParsedFile
    rows: list[RowResult]
    new_groups: list[str]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if not row.ok)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.ok and row.outcome == outcome)

    @property
    def invitation_count(self) -> int:
        return sum(1 for row in self.rows if row.ok and row.invite)


# --------------------------------------------------------------------------- reading

def decode_upload(data: bytes) -> str:
    """UTF-8 text (a byte order mark is dropped); CsvFileError otherwise."""
    if b"\x00" in data:
        raise CsvFileError(_("This is not a text file. Save the sheet as “CSV UTF-8” and upload that."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFileError(
            _("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and upload it again.")
        ) from error
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    return text


def _header_key(value: str) -> str:
    value = (value or "").replace("\ufeff", "").strip().casefold()
    value = re.sub(r"[\s_\-.]+", " ", value)
    return value.strip()


def match_header(cell: str) -> str | None:
    key = _header_key(cell)
    for column, aliases in COLUMN_ALIASES.items():
        if key in aliases:
            return column
    return None


def _read(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def parse_csv(text: str) -> ParsedFile:
    """Split the text into rows keyed by canonical column names.

    Commas first; when the header does not name the required columns that
    way, the delimiter is sniffed (semicolons from European spreadsheets, tabs).
    """
    text = text.lstrip("\ufeff")
    try:
        delimiter = ","
        table = _read(text, delimiter)
        header = [match_header(cell) for cell in (table[0] if table else [])]
        if not all(column in header for column in REQUIRED_COLUMNS):
            sniffed = _sniff_delimiter(text)
            if sniffed != delimiter:
                delimiter = sniffed
                table = _read(text, delimiter)
    except csv.Error as error:
        raise CsvFileError(_("The file could not be read as CSV: %(error)s", error=str(error))) from error
    if not table:
        raise CsvFileError(_("The file is empty."))
    raw_header = table[0]
    header = [match_header(cell) for cell in raw_header]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CsvFileError(
            _(
                "The first line must name the columns. Missing: %(missing)s. "
                "Expected columns: name, email, country, time zone, track, module, group.",
                missing=", ".join(missing),
            )
        )
    duplicates = sorted({c for c in header if c and header.count(c) > 1})
    if duplicates:
        raise CsvFileError(_("These columns appear twice: %(columns)s.", columns=", ".join(duplicates)))
    ignored = [cell.strip() for cell, column in zip(raw_header, header) if column is None and cell.strip()]
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are skipped
        values = {}
        for position, column in enumerate(header):
            if column is None:
                continue
            values[column] = cells[position].strip() if position < len(cells) else ""
        rows.append(RawRow(line=index, values=values))
    return ParsedFile(
        columns=[c for c in header if c], ignored_columns=ignored, delimiter=delimiter, rows=rows
    )


def normalise_email_address(value: str) -> str | None:
    """A syntactically valid address, lower-cased; None when invalid."""
    value = (value or "").strip()
    if not value or len(value) > 254:
        return None
    try:
        email_validator.validate_email(value, check_deliverability=False, test_environment=True)
    except email_validator.EmailNotValidError:
        return None
    return value.lower()


def _fold(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip()).casefold()


@lru_cache(maxsize=1)
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


def canonical_timezone(value: str) -> str | None:
    """The IANA name as spelled in the database, accepting any case."""
    value = (value or "").strip()
    if not value:
        return None
    name = _zones_by_folded_name().get(value.casefold(), value)
    return name if is_valid_timezone(name) else None


# --------------------------------------------------------------------------- checking

def validate_rows(parsed: ParsedFile, context: ImportContext) -> ImportPreview:
    """Check every row against the program and the people already known."""
    results: list[RowResult] = []
    first_line_of_email: dict[str, int] = {}
    new_groups: dict[str, str] = {}  # folded -> name as first written
    for raw in parsed.rows:
        row = RowResult(line=raw.line, values=dict(raw.values))
        _check_person(row, context, first_line_of_email)
        _check_placement(row, context, new_groups)
        _decide_outcome(row, context)
        results.append(row)
    # Only groups that a valid row needs are created.
    needed = {}
    for row in results:
        if row.ok and row.group_name and row.outcome != ALREADY_DONE:
            key = _fold(row.group_name)
            if key not in needed:
                needed[key] = row.group_name
                row.creates_group = True
    return ImportPreview(file=parsed, rows=results, new_groups=list(needed.values()))


def _check_person(row: RowResult, context: ImportContext, first_line_of_email: dict[str, int]) -> None:
    values = row.values
    for column, limit in MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            row.error(column, _("Too long: at most %(limit)d characters.", limit=limit))

    row.name = values.get("name", "")
    if not row.name:
        row.error("name", _("The name is missing."))

    raw_email = values.get("email", "")
    email = normalise_email_address(raw_email)
    if not raw_email:
        row.error("email", _("The email is missing."))
    elif email is None:
        row.error("email", _("“%(email)s” is not a valid email address.", email=raw_email))
    else:
        row.email = email
        if email in first_line_of_email:
            row.error("email", _("The same email is already on line %(line)d.", line=first_line_of_email[email]))
        else:
            first_line_of_email[email] = row.line

    raw_role = _fold(values.get("role", ""))
    if raw_role in ("", PARTICIPANT, "participants", "student"):
        row.role = PARTICIPANT
    elif raw_role in (TRAINER, "trainers", "instructor", "teacher"):
        row.role = TRAINER
    else:
        row.error("role", _("Unknown role “%(role)s”: write participant or trainer.", role=values.get("role")))

    raw_country = values.get("country", "")
    if not raw_country:
        row.error("country", _("The country is missing."))
    else:
        row.country = normalise_country(raw_country)
        if row.country is None:
            row.error(
                "country",
                _("Unknown country “%(country)s”: use a two-letter ISO code or the English name.",
                  country=raw_country),
            )

    raw_zone = values.get("timezone", "")
    if raw_zone:
        row.timezone = canonical_timezone(raw_zone)
        if row.timezone is None:
            row.error(
                "timezone",
                _("Unknown time zone “%(zone)s”: use a name like Africa/Nairobi or Asia/Seoul.", zone=raw_zone),
            )
    elif row.country:
        row.timezone = default_timezone_for_country(row.country)
        if row.timezone is None:
            row.error(
                "timezone",
                _("%(country)s has several time zones: write the person's zone (e.g. America/Sao_Paulo).",
                  country=country_name(row.country)),
            )
    elif not raw_country:
        row.error("timezone", _("The time zone is missing."))

    row.organisation = values.get("organisation") or None
    row.job_title = values.get("job_title") or None


def _check_placement(row: RowResult, context: ImportContext, new_groups: dict[str, str]) -> None:
    values = row.values
    track_name = values.get("track", "")
    module_name = values.get("module", "")
    track = None
    if track_name:
        track = context.track_named(track_name)
        if track is None:
            row.error("track", _("This program has no track “%(track)s”.", track=track_name))
        elif track.archived:
            row.error("track", _("The track “%(track)s” is archived: restore it first, or choose another.",
                                 track=track.name))
            track = None
        else:
            row.track_id = track.id

    if module_name:
        named = context.modules_named(module_name)
        candidates = [m for m in named if not m.archived]  # a module of an archived track is archived too
        if named and not candidates:
            row.error("module", _("The module “%(module)s” is archived: restore it first, or choose another.",
                                  module=module_name))
        elif not candidates:
            row.error("module", _("This program has no module “%(module)s”.", module=module_name))
        elif track is not None:
            in_track = [m for m in candidates if m.track_id == track.id]
            if in_track:
                row.module_id = in_track[0].id
            else:
                row.error(
                    "module",
                    _("The module “%(module)s” is not in the track “%(track)s”.", module=module_name,
                      track=track.name),
                )
        elif not track_name:
            if len(candidates) == 1:
                row.module_id = candidates[0].id
                row.track_id = candidates[0].track_id
            else:
                row.error("module", _("Several tracks have a module with this name: fill in the track."))
    elif row.role == TRAINER:
        row.error("module", _("A trainer needs a module."))

    group_name = re.sub(r"\s+", " ", values.get("group", "")).strip()
    if group_name and row.role == PARTICIPANT:
        group = context.group_named(group_name)
        if group is not None and group.archived:
            row.error("group", _("The group “%(group)s” is archived: restore it first, or choose another.",
                                 group=group.name))
        elif group is not None:
            row.group_id = group.id
        elif len(group_name) <= MAX_LENGTHS["group"]:
            row.group_name = new_groups.setdefault(_fold(group_name), group_name)
    elif group_name:
        row.notes.append(_("Groups are for participants: the group is ignored for a trainer."))


def _decide_outcome(row: RowResult, context: ImportContext) -> None:
    if not row.ok:
        return
    person = context.people.get(row.email)
    if person is None:
        row.outcome = NEW_PERSON
        row.invite = True
        return
    row.person_id = person.id
    if _fold(person.name) != _fold(row.name):
        row.notes.append(
            _("Known as “%(name)s”: their details are kept as they are.", name=person.name)
        )
    if row.role == PARTICIPANT:
        existing = context.enrolments.get(person.id)
        if existing is not None:
            row.outcome = ALREADY_DONE
            same = (
                existing.track_id == row.track_id
                and existing.module_id == row.module_id
                and (row.group_name is None and existing.group_id == row.group_id)
            )
            if same:
                row.notes.append(_("Already enrolled in this program: nothing to do."))
            else:
                row.notes.append(
                    _("Already enrolled in this program (%(current)s) — unchanged. "
                      "Edit their enrolment to move them.", current=existing.label or _("no module yet"))
                )
            row.group_name = None
            return
    elif (person.id, row.module_id) in context.trainer_links:
        row.outcome = ALREADY_DONE
        row.notes.append(_("Already a trainer of this module: nothing to do."))
        return
    row.outcome = ENROL_EXISTING
    # Someone who never accepted hears about their new place; people with an
    # account simply find it when they sign in.
    row.invite = not person.accepted
