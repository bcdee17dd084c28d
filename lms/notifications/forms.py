"""The notification preferences form: one choice (immediately, daily digest, off) per kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from lms.notifications import kinds

FIELD_PREFIX = "mode_"


def preferences_form(shown_kinds, current: dict[str, str]) -> FlaskForm:
    """A form with one radio group per kind, each preset to the person's current choice."""

    class PreferencesForm(FlaskForm):
        pass

    labels = kinds.mode_labels()
    for kind in shown_kinds:
        setattr(PreferencesForm, FIELD_PREFIX + kind.key, RadioField(
            kind.label,
            choices=[SelectChoice(mode, labels[mode]) for mode in kinds.MODES],
            validators=[InputRequired(message=_l("Choose how you want to hear of this."))],
            default=current.get(kind.key, kind.default),
        ))
    return PreferencesForm()  # filled from the request on POST


def chosen_modes(form, shown_kinds) -> dict[str, str]:
    return {kind.key: form[FIELD_PREFIX + kind.key].data for kind in shown_kinds}
