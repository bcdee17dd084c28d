"""Factories for test records: short calls with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date  # noqa: F401  (re-exported for tests)

from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.programs.models import Field, Group, Module, ModuleTrainer, Organisation, Program, Track

PASSWORD = "correct-horse-battery-42"
_sequence = itertools.count(1)


def _n() -> int:
    return next(_sequence)


def make_user(*, email=None, name=None, password=PASSWORD, coordinator=False, country="KE",
              timezone="Africa/Nairobi", **extra) -> User:
    n = _n()
    user = User(
        email=email or f"person{n}@example.test",
        name=name or f"Person {n}",
        country=country,
        timezone=timezone,
        is_coordinator=coordinator,
        password_hash=hash_password(password) if password else None,
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_organisation(name=None, kind=Organisation.TRAINING_PARTNER, **extra) -> Organisation:
    org = Organisation(name=name or f"Organisation {_n()}", kind=kind, **extra)
    db.session.add(org)
    db.session.flush()
    return org


def make_program(*, name=None, code=None, year=2024, online=(date(2024, 7, 22), date(2024, 8, 2)),
                 has_offline_phase=True, **extra) -> Program:
    n = _n()
    program = Program(
        name=name or f"{year} Training Program {n}",
        code=code or f"P{n}",
        year=year,
        online_start=online[0],
        online_end=online[1],
        has_offline_phase=has_offline_phase,
        **extra,
    )
    db.session.add(program)
    db.session.flush()
    return program


def make_track(program, *, name=None, offline=(date(2024, 8, 19), date(2024, 9, 13)),
               location="Seoul", **extra) -> Track:
    track = Track(
        program=program,
        name=name or f"Track {_n()}",
        offline_start=offline[0] if offline else None,
        offline_end=offline[1] if offline else None,
        offline_location=location,
        **extra,
    )
    db.session.add(track)
    db.session.flush()
    return track


def make_field(name=None) -> Field:
    field = Field(name=name or f"Field {_n()}")
    db.session.add(field)
    db.session.flush()
    return field


def make_module(track, *, title=None, field=None, organisation=None, trainers=(), **extra) -> Module:
    module = Module(
        track=track,
        title=title or f"Module {_n()}",
        field=field or make_field(),
        organisation=organisation,
        **extra,
    )
    db.session.add(module)
    db.session.flush()
    for trainer in trainers:
        db.session.add(ModuleTrainer(module=module, user=trainer))
    db.session.flush()
    return module


def make_group(program, name=None) -> Group:
    group = Group(program=program, name=name or f"Group {_n()}")
    db.session.add(group)
    db.session.flush()
    return group


def enrol(user, program, *, track=None, module=None, group=None,
          status=EnrolmentStatus.ACTIVE) -> Enrolment:
    enrolment = Enrolment(
        user=user,
        program=program,
        track=track or (module.track if module else None),
        module=module,
        group=group,
        status=status.value if isinstance(status, EnrolmentStatus) else status,
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


# Online learning -------------------------------------------------------------

def make_unit(module=None, *, program=None, title=None, position=None, **extra):
    from lms.learning.models import Unit

    program = program or module.track.program
    unit = Unit(program=program, module=module, title=title or f"Unit {_n()}",
                position=position if position is not None else _n(), **extra)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_item(unit, kind="lesson", *, title=None, position=None, completion_rule=None, prerequisites=(),
              **extra):
    from lms.learning.models import COMPLETION_RULES_BY_KIND, Item, ItemKind, ItemPrerequisite

    kind_enum = ItemKind(kind)
    rule = completion_rule or COMPLETION_RULES_BY_KIND[kind_enum][0]
    item = Item(
        unit=unit,
        kind=kind_enum.value,
        title=title or f"{kind_enum.value.title()} {_n()}",
        position=position if position is not None else _n(),
        completion_rule=getattr(rule, "value", rule),
        settings=extra.pop("settings", {}),
        **extra,
    )
    if kind_enum is ItemKind.LESSON and item.body is None:
        item.body = "# Lesson\n\nSome **text**."
    db.session.add(item)
    db.session.flush()
    for required in prerequisites:
        db.session.add(ItemPrerequisite(item=item, required_item=required))
    db.session.flush()
    return item


def make_quiz(unit, *, title=None, pass_mark=50, max_attempts=3, questions=None, **extra):
    """A quiz item; ``questions`` is a list of (kind, prompt, choices or accepted answers)."""
    from lms.learning.models import QuizChoice, QuizQuestion

    item = make_item(unit, "quiz", title=title, settings={"pass_mark": pass_mark, "max_attempts": max_attempts},
                     **extra)
    questions = questions or [
        ("single", "Which city hosts the General track?", [("Seoul", True), ("Paris", False)]),
        ("multiple", "Pick the fields of 2024", [("Publication", True), ("Performing Arts", True),
                                                 ("Astronomy", False)]),
        ("short", "Country of the offline phase?", ["Korea", "South Korea"]),
    ]
    for position, (kind, prompt, options) in enumerate(questions):
        question = QuizQuestion(item_id=item.id, kind=kind, prompt=prompt, position=position, points=1,
                                accepted_answers=list(options) if kind == "short" else [])
        db.session.add(question)
        db.session.flush()
        if kind != "short":
            for choice_position, (text, correct) in enumerate(options):
                db.session.add(QuizChoice(question_id=question.id, text=text, is_correct=correct,
                                          position=choice_position))
    db.session.flush()
    return item


# Assignments -------------------------------------------------------------------

def make_assignment(unit, *, title=None, due_at=None, points=100, pass_points=50, rubric=None,
                    completion_rule="submit", **settings):
    """An assignment item with its settings; ``rubric`` is [(criterion, [(level, points), ...]), ...]."""
    from lms.assignments.models import Assignment, RubricCriterion, RubricLevel

    item = make_item(unit, "assignment", title=title, due_at=due_at, completion_rule=completion_rule,
                     body="Write a short essay.")
    assignment = Assignment(item=item, points=points, pass_points=pass_points, **settings)
    db.session.add(assignment)
    db.session.flush()
    for position, (criterion_title, levels) in enumerate(rubric or []):
        criterion = RubricCriterion(assignment=assignment, title=criterion_title, position=position)
        db.session.add(criterion)
        db.session.flush()
        for level_title, level_points in levels:
            db.session.add(RubricLevel(criterion=criterion, title=level_title, points=level_points))
    db.session.flush()
    return assignment


# Live sessions -----------------------------------------------------------------

def make_live_session(unit, *, title=None, starts_at=None, minutes=90, **extra):
    """A live-session item in ``unit`` and its LiveSession (audience: the unit's module, or the program)."""
    from datetime import timedelta

    from lms.core.database import utcnow
    from lms.live.operations import session_for_item

    starts_at = starts_at or utcnow() + timedelta(days=1)
    item = make_item(unit, "live_session", title=title, settings={
        "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat()},
        **extra)
    return session_for_item(item)


# Outputs -----------------------------------------------------------------------

def make_output(program, *, user=None, group=None, module=None, title=None, kind="book", published=False,
                files=(), description="An output.", **extra):
    """An output of ``user`` (individual) or of ``group``; ``files`` are (name, bytes) pairs."""
    import io

    from werkzeug.datastructures import FileStorage

    from lms.core.database import utcnow
    from lms.files.storage import RESOURCE_EXTENSIONS, UploadRules, save_upload
    from lms.outputs.models import Output, OutputFile

    output = Output(program_id=program.id, module_id=module.id if module else None,
                    user_id=user.id if user is not None and group is None else None,
                    group_id=group.id if group is not None else None, kind=kind,
                    title=title or f"Output {_n()}", description=description,
                    published_at=utcnow() if published else None,
                    created_by_id=user.id if user is not None else None, **extra)
    db.session.add(output)
    db.session.flush()
    for position, (name, content) in enumerate(files):
        stored = save_upload(FileStorage(io.BytesIO(content), filename=name),
                             UploadRules(RESOURCE_EXTENSIONS, 10_000_000), uploaded_by=user)
        db.session.add(OutputFile(output_id=output.id, file_id=stored.id, position=position))
    db.session.flush()
    return output


# The offline phase ---------------------------------------------------------------

def make_offline_session(program, *, title=None, kind="workshop", audience="program", audience_id=None,
                         starts_at=None, minutes=120, location="Seoul", **extra):
    """An offline session (a LiveSession with phase "offline") for the program, a track or a group;
    ``audience_id`` defaults to the program's id for a program audience."""
    from datetime import timedelta

    from lms.core.database import utcnow
    from lms.live.models import LiveSession

    starts_at = starts_at or utcnow() + timedelta(days=1)
    session = LiveSession(
        program_id=program.id, phase="offline", offline_kind=kind, location=location,
        title=title or f"Offline session {_n()}", audience=audience,
        audience_id=audience_id if audience_id is not None else (program.id if audience == "program" else None),
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), attendance_threshold=100, **extra)
    db.session.add(session)
    db.session.flush()
    return session


# Announcements and messages ------------------------------------------------------

def make_announcement(program, author, *, audience="program", audience_id=None, title=None, body="Hello **all**.",
                      published=True, archived=False):
    """An announcement row (no notification sent): published now unless ``published=False``."""
    from lms.announcements.models import Announcement
    from lms.core.database import utcnow

    announcement = Announcement(program_id=program.id, audience=audience,
                                audience_id=None if audience == "program" else audience_id,
                                title=title or f"Announcement {_n()}", body=body, author_id=author.id,
                                published_at=utcnow() if published else None,
                                archived_at=utcnow() if archived else None)
    db.session.add(announcement)
    db.session.flush()
    return announcement


def make_thread(program, participant, *, subject=None, body="A question about the module."):
    """A participant's message thread with its first message (no notification sent)."""
    from lms.announcements.models import Message, MessageThread
    from lms.core.database import utcnow

    now = utcnow()
    thread = MessageThread(program_id=program.id, participant_id=participant.id,
                           subject=subject or f"Question {_n()}", last_message_at=now)
    db.session.add(thread)
    db.session.flush()
    db.session.add(Message(thread_id=thread.id, author_id=participant.id, body=body, created_at=now))
    db.session.flush()
    return thread
