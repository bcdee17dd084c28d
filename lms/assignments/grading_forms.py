"""The grading form: rubric levels (one radio group per criterion) or a typed score, comments, a file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from lms.assignments.grading import GradeInput, active_criteria, active_levels
from lms.assignments.models import Assignment, Grade

ACTIONS = ("save", "release", "resubmit")


class GradeForm(FlaskForm):
    version = HiddenField()
    comments = TextAreaField(
        _l("Comments"), validators=[Optional(), Length(max=20000)],
        description=_l("Markdown: **bold**, *italic*, lists and links. The participant sees them once released."),
    )
    feedback_file = FileField(_l("Feedback file (optional)"),
                              description=_l("For example the work annotated with your remarks."))
    remove_feedback_file = BooleanField(_l("Remove the current feedback file"))
    resubmission_message = TextAreaField(
        _l("Message for a resubmission"), validators=[Optional(), Length(max=5000)],
        description=_l("Needed only to request a resubmission: say what to change."),
    )

    def criterion_field(self, criterion):
        return self[f"criterion_{criterion.id}"]

    def grade_input(self, assignment: Assignment) -> GradeInput:
        levels = {criterion.id: self.criterion_field(criterion).data for criterion in active_criteria(assignment)}
        score = self.score.data if "score" in self else None
        return GradeInput(
            score=score,
            levels=levels,
            comments=self.comments.data,
            remove_feedback_file=bool(self.remove_feedback_file.data),
            resubmission_message=self.resubmission_message.data,
        )


def grade_form(assignment: Assignment, grade: Grade | None, formdata=None) -> GradeForm:
    """A form for this assignment: radio buttons per rubric criterion, or a score field without a rubric."""

    class AssignmentGradeForm(GradeForm):
        pass

    criteria = active_criteria(assignment)
    for criterion in criteria:
        setattr(
            AssignmentGradeForm,
            f"criterion_{criterion.id}",
            RadioField(criterion.title, coerce=int, validators=[Optional()],
                       choices=[SelectChoice(level.id, level.title) for level in active_levels(criterion)]),
        )
    if not criteria:
        AssignmentGradeForm.score = IntegerField(
            _l("Score"),
            validators=[Optional(), NumberRange(min=0, max=assignment.points,
                                                message=_l("Enter a whole number from 0 to %(max)s."))],
            description=_l("Out of %(points)s points; the pass mark is %(pass_points)s.", points=assignment.points,
                           pass_points=assignment.pass_points),
        )

    data = {"version": "" if grade is None else grade.version}
    if grade is not None:
        data["comments"] = grade.comments
        data["resubmission_message"] = grade.resubmission_message
        if not criteria:
            data["score"] = grade.score
        for key, level_id in (grade.rubric_levels or {}).items():
            data[f"criterion_{key}"] = level_id
    if formdata is not None:  # what was typed, read back from a body too large to be parsed
        return AssignmentGradeForm(formdata=formdata if formdata else None, data=data)
    return AssignmentGradeForm(data=data)
