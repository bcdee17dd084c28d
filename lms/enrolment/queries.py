"""What the people pages show, each in a fixed number of queries whatever the list length."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import AccountToken, User
from lms.core.timezones import country_name
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Group, Module, ModuleTrainer, Program, Track

PEOPLE_PER_PAGE = 50

ROLES = ("coordinator", "trainer", "participant")
ACCOUNT_STATES = ("accepted", "pending", "deactivated")


@dataclass
class PersonRow:
    user: User
    enrolments: list[Enrolment] = field(default_factory=list)
    trained: list[Module] = field(default_factory=list)
    last_invited_at: datetime | None = None


def _latest_invitations(user_ids) -> dict[int, datetime]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(AccountToken.user_id, func.max(AccountToken.created_at))
        .where(AccountToken.user_id.in_(user_ids), AccountToken.purpose == AccountToken.INVITATION)
        .group_by(AccountToken.user_id)
    ).all()
    return dict(rows)


def people_directory(*, search: str = "", role: str = "", country: str = "", account: str = "", page: int = 1):
    """One page of people with their programs and modules: (pagination, [PersonRow])."""
    query = select(User)
    search = (search or "").strip()
    if search:
        query = query.where(or_(User.name.icontains(search, autoescape=True),
                                User.email.icontains(search, autoescape=True)))
    if role == "coordinator":
        query = query.where(User.is_coordinator.is_(True))
    elif role == "trainer":
        query = query.where(exists().where(ModuleTrainer.user_id == User.id))
    elif role == "participant":
        query = query.where(exists().where(Enrolment.user_id == User.id))
    if country:
        query = query.where(User.country == country)
    if account == "accepted":
        query = query.where(User.password_hash.is_not(None), User.deactivated_at.is_(None))
    elif account == "pending":
        query = query.where(User.password_hash.is_(None), User.deactivated_at.is_(None))
    elif account == "deactivated":
        query = query.where(User.deactivated_at.is_not(None))
    query = query.order_by(func.lower(User.name), User.id)
    pagination = db.paginate(query, page=page, per_page=PEOPLE_PER_PAGE, error_out=False, count=True)
    users = list(pagination.items)
    ids = [user.id for user in users]
    rows = {user.id: PersonRow(user) for user in users}
    if ids:
        enrolments = db.session.scalars(
            select(Enrolment).join(Enrolment.program).options(contains_eager(Enrolment.program))
            .where(Enrolment.user_id.in_(ids))
            .order_by(Program.year.desc(), Program.name)
        ).all()
        for enrolment in enrolments:
            rows[enrolment.user_id].enrolments.append(enrolment)
        links = db.session.scalars(
            select(ModuleTrainer)
            .options(joinedload(ModuleTrainer.module).joinedload(Module.track).joinedload(Track.program))
            .where(ModuleTrainer.user_id.in_(ids))
        ).all()
        for link in sorted(links, key=lambda link: (-link.module.track.program.year, link.module.title)):
            rows[link.user_id].trained.append(link.module)
        for user_id, at in _latest_invitations(ids).items():
            rows[user_id].last_invited_at = at
    return pagination, [rows[user.id] for user in users]


def people_countries() -> list[tuple[str, str]]:
    """The countries people come from, for the filter: [(code, name)]."""
    codes = db.session.scalars(select(User.country).where(User.country.is_not(None)).distinct()).all()
    return sorted(((code, country_name(code)) for code in codes), key=lambda pair: pair[1].casefold())


def person_profile(user: User):
    """A person's enrolments (with history) and the modules they train."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.program)
        .options(
            contains_eager(Enrolment.program), joinedload(Enrolment.track), joinedload(Enrolment.module),
            joinedload(Enrolment.group),
            selectinload(Enrolment.events).joinedload(EnrolmentEvent.actor),
        )
        .where(Enrolment.user_id == user.id)
        .order_by(Program.year.desc(), Program.name)
    ).unique().all()
    trained = db.session.scalars(
        select(Module)
        .options(joinedload(Module.track).joinedload(Track.program), joinedload(Module.field))
        .join(ModuleTrainer).where(ModuleTrainer.user_id == user.id)
        .order_by(Module.title)
    ).unique().all()
    last_invited_at = _latest_invitations([user.id]).get(user.id)
    return enrolments, trained, last_invited_at


@dataclass
class ProgramPeople:
    program: Program
    enrolments: list[Enrolment]
    total: int
    by_status: list[tuple[str, str, int]]  # (status, label, count)
    by_country: list[tuple[str | None, str, int]]  # (code, name, count)
    tracks: list[Track]
    groups: list[Group]
    trainers: list[tuple[Module, list[User]]]


def program_people(program: Program, *, track_id=None, module_id=None, group_id=None, status="",
                   country="") -> ProgramPeople:
    query = (
        select(Enrolment)
        .join(User, Enrolment.user_id == User.id)
        .options(
            joinedload(Enrolment.user), joinedload(Enrolment.track), joinedload(Enrolment.module),
            joinedload(Enrolment.group),
        )
        .where(Enrolment.program_id == program.id)
    )
    if track_id:
        query = query.where(Enrolment.track_id == track_id)
    if module_id:
        query = query.where(Enrolment.module_id == module_id)
    if group_id == "none":
        query = query.where(Enrolment.group_id.is_(None))
    elif group_id:
        query = query.where(Enrolment.group_id == group_id)
    if status:
        query = query.where(Enrolment.status == status)
    if country:
        query = query.where(User.country == country)
    enrolments = db.session.scalars(query.order_by(func.lower(User.name), User.id)).all()

    status_counts = dict(db.session.execute(
        select(Enrolment.status, func.count()).where(Enrolment.program_id == program.id).group_by(Enrolment.status)
    ).all())
    known = [s.value for s in EnrolmentStatus]
    by_status = [(s, EnrolmentStatus(s).label, status_counts.get(s, 0)) for s in known]
    by_status += [(s, s, n) for s, n in sorted(status_counts.items()) if s not in known]
    country_counts = db.session.execute(
        select(User.country, func.count())
        .select_from(Enrolment).join(User, Enrolment.user_id == User.id)
        .where(Enrolment.program_id == program.id)
        .group_by(User.country)
    ).all()
    by_country = sorted(
        ((code, country_name(code) if code else "", n) for code, n in country_counts),
        key=lambda item: (-item[2], item[1].casefold()),
    )
    tracks = db.session.scalars(
        select(Track).options(selectinload(Track.modules))
        .where(Track.program_id == program.id).order_by(Track.position, Track.id)
    ).all()
    groups = db.session.scalars(select(Group).where(Group.program_id == program.id).order_by(Group.name)).all()
    links = db.session.scalars(
        select(ModuleTrainer).options(joinedload(ModuleTrainer.user))
        .join(Module).join(Track).where(Track.program_id == program.id)
    ).all()
    trainers_by_module = defaultdict(list)
    for link in links:
        trainers_by_module[link.module_id].append(link.user)
    trainers = [
        (module, sorted(trainers_by_module.get(module.id, []), key=lambda u: u.name.casefold()))
        for track in tracks for module in track.modules
    ]
    return ProgramPeople(program, list(enrolments), sum(status_counts.values()), by_status, by_country,
                         list(tracks), list(groups), trainers)
