"""Who may see a submission and who may grade (record rules)."""

from __future__ import annotations

from sqlalchemy import select

from lms.assignments.models import Assignment, Submission
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import can_author_unit


def can_grade(user, assignment: Assignment) -> bool:
    """The module's trainers and coordinators (program-wide assignments: coordinators)."""
    return can_author_unit(user, assignment.item.unit)


def is_submission_member(user, submission: Submission) -> bool:
    """The participant who owns it, or a member of the group that owns it."""
    if not user.is_authenticated:
        return False
    if submission.user_id is not None:
        return submission.user_id == user.id
    program_id = submission.assignment.item.unit.program_id
    return db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == user.id,
            Enrolment.program_id == program_id,
            Enrolment.group_id == submission.group_id,
        )
    ) is not None


def can_view_submission(user, submission: Submission) -> bool:
    return is_submission_member(user, submission) or can_grade(user, submission.assignment)
