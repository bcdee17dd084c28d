"""Assignment settings for trainers: points, rubric, submission rules, late policy, extensions.

Access (every page): ``authenticated``, then the record rule ``can_grade`` — the
module's trainers and the coordinators (program-wide units: coordinators).
Anyone else gets 403; an item that is not an assignment is 404. Every change
is a POST; nothing is deleted (criteria are archived, extensions revoked).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from lms.assignments import settings as ops
from lms.assignments.access import can_grade
from lms.assignments.models import Assignment, Extension, RubricCriterion
from lms.assignments.operations import assignment_for_item
from lms.assignments.settings_forms import AssignmentSettingsForm, CriterionForm, ExtensionForm
from lms.core.concurrency import EditConflict
from lms.core.permissions import authenticated, require
from lms.core.timezones import format_instant, viewer_timezone
from lms.extensions import db
from lms.learning.models import Item, ItemKind

bp = Blueprint("assignment_settings", __name__)


# Helpers ------------------------------------------------------------------------------------


def _assignment(item_id: int) -> Assignment:
    """The assignment of an assignment item (404 otherwise), for those who may grade it (403 otherwise).

    The settings row is created with defaults on the first POST; a GET only shows the defaults."""
    item = db.session.get(Item, item_id)
    if item is None or item.kind != ItemKind.ASSIGNMENT.value:
        abort(404)
    if request.method == "GET":
        assignment = ops.existing_assignment(item) or ops.unsaved_assignment(item)
    else:
        assignment = assignment_for_item(item)
    require(can_grade(current_user, assignment))
    return assignment


def _criterion(criterion_id: int) -> RubricCriterion:
    criterion = db.session.get(RubricCriterion, criterion_id)
    if criterion is None:
        abort(404)
    require(can_grade(current_user, criterion.assignment))
    return criterion


def _context(assignment: Assignment, tab: str) -> dict:
    item = assignment.item
    unit = item.unit
    return {"assignment": assignment, "item": item, "unit": unit, "module": unit.module,
            "program": unit.program, "tab": tab}


def _rubric_url(assignment: Assignment, anchor: str | None = None, **args) -> str:
    url = url_for("assignment_settings.rubric", item_id=assignment.item_id, **args)
    return f"{url}#{anchor}" if anchor else url


def _commit_list_change() -> bool:
    """Commit an archive, restore, move or revoke; False (flashed) if it collided with another save."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this at the same moment, so nothing was changed. Check and try again."),
              "error")
        return False
    return True


# Settings -----------------------------------------------------------------------------------


def _saved_values(assignment: Assignment) -> list[tuple[str, str]]:
    """The settings someone else saved, shown beside an edit conflict."""
    yes_no = {True: _("Yes"), False: _("No")}
    return [
        (_("Points"), str(assignment.points)),
        (_("Pass mark (points)"), str(assignment.pass_points)),
        (_("Text typed on the page"), yes_no[bool(assignment.allow_text)]),
        (_("Uploaded files"), yes_no[bool(assignment.allow_files)]),
        (_("Allowed file types"), ", ".join(ext.upper() for ext in assignment.allowed_extensions or []) or "—"),
        (_("Largest file (MB)"), str(max(1, (assignment.max_file_bytes or 0) // ops.MB))),
        (_("Most files per submission"), str(assignment.max_files)),
        (_("Who submits"), _("Group") if assignment.group_submission else _("Individual")),
        (_("Late work"), ops.late_policy_label(assignment.late_policy)),
    ]


@bp.route("/assignments/<int:item_id>/settings", methods=["GET", "POST"])
@authenticated
def edit(item_id):
    assignment = _assignment(item_id)
    max_mb = ops.max_upload_mb()
    if request.method == "POST":
        form = AssignmentSettingsForm(max_mb=max_mb)
    else:
        form = AssignmentSettingsForm(formdata=None, data=AssignmentSettingsForm.initial_data(assignment),
                                      max_mb=max_mb)
    conflict = None
    if form.validate_on_submit():
        try:
            ops.update_settings(assignment, form.settings_data(), form.version.data)
            db.session.commit()
        except ops.SettingsError as error:
            db.session.rollback()
            if error.field == "allow_text":
                form.submission_errors.append(error.message)
            else:
                target = "submission_mode" if error.field == "group_submission" else error.field
                form[target].errors = list(form[target].errors) + [error.message]
        except (EditConflict, StaleDataError):
            db.session.rollback()
            assignment = _assignment(item_id)
            db.session.refresh(assignment)
            conflict = assignment
            form.version.data = assignment.version
        else:
            flash(_("Settings of “%(title)s” saved.", title=assignment.item.title), "success")
            return redirect(url_for("assignment_settings.edit", item_id=item_id))
    return render_template(
        "assignments/settings/edit.html",
        form=form, conflict=conflict, conflict_message=EditConflict.message,
        saved=_saved_values(conflict) if conflict is not None else None,
        submissions=ops.submission_count(assignment),
        group_count=len(ops.program_groups(assignment)),
        **_context(assignment, "settings"),
    )


# Rubric -------------------------------------------------------------------------------------


@bp.get("/assignments/<int:item_id>/rubric")
@authenticated
def rubric(item_id):
    assignment = _assignment(item_id)
    criteria = ops.criteria_of(assignment)
    show_archived = request.args.get("archived") == "1"
    active = [c for c in criteria if c.archived_at is None]
    archived = [c for c in criteria if c.archived_at is not None]
    return render_template(
        "assignments/settings/rubric.html",
        active=active, archived=archived, show_archived=show_archived,
        max_total=ops.rubric_max_total(criteria),
        active_levels=ops.active_levels, criterion_max=ops.criterion_max,
        **_context(assignment, "rubric"),
    )


def _render_criterion_form(assignment, form, criterion=None):
    return render_template("assignments/settings/criterion_form.html", form=form, criterion=criterion,
                           max_levels=ops.MAX_LEVELS, **_context(assignment, "rubric"))


def _save_criterion(form, action) -> RubricCriterion | None:
    try:
        criterion = action()
        db.session.commit()
        return criterion
    except ops.SettingsError as error:
        db.session.rollback()
        form.levels_errors.append(error.message)
        return None


@bp.route("/assignments/<int:item_id>/rubric/new", methods=["GET", "POST"])
@authenticated
def add_criterion(item_id):
    assignment = _assignment(item_id)
    form = CriterionForm(max_points=assignment.points)
    if form.validate_on_submit():
        criterion = _save_criterion(form, lambda: ops.create_criterion(assignment, form.criterion_data()))
        if criterion is not None:
            flash(_("Criterion “%(title)s” added.", title=criterion.title), "success")
            return redirect(_rubric_url(assignment, f"criterion-{criterion.id}"))
    return _render_criterion_form(assignment, form)


@bp.route("/assignments/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@authenticated
def edit_criterion(criterion_id):
    criterion = _criterion(criterion_id)
    assignment = criterion.assignment
    if request.method == "POST":
        form = CriterionForm(max_points=assignment.points)
    else:
        form = CriterionForm(formdata=None, max_points=assignment.points,
                             data=CriterionForm.initial_data(criterion, ops.active_levels(criterion)))
    if form.validate_on_submit():
        saved = _save_criterion(form, lambda: ops.update_criterion(criterion, form.criterion_data()))
        if saved is not None:
            flash(_("Criterion “%(title)s” saved.", title=saved.title), "success")
            return redirect(_rubric_url(assignment, f"criterion-{saved.id}"))
    return _render_criterion_form(assignment, form, criterion)


@bp.post("/assignments/criteria/<int:criterion_id>/archive")
@authenticated
def archive_criterion(criterion_id):
    criterion = _criterion(criterion_id)
    if ops.archive_criterion(criterion) and _commit_list_change():
        flash(_("Criterion “%(title)s” archived: new grades no longer use it; grades already given keep it. "
                "You can restore it.", title=criterion.title), "success")
    return redirect(_rubric_url(criterion.assignment))


@bp.post("/assignments/criteria/<int:criterion_id>/restore")
@authenticated
def restore_criterion(criterion_id):
    criterion = _criterion(criterion_id)
    if ops.restore_criterion(criterion) and _commit_list_change():
        flash(_("Criterion “%(title)s” restored at the end of the rubric.", title=criterion.title), "success")
    return redirect(_rubric_url(criterion.assignment, f"criterion-{criterion.id}"))


@bp.post("/assignments/criteria/<int:criterion_id>/move")
@authenticated
def move_criterion(criterion_id):
    criterion = _criterion(criterion_id)
    direction = request.form.get("direction")
    if direction not in (ops.UP, ops.DOWN):
        abort(400)
    if ops.move_criterion(criterion, direction):
        _commit_list_change()
    return redirect(_rubric_url(criterion.assignment, f"criterion-{criterion.id}"))


# Extensions ---------------------------------------------------------------------------------


@bp.route("/assignments/<int:item_id>/extensions", methods=["GET", "POST"])
@authenticated
def extensions(item_id):
    assignment = _assignment(item_id)
    enrolments = ops.participant_enrolments(assignment)
    groups = ops.program_groups(assignment)
    form = ExtensionForm(
        zone=viewer_timezone(),
        participants=[(e.user_id, e.user.name) for e in enrolments],
        groups=[(g.id, g.name) for g in groups],
    )
    if form.validate_on_submit():
        try:
            extension = ops.grant_extension(
                assignment, user_id=form.user_id.data, group_id=form.group_id.data, due_at=form.due_at_utc(),
                reason=form.reason.data, granted_by=current_user,
            )
            db.session.commit()
        except ops.SettingsError as error:
            db.session.rollback()
            form[error.field].errors = list(form[error.field].errors) + [error.message]
        else:
            flash(_("Extension granted until %(date)s.", date=format_instant(extension.due_at)), "success")
            return redirect(url_for("assignment_settings.extensions", item_id=item_id))
    rows = ops.extension_rows(assignment)
    return render_template(
        "assignments/settings/extensions.html",
        form=form,
        active_rows=[row for row in rows if row.is_active],
        revoked_rows=[row for row in rows if not row.is_active],
        due_rows=ops.effective_due_rows(assignment, enrolments, rows),
        **_context(assignment, "extensions"),
    )


@bp.post("/assignments/extensions/<int:extension_id>/revoke")
@authenticated
def revoke_extension(extension_id):
    extension = db.session.get(Extension, extension_id)
    if extension is None:
        abort(404)
    require(can_grade(current_user, extension.assignment))
    if ops.revoke_extension(extension) and _commit_list_change():
        flash(_("Extension revoked: the usual due date applies again (it stays in the list below)."), "success")
    return redirect(url_for("assignment_settings.extensions", item_id=extension.assignment.item_id))
