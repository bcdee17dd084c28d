"""Forms of the trainer-side assignment settings: rules, a rubric criterion, an extension.

The settings form carries the hidden ``version`` it was rendered with (see
``lms.core.concurrency``). An extension's date and time is typed in the
trainer's own zone (named beside the field) and stored in UTC.
"""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from lms.assignments.models import LatePolicy
from lms.assignments.settings import (
    MAX_FILES,
    MAX_LEVELS,
    MB,
    CriterionData,
    LevelData,
    file_extension_choices,
    late_policy_label,
)
from lms.core.timezones import zone_label
from lms.learning.forms import LocalDateTimeField, MultiCheckboxField


def strip(value):
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value):
    value = strip(value)
    return value or None


def optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


INDIVIDUAL, GROUP = "individual", "group"


class AssignmentSettingsForm(FlaskForm):
    version = HiddenField()
    points = IntegerField(
        _l("Points"),
        validators=[InputRequired(_l("Enter the points as a whole number, e.g. 100.")),
                    NumberRange(min=1, max=1000, message=_l("Enter a whole number between 1 and 1000."))],
        description=_l("What the assignment is marked out of."),
    )
    pass_points = IntegerField(
        _l("Pass mark (points)"),
        validators=[InputRequired(_l("Enter the pass mark in points, e.g. 50.")),
                    NumberRange(min=0, message=_l("The pass mark cannot be negative."))],
        description=_l("A score at or above this passes. Used when the item completes on a pass."),
    )
    allow_text = BooleanField(_l("Text typed on the page"))
    allow_files = BooleanField(_l("Uploaded files"))
    allowed_extensions = MultiCheckboxField(_l("Allowed file types"), validate_choice=False)
    max_file_mb = IntegerField(
        _l("Largest file (MB)"),
        validators=[InputRequired(_l("Enter the size in MB as a whole number, e.g. 20."))],
    )
    max_files = IntegerField(
        _l("Most files per submission"),
        validators=[InputRequired(_l("Enter how many files, e.g. 3.")),
                    NumberRange(min=1, max=MAX_FILES,
                                message=_l("Enter a whole number between 1 and %(num)d.", num=MAX_FILES))],
    )
    submission_mode = RadioField(
        _l("Who submits"),
        choices=[SelectChoice(INDIVIDUAL, _l("Individual: every participant submits their own work")),
                 SelectChoice(GROUP, _l("Group: one submission per program group, for all its members"))],
        default=INDIVIDUAL,
        description=_l("Group work: any member of the participant's program group (e.g. a country delegation) "
                       "hands in once for everyone; every member sees it and shares the grade. "
                       "Participants without a group submit on their own."),
    )
    late_policy = RadioField(
        _l("Late work"),
        choices=[SelectChoice(policy.value, policy.value) for policy in LatePolicy],
        default=LatePolicy.ACCEPT_AND_FLAG.value,
        description=_l("Extensions move the due time for one participant or group either way."),
    )

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_mb = max_mb
        self.allowed_extensions.choices = [SelectChoice(ext, ext.upper()) for ext in file_extension_choices()]
        self.late_policy.choices = [SelectChoice(policy.value, late_policy_label(policy.value)) for policy in LatePolicy]
        self.max_file_mb.validators = list(self.max_file_mb.validators) + [
            NumberRange(min=1, max=max_mb, message=_l("Enter a whole number between 1 and %(num)d.", num=max_mb))
        ]
        self.max_file_mb.description = _("Per file. At most %(num)d MB (the platform's upload limit).", num=max_mb)
        self.submission_errors: list[str] = []

    @classmethod
    def initial_data(cls, assignment) -> dict:
        return {
            "version": assignment.version,
            "points": assignment.points,
            "pass_points": assignment.pass_points,
            "allow_text": assignment.allow_text,
            "allow_files": assignment.allow_files,
            "allowed_extensions": list(assignment.allowed_extensions or []),
            "max_file_mb": max(1, (assignment.max_file_bytes or MB) // MB),
            "max_files": assignment.max_files,
            "submission_mode": GROUP if assignment.group_submission else INDIVIDUAL,
            "late_policy": assignment.late_policy,
        }

    def validate_pass_points(self, field):
        if field.data is not None and self.points.data is not None and field.data > self.points.data:
            raise ValidationError(_l("The pass mark cannot be more than the points (%(num)d).",
                                     num=self.points.data))

    def validate_allowed_extensions(self, field):
        if set(field.data or []) - set(file_extension_choices()):
            raise ValidationError(_l("Choose file types from the list."))
        if self.allow_files.data and not field.data:
            raise ValidationError(_l("Tick at least one file type, or do not allow files."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.allow_text.data and not self.allow_files.data:
            self.submission_errors.append(
                _("Allow text, files or both: participants must be able to hand in something."))
            valid = False
        return valid

    def settings_data(self) -> dict:
        return {
            "points": self.points.data,
            "pass_points": self.pass_points.data,
            "allow_text": bool(self.allow_text.data),
            "allow_files": bool(self.allow_files.data),
            "allowed_extensions": list(self.allowed_extensions.data or []),
            "max_file_bytes": self.max_file_mb.data * MB,
            "max_files": self.max_files.data,
            "group_submission": self.submission_mode.data == GROUP,
            "late_policy": self.late_policy.data,
        }


class LevelRowForm(Form):
    """One level of a criterion: a title, its points and what it looks like."""

    id = HiddenField(filters=[optional_int])
    title = StringField(_l("Level"), filters=[strip], validators=[Length(max=120)])
    points = IntegerField(_l("Points"), validators=[Optional()])
    description = TextAreaField(_l("Description"), filters=[blank_to_none])

    @property
    def is_blank(self) -> bool:
        typed_points = any((part or "").strip() for part in (self.points.raw_data or []))
        return not self.title.data and not typed_points and not self.description.data


class CriterionForm(FlaskForm):
    title = StringField(
        _l("Criterion"), filters=[strip],
        validators=[DataRequired(_l("Enter the criterion, e.g. “Structure”.")), Length(max=200)],
    )
    description = TextAreaField(_l("What it assesses"), filters=[blank_to_none],
                                description=_l("Optional. Shown to graders and, with the grade, to participants."))
    levels = FieldList(FormField(LevelRowForm), min_entries=MAX_LEVELS, max_entries=MAX_LEVELS)

    def __init__(self, *args, max_points: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_points = max_points
        self.levels_errors: list[str] = []

    @classmethod
    def initial_data(cls, criterion, levels) -> dict:
        rows = [{"id": level.id, "title": level.title, "points": level.points, "description": level.description}
                for level in levels]
        return {"title": criterion.title, "description": criterion.description, "levels": rows}

    def filled_levels(self) -> list[LevelRowForm]:
        return [row.form for row in self.levels if not row.form.is_blank]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        rows = self.filled_levels()
        for row in rows:
            if not row.title.data:
                row.title.errors = list(row.title.errors) + [_l("Name the level, or clear the row.")]
                valid = False
            if row.points.data is None and not row.points.errors:
                row.points.errors = list(row.points.errors) + [_l("Enter the level's points.")]
                valid = False
            elif row.points.data is not None and row.points.data < 0:
                row.points.errors = list(row.points.errors) + [_l("Points cannot be negative.")]
                valid = False
            elif row.points.data is not None and row.points.data > self.max_points:
                row.points.errors = list(row.points.errors) + [
                    _l("At most the assignment's %(num)d points.", num=self.max_points)]
                valid = False
        if len(rows) < 2:
            self.levels_errors.append(_("Enter at least two levels, e.g. “Excellent” and “Needs work”."))
            valid = False
        return valid

    def criterion_data(self) -> CriterionData:
        return CriterionData(
            title=self.title.data,
            description=self.description.data,
            levels=[LevelData(id=row.id.data, title=row.title.data, points=row.points.data,
                              description=row.description.data) for row in self.filled_levels()],
        )


class ExtensionForm(FlaskForm):
    user_id = SelectField(_l("Participant"), coerce=optional_int, validate_choice=True)
    group_id = SelectField(_l("or group"), coerce=optional_int, validate_choice=True)
    due_at = LocalDateTimeField(_l("New due date and time"),
                                validators=[InputRequired(_l("Enter the new due date and time."))])
    reason = TextAreaField(_l("Reason"), filters=[strip],
                           validators=[DataRequired(_l("Say why, for the record (e.g. illness).")),
                                       Length(max=1000)])

    def __init__(self, *args, zone: str, participants=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        tz = ZoneInfo(zone)
        self.due_at.tz = tz
        if self.due_at.data is not None and self.due_at.data.tzinfo is None:
            self.due_at.data = self.due_at.data.replace(tzinfo=tz)
        self.due_at.description = _("In your time zone: %(zone)s. It must be after the current due date.",
                                    zone=zone_label(zone))
        self.user_id.choices = [SelectChoice("", _("— choose a participant —"))] + [
            SelectChoice(str(i), label) for i, label in participants]
        self.group_id.choices = [SelectChoice("", _("— or a group —"))] + [
            SelectChoice(str(i), label) for i, label in groups]

    def validate_group_id(self, field):
        if (self.user_id.data is None) == (field.data is None):
            raise ValidationError(_l("Choose one participant or one group (not both)."))

    def due_at_utc(self):
        return self.due_at.data.astimezone(timezone.utc) if self.due_at.data else None
