"""Outputs (participants and their groups) and the program showcase.

Access:

* ``mine`` (GET): the program's participants (any learning status: their own
  and their group's outputs) and coordinators (every output of the program).
* ``new`` (GET, POST): the program's participants.
* ``edit``, ``publish``, ``unpublish`` (POST for the last two): the output's
  authors (its participant, or any member of its group) and coordinators.
* ``showcase`` (GET, public): the program's members (participants, trainers of
  its modules, coordinators); everyone once a coordinator published it.
  Otherwise anonymous visitors are sent to the login page, others get 403.
* ``file`` (GET, public): a file of an output, for its authors and
  coordinators, and for whoever may see the showcase once the output is on it.
* ``edit_showcase``, ``publish_showcase``, ``unpublish_showcase``, ``hide``,
  ``restore``: coordinators.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from wtforms.fields.choices import SelectChoice

from lms.core.concurrency import EditConflict
from lms.core.errors import render_error
from lms.core.permissions import authenticated, coordinator_required, public, require
from lms.extensions import db
from lms.files.storage import send_stored_file
from lms.learning.authoring import format_size
from lms.outputs import operations as ops
from lms.outputs.access import (
    can_create_output,
    can_download_output_file,
    can_edit_output,
    can_moderate_showcase,
    can_view_outputs_page,
    can_view_showcase,
    participant_enrolment,
    showcase_is_public,
)
from lms.outputs.forms import IntroductionForm, OutputForm
from lms.outputs.models import Output, OutputFile
from lms.programs.models import Group, Program

bp = Blueprint("outputs", __name__)

# Set (in the request's environ) when its body was larger than the limit (see ``request_too_large``).
TOO_LARGE = "lms.outputs.request_too_large"
UPLOAD_ENDPOINTS = {"outputs.new", "outputs.edit"}


@bp.app_template_filter("output_kind")
def output_kind_filter(kind):
    return ops.kind_label(kind)


@bp.url_value_preprocessor
def _allow_large_uploads(endpoint, values):
    """Outputs are films and books: their forms accept larger bodies than the rest of the site.
    Set before anything reads the body (the CSRF check does, right after this)."""
    if request.method == "POST" and endpoint in UPLOAD_ENDPOINTS and current_user.is_authenticated:
        request.max_content_length = ops.request_limit_bytes()


# Helpers ------------------------------------------------------------------------------


def _output_or_404(output_id: int) -> Output:
    output = db.session.get(Output, output_id)
    if output is None:
        abort(404)
    return output


def _refuse():
    """Anonymous visitors sign in first; signed-in people without access get 403."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    abort(403)


def _too_large() -> bool:
    return bool(request.environ.get(TOO_LARGE))


def _size_limit() -> str:
    return format_size(ops.max_file_bytes())


def _too_large_message() -> str:
    return _("What you sent is larger than %(limit)s in all. Send large files one at a time.",
             limit=format_size(ops.request_limit_bytes()))


def _types() -> str:
    return ", ".join(sorted(ops.OUTPUT_EXTENSIONS))


def _csrf_failed(form) -> bool:
    return bool(form.csrf_token.errors)


def _expired_form():
    return render_error(400, _("Your form expired or was sent from elsewhere. Go back, reload the page and try again."))


def _render_form(program: Program, form: OutputForm, *, output: Output | None = None, status: int = 200,
                 notice: str | None = None, conflict: Output | None = None, group: Group | None = None):
    return render_template(
        "outputs/form.html",
        program=program,
        form=form,
        output=output,
        group=group,
        notice=notice,
        conflict=conflict,
        conflict_message=EditConflict.message,
        size_limit=_size_limit(),
        types=_types(),
        max_file_bytes=ops.max_file_bytes(),
        max_files=ops.MAX_FILES,
    ), status


def _fill(form: OutputForm, output: Output) -> None:
    form.kind.data = output.kind
    form.title.data = output.title
    form.description.data = output.description or ""
    form.link_url.data = output.link_url or ""
    form.version.data = output.version


def _apply_refusal(form: OutputForm, refused: ops.OutputRefused) -> str | None:
    """Put the message next to its field; returns it when no field takes it."""
    if refused.field and refused.field in form:
        form[refused.field].errors = [*form[refused.field].errors, str(refused)]
        return None
    return str(refused)


# Outputs ------------------------------------------------------------------------------


@bp.get("/programs/<int:program_id>/outputs")
@authenticated
def mine(program_id):
    program = db.get_or_404(Program, program_id)
    user = current_user._get_current_object()
    require(can_view_outputs_page(user, program.id))
    enrolment = participant_enrolment(user, program.id)
    if user.is_coordinator:
        entries = ops.program_outputs(program.id)
    else:
        entries = ops.participant_outputs(enrolment)
    showcase = ops.showcase_of(program.id)
    return render_template(
        "outputs/mine.html",
        program=program,
        entries=entries,
        enrolment=enrolment,
        coordinator_view=user.is_coordinator,
        can_create=enrolment is not None,
        showcase_public=showcase_is_public(showcase),
    )


@bp.route("/programs/<int:program_id>/outputs/new", methods=["GET", "POST"])
@authenticated
def new(program_id):
    program = db.get_or_404(Program, program_id)
    user = current_user._get_current_object()
    enrolment = participant_enrolment(user, program.id)
    require(enrolment is not None)
    group = enrolment.group

    if _too_large():
        form = OutputForm(formdata=None)
        form.configure(group=group, creating=True)
        form.files.errors = [_too_large_message()]
        return _render_form(program, form, group=group, status=413, notice=_(
            "Nothing was saved: what you sent was too large to be read, so what you typed could not be "
            "recovered. Send large files one at a time."))

    form = OutputForm()
    form.configure(group=group, creating=True)
    if request.method == "GET":
        return _render_form(program, form, group=group)
    if not form.validate_on_submit():
        if _csrf_failed(form):
            return _expired_form()
        return _render_form(program, form, group=group)
    try:
        output = ops.create_output(enrolment, user, for_group=form.for_group, kind=form.kind.data,
                                   title=form.title.data, description=form.description.data,
                                   link_url=form.link_url.data, uploads=form.uploads)
        publish = request.form.get("publish") == "1"
        published = publish and ops.has_content(output) and ops.publish_output(output, user)
        db.session.commit()
    except ops.UploadProblem as problem:
        db.session.rollback()
        form.files.errors = list(problem.messages)
        return _render_form(program, form, group=group, notice=_(
            "Nothing was saved. What you typed is kept below; choose the files again."))
    except ops.OutputRefused as refused:
        db.session.rollback()
        return _render_form(program, form, group=group, notice=_apply_refusal(form, refused))
    _flash_saved(output, publish, published)
    return redirect(url_for("outputs.mine", program_id=program.id) + f"#output-{output.id}")


def _flash_saved(output: Output, publish: bool, published: bool) -> None:
    if published:
        flash(_("“%(title)s” is saved and published on the program's showcase.", title=output.title), "success")
    elif publish and not output.is_published:
        flash(_("“%(title)s” is saved as a draft. Add a description, a file or a link before publishing.",
                title=output.title), "warning")
    elif output.is_published:
        flash(_("“%(title)s” is saved. It is published: the showcase shows the new version.",
                title=output.title), "success")
    else:
        flash(_("“%(title)s” is saved as a draft. Only its authors and the program office see it.",
                title=output.title), "success")


@bp.route("/outputs/<int:output_id>/edit", methods=["GET", "POST"])
@authenticated
def edit(output_id):
    output = _output_or_404(output_id)
    user = current_user._get_current_object()
    require(can_edit_output(user, output))
    program = output.program

    if _too_large():
        form = OutputForm(formdata=None)
        form.configure(creating=False, output=output)
        _fill(form, output)
        form.files.errors = [_too_large_message()]
        return _render_form(program, form, output=output, status=413, notice=_(
            "Nothing was saved: what you sent was too large to be read. The form shows the last saved "
            "version. Send large files one at a time."))

    form = OutputForm()
    form.configure(creating=False, output=output)
    if request.method == "GET":
        _fill(form, output)
        return _render_form(program, form, output=output)
    if not form.validate_on_submit():
        if _csrf_failed(form):
            return _expired_form()
        return _render_form(program, form, output=output)
    publish = request.form.get("publish") == "1"
    try:
        ops.update_output(output, user, version=form.version.data, kind=form.kind.data, title=form.title.data,
                          description=form.description.data, link_url=form.link_url.data,
                          uploads=form.uploads, remove_file_ids=form.removed)
        published = publish and ops.has_content(output) and ops.publish_output(output, user)
        db.session.commit()
    except (EditConflict, StaleDataError):
        db.session.rollback()
        db.session.refresh(output)
        form.version.data = output.version  # saving again overwrites knowingly
        return _render_form(program, _reconfigured(form, output), output=output, conflict=output, status=409,
                            notice=_("Nothing was saved. Files you chose were not kept: choose them again."))
    except ops.UploadProblem as problem:
        db.session.rollback()
        form.files.errors = list(problem.messages)
        return _render_form(program, form, output=output, notice=_(
            "Nothing was saved. What you typed is kept below; choose the files again."))
    except ops.OutputRefused as refused:
        db.session.rollback()
        return _render_form(program, form, output=output, notice=_apply_refusal(form, refused))
    _flash_saved(output, publish, published)
    return redirect(url_for("outputs.mine", program_id=program.id) + f"#output-{output.id}")


def _reconfigured(form: OutputForm, output: Output) -> OutputForm:
    """After a conflict: the files offered for removal are those saved now."""
    current = output.current_files
    if current:
        if "remove_files" not in form:
            return form  # files were added by the other save; they show in the saved version above
        form.remove_files.choices = [SelectChoice(link.file_id, link.file.original_name) for link in current]
        form.remove_files.data = [value for value in (form.remove_files.data or [])
                                  if value in {link.file_id for link in current}]
    return form


@bp.post("/outputs/<int:output_id>/publish")
@authenticated
def publish(output_id):
    output = _output_or_404(output_id)
    user = current_user._get_current_object()
    require(can_edit_output(user, output))
    try:
        changed = ops.publish_output(output, user)
        db.session.commit()
    except ops.OutputRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("outputs.edit", output_id=output.id))
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this output at the same moment. Check it and try again."), "error")
        return redirect(url_for("outputs.mine", program_id=output.program_id) + f"#output-{output.id}")
    if changed:
        if output.archived_at is not None:
            flash(_("“%(title)s” is published, but the program office took it off the showcase.",
                    title=output.title), "warning")
        else:
            flash(_("“%(title)s” is published on the program's showcase.", title=output.title), "success")
    return redirect(url_for("outputs.mine", program_id=output.program_id) + f"#output-{output.id}")


@bp.post("/outputs/<int:output_id>/unpublish")
@authenticated
def unpublish(output_id):
    output = _output_or_404(output_id)
    user = current_user._get_current_object()
    require(can_edit_output(user, output))
    try:
        changed = ops.unpublish_output(output, user)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this output at the same moment. Check it and try again."), "error")
        changed = False
    if changed:
        flash(_("“%(title)s” is a draft again: it is no longer on the showcase.", title=output.title), "success")
    return redirect(url_for("outputs.mine", program_id=output.program_id) + f"#output-{output.id}")


@bp.errorhandler(413)
def request_too_large(error):
    """A body larger than accepted: the form with the message next to the file field (the view runs
    without reading the body, its access checks included)."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "POST" or request.endpoint not in UPLOAD_ENDPOINTS or view is None:
        return render_error(413)
    request.environ[TOO_LARGE] = True
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as refused:
        return render_error(refused.code or 400)
    if response.status_code == 200:
        response.status_code = 413
    return response


# Files --------------------------------------------------------------------------------


@bp.get("/outputs/<int:output_id>/files/<int:file_id>")
@public
def file(output_id, file_id):
    output = _output_or_404(output_id)
    link = db.session.scalar(
        select(OutputFile).where(OutputFile.output_id == output.id, OutputFile.file_id == file_id)
    )
    if link is None:
        abort(404)
    user = current_user
    if not can_download_output_file(user, output, ops.showcase_of(output.program_id)):
        return _refuse()
    if link.removed_at is not None and not can_edit_output(user, output):
        abort(404)  # removed files are kept for the authors, no longer shown to others
    return send_stored_file(link.file, inline=False)


# The showcase -------------------------------------------------------------------------


@bp.get("/programs/<int:program_id>/showcase")
@public
def showcase(program_id):
    program = db.get_or_404(Program, program_id)
    record = ops.showcase_of(program.id)
    user = current_user
    if not can_view_showcase(user, program.id, record):
        return _refuse()
    by = request.args.get("by")
    by = by if by in ops.GROUPINGS else "module"
    moderate = can_moderate_showcase(user)
    view = ops.showcase_view(program.id, by=by, include_hidden=moderate)
    return render_template(
        "outputs/showcase.html",
        program=program,
        showcase=record,
        view=view,
        by=by,
        is_public=showcase_is_public(record),
        moderate=moderate,
        participant=can_create_output(user, program.id),
    )


@bp.route("/programs/<int:program_id>/showcase/introduction", methods=["GET", "POST"])
@coordinator_required
def edit_showcase(program_id):
    program = db.get_or_404(Program, program_id)
    record = ops.showcase_of(program.id)
    form = IntroductionForm()
    conflict = None
    if request.method == "GET":
        form.introduction.data = record.introduction if record else ""
        form.version.data = record.version if record else ""
    elif form.validate_on_submit():
        try:
            ops.save_introduction(program.id, form.introduction.data, form.version.data, current_user)
            db.session.commit()
            flash(_("The showcase's introduction is saved."), "success")
            return redirect(url_for("outputs.showcase", program_id=program.id))
        except (EditConflict, StaleDataError):
            db.session.rollback()
            conflict = ops.showcase_of(program.id)
            db.session.refresh(conflict)
            form.version.data = conflict.version
    elif _csrf_failed(form):
        return _expired_form()
    return render_template("outputs/introduction.html", program=program, form=form, conflict=conflict,
                           conflict_message=EditConflict.message), 409 if conflict is not None else 200


@bp.post("/programs/<int:program_id>/showcase/publish")
@coordinator_required
def publish_showcase(program_id):
    program = db.get_or_404(Program, program_id)
    if ops.publish_showcase(program.id, current_user._get_current_object()):
        flash(_("The showcase is public: anyone with its address can see the published outputs."), "success")
    db.session.commit()
    return redirect(url_for("outputs.showcase", program_id=program.id))


@bp.post("/programs/<int:program_id>/showcase/unpublish")
@coordinator_required
def unpublish_showcase(program_id):
    program = db.get_or_404(Program, program_id)
    if ops.unpublish_showcase(program.id, current_user._get_current_object()):
        flash(_("The showcase is no longer public: only the program's members can see it."), "success")
    db.session.commit()
    return redirect(url_for("outputs.showcase", program_id=program.id))


@bp.post("/outputs/<int:output_id>/hide")
@coordinator_required
def hide(output_id):
    output = _output_or_404(output_id)
    reason = (request.form.get("reason") or "").strip()[:1000]
    if ops.hide_output(output, current_user._get_current_object(), reason):
        flash(_("“%(title)s” is off the showcase. Its authors were told; you can restore it.",
                title=output.title), "success")
    db.session.commit()
    return redirect(url_for("outputs.showcase", program_id=output.program_id) + "#hidden")


@bp.post("/outputs/<int:output_id>/restore")
@coordinator_required
def restore(output_id):
    output = _output_or_404(output_id)
    if ops.restore_output(output, current_user._get_current_object()):
        flash(_("“%(title)s” is back on the showcase (when its authors publish it).", title=output.title),
              "success")
    db.session.commit()
    return redirect(url_for("outputs.showcase", program_id=output.program_id) + f"#output-{output.id}")
