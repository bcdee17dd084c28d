"""Time zones, countries and how dates are shown.

Instants are stored in UTC. Calendar dates of a program (its phases, a
track's offline window) are dates in a named zone, usually Korea's. Every
date is shown in the viewer's zone with the zone named, and Korea time is
shown beside it where the offline phase is concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton as babel_format_skeleton
from babel.dates import format_time as babel_format_time
from flask import has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

KOREA_TZ = "Asia/Seoul"


def _tzdata_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-2 codes with their English names (from tzdata's iso3166.tab)."""
    return {row[0]: row[1] for row in _tzdata_table("iso3166.tab")}


@lru_cache(maxsize=1)
def zones_by_country() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for row in _tzdata_table("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    return zones


@lru_cache(maxsize=1)
def timezone_names() -> list[str]:
    """The IANA zones a person can choose: every country's zones, and UTC."""
    names = {zone for zones in zones_by_country().values() for zone in zones}
    names.add("UTC")
    return sorted(names)


def is_valid_timezone(name: str | None) -> bool:
    if not name:
        return False
    if name in timezone_names():
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def default_timezone_for_country(code: str | None) -> str | None:
    """The zone of a one-zone country (most of them); None when the country has several."""
    zones = zones_by_country().get((code or "").upper(), [])
    return zones[0] if len(zones) == 1 else None


def country_name(code: str | None, locale=None) -> str:
    if not code:
        return ""
    code = code.upper()
    try:
        loc = locale or _current_locale()
        name = Locale.parse(str(loc)).territories.get(code)
    except (ValueError, TypeError):
        name = None
    return name or country_codes().get(code, code)


def normalise_country(value: str | None) -> str | None:
    """Accept an ISO code or an English country name; return the code or None."""
    if not value:
        return None
    value = value.strip()
    if value.upper() in country_codes():
        return value.upper()
    lowered = value.casefold()
    for code, name in country_codes().items():
        if name.casefold() == lowered:
            return code
    english = Locale.parse("en").territories
    for code in country_codes():
        if english.get(code, "").casefold() == lowered:
            return code
    return None


def country_choices(locale=None) -> list[tuple[str, str]]:
    pairs = [(code, country_name(code, locale)) for code in country_codes()]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def _current_locale():
    if has_request_context() or has_app_context():  # commands too, e.g. an email under force_locale
        return get_locale() or Locale.parse("en")
    return Locale.parse("en")


def viewer_timezone() -> str:
    """The signed-in person's zone, or UTC."""
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        zone = getattr(current_user, "timezone", None)
        if zone and is_valid_timezone(zone):
            return zone
    return "UTC"


def zone_label(zone_name: str, at: datetime | None = None) -> str:
    """'Europe/Paris, CEST' — the IANA name people chose, with the abbreviation in force."""
    at = at or datetime.now(timezone.utc)
    abbreviation = at.astimezone(ZoneInfo(zone_name)).tzname()
    if zone_name == "UTC" or not abbreviation or abbreviation == zone_name:
        return zone_name
    return f"{zone_name}, {abbreviation}"


def format_instant(value: datetime | None, zone_name: str | None = None, fmt: str = "medium") -> str:
    """An instant in the given (default: the viewer's) zone, with the zone named."""
    if value is None:
        return ""
    zone_name = zone_name or viewer_timezone()
    zone = ZoneInfo(zone_name)
    locale = Locale.parse(str(_current_locale()))
    if fmt == "weekday":
        # With the weekday and a 24-hour time, in the locale's order:
        # "Sun, Jul 21, 2024, 18:00", "2024년 7월 21일 (일) 18:00".
        local = value.astimezone(zone)
        date_text = babel_format_skeleton("yMMMEd", local, locale=locale)
        time_text = babel_format_skeleton("Hm", local, locale=locale)
        text = locale.datetime_formats["medium"].format(time_text, date_text)
    elif fmt == "medium":
        # The locale's medium date with a short time: "Jul 22, 2024, 5:59 PM", no seconds.
        date_text = babel_format_date(value.astimezone(zone).date(), format="medium", locale=locale)
        time_text = babel_format_time(value, format="short", tzinfo=zone, locale=locale)
        text = locale.datetime_formats["medium"].format(time_text, date_text)
    else:
        text = babel_format_datetime(value.astimezone(zone), format=fmt, tzinfo=zone, locale=locale)
    return f"{text} ({zone_label(zone_name, value)})"


def format_instant_with_korea(value: datetime | None, zone_name: str | None = None) -> str:
    """An instant in the viewer's zone and, when different, in Korea time beside it."""
    if value is None:
        return ""
    zone_name = zone_name or viewer_timezone()
    shown = format_instant(value, zone_name)
    if zone_name == KOREA_TZ:
        return shown
    return _("%(local)s · %(korea)s", local=shown, korea=format_instant(value, KOREA_TZ))


def format_day(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return babel_format_date(value, format=fmt, locale=_current_locale())


def day_start(day: date, zone_name: str) -> datetime:
    """The UTC instant at which a calendar day starts in a zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone_name)).astimezone(timezone.utc)


def day_end(day: date, zone_name: str) -> datetime:
    """The UTC instant at which a calendar day ends (exclusive) in a zone."""
    return day_start(day + timedelta(days=1), zone_name)


@dataclass(frozen=True)
class DateWindow:
    """A span of calendar days in a named zone, e.g. an offline phase in Korea.

    ``start`` or ``end`` may be None while dates are still to be announced.
    """

    start: date | None
    end: date | None
    zone: str

    @property
    def is_announced(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def starts_at(self) -> datetime | None:
        return day_start(self.start, self.zone) if self.start else None

    @property
    def ends_at(self) -> datetime | None:
        return day_end(self.end, self.zone) if self.end else None

    @property
    def days(self) -> int | None:
        if not self.is_announced:
            return None
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> int | None:
        days = self.days
        return None if days is None else max(1, round(days / 7))

    def contains(self, instant: datetime) -> bool:
        return self.is_announced and self.starts_at <= instant < self.ends_at

    def state(self, now: datetime | None = None) -> str:
        """'tba', 'upcoming', 'current' or 'past'."""
        if not self.is_announced:
            return "tba"
        now = now or datetime.now(timezone.utc)
        if now < self.starts_at:
            return "upcoming"
        if now >= self.ends_at:
            return "past"
        return "current"

    def describe(self) -> str:
        """'19 Aug 2024 – 13 Sep 2024 (Asia/Seoul)' or 'Dates to be announced'."""
        if not self.is_announced:
            return _("Dates to be announced")
        return _(
            "%(start)s – %(end)s (%(zone)s)",
            start=format_day(self.start),
            end=format_day(self.end),
            zone=self.zone,
        )

    def describe_for_viewer(self, zone_name: str | None = None) -> str:
        """When the window opens and closes in the viewer's own zone."""
        if not self.is_announced:
            return ""
        zone_name = zone_name or viewer_timezone()
        if zone_name == self.zone:
            return ""
        return _(
            "In your time zone: from %(start)s to %(end)s",
            start=format_instant(self.starts_at, zone_name, "weekday"),
            end=format_instant(self.ends_at - timedelta(minutes=1), zone_name, "weekday"),
        )


def register_template_helpers(app) -> None:
    app.jinja_env.filters["instant"] = format_instant
    app.jinja_env.filters["instant_korea"] = format_instant_with_korea
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.globals["viewer_timezone"] = viewer_timezone
    app.jinja_env.globals["zone_label"] = zone_label
    app.jinja_env.globals["KOREA_TZ"] = KOREA_TZ
