"""Forms: an announcement (coordinators, trainers), a new thread and a reply (messages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from lms.announcements import operations as ops


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AnnouncementForm(FlaskForm):
    version = HiddenField()
    audience = SelectField(_l("For whom"), choices=[], validate_choice=False)
    title = StringField(
        _l("Title"), filters=[_strip],
        validators=[DataRequired(_l("Give the announcement a title.")),
                    Length(max=ops.MAX_TITLE, message=_l("At most %(max)d characters."))],
    )
    body = TextAreaField(
        _l("Text"), filters=[_strip],
        validators=[DataRequired(_l("Write the announcement.")),
                    Length(max=ops.MAX_BODY, message=_l("At most %(max)d characters."))],
        description=_l("Markdown: **bold**, *italic*, lists, links. Use “Preview” to see it as members will."),
        render_kw={"rows": 12},
    )
    notify_again = BooleanField(
        _l("Notify the audience again"),
        description=_l("Without it, the change is saved quietly: members see the new text but get no new email."),
    )

    def configure(self, choices: list[ops.AudienceChoice], *, published: bool) -> None:
        self.audience.choices = [(choice.value, choice.label) for choice in choices]
        self._allowed = {choice.value for choice in choices}
        if not published:
            del self.notify_again

    def validate_audience(self, field):
        if field.data not in getattr(self, "_allowed", set()):
            raise ValidationError(_l("Choose who the announcement is for."))


class ThreadForm(FlaskForm):
    subject = StringField(
        _l("Subject"), filters=[_strip],
        validators=[DataRequired(_l("Give your message a subject.")),
                    Length(max=ops.MAX_SUBJECT, message=_l("At most %(max)d characters."))],
    )
    body = TextAreaField(
        _l("Message"), filters=[_strip],
        validators=[DataRequired(_l("Write your message.")),
                    Length(max=ops.MAX_MESSAGE, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 8},
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"), filters=[_strip],
        validators=[DataRequired(_l("Write your reply.")),
                    Length(max=ops.MAX_MESSAGE, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 6},
    )
