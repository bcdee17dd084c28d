"""Monitoring pages: one participant at a glance, and the participants who are behind.

* ``participant`` ``/programs/<program_id>/participants/<user_id>``: coordinators, and the trainers of
  the participant's module (without logistics: see ``lms.monitoring.access``). The participant
  themself is sent to their own checklist; anyone else: 403.
* ``at_risk`` ``/programs/<program_id>/at-risk``: coordinators (everyone) and the program's trainers
  (their modules' participants only); others 403.
* ``remind`` (POST) ``/programs/<program_id>/at-risk/remind``: the same people, for the participants
  they may see: one reminder each, never twice by the same sender within 24 hours.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.admission.eligibility import Status
from lms.core.permissions import authenticated, require
from lms.core.timezones import country_name, format_instant
from lms.enrolment.forms import choices
from lms.enrolment.models import Enrolment
from lms.dashboard.summaries import ensure_fresh
from lms.extensions import db
from lms.monitoring import queries
from lms.monitoring.access import (
    at_risk_scope,
    can_view_at_risk,
    can_view_participant,
    in_scope,
    sees_logistics,
)
from lms.monitoring.forms import AtRiskFilterForm, ReminderForm
from lms.monitoring.operations import send_reminders
from lms.monitoring.timeline import clamp_limit, kind_labels, notification_kind_label
from lms.programs.models import Group, Program, Track

bp = Blueprint("monitoring", __name__)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# The participant's page
# --------------------------------------------------------------------------


def email_status_label(status: str | None) -> str:
    """A notification's email, in words (``Notification.email_status``)."""
    return {
        "pending": _("to be sent"),
        "sent": _("sent"),
        "digest": _("waits for the daily digest"),
        "digested": _("sent in a digest"),
        "off": _("not emailed (turned off)"),
    }.get(status or "", status or "—")


@bp.get("/programs/<int:program_id>/participants/<int:user_id>")
@authenticated
def participant(program_id: int, user_id: int):
    program = db.get_or_404(Program, program_id)
    if user_id == current_user.id and not current_user.is_coordinator:
        # Participants have their own pages: their checklist and, from there, their work.
        return redirect(url_for("admission.my_standing", program_id=program.id))
    enrolment = queries.enrolment_of(program.id, user_id)
    if enrolment is None:
        abort(404)
    require(can_view_participant(current_user, enrolment))
    page = queries.participant_page(enrolment, logistics=sees_logistics(current_user),
                                    timeline_limit=clamp_limit(request.args.get("timeline")))
    return render_template(
        "monitoring/participant.html",
        program=program,
        page=page,
        person=enrolment.user,
        enrolment=enrolment,
        standing=page.standing,
        kind_labels=kind_labels(),
        notification_kind_label=notification_kind_label,
        email_status_label=email_status_label,
    )


# --------------------------------------------------------------------------
# The at-risk list and reminders
# --------------------------------------------------------------------------


def _filter_form(program: Program, scope, data: queries.AtRiskList) -> AtRiskFilterForm:
    tracks = list(db.session.scalars(
        select(Track).where(Track.program_id == program.id, Track.archived_at.is_(None))
        .options(selectinload(Track.modules)).order_by(Track.position, Track.id)))
    groups = list(db.session.scalars(
        select(Group).where(Group.program_id == program.id, Group.archived_at.is_(None)).order_by(Group.name)))
    if scope is not None:  # a trainer: their modules, and the tracks these are in
        tracks = [track for track in tracks if any(module.id in scope for module in track.modules)]
    form = AtRiskFilterForm(formdata=request.args)
    form.track.choices = choices(((track.id, track.name) for track in tracks), blank=_("All tracks"))
    module_choices = choices([], blank=_("All modules"))
    for track in tracks:
        module_choices += choices(((module.id, module.display_title) for module in track.modules
                                   if not module.is_archived and (scope is None or module.id in scope)),
                                  optgroup=track.name)
    form.module.choices = module_choices
    form.group.choices = choices([("none", _("No group"))] + [(group.id, group.name) for group in groups],
                                 blank=_("All groups"))
    countries = sorted(data.countries, key=lambda code: country_name(code).casefold())
    form.country.choices = choices(((code, country_name(code)) for code in countries), blank=_("All countries"))
    return form


@bp.get("/programs/<int:program_id>/at-risk")
@authenticated
def at_risk(program_id: int):
    program = db.get_or_404(Program, program_id)
    scope = at_risk_scope(current_user, program.id)
    require(can_view_at_risk(scope))
    filters = queries.AtRiskFilters.from_args(request.args)
    # Bring the stored participant summaries up to date first (a cache, not a user's change): committing
    # after loading the rows would expire them all.
    ensure_fresh(program.id)
    db.session.commit()
    data = queries.at_risk_list(program, current_user, scope, filters,
                                page=request.args.get("page", 1, type=int) or 1, per_page=queries.AT_RISK_PER_PAGE)
    return render_template(
        "monitoring/at_risk.html",
        program=program,
        data=data,
        filters=filters,
        filter_args=filters.as_args(),
        remind_args=filters.as_args() | ({"page": data.page.number} if data.page.number > 1 else {}),
        filter_form=_filter_form(program, scope, data),
        form=ReminderForm(formdata=None),
        is_trainer_view=scope is not None,
        at_risk_count=data.counts.get(Status.AT_RISK.value, 0),
        not_eligible_count=data.counts.get(Status.NOT_ELIGIBLE.value, 0),
    )


def _names(enrolments) -> str:
    return ", ".join(enrolment.user.name for enrolment in enrolments)


@bp.post("/programs/<int:program_id>/at-risk/remind")
@authenticated
def remind(program_id: int):
    program = db.get_or_404(Program, program_id)
    scope = at_risk_scope(current_user, program.id)
    require(can_view_at_risk(scope))
    page = request.args.get("page", type=int)
    kept = queries.AtRiskFilters.from_args(request.args).as_args() | ({"page": page} if page and page > 1 else {})
    back = url_for("monitoring.at_risk", program_id=program.id, **kept)
    form = ReminderForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back)
    row_action = request.form.get("row_action")
    wanted = [row_action] if row_action else request.form.getlist("user_id")
    user_ids = {user_id for user_id in (_int(value) for value in wanted) if user_id is not None}
    if not user_ids:
        flash(_("Select the participants to remind."), "warning")
        return redirect(back)
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.user_id.in_(user_ids))
        .options(selectinload(Enrolment.user), selectinload(Enrolment.program))
        .order_by(Enrolment.id)))
    require(all(in_scope(enrolment, scope) for enrolment in enrolments))
    if not enrolments:
        abort(404)
    result = send_reminders(enrolments, current_user)
    db.session.commit()
    if result.sent:
        flash(ngettext("A reminder was sent to %(names)s.", "Reminders were sent to %(num)d participants: "
                       "%(names)s.", len(result.sent), names=_names(result.sent)), "success")
    if result.already:
        flash(_("Already reminded by you in the last 24 hours, nothing sent again: %(people)s.",
                people=", ".join(_("%(name)s (at %(when)s)", name=enrolment.user.name,
                                   when=format_instant(at, fmt="short"))
                                 for enrolment, at in result.already)), "info")
    if result.not_behind:
        flash(_("Not behind (or no longer following the program), nothing sent: %(names)s.",
                names=_names(result.not_behind)), "info")
    return redirect(back)
