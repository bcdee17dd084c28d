"""Forms of the certificate pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class IssueForm(FlaskForm):
    """Issuing one certificate; a reason is needed when the person has not completed (checked in the view)."""

    override_reason = TextAreaField(
        _l("Reason for issuing without completion"),
        validators=[Optional(), Length(max=1000, message=_l("Keep the reason under 1000 characters."))],
        description=_l("Only needed when the person has not completed; it is recorded with the certificate."),
        render_kw={"rows": 3},
    )


class IssueAllForm(FlaskForm):
    """Issuing every completed participant's certificate (a confirmation button)."""


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[DataRequired(message=_l("Give the reason for revoking; it is recorded.")),
                    Length(max=1000, message=_l("Keep the reason under 1000 characters."))],
        description=_l("Recorded for the program office; the public verification page does not show it."),
        render_kw={"rows": 3},
    )


class VerifyForm(FlaskForm):
    """Typing a code read off a certificate (GET, no CSRF needed)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(message=_l("Enter the code printed on the certificate.")),
                    Length(max=64, message=_l("A verification code is at most 64 characters."))],
        description=_l("For example ABCD-EFGH-JKMN-PQRS; spaces and dashes do not matter."),
    )
