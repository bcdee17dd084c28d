"""Reminding participants who are behind ("at risk"): one in-app notification each, never twice in a day.

``send_reminders`` notifies each participant with the reasons the eligibility
service gives (in the participant's language) and a link to their checklist.
The same sender cannot remind the same participant of the same program twice
within 24 hours: each reminder is claimed first as a ``ReminderClaim`` whose
unique key names the program, the participant, the sender and the sender's
previous claim, so two clicks arriving at once (or two server processes)
insert the same key and only one of them sends. Flushes, never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.admission.eligibility import Status, evaluate
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.delivery import preload_modes
from lms.notifications.models import Notification, ReminderClaim
from lms.notifications.operations import notify

NUDGE_KIND = "at_risk_nudge"
NUDGE_INTERVAL = timedelta(hours=24)
# Who can be reminded: behind the pace, or (shown on request) no longer able to meet the rules.
NUDGE_STATUSES = (Status.AT_RISK, Status.NOT_ELIGIBLE)


def sender_tag(user) -> str:
    """``ReminderClaim.claimed_by`` of a reminder a person sent (the scheduler writes host:pid)."""
    return f"user:{user.id}"


def claim_prefix(program_id: int) -> str:
    return f"{NUDGE_KIND}:program={program_id}:"


def claim_key(program_id: int, user_id: int, sender_id: int, previous_claim_id: int | None) -> str:
    return f"{claim_prefix(program_id)}user={user_id}:by={sender_id}:after={previous_claim_id or 0}"


def standing_path(program_id: int) -> str:
    """The participant's checklist (admission.my_standing), as a path inside the site."""
    if has_request_context():
        return url_for("admission.my_standing", program_id=program_id)
    with current_app.test_request_context():
        return url_for("admission.my_standing", program_id=program_id)


@dataclass
class Reminded:
    """When a participant was last reminded, and by whom (None: the scheduler, or unknown)."""

    at: datetime
    sender_id: int | None = None
    sender_name: str | None = None


@dataclass
class ReminderResult:
    sent: list[Enrolment] = field(default_factory=list)
    already: list[tuple[Enrolment, datetime]] = field(default_factory=list)  # by this sender, within 24 h
    not_behind: list[Enrolment] = field(default_factory=list)  # no longer behind, or no longer active: nothing sent


def _sender_id(claimed_by: str | None) -> int | None:
    if claimed_by and claimed_by.startswith("user:"):
        try:
            return int(claimed_by[5:])
        except ValueError:
            return None
    return None


def last_reminders(program_id: int, user_ids: Iterable[int]) -> dict[int, Reminded]:
    """{user_id: the latest at-risk reminder about this program} (whoever sent it); two queries.

    Reminders are the notifications of kind ``at_risk_nudge`` linking to the
    program's checklist; who sent them comes from their claim.
    """
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    from lms.monitoring.activity import MAX_LISTED_IDS

    query = (
        select(Notification.user_id, Notification.created_at, ReminderClaim.claimed_by)
        .outerjoin(ReminderClaim, ReminderClaim.notification_id == Notification.id)
        .where(Notification.kind == NUDGE_KIND, Notification.link == standing_path(program_id))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if len(user_ids) <= MAX_LISTED_IDS:
        query = query.where(Notification.user_id.in_(user_ids))
    latest: dict[int, Reminded] = {}
    for user_id, created_at, claimed_by in db.session.execute(query):
        if user_id in user_ids and user_id not in latest:
            latest[user_id] = Reminded(created_at, _sender_id(claimed_by))
    sender_ids = {reminded.sender_id for reminded in latest.values() if reminded.sender_id}
    if sender_ids:
        names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(sender_ids))).all())
        for reminded in latest.values():
            reminded.sender_name = names.get(reminded.sender_id)
    return latest


def claims_by(sender, program_id: int, user_ids: Iterable[int]) -> dict[int, ReminderClaim]:
    """{user_id: the sender's latest reminder claim for this program}; one query."""
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    latest: dict[int, ReminderClaim] = {}
    for claim in db.session.scalars(
        select(ReminderClaim)
        .where(ReminderClaim.kind == NUDGE_KIND, ReminderClaim.claimed_by == sender_tag(sender),
               ReminderClaim.user_id.in_(user_ids), ReminderClaim.key.startswith(claim_prefix(program_id)))
        .order_by(ReminderClaim.claimed_at.desc(), ReminderClaim.id.desc())
    ):
        latest.setdefault(claim.user_id, claim)
    return latest


def reminder_text(program, reasons: Sequence[str]) -> tuple[str, str]:
    """The title and body of a reminder, in the current locale."""
    title = _("You are falling behind in %(program)s", program=program.name)
    lines = [_("To keep your chance of a place in the offline phase:") if program.has_offline_phase
             else _("To complete the program:")]
    lines += [f"• {reason}" for reason in reasons]
    lines.append(_("Open your checklist to see what to do next."))
    return title, "\n".join(lines)


def send_reminders(enrolments: Sequence[Enrolment], sender, now: datetime | None = None) -> ReminderResult:
    """Remind each active participant who is at risk or not eligible, at most once per sender within 24 hours.

    ``enrolments`` belong to one program (with their user and program loaded).
    Returns who was reminded, who had already been reminded by the sender (and
    when), and who is no longer behind. A constant number of queries per
    language, plus one insert per reminder.
    """
    now = now or utcnow()
    result = ReminderResult()
    enrolments = list({enrolment.id: enrolment for enrolment in enrolments}.values())
    if not enrolments:
        return result
    program = enrolments[0].program
    if any(enrolment.program_id != program.id for enrolment in enrolments):
        raise ValueError("reminders are sent for one program at a time")
    previous = claims_by(sender, program.id, (enrolment.user_id for enrolment in enrolments))
    due = []
    for enrolment in enrolments:
        claim = previous.get(enrolment.user_id)
        if enrolment.status != EnrolmentStatus.ACTIVE.value:  # withdrawn, decided on, completed…
            result.not_behind.append(enrolment)
        elif claim is not None and claim.claimed_at > now - NUDGE_INTERVAL:
            result.already.append((enrolment, claim.claimed_at))
        else:
            due.append(enrolment)

    # The reasons in each participant's own language: one evaluation per language.
    by_locale: dict[str, list[Enrolment]] = defaultdict(list)
    for enrolment in due:
        by_locale[enrolment.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]].append(enrolment)
    link = standing_path(program.id)
    preload_modes([enrolment.user for enrolment in due], [NUDGE_KIND])  # one query for everyone's email choice
    for locale, group in by_locale.items():
        with force_locale(locale):
            standings = evaluate(group, now)
            for enrolment in group:
                standing = standings[enrolment.id]
                if standing.status not in NUDGE_STATUSES:
                    result.not_behind.append(enrolment)
                    continue
                previous_claim = previous.get(enrolment.user_id)
                claim = ReminderClaim(
                    key=claim_key(program.id, enrolment.user_id, sender.id,
                                  previous_claim.id if previous_claim is not None else None),
                    kind=NUDGE_KIND, user_id=enrolment.user_id, claimed_at=now, claimed_by=sender_tag(sender))
                try:
                    with db.session.begin_nested():
                        db.session.add(claim)
                except IntegrityError:  # the same click arrived twice: the other one sends
                    result.already.append((enrolment, now))
                    continue
                title, body = reminder_text(program, standing.reasons)
                notification = notify(enrolment.user, NUDGE_KIND, title, body, link=link)
                notification.created_at = now
                db.session.flush()
                claim.notification_id = notification.id
                result.sent.append(enrolment)
    db.session.flush()
    order = {enrolment.id: position for position, enrolment in enumerate(enrolments)}
    result.sent.sort(key=lambda enrolment: order[enrolment.id])
    result.not_behind.sort(key=lambda enrolment: order[enrolment.id])
    result.already.sort(key=lambda pair: order[pair[0].id])
    return result
