"""Forms of the readiness pages: the participant's answer and details, the board's filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms.readiness import operations as ops


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class ConfirmForm(FlaskForm):
    """"I will attend": only the CSRF token."""


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=[_blank_to_none],
        validators=[Length(max=2000, message=_l("Keep the reason under 2000 characters."))],
        description=_l("It helps the program office; only they see it."),
        render_kw={"rows": 3},
    )


class DetailsForm(FlaskForm):
    """Everything is optional: the form can be saved partially and completed later."""

    version = HiddenField()
    arrival_date = DateField(
        _l("Arrival date in Korea"), validators=[Optional()],
        description=_l("The day you land, in Korea time."),
    )
    arrival_flight = StringField(
        _l("Arrival flight"), filters=[_blank_to_none], validators=[Length(max=60)],
        description=_l('Flight number, e.g. "KE 952", or how you travel, e.g. "already in Korea".'),
    )
    departure_date = DateField(
        _l("Departure date from Korea"), validators=[Optional()],
        description=_l("The day you leave, in Korea time."),
    )
    departure_flight = StringField(
        _l("Departure flight"), filters=[_blank_to_none], validators=[Length(max=60)],
        description=_l('Flight number, e.g. "KE 951", or how you travel.'),
    )
    dietary_needs = TextAreaField(
        _l("Dietary needs"), filters=[_blank_to_none], validators=[Length(max=2000)],
        description=_l("Allergies, vegetarian, halal… Or tick the box below."),
        render_kw={"rows": 2},
    )
    no_dietary_needs = BooleanField(_l("No special dietary needs"))
    accessibility_needs = TextAreaField(
        _l("Accessibility needs"), filters=[_blank_to_none], validators=[Length(max=2000)],
        description=_l("Anything that helps you take part (mobility, hearing, sight…). Leave empty if none."),
        render_kw={"rows": 2},
    )
    emergency_name = StringField(
        _l("Name"), filters=[_blank_to_none], validators=[Length(max=200)],
    )
    emergency_relationship = StringField(
        _l("Relationship to you"), filters=[_blank_to_none], validators=[Length(max=100)],
        description=_l("For example: spouse, parent, colleague."),
    )
    emergency_phone = StringField(
        _l("Phone"), filters=[_blank_to_none], validators=[Length(max=60)],
        description=_l("With the country code, e.g. +254 712 345 678."),
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    emergency_email = StringField(
        _l("Email (optional)"), filters=[_blank_to_none], validators=[Length(max=254)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    accept_terms = BooleanField(_l("I have read and accept these terms"))
    terms_digest = HiddenField()  # the digest of the terms text shown with the box

    def __init__(self, *args, track=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.track = track

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for name, message in ops.details_problems(self.details(), self.track).items():
            target = getattr(self, name)
            if message not in target.errors:
                target.errors = [*target.errors, message]
            valid = False
        return valid

    def details(self) -> dict:
        data = {name: getattr(self, name).data for name in ops.DETAIL_FIELDS}
        data["no_dietary_needs"] = bool(self.no_dietary_needs.data)
        data["accept_terms_digest"] = (self.terms_digest.data or None) if self.accept_terms.data else None
        return data


class RecordAnswerForm(FlaskForm):
    """A coordinator records an answer given by phone or email."""

    answer = RadioField(
        _l("Answer"),
        choices=[SelectChoice("confirm", _l("Will attend")), SelectChoice("decline", _l("Declines the place"))],
        validators=[DataRequired(message=_l("Choose the participant's answer."))],
    )
    note = TextAreaField(
        _l("How the answer was given"),
        filters=[_blank_to_none],
        validators=[DataRequired(message=_l("Say how and when the participant answered; it is recorded.")),
                    Length(max=2000)],
        description=_l("For example: by email on 12 June. For a decline, their reason."),
        render_kw={"rows": 2},
    )


class BoardFilterForm(FlaskForm):
    """Filters in the address bar: no CSRF (a GET changes nothing)."""

    class Meta:
        csrf = False

    track = SelectField(_l("Track"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
