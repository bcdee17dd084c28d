"""Pages of the offline phase: its schedule in Korea time, each session's check-in, authoring.

* ``offline.manage``, ``create``, ``edit``, ``archive``, ``restore``, ``manual``: coordinators.
* ``offline.schedule``: the program's admitted or confirmed participants (their audience's
  sessions), the program's trainers and coordinators (every session).
* ``offline.session``: the session's expected participants (details, their check-in), its
  trainers and coordinators (the QR check-in screen, who is expected and who is in).
* ``offline.check_in`` (the address in the QR code) and ``offline.enter_code``: any signed-in
  person; the operation refuses those not expected, outside the check-in time, with a wrong or
  expired code.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from lms.accounts.operations import absolute_url
from lms.core.concurrency import EditConflict
from lms.core.database import utcnow
from lms.core.permissions import authenticated, coordinator_required, require
from lms.core.timezones import KOREA_TZ, country_name, zone_label
from lms.extensions import db
from lms.learning.access import is_program_trainer
from lms.live.models import Audience, LiveSession, OfflineKind
from lms.offline import operations as ops
from lms.offline.access import (
    can_check_in_by_hand,
    can_run_check_in,
    can_view_session,
    is_offline,
    offline_enrolment,
)
from lms.offline.forms import CheckInForm, CodeEntryForm, ManualCheckInForm, OfflineSessionForm
from lms.offline.models import CheckIn
from lms.offline.qr import qr_svg
from lms.programs.models import Program

bp = Blueprint("offline", __name__)

# Until check-in opens, the check-in screen reloads itself when it opens within this many minutes.
SCREEN_RELOAD_AHEAD_MINUTES = 60


def _session_or_404(session_id: int) -> LiveSession:
    session = db.session.scalar(select(LiveSession).where(LiveSession.id == session_id)
                                .options(joinedload(LiveSession.program)))
    if not is_offline(session):
        abort(404)
    return session


def _korea_zone() -> str:
    return zone_label(KOREA_TZ)


@bp.app_template_filter("korea_time")
def korea_time(value) -> str:
    """The wall-clock time of an instant in Korea, in the viewer's language ("9:30 AM", "오전 9:30")."""
    if value is None:
        return ""
    return format_time(value, format="short", tzinfo=ZoneInfo(KOREA_TZ), locale=str(get_locale() or "en"))


# Authoring (coordinators) -----------------------------------------------------------------------


@bp.get("/programs/<int:program_id>/offline/sessions")
@coordinator_required
def manage(program_id):
    program = db.get_or_404(Program, program_id)
    show_archived = request.args.get("archived") == "1"
    sessions = list(db.session.scalars(ops.offline_sessions_query(program.id, archived=True)))
    archived_count = sum(1 for session in sessions if session.archived_at is not None)
    shown = [session for session in sessions if show_archived or session.archived_at is None]
    tracks, groups = ops.program_tracks_and_groups(program)
    counts = {}
    if shown:
        counts = dict(db.session.execute(
            select(CheckIn.session_id, func.count(CheckIn.id))
            .where(CheckIn.session_id.in_([session.id for session in shown]))
            .group_by(CheckIn.session_id)).all())
    return render_template(
        "offline/manage.html",
        program=program,
        days=ops.schedule_days(shown, tracks, groups, with_warnings=True),
        tracks=tracks,
        counts=counts,
        show_archived=show_archived,
        archived_count=archived_count,
        korea_zone=_korea_zone(),
    )


def _render_form(program, form, *, session=None, conflict=None):
    saved = None
    if conflict is not None:
        start, end = ops.in_entry_zone(conflict.starts_at), ops.in_entry_zone(conflict.ends_at)
        audience = dict(ops.audience_choices(program, (conflict.audience, conflict.audience_id)))
        saved = [
            (_("Title"), conflict.title),
            (_("Kind"), ops.kind_label(conflict)),
            (_("Who attends"), audience.get(f"{conflict.audience}:{conflict.audience_id}", "")),
            (_("Location"), conflict.location or "—"),
            (_("Date (in Korea)"), start.date().isoformat()),
            (_("Time (Korea)"), f"{start:%H:%M} – {end:%H:%M}"),
            (_("Archived"), _("yes") if conflict.archived_at else _("no")),
        ]
    return render_template(
        "offline/form.html",
        program=program,
        session=session,
        form=form,
        conflict=conflict,
        saved=saved,
        conflict_message=EditConflict.message,
        korea_zone=_korea_zone(),
        tracks=ops.program_tracks_and_groups(program)[0],
    )


def _flash_saved(session, message: str) -> None:
    flash(message, "success")
    tracks, _groups = ops.program_tracks_and_groups(session.program)
    warning = ops.outside_window(session, tracks)
    if warning:
        flash(_("Check the date: %(warning)s", warning=warning), "warning")


@bp.route("/programs/<int:program_id>/offline/sessions/new", methods=["GET", "POST"])
@coordinator_required
def create(program_id):
    program = db.get_or_404(Program, program_id)
    form = OfflineSessionForm(audience_choices=ops.audience_choices(program))
    if not form.is_submitted():
        form.kind.data = OfflineKind.WORKSHOP.value
        form.audience.data = f"{Audience.PROGRAM.value}:{program.id}"
    if form.validate_on_submit():
        session = ops.create_session(program, form.session_data())
        db.session.commit()
        _flash_saved(session, _("“%(title)s” was added to the offline phase.", title=session.title))
        return redirect(url_for("offline.manage", program_id=program.id))
    return _render_form(program, form)


@bp.route("/offline/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(session_id):
    session = _session_or_404(session_id)
    program = session.program
    form = OfflineSessionForm(audience_choices=ops.audience_choices(program, (session.audience, session.audience_id)))
    conflict = None
    if form.validate_on_submit():
        try:
            ops.update_session(session, form.session_data(), form.version.data)
            db.session.commit()
        except (EditConflict, StaleDataError):
            db.session.rollback()
            db.session.refresh(session)
            form.version.data = session.version
            conflict = session
        else:
            _flash_saved(session, _("“%(title)s” was saved.", title=session.title))
            return redirect(url_for("offline.manage", program_id=program.id))
    elif not form.is_submitted():
        form.fill_from(session)
    return _render_form(program, form, session=session, conflict=conflict)


@bp.post("/offline/sessions/<int:session_id>/archive")
@coordinator_required
def archive(session_id):
    session = _session_or_404(session_id)
    if ops.archive_session(session):
        db.session.commit()
        flash(_("“%(title)s” archived: it left the schedule. You can restore it at any time.",
                title=session.title), "success")
    return redirect(url_for("offline.manage", program_id=session.program_id))


@bp.post("/offline/sessions/<int:session_id>/restore")
@coordinator_required
def restore(session_id):
    session = _session_or_404(session_id)
    if ops.restore_session(session):
        db.session.commit()
        flash(_("“%(title)s” restored.", title=session.title), "success")
    return redirect(url_for("offline.manage", program_id=session.program_id, archived=1))


# The schedule -----------------------------------------------------------------------------------


@bp.get("/programs/<int:program_id>/offline/schedule")
@authenticated
def schedule(program_id):
    program = db.get_or_404(Program, program_id)
    staff = current_user.is_coordinator or is_program_trainer(current_user, program.id)
    enrolment = None
    if not staff:
        enrolment = offline_enrolment(current_user, program.id)
        require(enrolment is not None)
    tracks, groups = ops.program_tracks_and_groups(program)
    selected_track = None
    checked_in = None
    if staff:
        query = ops.offline_sessions_query(program.id)
        selected_track = next((t for t in tracks if t.id == request.args.get("track", type=int)), None)
        if selected_track is not None:
            query = query.where(or_(LiveSession.audience != Audience.TRACK.value,
                                    LiveSession.audience_id == selected_track.id))
        sessions = list(db.session.scalars(query))
        shown_tracks = [track for track in tracks if track.archived_at is None]
    else:
        sessions = list(db.session.scalars(ops.sessions_for_enrolment_query(enrolment)))
        checked_in = ops.checked_in_session_ids(current_user.id, [session.id for session in sessions])
        shown_tracks = [track for track in tracks if track.id == enrolment.track_id]
    return render_template(
        "offline/schedule.html",
        program=program,
        days=ops.schedule_days(sessions, tracks, groups, checked_in_ids=checked_in),
        staff=staff,
        enrolment=enrolment,
        tracks=shown_tracks,
        selected_track=selected_track,
        korea_zone=_korea_zone(),
    )


# One session: the check-in screen, or the participant's view ------------------------------------


@bp.get("/offline/sessions/<int:session_id>")
@authenticated
def session(session_id):
    session = _session_or_404(session_id)
    require(can_view_session(current_user, session))
    now = utcnow()
    opens_at = ops.opens_at(session)
    check_in_open = ops.is_open(session, now)
    context = dict(session=session, program=session.program, kind_label=ops.kind_label(session),
                   opens_at=opens_at, check_in_open=check_in_open, state=ops.session_state(session, now),
                   early_minutes=ops.early_minutes(), korea_zone=_korea_zone())
    if can_run_check_in(current_user, session):
        expected = ops.expected_enrolments(session)
        check_ins = ops.check_ins_by_user(session)
        expected_ids = {enrolment.user_id for enrolment in expected}
        others = sorted((c for c in check_ins.values() if c.user_id not in expected_ids),
                        key=lambda c: (c.user.name, c.user_id))
        code = url = svg = None
        if check_in_open and session.archived_at is None:
            code = ops.code_for(session, now)
            url = absolute_url("offline.check_in", session_id=session.id, code=code)
            svg = qr_svg(url, title=_("Check-in code for %(title)s", title=session.title))
        reload_in = None
        if session.archived_at is None and now < session.ends_at and (
                check_in_open or (opens_at - now).total_seconds() <= SCREEN_RELOAD_AHEAD_MINUTES * 60):
            reload_in = ops.seconds_to_next_minute(now)
        return render_template(
            "offline/screen.html",
            expected=expected,
            check_ins=check_ins,
            others=others,
            checked_in_count=sum(1 for enrolment in expected if enrolment.user_id in check_ins),
            code=code,
            check_in_url=url,
            qr=svg,
            reload_in=reload_in,
            can_check_in_by_hand=can_check_in_by_hand(current_user, session),
            **context,
        )
    return render_template(
        "offline/session.html",
        check_in=ops.check_in_of(session, current_user.id),
        code_form=CodeEntryForm(formdata=None),
        **context,
    )


@bp.get("/offline/sessions/<int:session_id>/code")
@authenticated
def enter_code(session_id):
    """The code typed from the screen (when the camera cannot scan): on to the check-in page."""
    session = _session_or_404(session_id)
    form = CodeEntryForm(request.args)
    code = ops.normalise_code(form.code.data) if form.validate() else ""
    if not code:
        flash(_("Type the code shown on the screen."), "error")
        return redirect(url_for("offline.session", session_id=session.id))
    return redirect(url_for("offline.check_in", session_id=session.id, code=code))


# Checking in ------------------------------------------------------------------------------------


def _refused(session, error: ops.CheckInError):
    return render_template("offline/refused.html", session=session, error=error,
                           can_view=error.status != 404 and can_view_session(current_user, session)), error.status


@bp.route("/offline/check-in/<int:session_id>/<code>", methods=["GET", "POST"])
@authenticated
def check_in(session_id, code):
    """The address in the QR code. GET asks to confirm (it records nothing); POST checks in once."""
    session = _session_or_404(session_id)
    now = utcnow()
    form = CheckInForm()
    if request.method == "POST":
        posted = form.code.data if form.code.data else code
        if ops.normalise_code(posted) != ops.normalise_code(code):
            return _refused(session, ops.InvalidCode("invalid"))
        try:
            ops.check_in(session, current_user, CheckIn.QR, code=posted, now=now)
        except ops.AlreadyCheckedIn as already:
            flash(already.message, "info")
            return redirect(url_for("offline.session", session_id=session.id))
        except ops.CheckInError as error:
            db.session.rollback()
            return _refused(session, error)
        db.session.commit()
        flash(_("You are checked in to “%(title)s”. Welcome!", title=session.title), "success")
        return redirect(url_for("offline.session", session_id=session.id))
    problem = ops.refusal(session, current_user, code=code, now=now)
    if isinstance(problem, ops.AlreadyCheckedIn):
        return render_template("offline/check_in.html", session=session, form=None, already=problem,
                               kind_label=ops.kind_label(session))
    if problem is not None:
        return _refused(session, problem)
    form.code.data = code
    return render_template("offline/check_in.html", session=session, form=form, already=None,
                           kind_label=ops.kind_label(session))


@bp.route("/offline/sessions/<int:session_id>/check-in-by-hand", methods=["GET", "POST"])
@coordinator_required
def manual(session_id):
    session = _session_or_404(session_id)
    require(can_check_in_by_hand(current_user, session))
    expected = ops.expected_enrolments(session)
    check_ins = ops.check_ins_by_user(session)
    pending = [enrolment for enrolment in expected if enrolment.user_id not in check_ins]
    form = ManualCheckInForm(people_choices=[
        (enrolment.user_id, _("%(name)s (%(country)s)", name=enrolment.user.name,
                              country=country_name(enrolment.user.country) or "—"))
        for enrolment in pending])
    if form.validate_on_submit():
        chosen = set(form.people.data)
        users = [enrolment.user for enrolment in pending if enrolment.user_id in chosen]
        recorded, already, refused = ops.check_in_by_hand(session, users, current_user, note=form.note.data)
        db.session.commit()
        if recorded:
            flash(ngettext("%(num)d person checked in.", "%(num)d people checked in.", len(recorded)), "success")
        if already:
            flash(ngettext("%(num)d person was already checked in.", "%(num)d people were already checked in.",
                           len(already)), "info")
        for user, error in refused:
            flash(_("%(name)s: %(reason)s", name=user.name, reason=error.message), "error")
        return redirect(url_for("offline.manual", session_id=session.id))
    return render_template(
        "offline/manual.html",
        session=session,
        program=session.program,
        form=form,
        expected=expected,
        check_ins=check_ins,
        pending=pending,
        not_open_yet=utcnow() < ops.opens_at(session),
        opens_at=ops.opens_at(session),
        kind_label=ops.kind_label(session),
    )
