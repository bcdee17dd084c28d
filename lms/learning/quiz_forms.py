"""Forms of the quiz pages: a question (with its choices or accepted answers) and the submit form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField, StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from lms.learning.quiz import CHOICE_KINDS, ChoiceData, QuestionData, kind_label, normalise_answer
from lms.learning.models import QuizQuestion

CHOICE_ROWS = 6  # rows offered for a new question; an existing one gets two empty rows more than it has


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


class ChoiceRowForm(Form):
    """One row of a choice question: text, correct or not, feedback when chosen."""

    id = HiddenField(filters=[optional_int])
    text = StringField(_l("Choice"), filters=[strip], validators=[Length(max=500)])
    is_correct = BooleanField(_l("Correct"))
    feedback = StringField(_l("Feedback when chosen"), filters=[blank_to_none])

    @property
    def is_blank(self) -> bool:
        return not self.text.data and not self.is_correct.data and not self.feedback.data


class QuestionForm(FlaskForm):
    """A question; which of its parts apply depends on its kind (choices, or accepted answers)."""

    version = HiddenField()
    kind = SelectField(_l("Kind of question"))
    prompt = TextAreaField(
        _l("Question"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the question."))],
        description=_l("Markdown: **bold**, lists, links and images work."),
    )
    points = IntegerField(
        _l("Points"),
        default=1,
        validators=[
            InputRequired(_l("Enter the points as a whole number, e.g. 1.")),
            NumberRange(min=1, max=100, message=_l("Enter a whole number between 1 and 100.")),
        ],
    )
    choices = FieldList(FormField(ChoiceRowForm), min_entries=CHOICE_ROWS, max_entries=30)
    accepted_answers = TextAreaField(
        _l("Accepted answers"),
        description=_l("One per line. Case, extra spaces and a final full stop are ignored when comparing."),
    )
    feedback_correct = TextAreaField(_l("Feedback when correct"), filters=[blank_to_none],
                                     description=_l("Optional. Markdown."))
    feedback_incorrect = TextAreaField(_l("Feedback when incorrect"), filters=[blank_to_none],
                                       description=_l("Optional. Markdown. For example, where to read again."))

    def __init__(self, *args, kind: str, question: QuizQuestion | None = None, **kwargs):
        if question is not None and "formdata" not in kwargs:
            kwargs.setdefault("data", _question_data(question))
        super().__init__(*args, **kwargs)
        self.family = "short" if kind == QuizQuestion.SHORT else "choice"
        kinds = [QuizQuestion.SHORT] if self.family == "short" else list(CHOICE_KINDS)
        self.kind.choices = [(value, kind_label(value)) for value in kinds]
        if not self.kind.data or self.kind.data not in kinds:
            self.kind.data = kind
        self.choices_errors: list[str] = []
        self.accepted_answers.flags.required = self.family == "short"

    @property
    def is_choice(self) -> bool:
        return self.family == "choice"

    def filled_choices(self) -> list[ChoiceRowForm]:
        return [row.form for row in self.choices if not row.form.is_blank]

    def answers_list(self) -> list[str]:
        """Accepted answers, one per line, without blanks or repeats (compared as they are graded)."""
        seen, answers = set(), []
        for line in (self.accepted_answers.data or "").splitlines():
            value = " ".join(line.split())
            key = normalise_answer(value)
            if value and key and key not in seen:
                seen.add(key)
                answers.append(value)
        return answers

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.is_choice:
            valid = self._validate_choices() and valid
        else:
            if not self.answers_list():
                self.accepted_answers.errors = list(self.accepted_answers.errors) + [
                    _l("Enter at least one accepted answer.")
                ]
                valid = False
            elif any(len(answer) > 500 for answer in self.answers_list()):
                self.accepted_answers.errors = list(self.accepted_answers.errors) + [
                    _l("Keep each accepted answer under 500 characters.")
                ]
                valid = False
        return valid

    def _validate_choices(self) -> bool:
        valid = True
        for row in self.filled_choices():
            if not row.text.data:
                row.text.errors = list(row.text.errors) + [_l("Enter the choice's text, or clear the row.")]
                valid = False
        rows = [row for row in self.filled_choices() if row.text.data]
        texts = [row.text.data.casefold() for row in rows]
        if len(rows) < 2:
            self.choices_errors.append(_l("Enter at least two choices."))
            valid = False
        if len(set(texts)) != len(texts):
            self.choices_errors.append(_l("Two choices have the same text: make each choice different."))
            valid = False
        correct = sum(1 for row in rows if row.is_correct.data)
        if self.kind.data == QuizQuestion.SINGLE and correct != 1:
            self.choices_errors.append(
                _l("Tick exactly one correct choice (or make this a multiple choice question).")
            )
            valid = False
        if self.kind.data == QuizQuestion.MULTIPLE and correct < 1:
            self.choices_errors.append(_l("Tick at least one correct choice."))
            valid = False
        return valid

    def question_data(self) -> QuestionData:
        data = QuestionData(
            kind=self.kind.data,
            prompt=self.prompt.data,
            points=self.points.data,
            feedback_correct=self.feedback_correct.data,
            feedback_incorrect=self.feedback_incorrect.data,
        )
        if self.is_choice:
            data.choices = [
                ChoiceData(id=row.id.data, text=row.text.data, is_correct=bool(row.is_correct.data),
                           feedback=row.feedback.data)
                for row in self.filled_choices()
            ]
        else:
            data.accepted_answers = self.answers_list()
        return data


def _question_data(question: QuizQuestion) -> dict:
    rows = [
        {"id": choice.id, "text": choice.text, "is_correct": choice.is_correct, "feedback": choice.feedback}
        for choice in question.choices
    ]
    rows += [{}] * max(CHOICE_ROWS - len(rows), 2)
    return {
        "version": question.version,
        "kind": question.kind,
        "prompt": question.prompt,
        "points": question.points,
        "choices": rows,
        "accepted_answers": "\n".join(question.accepted_answers or []),
        "feedback_correct": question.feedback_correct,
        "feedback_incorrect": question.feedback_incorrect,
    }


class SubmitQuizForm(FlaskForm):
    """The CSRF token and the attempt number the page was shown for; the answers are read by ``quiz``."""

    expected_number = HiddenField()
