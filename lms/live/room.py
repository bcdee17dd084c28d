"""The live room's domain operations: chat, hands, polls, questions, the session's start and end.

Each operation validates its input, changes the database, appends the event to the room's
record (``operations.record_event``) and returns that RoomEvent; the Socket.IO handlers in
``lms.live.events`` check access, commit, and broadcast ``serialize_events(...)``.
Errors are ``RoomError`` with a message for the person.
"""

from __future__ import annotations

from datetime import timedelta

import nh3
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.core.database import utcnow
from lms.core.timezones import country_name
from lms.extensions import db
from lms.live.access import can_moderate
from lms.live.models import (
    Audience,
    ChatMessage,
    Connection,
    HandRaise,
    LiveQuestion,
    LiveSession,
    Mute,
    Poll,
    PollVote,
    QuestionVote,
    RoomEvent,
    SessionState,
)
from lms.live.operations import events_after, record_event
from lms.programs.models import Module, ModuleTrainer, Track

CHAT_MAX_CHARS = 1000
CHAT_RATE_MESSAGES = 5
CHAT_RATE_SECONDS = 10
POLL_QUESTION_MAX_CHARS = 300
POLL_OPTION_MAX_CHARS = 200
POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 10
QUESTION_MAX_CHARS = 500


class RoomError(Exception):
    """A refused room action; ``message`` is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Input ------------------------------------------------------------------------------------------

def as_id(value, what: str) -> int:
    """A positive integer id from a payload (bools and strings are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RoomError(_("Missing or invalid %(field)s.", field=what))
    return value


def clean_text(value, *, max_chars: int, what: str) -> str:
    """Stripped plain text (any HTML removed), 1..max_chars characters."""
    if not isinstance(value, str):
        raise RoomError(_("%(field)s must be text.", field=what))
    text = nh3.clean(value.strip(), tags=set()).strip()
    if not text:
        raise RoomError(_("%(field)s cannot be empty.", field=what))
    if len(value.strip()) > max_chars or len(text) > max_chars:
        raise RoomError(_("%(field)s is too long (at most %(max)d characters).", field=what, max=max_chars))
    return text


def _require_open(session: LiveSession) -> None:
    if session.state == SessionState.ENDED.value:
        raise RoomError(_("The session has ended."))


# Roles and people -------------------------------------------------------------------------------

def trainer_ids(session: LiveSession) -> set[int]:
    """Users who train this session (one query), as ``access.is_session_trainer`` decides."""
    query = select(ModuleTrainer.user_id).join(Module, Module.id == ModuleTrainer.module_id)
    if session.audience == Audience.MODULE.value and session.audience_id is not None:
        query = query.where(Module.id == session.audience_id)
    elif session.audience == Audience.TRACK.value and session.audience_id is not None:
        query = query.where(Module.track_id == session.audience_id)
    else:
        query = query.join(Track, Track.id == Module.track_id).where(Track.program_id == session.program_id)
    return set(db.session.scalars(query))


def person(user: User, trainers: set[int], country_names: dict | None = None) -> dict:
    """``country_names``: a cache of ``country_name`` by code, shared by the people of one list."""
    role = "coordinator" if user.is_coordinator else ("trainer" if user.id in trainers else "participant")
    if country_names is None:
        name = country_name(user.country)
    elif user.country in country_names:
        name = country_names[user.country]
    else:
        name = country_names[user.country] = country_name(user.country)
    return {"id": user.id, "name": user.name, "role": role, "country": user.country, "country_name": name}


def _people(session: LiveSession, user_ids) -> dict[int, dict]:
    """``person`` of each user, from four columns (presence of a big room reads every person
    in it on each join: whole User objects would cost several times more)."""
    user_ids = {uid for uid in user_ids if uid}
    if not user_ids:
        return {}
    return _people_where(session, User.id.in_(user_ids))


def _people_where(session: LiveSession, condition) -> dict[int, dict]:
    """``person`` of each user matching ``condition`` (a SQL condition on User), ordered by id."""
    trainers = trainer_ids(session)
    rows = db.session.execute(select(User.id, User.name, User.is_coordinator, User.country)
                              .where(condition).order_by(User.id))
    country_names: dict = {}
    return {row.id: person(row, trainers, country_names) for row in rows}


# Events -----------------------------------------------------------------------------------------

def serialize_events(session: LiveSession, events: list[RoomEvent], *, fresh: bool = False) -> list[dict]:
    """The wire form of room events (a constant number of queries for any number of events).
    Deleted chat messages are replayed without their text; ``fresh`` events (just recorded, being
    broadcast) cannot refer to a deleted message, so their broadcast does not look for any."""
    people = _people(session, {event.actor_id for event in events})
    deleted: set[int] = set()
    if not fresh and any(event.kind == "chat" for event in events):
        deleted = set(db.session.scalars(select(ChatMessage.id).where(
            ChatMessage.session_id == session.id, ChatMessage.deleted_at.is_not(None))))
    payloads = []
    for event in events:
        data = dict(event.data or {})
        if event.kind == "chat" and data.get("message_id") in deleted:
            data["text"] = ""
            data["deleted"] = True
        actor = people.get(event.actor_id)
        if actor is not None:
            actor = {key: actor[key] for key in ("id", "name", "role", "country")}
        payloads.append({"id": event.id, "kind": event.kind, "actor": actor, "data": data,
                         "at": event.created_at.isoformat()})
    return payloads


def replay(session: LiveSession, last_event_id) -> list[dict]:
    """Every event after ``last_event_id`` (all when None), in order."""
    if last_event_id is not None and last_event_id != 0:
        last_event_id = as_id(last_event_id, "last_event_id")
    return serialize_events(session, events_after(session, last_event_id))


# Chat -------------------------------------------------------------------------------------------

def is_muted(session: LiveSession, user) -> bool:
    return db.session.scalar(select(Mute.id).where(
        Mute.session_id == session.id, Mute.user_id == user.id, Mute.lifted_at.is_(None)).limit(1)) is not None


def post_chat(session: LiveSession, user, text) -> RoomEvent:
    _require_open(session)
    text = clean_text(text, max_chars=CHAT_MAX_CHARS, what=_("The message"))
    if is_muted(session, user):
        raise RoomError(_("A trainer has muted you in this session's chat."))
    since = utcnow() - timedelta(seconds=CHAT_RATE_SECONDS)
    recent = db.session.scalar(select(func.count(ChatMessage.id)).where(
        ChatMessage.session_id == session.id, ChatMessage.user_id == user.id, ChatMessage.created_at >= since))
    if recent >= CHAT_RATE_MESSAGES:
        raise RoomError(_("You are sending messages too fast. Wait a few seconds and try again."))
    message = ChatMessage(session_id=session.id, user_id=user.id, text=text)
    db.session.add(message)
    db.session.flush()
    return record_event(session, "chat", user, {"message_id": message.id, "text": text})


def delete_message(session: LiveSession, moderator, message_id) -> RoomEvent:
    _require_open(session)
    message = db.session.get(ChatMessage, as_id(message_id, "message_id"))
    if message is None or message.session_id != session.id:
        raise RoomError(_("That message does not exist."))
    if message.deleted_at is not None:
        raise RoomError(_("That message was already deleted."))
    message.deleted_at = utcnow()
    message.deleted_by_id = moderator.id
    return record_event(session, "chat_deleted", moderator, {"message_id": message.id})


def mute(session: LiveSession, moderator, user_id) -> RoomEvent:
    _require_open(session)
    target = db.session.get(User, as_id(user_id, "user_id"))
    if target is None:
        raise RoomError(_("That person does not exist."))
    if can_moderate(target, session):
        raise RoomError(_("Trainers and coordinators cannot be muted."))
    if is_muted(session, target):
        raise RoomError(_("%(name)s is already muted.", name=target.name))
    db.session.add(Mute(session_id=session.id, user_id=target.id, muted_by_id=moderator.id))
    return record_event(session, "muted", moderator, {"user_id": target.id, "name": target.name})


def unmute(session: LiveSession, moderator, user_id) -> RoomEvent:
    _require_open(session)
    target = db.session.get(User, as_id(user_id, "user_id"))
    mutes = [] if target is None else list(db.session.scalars(select(Mute).where(
        Mute.session_id == session.id, Mute.user_id == target.id, Mute.lifted_at.is_(None))))
    if not mutes:
        raise RoomError(_("That person is not muted."))
    for row in mutes:
        row.lifted_at = utcnow()
    return record_event(session, "unmuted", moderator, {"user_id": target.id, "name": target.name})


# Hands ------------------------------------------------------------------------------------------

def hand_queue(session: LiveSession) -> list[HandRaise]:
    return list(db.session.scalars(select(HandRaise).where(
        HandRaise.session_id == session.id, HandRaise.lowered_at.is_(None)).order_by(
        HandRaise.raised_at, HandRaise.id)))


def _active_hand(session: LiveSession, user_id: int) -> HandRaise | None:
    return db.session.scalar(select(HandRaise).where(
        HandRaise.session_id == session.id, HandRaise.user_id == user_id, HandRaise.lowered_at.is_(None)).limit(1))


def raise_hand(session: LiveSession, user) -> RoomEvent | None:
    """Idempotent: a second raise while the hand is up changes nothing (returns None)."""
    _require_open(session)
    if _active_hand(session, user.id) is not None:
        return None
    hand = HandRaise(session_id=session.id, user_id=user.id)
    db.session.add(hand)
    db.session.flush()
    return record_event(session, "hand_raised", user, {
        "hand_id": hand.id, "user_id": user.id, "name": user.name, "raised_at": hand.raised_at.isoformat()})


def lower_hand(session: LiveSession, user, user_id=None) -> RoomEvent | None:
    """Lower one's own hand, or (moderators) anyone's. Lowering a hand that is down changes nothing."""
    _require_open(session)
    target_id = user.id if user_id is None else as_id(user_id, "user_id")
    if target_id != user.id and not can_moderate(user, session):
        raise RoomError(_("Only trainers and coordinators can lower someone else's hand."))
    hand = _active_hand(session, target_id)
    if hand is None:
        return None
    hand.lowered_at = utcnow()
    hand.lowered_by_id = user.id
    return record_event(session, "hand_lowered", user, {"hand_id": hand.id, "user_id": target_id})


# Polls ------------------------------------------------------------------------------------------

def poll_counts(poll: Poll, votes: list[PollVote]) -> dict:
    counts = [0] * len(poll.options)
    for vote in votes:
        for index in vote.choices:
            if 0 <= index < len(counts):
                counts[index] += 1
    return {"poll_id": poll.id, "counts": counts, "voters": len(votes)}


def _poll_results(poll: Poll) -> dict:
    return poll_counts(poll, list(db.session.scalars(select(PollVote).where(PollVote.poll_id == poll.id))))


def _session_poll(session: LiveSession, poll_id) -> Poll:
    poll = db.session.get(Poll, as_id(poll_id, "poll_id"))
    if poll is None or poll.session_id != session.id:
        raise RoomError(_("That poll does not exist."))
    return poll


def open_poll(session: LiveSession, moderator, question, options, multiple) -> RoomEvent:
    _require_open(session)
    question = clean_text(question, max_chars=POLL_QUESTION_MAX_CHARS, what=_("The question"))
    if not isinstance(options, list) or not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        raise RoomError(_("A poll needs between %(min)d and %(max)d options.",
                          min=POLL_MIN_OPTIONS, max=POLL_MAX_OPTIONS))
    options = [clean_text(option, max_chars=POLL_OPTION_MAX_CHARS, what=_("Each option")) for option in options]
    if not isinstance(multiple, bool):
        raise RoomError(_("Choose single or multiple choice."))
    poll = Poll(session_id=session.id, question=question, options=options, multiple=multiple,
                opened_by_id=moderator.id)
    db.session.add(poll)
    db.session.flush()
    return record_event(session, "poll_opened", moderator, {
        "poll_id": poll.id, "question": question, "options": options, "multiple": multiple})


def vote(session: LiveSession, user, poll_id, choices) -> RoomEvent:
    _require_open(session)
    poll = _session_poll(session, poll_id)
    if poll.closed_at is not None:
        raise RoomError(_("This poll is closed."))
    if (not isinstance(choices, list) or not choices
            or any(isinstance(c, bool) or not isinstance(c, int) for c in choices)
            or any(not 0 <= c < len(poll.options) for c in choices)
            or len(set(choices)) != len(choices)):
        raise RoomError(_("Choose one of the poll's options."))
    if not poll.multiple and len(choices) != 1:
        raise RoomError(_("Choose exactly one option."))
    try:
        with db.session.begin_nested():
            db.session.add(PollVote(poll_id=poll.id, user_id=user.id, choices=sorted(choices)))
    except IntegrityError:
        raise RoomError(_("You have already voted in this poll.")) from None
    return record_event(session, "poll_results", None, _poll_results(poll))


def close_poll(session: LiveSession, moderator, poll_id) -> RoomEvent:
    _require_open(session)
    poll = _session_poll(session, poll_id)
    if poll.closed_at is not None:
        raise RoomError(_("This poll is already closed."))
    poll.closed_at = utcnow()
    return record_event(session, "poll_closed", moderator, _poll_results(poll))


# Questions --------------------------------------------------------------------------------------

def _session_question(session: LiveSession, question_id) -> LiveQuestion:
    question = db.session.get(LiveQuestion, as_id(question_id, "question_id"))
    if question is None or question.session_id != session.id or question.deleted_at is not None:
        raise RoomError(_("That question does not exist."))
    return question


def ask_question(session: LiveSession, user, text) -> RoomEvent:
    _require_open(session)
    text = clean_text(text, max_chars=QUESTION_MAX_CHARS, what=_("The question"))
    question = LiveQuestion(session_id=session.id, user_id=user.id, text=text)
    db.session.add(question)
    db.session.flush()
    return record_event(session, "question_asked", user, {"question_id": question.id, "text": text})


def upvote(session: LiveSession, user, question_id) -> RoomEvent:
    _require_open(session)
    question = _session_question(session, question_id)
    if question.user_id == user.id:
        raise RoomError(_("You cannot upvote your own question."))
    try:
        with db.session.begin_nested():
            db.session.add(QuestionVote(question_id=question.id, user_id=user.id))
    except IntegrityError:
        raise RoomError(_("You have already upvoted this question.")) from None
    votes = db.session.scalar(select(func.count(QuestionVote.id)).where(QuestionVote.question_id == question.id))
    return record_event(session, "question_upvoted", user, {"question_id": question.id, "votes": votes})


def mark_answered(session: LiveSession, moderator, question_id) -> RoomEvent:
    _require_open(session)
    question = _session_question(session, question_id)
    if question.answered_at is not None:
        raise RoomError(_("This question is already marked answered."))
    question.answered_at = utcnow()
    return record_event(session, "question_answered", moderator, {"question_id": question.id})


# The session ------------------------------------------------------------------------------------

def start_session(session: LiveSession, moderator) -> RoomEvent:
    if session.state != SessionState.SCHEDULED.value:
        raise RoomError(_("The session has ended.") if session.state == SessionState.ENDED.value
                        else _("The session has already started."))
    session.state = SessionState.LIVE.value
    session.started_at = utcnow()
    return record_event(session, "session_started", moderator, {"started_at": session.started_at.isoformat()})


def end_session(session: LiveSession, moderator) -> RoomEvent:
    _require_open(session)
    session.state = SessionState.ENDED.value
    session.ended_at = utcnow()
    if session.started_at is None:
        session.started_at = session.ended_at
    for hand in hand_queue(session):
        hand.lowered_at = session.ended_at
        hand.lowered_by_id = moderator.id
    for poll in db.session.scalars(select(Poll).where(Poll.session_id == session.id, Poll.closed_at.is_(None))):
        poll.closed_at = session.ended_at
    return record_event(session, "session_ended", moderator, {"ended_at": session.ended_at.isoformat()})


# State ------------------------------------------------------------------------------------------

def room_record(session: LiveSession) -> dict:
    """Everything the room shows, loaded in a constant number of queries (page render and join ack)."""
    messages = list(db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == session.id)
                                       .order_by(ChatMessage.id)))
    hands = hand_queue(session)
    polls = list(db.session.scalars(select(Poll).where(Poll.session_id == session.id).order_by(Poll.id)))
    votes = list(db.session.scalars(select(PollVote).join(Poll, Poll.id == PollVote.poll_id)
                                    .where(Poll.session_id == session.id)))
    questions = list(db.session.scalars(select(LiveQuestion).where(
        LiveQuestion.session_id == session.id, LiveQuestion.deleted_at.is_(None)).order_by(LiveQuestion.id)))
    question_votes = list(db.session.execute(
        select(QuestionVote.question_id, QuestionVote.user_id).join(
            LiveQuestion, LiveQuestion.id == QuestionVote.question_id).where(LiveQuestion.session_id == session.id)))
    muted = set(db.session.scalars(select(Mute.user_id).where(Mute.session_id == session.id,
                                                              Mute.lifted_at.is_(None))))
    last_event_id = db.session.scalar(select(func.max(RoomEvent.id)).where(RoomEvent.session_id == session.id))
    people = _people(session, {m.user_id for m in messages} | {h.user_id for h in hands}
                     | {q.user_id for q in questions})
    votes_by_poll: dict[int, list[PollVote]] = {}
    for row in votes:
        votes_by_poll.setdefault(row.poll_id, []).append(row)
    upvotes: dict[int, set[int]] = {}
    for question_id, user_id in question_votes:
        upvotes.setdefault(question_id, set()).add(user_id)
    return {
        "last_event_id": last_event_id or 0,
        "messages": [{"id": m.id, "author": people.get(m.user_id), "text": "" if m.deleted_at else m.text,
                      "deleted": m.deleted_at is not None, "at": m.created_at} for m in messages],
        "hands": [{"hand_id": h.id, "user_id": h.user_id, "person": people.get(h.user_id),
                   "raised_at": h.raised_at} for h in hands],
        "polls": [{"poll_id": p.id, "question": p.question, "options": p.options, "multiple": p.multiple,
                   "closed": p.closed_at is not None, "results": poll_counts(p, votes_by_poll.get(p.id, [])),
                   "voter_ids": {v.user_id for v in votes_by_poll.get(p.id, [])}} for p in polls],
        "questions": [{"question_id": q.id, "text": q.text, "author": people.get(q.user_id),
                       "answered": q.answered_at is not None, "votes": len(upvotes.get(q.id, ())),
                       "voter_ids": upvotes.get(q.id, set())} for q in questions],
        "muted_ids": muted,
    }


def room_state(session: LiveSession, user) -> dict:
    """The join ack's "session": the session and the room's current state, JSON-ready, for ``user``."""
    record = room_record(session)
    return {
        "id": session.id,
        "title": session.title,
        "state": session.state,
        "started_at": session.started_at.isoformat() if session.started_at else None,
        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
        "video_url": session.video_url,
        "last_event_id": record["last_event_id"],
        "you": {"id": user.id, "can_moderate": can_moderate(user, session),
                "muted": user.id in record["muted_ids"]},
        "hands": [{"hand_id": h["hand_id"], "user_id": h["user_id"], "raised_at": h["raised_at"].isoformat(),
                   "name": (h["person"] or {}).get("name")} for h in record["hands"]],
        "polls": [{"poll_id": p["poll_id"], "question": p["question"], "options": p["options"],
                   "multiple": p["multiple"], "closed": p["closed"], "results": p["results"],
                   "voted": user.id in p["voter_ids"]} for p in record["polls"]],
        "questions": [{"question_id": q["question_id"], "text": q["text"], "answered": q["answered"],
                       "votes": q["votes"], "upvoted": user.id in q["voter_ids"],
                       "name": (q["author"] or {}).get("name")} for q in record["questions"]],
    }


def presence(session: LiveSession) -> dict:
    """Who is connected to the room now (open connections), with role and country, and counts."""
    # A subquery, not the ids: "IN (?, ?, ...)" with one placeholder per person is a new SQL text
    # for every room size, and SQLite keeps each prepared statement in its connection's statement
    # cache (a 1000-person room: ~17 MB of statements, and fragments the heap as they are replaced).
    connected = select(Connection.user_id).where(Connection.session_id == session.id,
                                                 Connection.left_at.is_(None))
    people = sorted(_people_where(session, User.id.in_(connected)).values(),
                    key=lambda p: (p["role"] == "participant", p["name"].casefold()))
    counts = {"participant": 0, "trainer": 0, "coordinator": 0}
    for entry in people:
        counts[entry["role"]] += 1
    counts["total"] = len(people)
    return {"people": people, "counts": counts}
