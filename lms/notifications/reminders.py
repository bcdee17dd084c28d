"""Reminders sent when they fall due, never twice: deadlines, live sessions, at-risk nudges.

``send_due_notifications`` runs every minute in each server process
(``lms.notifications.scheduler``) or from cron (``flask --app wsgi lms
send-due-notifications``):

* a **deadline reminder** from 24 hours before an assignment's due date (the
  participant's own, extensions included) to everyone of its audience who has
  not submitted (for group work: the group has not; each member is told);
* a **live-session reminder** from 15 minutes before an online session starts
  to everyone of its audience;
* an **at-risk nudge**, at most once a week, to participants whom the
  eligibility service finds at risk, with the reasons (its unmet conditions).

A reminder is due while ``event - lead <= now < event``: a sender that was
down still sends a late reminder as long as the event has not happened.

Each reminder is first **claimed** with a unique key (``ReminderClaim.key``,
e.g. ``deadline:<assignment>:<user>:<due>``) as the first statement of its own
short transaction, which then creates the notification (and its email) and
commits. A second sender (another process, cron) that tries the same key fails
on the unique constraint (PostgreSQL makes it wait for the first transaction,
SQLite's write lock too) and skips it. A sender that crashes before committing
leaves no claim, so the reminder is sent by the next run.

Finding what is due is a constant number of queries whatever the number of
people; each reminder sent is then a few writes in its own transaction.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.accounts.models import User
from lms.core.database import utcnow
from lms.core.timezones import format_instant
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications import kinds
from lms.notifications.delivery import deliver, modes_for, site_path
from lms.notifications.digest import Person
from lms.notifications.models import ReminderClaim

log = logging.getLogger(__name__)

DEADLINE_LEAD = timedelta(hours=24)
LIVE_LEAD = timedelta(minutes=15)
# Claims older than this are not looked up beforehand (the unique key still refuses them).
CLAIM_LOOKBACK_SLACK = timedelta(hours=1)


@dataclass
class DueReminder:
    """One reminder for one person, ready to claim and send."""

    key: str
    kind: str
    person: Person
    link: str | None
    mode: str
    compose: Callable[[], tuple[str, str | None]]  # (title, body), called in the person's language


def sender_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _claimed_keys(kind: str, since: datetime) -> set[str]:
    """Keys of this kind claimed since ``since`` (so a run does not retry them one by one); one query."""
    return set(db.session.scalars(
        select(ReminderClaim.key).where(ReminderClaim.kind == kind, ReminderClaim.claimed_at >= since)))


def _person_zone(person: Person) -> str:
    return person.timezone or "UTC"


# --------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------


def deadline_reminders(now: datetime) -> list[DueReminder]:
    """Deadline reminders due now (six queries whatever the size)."""
    from lms.assignments.models import Assignment, Extension, Submission, SubmissionVersion
    from lms.learning.access import LEARNING_STATUSES
    from lms.learning.models import Item, ItemKind, Unit
    from lms.programs.models import Module

    horizon = now + DEADLINE_LEAD
    extended_soon = select(Extension.assignment_id).where(
        Extension.revoked_at.is_(None), Extension.due_at > now, Extension.due_at <= horizon)
    candidates = db.session.execute(
        select(Assignment, Item, Unit)
        .join(Item, Assignment.item_id == Item.id)
        .join(Unit, Item.unit_id == Unit.id)
        .outerjoin(Module, Unit.module_id == Module.id)
        .where(
            Item.kind == ItemKind.ASSIGNMENT.value,
            Item.hidden.is_(False), Item.archived_at.is_(None),
            Unit.hidden.is_(False), Unit.archived_at.is_(None),
            or_(Unit.module_id.is_(None), Module.archived_at.is_(None)),
            or_(and_(Item.due_at > now, Item.due_at <= horizon), Assignment.id.in_(extended_soon)),
        )
        .order_by(Item.due_at, Assignment.id)
    ).all()
    if not candidates:
        return []
    assignment_ids = [assignment.id for assignment, _item, _unit in candidates]
    program_ids = {unit.program_id for _assignment, _item, unit in candidates}

    enrolments = db.session.execute(
        select(Enrolment, User)
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.program_id.in_(program_ids), Enrolment.status.in_(LEARNING_STATUSES),
               User.deactivated_at.is_(None))
        .order_by(Enrolment.id)
    ).all()
    extensions: dict[int, list] = {}
    for extension in db.session.scalars(select(Extension).where(
            Extension.assignment_id.in_(assignment_ids), Extension.revoked_at.is_(None))):
        extensions.setdefault(extension.assignment_id, []).append(extension)
    submitted = set()
    for assignment_id, user_id, group_id in db.session.execute(
        select(Submission.assignment_id, Submission.user_id, Submission.group_id)
        .where(Submission.assignment_id.in_(assignment_ids))
        .where(exists().where(SubmissionVersion.submission_id == Submission.id,
                              SubmissionVersion.submitted_at.is_not(None)))
    ):
        submitted.add((assignment_id, "group", group_id) if group_id is not None else (assignment_id, "user", user_id))
    claimed = _claimed_keys(kinds.DEADLINE_REMINDER, now - DEADLINE_LEAD - CLAIM_LOOKBACK_SLACK)
    users = {user.id: user for _enrolment, user in enrolments}
    modes = modes_for(users.values(), [kinds.DEADLINE_REMINDER])

    due = []
    for assignment, item, unit in candidates:
        for enrolment, user in enrolments:
            if enrolment.program_id != unit.program_id:
                continue
            if unit.module_id is not None and enrolment.module_id != unit.module_id:
                continue
            group_id = enrolment.group_id
            # The due date that applies to this person (lms.assignments.operations.effective_due_at):
            # the latest active extension for them or their group wins.
            candidates_due = [item.due_at] if item.due_at is not None else []
            candidates_due += [extension.due_at for extension in extensions.get(assignment.id, [])
                               if extension.user_id == user.id
                               or (group_id is not None and extension.group_id == group_id)]
            if not candidates_due:
                continue
            due_at = max(candidates_due)
            if not now < due_at <= horizon:
                continue
            as_group = assignment.group_submission and group_id is not None
            owner = (assignment.id, "group", group_id) if as_group else (assignment.id, "user", user.id)
            if owner in submitted:
                continue
            key = f"deadline:{assignment.id}:{user.id}:{due_at.isoformat()}"
            if key in claimed:
                continue
            person = Person.of(user)
            due.append(DueReminder(
                key, kinds.DEADLINE_REMINDER, person,
                site_path("submissions.assignment", item_id=item.id),
                modes[(user.id, kinds.DEADLINE_REMINDER)],
                _deadline_text(item.title, due_at, as_group, person),
            ))
    return due


def _deadline_text(title: str, due_at: datetime, as_group: bool, person: Person):
    def compose():
        when = format_instant(due_at, zone_name=_person_zone(person))
        subject = _("Due soon: “%(title)s”, %(when)s", title=title, when=when)
        if as_group:
            body = _("Your group has not submitted this assignment yet. It is due %(when)s.", when=when)
        else:
            body = _("You have not submitted this assignment yet. It is due %(when)s.", when=when)
        return subject, body
    return compose


# --------------------------------------------------------------------------
# Live sessions
# --------------------------------------------------------------------------


def live_reminders(now: datetime) -> list[DueReminder]:
    """Live-session reminders due now (online sessions; four queries whatever the size)."""
    from lms.admission.eligibility import in_audience
    from lms.learning.access import LEARNING_STATUSES
    from lms.learning.models import Item, Unit
    from lms.live.models import LiveSession, Phase, SessionState

    sessions = db.session.scalars(
        select(LiveSession)
        .outerjoin(Item, Item.id == LiveSession.item_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(LiveSession.phase == Phase.ONLINE.value, LiveSession.archived_at.is_(None),
               LiveSession.state != SessionState.ENDED.value,
               LiveSession.starts_at > now, LiveSession.starts_at <= now + LIVE_LEAD)
        .where(or_(LiveSession.item_id.is_(None),
                   and_(Item.hidden.is_(False), Item.archived_at.is_(None),
                        Unit.hidden.is_(False), Unit.archived_at.is_(None))))
        .order_by(LiveSession.starts_at, LiveSession.id)
    ).all()
    if not sessions:
        return []
    enrolments = db.session.execute(
        select(Enrolment, User)
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.program_id.in_({session.program_id for session in sessions}),
               Enrolment.status.in_(LEARNING_STATUSES), User.deactivated_at.is_(None))
        .order_by(Enrolment.id)
    ).all()
    claimed = _claimed_keys(kinds.LIVE_REMINDER, now - LIVE_LEAD - CLAIM_LOOKBACK_SLACK)
    modes = modes_for({user.id: user for _enrolment, user in enrolments}.values(), [kinds.LIVE_REMINDER])
    due = []
    for session in sessions:
        link = site_path("live.room", session_id=session.id)
        for enrolment, user in enrolments:
            if not in_audience(session, enrolment):
                continue
            key = f"live:{session.id}:{user.id}:{session.starts_at.isoformat()}"
            if key in claimed:
                continue
            person = Person.of(user)
            due.append(DueReminder(key, kinds.LIVE_REMINDER, person, link, modes[(user.id, kinds.LIVE_REMINDER)],
                                   _live_text(session.title, session.starts_at, person)))
    return due


def _live_text(title: str, starts_at: datetime, person: Person):
    def compose():
        when = format_instant(starts_at, zone_name=_person_zone(person))
        return (_("Starting soon: “%(title)s”", title=title),
                _("The live session starts %(when)s. Join it from this link.", when=when))
    return compose


# --------------------------------------------------------------------------
# At-risk nudges
# --------------------------------------------------------------------------


def iso_week(now: datetime) -> str:
    year, week, _weekday = now.isocalendar()
    return f"{year}-W{week:02d}"


def at_risk_reminders(now: datetime) -> list[DueReminder]:
    """This week's nudges to participants at risk (the eligibility service decides; constant queries)."""
    from lms.admission.eligibility import Status, evaluate
    from lms.admission.models import AdmissionRules
    from lms.programs.models import Program

    today = now.date()
    # Programs whose online phase has begun and whose admission decision is not long past.
    deciding = or_(
        Program.online_end >= today - timedelta(days=1),
        exists().where(AdmissionRules.program_id == Program.id, AdmissionRules.decide_by >= today - timedelta(days=1)),
    )
    # Who is at risk comes from the stored participant summaries (lms.dashboard), brought up to date here
    # (committed: a cache): only the candidates not yet nudged this week are evaluated again, for the reasons.
    from lms.dashboard.models import ParticipantSummary
    from lms.dashboard.summaries import ensure_fresh

    program_ids = list(db.session.scalars(
        select(Program.id).where(Program.online_start <= today + timedelta(days=1), deciding)))
    if not program_ids:
        return []
    for program_id in program_ids:
        ensure_fresh(program_id, now)
    db.session.commit()
    week = iso_week(now)
    claimed = _claimed_keys(kinds.AT_RISK_NUDGE, now - timedelta(days=8))
    enrolments = [enrolment for enrolment in db.session.scalars(
        select(Enrolment)
        .join(ParticipantSummary, ParticipantSummary.enrolment_id == Enrolment.id)
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.program_id.in_(program_ids), Enrolment.status == EnrolmentStatus.ACTIVE.value,
               User.deactivated_at.is_(None), ParticipantSummary.eligibility == Status.AT_RISK.value)
        .options(selectinload(Enrolment.user), selectinload(Enrolment.program), selectinload(Enrolment.track),
                 selectinload(Enrolment.module), selectinload(Enrolment.group))
        .order_by(Enrolment.id)
    ).all() if f"at_risk:{enrolment.id}:{week}" not in claimed]
    if not enrolments:
        return []
    at_risk = [standing for standing in evaluate(enrolments, now).values() if standing.status is Status.AT_RISK]
    if not at_risk:
        return []
    # The reasons in each person's language: the service words them as it evaluates.
    by_locale: dict[str, list] = {}
    for standing in at_risk:
        by_locale.setdefault(standing.enrolment.user.locale or "en", []).append(standing.enrolment)
    reasons: dict[int, list[str]] = {}
    current = str(get_locale() or "en")
    for locale, people in by_locale.items():
        if locale == current:
            continue  # already worded in this language
        with force_locale(locale):
            for enrolment_id, standing in evaluate(people, now).items():
                reasons[enrolment_id] = standing.reasons
    modes = modes_for([standing.enrolment.user for standing in at_risk], [kinds.AT_RISK_NUDGE])
    due = []
    for standing in at_risk:
        enrolment = standing.enrolment
        person = Person.of(enrolment.user)
        due.append(DueReminder(
            f"at_risk:{enrolment.id}:{week}", kinds.AT_RISK_NUDGE, person,
            site_path("admission.my_standing", program_id=enrolment.program_id),
            modes[(person.id, kinds.AT_RISK_NUDGE)],
            _at_risk_text(enrolment.program.name, reasons.get(enrolment.id, standing.reasons)),
        ))
    return due


def _at_risk_text(program_name: str, reasons: list[str]):
    def compose():
        return (_("You are falling behind in %(program)s", program=program_name),
                "\n".join(f"- {reason}" for reason in reasons) if reasons else None)
    return compose


# --------------------------------------------------------------------------
# Claiming and sending
# --------------------------------------------------------------------------


def claim(reminder: DueReminder, now: datetime) -> ReminderClaim | None:
    """Insert the reminder's claim as the first statement of a new transaction; None when taken already."""
    record = ReminderClaim(key=reminder.key, kind=reminder.kind, user_id=reminder.person.id, claimed_at=now,
                           claimed_by=sender_id())
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return record


def send_reminders(reminders: list[DueReminder], now: datetime, counts: Counter) -> None:
    """Claim and send each reminder in its own short transaction (committed here)."""
    db.session.commit()  # end the reading transaction: each claim starts its own
    for reminder in reminders:
        record = claim(reminder, now)
        if record is None:
            counts["skipped"] += 1
            continue
        try:
            with force_locale(reminder.person.locale or "en"):
                title, body = reminder.compose()
            notification = deliver(reminder.person, reminder.kind, title, body, reminder.link,
                                   mode=reminder.mode, now=now)
            db.session.flush()
            record.notification_id = notification.id
            db.session.commit()
        except Exception:
            db.session.rollback()  # the claim goes too: the next run tries again
            counts["failed"] += 1
            log.exception("Sending reminder %s failed", reminder.key)
        else:
            counts[reminder.kind] += 1


def collect_due_reminders(now: datetime, *, at_risk: bool = True) -> list[DueReminder]:
    """Every reminder due now and not claimed yet (a constant number of queries)."""
    reminders = deadline_reminders(now) + live_reminders(now)
    if at_risk:
        reminders += at_risk_reminders(now)
    return reminders


def send_due_notifications(now: datetime | None = None, *, at_risk: bool = True, digests: bool = True,
                           submission_digests: bool = False) -> dict[str, int]:
    """Send the reminders due now and the daily digests due now; returns counts by kind.

    Commits (each reminder and each digest in its own transaction). ``at_risk``:
    also evaluate eligibility for the weekly nudges (the scheduler does it
    hourly, not every minute). Counts: ``deadline_reminder``, ``live_reminder``,
    ``at_risk_nudge``, ``digests``, ``skipped`` (claimed by another sender),
    ``failed``; with ``submission_digests`` (the scheduler and the command) also the trainers' daily
    digests of new submissions due now (``submission_digests``: at their digest hour).
    """
    from lms.notifications.digest import send_due_submission_digests, send_notification_digests

    now = now or utcnow()
    counts: Counter = Counter({kinds.DEADLINE_REMINDER: 0, kinds.LIVE_REMINDER: 0, kinds.AT_RISK_NUDGE: 0,
                               "digests": 0, "skipped": 0, "failed": 0})
    send_reminders(collect_due_reminders(now, at_risk=at_risk), now, counts)
    if digests:
        counts["digests"] += send_notification_digests(now)
    if submission_digests:
        counts["submission_digests"] = send_due_submission_digests(now)
    return dict(counts)
