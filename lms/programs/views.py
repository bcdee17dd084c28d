"""Coordinator pages for programs, tracks, modules, fields, organisations and groups.

Every page here is for the program office (``coordinator_required``) except a
module's page, which its own trainers may also open (``can_view_module``).
Views stay thin: validate the form, call ``operations``, commit, then redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from lms.accounts.models import User
from lms.core.concurrency import EditConflict
from lms.core.permissions import authenticated, coordinator_required, require
from lms.enrolment.models import Enrolment
from lms.enrolment.operations import update_enrolment
from lms.extensions import db
from lms.programs import operations as ops
from lms.programs import queries
from lms.programs.access import can_manage_program, can_view_module
from lms.programs.forms import (
    FieldForm,
    GroupForm,
    GroupMembersForm,
    ModuleForm,
    OrganisationForm,
    ProgramForm,
    TrackForm,
    TrainerForm,
    saved_values,
)
from lms.programs.models import Field, Group, Module, Organisation, Program, Track

bp = Blueprint("programs", __name__)


# Helpers ------------------------------------------------------------------------------


def _get_or_404(model, record_id):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def _show_archived() -> bool:
    return request.args.get("archived") == "1"


def _save(form, action, record=None, unique_field="name"):
    """Run an operation for a validated form and commit.

    Returns ``(result, conflict)``: the operation's result on success; the
    current record on an edit conflict (the form keeps what was typed and
    takes the current version, so saving again overwrites knowingly); both
    None when a rule put a message next to a field.
    """
    try:
        result = action()
        db.session.commit()
        return result, None
    except ops.SetupError as error:
        db.session.rollback()
        form[error.field].errors.append(error.message)
        return None, None
    except IntegrityError:  # the same name was taken by someone else at the same moment
        db.session.rollback()
        form[unique_field].errors.append(_("This is already used by another record. Choose a different one."))
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


def _render_form(template_title, form, *, cancel_url, record=None, conflict=None, sections=None, crumbs=None,
                 **context):
    if conflict is not None:
        context["saved"] = saved_values(form, conflict)
    if crumbs is None:
        program = context.get("program") or (record if isinstance(record, Program) else None)
        crumbs = [(_("Programs"), url_for("programs.list_programs"))]
        if program is not None:
            crumbs.append((program.name, url_for("programs.program_detail", program_id=program.id)))
    return render_template(
        "programs/form.html",
        title=template_title,
        form=form,
        cancel_url=cancel_url,
        record=record,
        conflict=conflict,
        conflict_message=EditConflict.message,
        crumbs=crumbs,
        sections=sections or [{"legend": None, "fields": [f.name for f in form.data_fields()], "note": None}],
        **context,
    )


def _field_crumbs():
    return [(_("Fields"), url_for("programs.list_fields"))]


def _organisation_crumbs():
    return [(_("Organisations"), url_for("programs.list_organisations"))]


# Programs -----------------------------------------------------------------------------


PROGRAM_SECTIONS = [
    {"legend": _l("The program"), "fields": ["name", "code", "year", "host_organisation_id", "description"]},
    {"legend": _l("Phases"), "fields": ["timezone", "online_start", "online_end", "has_offline_phase"],
     "note": _l("The offline phase's dates and places are set on each track.")},
    {"legend": _l("Terms of participation"), "fields": ["participation_terms"],
     "note": _l("What admitted participants accept when they confirm their place (travel, conduct, "
                "photos, insurance…). Leave empty if there is nothing to accept.")},
]


@bp.get("/programs/")
@coordinator_required
def list_programs():
    show_archived = _show_archived()
    return render_template(
        "programs/list_programs.html",
        rows=queries.program_rows(include_archived=show_archived),
        show_archived=show_archived,
    )


@bp.route("/programs/new", methods=["GET", "POST"])
@coordinator_required
def create_program():
    form = ProgramForm(host_choices=ops.host_organisation_choices())
    if form.validate_on_submit():
        program, _conflict = _save(form, lambda: ops.create_program(form.program_data(), current_user), unique_field="code")
        if program is not None:
            flash(_("Program “%(name)s” created. Add its tracks next.", name=program.name), "success")
            return redirect(url_for("programs.program_detail", program_id=program.id))
    return _render_form(_("New program"), form, cancel_url=url_for("programs.list_programs"),
                        sections=PROGRAM_SECTIONS)


@bp.get("/programs/<int:program_id>")
@coordinator_required
def program_detail(program_id):
    show_archived = _show_archived()
    overview = queries.program_overview(program_id, include_archived=show_archived)
    if overview is None:
        abort(404)
    require(can_manage_program(current_user))
    return render_template("programs/program_detail.html", o=overview, program=overview.program,
                           show_archived=show_archived)


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_program(program_id):
    program = _get_or_404(Program, program_id)
    form = ProgramForm(obj=program, host_choices=ops.host_organisation_choices(program.host_organisation_id))
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(
            form, lambda: ops.update_program(program, form.program_data(), form.version.data, current_user),
            record=program, unique_field="code",
        )
        if saved is not None:
            flash(_("Program “%(name)s” saved.", name=program.name), "success")
            return redirect(url_for("programs.program_detail", program_id=program.id))
    return _render_form(
        _("Edit program"), form, record=program, conflict=conflict, sections=PROGRAM_SECTIONS,
        cancel_url=url_for("programs.program_detail", program_id=program.id),
        archive_endpoint="programs.archive_program", restore_endpoint="programs.restore_program",
        record_args={"program_id": program.id},
    )


@bp.route("/programs/<int:program_id>/copy", methods=["GET", "POST"])
@coordinator_required
def copy_program(program_id):
    """Set up the next edition from this one: the form starts from next year's values."""
    source = _get_or_404(Program, program_id)
    form = ProgramForm(host_choices=ops.host_organisation_choices(source.host_organisation_id))
    if request.method == "GET":
        form.process(data=ops.next_edition_defaults(source))
    if form.validate_on_submit():
        program, _conflict = _save(form, lambda: ops.copy_program(source, form.program_data(), current_user),
                                   unique_field="code")
        if program is not None:
            flash(_("Program “%(name)s” created from “%(source)s”, with its tracks, modules and trainers. "
                    "Check the tracks' dates, then enrol its people.", name=program.name, source=source.name),
                  "success")
            return redirect(url_for("programs.program_detail", program_id=program.id))
    return _render_form(
        _("New edition of %(program)s", program=source.name), form, sections=PROGRAM_SECTIONS,
        cancel_url=url_for("programs.program_detail", program_id=source.id), program=source,
        intro=_("The new program gets this program's tracks (their offline dates moved as much as the online "
                "phase), modules and trainers. Participants, groups and the online content are not copied."),
    )


# Tracks -------------------------------------------------------------------------------


def _track_sections(program):
    sections = [{"legend": _("The track"), "fields": ["name", "description", "capacity"]}]
    if program.has_offline_phase:
        sections.append({
            "legend": _("Offline phase"),
            "fields": ["offline_start", "offline_end", "offline_location", "offline_timezone"],
            "note": _("Leave both dates empty while they are to be announced. "
                      "A window may cross the new year (e.g. 20 December to 15 January)."),
        })
    else:
        sections.append({
            "legend": _("Offline phase"), "fields": [],
            "note": _("This program is online only, so its tracks have no offline window. "
                      "Tick “Has an offline phase” on the program to set dates and places."),
        })
    return sections


@bp.route("/programs/<int:program_id>/tracks/new", methods=["GET", "POST"])
@coordinator_required
def create_track(program_id):
    program = _get_or_404(Program, program_id)
    form = TrackForm(offline=program.has_offline_phase)
    if form.validate_on_submit():
        track, _conflict = _save(form, lambda: ops.create_track(program, form.track_data(), current_user))
        if track is not None:
            flash(_("Track “%(name)s” added.", name=track.name), "success")
            return redirect(url_for("programs.program_detail", program_id=program.id))
    return _render_form(_("New track in %(program)s", program=program.name), form, sections=_track_sections(program),
                        cancel_url=url_for("programs.program_detail", program_id=program.id), program=program)


@bp.route("/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_track(track_id):
    track = _get_or_404(Track, track_id)
    program = track.program
    form = TrackForm(obj=track, offline=program.has_offline_phase)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(
            form, lambda: ops.update_track(track, form.track_data(), form.version.data, current_user), record=track
        )
        if saved is not None:
            flash(_("Track “%(name)s” saved.", name=track.name), "success")
            return redirect(url_for("programs.program_detail", program_id=program.id))
    return _render_form(
        _("Edit track"), form, record=track, conflict=conflict, sections=_track_sections(program), program=program,
        cancel_url=url_for("programs.program_detail", program_id=program.id),
        archive_endpoint="programs.archive_track", restore_endpoint="programs.restore_track",
        record_args={"track_id": track.id},
    )


def _direction() -> str:
    """The "direction" a move button sends: up or down."""
    direction = request.form.get("direction")
    if direction not in (ops.UP, ops.DOWN):
        abort(400)
    return direction


@bp.post("/tracks/<int:track_id>/move")
@coordinator_required
def move_track(track_id):
    track = _get_or_404(Track, track_id)
    if ops.move_track(track, _direction(), current_user):
        db.session.commit()
    return redirect(url_for("programs.program_detail", program_id=track.program_id) + f"#track-{track.id}")


# Modules ------------------------------------------------------------------------------


def _module_form(program, module=None, **kwargs):
    return ModuleForm(
        obj=module,
        field_choices=ops.field_choices(module.field_id if module else None),
        track_choices=ops.track_choices(program, module.track_id if module else None),
        organisation_choices=ops.organisation_choices(module.organisation_id if module else None),
        **kwargs,
    )


@bp.route("/tracks/<int:track_id>/modules/new", methods=["GET", "POST"])
@coordinator_required
def create_module(track_id):
    track = _get_or_404(Track, track_id)
    program = track.program
    form = _module_form(program, track_id=track.id)
    if form.validate_on_submit():
        module, _conflict = _save(form, lambda: ops.create_module(track, form.module_data(), current_user),
                                  unique_field="title")
        if module is not None:
            flash(_("Module “%(title)s” added.", title=module.display_title), "success")
            return redirect(url_for("programs.module_detail", module_id=module.id))
    return _render_form(_("New module in %(track)s", track=track.name), form, program=program,
                        cancel_url=url_for("programs.program_detail", program_id=program.id))


@bp.route("/modules/<int:module_id>", methods=["GET"])
@authenticated
def module_detail(module_id):
    module = queries.module_with_details(module_id)
    if module is None:
        abort(404)
    require(can_view_module(current_user, module))
    return _render_module(module, TrainerForm(formdata=None))


def _render_module(module, trainer_form):
    return render_template(
        "programs/module_detail.html",
        module=module,
        program=module.track.program,
        participants=queries.module_participants(module),
        trainer_form=trainer_form,
        can_manage=can_manage_program(current_user),
    )


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_module(module_id):
    module = _get_or_404(Module, module_id)
    program = module.track.program
    form = _module_form(program, module)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(
            form, lambda: ops.update_module(module, form.module_data(), form.version.data, current_user),
            record=module, unique_field="title",
        )
        if saved is not None:
            flash(_("Module “%(title)s” saved.", title=module.display_title), "success")
            return redirect(url_for("programs.module_detail", module_id=module.id))
    return _render_form(
        _("Edit module"), form, record=module, conflict=conflict, program=program,
        cancel_url=url_for("programs.module_detail", module_id=module.id),
        archive_endpoint="programs.archive_module", restore_endpoint="programs.restore_module",
        record_args={"module_id": module.id},
    )


@bp.post("/modules/<int:module_id>/move")
@coordinator_required
def move_module(module_id):
    module = _get_or_404(Module, module_id)
    if ops.move_module(module, _direction(), current_user):
        db.session.commit()
    return redirect(url_for("programs.program_detail", program_id=module.track.program_id) + f"#track-{module.track_id}")


@bp.post("/modules/<int:module_id>/trainers")
@coordinator_required
def add_trainer(module_id):
    module = queries.module_with_details(module_id)
    if module is None:
        abort(404)
    form = TrainerForm()
    if form.validate_on_submit():
        user, _conflict = _save(form, lambda: ops.add_trainer_by_email(module, form.email.data, current_user),
                                unique_field="email")
        if user is not None:
            flash(_("%(name)s is now a trainer of this module.", name=user.name), "success")
            return redirect(url_for("programs.module_detail", module_id=module.id) + "#trainers")
        module = queries.module_with_details(module_id)
    return _render_module(module, form)


@bp.post("/modules/<int:module_id>/trainers/<int:user_id>/remove")
@coordinator_required
def remove_trainer(module_id, user_id):
    module = _get_or_404(Module, module_id)
    user = _get_or_404(User, user_id)
    if ops.remove_trainer(module, user, current_user):
        db.session.commit()
        flash(_("%(name)s is no longer a trainer of this module.", name=user.name), "success")
    return redirect(url_for("programs.module_detail", module_id=module.id) + "#trainers")


# Groups -------------------------------------------------------------------------------


@bp.route("/programs/<int:program_id>/groups/new", methods=["GET", "POST"])
@coordinator_required
def create_group(program_id):
    program = _get_or_404(Program, program_id)
    form = GroupForm()
    if form.validate_on_submit():
        group, _conflict = _save(form, lambda: ops.create_group(program, form.group_data(), current_user))
        if group is not None:
            flash(_("Group “%(name)s” added.", name=group.name), "success")
            return redirect(url_for("programs.program_detail", program_id=program.id) + "#groups")
    return _render_form(_("New group in %(program)s", program=program.name), form, program=program,
                        cancel_url=url_for("programs.program_detail", program_id=program.id))


@bp.get("/groups/<int:group_id>")
@coordinator_required
def group_detail(group_id):
    group = _get_or_404(Group, group_id)
    return _render_group(group, GroupMembersForm(formdata=None))


def _render_group(group, members_form, status=200):
    return render_template("programs/group_detail.html", group=group, program=group.program,
                           members=queries.group_members(group), candidates=queries.group_candidates(group),
                           members_form=members_form), status


@bp.post("/groups/<int:group_id>/members")
@coordinator_required
def add_group_members(group_id):
    """Put ticked participants of the program in this group; each change is in their enrolment's history."""
    group = _get_or_404(Group, group_id)
    form = GroupMembersForm()
    if group.is_archived:  # the page offers no form then: say why on it
        flash(_("This group is archived. Restore it before adding people to it."), "error")
        return redirect(url_for("programs.group_detail", group_id=group.id))
    if not form.validate_on_submit():
        return _render_group(group, form)
    chosen = db.session.scalars(select(Enrolment).where(Enrolment.id.in_(form.enrolments.data))).all()
    if len(chosen) != len(set(form.enrolments.data)) or any(e.program_id != group.program_id for e in chosen):
        form.enrolments.errors.append(_("Choose participants of %(program)s.", program=group.program.name))
        return _render_group(group, form)
    moved = 0
    for enrolment in chosen:
        events = update_enrolment(enrolment, track=enrolment.track, module=enrolment.module, group=group,
                                  status=enrolment.status, actor=current_user, note=form.note.data)
        moved += bool(events)
    db.session.commit()
    flash(ngettext("%(num)d participant added to “%(group)s”.", "%(num)d participants added to “%(group)s”.",
                   moved, group=group.name), "success")
    return redirect(url_for("programs.group_detail", group_id=group.id))


@bp.post("/groups/<int:group_id>/members/<int:enrolment_id>/remove")
@coordinator_required
def remove_group_member(group_id, enrolment_id):
    """Take a participant out of this group (their enrolment stays; the change is in its history)."""
    group = _get_or_404(Group, group_id)
    enrolment = _get_or_404(Enrolment, enrolment_id)
    if enrolment.group_id == group.id:
        update_enrolment(enrolment, track=enrolment.track, module=enrolment.module, group=None,
                         status=enrolment.status, actor=current_user, note=None)
        db.session.commit()
        flash(_("%(name)s is no longer in “%(group)s”.", name=enrolment.user.name, group=group.name), "success")
    return redirect(url_for("programs.group_detail", group_id=group.id))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_group(group_id):
    group = _get_or_404(Group, group_id)
    form = GroupForm(obj=group)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(
            form, lambda: ops.update_group(group, form.group_data(), form.version.data, current_user), record=group
        )
        if saved is not None:
            flash(_("Group “%(name)s” saved.", name=group.name), "success")
            return redirect(url_for("programs.group_detail", group_id=group.id))
    return _render_form(
        _("Edit group"), form, record=group, conflict=conflict, program=group.program,
        cancel_url=url_for("programs.group_detail", group_id=group.id),
        archive_endpoint="programs.archive_group", restore_endpoint="programs.restore_group",
        record_args={"group_id": group.id},
    )


# Fields -------------------------------------------------------------------------------


@bp.get("/fields/")
@coordinator_required
def list_fields():
    show_archived = _show_archived()
    return render_template("programs/list_fields.html", rows=queries.field_rows(show_archived),
                           show_archived=show_archived, archived=queries.archived_count(Field))


@bp.route("/fields/new", methods=["GET", "POST"])
@coordinator_required
def create_field():
    form = FieldForm()
    if form.validate_on_submit():
        field, _conflict = _save(form, lambda: ops.create_field({"name": form.name.data}, current_user))
        if field is not None:
            flash(_("Field “%(name)s” added.", name=field.name), "success")
            return redirect(url_for("programs.list_fields"))
    return _render_form(_("New field"), form, cancel_url=url_for("programs.list_fields"), crumbs=_field_crumbs())


@bp.route("/fields/<int:field_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_field(field_id):
    field = _get_or_404(Field, field_id)
    form = FieldForm(obj=field)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(
            form, lambda: ops.update_field(field, {"name": form.name.data}, form.version.data, current_user),
            record=field,
        )
        if saved is not None:
            flash(_("Field “%(name)s” saved.", name=field.name), "success")
            return redirect(url_for("programs.list_fields"))
    return _render_form(
        _("Edit field"), form, record=field, conflict=conflict, cancel_url=url_for("programs.list_fields"),
        crumbs=_field_crumbs(),
        archive_endpoint="programs.archive_field", restore_endpoint="programs.restore_field",
        record_args={"field_id": field.id},
    )


# Organisations ------------------------------------------------------------------------


@bp.get("/organisations/")
@coordinator_required
def list_organisations():
    show_archived = _show_archived()
    return render_template("programs/list_organisations.html", rows=queries.organisation_rows(show_archived),
                           show_archived=show_archived, archived=queries.archived_count(Organisation))


@bp.route("/organisations/new", methods=["GET", "POST"])
@coordinator_required
def create_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation, _conflict = _save(
            form, lambda: ops.create_organisation(form.organisation_data(), current_user)
        )
        if organisation is not None:
            flash(_("Organisation “%(name)s” added.", name=organisation.name), "success")
            return redirect(url_for("programs.list_organisations"))
    return _render_form(_("New organisation"), form, cancel_url=url_for("programs.list_organisations"),
                        crumbs=_organisation_crumbs())


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_organisation(organisation_id):
    organisation = _get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    conflict = None
    if form.validate_on_submit():
        saved, conflict = _save(
            form,
            lambda: ops.update_organisation(organisation, form.organisation_data(), form.version.data, current_user),
            record=organisation,
        )
        if saved is not None:
            flash(_("Organisation “%(name)s” saved.", name=organisation.name), "success")
            return redirect(url_for("programs.list_organisations"))
    return _render_form(
        _("Edit organisation"), form, record=organisation, conflict=conflict,
        cancel_url=url_for("programs.list_organisations"), crumbs=_organisation_crumbs(),
        archive_endpoint="programs.archive_organisation", restore_endpoint="programs.restore_organisation",
        record_args={"organisation_id": organisation.id},
    )


# Archiving and restoring (POST only; nothing is ever deleted) ---------------------------


def _archive_routes(kind, model, url, id_arg, after, label):
    """Register ``archive_<kind>`` and ``restore_<kind>`` for ``model``."""

    def make(action, operation, message):
        @coordinator_required
        def view(**kwargs):
            record = _get_or_404(model, kwargs[id_arg])
            name = label(record)
            target = after(record)
            if operation(record, current_user):
                db.session.commit()
                flash(message(name), "success")
            return redirect(target)

        view.__name__ = f"{action}_{kind}"
        bp.add_url_rule(f"{url}/{action}", endpoint=f"{action}_{kind}", view_func=view, methods=["POST"])

    make("archive", ops.archive, lambda name: _("“%(name)s” archived. You can restore it at any time.", name=name))
    make("restore", ops.restore, lambda name: _("“%(name)s” restored.", name=name))


_archive_routes("program", Program, "/programs/<int:program_id>", "program_id",
                lambda program: url_for("programs.program_detail", program_id=program.id), lambda p: p.name)
_archive_routes("track", Track, "/tracks/<int:track_id>", "track_id",
                lambda track: url_for("programs.program_detail", program_id=track.program_id, archived=1)
                if not track.is_archived else url_for("programs.program_detail", program_id=track.program_id),
                lambda t: t.name)
_archive_routes("module", Module, "/modules/<int:module_id>", "module_id",
                lambda module: url_for("programs.module_detail", module_id=module.id), lambda m: m.display_title)
_archive_routes("group", Group, "/groups/<int:group_id>", "group_id",
                lambda group: url_for("programs.group_detail", group_id=group.id), lambda g: g.name)
_archive_routes("field", Field, "/fields/<int:field_id>", "field_id",
                lambda field: url_for("programs.list_fields", archived=1) if not field.is_archived
                else url_for("programs.list_fields"), lambda f: f.name)
_archive_routes("organisation", Organisation, "/organisations/<int:organisation_id>", "organisation_id",
                lambda org: url_for("programs.list_organisations", archived=1) if not org.is_archived
                else url_for("programs.list_organisations"), lambda o: o.name)
