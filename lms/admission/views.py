"""Admission to the offline phase: the participant's checklist, the coordinators' queue and rules.

* ``my_standing``: the participant enrolled in the program sees their own
  checklist (and, once admitted, the hub of the offline phase); coordinators
  may open anyone's with ``?user_id=``. Trainers and others: 403.
* ``queue`` and ``decide``: coordinators. Eligibility is computed for the
  whole program in a constant number of queries; every decision goes through
  ``operations.decide`` (recorded, notified, capacity and overrides checked).
* ``rules`` and ``remove_track_rules``: coordinators; versioned edits with a
  history of changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import BuildError

from lms.admission import operations as ops
from lms.admission.eligibility import (
    NOT_EVALUATED,
    Condition,
    Standing,
    Status,
    evaluate,
    evaluate_enrolment,
    program_enrolments,
    rules_by_track,
    rules_for,
    status_label,
)
from lms.admission.forms import DecisionForm, QueueFilterForm, RemoveTrackRulesForm, RulesForm
from lms.admission.models import AdmissionDecision, AdmissionRules, AdmissionRulesChange
from lms.core.concurrency import EditConflict
from lms.core.permissions import authenticated, coordinator_required, require
from lms.core.timezones import KOREA_TZ, country_name, format_day, format_instant, viewer_timezone
from lms.enrolment.forms import choices
from lms.enrolment.models import OFFLINE_PHASE_STATUSES, OFFLINE_STATUSES, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Group, Program, Track

bp = Blueprint("admission", __name__)

# Enrolment statuses that follow a decision (or the participant's answer to it): the "decided" list.
DECIDED_STATUSES = (
    EnrolmentStatus.ADMITTED.value, EnrolmentStatus.WAITLISTED.value, EnrolmentStatus.NOT_ADMITTED.value,
    EnrolmentStatus.CONFIRMED.value, EnrolmentStatus.DECLINED_PLACE.value, EnrolmentStatus.COMPLETED.value,
)
STATUS_BADGES = {
    Status.ELIGIBLE.value: "badge-ok",
    Status.ON_TRACK.value: "badge-info",
    Status.AT_RISK.value: "badge-warn",
    Status.NOT_ELIGIBLE.value: "badge-bad",
}
SECTION_ORDER = (Status.ELIGIBLE.value, Status.AT_RISK.value, Status.ON_TRACK.value, Status.NOT_ELIGIBLE.value,
                 "decided")
FILTER_KEYS = ("track", "module", "group", "country", "status")


@bp.app_context_processor
def inject_admission_helpers():
    return {"eligibility_badge": lambda status: STATUS_BADGES.get(getattr(status, "value", status), "")}


@bp.app_template_filter("eligibility_label")
def eligibility_label_filter(value) -> str:
    return status_label(getattr(value, "value", value))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def optional_url(endpoint: str, **values) -> str | None:
    """The address of a page that may not exist yet (other features are built alongside): None if not."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def can_view_standing(viewer, enrolment: Enrolment) -> bool:
    """The participant themselves and the program office."""
    return viewer.is_coordinator or enrolment.user_id == viewer.id


def decision_label(decision: str) -> str:
    try:
        return EnrolmentStatus(decision).label
    except ValueError:
        return decision


def _rule_value(name: str, value) -> str:
    """A rule's value as people read it (values of the history are snapshots: plain JSON)."""
    if name == "require_assignments_passed":
        return _("yes") if value else _("no")
    if name == "min_average_grade":
        return _("none") if value is None else f"{value}%"
    if name == "decide_by":
        if value is None:
            return _("the last day of the online phase")
        return format_day(value if isinstance(value, date) else date.fromisoformat(value))
    return f"{value}%"


def rule_labels() -> dict[str, str]:
    return {
        "min_items_percent": _("Required online items completed"),
        "require_assignments_passed": _("Every required assignment passed"),
        "min_live_percent": _("Live sessions attended"),
        "min_average_grade": _("Minimum average grade"),
        "decide_by": _("Decision date"),
        "min_offline_percent": _("Offline sessions attended for completion"),
    }


def rule_rows(rules: AdmissionRules, names=ops.RULE_FIELDS) -> list[tuple[str, str]]:
    labels = rule_labels()
    return [(labels[name], _rule_value(name, getattr(rules, name))) for name in names]


# What an online-only program asks to complete it (no decision date, no offline sessions).
COMPLETION_FIELDS = ("min_items_percent", "require_assignments_passed", "min_live_percent", "min_average_grade")


def rules_scope(rules: AdmissionRules, track: Track | None = None) -> str:
    if rules.id is None:
        return _("The default rules (the program office has not changed them).")
    if rules.track_id is not None:
        name = track.name if track is not None else (rules.track.name if rules.track else "")
        return _("Rules of the %(track)s track.", track=name)
    return _("Rules of the program.")


def _decision_times(program: Program, standing: Standing) -> list[str]:
    """The end of the decision day in the program's zone, in Korea and in the viewer's zone (when different)."""
    last_minute = standing.deadline - timedelta(minutes=1)
    zones = [program.timezone]
    for zone in (KOREA_TZ, viewer_timezone()):
        if zone not in zones:
            zones.append(zone)
    return [format_instant(last_minute, zone) for zone in zones]


# --------------------------------------------------------------------------
# The participant's page
# --------------------------------------------------------------------------


@dataclass
class ChecklistLine:
    condition: Condition
    url: str | None
    label: str | None


HELP_LABELS = {
    "items": lambda: _("Continue the online items"),
    "assignments": lambda: _("Your assignments"),
    "live": lambda: _("Upcoming live sessions"),
    "average": lambda: _("Your assignments and grades"),
}


def _checklist(standing: Standing, with_links: bool) -> list[ChecklistLine]:
    lines = []
    for condition in standing.conditions:
        url = label = None
        if with_links and condition.link is not None and condition.key in HELP_LABELS:
            endpoint, values = condition.link
            url = optional_url(endpoint, **values)
            label = HELP_LABELS[condition.key]() if url else None
        lines.append(ChecklistLine(condition, url, label))
    return lines


def _enrolment_of(user_id: int, program_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.program_id == program_id)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.track), selectinload(Enrolment.module),
                 selectinload(Enrolment.group), selectinload(Enrolment.program))
    )


@bp.get("/programs/<int:program_id>/offline-phase")
@authenticated
def my_standing(program_id: int):
    """The checklist "What you need for the offline phase"; once admitted, the hub of the offline phase."""
    program = db.get_or_404(Program, program_id)
    user_id = _int(request.args.get("user_id"))
    if user_id is None or user_id == current_user.id:
        enrolment = _enrolment_of(current_user.id, program.id)
        if enrolment is None:
            if current_user.is_coordinator and user_id is None:
                return redirect(url_for("admission.queue", program_id=program.id))
            abort(403)
    else:
        require(current_user.is_coordinator)
        enrolment = _enrolment_of(user_id, program.id)
        if enrolment is None:
            abort(404)
    require(can_view_standing(current_user, enrolment))
    is_self = enrolment.user_id == current_user.id

    standing = evaluate_enrolment(enrolment)
    decision = ops.latest_decisions([enrolment.id]).get(enrolment.id)
    hub = []
    if not program.is_online_only and enrolment.status in OFFLINE_PHASE_STATUSES:
        if enrolment.status in OFFLINE_STATUSES:
            hub.append((_("Confirm your attendance and give your travel details"),
                        url_for("readiness.form", program_id=program.id)))
        hub += [
            (_("The schedule of the offline phase (Korea time)"), url_for("offline.schedule", program_id=program.id)),
            (_("Your outputs and presentations"), url_for("outputs.mine", program_id=program.id)),
            (_("The program's showcase"), url_for("outputs.showcase", program_id=program.id)),
        ]
    certificate_url = None
    if program.is_online_only or enrolment.status == EnrolmentStatus.COMPLETED.value:
        certificate_url = url_for("certificates.mine")
    return render_template(
        "admission/my_standing.html",
        program=program,
        enrolment=enrolment,
        person=enrolment.user,
        standing=standing,
        checklist=_checklist(standing, with_links=is_self),
        decision=decision,
        decision_text=decision_label(decision.decision) if decision else None,
        is_self=is_self,
        is_decided=enrolment.status in DECIDED_STATUSES,
        is_admitted=enrolment.status in OFFLINE_STATUSES,
        hub=hub,
        certificate_url=certificate_url,
        decision_day=standing.rules.decide_by or program.online_end,
        decision_times=_decision_times(program, standing),
        rules_rows=rule_rows(standing.rules, COMPLETION_FIELDS if program.is_online_only else ops.RULE_FIELDS),
        rules_scope=rules_scope(standing.rules, enrolment.track),
    )


# --------------------------------------------------------------------------
# The coordinators' queue
# --------------------------------------------------------------------------


@dataclass
class QueueRow:
    enrolment: Enrolment
    standing: Standing
    decision: AdmissionDecision | None

    @property
    def section(self) -> str:
        if self.enrolment.status in DECIDED_STATUSES:
            return "decided"
        return self.standing.status.value

    @property
    def sort_key(self):
        return (self.enrolment.user.name.casefold(), self.enrolment.id)


@dataclass
class Section:
    key: str
    label: str
    rows: list[QueueRow] = field(default_factory=list)


@dataclass
class TrackPlaces:
    track: Track
    taken: int

    @property
    def capacity(self) -> int | None:
        return self.track.capacity

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.taken >= self.capacity


def section_labels() -> dict[str, str]:
    return {
        Status.ELIGIBLE.value: _("Eligible"),
        Status.AT_RISK.value: _("At risk"),
        Status.ON_TRACK.value: _("On track"),
        Status.NOT_ELIGIBLE.value: _("Not eligible"),
        "decided": _("Decided"),
    }


def _filters() -> dict[str, str]:
    """The queue's filters present in the address (kept through decisions and redirects)."""
    return {key: request.args[key] for key in FILTER_KEYS if request.args.get(key)}


def _matches(row: QueueRow, filters: dict[str, str]) -> bool:
    enrolment = row.enrolment
    if "track" in filters and enrolment.track_id != _int(filters["track"]):
        return False
    if "module" in filters and enrolment.module_id != _int(filters["module"]):
        return False
    if "group" in filters:
        if filters["group"] == "none":
            if enrolment.group_id is not None:
                return False
        elif enrolment.group_id != _int(filters["group"]):
            return False
    if "country" in filters and (enrolment.user.country or "") != filters["country"]:
        return False
    return True


def _status_matches(row: QueueRow, status: str | None) -> bool:
    return not status or row.section == status or row.enrolment.status == status


def _program_tracks(program: Program) -> list[Track]:
    return list(db.session.scalars(
        select(Track).where(Track.program_id == program.id, Track.archived_at.is_(None))
        .options(selectinload(Track.modules)).order_by(Track.position, Track.id)))


def _queue_page(program: Program, form: DecisionForm | None = None, selected=(), *, decision: str | None = None,
                action_error: str | None = None, status_code: int = 200):
    """The queue (also re-shown by ``decide`` when a decision is refused, with the selection kept)."""
    filters = _filters()
    standings = evaluate(program_enrolments(program.id))
    decisions = ops.latest_decisions(standings)
    tracks = _program_tracks(program)
    groups = list(db.session.scalars(
        select(Group).where(Group.program_id == program.id, Group.archived_at.is_(None)).order_by(Group.name)))
    taken = ops.places_taken(track.id for track in tracks)

    rows = [QueueRow(standing.enrolment, standing, decisions.get(enrolment_id))
            for enrolment_id, standing in standings.items()]
    countries = sorted({row.enrolment.user.country for row in rows if row.enrolment.user.country},
                       key=lambda code: country_name(code).casefold())
    rows = sorted((row for row in rows if _matches(row, filters)), key=lambda row: row.sort_key)
    counts = Counter(row.section for row in rows)
    counts.update(row.enrolment.status for row in rows if row.section == "decided")
    status = filters.get("status")
    labels = section_labels()
    sections = {key: Section(key, labels[key]) for key in SECTION_ORDER}
    for row in rows:
        if _status_matches(row, status):
            sections[row.section].rows.append(row)

    filter_form = QueueFilterForm(formdata=request.args)
    filter_form.track.choices = choices(((track.id, track.name) for track in tracks), blank=_("All tracks"))
    module_choices = choices([], blank=_("All modules"))
    for track in tracks:
        module_choices += choices(((module.id, module.display_title) for module in track.modules
                                   if not module.is_archived), optgroup=track.name)
    filter_form.module.choices = module_choices
    filter_form.group.choices = choices([("none", _("No group"))] + [(group.id, group.name) for group in groups],
                                        blank=_("All groups"))
    filter_form.country.choices = choices(((code, country_name(code)) for code in countries),
                                          blank=_("All countries"))
    filter_form.status.choices = choices([(key, labels[key]) for key in SECTION_ORDER]
                                         + [(value, decision_label(value)) for value in DECIDED_STATUSES],
                                         blank=_("Any status"))

    tabs = []
    unfiltered = {key: value for key, value in filters.items() if key != "status"}
    tabs.append((_("All"), url_for("admission.queue", program_id=program.id, **unfiltered), not status, len(rows)))
    for key in SECTION_ORDER:
        tabs.append((labels[key], url_for("admission.queue", program_id=program.id, status=key, **unfiltered),
                     status == key, counts.get(key, 0)))

    return render_template(
        "admission/queue.html",
        program=program,
        filters=filters,
        filter_form=filter_form,
        filtered=bool(unfiltered),
        tabs=tabs,
        sections=[section for section in sections.values() if section.rows],
        shown=sum(len(section.rows) for section in sections.values()),
        total=len(standings),
        places=[TrackPlaces(track, taken.get(track.id, 0)) for track in tracks],
        form=form or DecisionForm(formdata=None),
        selected={_int(value) for value in selected},
        decision=decision,
        action_error=action_error,
        actions=[(EnrolmentStatus.ADMITTED.value, _("Admit")), (EnrolmentStatus.WAITLISTED.value, _("Waitlist")),
                 (EnrolmentStatus.NOT_ADMITTED.value, _("Not admit"))],
    ), status_code


@bp.get("/programs/<int:program_id>/admission")
@coordinator_required
def queue(program_id: int):
    """Who is eligible, at risk, on track or not eligible, and who has been decided on."""
    program = db.get_or_404(Program, program_id)
    return _queue_page(program)


def _success_message(decision: str, count: int) -> str:
    if decision == EnrolmentStatus.ADMITTED.value:
        return ngettext("%(num)d participant admitted to the offline phase.",
                        "%(num)d participants admitted to the offline phase.", count)
    if decision == EnrolmentStatus.WAITLISTED.value:
        return ngettext("%(num)d participant put on the waiting list.",
                        "%(num)d participants put on the waiting list.", count)
    return ngettext("%(num)d participant not admitted.", "%(num)d participants not admitted.", count)


@bp.post("/programs/<int:program_id>/admission/decide")
@coordinator_required
def decide(program_id: int):
    """Admit, waitlist or not admit the selected participants (or one row's participant)."""
    program = db.get_or_404(Program, program_id)
    form = DecisionForm()
    selected = request.form.getlist("enrolment_id")
    decision = request.form.get("decision", "")
    row_action = request.form.get("row_action", "")
    if row_action:  # a row's own button: that participant only
        enrolment_part, _sep, decision = row_action.partition(":")
        selected = [enrolment_part]
    ids = {value for value in (_int(item) for item in selected) if value is not None}

    def refuse(message=None):
        return _queue_page(program, form, ids, decision=decision, action_error=message, status_code=400)

    if program.is_online_only:
        flash(_("This program has no offline phase: there is no admission to decide."), "error")
        return redirect(url_for("admission.queue", program_id=program.id))
    if not form.validate_on_submit():
        return refuse()
    if decision not in ops.DECISIONS:
        return refuse(_("Choose admit, waitlist or not admit."))
    enrolments = list(db.session.scalars(
        select(Enrolment)
        .where(Enrolment.id.in_(ids), Enrolment.program_id == program.id, Enrolment.status.not_in(NOT_EVALUATED))
        .options(selectinload(Enrolment.user), selectinload(Enrolment.track), selectinload(Enrolment.program))
        .order_by(Enrolment.id)
    )) if ids else []
    if not enrolments:
        return refuse(_("Select at least one participant."))
    try:
        records = ops.decide(enrolments, decision, current_user._get_current_object(), reason=form.reason.data,
                             confirm_over_capacity=form.confirm_over_capacity.data == "1")
        db.session.commit()
    except ops.OverrideNeedsReason as refusal:
        db.session.rollback()
        names = ", ".join(sorted(enrolment.user.name for enrolment in refusal.enrolments))
        if decision == EnrolmentStatus.ADMITTED.value:
            message = ngettext(
                "Admitting %(names)s goes against the rules (not eligible now): give a reason.",
                "Admitting %(names)s goes against the rules (not eligible now): give a reason.",
                len(refusal.enrolments), names=names)
        else:
            message = ngettext(
                "Not admitting %(names)s goes against the rules (eligible): give a reason.",
                "Not admitting %(names)s goes against the rules (eligible): give a reason.",
                len(refusal.enrolments), names=names)
        form.reason.errors = [*form.reason.errors, message]
        return refuse()
    except ops.CapacityExceeded as exceeded:
        db.session.rollback()
        overflows = [(track, taken, capacity, taken - sum(1 for e in enrolments if e.track_id == track.id
                                                          and e.status not in OFFLINE_STATUSES))
                     for track, taken, capacity in exceeded.overflows]
        return render_template(
            "admission/confirm_capacity.html",
            program=program,
            form=form,
            overflows=overflows,
            enrolments=sorted(enrolments, key=lambda e: (e.user.name.casefold(), e.id)),
            decision=decision,
            filters=_filters(),
        )
    over = sum(1 for record in records if record.over_capacity)
    flash(_success_message(decision, len(records)), "success")
    if over:
        flash(ngettext("%(num)d of them over the track's capacity, as confirmed.",
                       "%(num)d of them over the track's capacity, as confirmed.", over), "warning")
    return redirect(url_for("admission.queue", program_id=program.id, **_filters()))


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


@dataclass
class ScopeRules:
    track: Track | None
    rules: AdmissionRules
    own: bool  # the scope has its own saved rules


@dataclass
class HistoryEntry:
    change: AdmissionRulesChange
    scope: str
    lines: list[str]


def _history(program_id: int) -> list[HistoryEntry]:
    labels = rule_labels()
    entries = []
    for change in ops.rules_history(program_id):
        scope = (_("%(track)s track", track=change.track.name) if change.track_id and change.track
                 else _("Program"))
        before, after = change.before, change.after
        if after is None:
            lines = [_("Own rules removed: the track follows the program's rules again.")]
        elif before is None:
            lines = [_("%(rule)s: %(value)s", rule=labels[name], value=_rule_value(name, after.get(name)))
                     for name in ops.RULE_FIELDS if name in after]
        else:
            lines = [_("%(rule)s: %(before)s → %(after)s", rule=labels[name],
                       before=_rule_value(name, before.get(name)), after=_rule_value(name, after.get(name)))
                     for name in ops.RULE_FIELDS if before.get(name) != after.get(name)]
        entries.append(HistoryEntry(change, scope, lines))
    return entries


def _conflict_rows(program: Program, track_id: int | None) -> list[tuple[str, str]]:
    return rule_rows(rules_for(program.id, track_id))


@bp.route("/programs/<int:program_id>/admission/rules", methods=["GET", "POST"])
@coordinator_required
def rules(program_id: int):
    """The program's rules and optionally each track's own, with the history of changes."""
    program = db.get_or_404(Program, program_id)
    tracks = _program_tracks(program)
    track = None
    if request.args.get("track"):
        track = next((candidate for candidate in tracks if candidate.id == _int(request.args["track"])), None)
        if track is None:
            abort(404)
    track_id = track.id if track else None
    saved = rules_by_track(program.id)
    own = saved.get(track_id)
    form = RulesForm()
    conflict = None
    if request.method == "GET":
        form.fill(rules_for(program.id, track_id, saved))
        form.version.data = str(own.version) if own else ""
    elif form.validate_on_submit():
        if form.decide_by.data is not None and form.decide_by.data < program.online_start:
            form.decide_by.errors = [*form.decide_by.errors, _(
                "The decision date cannot be before the online phase starts (%(date)s).",
                date=format_day(program.online_start))]
        else:
            expected = form.version.data or None
            try:
                if (expected is None) != (own is None):  # created, or removed, by someone else meanwhile
                    raise EditConflict(own)
                ops.save_rules(program, track_id, form.values(), current_user._get_current_object(),
                               expected_version=expected, note=form.note.data or None)
                db.session.commit()
            except (EditConflict, StaleDataError):
                db.session.rollback()
                current = rules_by_track(program.id).get(track_id)
                form.version.data = str(current.version) if current else ""
                conflict = _conflict_rows(program, track_id)
            else:
                if track is None:
                    flash(_("The program's rules were saved. They apply from now on."), "success")
                else:
                    flash(_("The rules of the %(track)s track were saved. They apply from now on.",
                            track=track.name), "success")
                return redirect(url_for("admission.rules", program_id=program.id, track=track_id))

    saved = rules_by_track(program.id)
    scopes = [ScopeRules(None, rules_for(program.id, None, saved), None in saved)]
    scopes += [ScopeRules(candidate, rules_for(program.id, candidate.id, saved), candidate.id in saved)
               for candidate in tracks]
    return render_template(
        "admission/rules.html",
        program=program,
        track=track,
        tracks=tracks,
        form=form,
        own=track_id in saved,
        conflict=conflict,
        conflict_message=EditConflict.message,
        scopes=scopes,
        labels=rule_labels(),
        rule_fields=ops.RULE_FIELDS,
        rule_value=_rule_value,
        remove_forms={scope.track.id: RemoveTrackRulesForm(prefix=f"remove-{scope.track.id}", formdata=None)
                      for scope in scopes if scope.track is not None and scope.own},
        history=_history(program.id),
    ), 200 if conflict is None and not form.errors else 400


@bp.post("/programs/<int:program_id>/admission/rules/tracks/<int:track_id>/remove")
@coordinator_required
def remove_track_rules(program_id: int, track_id: int):
    """The track follows the program's rules again (the change is recorded)."""
    program = db.get_or_404(Program, program_id)
    track = db.session.get(Track, track_id)
    if track is None or track.program_id != program.id:
        abort(404)
    form = RemoveTrackRulesForm(prefix=f"remove-{track.id}")
    if not form.validate_on_submit():
        flash(_("The note is too long."), "error")
    elif ops.remove_track_rules(program, track.id, current_user._get_current_object(), note=form.note.data or None):
        db.session.commit()
        flash(_("The %(track)s track follows the program's rules again.", track=track.name), "success")
    else:
        flash(_("The %(track)s track has no rules of its own.", track=track.name), "info")
    return redirect(url_for("admission.rules", program_id=program.id))
