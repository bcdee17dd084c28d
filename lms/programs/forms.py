"""Forms of the coordinator set-up pages.

Every edit form carries the hidden ``version`` it was rendered with, so that
a save over someone else's newer change is refused (``core.concurrency``).
Select choices are filled by the views (``operations.*_choices``): archived
records are offered only when they are the current value.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from lms.core.timezones import KOREA_TZ, country_choices, timezone_names
from lms.programs.models import Organisation


def optional_int(value):
    """Coerce a select's value to an int, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value):
    value = strip(value)
    return value or None


def unreadable(field) -> bool:
    """True when something was typed but could not be read (the field's own error says so)."""
    return field.data is None and any((part or "").strip() for part in (field.raw_data or []))


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice("" if value is None else value, label) for value, label in pairs]


def _timezone_choices():
    return options((zone, zone) for zone in timezone_names())


class VersionedForm(FlaskForm):
    """A form with the hidden version of the record being edited."""

    version = HiddenField()

    def data_fields(self):
        """The fields a person fills in (not the CSRF token or version)."""
        return [f for f in self if f.name not in ("csrf_token", "version")]


class ProgramForm(VersionedForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the program's name.")), Length(max=200)],
        description=_l('For example "2024 Cultural Experts Training Program".'),
    )
    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter a short code.")),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l("Use letters, digits, dots, dashes or underscores.")),
        ],
        description=_l("A short unique code, e.g. CETP-2024."),
    )
    year = IntegerField(
        _l("Year"),
        validators=[
            DataRequired(_l("Enter the year as a number, e.g. 2024.")),
            NumberRange(min=2000, max=2100, message=_l("Enter a year between 2000 and 2100.")),
        ],
    )
    description = TextAreaField(_l("Description"), filters=[blank_to_none])
    host_organisation_id = SelectField(
        _l("Host organisation"), coerce=optional_int, validate_choice=True,
        description=_l("Organisations of kind host. Optional."),
    )
    timezone = SelectField(
        _l("Time zone of the program calendar"),
        default=KOREA_TZ,
        description=_l("The online phase's dates are calendar days in this zone."),
    )
    online_start = DateField(
        _l("Online phase starts"), validators=[DataRequired(_l("Enter the first day of the online phase."))]
    )
    online_end = DateField(
        _l("Online phase ends"), validators=[DataRequired(_l("Enter the last day of the online phase."))]
    )
    has_offline_phase = BooleanField(
        _l("Has an offline phase"),
        default=True,
        description=_l("Untick for an online-only program: tracks then have no offline window."),
    )
    participation_terms = TextAreaField(
        _l("Participation terms"),
        filters=[blank_to_none],
        description=_l("Markdown. Admitted participants accept these terms before the offline phase. "
                       "When you change them, everyone who accepted is asked to accept the new version."),
        render_kw={"rows": 10},
    )

    def __init__(self, *args, host_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.host_organisation_id.choices = options([("", _l("— none —")), *host_choices])
        self.timezone.choices = _timezone_choices()

    def validate_online_end(self, field):
        if field.data and self.online_start.data and field.data < self.online_start.data:
            raise ValidationError(_l("The online phase cannot end before it starts."))

    def program_data(self) -> dict:
        return {
            "name": self.name.data,
            "code": self.code.data,
            "year": self.year.data,
            "description": self.description.data,
            "host_organisation_id": self.host_organisation_id.data,
            "timezone": self.timezone.data,
            "online_start": self.online_start.data,
            "online_end": self.online_end.data,
            "has_offline_phase": bool(self.has_offline_phase.data),
            "participation_terms": self.participation_terms.data,
        }


class TrackForm(VersionedForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the track's name.")), Length(max=120)],
        description=_l('For example "Intensive" or "General".'),
    )
    description = TextAreaField(_l("Description"), filters=[blank_to_none])
    offline_start = DateField(_l("Offline phase starts"), validators=[Optional()])
    offline_end = DateField(_l("Offline phase ends"), validators=[Optional()])
    offline_location = StringField(
        _l("Offline location"), filters=[blank_to_none], validators=[Length(max=200)],
        description=_l('For example "Seoul" or "Busan".'),
    )
    offline_timezone = SelectField(_l("Time zone of the offline phase"), default=KOREA_TZ)
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter a whole number of at least 1, or leave empty."))],
        description=_l("How many participants the track can take. Optional."),
    )

    def __init__(self, *args, offline=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.offline = offline
        self.offline_timezone.choices = _timezone_choices()

    def validate(self, extra_validators=None):
        if not self.offline:
            # Online-only program: the offline fields are not shown and not checked.
            for name in ("offline_start", "offline_end", "offline_location", "offline_timezone"):
                getattr(self, name).validators = [Optional()]
                getattr(self, name).process_errors = []
            self.offline_timezone.validate_choice = False
            return super().validate(extra_validators)
        valid = super().validate(extra_validators)
        start, end = self.offline_start, self.offline_end
        if start.data is None and end.data is not None and not unreadable(start):
            start.errors.append(_l("Enter the first day too, or leave both dates empty (to be announced)."))
            valid = False
        elif end.data is None and start.data is not None and not unreadable(end):
            end.errors.append(_l("Enter the last day too, or leave both dates empty (to be announced)."))
            valid = False
        elif start.data and end.data and end.data < start.data:
            end.errors.append(_l("The offline phase cannot end before it starts."))
            valid = False
        return valid

    def track_data(self) -> dict:
        data = {"name": self.name.data, "description": self.description.data, "capacity": self.capacity.data}
        if self.offline:
            data.update(
                offline_start=self.offline_start.data,
                offline_end=self.offline_end.data,
                offline_location=self.offline_location.data,
                offline_timezone=self.offline_timezone.data,
            )
        return data


class FieldForm(VersionedForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the field's name.")), Length(max=120)],
        description=_l('A field of cultural practice, e.g. "Publication" or "Performing Arts".'),
    )


class OrganisationForm(VersionedForm):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=200)]
    )
    short_name = StringField(
        _l("Short name"), filters=[blank_to_none], validators=[Length(max=60)],
        description=_l("Shown where space is short, e.g. EDCN."),
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(Organisation.HOST, _l("Host office")),
                 SelectChoice(Organisation.TRAINING_PARTNER, _l("Training partner"))],
        default=Organisation.TRAINING_PARTNER,
    )
    country = SelectField(_l("Country"), coerce=lambda value: value or None)
    city = StringField(_l("City"), filters=[blank_to_none], validators=[Length(max=120)])
    website = StringField(
        _l("Website"),
        filters=[blank_to_none],
        validators=[
            Optional(),
            Length(max=300),
            URL(message=_l("Enter a full web address starting with https:// (or http://).")),
        ],
    )
    description = TextAreaField(_l("Description"), filters=[blank_to_none])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("— not set —")), *country_choices()])

    def organisation_data(self) -> dict:
        return {name: getattr(self, name).data
                for name in ("name", "short_name", "kind", "country", "city", "website", "description")}


class ModuleForm(VersionedForm):
    title = StringField(
        _l("Title"), filters=[strip], validators=[DataRequired(_l("Enter the module's title.")), Length(max=300)]
    )
    short_title = StringField(
        _l("Short title"), filters=[blank_to_none], validators=[Length(max=80)],
        description=_l("Shown in lists and menus. Optional."),
    )
    field_id = SelectField(_l("Field"), coerce=optional_int)
    track_id = SelectField(
        _l("Track"), coerce=optional_int, description=_l("Choose another track of the program to move the module.")
    )
    organisation_id = SelectField(_l("Training organisation"), coerce=optional_int)
    description = TextAreaField(_l("Description"), filters=[blank_to_none])

    def __init__(self, *args, field_choices=(), track_choices=(), organisation_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.field_id.choices = options([("", _l("— choose a field —")), *field_choices])
        self.track_id.choices = options(track_choices)
        self.organisation_id.choices = options([("", _l("— none —")), *organisation_choices])

    def validate_field_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the module's field."))

    def module_data(self) -> dict:
        return {name: getattr(self, name).data
                for name in ("title", "short_title", "field_id", "track_id", "organisation_id", "description")}


class GroupForm(VersionedForm):
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the group's name.")), Length(max=120)],
        description=_l('For example "Kenya delegation".'),
    )
    description = TextAreaField(_l("Description"), filters=[blank_to_none])

    def group_data(self) -> dict:
        return {"name": self.name.data, "description": self.description.data}


class TrainerForm(FlaskForm):
    email = StringField(
        _l("Email of the trainer"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the trainer's email address.")),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Enter a valid email address.")),
        ],
    )


def saved_values(form: VersionedForm, record) -> list[tuple[str, str]]:
    """The record's stored values, labelled like the form: shown beside an edit conflict."""
    from datetime import date

    from flask_babel import gettext as _

    from lms.core.timezones import format_day

    rows = []
    for f in form.data_fields():
        value = getattr(record, f.name, None)
        if f.type == "SelectField":
            shown = next((str(label) for choice, label, *_rest in f.choices
                          if value is not None and f.coerce(choice) == value), value)
        elif f.type == "BooleanField":
            shown = _("Yes") if value else _("No")
        elif isinstance(value, date):
            shown = format_day(value)
        else:
            shown = value
        rows.append((str(f.label.text), "—" if shown in (None, "") else str(shown)))
    return rows


class GroupMembersForm(FlaskForm):
    """Participants of the program to put in a group (people in another group move to this one)."""

    enrolments = SelectMultipleField(_l("Participants"), coerce=int, validate_choice=False)
    note = StringField(_l("Note (why)"), validators=[Optional(), Length(max=2000)], filters=[blank_to_none],
                       description=_l("Kept in each enrolment's history."))

    def validate_enrolments(self, field):
        if not field.data:
            raise ValidationError(_l("Tick at least one participant."))
