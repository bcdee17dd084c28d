"""Loads the demo data (lms.demo.data) into the database in one transaction."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.core.database import utcnow
from lms.demo import data
from lms.demo.activity import ActivitySummary, Clock, load_activity
from lms.demo.assignment_settings import load_assignment_settings
from lms.demo.learning_content import load_learning_content
from lms.demo.meetings import load_meetings
from lms.demo.offline_content import load_offline_content, participation_terms
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.storage import file_path
from lms.live.schedule import sync_all_sessions
from lms.programs.models import Field, Group, Module, ModuleTrainer, Organisation, Program, Track


class DemoError(RuntimeError):
    """The demo cannot be loaded as asked (the message says why)."""


@dataclass
class ProgramSummary:
    name: str
    code: str
    participants: int
    countries: Counter
    modules: list[tuple[str, int]] = field(default_factory=list)  # (short title, participants)
    groups: int = 0


@dataclass
class DemoSummary:
    programs: list[ProgramSummary]
    accounts: list[tuple[str, str, str]]  # (role, email, password)
    users: int
    activity: ActivitySummary | None = None  # with --with-activity


def email_for(person: data.PersonData, domain: str) -> str:
    """'Sofía Hernández' -> 'sofia.hernandez@example.org' (ASCII, reserved domain)."""
    if person.email:
        return person.email
    ascii_name = unicodedata.normalize("NFKD", person.name).encode("ascii", "ignore").decode("ascii")
    local = ".".join(part for part in re.split(r"[^a-z0-9]+", ascii_name.lower()) if part)
    return f"{local}@{domain}"


def database_has_data() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


def clear_database() -> list[Path]:
    """Delete every row of the app's tables, children first (the caller commits).

    The tables themselves (and Alembic's version table, which is not in the
    app's metadata) stay as they are. Returns where the deleted stored files
    keep their bytes: pass the list to ``remove_files`` once the deletion is
    committed (before that, a rollback would bring the rows back).
    """
    stored_files = db.session.scalars(select(StoredFile)).all()
    paths = [file_path(stored) for stored in stored_files]
    for stored in stored_files:  # their rows are deleted below; new ones may reuse the ids
        db.session.expunge(stored)
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    return paths


def remove_files(paths: list[Path]) -> None:
    """Delete the bytes of stored files whose rows were deleted and committed."""
    for path in paths:
        path.unlink(missing_ok=True)


class _Loader:
    def __init__(self, *, with_activity: bool = False, now: datetime | None = None) -> None:
        self.now = now or utcnow()
        # With the activity, the main program is moved to today's weeks (lms.demo.activity.Clock).
        self.clock = Clock.for_now(self.now) if with_activity else None
        self.specs = self.clock.specs() if self.clock else data.PROGRAMS
        # One argon2 hash shared by every demo account: hashing ~90 times would be slow.
        self.password_hash = hash_password(data.DEMO_PASSWORD)
        self.organisations: dict[str, Organisation] = {}
        self.fields: dict[str, Field] = {}
        self.users_by_email: dict[str, User] = {}
        self.coordinator: User | None = None

    def user(self, person: data.PersonData, domain: str, *, coordinator: bool = False) -> User:
        email = email_for(person, domain)
        if email in self.users_by_email:
            raise DemoError(f"two demo people share the email {email}")
        user = User(
            email=email,
            name=person.name,
            country=person.country,
            timezone=person.timezone,
            organisation=person.organisation,
            job_title=person.job_title,
            locale="en",
            password_hash=self.password_hash,
            password_changed_at=self.now,
            is_coordinator=coordinator,
        )
        db.session.add(user)
        self.users_by_email[email] = user
        return user

    def load(self) -> DemoSummary:
        for org in data.ORGANISATIONS:
            self.organisations[org.name] = Organisation(
                name=org.name, short_name=org.short_name, kind=org.kind, country=org.country, city=org.city,
                description=org.description,
            )
        for name in data.FIELDS:
            self.fields[name] = Field(name=name)
        db.session.add_all([*self.organisations.values(), *self.fields.values()])

        coordinators = [self.user(person, "example.com", coordinator=True) for person in data.COORDINATORS]
        self.coordinator = coordinators[0]

        summaries = [self.program(program) for program in self.specs]
        db.session.flush()
        programs = {program.code: program for program in db.session.scalars(select(Program))}
        load_learning_content(self.specs)  # every module's online segment and each program's orientation
        sync_all_sessions()  # the LiveSession of every live-session item (schedule, calendars, rooms)
        load_meetings(programs)  # the program meetings of the online phases (opening, track meetings…)
        load_assignment_settings()  # settings and a rubric for every module's assignment
        # The offline phase: sessions in Korea (moved with their program), terms, admission rules.
        load_offline_content(programs, self.clock.shifts() if self.clock else None)
        activity = load_activity(self.clock, self.coordinator) if self.clock else None
        return DemoSummary(
            programs=summaries,
            accounts=[
                ("coordinator", data.COORDINATOR_EMAIL, data.DEMO_PASSWORD),
                ("trainer", data.TRAINER_EMAIL, data.DEMO_PASSWORD),
                ("participant", data.PARTICIPANT_EMAIL, data.DEMO_PASSWORD),
            ],
            users=len(self.users_by_email),
            activity=activity,
        )

    def program(self, spec: data.ProgramData) -> ProgramSummary:
        program = Program(
            name=spec.name, code=spec.code, year=spec.year, description=spec.description, timezone=spec.timezone,
            online_start=spec.online[0], online_end=spec.online[1], has_offline_phase=True,
            host_organisation=self.organisations[data.HOST], participation_terms=participation_terms(spec),
        )
        # Without the activity people are enrolled "now"; with it, when the program was set up (its
        # history then reads in order: enrolled, then what they did).
        enrolled_at = self.now if self.clock is None else self.clock.enrolled_at(spec)
        db.session.add(program)
        tracks = {}
        for position, track_spec in enumerate(spec.tracks):
            tracks[track_spec.key] = Track(
                program=program, name=track_spec.name, description=track_spec.description, position=position,
                offline_start=track_spec.offline[0], offline_end=track_spec.offline[1],
                offline_location=track_spec.location, offline_timezone="Asia/Seoul",
            )
        modules = {}
        for position, module_spec in enumerate(spec.modules):
            module = Module(
                track=tracks[module_spec.track], field=self.fields[module_spec.field],
                organisation=self.organisations[module_spec.organisation], title=module_spec.title,
                short_title=module_spec.short_title, position=position,
            )
            modules[module_spec.key] = module
            for trainer in data.TRAINERS[module_spec.key]:
                module.trainer_links.append(ModuleTrainer(user=self.user(trainer, "example.com")))
        db.session.add_all([*tracks.values(), *modules.values()])

        groups: dict[str, Group] = {}

        def group_named(name: str) -> Group:
            if name not in groups:
                groups[name] = Group(program=program, name=name)
            return groups[name]

        seen_in_module: Counter = Counter()
        per_module: Counter = Counter()
        countries: Counter = Counter()
        for person in data.PARTICIPANTS[spec.code]:
            module_spec = next(m for m in spec.modules if m.key == person.module)
            if spec.code == data.ADMINISTRATORS.code:
                group = group_named(data.DELEGATIONS[person.country])
            else:
                letters = data.TEAMS_PER_MODULE
                letter = letters[seen_in_module[person.module] % len(letters)]
                group = group_named(data.team_name(module_spec, letter))
            seen_in_module[person.module] += 1
            module = modules[person.module]
            enrolment = Enrolment(
                user=self.user(person, "example.org"), program=program, track=module.track, module=module,
                group=group, status=EnrolmentStatus.ACTIVE.value,
            )
            enrolment.events.append(
                EnrolmentEvent(at=enrolled_at, actor=self.coordinator, action="enrolled",
                               to_status=EnrolmentStatus.ACTIVE.value, note="Demo data")
            )
            db.session.add(enrolment)
            per_module[module_spec.short_title] += 1
            countries[person.country] += 1
        return ProgramSummary(
            name=spec.name, code=spec.code, participants=sum(per_module.values()), countries=countries,
            modules=[(m.short_title, per_module[m.short_title]) for m in spec.modules], groups=len(groups),
        )


def load_demo(*, with_activity: bool = False, now: datetime | None = None) -> DemoSummary:
    """Add the demo programs and people to the session (the caller commits).

    ``with_activity`` moves the main program so that ``now`` (default: the
    current time) falls in the second half of its online phase and simulates
    what its participants did so far, and the other program's whole offline
    phase (``lms.demo.activity``).
    """
    return _Loader(with_activity=with_activity, now=now).load()
