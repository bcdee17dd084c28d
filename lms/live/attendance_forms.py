"""The coordinator's attendance correction form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class CorrectionForm(FlaskForm):
    attended = RadioField(
        _l("Attendance"),
        choices=[SelectChoice("yes", _l("Attended")), SelectChoice("no", _l("Did not attend"))],
        validators=[InputRequired(message=_l("Choose whether the person attended."))],
    )
    minutes = IntegerField(
        _l("Minutes present (optional)"),
        validators=[Optional(), NumberRange(min=0, max=24 * 60,
                                            message=_l("Enter a number of minutes between 0 and 1440."))],
        description=_l("Leave empty to keep the minutes measured from the connections."),
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Give the reason for this correction; it is recorded.")),
                    Length(max=1000, message=_l("Keep the reason under 1000 characters."))],
        description=_l("For example: joined by telephone because of a power cut."),
        render_kw={"rows": 3},
    )
