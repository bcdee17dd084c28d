"""The output form (participants and coordinators) and the showcase introduction (coordinators)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, SelectMultipleField, StringField, \
    TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.outputs import operations as ops


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _http_link(form, field):
    try:
        field.data = ops.clean_link(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class OutputForm(FlaskForm):
    version = HiddenField()
    owner = RadioField(_l("Whose output is it?"), choices=[SelectChoice("me", _l("Mine"))], default="me")
    kind = SelectField(_l("Kind"), choices=[], default="other")
    title = StringField(
        _l("Title"), filters=[_strip],
        validators=[DataRequired(_l("Give your output a title.")), Length(max=ops.MAX_TITLE)],
    )
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Optional(), Length(max=ops.MAX_DESCRIPTION)],
        description=_l("What it is, who it is for, how it was made. Markdown: **bold**, *italic*, lists, links."),
        render_kw={"rows": 10},
    )
    link_url = StringField(
        _l("Link"), filters=[_strip], validators=[Optional(), _http_link],
        description=_l("Optional: where it can be watched or read online (starting with https:// or http://)."),
        render_kw={"inputmode": "url", "autocomplete": "url"},
    )
    files = MultipleFileField(_l("Add files"))
    remove_files = MultiCheckboxField(_l("Remove these files"), coerce=int, validate_choice=False)

    def configure(self, *, group=None, creating: bool, output=None) -> None:
        """Kinds with their labels; the owner choice when creating with a group; the files to remove."""
        self.kind.choices = [SelectChoice(value, label) for value, label in ops.kind_choices()]
        self.files.render_kw = {"accept": ",".join(f".{ext}" for ext in sorted(ops.OUTPUT_EXTENSIONS))}
        if creating and group is not None:
            self.owner.choices = [SelectChoice("me", _l("Mine (individual)")),
                                  SelectChoice("group", _l("My group's: %(name)s", name=group.name))]
        else:
            del self.owner
        current = output.current_files if output is not None else []
        if current:
            self.remove_files.choices = [SelectChoice(link.file_id, link.file.original_name) for link in current]
        else:
            del self.remove_files

    @property
    def for_group(self) -> bool:
        return "owner" in self and self.owner.data == "group"

    @property
    def uploads(self) -> list:
        return [upload for upload in (self.files.data or []) if getattr(upload, "filename", None)]

    @property
    def removed(self) -> list[int]:
        return list(self.remove_files.data or []) if "remove_files" in self else []


class IntroductionForm(FlaskForm):
    version = HiddenField()
    introduction = TextAreaField(
        _l("Introduction"), filters=[_strip], validators=[Optional(), Length(max=ops.MAX_DESCRIPTION)],
        description=_l("Shown at the top of the showcase. Markdown."), render_kw={"rows": 10},
    )
