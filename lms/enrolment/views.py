"""Coordinator pages for people: the directory, invitations and enrolment, CSV import."""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.utils import secure_filename
from wtforms.fields.choices import SelectChoice

from lms.accounts.models import User
from lms.accounts.operations import find_user_by_email
from lms.core.concurrency import EditConflict, check_version
from lms.core.permissions import coordinator_required
from lms.enrolment import csv_import, operations, queries
from lms.enrolment.forms import (
    ROLE_PARTICIPANT,
    ROLE_TRAINER,
    CsvConfirmForm,
    CsvUploadForm,
    EnrolmentForm,
    InviteForm,
    PeopleFilterForm,
    PersonForm,
    ProgramPeopleFilterForm,
    choices,
)
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Group, Module, Program, Track

bp = Blueprint("enrolment", __name__)


def _get_or_404(model, record_id):
    record = db.session.get(model, record_id)
    if record is None:
        abort(404)
    return record


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- people directory

@bp.get("/people")
@coordinator_required
def people():
    form = PeopleFilterForm(formdata=request.args, countries=queries.people_countries())
    form.validate()
    page = max(_int(request.args.get("page")) or 1, 1)
    pagination, rows = queries.people_directory(
        search=form.q.data or "",
        role=form.role.data if not form.role.errors else "",
        country=form.country.data if not form.country.errors else "",
        account=form.account.data if not form.account.errors else "",
        page=page,
    )
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("enrolment/people.html", form=form, pagination=pagination, rows=rows, filters=filters)


@bp.get("/people/<int:user_id>")
@coordinator_required
def person_detail(user_id):
    user = _get_or_404(User, user_id)
    enrolments, trained, last_invited_at = queries.person_profile(user)
    return render_template(
        "enrolment/person_detail.html", person=user, enrolments=enrolments, trained=trained,
        last_invited_at=last_invited_at,
    )


@bp.post("/people/<int:user_id>/resend-invitation")
@coordinator_required
def resend_invitation(user_id):
    user = _get_or_404(User, user_id)
    if user.has_accepted_invitation:
        flash(_("%(name)s has already accepted their invitation.", name=user.name), "warning")
    elif user.deactivated_at is not None:
        flash(_("%(name)s's account is deactivated: reactivate it before inviting them.", name=user.name), "warning")
    else:
        operations.resend_invitation(user, current_user)
        db.session.commit()
        flash(_("A new invitation was sent to %(email)s. The earlier link no longer works.", email=user.email),
              "success")
    return redirect(url_for("enrolment.person_detail", user_id=user.id))


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_person(user_id):
    user = _get_or_404(User, user_id)
    form = PersonForm(obj=user if request.method == "GET" else None)
    if user.timezone and user.timezone not in {choice.value for choice in form.timezone.choices}:
        form.timezone.choices.append(SelectChoice(value=user.timezone, label=user.timezone))  # an older spelling
    if request.method == "GET":
        form.version.data = str(user.version)
    conflict = None
    if form.validate_on_submit():
        if user.id == current_user.id and not form.is_coordinator.data:
            form.is_coordinator.errors.append(_("You cannot remove your own coordinator role."))
        else:
            try:
                check_version(user, form.version.data)
                operations.update_person(
                    user, name=form.name.data, country=form.country.data, timezone=form.timezone.data,
                    organisation=form.organisation.data, job_title=form.job_title.data,
                    is_coordinator=form.is_coordinator.data,
                )
                db.session.commit()
            except (EditConflict, StaleDataError):
                db.session.rollback()
                user = _get_or_404(User, user_id)
                conflict = user
                form.version.data = str(user.version)
            else:
                flash(_("%(name)s's details were saved.", name=user.name), "success")
                return redirect(url_for("enrolment.person_detail", user_id=user.id))
    return render_template("enrolment/person_edit.html", form=form, person=user, conflict=conflict,
                           conflict_message=EditConflict.message)


@bp.post("/people/<int:user_id>/deactivate")
@coordinator_required
def deactivate_person(user_id):
    user = _get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        operations.deactivate_person(user)
        db.session.commit()
        flash(_("%(name)s can no longer sign in. Their records are kept; you can reactivate the account.",
                name=user.name), "success")
    return redirect(url_for("enrolment.person_detail", user_id=user.id))


@bp.post("/people/<int:user_id>/reactivate")
@coordinator_required
def reactivate_person(user_id):
    user = _get_or_404(User, user_id)
    operations.reactivate_person(user)
    db.session.commit()
    flash(_("%(name)s's account is active again.", name=user.name), "success")
    return redirect(url_for("enrolment.person_detail", user_id=user.id))


# --------------------------------------------------------------------------- invite one person

def _programs_for_choices(include_id: int | None = None) -> list[Program]:
    programs = db.session.scalars(
        select(Program)
        .options(selectinload(Program.tracks).selectinload(Track.modules), selectinload(Program.groups))
        .order_by(Program.year.desc(), Program.name)
    ).all()
    return [p for p in programs if not p.is_archived or p.id == include_id]


def _fill_invite_choices(form: InviteForm, programs: list[Program]) -> None:
    form.program.choices = choices(((p.id, f"{p.name} ({p.code})") for p in programs), blank=_("Choose a program"))
    track_choices = choices([], blank=_("No track yet"))
    module_choices = choices([], blank=_("No module yet"))
    group_choices = choices([], blank=_("No group"))
    trainer_choices = choices([], blank=_("Choose a module"))
    for program in programs:
        track_choices += choices(((t.id, t.name) for t in program.tracks if not t.is_archived),
                                 optgroup=program.name)
        group_choices += choices(((g.id, g.name) for g in program.groups if not g.is_archived),
                                 optgroup=program.name)
        for track in program.tracks:
            if track.is_archived:
                continue
            label = f"{program.name} — {track.name}"
            pairs = [(m.id, m.title) for m in track.modules if not m.is_archived]
            module_choices += choices(pairs, optgroup=label)
            trainer_choices += choices(pairs, optgroup=label)
    form.track.choices = track_choices
    form.module.choices = module_choices
    form.group.choices = group_choices
    form.trainer_module.choices = trainer_choices


def _archived_message(kind: str) -> str:
    return {
        "track": _("This track is archived. Restore it on the program page first, or choose another one."),
        "module": _("This module is archived. Restore it first, or choose another one."),
        "group": _("This group is archived. Restore it first, or choose another one."),
    }[kind]


def _check_placement(program: Program, *, track_field, module_field, group_field, current: Enrolment | None = None):
    """The chosen track, module and group, checked against the program; errors go next to the fields.

    Archived ones are refused, except the enrolment's ``current`` ones (nothing is moved by saving).
    """
    track = module = group = None
    ok = True
    if track_field.data:
        track = db.session.get(Track, _int(track_field.data) or 0)
        if track is None or track.program_id != program.id:
            track_field.errors.append(_("This track is not part of %(program)s.", program=program.name))
            track, ok = None, False
        elif track.is_archived and (current is None or current.track_id != track.id):
            track_field.errors.append(_archived_message("track"))
            track, ok = None, False
    if module_field.data:
        module = db.session.get(Module, _int(module_field.data) or 0)
        if module is None or module.track.program_id != program.id:
            module_field.errors.append(_("This module is not part of %(program)s.", program=program.name))
            module, ok = None, False
        elif (module.is_archived or module.track.is_archived) and (current is None or current.module_id != module.id):
            module_field.errors.append(_archived_message("module"))
            module, ok = None, False
        elif track is not None and module.track_id != track.id:
            module_field.errors.append(
                _("This module belongs to the track %(module_track)s, not %(track)s.",
                  module_track=module.track.name, track=track.name)
            )
            ok = False
        elif track is None and ok:
            track = module.track
    if group_field.data:
        group = db.session.get(Group, _int(group_field.data) or 0)
        if group is None or group.program_id != program.id:
            group_field.errors.append(_("This group is not part of %(program)s.", program=program.name))
            group, ok = None, False
        elif group.is_archived and (current is None or current.group_id != group.id):
            group_field.errors.append(_archived_message("group"))
            group, ok = None, False
    return ok, track, module, group


@bp.route("/people/invite", methods=["GET", "POST"])
@coordinator_required
def invite_person():
    prefilled_program = _int(request.args.get("program_id"))
    form = InviteForm()
    programs = _programs_for_choices(include_id=prefilled_program)
    _fill_invite_choices(form, programs)
    if request.method == "GET" and prefilled_program:
        form.program.data = str(prefilled_program)
    if request.method == "GET" and request.args.get("email"):
        # "Enrol in another program" from a person's page: start from what we know of them.
        known = find_user_by_email(request.args["email"])
        if known is not None:
            form.email.data, form.name.data = known.email, known.name
            form.country.data, form.timezone.data = known.country or "", known.timezone or ""
            form.organisation.data, form.job_title.data = known.organisation, known.job_title
    existing_enrolment = None
    existing_person = None
    if request.method == "POST" and form.email.data:
        existing_person = find_user_by_email(form.email.data)
    if form.validate_on_submit():
        program = track = module = group = None
        ok = True
        role = form.role.data
        if role == ROLE_PARTICIPANT:
            program = db.session.get(Program, _int(form.program.data) or 0)
            if program is None:
                form.program.errors.append(_("Choose the program to enrol them in."))
                ok = False
            elif program.is_archived:
                form.program.errors.append(_("This program is archived. Restore it first to enrol people in it."))
                ok = False
            else:
                ok, track, module, group = _check_placement(
                    program, track_field=form.track, module_field=form.module, group_field=form.group
                )
                if existing_person is not None:
                    existing_enrolment = operations.find_enrolment(existing_person, program)
                    if existing_enrolment is not None:
                        form.program.errors.append(
                            _("%(name)s is already enrolled in this program.", name=existing_person.name)
                        )
                        ok = False
        elif role == ROLE_TRAINER:
            module = db.session.get(Module, _int(form.trainer_module.data) or 0)
            if module is None:
                form.trainer_module.errors.append(_("Choose the module they train."))
                ok = False
            elif module.is_archived or module.track.is_archived or module.track.program.is_archived:
                form.trainer_module.errors.append(_archived_message("module"))
                ok = False
        if ok:
            try:
                result = operations.invite_person(
                    actor=current_user, email=form.email.data, name=form.name.data, country=form.country.data,
                    timezone=form.timezone.data, organisation=form.organisation.data,
                    job_title=form.job_title.data, role=role, program=program, track=track, module=module,
                    group=group,
                )
                db.session.commit()
            except operations.AlreadyEnrolled as error:
                db.session.rollback()
                existing_enrolment = error.enrolment
                form.program.errors.append(_("This person is already enrolled in this program."))
            except IntegrityError:
                db.session.rollback()
                form.email.errors.append(_("Someone else added this person at the same moment. Try again."))
            else:
                _flash_invite_result(result, role, program, module)
                if role == ROLE_PARTICIPANT:
                    return redirect(url_for("enrolment.program_people", program_id=program.id))
                return redirect(url_for("enrolment.person_detail", user_id=result.user.id))
    return render_template(
        "enrolment/invite.html", form=form, existing_enrolment=existing_enrolment,
        existing_person=existing_person, prefilled_program=prefilled_program,
    )


def _flash_invite_result(result, role, program, module) -> None:
    name = result.user.name
    if role == ROLE_PARTICIPANT:
        message = _("%(name)s is enrolled in %(program)s.", name=name, program=program.name)
    elif role == ROLE_TRAINER:
        if result.trainer_added:
            message = _("%(name)s is a trainer of %(module)s.", name=name, module=module.title)
        else:
            message = _("%(name)s was already a trainer of %(module)s.", name=name, module=module.title)
    else:
        message = _("%(name)s is a coordinator.", name=name)
    if not result.created:
        message += " " + _("They were already known: their details were kept.")
    if result.invitation_sent:
        message += " " + _("An invitation was sent to %(email)s.", email=result.user.email)
    flash(message, "success")


# --------------------------------------------------------------------------- a program's people

@bp.get("/programs/<int:program_id>/people")
@coordinator_required
def program_people(program_id):
    program = _get_or_404(Program, program_id)
    form = ProgramPeopleFilterForm(formdata=request.args)
    args = request.args
    data = queries.program_people(
        program,
        track_id=_int(args.get("track")),
        module_id=_int(args.get("module")),
        group_id="none" if args.get("group") == "none" else _int(args.get("group")),
        status=args.get("status", ""),
        country=args.get("country", ""),
    )
    form.track.choices = choices(((t.id, t.name) for t in data.tracks), blank=_("All tracks"))
    module_choices = choices([], blank=_("All modules"))
    for track in data.tracks:
        module_choices += choices(((m.id, m.display_title) for m in track.modules), optgroup=track.name)
    form.module.choices = module_choices
    form.group.choices = choices([("none", _("No group"))] + [(g.id, g.name) for g in data.groups],
                                 blank=_("All groups"))
    form.status.choices = choices(((value, label) for value, label, _count in data.by_status), blank=_("Any status"))
    form.country.choices = choices(((code, name) for code, name, _count in data.by_country if code),
                                   blank=_("All countries"))
    filtered = any(args.get(key) for key in ("track", "module", "group", "status", "country"))
    return render_template("enrolment/program_people.html", data=data, program=program, form=form,
                           filtered=filtered)


@bp.post("/programs/<int:program_id>/people/resend-invitations")
@coordinator_required
def resend_program_invitations(program_id):
    """A fresh invitation link to every participant of the program who has not accepted yet."""
    program = _get_or_404(Program, program_id)
    count = operations.resend_program_invitations(program, current_user)
    db.session.commit()
    if count:
        flash(ngettext("A fresh invitation was sent to %(num)d person. Their earlier link no longer works.",
                       "A fresh invitation was sent to %(num)d people. Their earlier links no longer work.",
                       count), "success")
    else:
        flash(_("Everyone in this program has accepted their invitation."), "info")
    return redirect(url_for("enrolment.program_people", program_id=program.id))


# --------------------------------------------------------------------------- edit an enrolment

def _fill_enrolment_choices(form: EnrolmentForm, program: Program, enrolment: Enrolment) -> None:
    """Active tracks, modules and groups, and the enrolment's own even when archived (marked so)."""

    def label(record, text):
        return _("%(name)s (archived)", name=text) if record.is_archived else text

    tracks = [t for t in program.tracks if not t.is_archived or t.id == enrolment.track_id]
    form.track.choices = choices(((t.id, label(t, t.name)) for t in tracks), blank=_("No track"))
    module_choices = choices([], blank=_("No module"))
    for track in program.tracks:
        modules = [m for m in track.modules
                   if (not m.is_archived and not track.is_archived) or m.id == enrolment.module_id]
        module_choices += choices(((m.id, label(m, m.title)) for m in modules), optgroup=track.name)
    form.module.choices = module_choices
    groups = [g for g in program.groups if not g.is_archived or g.id == enrolment.group_id]
    form.group.choices = choices(((g.id, label(g, g.name)) for g in groups), blank=_("No group"))


@bp.route("/enrolments/<int:enrolment_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_enrolment(enrolment_id):
    enrolment = _get_or_404(Enrolment, enrolment_id)
    program = enrolment.program
    form = EnrolmentForm(current_status=enrolment.status)
    _fill_enrolment_choices(form, program, enrolment)
    if request.method == "GET":
        form.track.data = str(enrolment.track_id or "")
        form.module.data = str(enrolment.module_id or "")
        form.group.data = str(enrolment.group_id or "")
        form.status.data = enrolment.status
        form.version.data = str(enrolment.version)
    conflict = None
    if form.validate_on_submit():
        ok, track, module, group = _check_placement(
            program, track_field=form.track, module_field=form.module, group_field=form.group, current=enrolment
        )
        if ok:
            try:
                check_version(enrolment, form.version.data)
                events = operations.update_enrolment(
                    enrolment, track=track, module=module, group=group, status=form.status.data,
                    actor=current_user, note=form.note.data,
                )
                db.session.commit()
            except (EditConflict, StaleDataError):
                db.session.rollback()
                enrolment = _get_or_404(Enrolment, enrolment_id)
                conflict = enrolment
                form.version.data = str(enrolment.version)
            else:
                if events:
                    flash(_("The enrolment of %(name)s was updated.", name=enrolment.user.name), "success")
                else:
                    flash(_("Nothing was changed."), "info")
                return redirect(url_for("enrolment.person_detail", user_id=enrolment.user_id))
    return render_template("enrolment/enrolment_edit.html", form=form, enrolment=enrolment, program=program,
                           conflict=conflict, conflict_message=EditConflict.message)


# --------------------------------------------------------------------------- CSV import

def _encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _decode(value: str) -> str | None:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None


def _read_upload(form: CsvUploadForm) -> str | None:
    """The uploaded text, or None with an error next to the file field."""
    upload = form.file.data
    limit = current_app.config["CSV_IMPORT_MAX_BYTES"]
    filename = (upload.filename or "").lower()
    mimetype = (upload.mimetype or "").lower()
    if not (filename.endswith(".csv") or filename.endswith(".txt") or mimetype.startswith("text/")):
        form.file.errors.append(_("Upload a .csv file (in your spreadsheet: Save as → CSV UTF-8)."))
        return None
    try:
        data = upload.stream.read(limit + 1)
    finally:
        upload.close()
    if len(data) > limit:
        form.file.errors.append(
            _("The file is too large: at most %(size)s KB. Split it into several files.", size=limit // 1024)
        )
        return None
    try:
        return csv_import.decode_upload(data)
    except csv_import.CsvFileError as error:
        form.file.errors.append(str(error))
        return None


def _render_preview(program, preview, text, upload_form, message=None):
    confirm = CsvConfirmForm()
    confirm.content.data = _encode(text)
    return render_template(
        "enrolment/import_preview.html", program=program, preview=preview, confirm=confirm,
        form=upload_form, message=message,
    )


@bp.route("/programs/<int:program_id>/import", methods=["GET", "POST"])
@coordinator_required
def import_csv(program_id):
    program = _get_or_404(Program, program_id)
    form = CsvUploadForm()
    if request.method == "POST" and request.form.get("step") == "confirm":
        return _confirm_import(program)
    if form.validate_on_submit():
        text = _read_upload(form)
        if text is not None:
            try:
                preview = operations.preview_import(program, text)
            except csv_import.CsvFileError as error:
                form.file.errors.append(str(error))
            else:
                if not preview.rows:
                    form.file.errors.append(_("The file has a header but no people."))
                else:
                    return _render_preview(program, preview, text, CsvUploadForm(formdata=None))
    return render_template("enrolment/import_upload.html", program=program, form=form)


@bp.get("/programs/<int:program_id>/import/template.csv")
@coordinator_required
def import_template(program_id):
    """An empty file with the columns the import reads, to fill in a spreadsheet."""
    program = _get_or_404(Program, program_id)
    header = "name,email,country,time zone,track,module,group,role,organisation,job title\r\n"
    filename = f"import-{secure_filename(program.code) or program.id}.csv"
    return Response(
        "\ufeff" + header,  # the byte order mark makes spreadsheets read it as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _confirm_import(program):
    confirm = CsvConfirmForm()
    upload_form = CsvUploadForm(formdata=None)
    text = _decode(confirm.content.data or "") if confirm.validate_on_submit() else None
    limit = current_app.config["CSV_IMPORT_MAX_BYTES"]
    if text is None or len(text.encode("utf-8")) > limit:
        flash(_("The confirmation could not be read. Upload the file again."), "error")
        return redirect(url_for("enrolment.import_csv", program_id=program.id))
    try:
        # Never trust the preview: everything is checked again against today's data.
        preview = operations.preview_import(program, text)
    except csv_import.CsvFileError as error:
        upload_form.file.errors.append(str(error))
        return render_template("enrolment/import_upload.html", program=program, form=upload_form)
    if not preview.ok:
        return _render_preview(
            program, preview, text, upload_form,
            message=_("Something changed since the preview: some rows now have errors. Nothing was imported."),
        )
    try:
        summary = operations.import_rows(program, preview, current_user)
        db.session.commit()
    except Exception:  # all or nothing, whatever went wrong
        db.session.rollback()
        current_app.logger.exception("CSV import into program %s failed", program.id)
        preview = operations.preview_import(program, text)
        return _render_preview(
            program, preview, text, upload_form,
            message=_("The import failed and nothing was saved. Try again; if it keeps failing, "
                      "contact the platform's administrator."),
        )
    flash(_summary_message(summary), "success")
    return redirect(url_for("enrolment.program_people", program_id=program.id))


def _summary_message(summary: operations.ImportSummary) -> str:
    parts = [
        ngettext("%(num)d person created", "%(num)d people created", summary.people_created),
        ngettext("%(num)d enrolment", "%(num)d enrolments", summary.enrolments_created),
    ]
    if summary.trainers_added:
        parts.append(ngettext("%(num)d trainer added", "%(num)d trainers added", summary.trainers_added))
    if summary.groups_created:
        parts.append(_("new groups: %(names)s", names=", ".join(summary.groups_created)))
    parts.append(ngettext("%(num)d invitation sent", "%(num)d invitations sent", summary.invitations_sent))
    if summary.unchanged:
        parts.append(ngettext("%(num)d row already done (unchanged)", "%(num)d rows already done (unchanged)",
                              summary.unchanged))
    return _("Import complete: %(parts)s.", parts="; ".join(parts))


@bp.app_template_filter("status_label")
def status_label_filter(value: str) -> str:
    try:
        return EnrolmentStatus(value).label
    except ValueError:
        return value or ""
