"""Participants hand in work: drafts, submitted versions, receipts, and the "my assignments" list.

Rules:

* A submission belongs to the participant, or to their program group for group
  work (``operations.owner_of``); any member of the group works on the same
  draft and may submit once for all.
* The draft is the version whose ``submitted_at`` is NULL (at most one).
  Submitting turns it into a numbered version that is never changed again.
* A one-time token from the form (``idempotency_key``) makes a double click
  or a retried request submit once: the second request gets the first's receipt.
* Nothing new may be handed in after the due date under the "close" policy
  (an extension moves the due date), nor after a grade was released unless
  the trainer asked for a resubmission.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.assignments.models import (
    Assignment,
    Extension,
    Grade,
    GradeStatus,
    LatePolicy,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.assignments.operations import (
    assignment_for_item,
    complete_for_members,
    effective_due_at,
    find_submission,
    get_or_create_submission,
    participant_group_id,
)
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.storage import UploadRejected, UploadRules, file_path, save_upload
from lms.learning.access import LEARNING_STATUSES
from lms.learning.models import CompletionRule, Item, ItemKind, Unit
from lms.programs.models import Group, Module

MAX_TEXT_LENGTH = 100_000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class SubmissionRefused(Exception):
    """Handing in is not possible now; ``str(error)`` says why."""


class UploadProblem(Exception):
    """One or more uploads were refused; ``messages`` go next to the file field."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class NothingToSubmit(Exception):
    """Neither text nor files."""


# --------------------------------------------------------------------------
# Settings without writing in a GET
# --------------------------------------------------------------------------


def _column_default(column):
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg


def assignment_settings(item: Item) -> Assignment:
    """The item's assignment settings; an unsaved one with the defaults when none were saved yet
    (pages that only show them must not write)."""
    assignment = db.session.scalar(select(Assignment).where(Assignment.item_id == item.id))
    if assignment is not None:
        return assignment
    values = {
        column.key: _column_default(column)
        for column in Assignment.__table__.columns
        if column.key not in ("id", "item_id", "created_at", "updated_at", "version")
    }
    transient = Assignment(**values)
    transient.item = item
    if transient in db.session:  # never saved by a page that only shows it
        db.session.expunge(transient)
    return transient


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str | None) -> bool:
    return bool(token) and _TOKEN.fullmatch(token) is not None


# --------------------------------------------------------------------------
# What a participant sees
# --------------------------------------------------------------------------


@dataclass
class ParticipantState:
    assignment: Assignment
    submission: Submission | None
    draft: SubmissionVersion | None
    versions: list[SubmissionVersion]  # submitted, oldest first
    due_at: datetime | None  # the effective due date (extensions applied)
    extension: Extension | None
    group: Group | None
    members: list = field(default_factory=list)
    grade: Grade | None = None  # only once released or a resubmission was requested
    closed_reason: str | None = None  # why nothing new may be handed in (None: open)

    @property
    def released(self) -> bool:
        return self.grade is not None and self.grade.status == GradeStatus.RELEASED.value

    @property
    def resubmission_requested(self) -> bool:
        return self.grade is not None and self.grade.status == GradeStatus.RESUBMIT.value

    @property
    def resubmitted(self) -> bool:
        """A new version was handed in after the resubmission request."""
        return self.resubmission_requested and _answered(self.grade, self.latest)

    @property
    def can_hand_in(self) -> bool:
        return self.closed_reason is None

    @property
    def status(self) -> str:
        """As on "my assignments": not started, draft saved, submitted, resubmission requested, graded."""
        return _status(self.submission)[0]

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def latest(self) -> SubmissionVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def next_number(self) -> int:
        return (self.versions[-1].number if self.versions else 0) + 1

    @property
    def rubric_choices(self) -> list[tuple]:
        """[(criterion, level)] of the released grade, in rubric order."""
        if not self.released:
            return []
        chosen = {str(key): value for key, value in (self.grade.rubric_levels or {}).items()}
        rows = []
        for criterion in self.assignment.criteria:
            level_id = chosen.get(str(criterion.id))
            level = next((level for level in criterion.levels if str(level.id) == str(level_id)), None)
            if level is not None:
                rows.append((criterion, level))
        return rows


def _load_submission(submission_id: int) -> Submission:
    return db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            selectinload(Submission.versions).selectinload(SubmissionVersion.files).joinedload(SubmissionFile.file),
            selectinload(Submission.versions).joinedload(SubmissionVersion.author),
            joinedload(Submission.grade),
        )
        .execution_options(populate_existing=True)
    )


def active_extension(assignment: Assignment, user, group_id: int | None) -> Extension | None:
    """The extension in force for this participant (the latest one), if any."""
    if assignment.id is None:
        return None
    conditions = [Extension.user_id == user.id]
    if group_id is not None:
        conditions.append(Extension.group_id == group_id)
    return db.session.scalar(
        select(Extension)
        .where(Extension.assignment_id == assignment.id, Extension.revoked_at.is_(None), or_(*conditions))
        .order_by(Extension.due_at.desc())
        .limit(1)
    )


def group_of(assignment: Assignment, user) -> tuple[Group | None, list]:
    """For group work: the participant's group and its members."""
    from lms.accounts.models import User

    if not assignment.group_submission:
        return None, []
    program_id = assignment.item.unit.program_id
    group_id = participant_group_id(user, program_id)
    if group_id is None:
        return None, []
    members = db.session.scalars(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.program_id == program_id, Enrolment.group_id == group_id)
        .order_by(User.name, User.id)
    ).all()
    return db.session.get(Group, group_id), list(members)


def closed_reason(assignment: Assignment, due_at: datetime | None, grade: Grade | None,
                  now: datetime | None = None) -> str | None:
    """Why nothing new may be handed in now, or None."""
    now = now or utcnow()
    if grade is not None and grade.status == GradeStatus.RELEASED.value:
        return _("Your work has been graded, so no further version can be submitted. "
                 "Your trainer can ask for a resubmission.")
    if assignment.late_policy == LatePolicy.CLOSE_AT_DUE.value and due_at is not None and now > due_at:
        return _("Submission closed at the due date. Ask your trainer for an extension if you need more time.")
    return None


def participant_state(assignment: Assignment, user, now: datetime | None = None) -> ParticipantState:
    group_id = participant_group_id(user, assignment.item.unit.program_id) if assignment.group_submission else None
    submission = find_submission(assignment, user) if assignment.id is not None else None
    if submission is not None:
        submission = _load_submission(submission.id)
    versions = [version for version in (submission.versions if submission else []) if not version.is_draft]
    draft = next((version for version in (submission.versions if submission else []) if version.is_draft), None)
    grade = submission.grade if submission else None
    visible_grade = grade if grade is not None and grade.status in (
        GradeStatus.RELEASED.value, GradeStatus.RESUBMIT.value) else None
    due = effective_due_at(assignment, user) if assignment.id is not None else assignment.item.due_at
    group, members = group_of(assignment, user)
    return ParticipantState(
        assignment=assignment,
        submission=submission,
        draft=draft,
        versions=versions,
        due_at=due,
        extension=active_extension(assignment, user, group_id),
        group=group,
        members=members,
        grade=visible_grade,
        closed_reason=closed_reason(assignment, due, grade, now),
    )


# --------------------------------------------------------------------------
# Drafts and submitting
# --------------------------------------------------------------------------


def upload_rules(assignment: Assignment) -> UploadRules:
    return UploadRules(frozenset(assignment.allowed_extensions or ()), assignment.max_file_bytes)


def _has_upload(upload) -> bool:
    return upload is not None and bool(getattr(upload, "filename", None))


def _store_uploads(assignment: Assignment, uploads, keep_count: int, user) -> list[StoredFile]:
    """Check and store every upload; all or nothing (a refused file leaves nothing behind)."""
    uploads = [upload for upload in uploads or [] if _has_upload(upload)]
    if not uploads:
        return []
    if not assignment.allow_files:
        raise UploadProblem([_("This assignment does not accept files.")])
    if keep_count + len(uploads) > assignment.max_files:
        raise UploadProblem([_("At most %(count)d files can be handed in.", count=assignment.max_files)])
    stored, problems = [], []
    rules = upload_rules(assignment)
    for upload in uploads:
        try:
            stored.append(save_upload(upload, rules, uploaded_by=user))
        except UploadRejected as error:
            problems.append(_("%(name)s: %(problem)s", name=upload.filename, problem=str(error)))
    if problems:
        discard_files(stored)
        raise UploadProblem(problems)
    return stored


def discard_files(stored: list[StoredFile]) -> None:
    """Remove the bytes of files whose records will be rolled back."""
    for entry in stored:
        file_path(entry).unlink(missing_ok=True)


def _draft_of(submission: Submission, user) -> SubmissionVersion:
    draft = db.session.scalar(
        select(SubmissionVersion).where(
            SubmissionVersion.submission_id == submission.id, SubmissionVersion.submitted_at.is_(None)
        )
    )
    if draft is None:
        highest = db.session.scalar(
            select(func.max(SubmissionVersion.number)).where(SubmissionVersion.submission_id == submission.id)
        ) or 0
        draft = SubmissionVersion(submission=submission, number=highest + 1, author_id=user.id)
        db.session.add(draft)
        db.session.flush()
    return draft


def _apply(assignment: Assignment, draft: SubmissionVersion, user, text: str | None, uploads,
           remove_file_ids) -> list[StoredFile]:
    """Put the posted text and files into the draft. Returns the newly stored files."""
    if assignment.allow_text:
        draft.text = (text or "").strip() or None
    remove = {int(value) for value in remove_file_ids or [] if str(value).isdigit()}
    kept = []
    for link in list(draft.files):
        if link.file_id in remove:
            draft.files.remove(link)
            db.session.delete(link)  # the link of an unsubmitted draft; the stored file stays
        else:
            kept.append(link)
    stored = _store_uploads(assignment, uploads, len(kept), user)
    known = {(link.file.sha256, link.file.original_name) for link in kept}
    for entry in stored:
        if (entry.sha256, entry.original_name) in known:
            # The same file sent twice (a double click on "Save draft"): keep one copy.
            db.session.delete(entry)
            file_path(entry).unlink(missing_ok=True)
            continue
        known.add((entry.sha256, entry.original_name))
        draft.files.append(SubmissionFile(file=entry))
    draft.author_id = user.id
    draft.updated_at = utcnow()
    return stored


def _refuse_if_closed(assignment: Assignment, submission: Submission | None, user, now) -> datetime | None:
    due = effective_due_at(assignment, user)
    grade = submission.grade if submission is not None else None
    reason = closed_reason(assignment, due, grade, now)
    if reason:
        raise SubmissionRefused(reason)
    return due


def save_draft(item: Item, user, *, text: str | None, uploads=(), remove_file_ids=()) -> SubmissionVersion:
    """Create or update the draft. Raises SubmissionRefused or UploadProblem."""
    assignment = assignment_for_item(item)
    now = utcnow()
    _refuse_if_closed(assignment, find_submission(assignment, user), user, now)
    submission = get_or_create_submission(assignment, user)
    draft = _draft_of(submission, user)
    _apply(assignment, draft, user, text, uploads, remove_file_ids)
    db.session.flush()
    return draft


def version_for_token(token: str) -> SubmissionVersion | None:
    if not valid_token(token):
        return None
    return db.session.scalar(select(SubmissionVersion).where(SubmissionVersion.idempotency_key == token))


def receipt_hash(text: str | None, files: list[StoredFile]) -> str:
    """sha256 over the text and the files' own sha256 (in the order they were attached)."""
    digest = hashlib.sha256()
    digest.update(b"text:")
    digest.update((text or "").encode("utf-8"))
    for stored in files:
        digest.update(b"\nfile:")
        digest.update(stored.sha256.encode("ascii"))
    return digest.hexdigest()


@dataclass
class SubmitResult:
    version: SubmissionVersion
    duplicate: bool  # the same form was already submitted: this is the first request's version


def submit(item: Item, user, *, token: str, text: str | None, uploads=(), remove_file_ids=()) -> SubmitResult:
    """Turn the draft (with the posted content) into a submitted version.

    Raises SubmissionRefused, UploadProblem or NothingToSubmit. The caller
    commits; on an IntegrityError of the idempotency key it rolls back and
    calls ``version_for_token``.
    """
    existing = version_for_token(token)
    if existing is not None:
        return SubmitResult(existing, duplicate=True)
    if not valid_token(token):
        raise SubmissionRefused(_("The form expired. Reload the page and submit again."))
    assignment = assignment_for_item(item)
    now = utcnow()
    due = _refuse_if_closed(assignment, find_submission(assignment, user), user, now)
    submission = get_or_create_submission(assignment, user)
    draft = _draft_of(submission, user)
    stored = _apply(assignment, draft, user, text, uploads, remove_file_ids)
    files = [link.file for link in draft.files]
    if not draft.text and not files:
        discard_files(stored)
        raise NothingToSubmit()
    highest = db.session.scalar(
        select(func.max(SubmissionVersion.number)).where(
            SubmissionVersion.submission_id == submission.id, SubmissionVersion.submitted_at.is_not(None)
        )
    ) or 0
    draft.number = highest + 1
    draft.submitted_at = now
    draft.is_late = due is not None and now > due
    draft.idempotency_key = token
    draft.receipt = receipt_hash(draft.text, files)
    draft.author_id = user.id
    db.session.flush()
    if item.completion_rule == CompletionRule.SUBMIT.value:
        complete_for_members(submission, "submitted", detail=f"version {draft.number}")
    return SubmitResult(draft, duplicate=False)


# --------------------------------------------------------------------------
# My assignments (constant number of queries)
# --------------------------------------------------------------------------

NOT_STARTED = "not_started"
DRAFT = "draft"
SUBMITTED = "submitted"
RESUBMIT = "resubmit"
GRADED = "graded"


def status_label(status: str) -> str:
    return {
        NOT_STARTED: _("Not started"),
        DRAFT: _("Draft saved"),
        SUBMITTED: pgettext("status", "Submitted"),
        RESUBMIT: _("Resubmission requested"),
        GRADED: _("Graded"),
    }.get(status, status)


@dataclass
class AssignmentRow:
    item: Item
    assignment: Assignment | None
    enrolment: Enrolment
    due_at: datetime | None
    extended: bool
    status: str
    latest: SubmissionVersion | None
    grade: Grade | None  # released grades only

    @property
    def points(self) -> int | None:
        return self.assignment.points if self.assignment is not None else None

    @property
    def is_late(self) -> bool:
        return self.latest is not None and self.latest.is_late

    @property
    def label(self) -> str:
        return status_label(self.status)


def _answered(grade: Grade, latest: SubmissionVersion | None) -> bool:
    """A version was submitted after the resubmission request."""
    return latest is not None and grade.updated_at is not None and latest.submitted_at > grade.updated_at


def _status(submission: Submission | None) -> tuple[str, SubmissionVersion | None, Grade | None]:
    if submission is None:
        return NOT_STARTED, None, None
    submitted = [version for version in submission.versions if not version.is_draft]
    latest = submitted[-1] if submitted else None
    grade = submission.grade
    if grade is not None and grade.status == GradeStatus.RELEASED.value:
        return GRADED, latest, grade
    if grade is not None and grade.status == GradeStatus.RESUBMIT.value and not _answered(grade, latest):
        return RESUBMIT, latest, None
    if latest is not None:
        return SUBMITTED, latest, None
    if any(version.is_draft for version in submission.versions):
        return DRAFT, None, None
    return NOT_STARTED, None, None


def my_assignments(user, now: datetime | None = None) -> list[AssignmentRow]:
    """Every assignment of the participant's modules and program-wide units, across programs."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(LEARNING_STATUSES))
        .options(joinedload(Enrolment.program), joinedload(Enrolment.module))
    ).all()
    if not enrolments:
        return []
    scopes = []
    for enrolment in enrolments:
        scopes.append(Unit.module_id.is_(None) & (Unit.program_id == enrolment.program_id))
        if enrolment.module_id is not None:
            scopes.append(Unit.module_id == enrolment.module_id)
    rows = db.session.execute(
        select(Item, Assignment)
        .join(Unit, Item.unit_id == Unit.id)
        .outerjoin(Module, Unit.module_id == Module.id)
        .outerjoin(Assignment, Assignment.item_id == Item.id)
        .where(
            Item.kind == ItemKind.ASSIGNMENT.value,
            Item.hidden.is_(False), Item.archived_at.is_(None),
            Unit.hidden.is_(False), Unit.archived_at.is_(None),
            Module.archived_at.is_(None),
            or_(*scopes),
        )
        .options(joinedload(Item.unit).joinedload(Unit.module), joinedload(Item.unit).joinedload(Unit.program))
    ).unique().all()
    if not rows:
        return []
    by_program = {enrolment.program_id: enrolment for enrolment in enrolments}
    group_ids = {enrolment.group_id for enrolment in enrolments if enrolment.group_id is not None}
    assignment_ids = [assignment.id for _item, assignment in rows if assignment is not None]

    extensions: dict[int, list[Extension]] = {}
    submissions: dict[tuple, Submission] = {}
    if assignment_ids:
        owner = [Extension.user_id == user.id]
        if group_ids:
            owner.append(Extension.group_id.in_(group_ids))
        for extension in db.session.scalars(
            select(Extension).where(
                Extension.assignment_id.in_(assignment_ids), Extension.revoked_at.is_(None), or_(*owner)
            )
        ).all():
            extensions.setdefault(extension.assignment_id, []).append(extension)
        owner = [Submission.user_id == user.id]
        if group_ids:
            owner.append(Submission.group_id.in_(group_ids))
        for submission in db.session.scalars(
            select(Submission)
            .where(Submission.assignment_id.in_(assignment_ids), or_(*owner))
            .options(selectinload(Submission.versions), selectinload(Submission.grade))
        ).all():
            key = (submission.assignment_id, "group" if submission.group_id else "user",
                   submission.group_id or submission.user_id)
            submissions[key] = submission

    result = []
    for item, assignment in rows:
        enrolment = by_program.get(item.unit.program_id)
        if enrolment is None:
            continue
        group_id = enrolment.group_id
        due, extended = item.due_at, False
        submission = None
        if assignment is not None:
            for extension in extensions.get(assignment.id, []):
                if extension.user_id == user.id or (group_id is not None and extension.group_id == group_id):
                    if due is None or extension.due_at > due:
                        due, extended = extension.due_at, True
            if assignment.group_submission and group_id is not None:
                submission = submissions.get((assignment.id, "group", group_id))
            else:
                submission = submissions.get((assignment.id, "user", user.id))
        status, latest, grade = _status(submission)
        result.append(AssignmentRow(item, assignment, enrolment, due, extended, status, latest, grade))
    far = datetime.max.replace(tzinfo=None)
    result.sort(key=lambda row: (row.due_at is None, row.due_at.replace(tzinfo=None) if row.due_at else far,
                                 row.item.title))
    return result
