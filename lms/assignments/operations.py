"""Assignment rules shared by submitting and grading."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from lms.assignments.models import Assignment, Extension, Submission
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.completion import record_completion
from lms.learning.models import Item, ItemKind


def assignment_for_item(item: Item) -> Assignment:
    """The assignment settings of an assignment item, created with defaults on first use."""
    if item.kind != ItemKind.ASSIGNMENT.value:
        raise ValueError("not an assignment item")
    assignment = db.session.scalar(select(Assignment).where(Assignment.item_id == item.id))
    if assignment is None:
        assignment = Assignment(item=item)
        db.session.add(assignment)
        db.session.flush()
    return assignment


def participant_group_id(user, program_id: int) -> int | None:
    """The participant's group in the program (at most one)."""
    return db.session.scalar(
        select(Enrolment.group_id).where(Enrolment.user_id == user.id, Enrolment.program_id == program_id)
    )


def owner_of(assignment: Assignment, user) -> dict:
    """Who owns this participant's submission: themselves, or their group for group work."""
    if assignment.group_submission:
        group_id = participant_group_id(user, assignment.item.unit.program_id)
        if group_id is not None:
            return {"user_id": None, "group_id": group_id}
    return {"user_id": user.id, "group_id": None}


def find_submission(assignment: Assignment, user) -> Submission | None:
    owner = owner_of(assignment, user)
    query = select(Submission).where(Submission.assignment_id == assignment.id)
    if owner["group_id"] is not None:
        query = query.where(Submission.group_id == owner["group_id"])
    else:
        query = query.where(Submission.user_id == owner["user_id"])
    return db.session.scalar(query)


def get_or_create_submission(assignment: Assignment, user) -> Submission:
    submission = find_submission(assignment, user)
    if submission is None:
        submission = Submission(assignment=assignment, **owner_of(assignment, user))
        db.session.add(submission)
        db.session.flush()
    return submission


def effective_due_at(assignment: Assignment, user=None, group_id: int | None = None) -> datetime | None:
    """The due date that applies to this participant or group: the latest active extension wins."""
    due = assignment.item.due_at
    conditions = []
    if user is not None:
        conditions.append(Extension.user_id == user.id)
        group_id = group_id if group_id is not None else participant_group_id(user, assignment.item.unit.program_id)
    if group_id is not None:
        conditions.append(Extension.group_id == group_id)
    if not conditions:
        return due
    extended = db.session.scalars(
        select(Extension.due_at).where(
            Extension.assignment_id == assignment.id, Extension.revoked_at.is_(None), or_(*conditions)
        )
    ).all()
    candidates = [value for value in (due, *extended) if value is not None]
    return max(candidates) if candidates else None


def submission_members(submission: Submission) -> list:
    """The people a submission counts for: its owner, or every member of its group."""
    from lms.accounts.models import User

    if submission.user_id is not None:
        return [db.session.get(User, submission.user_id)]
    program_id = submission.assignment.item.unit.program_id
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.program_id == program_id, Enrolment.group_id == submission.group_id)
        )
    )


def complete_for_members(submission: Submission, how: str, detail: str | None = None) -> None:
    """Record the assignment item complete for everyone the submission counts for."""
    item = submission.assignment.item
    for member in submission_members(submission):
        record_completion(member, item, how, detail)
