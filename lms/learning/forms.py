"""Forms of the authoring pages: units, and items of each kind.

Every edit form carries the hidden ``version`` it was rendered with (see
``lms.core.concurrency``). Dates and times are typed in the author's own time
zone (named beside the field) and stored in UTC.

One form class per item kind, all sharing ``ItemForm``'s fields: title,
required, completion rule, opening and due dates, prerequisites, hidden.
"""

from __future__ import annotations

from datetime import timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.timezones import zone_label
from lms.learning.authoring import completion_rule_choices, item_audience_value
from lms.learning.models import ItemKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value):
    value = strip(value)
    return value or None


def optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def web_address(form, field):
    """http:// or https:// addresses only (no javascript:, data:, ftp:…)."""
    if not field.data:
        return
    try:
        parts = urlsplit(field.data)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(ch.isspace() for ch in field.data)):
        raise ValidationError(_l("Enter a full web address starting with https:// (or http://)."))


def to_utc(value):
    return value.astimezone(timezone.utc) if value is not None else None


class LocalDateTimeField(DateTimeLocalField):
    """A date and time typed in the author's zone (set by the form), read back as an aware datetime."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", DATETIME_FORMATS)
        kwargs.setdefault("invalid_value_message",
                          _l("Enter a date and time, e.g. 2024-07-22 09:00."))
        super().__init__(label, validators, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VersionedForm(FlaskForm):
    version = HiddenField()

    def data_fields(self):
        return [f for f in self if f.name not in ("csrf_token", "version")]


# Units ----------------------------------------------------------------------------------------


class UnitForm(VersionedForm):
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[DataRequired(_l("Enter the unit's title.")), Length(max=200)],
        description=_l('For example "Week 1: Understanding young readers".'),
    )
    summary = TextAreaField(
        _l("Summary"), filters=[blank_to_none],
        description=_l("Shown at the top of the unit. Markdown: **bold**, *italic*, lists, links."),
    )
    hidden = BooleanField(
        _l("Hidden from participants"),
        description=_l("Prepare the unit in peace: participants see it once you show it."),
    )

    def unit_data(self) -> dict:
        return {"title": self.title.data, "summary": self.summary.data, "hidden": bool(self.hidden.data)}


# Items ----------------------------------------------------------------------------------------


class ItemForm(VersionedForm):
    """Fields every kind of item has."""

    kind: ItemKind
    body_label = _l("Description")
    body_help = _l("Optional. Markdown: **bold**, *italic*, lists, links, tables.")
    body_required = False

    title = StringField(
        _l("Title"), filters=[strip],
        validators=[DataRequired(_l("Enter the item's title.")), Length(max=200)],
    )
    body = TextAreaField(filters=[blank_to_none])
    required = BooleanField(
        _l("Required"), default=True,
        description=_l("Untick for optional material: it does not count towards the participant's progress."),
    )
    completion_rule = SelectField(_l("Complete when"))
    opens_at = LocalDateTimeField(_l("Opens at"), validators=[Optional()])
    due_at = LocalDateTimeField(_l("Due at"), validators=[Optional()])
    prerequisites = MultiCheckboxField(
        _l("Requires first"), coerce=int,
        description=_l("Participants must complete the ticked items before this one opens."),
    )
    unit_id = SelectField(
        _l("Unit"), coerce=optional_int,
        description=_l("Choose another unit of the module to move the item there (at the end)."),
    )
    hidden = BooleanField(
        _l("Hidden from participants"),
        description=_l("A hidden item does not exist for participants until you show it."),
    )

    def __init__(self, *args, zone: str = "UTC", unit_choices=None, prerequisite_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        tz = ZoneInfo(zone)
        zone_help = _("In your time zone: %(zone)s.", zone=zone_label(zone))
        for name in self.time_fields():
            field = self[name]
            field.tz = tz  # typed values were read before the zone was known: attach it now
            if field.data is not None and field.data.tzinfo is None:
                field.data = field.data.replace(tzinfo=tz)
        self.opens_at.description = _("Optional. Participants cannot open the item before. %(zone)s",
                                      zone=zone_help)
        self.due_at.description = _("Optional. After this the item shows as overdue. %(zone)s", zone=zone_help)
        self.completion_rule.choices = completion_rule_choices(self.kind)
        self.prerequisites.choices = list(prerequisite_choices)
        if unit_choices is None:
            del self.unit_id
        else:
            self.unit_id.choices = list(unit_choices)
        self.body.label.text = self.body_label
        self.body.description = self.body_help
        if self.body_required:
            self.body.validators = [DataRequired(self.body_missing)]
            self.body.flags.required = True
        else:
            self.body.validators = [Optional()]

    body_missing = _l("Write the text.")

    def time_fields(self) -> list[str]:
        return ["opens_at", "due_at"]

    def validate_due_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The due date must be after the opening date."))

    def kind_fields(self) -> list[str]:
        """Fields of this kind, in the order shown after the title."""
        return ["body"]

    def settings_data(self) -> dict:
        return {}

    def item_data(self) -> dict:
        data = {
            "title": self.title.data,
            "required": bool(self.required.data),
            "completion_rule": self.completion_rule.data,
            "opens_at": to_utc(self.opens_at.data),
            "due_at": to_utc(self.due_at.data),
            "hidden": bool(self.hidden.data),
            "body": self.body.data,
            "prerequisite_ids": list(self.prerequisites.data or []),
            "settings": self.settings_data(),
        }
        if "unit_id" in self:
            data["unit_id"] = self.unit_id.data
        return data

    @classmethod
    def initial_data(cls, item) -> dict:
        """What the form shows for a saved item."""
        data = {
            "title": item.title, "required": item.required, "completion_rule": item.completion_rule,
            "opens_at": item.opens_at, "due_at": item.due_at, "hidden": item.hidden, "body": item.body,
            "prerequisites": item.prerequisite_ids, "unit_id": item.unit_id, "version": item.version,
        }
        data.update(cls.initial_settings(item))
        return data

    @classmethod
    def initial_settings(cls, item) -> dict:
        return {}


class LessonForm(ItemForm):
    kind = ItemKind.LESSON
    body_label = _l("Lesson text")
    body_help = _l("Markdown: # headings, **bold**, *italic*, lists, links, tables, and images "
                   "(upload them under “Images” once the lesson is saved).")
    body_required = True
    body_missing = _l("Write the lesson's text.")


class FileForm(ItemForm):
    kind = ItemKind.FILE
    upload = FileField(_l("File"))

    def kind_fields(self):
        return ["upload", "body"]


class LinkForm(ItemForm):
    kind = ItemKind.LINK
    url = StringField(
        _l("Web address"), filters=[strip],
        validators=[DataRequired(_l("Enter the web address.")), Length(max=1000), web_address],
        description=_l("YouTube and Vimeo videos are embedded in the page, with a plain link beside them "
                       "for slow connections. Other addresses are shown as a link."),
    )

    def kind_fields(self):
        return ["url", "body"]

    def item_data(self):
        return {**super().item_data(), "url": self.url.data}

    @classmethod
    def initial_settings(cls, item):
        return {"url": item.url}


class QuizForm(ItemForm):
    kind = ItemKind.QUIZ
    pass_mark = IntegerField(
        _l("Pass mark (%)"), default=50,
        validators=[InputRequired(_l("Enter the pass mark, from 0 to 100.")),
                    NumberRange(min=0, max=100, message=_l("Enter the pass mark, from 0 to 100."))],
        description=_l("The share of points a participant needs to pass."),
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more, or leave empty for no limit."))],
        description=_l("Leave empty for no limit."),
    )
    show_feedback = BooleanField(
        _l("Show feedback after each attempt"), default=True,
        description=_l("Which answers were right, with each question's feedback."),
    )

    def kind_fields(self):
        return ["body", "pass_mark", "max_attempts", "show_feedback"]

    def settings_data(self):
        return {"pass_mark": self.pass_mark.data, "max_attempts": self.max_attempts.data,
                "show_feedback": bool(self.show_feedback.data)}

    @classmethod
    def initial_settings(cls, item):
        settings = item.settings or {}
        return {"pass_mark": settings.get("pass_mark", 50), "max_attempts": settings.get("max_attempts"),
                "show_feedback": settings.get("show_feedback", True)}


class AssignmentForm(ItemForm):
    kind = ItemKind.ASSIGNMENT
    body_label = _l("Instructions")
    body_help = _l("What participants should do and hand in. Markdown.")
    body_required = True
    body_missing = _l("Write the instructions.")


class LiveSessionForm(ItemForm):
    kind = ItemKind.LIVE_SESSION
    starts_at = LocalDateTimeField(_l("Starts at"), validators=[Optional()])
    ends_at = LocalDateTimeField(_l("Ends at"), validators=[Optional()])
    meeting_url = StringField(
        _l("Meeting link"), filters=[blank_to_none],
        validators=[Optional(), Length(max=1000), web_address],
        description=_l("Optional: the video call's address (Zoom, Teams, Meet…)."),
    )
    # Checked by lms.learning.authoring (the audience must belong to the unit's program), which puts
    # its message next to the field.
    audience = SelectField(
        _l("Who is invited"), validate_choice=False,
        description=_l("The participants invited see the session in their schedule and can join its room."),
    )

    def __init__(self, *args, audience_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        zone_help = _("In your time zone: %(zone)s.", zone=zone_label(self.zone))
        self.starts_at.description = zone_help
        self.ends_at.description = zone_help
        self.audience.choices = list(audience_choices)
        if not self.audience.data and self.audience.choices:
            self.audience.data = self.audience.choices[0][0]  # the unit's default audience

    def time_fields(self):
        return ["opens_at", "due_at", "starts_at", "ends_at"]

    def kind_fields(self):
        return ["body", "starts_at", "ends_at", "meeting_url", "audience"]

    def validate_ends_at(self, field):
        if field.data and not self.starts_at.data and not self.starts_at.errors:
            raise ValidationError(_l("Enter the start too."))
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The session must end after it starts."))

    def settings_data(self):
        start, end = to_utc(self.starts_at.data), to_utc(self.ends_at.data)
        return {"starts_at": start.isoformat() if start else None, "ends_at": end.isoformat() if end else None}

    def item_data(self):
        return {**super().item_data(), "url": self.meeting_url.data, "audience": self.audience.data}

    @classmethod
    def initial_settings(cls, item):
        from datetime import datetime

        settings = item.settings or {}

        def parse(value):
            return datetime.fromisoformat(value) if value else None

        return {"starts_at": parse(settings.get("starts_at")), "ends_at": parse(settings.get("ends_at")),
                "meeting_url": item.url, "audience": item_audience_value(item)}


ITEM_FORMS: dict[ItemKind, type[ItemForm]] = {
    form.kind: form for form in (LessonForm, FileForm, LinkForm, QuizForm, AssignmentForm, LiveSessionForm)
}


class ImageForm(FlaskForm):
    image = FileField(
        _l("Image"),
        description=_l("PNG, JPEG, GIF or WebP. It is added at the end of the text: move it where you want it."),
    )
