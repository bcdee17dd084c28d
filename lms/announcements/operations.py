"""Announcements and message threads: creating, publishing, notifying, reading.

Functions flush, never commit. Lists load in a constant number of queries.

Who is notified
---------------
* Publishing an announcement notifies every member of its audience at that
  moment, once each (``audience_recipients``): the participants of the audience
  whose enrolment is in a learning status, and the trainers concerned (see
  ``lms.announcements.access``). Not the author; not deactivated accounts.
* Editing a published announcement notifies nobody, unless "notify again" is
  ticked (everyone in the audience, as an update); when its audience changed,
  only those newly in it are notified.
* A participant's message notifies the trainers of their module in that program
  and, unless ``MESSAGE_NOTIFY_COORDINATORS`` is False (default True), every
  active coordinator; with the setting off, only coordinators who already wrote
  in the thread. A trainer's or coordinator's message notifies the participant
  and the other staff who already wrote in the thread.

Notifications go through ``lms.notifications.operations.notify`` (kind
``announcement`` or ``message``), which sends the email by each person's
preference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.announcements import access
from lms.announcements.access import GROUP, MODULE, PROGRAM, TRACK
from lms.announcements.models import Announcement, Message, MessageThread, ThreadRead
from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES
from lms.notifications.delivery import preload_modes
from lms.notifications.operations import notify
from lms.programs.models import Group, Module, ModuleTrainer, Program, Track

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_SUBJECT = 200
MAX_MESSAGE = 5_000
NOTIFICATION_BODY_CHARS = 1_500
ANNOUNCEMENTS_PER_PAGE = 20
THREADS_PER_PAGE = 30
HOME_LIMIT = 3

ANNOUNCEMENT_KIND = "announcement"
MESSAGE_KIND = "message"


class AnnouncementRefused(Exception):
    """An action that cannot be done on the announcement as it is (e.g. publishing an archived one)."""


def _path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():  # a command or a test: only the path is needed
        return url_for(endpoint, **values)


def _locale(user) -> str:
    return user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def _excerpt(text: str, limit: int = NOTIFICATION_BODY_CHARS) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def clean_text(text: str | None) -> str:
    """Trimmed, with Windows and old Mac line ends as plain new lines."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


# --------------------------------------------------------------------------
# Audiences
# --------------------------------------------------------------------------


def audience_value(audience: str, audience_id: int | None) -> str:
    """The form's value for an audience: "program", "track:3", "module:7", "group:2"."""
    return PROGRAM if audience == PROGRAM else f"{audience}:{audience_id}"


def parse_audience(value: str | None, program_id: int) -> tuple[str, int | None]:
    """(audience, audience_id) from a form value; ValueError when it is not one."""
    value = (value or "").strip()
    if value == PROGRAM:
        return PROGRAM, None
    audience, _sep, raw = value.partition(":")
    if audience not in (TRACK, MODULE, GROUP) or not raw.isdigit():
        raise ValueError(value)
    return audience, int(raw)


@dataclass
class AudienceChoice:
    value: str
    label: str
    kind: str


def audience_choices(user, program: Program, current: Announcement | None = None) -> list[AudienceChoice]:
    """The audiences this person may write to in the program (plus the announcement's own): constant queries."""
    choices: list[AudienceChoice] = []
    tracks = db.session.scalars(select(Track).where(Track.program_id == program.id)
                                .order_by(Track.position, Track.id)).all()
    modules = db.session.scalars(
        select(Module).join(Track, Track.id == Module.track_id).where(Track.program_id == program.id)
        .order_by(Track.position, Track.id, Module.position, Module.id)).all()
    groups = db.session.scalars(select(Group).where(Group.program_id == program.id).order_by(Group.name)).all()
    keep = audience_value(current.audience, current.audience_id) if current is not None else None

    def wanted(value, archived):
        return value == keep or not archived

    if user.is_coordinator:
        allowed_modules = {module.id for module in modules}
        allowed_groups = {group.id for group in groups}
    else:
        allowed_modules = access.trained_module_ids(user, program.id)
        allowed_groups = set()
        if allowed_modules:
            members: dict[int, list[int | None]] = {}
            for group_id, module_id in db.session.execute(
                    select(Enrolment.group_id, Enrolment.module_id).where(
                        Enrolment.program_id == program.id, Enrolment.group_id.is_not(None),
                        Enrolment.status.in_(LEARNING_STATUSES))):
                members.setdefault(group_id, []).append(module_id)
            allowed_groups = {group_id for group_id, modules_of in members.items()
                              if all(module in allowed_modules for module in modules_of)}
    if user.is_coordinator or keep == PROGRAM:
        choices.append(AudienceChoice(PROGRAM, _("Everyone in %(program)s", program=program.name), PROGRAM))
    if user.is_coordinator:
        for track in tracks:
            value = audience_value(TRACK, track.id)
            if wanted(value, track.is_archived):
                choices.append(AudienceChoice(value, _("Track: %(name)s", name=track.name), TRACK))
    elif keep and keep.startswith(TRACK + ":"):
        choices.extend(AudienceChoice(audience_value(TRACK, track.id), _("Track: %(name)s", name=track.name), TRACK)
                       for track in tracks if audience_value(TRACK, track.id) == keep)
    for module in modules:
        value = audience_value(MODULE, module.id)
        if (module.id in allowed_modules and wanted(value, module.is_archived)) or value == keep:
            choices.append(AudienceChoice(value, _("Module: %(title)s", title=module.title), MODULE))
    for group in groups:
        value = audience_value(GROUP, group.id)
        if (group.id in allowed_groups and wanted(value, group.is_archived)) or value == keep:
            choices.append(AudienceChoice(value, _("Group: %(name)s", name=group.name), GROUP))
    return choices


def audience_labels(announcements) -> dict[int, str]:
    """{announcement id: "Track: Intensive"…} for a list: one query (none for an empty list)."""
    wanted = {TRACK: set(), MODULE: set(), GROUP: set()}
    for announcement in announcements:
        if announcement.audience in wanted and announcement.audience_id is not None:
            wanted[announcement.audience].add(announcement.audience_id)
    names: dict[tuple[str, int], str] = {}
    if announcements:  # one query whatever the audiences on the page
        query = union_all(*(
            select(literal(audience).label("audience"), model.id.label("id"), column.label("name"))
            .where(model.id.in_(wanted[audience]))
            for audience, model, column in ((TRACK, Track, Track.name), (MODULE, Module, Module.title),
                                            (GROUP, Group, Group.name))))
        for audience, record_id, name in db.session.execute(query):
            names[(audience, record_id)] = name
    labels = {}
    for announcement in announcements:
        labels[announcement.id] = audience_label(announcement.audience,
                                                 names.get((announcement.audience, announcement.audience_id)))
    return labels


def audience_label(audience: str, name: str | None) -> str:
    if audience == PROGRAM:
        return _("Everyone in the program")
    name = name or "—"
    return {TRACK: _("Track: %(name)s", name=name), MODULE: _("Module: %(title)s", title=name),
            GROUP: _("Group: %(name)s", name=name)}.get(audience, name)


def label_of(announcement: Announcement) -> str:
    return audience_labels([announcement])[announcement.id]


def audience_recipients(program_id: int, audience: str, audience_id: int | None) -> list[User]:
    """Everyone the audience reaches now: its learning participants and the trainers concerned (two queries)."""
    participants = (select(User).join(Enrolment, Enrolment.user_id == User.id)
                    .where(Enrolment.program_id == program_id, Enrolment.status.in_(LEARNING_STATUSES),
                           User.deactivated_at.is_(None)))
    trainers = (select(User).join(ModuleTrainer, ModuleTrainer.user_id == User.id)
                .join(Module, Module.id == ModuleTrainer.module_id)
                .join(Track, Track.id == Module.track_id)
                .where(Track.program_id == program_id, User.deactivated_at.is_(None)))
    if audience == TRACK:
        participants = participants.where(Enrolment.track_id == audience_id)
        trainers = trainers.where(Module.track_id == audience_id)
    elif audience == MODULE:
        participants = participants.where(Enrolment.module_id == audience_id)
        trainers = trainers.where(Module.id == audience_id)
    elif audience == GROUP:
        participants = participants.where(Enrolment.group_id == audience_id)
        trainers = trainers.where(Module.id.in_(
            select(Enrolment.module_id).where(Enrolment.group_id == audience_id,
                                              Enrolment.status.in_(LEARNING_STATUSES))))
    elif audience != PROGRAM:
        return []
    people: dict[int, User] = {}
    for query in (participants, trainers):
        for person in db.session.scalars(query):
            people.setdefault(person.id, person)
    return sorted(people.values(), key=lambda person: person.id)


# --------------------------------------------------------------------------
# Announcements: writing
# --------------------------------------------------------------------------


def create_announcement(program: Program, author, *, audience: str, audience_id: int | None, title: str,
                        body: str) -> Announcement:
    announcement = Announcement(
        program_id=program.id, audience=audience, audience_id=None if audience == PROGRAM else audience_id,
        title=title.strip(), body=clean_text(body), author_id=author.id)
    db.session.add(announcement)
    db.session.flush()
    return announcement


def update_announcement(announcement: Announcement, actor, *, version, audience: str, audience_id: int | None,
                        title: str, body: str, notify_again: bool = False) -> int:
    """Save an edit (``EditConflict`` when the form is stale); returns how many people were notified."""
    check_version(announcement, version)
    before = (announcement.audience, announcement.audience_id)
    announcement.audience = audience
    announcement.audience_id = None if audience == PROGRAM else audience_id
    announcement.title = title.strip()
    announcement.body = clean_text(body)
    db.session.flush()
    if announcement.published_at is None or announcement.archived_at is not None:
        return 0
    if notify_again:
        return _notify_announcement(announcement, actor, updated=True)
    if before != (announcement.audience, announcement.audience_id):
        already = {person.id for person in audience_recipients(announcement.program_id, *before)}
        return _notify_announcement(announcement, actor, skip=already)
    return 0


def publish_announcement(announcement: Announcement, actor, now: datetime | None = None) -> int:
    """Publish now and notify the audience; returns how many were notified (0 when it was published already)."""
    if announcement.archived_at is not None:
        raise AnnouncementRefused(_("This announcement is archived. Restore it before publishing it."))
    if announcement.published_at is not None:
        return 0
    announcement.published_at = now or utcnow()
    db.session.flush()
    return _notify_announcement(announcement, actor)


def archive_announcement(announcement: Announcement, now: datetime | None = None) -> bool:
    if announcement.archived_at is not None:
        return False
    announcement.archived_at = now or utcnow()
    db.session.flush()
    return True


def restore_announcement(announcement: Announcement) -> bool:
    if announcement.archived_at is None:
        return False
    announcement.archived_at = None
    db.session.flush()
    return True


def _notify_announcement(announcement: Announcement, actor, *, updated: bool = False,
                         skip: set[int] | frozenset[int] = frozenset()) -> int:
    link = _path("announcements.detail", announcement_id=announcement.id)
    program_name = db.session.scalar(select(Program.name).where(Program.id == announcement.program_id))
    count = 0
    people = [person for person in audience_recipients(announcement.program_id, announcement.audience,
                                                       announcement.audience_id)
              if person.id != actor.id and person.id not in skip]
    preload_modes(people, [ANNOUNCEMENT_KIND])  # everyone's email choice in one query, not one each
    for person in people:
        with force_locale(_locale(person)):
            if updated:
                title = _("Updated announcement: %(title)s", title=announcement.title)
            else:
                title = _("Announcement: %(title)s", title=announcement.title)
            body = f"{program_name}\n\n{_excerpt(announcement.body)}"
        notify(person, ANNOUNCEMENT_KIND, title, body, link)
        count += 1
    return count


# --------------------------------------------------------------------------
# Announcements: reading
# --------------------------------------------------------------------------


def program_announcements(user, program_id: int, *, page: int = 1, archived: bool = False):
    """One page of the program's announcements this person sees, newest first (count + select + labels).

    Coordinators see drafts and, with ``archived``, the archived ones; authors their own drafts.
    """
    reach = access.reach_of(user, program_id)
    query = (select(Announcement).where(Announcement.program_id == program_id)
             .options(joinedload(Announcement.author)))
    condition = access.visible_condition(user, reach)
    if condition is not None:
        query = query.where(condition)
    if archived:
        query = query.where(Announcement.archived_at.is_not(None))
    else:
        query = query.where(Announcement.archived_at.is_(None))
    query = query.order_by(Announcement.published_at.is_(None).desc(),
                           func.coalesce(Announcement.published_at, Announcement.created_at).desc(),
                           Announcement.id.desc())
    pagination = db.paginate(query, page=page, per_page=ANNOUNCEMENTS_PER_PAGE, error_out=False, count=True)
    return pagination, audience_labels(pagination.items)


def archived_count(user, program_id: int) -> int:
    """How many archived announcements of the program the person could restore (coordinators: all)."""
    query = select(func.count(Announcement.id)).where(Announcement.program_id == program_id,
                                                      Announcement.archived_at.is_not(None))
    if not user.is_coordinator:
        query = query.where(Announcement.author_id == user.id)
    return db.session.scalar(query) or 0


@dataclass
class HomeAnnouncement:
    id: int
    title: str
    program_id: int
    program_name: str
    audience_label: str
    published_at: datetime
    author_name: str


@dataclass
class HomeAnnouncements:
    entries: list[HomeAnnouncement]
    programs: list[tuple[int, str]]  # programs whose announcements page the person may open


def latest_for(user, limit: int = HOME_LIMIT) -> HomeAnnouncements:
    """The latest published announcements addressed to the person, in active programs (five queries at most)."""
    reach = access.reach_of(user, active_programs_only=True)
    if not reach:
        return HomeAnnouncements([], [])
    announcements = db.session.scalars(
        select(Announcement)
        .where(Announcement.published_at.is_not(None), Announcement.archived_at.is_(None),
               access.reach_condition(reach))
        .options(joinedload(Announcement.author), joinedload(Announcement.program))
        .order_by(Announcement.published_at.desc(), Announcement.id.desc())
        .limit(limit)
    ).all()
    labels = audience_labels(announcements)
    programs = db.session.execute(select(Program.id, Program.name).where(Program.id.in_(reach.program_ids))
                                  .order_by(Program.year.desc(), Program.id.desc())).all()
    entries = [HomeAnnouncement(a.id, a.title, a.program_id, a.program.name, labels[a.id], a.published_at,
                                a.author.name) for a in announcements]
    return HomeAnnouncements(entries, [(program_id, name) for program_id, name in programs])


# --------------------------------------------------------------------------
# Message threads
# --------------------------------------------------------------------------


def module_trainers_of(participant_id: int, program_id: int) -> list[User]:
    """The trainers of the participant's module in the program (active accounts), by name."""
    return db.session.scalars(
        select(User).join(ModuleTrainer, ModuleTrainer.user_id == User.id)
        .join(Enrolment, Enrolment.module_id == ModuleTrainer.module_id)
        .where(Enrolment.user_id == participant_id, Enrolment.program_id == program_id,
               User.deactivated_at.is_(None))
        .order_by(User.name, User.id)).all()


def _staff_in_thread(thread: MessageThread) -> list[User]:
    """People other than the participant who already wrote in the thread (active accounts)."""
    return db.session.scalars(
        select(User).where(User.id.in_(select(Message.author_id).where(Message.thread_id == thread.id)),
                           User.id != thread.participant_id, User.deactivated_at.is_(None))
        .order_by(User.id)).all()


def message_recipients(thread: MessageThread, author) -> list[User]:
    """Who hears of a new message in the thread (see the module docstring); never its author."""
    people: dict[int, User] = {}
    if author.id == thread.participant_id:
        for person in module_trainers_of(thread.participant_id, thread.program_id):
            people.setdefault(person.id, person)
        if current_app.config.get("MESSAGE_NOTIFY_COORDINATORS", True):
            for person in db.session.scalars(select(User).where(User.is_coordinator.is_(True),
                                                                 User.deactivated_at.is_(None))
                                             .order_by(User.id)):
                people.setdefault(person.id, person)
    else:
        participant = db.session.get(User, thread.participant_id)
        if participant is not None and participant.deactivated_at is None:
            people[participant.id] = participant
    for person in _staff_in_thread(thread):
        people.setdefault(person.id, person)
    people.pop(author.id, None)
    return sorted(people.values(), key=lambda person: person.id)


def start_thread(program: Program, participant, *, subject: str, body: str,
                 now: datetime | None = None) -> MessageThread:
    now = now or utcnow()
    thread = MessageThread(program_id=program.id, participant_id=participant.id, subject=subject.strip(),
                           last_message_at=now)
    db.session.add(thread)
    db.session.flush()
    add_message(thread, participant, body, now=now)
    return thread


def add_message(thread: MessageThread, author, body: str, now: datetime | None = None) -> Message:
    """Add a message, mark the thread read for its author and notify the other side."""
    now = now or utcnow()
    message = Message(thread_id=thread.id, author_id=author.id, body=clean_text(body), created_at=now)
    db.session.add(message)
    thread.last_message_at = now
    db.session.flush()
    mark_thread_read(thread, author, now=now)
    link = _path("announcements.thread", thread_id=thread.id)
    people = list(message_recipients(thread, author))
    preload_modes(people, [MESSAGE_KIND])
    for person in people:
        with force_locale(_locale(person)):
            title = _("%(name)s wrote: %(subject)s", name=author.name, subject=thread.subject)
        notify(person, MESSAGE_KIND, title, _excerpt(message.body), link)
    return message


def mark_thread_read(thread: MessageThread, user, now: datetime | None = None) -> None:
    """Up to now the person has read the thread (one row per person and thread, updated)."""
    now = now or utcnow()
    record = db.session.scalar(select(ThreadRead).where(ThreadRead.thread_id == thread.id,
                                                        ThreadRead.user_id == user.id))
    if record is not None:
        if record.read_at < now:
            record.read_at = now
        db.session.flush()
        return
    try:
        with db.session.begin_nested():
            db.session.add(ThreadRead(thread_id=thread.id, user_id=user.id, read_at=now))
    except IntegrityError:  # another request of the same person inserted it first
        record = db.session.scalar(select(ThreadRead).where(ThreadRead.thread_id == thread.id,
                                                            ThreadRead.user_id == user.id))
        if record is not None and record.read_at < now:
            record.read_at = now
        db.session.flush()


def _unread_condition(user):
    """Correlated on MessageThread: a message by someone else after the person last read the thread."""
    read_at = (select(ThreadRead.read_at).where(ThreadRead.thread_id == MessageThread.id,
                                                ThreadRead.user_id == user.id)
               .correlate(MessageThread).scalar_subquery())
    return exists().where(
        Message.thread_id == MessageThread.id,
        Message.author_id != user.id,
        or_(read_at.is_(None), Message.created_at > read_at),
    ).correlate(MessageThread)


def _visible_threads(user, program_id: int | None = None):
    query = select(MessageThread)
    condition = access.threads_condition(user)
    if condition is not None:
        query = query.where(condition)
    if program_id is not None:
        query = query.where(MessageThread.program_id == program_id)
    return query


def unread_thread_count(user) -> int:
    """How many threads the person sees have a message they have not read (one query)."""
    query = _visible_threads(user).where(_unread_condition(user))
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


@dataclass
class ThreadRow:
    thread: MessageThread
    unread: bool
    message_count: int


def threads_page(user, *, program_id: int | None = None, page: int = 1):
    """One page of the person's threads, latest activity first, with unread markers (constant queries)."""
    query = (_visible_threads(user, program_id)
             .options(joinedload(MessageThread.participant), joinedload(MessageThread.program))
             .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc()))
    pagination = db.paginate(query, page=page, per_page=THREADS_PER_PAGE, error_out=False, count=True)
    ids = [thread.id for thread in pagination.items]
    unread: set[int] = set()
    counts: dict[int, int] = {}
    if ids:
        unread = set(db.session.scalars(select(MessageThread.id).where(MessageThread.id.in_(ids),
                                                                       _unread_condition(user))))
        counts = dict(db.session.execute(select(Message.thread_id, func.count(Message.id))
                                         .where(Message.thread_id.in_(ids)).group_by(Message.thread_id)).all())
    rows = [ThreadRow(thread, thread.id in unread, counts.get(thread.id, 0)) for thread in pagination.items]
    return pagination, rows


def thread_with_messages(thread_id: int) -> MessageThread | None:
    return db.session.scalar(
        select(MessageThread).where(MessageThread.id == thread_id)
        .options(joinedload(MessageThread.participant), joinedload(MessageThread.program),
                 selectinload(MessageThread.messages).joinedload(Message.author)))


def read_at_of(thread: MessageThread, user) -> datetime | None:
    return db.session.scalar(select(ThreadRead.read_at).where(ThreadRead.thread_id == thread.id,
                                                             ThreadRead.user_id == user.id))


def writable_programs(user) -> list[Program]:
    """Active programs in which the person may start a thread (their learning enrolments)."""
    return db.session.scalars(
        select(Program).join(Enrolment, Enrolment.program_id == Program.id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(LEARNING_STATUSES),
               Program.archived_at.is_(None))
        .order_by(Program.year.desc(), Program.id.desc())).all()


def participant_enrolment(participant_id: int, program_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == participant_id, Enrolment.program_id == program_id)
        .options(joinedload(Enrolment.module), joinedload(Enrolment.track), joinedload(Enrolment.group)))


def thread_programs() -> list[Program]:
    """Programs that have threads (the coordinators' filter)."""
    return db.session.scalars(
        select(Program).where(exists().where(MessageThread.program_id == Program.id))
        .order_by(Program.year.desc(), Program.id.desc())).all()

