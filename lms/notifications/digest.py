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
        with force_locale(trainer.locale or "en"):
            for digest_module in digest.modules.values():
                for digest_assignment in digest_module.assignments.values():
                    for entry in digest_assignment.entries:
                        entry.when = format_instant(entry.submitted_at, zone_name=trainer.timezone or "UTC")
            subject = ngettext("%(num)d new submission to grade", "%(num)d new submissions to grade",
                               digest.count)
            queue_email(trainer.email, subject, "mail/submissions_digest.txt", trainer=trainer, digest=digest)
        run = runs.get(trainer.id)
        if run is None:
            db.session.add(DigestRun(user_id=trainer.id, kind=SUBMISSIONS, last_sent_at=now))
        else:
            run.last_sent_at = now
    db.session.flush()
    return len(digests)
