"""Participants hand in work: the assignment page, drafts, versions, receipts, my assignments.

Access:

* ``assignment`` (GET): whoever may view the unit (``can_view_unit``).
  Participants following it (``is_learner``) work on it when it is visible
  (else 404) and unlocked (else 403 with the reasons); the module's trainers
  and coordinators see a read-only view with a link to grading.
* ``save_draft``, ``submit`` (POST): participants following the unit only.
* ``file``: a file of a version, for the submission's owner or group members
  and for those who may grade (``can_view_submission``); a draft's files only
  for its owners.
* ``feedback_file``: the grade's feedback file, for members once released and
  for those who may grade.
* ``my_assignments``: any signed-in person (their own assignments).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from lms.assignments import submitting as ops
from lms.assignments.access import can_grade, can_view_submission, is_submission_member
from lms.assignments.models import Grade, GradeStatus, LatePolicy, SubmissionFile, SubmissionVersion
from lms.assignments.submission_forms import SubmissionForm
from lms.assignments.uploads import trusted_typed_fields
from lms.core.database import utcnow
from lms.core.errors import render_error
from lms.core.permissions import authenticated, require
from lms.core.timezones import format_instant
from lms.extensions import db
from lms.files.storage import send_stored_file
from lms.learning.access import can_view_unit, is_learner
from lms.learning.authoring import format_size
from lms.learning.models import Item, ItemKind
from lms.learning.progress import lock_for_user
from lms.learning.release import relative_hint, visible_to_participants

bp = Blueprint("submissions", __name__)

# Set when the request body was larger than MAX_CONTENT_LENGTH (see ``request_too_large``).
TOO_LARGE = "submissions_request_too_large"
UPLOAD_ENDPOINTS = {"submissions.save_draft", "submissions.submit"}


# Helpers ------------------------------------------------------------------------------


def _assignment_item(item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or item.kind != ItemKind.ASSIGNMENT.value:
        abort(404)
    require(can_view_unit(current_user, item.unit))
    return item


def _participant_can_see(item: Item) -> bool:
    module = item.unit.module
    return visible_to_participants(item) and (module is None or module.archived_at is None)


def _learner_item(item_id: int) -> Item:
    """The item for a participant who follows it: 403 for others, 404 when hidden."""
    item = _assignment_item(item_id)
    require(is_learner(current_user, item.unit))
    if not _participant_can_see(item):
        abort(404)
    return item


def _outline_url(item: Item) -> str:
    unit = item.unit
    if unit.module_id is not None:
        return url_for("learning.module_outline", module_id=unit.module_id)
    return url_for("learning.program_outline", program_id=unit.program_id)


def _grading_url(item: Item, assignment) -> str | None:
    """The grading queue of the assignment's module, or of its program's program-wide units,
    filtered to this assignment."""
    filtered = {"assignment": assignment.id} if assignment.id else {}
    try:
        if item.unit.module_id is None:
            return url_for("grading.program_queue", program_id=item.unit.program_id, **filtered)
        return url_for("grading.queue", module_id=item.unit.module_id, **filtered)
    except BuildError:
        return None


def _too_large() -> bool:
    return bool(g.get(TOO_LARGE))


def _recovered_form(assignment, state) -> tuple[SubmissionForm, bool]:
    """The form with what was typed in a too-large request, when it can be read back (and its CSRF
    token is good); else the form as first shown. The boolean says whether the text was recovered."""
    fields = trusted_typed_fields()
    if "text" not in fields and "remove_files" not in fields:
        return _new_form(assignment, state), False
    form = SubmissionForm(formdata=fields)
    form.configure(assignment, state.draft)
    if not ops.valid_token(form.token.data):
        form.token.data = ops.new_token()
    return form, True


def _upload_limit_bytes(assignment) -> int:
    """The largest file that can get through: the assignment's limit or the request limit."""
    limits = [assignment.max_file_bytes]
    if current_app.config.get("MAX_CONTENT_LENGTH"):
        limits.append(int(current_app.config["MAX_CONTENT_LENGTH"]))
    return min(limits)


def _size_limit(assignment) -> str:
    return format_size(_upload_limit_bytes(assignment))


def _request_limit() -> str:
    return format_size(int(current_app.config.get("MAX_CONTENT_LENGTH") or 0))


def _new_form(assignment, state) -> SubmissionForm:
    """The form as first shown: the draft's text and a fresh one-time token."""
    form = SubmissionForm(formdata=None)
    form.configure(assignment, state.draft)
    if "text" in form and state.draft is not None:
        form.text.data = state.draft.text or ""
    form.token.data = ops.new_token()
    return form


def _posted_form(assignment, state) -> SubmissionForm:
    form = SubmissionForm()
    form.configure(assignment, state.draft)
    return form


def _render_participant(item: Item, state, form: SubmissionForm, *, status: int = 200, notice: str | None = None):
    assignment = state.assignment
    now = utcnow()
    return render_template(
        "assignments/submit/assignment.html",
        item=item,
        unit=item.unit,
        assignment=assignment,
        state=state,
        form=form,
        learner=True,
        notice=notice,
        now=now,
        due_hint=_due_hint(state.due_at, now),
        late_policy_text=_late_policy_text(assignment),
        outline_url=_outline_url(item),
        size_limit=format_size(assignment.max_file_bytes),
        upload_limit_bytes=_upload_limit_bytes(assignment),
        request_limit_bytes=int(current_app.config.get("MAX_CONTENT_LENGTH") or 0),
        request_limit=_request_limit() if current_app.config.get("MAX_CONTENT_LENGTH") else "",
    ), status


def _due_hint(due_at, now) -> str:
    if due_at is None:
        return ""
    if due_at > now:
        return _("due %(when)s", when=relative_hint(due_at, now))
    return _("was due %(when)s", when=relative_hint(due_at, now))


def _late_policy_text(assignment) -> str:
    if assignment.late_policy == LatePolicy.CLOSE_AT_DUE.value:
        return _("Submission closes at the due date: nothing can be handed in after it.")
    return _("Work handed in after the due date is accepted and marked late.")


def _locked(item: Item, lock):
    return render_template("assignments/submit/locked.html", item=item, lock=lock,
                           outline_url=_outline_url(item)), 403


# The assignment page ------------------------------------------------------------------


@bp.get("/assignments/<int:item_id>")
@authenticated
def assignment(item_id):
    item = _assignment_item(item_id)
    user = current_user._get_current_object()
    settings = ops.assignment_settings(item)
    if not is_learner(user, item.unit):
        # Trainers and coordinators: what participants are asked for, read-only.
        now = utcnow()
        return render_template(
            "assignments/submit/assignment.html",
            item=item, unit=item.unit, assignment=settings, state=None, form=None, learner=False,
            notice=None, now=now, due_hint=_due_hint(item.due_at, now),
            late_policy_text=_late_policy_text(settings), outline_url=_outline_url(item),
            size_limit=format_size(settings.max_file_bytes),
            grading_url=_grading_url(item, settings) if can_grade(user, settings) else None,
            settings_url=url_for("assignment_settings.edit", item_id=item.id) if can_grade(user, settings) else None,
            hidden_from_participants=not _participant_can_see(item),
        )
    if not _participant_can_see(item):
        abort(404)
    lock = lock_for_user(user, item)
    if lock.is_locked:
        return _locked(item, lock)
    state = ops.participant_state(settings, user)
    return _render_participant(item, state, _new_form(settings, state))


def _handle_post(item_id: int, action: str):
    item = _learner_item(item_id)
    user = current_user._get_current_object()
    lock = lock_for_user(user, item)
    if lock.is_locked:
        return _locked(item, lock)
    settings = ops.assignment_settings(item)
    state = ops.participant_state(settings, user)

    if _too_large():
        # Nothing is saved; what was typed comes back on the form when the body can be read back.
        form, recovered = _recovered_form(settings, state)
        message = _("The files are too large: each may be at most %(size)s, and all of them together "
                    "at most %(total)s.", size=_size_limit(settings), total=_request_limit())
        if "files" in form:
            form.files.errors = [message]
        if "text" not in form:  # files only: nothing typed to lose
            notice = _("Nothing was saved: the files were too large. Choose smaller files and send again.")
        elif recovered:
            notice = _("Nothing was saved: the files were too large. Your text is kept below; "
                       "choose smaller files and send again.")
        elif state.draft is not None:
            notice = _("Nothing was saved: what you sent was too large to be read. "
                       "The text below is your last saved draft.")
        else:
            notice = _("Nothing was saved: what you sent was too large to be read. Your typed text could not be "
                       "recovered; save drafts of long texts often.")
        return _render_participant(item, state, form, status=413, notice=notice)

    form = _posted_form(settings, state)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return render_error(400, _("Your form expired or was sent from elsewhere. "
                                       "Go back, reload the page and try again."))
        return _render_participant(item, state, form)

    token = form.token.data or ""
    if action == "submit":
        previous = ops.version_for_token(token)
        if previous is not None:
            return _duplicate(item, previous)
    if state.closed_reason:
        return _render_participant(item, state, form, notice=state.closed_reason)

    try:
        if action == "draft":
            ops.save_draft(item, user, text=form.text_value, uploads=form.uploads, remove_file_ids=form.removed)
        else:
            result = ops.submit(item, user, token=token, text=form.text_value, uploads=form.uploads,
                                remove_file_ids=form.removed)
        db.session.commit()
    except ops.UploadProblem as problem:
        db.session.rollback()
        if "files" in form:
            form.files.errors = list(problem.messages)
        return _render_participant(item, ops.participant_state(settings, user), form, notice=_(
            "Nothing was saved. Your text is kept below; choose the files again."))
    except ops.NothingToSubmit:
        db.session.rollback()
        target = form.text if "text" in form else form.files
        target.errors = [_("Write your text or attach a file before submitting.")]
        return _render_participant(item, ops.participant_state(settings, user), form)
    except ops.SubmissionRefused as refused:
        db.session.rollback()
        return _render_participant(item, ops.participant_state(settings, user), form, notice=str(refused))
    except IntegrityError:
        # Two requests with the same token at the same moment: the other one won.
        db.session.rollback()
        previous = ops.version_for_token(token) if action == "submit" else None
        if previous is None:
            raise
        return _duplicate(item, previous)

    if action == "draft":
        flash(_("Draft saved. It is not handed in until you submit it."), "success")
        return redirect(url_for("submissions.assignment", item_id=item.id) + "#hand-in")
    version = result.version
    flash(_("Version %(number)d submitted on %(time)s. Receipt: %(receipt)s", number=version.number,
            time=format_instant(version.submitted_at), receipt=version.short_receipt), "success")
    return redirect(url_for("submissions.assignment", item_id=item.id) + f"#version-{version.number}")


def _duplicate(item: Item, version: SubmissionVersion):
    """The form was already submitted (a double click or a retried request): show the first receipt."""
    require(is_submission_member(current_user, version.submission))
    flash(_("This was already submitted as version %(number)d on %(time)s. Receipt: %(receipt)s",
            number=version.number, time=format_instant(version.submitted_at), receipt=version.short_receipt),
          "info")
    return redirect(url_for("submissions.assignment", item_id=item.id) + f"#version-{version.number}")


@bp.post("/assignments/<int:item_id>/draft")
@authenticated
def save_draft(item_id):
    return _handle_post(item_id, "draft")


@bp.post("/assignments/<int:item_id>/submit")
@authenticated
def submit(item_id):
    return _handle_post(item_id, "submit")


@bp.errorhandler(413)
def request_too_large(error):
    """A body larger than the server accepts: the assignment page with the message next to the
    file field (the view runs without reading the body, its access checks included)."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "POST" or request.endpoint not in UPLOAD_ENDPOINTS or view is None:
        return render_error(413)
    g.setdefault(TOO_LARGE, True)
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as refused:
        return render_error(refused.code or 400)
    if response.status_code == 200:
        response.status_code = 413
    return response


# Files ------------------------------------------------------------------------------


@bp.get("/submissions/versions/<int:version_id>/files/<int:file_id>")
@authenticated
def file(version_id, file_id):
    version = db.session.get(SubmissionVersion, version_id)
    if version is None:
        abort(404)
    link = db.session.scalar(
        select(SubmissionFile).where(SubmissionFile.version_id == version.id, SubmissionFile.file_id == file_id)
    )
    if link is None:
        abort(404)
    submission = version.submission
    require(can_view_submission(current_user, submission))
    if version.is_draft:  # a draft is its owners' alone until it is submitted
        require(is_submission_member(current_user, submission))
    return send_stored_file(link.file, inline=False)  # submitted work is always an attachment


@bp.get("/grades/<int:grade_id>/feedback-file")
@authenticated
def feedback_file(grade_id):
    grade = db.session.get(Grade, grade_id)
    if grade is None:
        abort(404)
    submission = grade.submission
    user = current_user._get_current_object()
    graders = can_grade(user, submission.assignment)
    require(graders or is_submission_member(user, submission))
    if not graders and grade.status != GradeStatus.RELEASED.value:
        abort(403)  # nothing of a grade is shown before it is released
    if grade.feedback_file is None:
        abort(404)
    return send_stored_file(grade.feedback_file, inline=False)


# My assignments ---------------------------------------------------------------------


@bp.get("/my/assignments")
@authenticated
def my_assignments():
    rows = ops.my_assignments(current_user._get_current_object())
    return render_template("assignments/submit/my_assignments.html", rows=rows, now=utcnow(),
                           due_hint=_due_hint)
