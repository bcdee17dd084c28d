"""What each role's home page shows, gathered in a few queries.

Every function returns plain structures (dataclasses of strings, dates,
numbers and ``DateWindow`` values) so that templates never trigger lazy
loads. The trainer and coordinator sections issue a constant number of
queries whatever the number of modules, programs or participants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.core.database import utcnow
from lms.core.timezones import DateWindow, country_name, is_valid_timezone, zone_label
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Module, ModuleTrainer, Program, Track

# The order statuses are listed in (unknown future statuses come after, alphabetically).
STATUS_ORDER = [status.value for status in EnrolmentStatus]


def _status_label(value: str) -> str:
    try:
        return EnrolmentStatus(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


def _status_sort_key(value: str) -> tuple[int, str]:
    return (STATUS_ORDER.index(value) if value in STATUS_ORDER else len(STATUS_ORDER), value)


# --------------------------------------------------------------------------
# Participant
# --------------------------------------------------------------------------


@dataclass
class Phase:
    """One step of a participant's timeline."""

    kind: str  # "online" | "offline"
    window: DateWindow | None  # None: the program has no offline phase
    state: str  # "upcoming" | "current" | "past" | "tba" | "none"
    location: str | None = None
    organisation_city: str | None = None


@dataclass
class Countdown:
    """The next thing that happens: which boundary and how far away it is."""

    event: str  # "online_starts" | "online_ends" | "offline_starts" | "offline_ends"
    delta: timedelta


@dataclass
class Person:
    name: str
    country: str | None
    country_name: str
    timezone: str | None = None
    organisation: str | None = None
    email: str | None = None


@dataclass
class LearningSummary:
    """How far the participant is in the online segment (program-wide units and their module)."""

    percent: int
    width_class: str  # a CSS class per 5 % step: inline styles are forbidden
    required_done: int
    required_total: int
    overdue_count: int
    item_count: int
    next_item_id: int | None
    next_item_title: str | None
    outline_module_id: int | None


@dataclass
class ParticipantProgram:
    enrolment_id: int
    program_id: int
    program_name: str
    program_code: str
    program_year: int
    status: str
    status_label: str
    withdrawn: bool
    is_online_only: bool
    track_name: str | None
    phases: list[Phase]
    countdown: Countdown | None
    module_title: str | None = None
    module_field: str | None = None
    module_organisation: str | None = None
    trainers: list[Person] = field(default_factory=list)
    group_name: str | None = None
    group_members: list[Person] = field(default_factory=list)
    module_id: int | None = None
    learning: LearningSummary | None = None


def _learning_summaries(enrolments, now: datetime) -> dict[int, LearningSummary]:
    """{enrolment_id: LearningSummary} for enrolments that follow the online segment: constant queries."""
    from lms.learning.access import LEARNING_STATUSES
    from lms.learning.progress import progress_for_enrolments

    following = [e for e in enrolments if e.status in LEARNING_STATUSES]
    computed = progress_for_enrolments([(e.user_id, e.program_id, e.module_id) for e in following], now)
    result = {}
    for enrolment in following:
        progress = computed[(enrolment.user_id, enrolment.program_id)]
        result[enrolment.id] = LearningSummary(
            percent=progress.percent,
            width_class=progress.width_class,
            required_done=progress.required_done,
            required_total=progress.required_total,
            overdue_count=len(progress.overdue),
            item_count=progress.item_count,
            next_item_id=progress.next_item.id if progress.next_item else None,
            next_item_title=progress.next_item.title if progress.next_item else None,
            outline_module_id=enrolment.module_id,
        )
    return result


def _countdown(phases: list[Phase], now: datetime) -> Countdown | None:
    for phase in phases:
        window = phase.window
        if window is None or phase.state in ("tba", "past", "none"):
            continue
        if phase.state == "upcoming":
            return Countdown(f"{phase.kind}_starts", window.starts_at - now)
        if phase.state == "current":
            return Countdown(f"{phase.kind}_ends", window.ends_at - now)
    return None


def _person(user: User) -> Person:
    return Person(
        name=user.name,
        country=user.country,
        country_name=country_name(user.country),
        timezone=user.timezone,
        organisation=user.organisation,
    )


def participant_programs(user: User, now: datetime | None = None) -> list[ParticipantProgram]:
    """The person's enrolments (newest program first) with their timeline, module and group."""
    now = now or utcnow()
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.program)
        .where(Enrolment.user_id == user.id, Program.archived_at.is_(None))
        .options(
            joinedload(Enrolment.program),
            joinedload(Enrolment.track),
            joinedload(Enrolment.group),
            joinedload(Enrolment.module).joinedload(Module.field),
            joinedload(Enrolment.module).joinedload(Module.organisation),
            joinedload(Enrolment.module).selectinload(Module.trainer_links).joinedload(ModuleTrainer.user),
        )
        .order_by(Program.year.desc(), Program.online_start.desc(), Program.id.desc())
    ).unique().all()

    group_ids = {e.group_id for e in enrolments if e.group is not None and not e.group.is_archived}
    members_by_group: dict[int, list[Person]] = {}
    if group_ids:
        rows = db.session.execute(
            select(Enrolment.group_id, User)
            .join(Enrolment.user)
            .where(
                Enrolment.group_id.in_(group_ids),
                Enrolment.user_id != user.id,
                Enrolment.status != EnrolmentStatus.WITHDRAWN.value,
            )
            .order_by(User.name, User.id)
        ).all()
        for group_id, member in rows:
            members_by_group.setdefault(group_id, []).append(_person(member))

    learning = _learning_summaries(enrolments, now)
    result = []
    for enrolment in enrolments:
        program = enrolment.program
        online = program.online_window
        phases = [Phase("online", online, online.state(now))]
        track = enrolment.track
        module = enrolment.module
        if program.is_online_only:
            phases.append(Phase("offline", None, "none"))
        elif track is not None:
            # Built from the columns (track.offline_window would reach back to the program).
            offline = DateWindow(track.offline_start, track.offline_end, track.offline_timezone)
            phases.append(
                Phase(
                    "offline",
                    offline,
                    offline.state(now),
                    location=track.offline_location,
                    organisation_city=module.organisation.city if module and module.organisation else None,
                )
            )
        withdrawn = enrolment.status == EnrolmentStatus.WITHDRAWN.value
        group = enrolment.group if enrolment.group is not None and not enrolment.group.is_archived else None
        result.append(
            ParticipantProgram(
                enrolment_id=enrolment.id,
                program_id=program.id,
                program_name=program.name,
                program_code=program.code,
                program_year=program.year,
                status=enrolment.status,
                status_label=_status_label(enrolment.status),
                withdrawn=withdrawn,
                is_online_only=program.is_online_only,
                track_name=track.name if track else None,
                phases=phases,
                countdown=None if withdrawn else _countdown(phases, now),
                module_title=module.title if module else None,
                module_field=module.field.name if module else None,
                module_organisation=module.organisation.name if module and module.organisation else None,
                trainers=[_person(trainer) for trainer in module.trainers] if module else [],
                group_name=group.name if group else None,
                group_members=members_by_group.get(group.id, []) if group else [],
                module_id=module.id if module else None,
                learning=learning.get(enrolment.id),
            )
        )
    return result


# --------------------------------------------------------------------------
# Trainer
# --------------------------------------------------------------------------


@dataclass
class TraineeRow:
    name: str
    email: str
    country: str | None
    country_name: str
    timezone: str | None
    timezone_label: str
    group_name: str | None
    status: str
    status_label: str
    withdrawn: bool


@dataclass
class TrainerModule:
    module_id: int
    title: str
    program_id: int
    program_name: str
    track_name: str
    field_name: str
    organisation: str | None
    online_window: DateWindow
    offline_window: DateWindow | None
    offline_location: str | None
    participants: list[TraineeRow]

    @property
    def active_count(self) -> int:
        return sum(1 for row in self.participants if not row.withdrawn)

    @property
    def country_count(self) -> int:
        return len({row.country for row in self.participants if row.country and not row.withdrawn})


def trainer_modules(user: User) -> list[TrainerModule]:
    """The modules this person trains (not archived) with their participants: two queries."""
    modules = db.session.scalars(
        select(Module)
        .join(ModuleTrainer, ModuleTrainer.module_id == Module.id)
        .join(Module.track)
        .join(Track.program)
        .where(
            ModuleTrainer.user_id == user.id,
            Module.archived_at.is_(None),
            Program.archived_at.is_(None),
        )
        .options(
            joinedload(Module.track).joinedload(Track.program),
            joinedload(Module.field),
            joinedload(Module.organisation),
        )
        .order_by(Program.year.desc(), Program.online_start.desc(), Program.id.desc(), Track.position,
                  Module.position, Module.id)
    ).unique().all()
    if not modules:
        return []

    rows_by_module: dict[int, list[TraineeRow]] = {module.id: [] for module in modules}
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.module_id.in_(rows_by_module))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.group))
        .order_by(User.name, User.id)
    ).all()
    for enrolment in enrolments:
        person = enrolment.user
        group = enrolment.group if enrolment.group is not None and not enrolment.group.is_archived else None
        rows_by_module[enrolment.module_id].append(
            TraineeRow(
                name=person.name,
                email=person.email,
                country=person.country,
                country_name=country_name(person.country),
                timezone=person.timezone,
                timezone_label=zone_label(person.timezone) if is_valid_timezone(person.timezone)
                else (person.timezone or ""),
                group_name=group.name if group else None,
                status=enrolment.status,
                status_label=_status_label(enrolment.status),
                withdrawn=enrolment.status == EnrolmentStatus.WITHDRAWN.value,
            )
        )
    for rows in rows_by_module.values():
        rows.sort(key=lambda row: (row.withdrawn, row.name.casefold()))

    result = []
    for module in modules:
        track = module.track
        program = track.program
        result.append(
            TrainerModule(
                module_id=module.id,
                title=module.title,
                program_id=program.id,
                program_name=program.name,
                track_name=track.name,
                field_name=module.field.name,
                organisation=module.organisation.name if module.organisation else None,
                online_window=program.online_window,
                offline_window=None if program.is_online_only else DateWindow(
                    track.offline_start, track.offline_end, track.offline_timezone
                ),
                offline_location=track.offline_location,
                participants=rows_by_module[module.id],
            )
        )
    return result


# --------------------------------------------------------------------------
# Coordinator
# --------------------------------------------------------------------------


@dataclass
class Count:
    key: str | None
    label: str
    count: int


@dataclass
class TrackSummary:
    name: str
    window: DateWindow | None
    location: str | None
    state: str = "none"


@dataclass
class ProgramSummary:
    program_id: int
    name: str
    code: str
    year: int
    online_window: DateWindow
    online_state: str
    is_online_only: bool
    tracks: list[TrackSummary]
    by_status: list[Count]
    by_country: list[Count]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.by_status)

    @property
    def enrolled(self) -> int:
        """Everyone but those who withdrew (what the country counts cover)."""
        return sum(item.count for item in self.by_country)

    @property
    def country_count(self) -> int:
        return sum(1 for item in self.by_country if item.key)


def coordinator_programs(now: datetime | None = None) -> list[ProgramSummary]:
    """Active (not archived) programs with counts by status and by country: four queries."""
    now = now or utcnow()
    programs = db.session.scalars(
        select(Program)
        .where(Program.archived_at.is_(None))
        .options(selectinload(Program.tracks))
        .order_by(Program.year.desc(), Program.online_start.desc(), Program.id.desc())
    ).all()
    if not programs:
        return []
    ids = [program.id for program in programs]

    by_status: dict[int, list[Count]] = {pid: [] for pid in ids}
    status_rows = db.session.execute(
        select(Enrolment.program_id, Enrolment.status, func.count(Enrolment.id))
        .where(Enrolment.program_id.in_(ids))
        .group_by(Enrolment.program_id, Enrolment.status)
    ).all()
    for program_id, status, count in sorted(status_rows, key=lambda row: _status_sort_key(row[1])):
        by_status[program_id].append(Count(status, _status_label(status), count))

    by_country: dict[int, list[Count]] = {pid: [] for pid in ids}
    country_rows = db.session.execute(
        select(Enrolment.program_id, User.country, func.count(Enrolment.id))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.program_id.in_(ids), Enrolment.status != EnrolmentStatus.WITHDRAWN.value)
        .group_by(Enrolment.program_id, User.country)
    ).all()
    for program_id, country, count in country_rows:
        by_country[program_id].append(Count(country, country_name(country) if country else "", count))
    for counts in by_country.values():
        counts.sort(key=lambda item: (-item.count, item.key is None, item.label.casefold()))

    result = []
    for program in programs:
        tracks = []
        for track in program.tracks:
            if track.is_archived:
                continue
            window = DateWindow(track.offline_start, track.offline_end, track.offline_timezone)
            tracks.append(TrackSummary(track.name, window, track.offline_location, window.state(now)))
        online = program.online_window
        result.append(
            ProgramSummary(
                program_id=program.id,
                name=program.name,
                code=program.code,
                year=program.year,
                online_window=online,
                online_state=online.state(now),
                is_online_only=program.is_online_only,
                tracks=tracks,
                by_status=by_status[program.id],
                by_country=by_country[program.id],
            )
        )
    return result


# --------------------------------------------------------------------------
# Nobody yet
# --------------------------------------------------------------------------


def program_office_contacts(limit: int = 5) -> list[Person]:
    """Coordinators a person without a program can write to."""
    users = db.session.scalars(
        select(User)
        .where(User.is_coordinator.is_(True), User.deactivated_at.is_(None), User.password_hash.is_not(None))
        .order_by(User.name, User.id)
        .limit(limit)
    ).all()
    return [Person(name=u.name, country=u.country, country_name=country_name(u.country),
                   organisation=u.organisation, email=u.email) for u in users]
