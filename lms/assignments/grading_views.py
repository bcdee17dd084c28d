"""Grading: the queue, the grading page, release, gradebook and CSV export.

Who may do what (record rules, after ``@authenticated``):

* queue, gradebook, CSV of a module: the module's trainers and coordinators (``can_author_module``);
* queue, gradebook, CSV of a program's program-wide units (``module_id`` NULL, e.g. an orientation):
  coordinators (``@coordinator_required``, like authoring those units);
* grading page, release all, submitted files: whoever may grade the assignment (``can_grade``);
* a grade's feedback file is served by ``submissions.feedback_file``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from lms.assignments import grading as ops
from lms.assignments.access import can_grade
from lms.assignments.uploads import request_limit_bytes, trusted_typed_fields
from lms.assignments.grading_forms import ACTIONS, grade_form
from lms.assignments.models import (
    Assignment,
    GradeStatus,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from lms.core.concurrency import EditConflict, check_version
from lms.core.errors import render_error
from lms.core.permissions import authenticated, coordinator_required, require
from lms.core.timezones import country_name
from lms.extensions import db
from lms.files.storage import RESOURCE_EXTENSIONS, UploadRejected, UploadRules, save_upload, send_stored_file
from lms.learning.access import can_author_module
from lms.learning.authoring import Scope, format_size
from lms.learning.models import Item
from lms.programs.models import Module, Program, Track

bp = Blueprint("grading", __name__)

PREVIEW_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
PREVIEW_FRAME_TYPES = {"application/pdf"}


@dataclass(frozen=True)
class GradingPages:
    """Where the queue and the gradebook are: a module, or the program-wide units of a program.

    The templates read the title, breadcrumbs and addresses from here, so that one queue and one
    gradebook serve both."""

    program: Program
    module: Module | None = None

    @classmethod
    def of_unit(cls, unit) -> GradingPages:
        return cls(unit.program, unit.module)

    @property
    def scope(self) -> Scope:
        return Scope(self.program.id, self.module.id if self.module is not None else None)

    @property
    def title(self) -> str:
        return self.module.display_title if self.module is not None else _("Program-wide units")

    @property
    def subtitle(self) -> str:
        place = self.module.title if self.module is not None else _("Program-wide units")
        return f"{place} · {self.program.name}"

    @property
    def crumbs(self) -> list[tuple[str, str]]:
        crumbs = [(_("Home"), url_for("home.index"))]
        if self.module is not None:
            crumbs.append((self.module.display_title, url_for("programs.module_detail", module_id=self.module.id)))
        else:
            crumbs += [(self.program.name, url_for("programs.program_detail", program_id=self.program.id)),
                       (_("Program-wide content"), url_for("authoring.program_content", program_id=self.program.id))]
        return crumbs

    def queue_url(self, **args) -> str:
        args = {key: value for key, value in args.items() if value is not None}
        if self.module is not None:
            return url_for("grading.queue", module_id=self.module.id, **args)
        return url_for("grading.program_queue", program_id=self.program.id, **args)

    def gradebook_url(self) -> str:
        if self.module is not None:
            return url_for("grading.gradebook", module_id=self.module.id)
        return url_for("grading.program_gradebook", program_id=self.program.id)

    def csv_url(self) -> str:
        if self.module is not None:
            return url_for("grading.gradebook_csv", module_id=self.module.id)
        return url_for("grading.program_gradebook_csv", program_id=self.program.id)

    def progress_url(self) -> str | None:
        """The module's progress grid (program-wide units have none)."""
        return url_for("learning.progress_grid", module_id=self.module.id) if self.module is not None else None

    @property
    def no_assignments_text(self) -> str:
        if self.module is not None:
            return _("This module has no assignments yet.")
        return _("The program-wide units have no assignments yet.")

    @property
    def no_participants_text(self) -> str:
        if self.module is not None:
            return _("No participants are following this module yet.")
        return _("This program has no participants following the online segment yet.")

    @property
    def csv_name(self) -> str:
        if self.module is not None:
            return f"gradebook-module-{self.module.id}.csv"
        return f"gradebook-program-{self.program.id}-program-wide.csv"


def _module_or_404(module_id: int) -> Module:
    module = db.session.scalar(
        select(Module).where(Module.id == module_id).options(joinedload(Module.track).joinedload(Track.program))
    )
    if module is None:
        abort(404)
    require(can_author_module(current_user, module))
    return module


def _module_pages(module_id: int) -> GradingPages:
    module = _module_or_404(module_id)
    return GradingPages(module.track.program, module)


def _program_pages(program_id: int) -> GradingPages:
    """The program-wide units' pages (the view is ``@coordinator_required``, like authoring them)."""
    program = db.session.get(Program, program_id)
    if program is None:
        abort(404)
    return GradingPages(program)


def _state_filter() -> str | None:
    state = request.args.get("state") or None
    return state if state in ops.FILTERS else None


# Queue --------------------------------------------------------------------------------------


def _render_queue(pages: GradingPages):
    assignments = ops.scope_assignments(pages.scope)
    rows = ops.queue_rows(assignments, pages.program.id)
    counts = ops.queue_counts(rows)
    assignment_id = request.args.get("assignment", type=int)
    if assignment_id not in {assignment.id for assignment in assignments}:
        assignment_id = None
    state = _state_filter()
    shown = [row for row in rows
             if (assignment_id is None or row.assignment.id == assignment_id) and row.matches(state)]
    return render_template(
        "assignments/grading/queue.html",
        pages=pages,
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


@bp.get("/modules/<int:module_id>/grading")
@authenticated
def queue(module_id):
    return _render_queue(_module_pages(module_id))


@bp.get("/programs/<int:program_id>/grading")
@coordinator_required
def program_queue(program_id):
    """The queue of the program-wide units' assignments (every participant of the program takes them)."""
    return _render_queue(_program_pages(program_id))


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
    unit = assignment.item.unit
    if unit.module_id is None:
        return redirect(url_for("grading.program_queue", program_id=unit.program_id, assignment=assignment.id))
    return redirect(url_for("grading.queue", module_id=unit.module_id, assignment=assignment.id))


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


def _feedback_limit_bytes() -> int:
    """The largest feedback file that can get through: the file limit or the request limit."""
    limits = [int(current_app.config["RESOURCE_MAX_BYTES"])]
    if request_limit_bytes():
        limits.append(request_limit_bytes())
    return min(limits)


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
    too_large = request.method == "POST" and bool(g.get(TOO_LARGE))
    if too_large:
        # Nothing is saved; the comments and levels come back as typed when the body can be read.
        fields = trusted_typed_fields()
        form = grade_form(assignment, submission.grade, formdata=fields)  # empty: the saved grade
    else:
        form = grade_form(assignment, submission.grade)
    conflict = None
    page_errors: list[str] = []
    if too_large:
        form.feedback_file.errors = [_("The file is too large: at most %(size)s.",
                                       size=format_size(_feedback_limit_bytes()))]
        page_errors.append(_("Nothing was saved: the feedback file was too large. What you typed is kept below; "
                             "choose a smaller file or save without one."))

    if latest is not None and not too_large and form.validate_on_submit():
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

    status = 413 if too_large else 200
    previous, following, rows = ops.neighbours(submission, state)
    ids = [row.submission.id for row in rows]
    position = (ids.index(submission.id) + 1, len(ids)) if submission.id in ids else None
    return render_template(
        "assignments/grading/grade.html",
        submission=submission,
        assignment=assignment,
        item=assignment.item,
        pages=GradingPages.of_unit(assignment.item.unit),
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
        position=position,
        state=state,
        actions={action: action for action in ACTIONS},  # the buttons' machine values
        preview_images=PREVIEW_IMAGE_TYPES,
        preview_frames=PREVIEW_FRAME_TYPES,
        feedback_limit_bytes=_feedback_limit_bytes(),
        feedback_limit=format_size(_feedback_limit_bytes()),
    ), status


TOO_LARGE = "grading_request_too_large"


@bp.errorhandler(413)
def request_too_large(error):
    """A grading form with a feedback file larger than the server accepts: the grading page again,
    the message next to the file field and what was typed kept (the view's access checks run)."""
    if request.method != "POST" or request.endpoint != "grading.grade":
        return render_error(413)
    g.setdefault(TOO_LARGE, True)
    try:
        return current_app.make_response(grade(**(request.view_args or {})))
    except HTTPException as refused:
        return render_error(refused.code or 400)


# Files --------------------------------------------------------------------------------------


def _frameable(response):
    """Let our own grading page show a PDF in a frame (the site default forbids any framing).

    The file itself may load nothing and run nothing of ours (``default-src 'none'``); the browser's
    own PDF viewer still shows it. No ``sandbox``: browsers refuse to show a PDF in a sandbox."""
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
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


def _render_gradebook(pages: GradingPages):
    return render_template(
        "assignments/grading/gradebook.html",
        pages=pages,
        book=ops.gradebook(pages.scope),
        result_labels=ops.RESULT_LABELS,
    )


def _gradebook_csv(pages: GradingPages):
    book = ops.gradebook(pages.scope)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(ops.gradebook_csv_rows(book, country_name))
    return current_app.response_class(
        "\ufeff" + buffer.getvalue(),  # a BOM so that spreadsheet programs read UTF-8 names
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{pages.csv_name}"', "Cache-Control": "no-store"},
    )


@bp.get("/modules/<int:module_id>/gradebook")
@authenticated
def gradebook(module_id):
    return _render_gradebook(_module_pages(module_id))


@bp.get("/modules/<int:module_id>/gradebook.csv")
@authenticated
def gradebook_csv(module_id):
    return _gradebook_csv(_module_pages(module_id))


@bp.get("/programs/<int:program_id>/gradebook")
@coordinator_required
def program_gradebook(program_id):
    """Every participant of the program by the program-wide units' assignments."""
    return _render_gradebook(_program_pages(program_id))


@bp.get("/programs/<int:program_id>/gradebook.csv")
@coordinator_required
def program_gradebook_csv(program_id):
    return _gradebook_csv(_program_pages(program_id))


# Links from other pages -------------------------------------------------------------------------


@bp.app_template_global()
def program_wide_grading(program_id: int):
    """For the program's pages: None when its program-wide units have no assignment, otherwise the
    number of assignments and of submissions to grade (links to the program-wide queue show then)."""
    if not (current_user.is_authenticated and current_user.is_coordinator):
        return None
    return ops.program_wide_grading(program_id)
