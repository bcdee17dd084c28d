"""A participant's timeline: everything that happened to and by them in a program, newest first.

Sources: the enrolment's history, completions, submitted versions, grades
released, quiz attempts, live and offline attendance (with corrections and
check-ins), admission decisions, readiness answers, certificates,
notifications and messages. Each source that can grow is read newest first and
cut at the limit (one query each), so the page costs the same whatever the
person's activity; "show more" asks for a longer limit.

What a trainer does not see (``logistics`` False): readiness, the reasons of
decisions, notes on the enrolment history, notifications about readiness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms.announcements.models import Message, MessageThread
from lms.assignments.models import Assignment, Grade, GradeEvent, Submission, SubmissionVersion
from lms.enrolment.models import EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.learning.models import Completion, Item, QuizAttempt, Unit
from lms.learning.progress import how_label
from lms.notifications.kinds import get_kind

DEFAULT_LIMIT = 40
# Enrolment events that repeat a record shown on its own: an admission decision, a certificate.
RECORDED_ELSEWHERE = ("admission", "certificate", "certificate_revoked")
MAX_LIMIT = 1000

# Kinds of entries (CSS classes and the legend).
ENROLMENT = "enrolment"
COMPLETION = "completion"
SUBMISSION = "submission"
GRADE = "grade"
QUIZ = "quiz"
ATTENDANCE = "attendance"
CORRECTION = "correction"
CHECK_IN = "check_in"
DECISION = "decision"
READINESS = "readiness"
CERTIFICATE = "certificate"
NOTIFICATION = "notification"
MESSAGE = "message"


def kind_labels() -> dict[str, str]:
    return {
        ENROLMENT: _("Enrolment"),
        COMPLETION: pgettext("activity", "Completed"),
        SUBMISSION: pgettext("activity", "Submitted"),
        GRADE: _("Grade"),
        QUIZ: _("Quiz"),
        ATTENDANCE: _("Attendance"),
        CORRECTION: _("Correction"),
        CHECK_IN: _("Check-in"),
        DECISION: _("Decision"),
        READINESS: _("Readiness"),
        CERTIFICATE: _("Certificate"),
        NOTIFICATION: _("Notification"),
        MESSAGE: _("Message"),
    }


def notification_kind_label(kind: str) -> str:
    registered = get_kind(kind)
    return str(registered.label) if registered is not None else kind


def _status(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return EnrolmentStatus(value).label
    except ValueError:
        return value


@dataclass
class Entry:
    at: datetime
    kind: str
    text: str
    detail: str | None = None
    by: str | None = None  # who did it, when not the participant
    order: int = 0  # ties: a later record first

    @property
    def kind_label(self) -> str:
        return kind_labels().get(self.kind, self.kind)


@dataclass
class Timeline:
    entries: list[Entry] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    has_more: bool = False

    @property
    def next_limit(self) -> int:
        return min(self.limit * 2, MAX_LIMIT)


def clamp_limit(value) -> int:
    try:
        limit = int(value)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT
    return max(DEFAULT_LIMIT, min(limit, MAX_LIMIT))


def _enrolment_text(event: EnrolmentEvent) -> str:
    if event.action == "enrolled":
        return _("Enrolled (%(status)s)", status=_status(event.to_status))
    if event.action == "moved":
        return _("Moved: %(from)s → %(to)s", **{"from": event.from_value or _("no module"),
                                                 "to": event.to_value or _("no module")})
    if event.action == "group":
        return _("Group: %(from)s → %(to)s", **{"from": event.from_value or _("no group"),
                                                 "to": event.to_value or _("no group")})
    labels = {
        "admission": _("Admission decision"),
        "readiness": _("Participant's answer"),
        "certificate": _("Certificate issued"),
        "certificate_revoked": _("Certificate revoked"),
    }
    prefix = labels.get(event.action, _("Status"))
    return _("%(what)s: %(from)s → %(to)s", what=prefix, **{"from": _status(event.from_status),
                                                             "to": _status(event.to_status)})


def _owner_condition(enrolment):
    conditions = [Submission.user_id == enrolment.user_id]
    if enrolment.group_id is not None:
        conditions.append(Submission.group_id == enrolment.group_id)
    return or_(*conditions)


def build_timeline(page, notifications, *, limit: int) -> Timeline:
    """The merged timeline of a ``ParticipantPage`` (its loaded sections are reused) plus one query per
    source that can grow; ``notifications`` are the person's newest (at least ``limit + 1``)."""
    enrolment, program, logistics = page.enrolment, page.program, page.logistics
    user_id = enrolment.user_id
    fetch = limit + 1
    entries: list[Entry] = []

    # The enrolment's history (decisions and certificates come from their own records, below).
    for event in db.session.scalars(
        select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == enrolment.id,
                                     EnrolmentEvent.action.not_in(RECORDED_ELSEWHERE))
        .options(selectinload(EnrolmentEvent.actor))
        .order_by(EnrolmentEvent.at.desc(), EnrolmentEvent.id.desc()).limit(fetch)
    ):
        if event.action == "readiness" and not logistics:
            text = _("Answered about the offline phase: %(status)s", status=_status(event.to_status))
        else:
            text = _enrolment_text(event)
        by = event.actor.name if event.actor is not None and event.actor_id != user_id else None
        entries.append(Entry(event.at, ENROLMENT, text, detail=event.note if logistics else None, by=by,
                             order=event.id))

    # Items completed in the program.
    for completion, title in db.session.execute(
        select(Completion, Item.title).join(Item, Item.id == Completion.item_id)
        .join(Unit, Unit.id == Item.unit_id)
        .where(Completion.user_id == user_id, Unit.program_id == program.id)
        .order_by(Completion.completed_at.desc(), Completion.id.desc()).limit(fetch)
    ):
        entries.append(Entry(completion.completed_at, COMPLETION,
                             _("Completed “%(title)s” (%(how)s)", title=title, how=how_label(completion.how)),
                             detail=completion.detail, order=completion.id))

    # Versions submitted (their own, or their group's).
    for version, title in db.session.execute(
        select(SubmissionVersion, Item.title)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Item, Item.id == Assignment.item_id).join(Unit, Unit.id == Item.unit_id)
        .where(SubmissionVersion.submitted_at.is_not(None), Unit.program_id == program.id,
               _owner_condition(enrolment))
        .options(selectinload(SubmissionVersion.author))
        .order_by(SubmissionVersion.submitted_at.desc(), SubmissionVersion.id.desc()).limit(fetch)
    ):
        text = _("Submitted version %(number)d of “%(title)s”", number=version.number, title=title)
        entries.append(Entry(version.submitted_at, SUBMISSION, text,
                             detail=_("late") if version.is_late else None,
                             by=version.author.name if version.author_id != user_id else None, order=version.id))

    # Grades released.
    for event, title, points in db.session.execute(
        select(GradeEvent, Item.title, Assignment.points)
        .join(Grade, Grade.id == GradeEvent.grade_id)
        .join(Submission, Submission.id == Grade.submission_id)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Item, Item.id == Assignment.item_id).join(Unit, Unit.id == Item.unit_id)
        .where(GradeEvent.action == "released", Unit.program_id == program.id, _owner_condition(enrolment))
        .options(selectinload(GradeEvent.actor))
        .order_by(GradeEvent.at.desc(), GradeEvent.id.desc()).limit(fetch)
    ):
        score = (event.snapshot or {}).get("score")
        entries.append(Entry(event.at, GRADE, _("Grade released for “%(title)s”: %(score)s / %(points)s",
                                                title=title, score="—" if score is None else score,
                                                points=points),
                             by=event.actor.name if event.actor is not None else None, order=event.id))

    # Quiz attempts.
    for attempt, title in db.session.execute(
        select(QuizAttempt, Item.title).join(Item, Item.id == QuizAttempt.item_id)
        .join(Unit, Unit.id == Item.unit_id)
        .where(QuizAttempt.user_id == user_id, Unit.program_id == program.id)
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()).limit(fetch)
    ):
        text = _("Quiz “%(title)s”, attempt %(number)d: %(score)d / %(max)d", title=title, number=attempt.number,
                 score=attempt.score, max=attempt.max_score)
        entries.append(Entry(attempt.submitted_at, QUIZ, text, detail=_("passed") if attempt.passed else None,
                             order=attempt.id))

    # Attendance, corrections and check-ins (the page's sessions, already loaded).
    for line in page.attendance.online + page.attendance.offline:
        session, attendance = line.session, line.attendance
        if line.is_offline:
            if attendance.check_in is not None:
                check_in = attendance.check_in
                recorder = page.people.get(check_in.recorded_by_id)
                entries.append(Entry(check_in.checked_in_at, CHECK_IN,
                                     _("Checked in to “%(title)s”", title=session.title),
                                     detail=_("by QR code") if check_in.method == "qr" else _("recorded by hand"),
                                     by=recorder.name if recorder is not None else None, order=check_in.id))
        elif attendance.attended and not attendance.is_corrected:
            entries.append(Entry(attendance.first_join or session.starts_at, ATTENDANCE,
                                 _("Attended “%(title)s” (%(minutes)d min, %(percent)d%%)", title=session.title,
                                   minutes=attendance.minutes, percent=attendance.percent), order=session.id))
        elif attendance.connections and not attendance.is_corrected:
            entries.append(Entry(attendance.first_join or session.starts_at, ATTENDANCE,
                                 _("Joined “%(title)s” (%(minutes)d min, %(percent)d%%, not enough to count)",
                                   title=session.title, minutes=attendance.minutes, percent=attendance.percent),
                                 order=session.id))
        for correction in attendance.corrections:
            corrector = page.people.get(correction.corrected_by_id)
            text = (_("Attendance of “%(title)s” corrected to attended", title=session.title)
                    if correction.attended else
                    _("Attendance of “%(title)s” corrected to not attended", title=session.title))
            entries.append(Entry(correction.corrected_at, CORRECTION, text, detail=correction.reason,
                                 by=corrector.name if corrector is not None else None, order=correction.id))

    # Admission decisions.
    for decision in page.decisions:
        decider = page.people.get(decision.decided_by_id)
        text = _("Decision: %(decision)s", decision=_status(decision.decision))
        if decision.is_override:
            text += " " + _("(against the rules)")
        entries.append(Entry(decision.decided_at, DECISION, text,
                             detail=decision.reason if logistics else None,
                             by=decider.name if decider is not None else None, order=decision.id))

    # Readiness: when the person accepted the terms (the answers are in the enrolment's history).
    if logistics and page.readiness is not None and page.readiness.readiness is not None:
        readiness = page.readiness.readiness
        if readiness.terms_accepted_at is not None:
            entries.append(Entry(readiness.terms_accepted_at, READINESS, _("Accepted the participation terms"),
                                 order=readiness.id))

    # Certificates.
    for certificate in page.certificates:
        issuer = page.people.get(certificate.issued_by_id)
        entries.append(Entry(certificate.issued_at, CERTIFICATE, _("Certificate issued"),
                             detail=certificate.code, by=issuer.name if issuer is not None else None,
                             order=certificate.id))
        if certificate.revoked_at is not None:
            revoker = page.people.get(certificate.revoked_by_id)
            entries.append(Entry(certificate.revoked_at, CERTIFICATE, _("Certificate revoked"),
                                 detail=certificate.revocation_reason if logistics else None,
                                 by=revoker.name if revoker is not None else None, order=certificate.id))

    # Notifications sent to them.
    for notification in notifications[:fetch]:
        entries.append(Entry(notification.created_at, NOTIFICATION,
                             _("Notified: %(title)s", title=notification.title),
                             detail=notification_kind_label(notification.kind), order=notification.id))

    # Messages in their threads of this program.
    for message, subject in db.session.execute(
        select(Message, MessageThread.subject).join(MessageThread, MessageThread.id == Message.thread_id)
        .where(MessageThread.program_id == program.id, MessageThread.participant_id == user_id)
        .options(selectinload(Message.author))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(fetch)
    ):
        if message.author_id == user_id:
            text = _("Wrote in “%(subject)s”", subject=subject)
            by = None
        else:
            text = _("Message received in “%(subject)s”", subject=subject)
            by = message.author.name if message.author is not None else None
        entries.append(Entry(message.created_at, MESSAGE, text, by=by, order=message.id))

    entries.sort(key=lambda entry: (entry.at, entry.order), reverse=True)
    return Timeline(entries=entries[:limit], limit=limit, has_more=len(entries) > limit)

