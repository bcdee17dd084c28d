"""Forms of the accounts pages: sign in, invitation, password reset, profile."""

from __future__ import annotations

from babel import Locale
from email_validator import EmailNotValidError
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields import EmailField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from lms.accounts.operations import validated_email
from lms.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problems
from lms.core.timezones import country_choices, country_codes, is_valid_timezone, timezone_names


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value):
    value = _strip(value)
    return value or None


# Choices ---------------------------------------------------------------


def language_name(code: str) -> str:
    """A language as its speakers write it, and in the viewer's language when
    different: "한국어 (Korean)"."""
    try:
        language = Locale.parse(code)
    except (ValueError, TypeError):
        return code
    native = language.get_display_name(language) or code
    try:
        viewer = get_locale() or Locale.parse("en")
        local = language.get_display_name(viewer)
    except (ValueError, TypeError, RuntimeError):
        local = None
    native = native[:1].upper() + native[1:]
    if local and local.casefold() != native.casefold():
        return f"{native} ({local})"
    return native


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in current_app.config["LANGUAGES"]]


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


# Validators --------------------------------------------------------------


class ValidEmail:
    """An address that looks deliverable (syntax only: no DNS look-ups)."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            validated_email(field.data)
        except EmailNotValidError:
            raise ValidationError(_l("Enter a valid email address, like name@example.org.")) from None


def _valid_timezone(form, field):
    if not field.data or not is_valid_timezone(field.data) or field.data not in timezone_names():
        raise ValidationError(_l("Choose a time zone from the list."))


def _valid_country(form, field):
    if field.data and field.data not in country_codes():
        raise ValidationError(_l("Choose a country from the list."))


def _valid_language(form, field):
    if field.data not in current_app.config["LANGUAGES"]:
        raise ValidationError(_l("Choose a language from the list."))


# Forms -------------------------------------------------------------------


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(message=_l("Enter your email address.")), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))
    next = HiddenField()


class NewPasswordFields:
    """A new password typed twice, checked against the password policy.

    Set ``person_email`` and ``person_name`` so that passwords built from them
    are refused.
    """

    person_email: str | None = None
    person_name: str | None = None

    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Choose a password."))],
        description=_l("At least %(n)d characters. A few unrelated words make a good password.",
                       n=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(message=_l("Type the password again.")),
            EqualTo("new_password", message=_l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_new_password(self, field):
        problems = password_problems(field.data or "", email=self.person_email, name=self.person_name)
        if problems:
            raise ValidationError(" ".join(problems))


class AcceptInvitationForm(NewPasswordFields, FlaskForm):
    timezone = SelectField(
        _l("Your time zone"),
        validators=[_valid_timezone],
        validate_choice=False,
        description=_l("Dates and times are shown in this zone."),
    )
    locale = SelectField(_l("Language of the platform"), validators=[_valid_language], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()
        self.locale.choices = language_choices()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[InputRequired(message=_l("Enter your email address.")), Length(max=254), ValidEmail()],
        filters=[_strip],
        render_kw={"autocomplete": "username", "autofocus": True},
    )


class ResetPasswordForm(NewPasswordFields, FlaskForm):
    pass


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Enter your name.")), Length(max=200)],
        filters=[_strip],
        render_kw={"autocomplete": "name"},
    )
    country = SelectField(_l("Country"), validators=[Optional(), _valid_country], validate_choice=False,
                          filters=[_blank_to_none])
    timezone = SelectField(
        _l("Time zone"),
        validators=[_valid_timezone],
        validate_choice=False,
        description=_l("Dates and times are shown in this zone."),
    )
    organisation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200)], filters=[_blank_to_none],
        render_kw={"autocomplete": "organization"},
    )
    job_title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=200)], filters=[_blank_to_none],
        render_kw={"autocomplete": "organization-title"},
    )
    locale = SelectField(_l("Language of the platform"), validators=[_valid_language], validate_choice=False)
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", _l("— Choose a country —"))] + country_choices()
        self.timezone.choices = timezone_choices()
        self.locale.choices = language_choices()


class ChangePasswordForm(NewPasswordFields, FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class EndOtherSessionsForm(FlaskForm):
    """Only the CSRF token: "sign out of all other sessions"."""
