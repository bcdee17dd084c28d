"""Forms of the admission pages: the queue's filters and decisions, the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

PERCENT_MESSAGE = _l("Enter a whole number from 0 to 100.")


def percent_range(form, field):
    """0–100; nothing more to say when the value could not be read (its own message says so)."""
    if field.data is not None and not 0 <= field.data <= 100:
        raise ValidationError(PERCENT_MESSAGE)


def strip(value):
    return value.strip() if isinstance(value, str) else value


class QueueFilterForm(FlaskForm):
    """The queue's filters, in the address bar: no CSRF (a GET changes nothing)."""

    class Meta:
        csrf = False

    track = SelectField(_l("Track"), validate_choice=False)
    module = SelectField(_l("Module"), validate_choice=False)
    group = SelectField(_l("Group"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)


class DecisionForm(FlaskForm):
    """Admit, waitlist or not admit the selected participants.

    The selection (``enrolment_id``, many) and the decision (the button
    pressed) are read from the request by the view; the reason is a field so
    that its error shows next to it.
    """

    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        description=_l("Needed for a decision against the rules (admitting someone not eligible, or not "
                       "admitting someone eligible). Recorded with the decision; participants do not see it."),
        render_kw={"rows": 2},
    )
    confirm_over_capacity = HiddenField()


def _percent(label, description=None):
    return IntegerField(
        label,
        validators=[InputRequired(PERCENT_MESSAGE), percent_range],
        invalid_value_message=PERCENT_MESSAGE,
        description=description,
        render_kw={"min": 0, "max": 100, "step": 1},
    )


class RulesForm(FlaskForm):
    """A program's or a track's admission rules, with the version it was opened on and why it changes."""

    version = HiddenField()
    min_items_percent = _percent(_l("Required online items completed (%)"),
                                 _l("The share of the required online items a participant completes."))
    require_assignments_passed = BooleanField(_l("Every required assignment passed"))
    min_live_percent = _percent(_l("Live sessions attended (%)"),
                                _l("The share of the participant's live sessions attended."))
    min_average_grade = IntegerField(
        _l("Minimum average grade (%)"),
        validators=[Optional(), percent_range],
        invalid_value_message=PERCENT_MESSAGE,
        description=_l("Over the released grades. Leave blank for no minimum."),
        render_kw={"min": 0, "max": 100, "step": 1},
    )
    decide_by = DateField(
        _l("Decision date"),
        validators=[Optional()],
        description=_l("The day by which admission is decided, in the program's time zone. "
                       "Leave blank for the last day of the online phase."),
    )
    min_offline_percent = _percent(_l("Offline sessions attended for completion (%)"),
                                   _l("The share of offline sessions a participant attends to complete the "
                                      "program and receive the certificate."))
    note = TextAreaField(
        _l("Why the change"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        description=_l("Kept in the history of changes."),
        render_kw={"rows": 2},
    )

    RULE_FIELDS = ("min_items_percent", "require_assignments_passed", "min_live_percent", "min_average_grade",
                   "decide_by", "min_offline_percent")

    def rule_fields(self):
        return [self[name] for name in self.RULE_FIELDS]

    def values(self) -> dict:
        return {name: self[name].data for name in self.RULE_FIELDS}

    def fill(self, rules) -> None:
        for name in self.RULE_FIELDS:
            self[name].data = getattr(rules, name)


class RemoveTrackRulesForm(FlaskForm):
    note = TextAreaField(_l("Why"), filters=[strip], validators=[Optional(), Length(max=2000)],
                         render_kw={"rows": 1})
