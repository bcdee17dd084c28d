"""Pages of pre-departure readiness.

* The participant's form (``readiness.form``, answer: ``confirm``, ``decline``): only the participant
  themself, once admitted (or after confirming or declining). Coordinators are sent to the board.
* The board, its CSV export, one participant's record and recording an answer for them: coordinators only.

Trainers never see any of it, not even for their own participants.
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms.core.concurrency import EditConflict
from lms.core.permissions import authenticated, coordinator_required, require
from lms.core.timezones import country_name, format_day, viewer_timezone
from lms.enrolment.models import Enrolment, EnrolmentEvent
from lms.extensions import db
from lms.programs.models import Program
from lms.readiness import operations as ops
from lms.readiness.access import can_answer, can_view_board, can_view_readiness, own_enrolment
from lms.readiness.forms import BoardFilterForm, ConfirmForm, DeclineForm, DetailsForm, RecordAnswerForm
from lms.readiness.models import Readiness

bp = Blueprint("readiness", __name__)


def _own_enrolment_or_refuse(program: Program) -> Enrolment:
    enrolment = own_enrolment(current_user, program.id)
    require(can_answer(current_user, enrolment))
    return enrolment


def _missing_labels(keys) -> list[str]:
    return [ops.item_label(key) for key in keys]


def _detail_labels() -> dict[str, str]:
    return {
        "arrival_date": _("Arrival date"),
        "arrival_flight": _("Arrival flight"),
        "departure_date": _("Departure date"),
        "departure_flight": _("Departure flight"),
        "dietary_needs": _("Dietary needs"),
        "accessibility_needs": _("Accessibility needs"),
        "emergency_name": _("Emergency contact"),
        "emergency_relationship": _("Emergency contact's relationship"),
        "emergency_phone": _("Emergency contact's phone"),
        "emergency_email": _("Emergency contact's email"),
    }


def _saved_values(readiness: Readiness, program: Program) -> list[tuple[str, str]]:
    """The stored details, labelled: shown beside an edit conflict and on the record page."""
    rows = []
    for name, label in _detail_labels().items():
        value = getattr(readiness, name)
        if name == "dietary_needs" and ops.has_no_dietary_needs(readiness):
            shown = _("No special dietary needs")
        elif name in ("arrival_date", "departure_date"):
            shown = format_day(value)
        else:
            shown = value
        rows.append((label, shown or "—"))
    rows.append((_("Terms"), _terms_text(readiness, program)))
    return rows


def _terms_text(readiness: Readiness | None, program: Program) -> str:
    from lms.core.timezones import format_instant

    state = ops.terms_state(readiness, program)
    if state == ops.TERMS_NOT_REQUIRED:
        return _("This program has no participation terms.")
    if state == ops.TERMS_ACCEPTED:
        return _("Accepted on %(when)s", when=format_instant(readiness.terms_accepted_at))
    if state == ops.TERMS_RENEW:
        return _("Accepted on %(when)s, but the terms have changed since: to accept again",
                 when=format_instant(readiness.terms_accepted_at))
    return _("Not accepted yet")


# --------------------------------------------------------------------------
# The participant's form
# --------------------------------------------------------------------------


def _render_form(program: Program, enrolment: Enrolment, readiness: Readiness | None, *, details: DetailsForm | None = None,
                 decline: DeclineForm | None = None, conflict: Readiness | None = None, status: int = 200):
    track = enrolment.track
    confirmed = enrolment.status == ops.CONFIRMED
    if confirmed and details is None:
        details = DetailsForm(obj=readiness, track=track)
        details.no_dietary_needs.data = ops.has_no_dietary_needs(readiness)
        details.version.data = readiness.version if readiness is not None else ""
    if details is not None:
        details.terms_digest.data = ops.terms_digest(program.participation_terms) or ""
    window = track.offline_window if track is not None else None
    return render_template(
        "readiness/form.html",
        program=program,
        enrolment=enrolment,
        track=track,
        window=window,
        readiness=readiness,
        confirmed=confirmed,
        declined=enrolment.status == ops.DECLINED,
        confirm_form=ConfirmForm(),
        decline_form=decline or DeclineForm(formdata=None),
        details=details,
        missing=_missing_labels(ops.missing_items(readiness, program)) if confirmed else [],
        warnings=ops.readiness_warnings(readiness, track) if confirmed else {},
        terms=ops.terms_state(readiness, program),
        conflict=conflict,
        conflict_message=EditConflict.message,
        saved=_saved_values(conflict, program) if conflict is not None else [],
    ), status


@bp.route("/programs/<int:program_id>/readiness", methods=["GET", "POST"])
@authenticated
def form(program_id):
    program = db.get_or_404(Program, program_id)
    enrolment = own_enrolment(current_user, program.id)
    if not can_answer(current_user, enrolment):
        if can_view_board(current_user) and enrolment is None:
            # The program office has no form of its own: their view of everyone is the board.
            return redirect(url_for("readiness.board", program_id=program.id))
        require(False)
    readiness = ops.readiness_for(enrolment)
    if request.method == "GET":
        return _render_form(program, enrolment, readiness)

    if enrolment.status != ops.CONFIRMED:
        flash(_("Confirm that you will attend before giving your details."), "error")
        return redirect(url_for("readiness.form", program_id=program.id))
    details = DetailsForm(track=enrolment.track)
    if not details.validate_on_submit():
        return _render_form(program, enrolment, readiness, details=details, status=400)
    try:
        expected = details.version.data
        if readiness is None:  # confirmed without a record (e.g. set by the demo): start one now
            readiness = Readiness(enrolment=enrolment)
            db.session.add(readiness)
            db.session.flush()
            expected = expected or readiness.version
        ops.save_details(readiness, details.details(), expected, current_user)
        db.session.commit()
    except ops.ReadinessError as error:
        db.session.rollback()
        for name, message in error.errors.items():
            details[name].errors = [*details[name].errors, message]
        return _render_form(program, enrolment, ops.readiness_for(enrolment), details=details, status=400)
    except (EditConflict, StaleDataError, IntegrityError):
        db.session.rollback()
        current = ops.readiness_for(enrolment)
        if current is None:
            raise
        db.session.refresh(current)
        details.version.data = current.version  # saving again overwrites, knowingly
        return _render_form(program, enrolment, current, details=details, conflict=current, status=409)
    except ops.NotAllowed:
        db.session.rollback()
        flash(_("Your answer changed in another window: confirm that you will attend before giving your details."),
              "error")
        return redirect(url_for("readiness.form", program_id=program.id))
    missing = ops.missing_items(readiness, program)
    if missing:
        flash(_("Saved. Still missing: %(items)s. You can come back and complete it at any time.",
                items=", ".join(_missing_labels(missing))), "success")
    else:
        flash(_("Saved. The program office has everything it needs from you."), "success")
    return redirect(url_for("readiness.form", program_id=program.id))


def _answer(program: Program, enrolment: Enrolment, action, *, by_office: bool = False) -> bool:
    """Run confirm or decline and commit; a refusal becomes a message."""
    try:
        action()
        db.session.commit()
        return True
    except ops.PlaceTaken as full:
        db.session.rollback()
        if by_office:
            flash(_("The track %(track)s is full now (%(capacity)d places): "
                    "free a place first, or admit over capacity from the admission queue.",
                    track=full.track.name, capacity=full.capacity), "error")
        else:
            flash(_("The track %(track)s is full now: your place was given to someone else. "
                    "Write to the program office if you can still come.", track=full.track.name), "error")
    except ops.NotAllowed:
        db.session.rollback()
        flash(_("This answer is not possible with the status “%(status)s”.", status=enrolment.status_label),
              "error")
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        flash(_("Your answer was changed at the same moment in another window. Here is where it stands now."),
              "error")
    return False


@bp.post("/programs/<int:program_id>/readiness/confirm")
@authenticated
def confirm(program_id):
    program = db.get_or_404(Program, program_id)
    enrolment = _own_enrolment_or_refuse(program)
    if ConfirmForm().validate_on_submit():
        was = enrolment.status
        if _answer(program, enrolment, lambda: ops.confirm_attendance(enrolment, current_user)) \
                and was != ops.CONFIRMED:
            flash(_("Thank you: your attendance is confirmed. Now give the details the program office needs."),
                  "success")
    return redirect(url_for("readiness.form", program_id=program.id))


@bp.post("/programs/<int:program_id>/readiness/decline")
@authenticated
def decline(program_id):
    program = db.get_or_404(Program, program_id)
    enrolment = _own_enrolment_or_refuse(program)
    form_ = DeclineForm()
    if not form_.validate_on_submit():
        return _render_form(program, enrolment, ops.readiness_for(enrolment), decline=form_, status=400)
    was = enrolment.status
    if _answer(program, enrolment, lambda: ops.decline_place(enrolment, current_user, form_.reason.data)) \
            and was != ops.DECLINED:
        flash(_("You declined your place. The program office has been told. "
                "If you change your mind, you can take it back here while the place is still free."), "success")
    return redirect(url_for("readiness.form", program_id=program.id))


# --------------------------------------------------------------------------
# The coordinators' board
# --------------------------------------------------------------------------


def _board(program: Program):
    filters = ops.BoardFilters.from_args(request.args)
    board = ops.board_rows(program, filters)
    return board


@bp.get("/programs/<int:program_id>/readiness/board")
@coordinator_required
def board(program_id):
    program = db.get_or_404(Program, program_id)
    require(can_view_board(current_user))
    data = _board(program)
    form_ = BoardFilterForm(formdata=request.args)
    from lms.enrolment.forms import choices

    form_.track.choices = choices(((track.id, track.name) for track in program.tracks), blank=_("All tracks"))
    form_.status.choices = choices(((key, str(label)) for key, label in ops.STATE_LABELS.items()),
                                   blank=_("Any status"))
    return render_template(
        "readiness/board.html",
        program=program,
        board=data,
        form=form_,
        item_labels={key: str(label) for key, label in ops.ITEM_LABELS.items()},
        state_labels={key: str(label) for key, label in ops.STATE_LABELS.items()},
        has_terms=ops.terms_digest(program.participation_terms) is not None,
    )


def _csv_cell(value) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ (or a tab, a return) is not run as a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


@bp.get("/programs/<int:program_id>/readiness/board.csv")
@coordinator_required
def board_csv(program_id):
    program = db.get_or_404(Program, program_id)
    require(can_view_board(current_user))
    data = _board(program)
    zone_name = viewer_timezone()
    zone = ZoneInfo(zone_name)

    def when(value):
        return value.astimezone(zone).isoformat(timespec="minutes") if value else ""

    def day(value):
        return value.isoformat() if value else ""

    terms_labels = {
        ops.TERMS_NOT_REQUIRED: _("no terms"), ops.TERMS_ACCEPTED: _("accepted"),
        ops.TERMS_RENEW: _("to accept again (terms changed)"), ops.TERMS_MISSING: _("not accepted"),
    }
    states = {key: str(label) for key, label in ops.STATE_LABELS.items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([
        _("Name"), _("Email"), _("Country"), _("Track"), _("Module"), _("Group"), _("Answer"),
        _("Answered (%(zone)s)", zone=zone_name), _("Reason for declining"),
        _("Arrival date"), _("Arrival flight"), _("Departure date"), _("Departure flight"),
        _("Dietary needs"), _("Accessibility needs"),
        _("Emergency contact name"), _("Emergency contact relationship"), _("Emergency contact phone"),
        _("Emergency contact email"), _("Terms"), _("Terms accepted (%(zone)s)", zone=zone_name),
        _("Missing"), _("Date warnings"),
    ])
    for row in data.rows:
        r, e = row.readiness, row.enrolment
        if r is not None and ops.has_no_dietary_needs(r):
            dietary = _("No special dietary needs")
        else:
            dietary = r.dietary_needs if r is not None else ""
        writer.writerow([_csv_cell(value) for value in (
            e.user.name, e.user.email, country_name(e.user.country),
            e.track.name if e.track else "", e.module.display_title if e.module else "",
            e.group.name if e.group else "", states[row.state],
            when(row.answered_at), r.decline_reason if r is not None else "",
            day(r.arrival_date) if r else "", r.arrival_flight if r else "",
            day(r.departure_date) if r else "", r.departure_flight if r else "",
            dietary, r.accessibility_needs if r else "",
            r.emergency_name if r else "", r.emergency_relationship if r else "",
            r.emergency_phone if r else "", r.emergency_email if r else "",
            terms_labels[row.terms], when(r.terms_accepted_at) if r else "",
            "; ".join(_missing_labels(row.missing)), " ".join(row.warnings.values()),
        )])
    name = f"readiness-{program.code}.csv"
    return current_app.response_class(
        "\ufeff" + buffer.getvalue(),  # a BOM so that spreadsheet programs read UTF-8 (Korean, accents)
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _program_enrolment_or_404(program: Program, enrolment_id: int) -> Enrolment:
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.program_id == program.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.track), joinedload(Enrolment.module),
                 joinedload(Enrolment.group),
                 selectinload(Enrolment.events).joinedload(EnrolmentEvent.actor))
    )
    if enrolment is None:
        abort(404)
    return enrolment


def _render_record(program: Program, enrolment: Enrolment, answer_form: RecordAnswerForm | None = None,
                   status: int = 200):
    readiness = ops.readiness_for(enrolment)
    state = None
    if enrolment.status in (ops.ADMITTED, ops.CONFIRMED, ops.DECLINED):
        state = ops.answer_state(enrolment)
    return render_template(
        "readiness/record.html",
        program=program,
        enrolment=enrolment,
        person=enrolment.user,
        track=enrolment.track,
        window=enrolment.track.offline_window if enrolment.track else None,
        readiness=readiness,
        state=state,
        state_labels={key: str(label) for key, label in ops.STATE_LABELS.items()},
        saved=_saved_values(readiness, program) if readiness is not None else [],
        missing=_missing_labels(ops.missing_items(readiness, program)) if state == ops.STATE_CONFIRMED else [],
        warnings=ops.readiness_warnings(readiness, enrolment.track) if state == ops.STATE_CONFIRMED else {},
        events=sorted(enrolment.events, key=lambda event: (event.at, event.id), reverse=True),
        answer_form=answer_form or RecordAnswerForm(formdata=None),
    ), status


@bp.get("/programs/<int:program_id>/readiness/board/<int:enrolment_id>")
@coordinator_required
def record(program_id, enrolment_id):
    program = db.get_or_404(Program, program_id)
    enrolment = _program_enrolment_or_404(program, enrolment_id)
    require(can_view_readiness(current_user, enrolment))
    return _render_record(program, enrolment)


@bp.post("/programs/<int:program_id>/readiness/board/<int:enrolment_id>/answer")
@coordinator_required
def record_answer(program_id, enrolment_id):
    """An answer given to the office by phone or email, recorded by a coordinator for the participant."""
    program = db.get_or_404(Program, program_id)
    enrolment = _program_enrolment_or_404(program, enrolment_id)
    require(can_view_readiness(current_user, enrolment))
    form_ = RecordAnswerForm()
    if not form_.validate_on_submit():
        return _render_record(program, enrolment, form_, status=400)
    if form_.answer.data == "confirm":
        action = lambda: ops.confirm_attendance(enrolment, current_user, note=form_.note.data)  # noqa: E731
    else:
        action = lambda: ops.decline_place(enrolment, current_user, form_.note.data)  # noqa: E731
    if _answer(program, enrolment, action, by_office=True):
        flash(_("The answer of %(name)s was recorded.", name=enrolment.user.name), "success")
    return redirect(url_for("readiness.record", program_id=program.id, enrolment_id=enrolment.id))
