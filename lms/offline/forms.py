"""Forms of the offline phase: authoring a session, checking in, checking people in by hand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.live.models import OfflineKind
from lms.offline import operations as ops


def strip(value):
    return value.strip() if isinstance(value, str) else value


class OfflineSessionForm(FlaskForm):
    """An offline session; times are entered in Korea time (``operations.ENTRY_ZONE``)."""

    version = HiddenField()
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[DataRequired(_l("Enter the session's title.")), Length(max=200)],
        description=_l('For example "Site visit: National Museum of Korea" or "CPI Day: forum".'),
    )
    kind = SelectField(_l("Kind"), validate_choice=True)
    audience = SelectField(
        _l("Who attends"), validate_choice=True,
        description=_l("Participants of this audience admitted to the offline phase are expected and check in."),
    )
    location = StringField(
        _l("Location"), filters=[strip], validators=[Optional(), Length(max=300)],
        description=_l("Where people meet: a venue and an address."),
    )
    day = DateField(_l("Date (in Korea)"), validators=[DataRequired(_l("Enter the date, e.g. 2024-09-05."))])
    starts = TimeField(_l("Starts (Korea time)"), validators=[DataRequired(_l("Enter the start time, e.g. 09:30."))])
    ends = TimeField(_l("Ends (Korea time)"), validators=[DataRequired(_l("Enter the end time, e.g. 12:00."))])
    description = TextAreaField(
        _l("Description"), filters=[strip], validators=[Optional(), Length(max=20000)],
        description=_l("What happens and what to bring. Markdown is allowed."), render_kw={"rows": 5},
    )

    def __init__(self, *args, audience_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in OfflineKind]
        self.audience.choices = [SelectChoice(value, label) for value, label in audience_choices]

    def validate_ends(self, field):
        if field.data and self.starts.data and field.data <= self.starts.data:
            raise ValidationError(_l("The session must end after it starts (on the same day)."))

    def data_fields(self):
        return [f for f in self if f.name not in ("csrf_token", "version")]

    def fill_from(self, session) -> None:
        start, end = ops.in_entry_zone(session.starts_at), ops.in_entry_zone(session.ends_at)
        self.title.data = session.title
        self.kind.data = session.offline_kind or OfflineKind.OTHER.value
        self.audience.data = f"{session.audience}:{session.audience_id}"
        self.location.data = session.location
        self.day.data = start.date()
        self.starts.data = start.time().replace(second=0, microsecond=0)
        self.ends.data = end.time().replace(second=0, microsecond=0)
        self.description.data = session.description
        self.version.data = session.version

    def session_data(self) -> ops.SessionData:
        audience, audience_id = self.audience.data.split(":", 1)
        return ops.SessionData(
            title=self.title.data,
            kind=self.kind.data,
            description=self.description.data,
            location=self.location.data,
            audience=audience,
            audience_id=int(audience_id),
            starts_at=ops.to_utc(self.day.data, self.starts.data),
            ends_at=ops.to_utc(self.day.data, self.ends.data),
        )


class CheckInForm(FlaskForm):
    """The participant's "Check in" button; the code travels with it."""

    code = HiddenField()


class ManualCheckInForm(FlaskForm):
    people = SelectMultipleField(
        _l("People to check in"), coerce=int, validate_choice=True,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Choose at least one person."))],
    )
    note = TextAreaField(
        _l("Note (optional)"), filters=[strip], validators=[Optional(), Length(max=1000)],
        description=_l("For example: arrived late, phone without battery."), render_kw={"rows": 2},
    )

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people.choices = [SelectChoice(value, label) for value, label in people_choices]


class CodeEntryForm(FlaskForm):
    """Typing the code shown on the screen when scanning is not possible (a GET form)."""

    class Meta:
        csrf = False

    code = StringField(_l("Code on the screen"), filters=[strip],
                       validators=[DataRequired(_l("Type the code shown on the screen.")), Length(max=40)])
