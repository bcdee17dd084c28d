"""Forms of the monitoring pages: the at-risk list's filters (in the address) and its reminders."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField


class AtRiskFilterForm(FlaskForm):
    """The at-risk list's filters, in the address bar: no CSRF (a GET changes nothing)."""

    class Meta:
        csrf = False

    track = SelectField(_l("Track"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    not_eligible = BooleanField(_l("Also show participants who can no longer meet the rules (not eligible)"))


class ReminderForm(FlaskForm):
    """"Send a reminder" to the selected participants (``user_id``, many) or one row (``row_action``):
    read from the request by the view; the form carries the CSRF token."""
