"""When each participant was last active, in one query whatever their number.

A participant's last activity in a program is the latest of: an item completed,
a version of an assignment submitted, a quiz attempt, a connection to a live
room, a chat message in a live room, a check-in to an offline session, a message
written in a thread of the program (all in that program), and their last sign-in
(the platform's, not a program's). Never active: None.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, null, select, type_coerce, union_all

from lms.accounts.models import User
from lms.announcements.models import Message, MessageThread
from lms.assignments.models import Assignment, Submission, SubmissionVersion
from lms.core.database import UTCDateTime
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.models import Completion, Item, QuizAttempt, Unit
from lms.live.models import ChatMessage, Connection, LiveSession
from lms.offline.models import CheckIn

# Beyond this many people a list is filtered by its programs only (an IN list of thousands of ids
# costs more than reading the programs' rows).
MAX_LISTED_IDS = 500


def _scoped(query, user_column, program_column, user_ids: set[int], program_ids: set[int]):
    query = query.where(program_column.in_(program_ids))
    if len(user_ids) <= MAX_LISTED_IDS:
        query = query.where(user_column.in_(user_ids))
    return query


def activity_sources(user_ids: set[int], program_ids: set[int]):
    """One SELECT per kind of activity, each giving (user_id, program_id, at); program_id NULL for sign-ins."""

    def row(user_column, program_column, at_column):
        return select(user_column.label("user_id"), program_column.label("program_id"), at_column.label("at"))

    sources = [
        _scoped(row(Completion.user_id, Unit.program_id, Completion.completed_at)
                .join(Item, Item.id == Completion.item_id).join(Unit, Unit.id == Item.unit_id),
                Completion.user_id, Unit.program_id, user_ids, program_ids),
        _scoped(row(SubmissionVersion.author_id, Unit.program_id, SubmissionVersion.submitted_at)
                .join(Submission, Submission.id == SubmissionVersion.submission_id)
                .join(Assignment, Assignment.id == Submission.assignment_id)
                .join(Item, Item.id == Assignment.item_id).join(Unit, Unit.id == Item.unit_id)
                .where(SubmissionVersion.submitted_at.is_not(None)),
                SubmissionVersion.author_id, Unit.program_id, user_ids, program_ids),
        _scoped(row(QuizAttempt.user_id, Unit.program_id, QuizAttempt.submitted_at)
                .join(Item, Item.id == QuizAttempt.item_id).join(Unit, Unit.id == Item.unit_id),
                QuizAttempt.user_id, Unit.program_id, user_ids, program_ids),
        _scoped(row(Connection.user_id, LiveSession.program_id, Connection.joined_at)
                .join(LiveSession, LiveSession.id == Connection.session_id),
                Connection.user_id, LiveSession.program_id, user_ids, program_ids),
        _scoped(row(ChatMessage.user_id, LiveSession.program_id, ChatMessage.created_at)
                .join(LiveSession, LiveSession.id == ChatMessage.session_id),
                ChatMessage.user_id, LiveSession.program_id, user_ids, program_ids),
        _scoped(row(CheckIn.user_id, LiveSession.program_id, CheckIn.checked_in_at)
                .join(LiveSession, LiveSession.id == CheckIn.session_id),
                CheckIn.user_id, LiveSession.program_id, user_ids, program_ids),
        _scoped(row(Message.author_id, MessageThread.program_id, Message.created_at)
                .join(MessageThread, MessageThread.id == Message.thread_id),
                Message.author_id, MessageThread.program_id, user_ids, program_ids),
        # The last sign-in, for the people enrolled in these programs.
        _scoped(row(User.id, type_coerce(null(), Enrolment.program_id.type), User.last_login_at)
                .join(Enrolment, Enrolment.user_id == User.id)
                .where(User.last_login_at.is_not(None)),
                User.id, Enrolment.program_id, user_ids, program_ids),
    ]
    return sources


def last_active(enrolments: Iterable[Enrolment]) -> dict[int, datetime | None]:
    """{user_id: when last active in the enrolment's program, or None}; one query.

    ``enrolments`` may belong to several programs; a person enrolled in two of
    them gets the latest of the two.
    """
    enrolments = list(enrolments)
    result: dict[int, datetime | None] = {enrolment.user_id: None for enrolment in enrolments}
    if not enrolments:
        return result
    wanted = {(enrolment.user_id, enrolment.program_id) for enrolment in enrolments}
    user_ids = {user_id for user_id, _program in wanted}
    program_ids = {program_id for _user, program_id in wanted}
    activity = union_all(*activity_sources(user_ids, program_ids)).subquery("activity")
    latest = type_coerce(func.max(activity.c.at), UTCDateTime)
    query = select(activity.c.user_id, activity.c.program_id, latest).group_by(
        activity.c.user_id, activity.c.program_id)
    for user_id, program_id, at in db.session.execute(query):
        if at is None or user_id not in result:
            continue
        if program_id is not None and (user_id, program_id) not in wanted:
            continue
        if result[user_id] is None or at > result[user_id]:
            result[user_id] = at
    return result

