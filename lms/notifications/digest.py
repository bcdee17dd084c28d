"""The trainers' daily email digest of new submissions (``flask lms send-digests``, run daily from cron).

Each trainer gets one email listing the versions submitted to their modules'
assignments since their last digest (the last 24 hours on the first run),
per module and assignment: who, when (in the trainer's zone), late or not,
and a link to grading. Nobody gets an empty digest; a second run sends
nothing new. The work is a constant number of queries for all trainers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from werkzeug.routing import BuildError

from lms.accounts.models import User
from lms.accounts.operations import absolute_url
from lms.assignments.models import Assignment, Submission, SubmissionVersion
from lms.core.database import utcnow
from lms.core.timezones import format_instant
from lms.extensions import db
from lms.learning.models import Item, Unit
from lms.mail.operations import queue_email
from lms.notifications.models import DigestRun
from lms.programs.models import Group, Module, ModuleTrainer

SUBMISSIONS = "submissions"  # DigestRun.kind
FIRST_RUN_WINDOW = timedelta(hours=24)


@dataclass
class DigestEntry:
    submitter: str  # the participant's name, or the group's for group work
    is_group: bool
    submitted_at: datetime
    when: str  # in the trainer's zone, zone named
    is_late: bool
    version_number: int


@dataclass
class DigestAssignment:
    title: str
    entries: list[DigestEntry] = field(default_factory=list)


@dataclass
class DigestModule:
    module_id: int
    title: str
    link: str
    assignments: dict[int, DigestAssignment] = field(default_factory=dict)


@dataclass
class TrainerDigest:
    trainer: User
    modules: dict[int, DigestModule] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(a.entries) for m in self.modules.values() for a in m.assignments.values())


def _absolute_url(endpoint: str, **values) -> str:
    """``absolute_url`` in a request; in a command (cron), the same address built from the URL map."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return current_app.config["SITE_URL"] + path


def grading_link(module_id: int) -> str:
    """The module's grading queue; the module's page where grading is not available."""
    try:
        return _absolute_url("grading.queue", module_id=module_id)
    except BuildError:
        return _absolute_url("programs.module_detail", module_id=module_id)


def _new_versions(now: datetime):
    """Every (trainer, module, item, version, participant name, group name) to report: one query.

    A version is new for a trainer when it was submitted after the trainer's
    last submissions digest (or within the last 24 hours when there was none)
    and not after ``now``.
    """
    trainer = aliased(User, name="trainer")
    participant = aliased(User, name="participant")
    last_run = aliased(DigestRun, name="last_run")
    since_last_run = or_(
        and_(last_run.last_sent_at.is_(None), SubmissionVersion.submitted_at > now - FIRST_RUN_WINDOW),
        SubmissionVersion.submitted_at > last_run.last_sent_at,
    )
    return db.session.execute(
        select(trainer, Module, Item, SubmissionVersion, participant.name, Group.name)
        .select_from(SubmissionVersion)
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .join(Assignment, Submission.assignment_id == Assignment.id)
        .join(Item, Assignment.item_id == Item.id)
        .join(Unit, Item.unit_id == Unit.id)
        .join(Module, Unit.module_id == Module.id)
        .join(ModuleTrainer, ModuleTrainer.module_id == Module.id)
        .join(trainer, ModuleTrainer.user_id == trainer.id)
        .outerjoin(last_run, and_(last_run.user_id == trainer.id, last_run.kind == SUBMISSIONS))
        .outerjoin(participant, Submission.user_id == participant.id)
        .outerjoin(Group, Submission.group_id == Group.id)
        .where(
            SubmissionVersion.submitted_at.is_not(None),
            SubmissionVersion.submitted_at <= now,
            since_last_run,
            Module.archived_at.is_(None),
            trainer.deactivated_at.is_(None),
        )
        .order_by(trainer.id, Module.position, Module.id, Unit.position, Item.position, Item.id,
                  SubmissionVersion.submitted_at, SubmissionVersion.id)
    ).all()


def build_submission_digests(now: datetime | None = None) -> list[TrainerDigest]:
    """What each trainer's digest holds (trainers with nothing new are absent)."""
    now = now or utcnow()
    digests: dict[int, TrainerDigest] = {}
    links: dict[int, str] = {}
    for trainer, module, item, version, participant_name, group_name in _new_versions(now):
        digest = digests.setdefault(trainer.id, TrainerDigest(trainer))
        if module.id not in links:
            links[module.id] = grading_link(module.id)
        digest_module = digest.modules.setdefault(
            module.id, DigestModule(module.id, module.short_title or module.title, links[module.id])
        )
        digest_assignment = digest_module.assignments.setdefault(item.id, DigestAssignment(item.title))
        digest_assignment.entries.append(DigestEntry(
            submitter=group_name or participant_name or "",
            is_group=group_name is not None,
            submitted_at=version.submitted_at,
            when="",  # written in the trainer's language when the email is built
            is_late=version.is_late,
            version_number=version.number,
        ))
    return list(digests.values())


def _queue_submission_digest(digest: TrainerDigest) -> None:
    """The digest email, in the trainer's language and zone, into the outbox."""
    trainer = digest.trainer
    with force_locale(trainer.locale or "en"):
        for digest_module in digest.modules.values():
            for digest_assignment in digest_module.assignments.values():
                for entry in digest_assignment.entries:
                    entry.when = format_instant(entry.submitted_at, zone_name=trainer.timezone or "UTC")
        subject = ngettext("%(num)d new submission to grade", "%(num)d new submissions to grade",
                           digest.count)
        queue_email(trainer.email, subject, "mail/submissions_digest.txt", trainer=trainer, digest=digest)


def send_submission_digests(now: datetime | None = None) -> int:
    """Queue one digest email per trainer with new submissions and record the run; returns how many.

    The caller commits (the emails and the run records go in one transaction,
    so a failed run sends nothing and records nothing).
    """
    now = now or utcnow()
    # Lock the run records first (PostgreSQL): a second run started meanwhile waits, then finds nothing new.
    runs = {run.user_id: run for run in db.session.scalars(
        select(DigestRun).where(DigestRun.kind == SUBMISSIONS).with_for_update()
    )}
    digests = build_submission_digests(now)
    for digest in digests:
        trainer = digest.trainer
        _queue_submission_digest(digest)
        run = runs.get(trainer.id)
        if run is None:
            db.session.add(DigestRun(user_id=trainer.id, kind=SUBMISSIONS, last_sent_at=now))
        else:
            run.last_sent_at = now
    db.session.flush()
    return len(digests)


def send_due_submission_digests(now: datetime | None = None) -> int:
    """The trainers' daily digests that are due now (the scheduler and ``send-due-notifications``).

    A trainer's digest is due once a day, at ``NOTIFICATION_DIGEST_HOUR`` in their own zone, when
    something new was submitted before that hour and no digest was sent since it (what comes later
    waits for the next day's). Each trainer is one short
    transaction, committed here, that first claims the run (an UPDATE matching only an older run,
    or the INSERT of a first one): two senders at once never email a trainer twice.
    """
    import logging

    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    log = logging.getLogger(__name__)
    now = now or utcnow()
    hour = current_app.config.get("NOTIFICATION_DIGEST_HOUR", DEFAULT_DIGEST_HOUR)
    runs = dict(db.session.execute(
        select(DigestRun.user_id, DigestRun.last_sent_at).where(DigestRun.kind == SUBMISSIONS)).all())
    due = []
    for digest in build_submission_digests(now):
        slot = digest_slot(now, digest.trainer.timezone, hour)
        last = runs.get(digest.trainer.id)
        if last is not None and last >= slot:
            continue  # this day's digest went already
        entries = [entry for m in digest.modules.values() for a in m.assignments.values() for entry in a.entries]
        if not any(entry.submitted_at < slot for entry in entries):
            continue  # all came after the digest hour: they wait for the next one
        due.append((digest, slot, last is not None))
    db.session.commit()  # end the reading transaction: each trainer's claim starts its own
    sent = 0
    for digest, slot, had_run in due:
        trainer_id = digest.trainer.id
        try:
            if had_run:
                claimed = db.session.execute(
                    update(DigestRun)
                    .where(DigestRun.user_id == trainer_id, DigestRun.kind == SUBMISSIONS,
                           DigestRun.last_sent_at < slot)
                    .values(last_sent_at=now).execution_options(synchronize_session=False)
                ).rowcount == 1
            else:
                try:
                    db.session.add(DigestRun(user_id=trainer_id, kind=SUBMISSIONS, last_sent_at=now))
                    db.session.flush()
                    claimed = True
                except IntegrityError:
                    claimed = False
            if not claimed:
                db.session.rollback()
                continue
            _queue_submission_digest(digest)
            db.session.commit()
            sent += 1
        except Exception:
            db.session.rollback()
            log.exception("The submissions digest of trainer %s failed; it is retried on the next run", trainer_id)
    return sent


# --------------------------------------------------------------------------
# The daily digest of notifications (people who chose "daily digest" for some kinds)
# --------------------------------------------------------------------------

NOTIFICATIONS = "notifications"  # DigestRun.kind
DEFAULT_DIGEST_HOUR = 8  # local time of each person


@dataclass(frozen=True)
class Person:
    """What an email needs of a person, kept apart from the session (which commits per person)."""

    id: int
    name: str
    email: str
    locale: str | None
    timezone: str | None
    is_coordinator: bool = False
    deactivated_at: datetime | None = None

    @classmethod
    def of(cls, user) -> Person:
        return cls(user.id, user.name, user.email, user.locale, user.timezone, bool(user.is_coordinator),
                   user.deactivated_at)


@dataclass
class DigestItem:
    id: int
    kind: str
    title: str
    body: str | None
    link: str | None  # absolute, for the email
    created_at: datetime
    when: str = ""  # in the person's zone, written when the email is built


@dataclass
class NotificationDigest:
    person: Person
    slot: datetime  # the digest time this one is for
    had_run: bool  # a DigestRun row exists (claimed by update) or not (claimed by insert)
    items: list[DigestItem] = field(default_factory=list)
    silenced: list[int] = field(default_factory=list)  # kinds switched off since: not emailed


def digest_slot(now: datetime, zone_name: str | None, hour: int) -> datetime:
    """The latest digest time (``hour``:00 in the person's zone) at or before ``now``, in UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    slot = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if slot > local:
        slot = (local - timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return slot.astimezone(now.tzinfo)


def build_notification_digests(now: datetime | None = None) -> list[NotificationDigest]:
    """The digests due now: per person, the notifications waiting for their digest (three queries).

    A person's digest is due once their digest time (``NOTIFICATION_DIGEST_HOUR``
    in their zone) has passed since their last one, when something waiting was
    created before that time (a notification of 10:00 waits for the next
    morning's digest).
    """
    from lms.notifications.delivery import DIGEST, absolute_link, modes_for
    from lms.notifications.kinds import OFF
    from lms.notifications.models import Notification

    now = now or utcnow()
    hour = current_app.config.get("NOTIFICATION_DIGEST_HOUR", DEFAULT_DIGEST_HOUR)
    rows = db.session.execute(
        select(Notification, User)
        .join(User, Notification.user_id == User.id)
        .where(Notification.email_status == DIGEST, Notification.created_at <= now, User.deactivated_at.is_(None))
        .order_by(User.id, Notification.created_at, Notification.id)
    ).all()
    if not rows:
        return []
    users = {user.id: user for _notification, user in rows}
    runs = dict(db.session.execute(
        select(DigestRun.user_id, DigestRun.last_sent_at)
        .where(DigestRun.kind == NOTIFICATIONS, DigestRun.user_id.in_(list(users)))
    ).all())
    modes = modes_for(users.values(), {notification.kind for notification, _user in rows})
    waiting: dict[int, list] = {}
    for notification, user in rows:
        waiting.setdefault(user.id, []).append(notification)
    digests = []
    for user_id, notifications in waiting.items():
        user = users[user_id]
        slot = digest_slot(now, user.timezone, hour)
        last = runs.get(user_id)
        if last is not None and last >= slot:
            continue  # this day's digest went already
        if not any(notification.created_at < slot for notification in notifications):
            continue  # all came after the digest time: they wait for the next one
        digest = NotificationDigest(Person.of(user), slot, had_run=user_id in runs)
        for notification in notifications:
            if modes[(user_id, notification.kind)] == OFF:
                digest.silenced.append(notification.id)
                continue
            digest.items.append(DigestItem(notification.id, notification.kind, notification.title,
                                           notification.body, absolute_link(notification.link),
                                           notification.created_at))
        digests.append(digest)
    return digests


def _claim_notification_digest(digest: NotificationDigest, now: datetime) -> bool:
    """Record this person's digest as sent, atomically; False when another sender has done it.

    The first statement of the person's transaction: an UPDATE that only
    matches an older run (PostgreSQL makes a concurrent one wait, then it
    matches nothing) or, for a first digest, an INSERT that the primary key
    lets only one sender make.
    """
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    if digest.had_run:
        result = db.session.execute(
            update(DigestRun)
            .where(DigestRun.user_id == digest.person.id, DigestRun.kind == NOTIFICATIONS,
                   DigestRun.last_sent_at < digest.slot)
            .values(last_sent_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1
    try:
        db.session.add(DigestRun(user_id=digest.person.id, kind=NOTIFICATIONS, last_sent_at=now))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def send_notification_digests(now: datetime | None = None) -> int:
    """Email each person whose digest is due their waiting notifications; returns how many emails.

    Each person is one short transaction, committed here: the claim of their
    day's digest, their notifications marked "digested", the email queued. Two
    senders at once (several server processes, cron) never send one person's
    digest twice; a failure for one person is logged and rolled back, the
    others go on.
    """
    import logging

    from sqlalchemy import update

    from lms.notifications.delivery import DIGESTED, OFF, site_address
    from lms.notifications.models import Notification

    log = logging.getLogger(__name__)
    now = now or utcnow()
    digests = build_notification_digests(now)
    db.session.commit()  # end the reading transaction: each person's claim starts its own
    sent = 0
    for digest in digests:
        try:
            if not _claim_notification_digest(digest, now):
                db.session.rollback()
                continue
            if digest.silenced:
                db.session.execute(
                    update(Notification)
                    .where(Notification.id.in_(digest.silenced), Notification.email_status == "digest")
                    .values(email_status=OFF).execution_options(synchronize_session=False))
            if digest.items:
                db.session.execute(
                    update(Notification)
                    .where(Notification.id.in_([item.id for item in digest.items]),
                           Notification.email_status == "digest")
                    .values(email_status=DIGESTED, emailed_at=now).execution_options(synchronize_session=False))
                person = digest.person
                with force_locale(person.locale or "en"):
                    for item in digest.items:
                        item.when = format_instant(item.created_at, zone_name=person.timezone or "UTC")
                    subject = ngettext("Your daily digest: %(num)d notification",
                                       "Your daily digest: %(num)d notifications", len(digest.items))
                    queue_email(person.email, subject, "mail/notifications_digest.txt", user=person,
                                items=digest.items, notifications_link=site_address("notifications.index"),
                                preferences_link=site_address("notifications.preferences"))
                sent += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("The notification digest of user %s failed; it is retried on the next run",
                          digest.person.id)
    return sent
