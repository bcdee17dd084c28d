"""Authoring pages for trainers and coordinators: units and items.

Who may author: a module's units and items, its trainers and coordinators
(``can_author_module`` / ``can_author_unit``); program-wide units, the
coordinators only. Every change is a POST; nothing is deleted (archive and
restore). Views stay thin: validate the form, call ``authoring``, commit,
then redirect (or re-render the form with the messages next to the fields).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from lms.core.concurrency import EditConflict
from lms.core.errors import render_error
from lms.core.markdown import render_markdown
from lms.core.permissions import authenticated, coordinator_required, require
from lms.core.timezones import format_instant, viewer_timezone
from lms.extensions import db
from lms.learning import authoring as ops
from lms.learning.access import can_author_module, can_author_unit
from lms.learning.authoring import AuthoringError, Scope
from lms.learning.embeds import embed_provider
from lms.learning.forms import ITEM_FORMS, ImageForm, UnitForm
from lms.learning.models import Item, ItemKind, Unit
from lms.programs.models import Module, Program

bp = Blueprint("authoring", __name__)

# Set when the request body was larger than MAX_CONTENT_LENGTH (see ``request_too_large``).
TOO_LARGE = "authoring_request_too_large"


# Helpers --------------------------------------------------------------------------------------


def _get_or_404(model, record_id):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def _authorable_unit(unit_id) -> Unit:
    unit = _get_or_404(Unit, unit_id)
    require(can_author_unit(current_user, unit))
    return unit


def _authorable_item(item_id) -> Item:
    item = _get_or_404(Item, item_id)
    require(can_author_unit(current_user, item.unit))
    return item


def _too_large() -> bool:
    return bool(g.get(TOO_LARGE))


def _content_url(unit: Unit, anchor: str | None = None, **args) -> str:
    if unit.module_id is not None:
        url = url_for("authoring.module_content", module_id=unit.module_id, **args)
    else:
        url = url_for("authoring.program_content", program_id=unit.program_id, **args)
    return url + (f"#{anchor}" if anchor else "")


def _after_change(unit: Unit, anchor: str) -> str:
    """Back to the content page, keeping the "show archived" view when the record is archived."""
    return _content_url(unit, anchor, **({"archived": 1} if request.args.get("archived") == "1" else {}))


def _crumbs(program: Program, module: Module | None, *, content: bool = True):
    if current_user.is_coordinator:
        crumbs = [(_("Programs"), url_for("programs.list_programs")),
                  (program.name, url_for("programs.program_detail", program_id=program.id))]
    else:
        crumbs = [(_("Home"), url_for("home.index"))]
    if module is not None:
        crumbs.append((module.display_title, url_for("programs.module_detail", module_id=module.id)))
        if content:
            crumbs.append((_("Online content"), url_for("authoring.module_content", module_id=module.id)))
    elif content:
        crumbs.append((_("Program-wide content"), url_for("authoring.program_content", program_id=program.id)))
    return crumbs


def _direction() -> str:
    direction = request.form.get("direction")
    if direction not in (ops.UP, ops.DOWN):
        abort(400)
    return direction


def _save(form, action, record=None):
    """Run an operation and commit. Returns ``(result, conflict_record)``."""
    try:
        result = action()
        db.session.commit()
        return result, None
    except AuthoringError as error:
        db.session.rollback()
        target = form[error.field] if error.field in form else form.title
        target.errors = [*target.errors, error.message]
        return None, None
    except EditConflict as conflict:
        db.session.rollback()
        record = conflict.current
    except StaleDataError:  # saved by someone else between our check and our commit
        db.session.rollback()
        if record is None:
            raise
    db.session.refresh(record)
    form.version.data = record.version
    return None, record


# A request larger than the server accepts ---------------------------------------------------------


@bp.errorhandler(413)
def request_too_large(error):
    """Re-render the upload form with a clear message instead of a bare 413 page.

    The body was not read, so the view runs as if the form had just been
    opened (its own access checks included) and shows the message next to
    the file field.
    """
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "POST" or request.endpoint not in UPLOAD_ENDPOINTS or view is None:
        return render_error(413, ops.request_limit_message())
    g.setdefault(TOO_LARGE, True)
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as refused:
        return render_error(refused.code or 400)
    if response.status_code == 200:
        response.status_code = 413
    return response


# Content pages ---------------------------------------------------------------------------------


def _render_content(program: Program, module: Module | None):
    scope = Scope(program.id, module.id if module else None)
    show_archived = request.args.get("archived") == "1"
    outline = ops.load_outline(scope)
    return render_template(
        "learning/authoring/content.html",
        program=program,
        module=module,
        outline=outline,
        show_archived=show_archived,
        kinds=ops.kind_choices(),
        crumbs=_crumbs(program, module, content=False),
        rule_label=ops.completion_rule_label,
        session_times=ops.session_times,
        add_unit_url=(url_for("authoring.create_unit", module_id=module.id) if module
                      else url_for("authoring.create_program_unit", program_id=program.id)),
    )


@bp.get("/modules/<int:module_id>/content")
@authenticated
def module_content(module_id):
    module = _get_or_404(Module, module_id)
    require(can_author_module(current_user, module))
    return _render_content(module.track.program, module)


@bp.get("/programs/<int:program_id>/content")
@coordinator_required
def program_content(program_id):
    program = _get_or_404(Program, program_id)
    return _render_content(program, None)


# Units -------------------------------------------------------------------------------------------


def _unit_saved_values(unit: Unit):
    return [
        (_("Title"), unit.title),
        (_("Summary"), unit.summary or "—"),
        (_("Hidden from participants"), _("Yes") if unit.hidden else _("No")),
    ]


def _render_unit_form(title, form, program, module, unit=None, conflict=None):
    return render_template(
        "learning/authoring/unit_form.html",
        title=title, form=form, unit=unit, program=program, module=module,
        crumbs=_crumbs(program, module),
        conflict=conflict, conflict_message=EditConflict.message,
        saved=_unit_saved_values(conflict) if conflict is not None else None,
        cancel_url=_content_url(unit) if unit else (
            url_for("authoring.module_content", module_id=module.id) if module
            else url_for("authoring.program_content", program_id=program.id)),
    )


def _create_unit(program, module):
    form = UnitForm()
    if form.validate_on_submit():
        unit, _conflict = _save(form, lambda: ops.create_unit(program, module, form.unit_data(), current_user))
        if unit is not None:
            flash(_("Unit “%(title)s” added. Add its items next.", title=unit.title), "success")
            return redirect(_content_url(unit, f"unit-{unit.id}"))
    return _render_unit_form(_("New unit"), form, program, module)


@bp.route("/modules/<int:module_id>/units/new", methods=["GET", "POST"])
@authenticated
def create_unit(module_id):
    module = _get_or_404(Module, module_id)
    require(can_author_module(current_user, module))
    return _create_unit(module.track.program, module)


@bp.route("/programs/<int:program_id>/units/new", methods=["GET", "POST"])
@coordinator_required
def create_program_unit(program_id):
    program = _get_or_404(Program, program_id)
    return _create_unit(program, None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@authenticated
def edit_unit(unit_id):
    unit = _authorable_unit(unit_id)
    form = UnitForm(obj=unit)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(form, lambda: ops.update_unit(unit, form.unit_data(), form.version.data,
                                                              current_user), record=unit)
        if saved is not None:
            flash(_("Unit “%(title)s” saved.", title=unit.title), "success")
            return redirect(_content_url(unit, f"unit-{unit.id}"))
    return _render_unit_form(_("Edit unit"), form, unit.program, unit.module, unit=unit, conflict=conflict)


@bp.post("/units/<int:unit_id>/move")
@authenticated
def move_unit(unit_id):
    unit = _authorable_unit(unit_id)
    if ops.move_unit(unit, _direction(), current_user):
        db.session.commit()
    return redirect(_after_change(unit, f"unit-{unit.id}"))


@bp.post("/units/<int:unit_id>/hide")
@authenticated
def hide_unit(unit_id):
    unit = _authorable_unit(unit_id)
    if ops.set_hidden(unit, True, current_user):
        db.session.commit()
        flash(_("Unit “%(title)s” is hidden from participants.", title=unit.title), "success")
    return redirect(_after_change(unit, f"unit-{unit.id}"))


@bp.post("/units/<int:unit_id>/show")
@authenticated
def show_unit(unit_id):
    unit = _authorable_unit(unit_id)
    if ops.set_hidden(unit, False, current_user):
        db.session.commit()
        flash(_("Unit “%(title)s” is visible to participants.", title=unit.title), "success")
    return redirect(_after_change(unit, f"unit-{unit.id}"))


@bp.post("/units/<int:unit_id>/duplicate")
@authenticated
def duplicate_unit(unit_id):
    unit = _authorable_unit(unit_id)
    duplicate = ops.duplicate_unit(unit, current_user)
    db.session.commit()
    flash(_("Copied to “%(title)s”. The copy is hidden from participants until you show it.",
            title=duplicate.title), "success")
    return redirect(_content_url(duplicate, f"unit-{duplicate.id}"))


@bp.post("/units/<int:unit_id>/archive")
@authenticated
def archive_unit(unit_id):
    unit = _authorable_unit(unit_id)
    if ops.archive(unit, current_user):
        db.session.commit()
        flash(_("Unit “%(title)s” archived. Participants no longer see it; you can restore it at any time.",
                title=unit.title), "success")
    return redirect(_content_url(unit))


@bp.post("/units/<int:unit_id>/restore")
@authenticated
def restore_unit(unit_id):
    unit = _authorable_unit(unit_id)
    if ops.restore(unit, current_user):
        db.session.commit()
        flash(_("Unit “%(title)s” restored.", title=unit.title), "success")
    return redirect(_content_url(unit, f"unit-{unit.id}"))


# Items -------------------------------------------------------------------------------------------


def _item_form(kind: ItemKind, unit: Unit, item: Item | None = None, *, from_request: bool = True):
    form_class = ITEM_FORMS[kind]
    scope = Scope.of(unit)
    kwargs = {
        "zone": viewer_timezone(),
        "prerequisite_choices": ops.prerequisite_choices(scope, item),
        "unit_choices": ops.unit_choices(scope, item.unit_id) if item is not None else None,
    }
    if kind is ItemKind.LIVE_SESSION:
        kwargs["audience_choices"] = ops.audience_choices(unit, item)
    if not from_request:
        kwargs["formdata"] = None
    if item is not None:
        kwargs["data"] = form_class.initial_data(item)
    return form_class(**kwargs)


def _item_saved_values(item: Item, form) -> list[tuple[str, str]]:
    """The version someone else saved, labelled like the form."""
    initial = type(form).initial_data(item)
    rows = []
    for f in form.data_fields():
        if f.name in ("upload", "prerequisites"):
            continue
        value = initial.get(f.name)
        if f.type == "BooleanField":
            shown = _("Yes") if value else _("No")
        elif f.name == "completion_rule":
            shown = ops.completion_rule_label(value)
        elif f.name == "unit_id":
            shown = item.unit.title
        elif f.name == "audience":
            shown = dict(f.choices).get(value, value)
        elif hasattr(value, "tzinfo"):
            shown = format_instant(value)
        else:
            shown = value
        rows.append((str(f.label.text), "—" if shown in (None, "") else str(shown)))
    return rows


def _render_item_form(form, unit: Unit, kind: ItemKind, *, item: Item | None = None, image_form=None,
                      preview=None, conflict=None, snippet=None):
    images = []
    if item is not None:
        images = [(stored, ops.image_markdown(item, stored)) for stored in ops.item_images(item)]
    typed_url = None
    if "url" in form:
        typed_url = form.url.data
    return render_template(
        "learning/authoring/item_form.html",
        form=form, kind=kind, unit=unit, item=item, program=unit.program, module=unit.module,
        title=_("Edit %(kind)s", kind=kind.label.lower()) if item else _("New %(kind)s", kind=kind.label.lower()),
        crumbs=_crumbs(unit.program, unit.module),
        image_form=image_form or ImageForm(formdata=None),
        images=images,
        snippet=snippet,
        preview=preview,
        embed_provider=embed_provider(typed_url) if typed_url else None,
        conflict=conflict, conflict_message=EditConflict.message,
        saved=_item_saved_values(conflict, form) if conflict is not None else None,
        cancel_url=_content_url(unit, f"item-{item.id}" if item else f"unit-{unit.id}"),
        zone=viewer_timezone(),
        max_size=ops.format_size(ops.resource_max_bytes()),
        max_upload_bytes=min(ops.resource_max_bytes(), current_app.config["MAX_CONTENT_LENGTH"]),
        completions=ops.completion_count(item) if item is not None else 0,
    )


def _previewing() -> bool:
    return request.method == "POST" and not _too_large() and "preview" in request.form


def _upload_of(form):
    return form.upload.data if "upload" in form else None


def _keep_upload_note(form) -> None:
    """A chosen file is not kept when the form is shown again: say so beside the field."""
    if "upload" in form and ops.has_upload(form.upload.data) and not form.upload.errors:
        form.upload.description = _("Choose the file again: a file is not kept when the form has errors.")


@bp.route("/units/<int:unit_id>/items/new", methods=["GET", "POST"])
@authenticated
def create_item(unit_id):
    unit = _authorable_unit(unit_id)
    kind = ops.parse_kind(request.args.get("kind"))
    if kind is None:
        return render_template("learning/authoring/choose_kind.html", unit=unit, kinds=list(ItemKind),
                               program=unit.program, module=unit.module, crumbs=_crumbs(unit.program, unit.module))
    too_large = _too_large()
    form = _item_form(kind, unit, from_request=not too_large)
    preview = None
    if too_large:
        form.upload.errors = [ops.request_limit_message()] if "upload" in form else []
    elif _previewing():
        preview = render_markdown(form.body.data)
    elif form.validate_on_submit():
        item, _conflict = _save(form, lambda: ops.create_item(unit, kind, form.item_data(), current_user,
                                                              upload=_upload_of(form)))
        if item is not None:
            flash(_("“%(title)s” added.", title=item.title), "success")
            if kind is ItemKind.QUIZ:
                return redirect(url_for("quizzes.edit_questions", item_id=item.id))
            return redirect(_content_url(unit, f"item-{item.id}"))
    if request.method == "POST" and not too_large:
        _keep_upload_note(form)
    return _render_item_form(form, unit, kind, preview=preview)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@authenticated
def edit_item(item_id):
    item = _authorable_item(item_id)
    kind = item.kind_enum
    too_large = _too_large()
    form = _item_form(kind, item.unit, item, from_request=not too_large)
    preview = None
    conflict = None
    if too_large:
        form.upload.errors = [ops.request_limit_message()] if "upload" in form else []
    elif _previewing():
        preview = render_markdown(form.body.data)
    elif form.validate_on_submit():
        saved, conflict = _save(
            form,
            lambda: ops.update_item(item, form.item_data(), form.version.data, current_user, upload=_upload_of(form)),
            record=item,
        )
        if saved is not None:
            flash(_("“%(title)s” saved.", title=item.title), "success")
            return redirect(_content_url(item.unit, f"item-{item.id}"))
    if request.method == "POST" and not too_large:
        _keep_upload_note(form)
    return _render_item_form(form, item.unit, kind, item=item, preview=preview, conflict=conflict)


@bp.post("/items/<int:item_id>/images")
@authenticated
def upload_image(item_id):
    """Store an image for the item's text; the edit form comes back with what was typed."""
    item = _authorable_item(item_id)
    kind = item.kind_enum
    too_large = _too_large()
    typed = not too_large and "title" in request.form  # sent from the edit form (its fields came along)
    form = _item_form(kind, item.unit, item, from_request=typed)
    image_form = ImageForm(formdata=None) if too_large else ImageForm()
    snippet = None
    if too_large:
        image_form.image.errors = [ops.request_limit_message()]
    elif image_form.validate_on_submit():
        try:
            stored = ops.add_image(item, image_form.image.data, current_user)
            db.session.commit()
        except AuthoringError as error:
            db.session.rollback()
            image_form.image.errors = [error.message]
        else:
            snippet = ops.image_markdown(item, stored)
            if snippet:
                form.body.data = f"{(form.body.data or '').rstrip()}\n\n{snippet}\n".lstrip()
                flash(_("Image “%(name)s” uploaded and added at the end of the text. "
                        "Move it where you want it, then save.", name=stored.original_name), "success")
            else:
                flash(_("Image “%(name)s” uploaded.", name=stored.original_name), "success")
    return _render_item_form(form, item.unit, kind, item=item, image_form=image_form, snippet=snippet)


UPLOAD_ENDPOINTS = {"authoring.create_item", "authoring.edit_item", "authoring.upload_image"}


@bp.post("/items/<int:item_id>/move")
@authenticated
def move_item(item_id):
    item = _authorable_item(item_id)
    if ops.move_item(item, _direction(), current_user):
        db.session.commit()
    return redirect(_after_change(item.unit, f"item-{item.id}"))


@bp.post("/items/<int:item_id>/hide")
@authenticated
def hide_item(item_id):
    item = _authorable_item(item_id)
    if ops.set_hidden(item, True, current_user):
        db.session.commit()
        flash(_("“%(title)s” is hidden from participants.", title=item.title), "success")
    return redirect(_after_change(item.unit, f"item-{item.id}"))


@bp.post("/items/<int:item_id>/show")
@authenticated
def show_item(item_id):
    item = _authorable_item(item_id)
    if ops.set_hidden(item, False, current_user):
        db.session.commit()
        flash(_("“%(title)s” is visible to participants.", title=item.title), "success")
    return redirect(_after_change(item.unit, f"item-{item.id}"))


@bp.post("/items/<int:item_id>/duplicate")
@authenticated
def duplicate_item(item_id):
    item = _authorable_item(item_id)
    duplicate = ops.duplicate_item(item, current_user)
    db.session.commit()
    flash(_("Copied to “%(title)s”. The copy is hidden from participants until you show it.",
            title=duplicate.title), "success")
    return redirect(_content_url(duplicate.unit, f"item-{duplicate.id}"))


@bp.post("/items/<int:item_id>/archive")
@authenticated
def archive_item(item_id):
    item = _authorable_item(item_id)
    if ops.archive(item, current_user):
        db.session.commit()
        flash(_("“%(title)s” archived. Participants no longer see it; their completion records are kept "
                "and you can restore it at any time.", title=item.title), "success")
    return redirect(_content_url(item.unit, f"unit-{item.unit_id}"))


@bp.post("/items/<int:item_id>/restore")
@authenticated
def restore_item(item_id):
    item = _authorable_item(item_id)
    if ops.restore(item, current_user):
        db.session.commit()
        flash(_("“%(title)s” restored.", title=item.title), "success")
    return redirect(_content_url(item.unit, f"item-{item.id}"))
