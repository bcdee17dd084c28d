"""Enrolment operations: enrolling, inviting, moving, changing status, importing.

Every change to an enrolment is recorded as an ``EnrolmentEvent`` (who, when,
from what to what, why). Nothing here commits: the view (or command) commits
once, so that a request is all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.operations import get_or_create_user, send_invitation
from lms.core.database import utcnow
from lms.enrolment import csv_import
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Group, Module, ModuleTrainer, Program, Track
from lms.programs.operations import add_trainer


class AlreadyEnrolled(Exception):
    """The person already has an enrolment in this program (one per program)."""

    def __init__(self, enrolment: Enrolment):
        super().__init__("already enrolled")
        self.enrolment = enrolment


def change_status(enrolment: Enrolment, new_status: EnrolmentStatus, actor=None, note: str | None = None) -> None:
    """Set an enrolment's status and record who changed it, when and why."""
    old = enrolment.status
    if old == new_status.value:
        return
    enrolment.status = new_status.value
    db.session.add(
        EnrolmentEvent(
            enrolment=enrolment, actor=actor, action="status", from_status=old, to_status=new_status.value, note=note
        )
    )


def activate_invited_enrolments(user) -> None:
    """A person who accepts their invitation becomes active in the programs they were invited to."""
    invited = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.INVITED.value)
    ).all()
    for enrolment in invited:
        change_status(enrolment, EnrolmentStatus.ACTIVE, actor=user, note="invitation accepted")


# --------------------------------------------------------------------------- describing

def placement_label(track: Track | None, module: Module | None) -> str:
    """'Intensive · Digital contents for children' (what an enrolment is in)."""
    parts = [part for part in ((track.name if track else None), (module.display_title if module else None)) if part]
    return " · ".join(parts)


def enrolment_context_line(program: Program, module: Module | None) -> str:
    if module is not None:
        return _("You are enrolled in %(program)s, module %(module)s.", program=program.name, module=module.title)
    return _("You are enrolled in %(program)s.", program=program.name)


def trainer_context_line(module: Module) -> str:
    return _("You are a trainer of the module %(module)s in %(program)s.", module=module.title,
             program=module.track.program.name)


def find_enrolment(user: User, program: Program) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.program_id == program.id)
    )


# --------------------------------------------------------------------------- enrolling

def _check_same_program(program_id: int, track: Track | None, module: Module | None, group: Group | None) -> None:
    """A placement never reaches into another program (the pages check this with a message first)."""
    if track is not None and track.program_id not in (None, program_id):
        raise ValueError("the track belongs to another program")
    if module is not None and module.track.program_id not in (None, program_id):
        raise ValueError("the module belongs to another program")
    if group is not None and group.program_id not in (None, program_id):
        raise ValueError("the group belongs to another program")


def enrol_participant(
    user: User,
    program: Program,
    *,
    track: Track | None = None,
    module: Module | None = None,
    group: Group | None = None,
    actor: User | None = None,
    note: str | None = None,
) -> Enrolment:
    """Enrol a person in a program (INVITED until they accept their invitation).

    Raises ``AlreadyEnrolled`` when they have an enrolment in this program.
    """
    existing = find_enrolment(user, program) if user.id is not None else None
    if existing is not None:
        raise AlreadyEnrolled(existing)
    if module is not None and track is None:
        track = module.track
    _check_same_program(program.id, track, module, group)
    status = EnrolmentStatus.ACTIVE if user.has_accepted_invitation else EnrolmentStatus.INVITED
    enrolment = Enrolment(user=user, program=program, track=track, module=module, group=group, status=status.value)
    db.session.add(enrolment)
    db.session.add(
        EnrolmentEvent(
            enrolment=enrolment,
            actor=actor,
            action="enrolled",
            to_status=status.value,
            to_value=placement_label(track, module) or None,
            note=note,
        )
    )
    db.session.flush()
    return enrolment


@dataclass
class InviteResult:
    user: User
    created: bool
    invitation_sent: bool
    enrolment: Enrolment | None = None
    trainer_added: bool = False


def invite_person(
    *,
    actor: User,
    email: str,
    name: str,
    country: str | None,
    timezone: str | None,
    organisation: str | None,
    job_title: str | None,
    role: str,
    program: Program | None = None,
    track: Track | None = None,
    module: Module | None = None,
    group: Group | None = None,
) -> InviteResult:
    """Add one person in one role, reusing them when the email is known (any case).

    Roles: "participant" (enrolled in ``program``), "trainer" (of ``module``),
    "coordinator". People who have not accepted yet get an invitation that
    says what they were added to. Raises ``AlreadyEnrolled``.
    """
    user, created = get_or_create_user(
        email=email, name=name, country=country, timezone=timezone,
        organisation=organisation, job_title=job_title,
    )
    result = InviteResult(user=user, created=created, invitation_sent=False)
    if role == "participant":
        result.enrolment = enrol_participant(user, program, track=track, module=module, group=group, actor=actor)
        context_line = enrolment_context_line(program, module)
    elif role == "trainer":
        result.trainer_added = add_trainer(module, user, actor=actor)
        context_line = trainer_context_line(module)
    elif role == "coordinator":
        user.is_coordinator = True
        context_line = _("You are a coordinator in the program office.")
    else:
        raise ValueError(f"unknown role {role!r}")
    if not user.has_accepted_invitation and user.deactivated_at is None:
        send_invitation(user, actor, context_line)
        result.invitation_sent = True
    return result


def resend_invitation(user: User, actor: User) -> str:
    """A fresh invitation link (the previous one stops working)."""
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.INVITED.value)
        .order_by(Enrolment.id)
    ).all()
    lines = [enrolment_context_line(e.program, e.module) for e in enrolments]
    return send_invitation(user, actor, " ".join(lines) or None)


def resend_program_invitations(program: Program, actor: User) -> int:
    """A fresh invitation to each participant of ``program`` who has not accepted yet (and is not
    deactivated); returns how many were sent."""
    people = db.session.scalars(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(
            Enrolment.program_id == program.id,
            Enrolment.status == EnrolmentStatus.INVITED.value,
            User.password_hash.is_(None),
            User.deactivated_at.is_(None),
        )
        .order_by(User.id)
    ).all()
    for user in people:
        resend_invitation(user, actor)
    return len(people)


# --------------------------------------------------------------------------- people

def update_person(user: User, *, name, country, timezone, organisation, job_title, is_coordinator) -> None:
    user.name = name.strip()
    user.country = country or None
    user.timezone = timezone
    user.organisation = (organisation or "").strip() or None
    user.job_title = (job_title or "").strip() or None
    user.is_coordinator = bool(is_coordinator)


def deactivate_person(user: User) -> None:
    """The person can no longer sign in; every session ends. Nothing is deleted."""
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
        user.session_version = (user.session_version or 1) + 1


def reactivate_person(user: User) -> None:
    user.deactivated_at = None


# --------------------------------------------------------------------------- editing enrolments

def update_enrolment(
    enrolment: Enrolment,
    *,
    track: Track | None,
    module: Module | None,
    group: Group | None,
    status: str,
    actor: User,
    note: str | None,
) -> list[EnrolmentEvent]:
    """Move, regroup or change the status of an enrolment; one event per kind of change."""
    note = (note or "").strip() or None
    events = []
    if module is not None and track is None:
        track = module.track
    _check_same_program(enrolment.program_id, track, module, group)
    if enrolment.track_id != (track.id if track else None) or enrolment.module_id != (module.id if module else None):
        events.append(
            EnrolmentEvent(
                enrolment=enrolment, actor=actor, action="moved", note=note,
                from_value=placement_label(enrolment.track, enrolment.module) or None,
                to_value=placement_label(track, module) or None,
            )
        )
        enrolment.track = track
        enrolment.module = module
    if enrolment.group_id != (group.id if group else None):
        events.append(
            EnrolmentEvent(
                enrolment=enrolment, actor=actor, action="group", note=note,
                from_value=enrolment.group.name if enrolment.group else None,
                to_value=group.name if group else None,
            )
        )
        enrolment.group = group
    if enrolment.status != status:
        events.append(
            EnrolmentEvent(
                enrolment=enrolment, actor=actor, action="status", note=note,
                from_status=enrolment.status, to_status=status,
            )
        )
        enrolment.status = status
    db.session.add_all(events)
    return events


# --------------------------------------------------------------------------- CSV import

def load_import_context(program: Program, emails) -> csv_import.ImportContext:
    """What the checks need, in a fixed number of queries."""
    tracks = db.session.scalars(select(Track).where(Track.program_id == program.id)).all()
    modules = db.session.scalars(
        select(Module).join(Track).where(Track.program_id == program.id).order_by(Module.position, Module.id)
    ).all()
    groups = db.session.scalars(select(Group).where(Group.program_id == program.id)).all()
    emails = sorted({e for e in emails if e})
    people = db.session.scalars(select(User).where(User.email.in_(emails))).all() if emails else []
    person_ids = [p.id for p in people]
    enrolments = []
    links = []
    if person_ids:
        enrolments = db.session.scalars(
            select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.user_id.in_(person_ids))
        ).all()
        links = db.session.execute(
            select(ModuleTrainer.user_id, ModuleTrainer.module_id).where(ModuleTrainer.user_id.in_(person_ids))
        ).all()
    tracks_by_id = {t.id: t for t in tracks}
    modules_by_id = {m.id: m for m in modules}
    return csv_import.ImportContext(
        tracks=[csv_import.TrackRef(t.id, t.name, t.is_archived) for t in tracks],
        modules=[
            csv_import.ModuleRef(m.id, m.title, m.short_title, m.track_id,
                                 m.is_archived or tracks_by_id[m.track_id].is_archived)
            for m in modules
        ],
        groups=[csv_import.GroupRef(g.id, g.name, g.is_archived) for g in groups],
        people={
            p.email: csv_import.KnownPerson(p.id, p.email, p.name, p.has_accepted_invitation) for p in people
        },
        enrolments={
            e.user_id: csv_import.ExistingEnrolment(
                e.id, e.user_id, e.track_id, e.module_id, e.group_id, e.status,
                placement_label(tracks_by_id.get(e.track_id), modules_by_id.get(e.module_id)),
            )
            for e in enrolments
        },
        trainer_links={(user_id, module_id) for user_id, module_id in links},
    )


def preview_import(program: Program, text: str) -> csv_import.ImportPreview:
    """Parse and check a CSV text against the current database (raises CsvFileError)."""
    parsed = csv_import.parse_csv(text)
    emails = [csv_import.normalise_email_address(row.values.get("email", "")) for row in parsed.rows]
    return csv_import.validate_rows(parsed, load_import_context(program, emails))


@dataclass
class ImportSummary:
    people_created: int = 0
    enrolments_created: int = 0
    trainers_added: int = 0
    groups_created: list[str] = field(default_factory=list)
    invitations_sent: int = 0
    unchanged: int = 0


def import_rows(program: Program, preview: csv_import.ImportPreview, actor: User) -> ImportSummary:
    """Create what a valid preview describes. The caller commits once (or rolls back)."""
    if not preview.ok:
        raise ValueError("a preview with errors cannot be imported")
    summary = ImportSummary()
    tracks = {t.id: t for t in db.session.scalars(select(Track).where(Track.program_id == program.id))}
    modules = {m.id: m for m in db.session.scalars(select(Module).join(Track).where(Track.program_id == program.id))}
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.program_id == program.id))}
    new_groups: dict[str, Group] = {}
    for name in preview.new_groups:
        group = Group(program=program, name=name)
        db.session.add(group)
        new_groups[name.casefold()] = group
        summary.groups_created.append(name)
    db.session.flush()
    invited: set[int] = set()
    for row in preview.rows:
        if row.outcome == csv_import.ALREADY_DONE:
            summary.unchanged += 1
            continue
        user, created = get_or_create_user(
            email=row.email, name=row.name, country=row.country, timezone=row.timezone,
            organisation=row.organisation, job_title=row.job_title,
        )
        summary.people_created += int(created)
        module = modules.get(row.module_id)
        if row.role == csv_import.TRAINER:
            summary.trainers_added += int(add_trainer(module, user, actor=actor))
            context_line = trainer_context_line(module)
        else:
            group = groups.get(row.group_id) or (new_groups.get(row.group_name.casefold()) if row.group_name else None)
            enrol_participant(
                user, program, track=tracks.get(row.track_id), module=module, group=group, actor=actor,
                note=_("CSV import, line %(line)d", line=row.line),
            )
            summary.enrolments_created += 1
            context_line = enrolment_context_line(program, module)
        if row.invite and user.id not in invited and not user.has_accepted_invitation and user.deactivated_at is None:
            send_invitation(user, actor, context_line)
            invited.add(user.id)
            summary.invitations_sent += 1
    return summary
