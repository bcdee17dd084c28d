"""What the coordinator pages show: each function issues a fixed number of queries,
whatever the number of programs, tracks, modules or people (GROUP BY aggregates and
eager loading, never a query per row)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.core.timezones import DateWindow, format_day
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Field, Group, Module, ModuleTrainer, Organisation, Program, Track

STATUS_ORDER = [status.value for status in EnrolmentStatus]


def status_label(status: str) -> str:
    try:
        return EnrolmentStatus(status).label
    except ValueError:
        return status


@dataclass
class StatusCount:
    status: str
    count: int

    @property
    def label(self) -> str:
        return status_label(self.status)


def _ordered_status_counts(counts: dict[str, int]) -> list[StatusCount]:
    known = [StatusCount(s, counts[s]) for s in STATUS_ORDER if counts.get(s)]
    others = [StatusCount(s, n) for s, n in sorted(counts.items()) if s not in STATUS_ORDER and n]
    return known + others


def status_counts_by_program(program_ids) -> dict[int, list[StatusCount]]:
    """{program id: [StatusCount…]} in one GROUP BY query."""
    if not program_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.program_id, Enrolment.status, func.count(Enrolment.id))
        .where(Enrolment.program_id.in_(list(program_ids)))
        .group_by(Enrolment.program_id, Enrolment.status)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for program_id, status, count in rows:
        counts[program_id][status] = count
    return {program_id: _ordered_status_counts(by_status) for program_id, by_status in counts.items()}


def offline_summary(program: Program, tracks: list[Track]) -> dict:
    """The offline phase in a few words: online only, to be announced, or its overall span."""
    if not program.has_offline_phase:
        return {"state": "online-only", "text": _("Online only"), "note": ""}
    if not tracks:
        return {"state": "tba", "text": _("No tracks yet"), "note": ""}
    announced = [track for track in tracks if track.offline_start and track.offline_end]
    tba = len(tracks) - len(announced)
    note = ngettext("%(num)d track to be announced", "%(num)d tracks to be announced", tba) if tba else ""
    if not announced:
        return {"state": "tba", "text": _("Dates to be announced"), "note": ""}
    zones = {track.offline_timezone for track in announced}
    window = DateWindow(
        min(track.offline_start for track in announced),
        max(track.offline_end for track in announced),
        announced[0].offline_timezone,
    )
    locations = sorted({track.offline_location for track in announced if track.offline_location})
    text = window.describe() if len(zones) == 1 else _("%(start)s – %(end)s (several time zones)",
                                                         start=format_day(window.start), end=format_day(window.end))
    if locations:
        text = _("%(window)s, %(places)s", window=text, places=", ".join(locations))
    return {"state": window.state(), "text": text, "note": note}


@dataclass
class ProgramRow:
    program: Program
    tracks: list[Track]
    status_counts: list[StatusCount]
    offline: dict

    @property
    def participants(self) -> int:
        return sum(count.count for count in self.status_counts)


def program_rows(include_archived: bool = False) -> list[ProgramRow]:
    """Programs for the list page: three queries in all."""
    query = (
        select(Program)
        .options(joinedload(Program.host_organisation), selectinload(Program.tracks))
        .order_by(Program.archived_at.is_not(None), Program.year.desc(), Program.online_start.desc(), Program.name)
    )
    if not include_archived:
        query = query.where(Program.archived_at.is_(None))
    programs = db.session.scalars(query).unique().all()
    counts = status_counts_by_program([program.id for program in programs])
    rows = []
    for program in programs:
        tracks = [track for track in program.tracks if not track.is_archived]
        rows.append(ProgramRow(program, tracks, counts.get(program.id, []), offline_summary(program, tracks)))
    return rows


@dataclass
class ProgramOverview:
    program: Program
    tracks: list[Track]
    groups: list[Group]
    status_counts: list[StatusCount]
    country_counts: list[tuple[str | None, int]]
    group_members: dict[int, int] = field(default_factory=dict)
    module_participants: dict[int, int] = field(default_factory=dict)
    unassigned: int = 0

    @property
    def participants(self) -> int:
        return sum(count.count for count in self.status_counts)

    def modules(self, track: Track, include_archived: bool) -> list[Module]:
        return [module for module in track.modules if include_archived or not module.is_archived]


def program_overview(program_id: int, include_archived: bool = False) -> ProgramOverview | None:
    """Everything on a program's page, in a fixed number of queries."""
    program = db.session.scalars(
        select(Program)
        .where(Program.id == program_id)
        .options(
            joinedload(Program.host_organisation),
            selectinload(Program.groups),
            selectinload(Program.tracks)
            .selectinload(Track.modules)
            .options(
                joinedload(Module.field),
                joinedload(Module.organisation),
                selectinload(Module.trainer_links).joinedload(ModuleTrainer.user),
            ),
        )
    ).unique().first()
    if program is None:
        return None
    tracks = [track for track in program.tracks if include_archived or not track.is_archived]
    groups = [group for group in program.groups if include_archived or not group.is_archived]

    by_status = dict(
        db.session.execute(
            select(Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.program_id == program.id)
            .group_by(Enrolment.status)
        ).all()
    )
    country_rows = db.session.execute(
        select(User.country, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.program_id == program.id)
        .group_by(User.country)
    ).all()
    # Groups and modules count their current participants (withdrawn people left).
    current = (Enrolment.program_id == program.id, Enrolment.status != EnrolmentStatus.WITHDRAWN.value)
    group_members = dict(
        db.session.execute(
            select(Enrolment.group_id, func.count(Enrolment.id)).where(*current).group_by(Enrolment.group_id)
        ).all()
    )
    module_participants = dict(
        db.session.execute(
            select(Enrolment.module_id, func.count(Enrolment.id)).where(*current).group_by(Enrolment.module_id)
        ).all()
    )
    countries = sorted(country_rows, key=lambda row: (-row[1], row[0] or "~"))
    return ProgramOverview(
        program=program,
        tracks=tracks,
        groups=groups,
        status_counts=_ordered_status_counts(by_status),
        country_counts=[(code, count) for code, count in countries],
        group_members={key: value for key, value in group_members.items() if key is not None},
        module_participants={key: value for key, value in module_participants.items() if key is not None},
        unassigned=module_participants.get(None, 0),
    )


def module_with_details(module_id: int) -> Module | None:
    return db.session.scalars(
        select(Module)
        .where(Module.id == module_id)
        .options(
            joinedload(Module.track).joinedload(Track.program),
            joinedload(Module.field),
            joinedload(Module.organisation),
            selectinload(Module.trainer_links).joinedload(ModuleTrainer.user),
        )
    ).unique().first()


def module_participants(module: Module) -> list[Enrolment]:
    """The module's enrolments with each person and group: one query."""
    return db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.module_id == module.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.group))
        .order_by(User.name, User.id)
    ).unique().all()


def group_members(group: Group) -> list[Enrolment]:
    return db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(Enrolment.group_id == group.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.track), joinedload(Enrolment.module))
        .order_by(User.name, User.id)
    ).unique().all()


def group_candidates(group: Group) -> list[Enrolment]:
    """Participants of the group's program who could join it: not in it, not withdrawn (one query)."""
    return db.session.scalars(
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .where(
            Enrolment.program_id == group.program_id,
            (Enrolment.group_id != group.id) | Enrolment.group_id.is_(None),
            Enrolment.status != EnrolmentStatus.WITHDRAWN.value,
        )
        .options(joinedload(Enrolment.user), joinedload(Enrolment.group), joinedload(Enrolment.module))
        .order_by(Enrolment.group_id.is_not(None), User.name, User.id)
    ).unique().all()


def organisation_rows(include_archived: bool = False):
    """Organisations with how many modules they run and programs they host: three queries."""
    query = select(Organisation).order_by(Organisation.archived_at.is_not(None), Organisation.name)
    if not include_archived:
        query = query.where(Organisation.archived_at.is_(None))
    organisations = db.session.scalars(query).all()
    modules = dict(
        db.session.execute(
            select(Module.organisation_id, func.count(Module.id))
            .where(Module.archived_at.is_(None), Module.organisation_id.is_not(None))
            .group_by(Module.organisation_id)
        ).all()
    )
    hosted = dict(
        db.session.execute(
            select(Program.host_organisation_id, func.count(Program.id))
            .where(Program.archived_at.is_(None), Program.host_organisation_id.is_not(None))
            .group_by(Program.host_organisation_id)
        ).all()
    )
    return [(org, modules.get(org.id, 0), hosted.get(org.id, 0)) for org in organisations]


def field_rows(include_archived: bool = False):
    """Fields with how many (active) modules use them: two queries."""
    query = select(Field).order_by(Field.archived_at.is_not(None), Field.name)
    if not include_archived:
        query = query.where(Field.archived_at.is_(None))
    fields = db.session.scalars(query).all()
    modules = dict(
        db.session.execute(
            select(Module.field_id, func.count(Module.id)).where(Module.archived_at.is_(None)).group_by(Module.field_id)
        ).all()
    )
    return [(item, modules.get(item.id, 0)) for item in fields]


def archived_count(model) -> int:
    return db.session.scalar(select(func.count(model.id)).where(model.archived_at.is_not(None))) or 0
