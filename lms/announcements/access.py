"""Who may read and write announcements and message threads (record rules).

Announcements
-------------
* An announcement is addressed to an *audience* of one program: the whole
  program, one track, one module or one group.
* Its **members** are the program's participants whose enrolment lets them
  follow it (``LEARNING_STATUSES``: past the invitation, not withdrawn) and who
  are in that track, module or group; and the **trainers concerned**: of any
  module of the program (program audience), of a module of the track (track
  audience), of the module (module audience), of a module where a member of the
  group is enrolled (group audience). Coordinators see every announcement and
  are not notified of them.
* **Writing**: coordinators to any audience of any program. Trainers to a module
  they train, or to a group all of whose (learning) members are in modules they
  train (a group inside their module); never to a track or the whole program.
* **Reading**: coordinators every announcement (drafts and archived ones too);
  the author their own; members the published, not archived ones.
* **Editing, publishing, archiving, restoring**: coordinators; the author while
  they may still write to its audience.

Message threads
---------------
* A participant of a program (learning status) starts threads in it: they go to
  the trainers of their module in that program and to the program office.
* A thread is visible to its participant, to the trainers of the participant's
  module in the thread's program (whatever the enrolment's status now: threads
  are kept), and to coordinators. Everyone who sees it may reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, false, or_, select

from lms.announcements.models import Announcement, MessageThread
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES, is_module_trainer, is_program_trainer, learner_enrolment
from lms.programs.models import Group, Module, ModuleTrainer, Program, Track

PROGRAM, TRACK, MODULE, GROUP = "program", "track", "module", "group"
AUDIENCES = (PROGRAM, TRACK, MODULE, GROUP)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


# --------------------------------------------------------------------------
# Reach: what a person is a member of (constant number of queries)
# --------------------------------------------------------------------------


@dataclass
class Reach:
    """The programs, tracks, modules and groups whose announcements reach a person."""

    program_ids: set[int] = field(default_factory=set)
    track_ids: set[int] = field(default_factory=set)
    module_ids: set[int] = field(default_factory=set)
    group_ids: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.program_ids)

    def includes(self, announcement: Announcement) -> bool:
        ids = {PROGRAM: self.program_ids, TRACK: self.track_ids, MODULE: self.module_ids,
               GROUP: self.group_ids}.get(announcement.audience, set())
        target = announcement.program_id if announcement.audience == PROGRAM else announcement.audience_id
        return announcement.program_id in self.program_ids and target in ids


def reach_of(user, program_id: int | None = None, *, active_programs_only: bool = False) -> Reach:
    """As participant (learning enrolments) and as trainer (modules they train): three queries at most."""
    reach = Reach()
    if not _signed_in(user):
        return reach
    enrolments = select(Enrolment.program_id, Enrolment.track_id, Enrolment.module_id, Enrolment.group_id).where(
        Enrolment.user_id == user.id, Enrolment.status.in_(LEARNING_STATUSES))
    taught = (select(Module.id, Module.track_id, Track.program_id)
              .join(ModuleTrainer, ModuleTrainer.module_id == Module.id)
              .join(Track, Track.id == Module.track_id)
              .where(ModuleTrainer.user_id == user.id))
    if program_id is not None:
        enrolments = enrolments.where(Enrolment.program_id == program_id)
        taught = taught.where(Track.program_id == program_id)
    if active_programs_only:
        enrolments = enrolments.join(Program, Program.id == Enrolment.program_id).where(Program.archived_at.is_(None))
        taught = taught.join(Program, Program.id == Track.program_id).where(Program.archived_at.is_(None))
    for program, track, module, group in db.session.execute(enrolments):
        reach.program_ids.add(program)
        for ids, value in ((reach.track_ids, track), (reach.module_ids, module), (reach.group_ids, group)):
            if value is not None:
                ids.add(value)
    taught_modules = set()
    for module, track, program in db.session.execute(taught):
        taught_modules.add(module)
        reach.module_ids.add(module)
        reach.track_ids.add(track)
        reach.program_ids.add(program)
    if taught_modules:
        reach.group_ids.update(db.session.scalars(
            select(Enrolment.group_id).distinct().where(
                Enrolment.module_id.in_(taught_modules), Enrolment.group_id.is_not(None),
                Enrolment.status.in_(LEARNING_STATUSES))))
    return reach


def reach_condition(reach: Reach):
    """SQL condition: announcements addressed to this reach (published or not: callers add that)."""
    parts = []
    if reach.program_ids:
        parts.append(and_(Announcement.audience == PROGRAM, Announcement.program_id.in_(reach.program_ids)))
    for audience, ids in ((TRACK, reach.track_ids), (MODULE, reach.module_ids), (GROUP, reach.group_ids)):
        if ids:
            parts.append(and_(Announcement.audience == audience, Announcement.audience_id.in_(ids),
                              Announcement.program_id.in_(reach.program_ids)))
    return or_(*parts) if parts else false()


def visible_condition(user, reach: Reach):
    """What the person sees in lists: everything (coordinators); their own; published, not archived, to them."""
    if user.is_coordinator:
        return None
    delivered = and_(Announcement.published_at.is_not(None), Announcement.archived_at.is_(None),
                     reach_condition(reach))
    return or_(Announcement.author_id == user.id, delivered)


# --------------------------------------------------------------------------
# Announcements
# --------------------------------------------------------------------------


def is_program_member(user, program_id: int) -> bool:
    """Participants (learning statuses), trainers of its modules, coordinators."""
    if not _signed_in(user):
        return False
    return (user.is_coordinator or learner_enrolment(user, program_id) is not None
            or is_program_trainer(user, program_id))


def can_view_program_announcements(user, program_id: int) -> bool:
    return is_program_member(user, program_id)


def can_announce_in(user, program_id: int) -> bool:
    """Open the "new announcement" form: coordinators and the program's trainers."""
    if not _signed_in(user):
        return False
    return user.is_coordinator or is_program_trainer(user, program_id)


def target_in_program(program_id: int, audience: str, audience_id: int | None) -> bool:
    """The audience's track, module or group exists and belongs to the program."""
    if audience == PROGRAM:
        return audience_id in (None, program_id)
    if audience_id is None:
        return False
    if audience == TRACK:
        query = select(Track.id).where(Track.id == audience_id, Track.program_id == program_id)
    elif audience == MODULE:
        query = (select(Module.id).join(Track, Track.id == Module.track_id)
                 .where(Module.id == audience_id, Track.program_id == program_id))
    elif audience == GROUP:
        query = select(Group.id).where(Group.id == audience_id, Group.program_id == program_id)
    else:
        return False
    return db.session.scalar(query) is not None


def group_within_modules(group_id: int, module_ids: set[int]) -> bool:
    """Every learning member of the group is in one of these modules (and it has at least one)."""
    members = db.session.scalars(select(Enrolment.module_id).where(
        Enrolment.group_id == group_id, Enrolment.status.in_(LEARNING_STATUSES))).all()
    return bool(members) and all(module in module_ids for module in members)


def trained_module_ids(user, program_id: int) -> set[int]:
    return set(db.session.scalars(
        select(ModuleTrainer.module_id).join(Module, Module.id == ModuleTrainer.module_id)
        .join(Track, Track.id == Module.track_id)
        .where(ModuleTrainer.user_id == user.id, Track.program_id == program_id)))


def can_announce_to(user, program_id: int, audience: str, audience_id: int | None) -> bool:
    """Coordinators: any audience of the program. Trainers: a module they train, or a group inside their modules."""
    if not _signed_in(user) or not target_in_program(program_id, audience, audience_id):
        return False
    if user.is_coordinator:
        return True
    if audience == MODULE:
        return is_module_trainer(user, audience_id)
    if audience == GROUP:
        modules = trained_module_ids(user, program_id)
        return bool(modules) and group_within_modules(audience_id, modules)
    return False


def can_view_announcement(user, announcement: Announcement) -> bool:
    if not _signed_in(user):
        return False
    if user.is_coordinator or announcement.author_id == user.id:
        return True
    if announcement.published_at is None or announcement.archived_at is not None:
        return False
    return reach_of(user, announcement.program_id).includes(announcement)


def can_edit_announcement(user, announcement: Announcement) -> bool:
    """Edit, publish, archive, restore: coordinators; the author while they may write to its audience."""
    if not _signed_in(user):
        return False
    if user.is_coordinator:
        return True
    return announcement.author_id == user.id and can_announce_to(
        user, announcement.program_id, announcement.audience, announcement.audience_id)


# --------------------------------------------------------------------------
# Message threads
# --------------------------------------------------------------------------


def can_start_thread(user, program_id: int) -> bool:
    """Participants of the program (learning statuses) write to their trainers and the office."""
    return _signed_in(user) and learner_enrolment(user, program_id) is not None


def _trains_participant():
    """Correlated EXISTS: the viewer trains the module of the thread's participant in the thread's program."""
    return (exists().where(
        Enrolment.user_id == MessageThread.participant_id,
        Enrolment.program_id == MessageThread.program_id,
        ModuleTrainer.module_id == Enrolment.module_id,
    ))


def threads_condition(user):
    """SQL condition on MessageThread: the threads this person sees (None: all, for coordinators)."""
    if user.is_coordinator:
        return None
    trained = _trains_participant().where(ModuleTrainer.user_id == user.id)
    return or_(MessageThread.participant_id == user.id, trained)


def is_thread_trainer(user, thread: MessageThread) -> bool:
    if not _signed_in(user):
        return False
    return bool(db.session.scalar(select(exists().where(
        Enrolment.user_id == thread.participant_id,
        Enrolment.program_id == thread.program_id,
        ModuleTrainer.module_id == Enrolment.module_id,
        ModuleTrainer.user_id == user.id,
    ))))


def can_view_thread(user, thread: MessageThread) -> bool:
    if not _signed_in(user):
        return False
    return user.is_coordinator or thread.participant_id == user.id or is_thread_trainer(user, thread)


def can_reply(user, thread: MessageThread) -> bool:
    return can_view_thread(user, thread)
