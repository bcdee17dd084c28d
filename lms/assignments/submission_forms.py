"""The participant's hand-in form: text, files, the draft's files to remove, a one-time token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.assignments.submitting import MAX_TEXT_LENGTH


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubmissionForm(FlaskForm):
    """One form, two buttons: "Save draft" and "Submit" post it to different addresses."""

    text = TextAreaField(_l("Your text"), validators=[Optional(), Length(max=MAX_TEXT_LENGTH)],
                         render_kw={"rows": 14})
    files = MultipleFileField(_l("Add files"))
    remove_files = MultiCheckboxField(_l("Remove these files from the draft"), coerce=int, validate_choice=False)
    token = HiddenField()

    def configure(self, assignment, draft) -> None:
        """Fit the form to the assignment's rules and the current draft."""
        if not assignment.allow_text:
            del self.text
        if not assignment.allow_files:
            del self.files
        else:
            # The browser's file picker offers the allowed types first (the server checks again).
            extensions = sorted(assignment.allowed_extensions or [])
            if extensions:
                self.files.render_kw = {"accept": ",".join(f".{extension}" for extension in extensions)}
        choices = [(link.file_id, link.file.original_name) for link in (draft.files if draft else [])]
        if choices:
            self.remove_files.choices = choices
        else:
            del self.remove_files

    @property
    def text_value(self) -> str | None:
        return self.text.data if "text" in self else None

    @property
    def uploads(self) -> list:
        return list(self.files.data or []) if "files" in self else []

    @property
    def removed(self) -> list[int]:
        return list(self.remove_files.data or []) if "remove_files" in self else []
