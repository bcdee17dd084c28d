"""Which participants of a program a report covers: track, module, country, group, enrolment status.

One small value object, parsed from a page's query string (``?track=3&country=KE``) or from the
command line's options, turned into SQL conditions on ``Enrolment`` (and ``User`` for the
country), and carried back into links (``as_args``). The exports use it; the dashboard can too.

Parsing never raises: a value that is not understood is left out of the filters and reported in
``problems`` (by argument name), so a page can show the message next to its field, an export
can refuse with 400 and the command line can exit with a usage error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.core.timezones import normalise_country
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Group, Module, Track

# Query-string names, in the order of the form.
ARG_NAMES = ("track", "module", "country", "group", "status")
STATUSES = tuple(status.value for status in EnrolmentStatus)


@dataclass(frozen=True)
class Filters:
    track_id: int | None = None
    module_id: int | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    group_id: int | None = None
    status: str | None = None  # an EnrolmentStatus value

    # -- parsing ---------------------------------------------------------------------------

    @classmethod
    def parse(cls, args: Mapping, program=None) -> tuple[Filters, dict[str, str]]:
        """(filters, problems) from query arguments or CLI options named like ``ARG_NAMES``.

        With ``program``, the track, module and group must belong to it (three small queries).
        Empty values mean "no filter".
        """
        problems: dict[str, str] = {}
        values: dict[str, object] = {}
        for name, attribute in (("track", "track_id"), ("module", "module_id"), ("group", "group_id")):
            raw = args.get(name)
            if raw is None or str(raw).strip() == "":
                continue
            try:
                number = int(str(raw).strip())
            except ValueError:
                number = 0
            if number <= 0:
                problems[name] = _("Not a valid choice.")
                continue
            values[attribute] = number
        raw_country = args.get("country")
        if raw_country is not None and str(raw_country).strip():
            code = normalise_country(str(raw_country))
            if code is None:
                problems["country"] = _("Unknown country: use a two-letter code such as KE.")
            else:
                values["country"] = code
        raw_status = args.get("status")
        if raw_status is not None and str(raw_status).strip():
            status = str(raw_status).strip().lower()
            if status in STATUSES:
                values["status"] = status
            else:
                problems["status"] = _("Unknown status: use one of %(statuses)s.", statuses=", ".join(STATUSES))
        filters = cls(**values)
        if program is not None:
            filters, more = filters._within(program)
            problems.update(more)
        return filters, problems

    @classmethod
    def from_args(cls, args: Mapping, program=None) -> Filters:
        """The filters, silently leaving out what is not understood."""
        return cls.parse(args, program)[0]

    def _within(self, program) -> tuple[Filters, dict[str, str]]:
        """Leave out a track, module or group of another program."""
        problems: dict[str, str] = {}
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        checks = (
            ("track", "track_id", Track, Track.program_id == program.id, None),
            ("module", "module_id", Module, Track.program_id == program.id, Track),
            ("group", "group_id", Group, Group.program_id == program.id, None),
        )
        for name, attribute, model, condition, join in checks:
            wanted = values[attribute]
            if wanted is None:
                continue
            query = select(model.id).where(model.id == wanted, condition)
            if join is not None:
                query = query.join(join, join.id == Module.track_id)
            if db.session.scalar(query) is None:
                problems[name] = _("Not a valid choice.")
                values[attribute] = None
        return Filters(**values), problems

    # -- using -----------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return any(getattr(self, field.name) is not None for field in fields(self))

    def as_args(self) -> dict[str, object]:
        """Query arguments for links that carry the filters (only those set)."""
        pairs = (("track", self.track_id), ("module", self.module_id), ("country", self.country),
                 ("group", self.group_id), ("status", self.status))
        return {name: value for name, value in pairs if value is not None}

    def conditions(self) -> list:
        """SQL conditions on ``Enrolment`` (and ``User``, which the query must join, for the country)."""
        result = []
        if self.track_id is not None:
            result.append(Enrolment.track_id == self.track_id)
        if self.module_id is not None:
            result.append(Enrolment.module_id == self.module_id)
        if self.group_id is not None:
            result.append(Enrolment.group_id == self.group_id)
        if self.status is not None:
            result.append(Enrolment.status == self.status)
        if self.country is not None:
            result.append(User.country == self.country)
        return result

    def matches(self, enrolment: Enrolment) -> bool:
        """The same test in Python, for rows another service already loaded (its user loaded)."""
        return (
            (self.track_id is None or enrolment.track_id == self.track_id)
            and (self.module_id is None or enrolment.module_id == self.module_id)
            and (self.group_id is None or enrolment.group_id == self.group_id)
            and (self.status is None or enrolment.status == self.status)
            and (self.country is None or (enrolment.user.country or "").upper() == self.country)
        )
