"""The exports page's filters (in the address bar: a GET changes nothing, so no CSRF)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField

from lms.accounts.models import User
from lms.core.timezones import KOREA_TZ, country_name, is_valid_timezone
from lms.enrolment.forms import choices
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db


class ExportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    track = SelectField(_l("Track"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    status = SelectField(_l("Enrolment status"), validate_choice=False)
    zone = SelectField(_l("Times in"), validate_choice=False)

    def set_choices(self, program) -> None:
        """The program's tracks, modules and groups, the countries of its participants, every status."""
        tracks = [track for track in program.tracks]
        self.track.choices = choices(((track.id, track.name) for track in tracks), blank=_("All tracks"))
        self.module.choices = choices(
            ((module.id, f"{track.name} · {module.display_title}") for track in tracks for module in track.modules),
            blank=_("All modules"))
        codes = db.session.scalars(
            select(User.country).join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.program_id == program.id, User.country.is_not(None)).distinct()).all()
        countries = sorted(((code, country_name(code)) for code in codes), key=lambda pair: pair[1].casefold())
        self.country.choices = choices(countries, blank=_("All countries"))
        self.group.choices = choices(((group.id, group.name) for group in program.groups), blank=_("All groups"))
        self.status.choices = choices(((status.value, status.label) for status in EnrolmentStatus),
                                      blank=_("Any status"))

    def set_zone_choices(self, own_zone: str) -> None:
        """The downloader's own zone (the default), UTC and Korea time."""
        options = [(own_zone, _("My time zone (%(zone)s)", zone=own_zone))]
        if own_zone != "UTC":
            options.append(("UTC", _("UTC")))
        if own_zone != KOREA_TZ:
            options.append((KOREA_TZ, _("Korea time (%(zone)s)", zone=KOREA_TZ)))
        self.zone.choices = options

    def show_problems(self, problems: dict[str, str]) -> None:
        """Messages from ``Filters.parse`` next to their fields."""
        for name, message in problems.items():
            self[name].errors = [message]


def export_zone(args, own_zone: str) -> tuple[str, str | None]:
    """(zone, problem): the ``zone`` query argument (any IANA name), else the downloader's own."""
    raw = (args.get("zone") or "").strip()
    if not raw:
        return own_zone, None
    if not is_valid_timezone(raw):
        return own_zone, _("Unknown time zone: use an IANA name such as Asia/Seoul.")
    return raw, None
