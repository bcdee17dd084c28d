"""Forms of the people and enrolment pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.core.timezones import country_choices, country_name, default_timezone_for_country, timezone_names
from lms.enrolment.csv_import import canonical_timezone, normalise_email_address
from lms.enrolment.models import MANUAL_STATUSES, EnrolmentStatus


def choices(pairs, blank: str | None = None, optgroup: str | None = None) -> list[SelectChoice]:
    """SelectChoice objects (WTForms 3.3 deprecates tuples), with an optional blank first option."""
    result = [SelectChoice(value="", label=str(blank))] if blank is not None else []
    result += [SelectChoice(value=str(value), label=str(label), optgroup=optgroup) for value, label in pairs]
    return result


class _GetForm(FlaskForm):
    """Filters in the address bar: no CSRF (a GET changes nothing)."""

    class Meta:
        csrf = False


# --------------------------------------------------------------------------- people

class PeopleFilterForm(_GetForm):
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)],
                    render_kw={"type": "search", "placeholder": _l("Name or email")})
    role = SelectField(_l("Role"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    account = SelectField(_l("Invitation"), validators=[Optional()])

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(
            [("coordinator", _("Coordinators")), ("trainer", _("Trainers")), ("participant", _("Participants"))],
            blank=_("Everyone"),
        )
        self.country.choices = choices(countries, blank=_("All countries"))
        self.account.choices = choices(
            [("accepted", _("Accepted")), ("pending", _("Pending")), ("deactivated", _("Deactivated"))],
            blank=_("Any"),
        )


class _PersonFields(FlaskForm):
    """Name, country, zone, organisation, job title: shared by invite and edit."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    # validate_choice=False: validate_country says it once, in the platform's words.
    country = SelectField(_l("Country"), validate_choice=False,
                          validators=[DataRequired(message=_l("Choose the person's country."))])
    timezone = SelectField(
        _l("Time zone"), validate_choice=False,
        description=_l("Left empty, the zone of the country is used when it has only one."),
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = choices(country_choices(), blank=_("Choose a country"))
        self.timezone.choices = choices(((name, name) for name in timezone_names()),
                                        blank=_("The country's time zone"))

    def validate_country(self, field):
        valid = {choice.value for choice in self.country.choices}
        if field.data and field.data not in valid:
            raise ValidationError(_("Choose a country from the list."))

    def validate_timezone(self, field):
        if field.data:
            zone = canonical_timezone(field.data)
            if zone is None:
                raise ValidationError(_("Unknown time zone: choose one from the list."))
            field.data = zone
            return
        if self.country.data and not self.country.errors:  # an unknown country has its own message
            zone = default_timezone_for_country(self.country.data)
            if zone is None:
                raise ValidationError(
                    _("%(country)s has several time zones: choose the person's zone.",
                      country=country_name(self.country.data))
                )
            field.data = zone


class PersonForm(_PersonFields):
    is_coordinator = BooleanField(_l("Coordinator (program office staff: sees and manages everything)"))
    version = HiddenField()


ROLE_PARTICIPANT = "participant"
ROLE_TRAINER = "trainer"
ROLE_COORDINATOR = "coordinator"


class InviteForm(_PersonFields):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)], render_kw={"type": "email"})
    role = RadioField(_l("Role"), default=ROLE_PARTICIPANT, validate_choice=False)  # see validate_role
    program = SelectField(_l("Program"), validate_choice=False)
    track = SelectField(_l("Track"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    trainer_module = SelectField(_l("Module they train"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([
            (ROLE_PARTICIPANT, _("Participant of a program")),
            (ROLE_TRAINER, _("Trainer of a module")),
            (ROLE_COORDINATOR, _("Coordinator (program office staff)")),
        ])

    def validate_email(self, field):
        email = normalise_email_address(field.data)
        if email is None:
            raise ValidationError(_("Enter a valid email address, like name@example.org."))
        field.data = email

    def validate_role(self, field):
        if field.data not in (ROLE_PARTICIPANT, ROLE_TRAINER, ROLE_COORDINATOR):
            raise ValidationError(_("Choose a role."))


class EnrolmentForm(FlaskForm):
    track = SelectField(_l("Track"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    status = SelectField(_l("Status"))
    note = TextAreaField(_l("Note (why)"), validators=[Optional(), Length(max=2000)],
                         description=_l("Kept in the enrolment's history."))
    version = HiddenField()

    def __init__(self, *args, current_status: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = [(status.value, status.label) for status in MANUAL_STATUSES]
        if current_status and current_status not in {value for value, _label in statuses}:
            try:
                statuses.append((current_status, EnrolmentStatus(current_status).label))
            except ValueError:
                statuses.append((current_status, current_status))
        self.status.choices = choices(statuses)


class ProgramPeopleFilterForm(_GetForm):
    track = SelectField(_l("Track"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)


# --------------------------------------------------------------------------- CSV import

class CsvUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
        render_kw={"accept": ".csv,text/csv"},
        description=_l(
            "Columns: name, email, country, time zone, track, module, group; optional: role "
            "(participant or trainer), organisation, job title. UTF-8, comma or semicolon separated."
        ),
    )


class CsvConfirmForm(FlaskForm):
    step = HiddenField(default="confirm")  # tells the import view this is the confirmation
    content = HiddenField(validators=[DataRequired()])
