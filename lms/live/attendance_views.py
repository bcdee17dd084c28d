"""Attendance pages of live sessions.

* Report and CSV of one session: the session's trainers and coordinators (``can_moderate``).
* Correcting one person's attendance: coordinators, for a participant of the session's audience.
* Summary of a module's sessions: the module's trainers and coordinators.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.core.permissions import authenticated, coordinator_required, require
from lms.core.timezones import country_name, viewer_timezone
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES, can_view_module_progress
from lms.learning.models import Completion, Item, Unit
from lms.live import attendance as ops
from lms.live.access import can_moderate
from lms.live.attendance_forms import CorrectionForm
from lms.live.models import Audience, LiveSession
from lms.programs.models import Module, Track

bp = Blueprint("attendance", __name__, url_prefix="/live")


@dataclass
class Row:
    user: User
    attendance: ops.PersonAttendance
    engagement: ops.Engagement
    completion: Completion | None

    @property
    def discrepancy(self) -> bool:
        """Completed by attending earlier, then corrected to "not attended" (the completion stays)."""
        return self.completion is not None and not self.attendance.attended


def _load_session(session_id: int) -> LiveSession:
    session = db.session.scalar(
        select(LiveSession).where(LiveSession.id == session_id)
        .options(joinedload(LiveSession.program), joinedload(LiveSession.item).joinedload(Item.unit))
    )
    if session is None:
        abort(404)
    return session


def _report(session: LiveSession):
    """Everything the report shows, in a constant number of queries."""
    enrolments = db.session.scalars(
        ops.audience_enrolments_query(session).join(Enrolment.user)
        .options(joinedload(Enrolment.user)).order_by(User.name, User.id)
    ).all()
    expected_ids = [enrolment.user_id for enrolment in enrolments]
    people = ops.attendance_for_sessions([session], expected_ids, everyone=True)[session.id]
    engagement = ops.engagement_for_sessions([session.id])
    expected = set(expected_ids)
    others_ids = [user_id for user_id in people if user_id not in expected]
    correction_people = {c.corrected_by_id for entry in people.values() for c in entry.corrections}
    users = {enrolment.user_id: enrolment.user for enrolment in enrolments}
    missing = (set(others_ids) | correction_people) - set(users)
    if missing:
        users.update({user.id: user for user in db.session.scalars(select(User).where(User.id.in_(missing)))})
    completions = {}
    if session.item_id is not None and people:
        completions = {completion.user_id: completion for completion in db.session.scalars(
            select(Completion).where(Completion.item_id == session.item_id, Completion.user_id.in_(list(people))))}

    def row(user_id):
        return Row(users[user_id], people[user_id], engagement.get((session.id, user_id), ops.Engagement()),
                   completions.get(user_id))

    rows = [row(user_id) for user_id in expected_ids]
    others = sorted((row(user_id) for user_id in others_ids if people[user_id].connected_at_all),
                    key=lambda r: (r.user.name, r.user.id))
    history = sorted((c for entry in people.values() for c in entry.corrections),
                     key=lambda c: (c.corrected_at, c.id), reverse=True)
    return rows, others, history, users


@bp.get("/sessions/<int:session_id>/attendance")
@authenticated
def report(session_id):
    session = _load_session(session_id)
    require(can_moderate(current_user, session))
    rows, others, history, users = _report(session)
    return render_template(
        "live/attendance/report.html",
        session=session,
        rows=rows,
        others=others,
        history=history,
        users=users,
        attended_count=sum(1 for r in rows if r.attendance.attended),
        scheduled_minutes=ops.scheduled_minutes(session),
        threshold=ops.session_threshold(session),
        can_correct=current_user.is_coordinator,
    )


def _csv_cell(value) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ (or a tab, a return) is not run as a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


@bp.get("/sessions/<int:session_id>/attendance.csv")
@authenticated
def report_csv(session_id):
    session = _load_session(session_id)
    require(can_moderate(current_user, session))
    rows, others, _history, _users = _report(session)
    zone_name = viewer_timezone()
    zone = ZoneInfo(zone_name)

    def when(value):
        return value.astimezone(zone).isoformat(timespec="minutes") if value else ""

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([
        _("Name"), _("Email"), _("Country"), _("Role"),
        _("First join (%(zone)s)", zone=zone_name), _("Last leave (%(zone)s)", zone=zone_name),
        _("Minutes"), _("Share of scheduled time (%)"), _("Attended"), _("Corrected"), _("Correction reason"),
        _("Item completed"), _("Messages"), _("Hands raised"), _("Poll votes"), _("Questions"),
    ])
    for role, group in ((_("Participant"), rows), (_("Not in the audience"), others)):
        for r in group:
            a, e = r.attendance, r.engagement
            writer.writerow([_csv_cell(value) for value in (
                r.user.name, r.user.email, country_name(r.user.country), role,
                when(a.first_join), _("connected now") if a.connected_now else when(a.last_leave),
                a.minutes, a.percent, _("yes") if a.attended else _("no"),
                _("yes") if a.is_corrected else _("no"), a.correction.reason if a.correction else "",
                _("yes") if r.completion else _("no"),
                e.messages, e.hands, e.poll_votes, e.questions,
            )])
    name = f"attendance-session-{session.id}.csv"
    return current_app.response_class(
        "\ufeff" + buffer.getvalue(),  # a BOM so that spreadsheet programs read UTF-8 names
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.route("/sessions/<int:session_id>/attendance/<int:user_id>/correct", methods=["GET", "POST"])
@coordinator_required
def correct(session_id, user_id):
    session = _load_session(session_id)
    enrolment = db.session.scalar(
        ops.audience_enrolments_query(session).where(Enrolment.user_id == user_id)
        .options(joinedload(Enrolment.user))
    )
    require(enrolment is not None)  # only participants of the session's audience are corrected
    person = enrolment.user
    entry = ops.attendance_of(session, person.id)
    form = CorrectionForm()
    if form.validate_on_submit():
        scheduled = ops.scheduled_minutes(session)
        if form.minutes.data is not None and form.minutes.data > scheduled:
            form.minutes.errors.append(
                _("At most the scheduled %(minutes)d minutes.", minutes=scheduled))
        else:
            ops.record_correction(session, person.id, attended=form.attended.data == "yes",
                                  minutes=form.minutes.data, reason=form.reason.data,
                                  corrected_by=current_user)
            db.session.commit()
            flash(_("The attendance of %(name)s was corrected.", name=person.name), "success")
            return redirect(url_for("attendance.report", session_id=session.id))
    elif not form.is_submitted():
        form.attended.data = "yes" if entry.attended else "no"
    correctors = {}
    ids = {c.corrected_by_id for c in entry.corrections}
    if ids:
        correctors = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return render_template(
        "live/attendance/correct.html",
        session=session,
        person=person,
        entry=entry,
        form=form,
        correctors=correctors,
        scheduled_minutes=ops.scheduled_minutes(session),
        threshold=ops.session_threshold(session),
    )


@dataclass
class SummaryRow:
    user: User
    cells: list  # PersonAttendance per session, in session order
    attended: int
    minutes: int
    engagement: ops.Engagement


@bp.get("/modules/<int:module_id>/attendance")
@authenticated
def module_summary(module_id):
    module = db.session.scalar(
        select(Module).where(Module.id == module_id).options(joinedload(Module.track).joinedload(Track.program))
    )
    if module is None:
        abort(404)
    require(can_view_module_progress(current_user, module))
    sessions = db.session.scalars(
        select(LiveSession)
        .outerjoin(Item, Item.id == LiveSession.item_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(LiveSession.archived_at.is_(None), Item.archived_at.is_(None),
               or_(Unit.module_id == module.id,
                   (LiveSession.audience == Audience.MODULE.value) & (LiveSession.audience_id == module.id)))
        .order_by(LiveSession.starts_at, LiveSession.id)
    ).unique().all()
    enrolments = db.session.scalars(
        select(Enrolment).join(Enrolment.user)
        .where(Enrolment.module_id == module.id, Enrolment.status.in_(LEARNING_STATUSES))
        .options(joinedload(Enrolment.user)).order_by(User.name, User.id)
    ).all()
    user_ids = [enrolment.user_id for enrolment in enrolments]
    attendance = ops.attendance_for_sessions(sessions, user_ids)
    engagement = ops.engagement_for_sessions([session.id for session in sessions])
    rows = []
    for enrolment in enrolments:
        cells = [attendance[session.id][enrolment.user_id] for session in sessions]
        total = ops.Engagement()
        for session in sessions:
            found = engagement.get((session.id, enrolment.user_id))
            if found:
                total.messages += found.messages
                total.hands += found.hands
                total.poll_votes += found.poll_votes
                total.questions += found.questions
        rows.append(SummaryRow(enrolment.user, cells, sum(1 for cell in cells if cell.attended),
                               sum(cell.minutes for cell in cells), total))
    attended_by_session = {session.id: sum(1 for row in rows if attendance[session.id][row.user.id].attended)
                           for session in sessions}
    return render_template(
        "live/attendance/module_summary.html",
        module=module,
        program=module.track.program,
        sessions=sessions,
        rows=rows,
        attended_by_session=attended_by_session,
    )
