"""Grading: the queue, the grading page, release, gradebook and CSV export.

Who may do what (record rules, after ``@authenticated``):

* queue, gradebook, CSV: the module's trainers and coordinators (``can_author_module``);
* grading page, release all, submitted files: whoever may grade the assignment (``can_grade``);
* a grade's feedback file is served by ``submissions.feedback_file``.
"""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms.assignments import grading as ops
from lms.assignments.access import can_grade
from lms.assignments.grading_forms import ACTIONS, grade_form
from lms.assignments.models import (
    Assignment,
    GradeStatus,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.core.concurrency import EditConflict, check_version
from lms.core.permissions import authenticated, require
from lms.core.timezones import country_name
from lms.extensions import db
from lms.files.storage import RESOURCE_EXTENSIONS, UploadRejected, UploadRules, save_upload, send_stored_file
from lms.learning.access import can_author_module
from lms.learning.models import Item
from lms.programs.models import Module, Track

bp = Blueprint("grading", __name__)

PREVIEW_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
PREVIEW_FRAME_TYPES = {"application/pdf"}


def _module_or_404(module_id: int) -> Module:
    module = db.session.scalar(
        select(Module).where(Module.id == module_id).options(joinedload(Module.track).joinedload(Track.program))
    )
    if module is None:
        abort(404)
    require(can_author_module(current_user, module))
    return module


def _state_filter() -> str | None:
    state = request.args.get("state") or None
    return state if state in ops.FILTERS else None


# Queue --------------------------------------------------------------------------------------


@bp.get("/modules/<int:module_id>/grading")
@authenticated
def queue(module_id):
    module = _module_or_404(module_id)
    assignments = ops.module_assignments(module.id)
    rows = ops.queue_rows(assignments, module.track.program_id)
    counts = ops.queue_counts(rows)
    assignment_id = request.args.get("assignment", type=int)
    if assignment_id not in {assignment.id for assignment in assignments}:
        assignment_id = None
    state = _state_filter()
    shown = [row for row in rows
             if (assignment_id is None or row.assignment.id == assignment_id) and row.matches(state)]
    return render_template(
        "assignments/grading/queue.html",
        module=module,
        program=module.track.program,
        assignments=assignments,
        counts=counts,
        empty_counts=ops.empty_counts(),
        rows=shown,
        total_rows=len(rows),
        assignment_id=assignment_id,
        state=state,
        filters=ops.FILTERS,
        filter_labels=ops.FILTER_LABELS,
    )


@bp.post("/assignments/<int:assignment_id>/release-grades")
@authenticated
def release_all(assignment_id):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    require(can_grade(current_user, assignment))
    released = ops.release_all(assignment, current_user._get_current_object())
    db.session.commit()
    if released:
        flash(ngettext("%(num)d grade of “%(title)s” released. The participants have been notified.",
                       "%(num)d grades of “%(title)s” released. The participants have been notified.",
                       released, title=assignment.item.title), "success")
    else:
        flash(_("No draft grades to release for “%(title)s”.", title=assignment.item.title), "info")
    module_id = assignment.item.unit.module_id
    if module_id is None:
        return redirect(url_for("home.index"))
    return redirect(url_for("grading.queue", module_id=module_id, assignment=assignment.id))


# Grading page -------------------------------------------------------------------------------


def _load_submission(submission_id: int) -> Submission:
    submission = db.session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(
            joinedload(Submission.assignment).joinedload(Assignment.item).joinedload(Item.unit),
            selectinload(Submission.versions).selectinload(SubmissionVersion.files).joinedload(SubmissionFile.file),
            joinedload(Submission.grade),
        )
    )
    if submission is None:
        abort(404)
    require(can_grade(current_user, submission.assignment))
    return submission


def _upload_rules() -> UploadRules:
    return UploadRules(RESOURCE_EXTENSIONS, current_app.config["RESOURCE_MAX_BYTES"])


OPERATIONS = {"save": ops.save_grade, "release": ops.release_grade, "resubmit": ops.request_resubmission}
SUCCESS = {
    "save": lambda: _("Draft grade saved. The participant sees nothing until you release it."),
    "release": lambda: _("Grade released. The participant has been notified."),
    "resubmit": lambda: _("Resubmission requested. The participant has been notified."),
}


@bp.route("/submissions/<int:submission_id>/grade", methods=["GET", "POST"])
@authenticated
def grade(submission_id):
    submission = _load_submission(submission_id)
    assignment = submission.assignment
    grader = current_user._get_current_object()
    state = _state_filter()
    latest = ops.latest_submitted(submission)
    form = grade_form(assignment, submission.grade)
    conflict = None
    page_errors: list[str] = []

    if latest is not None and form.validate_on_submit():
        action = request.form.get("action")
        if action not in ACTIONS:
            abort(400)
        data = form.grade_input(assignment)
        current = submission.grade
        try:
            if current is not None:
                check_version(current, form.version.data)  # before keeping any upload
            upload = form.feedback_file.data
            if upload is not None and getattr(upload, "filename", ""):
                data.feedback_file_id = save_upload(upload, _upload_rules(), uploaded_by=grader).id
            OPERATIONS[action](submission, data, form.version.data, grader)
            db.session.commit()
            flash(SUCCESS[action](), "success")
            return redirect(url_for("grading.grade", submission_id=submission.id, state=state))
        except UploadRejected as error:
            db.session.rollback()
            form.feedback_file.errors.append(str(error))
        except ops.GradingError as error:
            db.session.rollback()
            if error.field in form:
                form[error.field].errors.append(error.message)
            else:
                page_errors.append(error.message)
        except EditConflict:
            db.session.rollback()
            conflict = True
        except (StaleDataError, IntegrityError):  # saved by someone else between our check and our commit
            db.session.rollback()
            conflict = True
        if conflict:
            db.session.expire_all()
            submission = _load_submission(submission_id)
            assignment = submission.assignment
            conflict = submission.grade
            form.version.data = conflict.version if conflict is not None else ""
            latest = ops.latest_submitted(submission)

    previous, following, _rows = ops.neighbours(submission, state)
    return render_template(
        "assignments/grading/grade.html",
        submission=submission,
        assignment=assignment,
        item=assignment.item,
        module_id=assignment.item.unit.module_id,
        owner=ops.owner_of_submission(submission),
        latest=latest,
        earlier=[version for version in ops.submitted_versions(submission) if latest and version.id != latest.id],
        grade=submission.grade,
        form=form,
        criteria=ops.active_criteria(assignment),
        active_levels=ops.active_levels,
        conflict=conflict,
        conflict_message=EditConflict.message,
        conflict_levels=ops.level_titles(assignment, conflict.rubric_levels) if conflict else [],
        page_errors=page_errors,
        history=ops.history(submission.grade),
        level_titles=ops.level_titles,
        action_labels=ops.ACTION_LABELS,
        status_labels={GradeStatus.DRAFT.value: _("Draft"), GradeStatus.RESUBMIT.value: _("Resubmission requested"),
                       GradeStatus.RELEASED.value: _("Released")},
        current_state=ops.state_of(submission, latest) if latest else None,
        state_labels=ops.STATE_LABELS,
        previous=previous,
        following=following,
        state=state,
        actions={action: action for action in ACTIONS},  # the buttons' machine values
        preview_images=PREVIEW_IMAGE_TYPES,
        preview_frames=PREVIEW_FRAME_TYPES,
    )


# Files --------------------------------------------------------------------------------------


def _frameable(response):
    """Let our own grading page show a PDF in a frame (the site default forbids any framing)."""
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response


@bp.get("/submission-versions/<int:version_id>/grading-files/<int:file_id>")
@authenticated
def file(version_id, file_id):
    """A submitted file, for graders (previewed inline when it is a PDF or an image)."""
    version = db.session.get(SubmissionVersion, version_id)
    if version is None:
        abort(404)
    require(can_grade(current_user, version.submission.assignment))
    if version.submitted_at is None:
        abort(404)
    link = db.session.scalar(
        select(SubmissionFile)
        .where(SubmissionFile.version_id == version.id, SubmissionFile.file_id == file_id)
        .options(joinedload(SubmissionFile.file))
    )
    if link is None:
        abort(404)
    stored = link.file
    if request.args.get("preview") == "1" and stored.content_type in PREVIEW_FRAME_TYPES | PREVIEW_IMAGE_TYPES:
        return _frameable(send_stored_file(stored, inline=True))
    return send_stored_file(stored, inline=False)


# Gradebook ----------------------------------------------------------------------------------


@bp.get("/modules/<int:module_id>/gradebook")
@authenticated
def gradebook(module_id):
    module = _module_or_404(module_id)
    book = ops.gradebook(module)
    return render_template(
        "assignments/grading/gradebook.html",
        module=module,
        program=module.track.program,
        book=book,
        result_labels=ops.RESULT_LABELS,
    )


@bp.get("/modules/<int:module_id>/gradebook.csv")
@authenticated
def gradebook_csv(module_id):
    module = _module_or_404(module_id)
    book = ops.gradebook(module)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(ops.gradebook_csv_rows(book, country_name))
    name = f"gradebook-module-{module.id}.csv"
    return current_app.response_class(
        "\ufeff" + buffer.getvalue(),  # a BOM so that spreadsheet programs read UTF-8 names
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )

