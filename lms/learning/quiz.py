"""Quizzes: grading, attempts and question operations.

Grading is a set of pure functions (``normalise_answer``, ``grade_question``,
``grade``) that work on question objects and submitted answers only, so that
they can be tested without a database. An attempt stores what was graded: the
participant's answers and, per question, a snapshot of the prompt, the
choices, the points and the feedback as they were at that moment. Editing or
archiving a question later never changes an attempt that was already graded.

Rules:
- single choice: full points when the one chosen choice is correct;
- multiple choice ("select all that apply"): full points only when the
  selected set equals the set of correct choices;
- short answer: the answer is normalised (case, spaces, trailing
  punctuation) and compared with each accepted answer;
- unanswered: 0 points;
- passed: score * 100 / max_score >= pass mark (percent).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.extensions import db
from lms.learning.completion import record_completion
from lms.learning.models import Completion, Item, ItemKind, QuizAttempt, QuizChoice, QuizQuestion

DEFAULT_PASS_MARK = 50  # percent
DEFAULT_MAX_ATTEMPTS = None  # unlimited
CHOICE_KINDS = (QuizQuestion.SINGLE, QuizQuestion.MULTIPLE)
QUESTION_KINDS = (QuizQuestion.SINGLE, QuizQuestion.MULTIPLE, QuizQuestion.SHORT)
UP, DOWN = "up", "down"


def kind_label(kind: str) -> str:
    from flask_babel import gettext as _

    return {
        QuizQuestion.SINGLE: _("Single choice"),
        QuizQuestion.MULTIPLE: _("Multiple choice"),
        QuizQuestion.SHORT: _("Short answer"),
    }.get(kind, kind)


# Settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizSettings:
    pass_mark: int = DEFAULT_PASS_MARK
    max_attempts: int | None = DEFAULT_MAX_ATTEMPTS
    show_feedback: bool = True


def quiz_settings(item: Item) -> QuizSettings:
    """The quiz settings stored on the item, with defaults for missing or unreadable values."""
    raw = item.settings or {}
    try:
        pass_mark = int(raw.get("pass_mark", DEFAULT_PASS_MARK))
    except (TypeError, ValueError):
        pass_mark = DEFAULT_PASS_MARK
    pass_mark = min(max(pass_mark, 0), 100)
    max_attempts = raw.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
    try:
        max_attempts = int(max_attempts) if max_attempts not in (None, "", 0, "0") else None
    except (TypeError, ValueError):
        max_attempts = None
    if max_attempts is not None and max_attempts < 1:
        max_attempts = None
    show_feedback = raw.get("show_feedback", True)
    return QuizSettings(pass_mark=pass_mark, max_attempts=max_attempts, show_feedback=bool(show_feedback))


# Grading (pure) ---------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalise_answer(text: str | None) -> str:
    """Compare short answers ignoring case, surrounding and repeated spaces and trailing punctuation."""
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    value = _SPACES.sub(" ", value).strip()
    while value and unicodedata.category(value[-1]).startswith("P"):
        value = value[:-1].rstrip()
    return value


def percent_of(score: int, max_score: int) -> float:
    return score * 100 / max_score if max_score else 0.0


def whole_percent(score: int, max_score: int) -> int:
    """The percentage rounded down, so that what is shown agrees with the pass rule."""
    return score * 100 // max_score if max_score else 0


def is_pass(score: int, max_score: int, pass_mark: int) -> bool:
    """score * 100 / max_score >= pass_mark, in exact integer arithmetic."""
    if max_score <= 0:
        return False
    return score * 100 >= pass_mark * max_score


def _choice_ids(answer) -> list[int]:
    if answer is None:
        return []
    values = answer if isinstance(answer, (list, tuple, set)) else [answer]
    ids = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number not in ids:
            ids.append(number)
    return ids


def grade_question(question, answer, position: int = 0) -> dict:
    """Grade one answer; return the result stored in the attempt (a snapshot of what was graded).

    ``answer`` is a list of choice ids (single and multiple choice) or a text (short answer).
    """
    points = int(question.points or 0)
    result = {
        "position": position,
        "kind": question.kind,
        "prompt": question.prompt,
        "max_points": points,
        "feedback_correct": question.feedback_correct or "",
        "feedback_incorrect": question.feedback_incorrect or "",
    }
    if question.kind == QuizQuestion.SHORT:
        text = answer if isinstance(answer, str) else ""
        typed = _SPACES.sub(" ", text).strip()
        accepted = {normalise_answer(value) for value in question.accepted_answers or []}
        accepted.discard("")
        answered = bool(normalise_answer(typed))
        correct = answered and normalise_answer(typed) in accepted
        result.update(answered=bool(typed), answer=typed, correct_answers=list(question.accepted_answers or []),
                      choices=[], choice_feedback=[])
    else:
        choices = list(question.choices)
        valid_ids = {choice.id for choice in choices}
        selected = [choice_id for choice_id in _choice_ids(answer) if choice_id in valid_ids]
        correct_ids = {choice.id for choice in choices if choice.is_correct}
        answered = bool(selected)
        if question.kind == QuizQuestion.SINGLE:
            correct = len(selected) == 1 and selected[0] in correct_ids
        else:
            correct = answered and set(selected) == correct_ids
        result.update(
            answered=answered,
            answer=[choice.text for choice in choices if choice.id in selected],
            correct_answers=[choice.text for choice in choices if choice.is_correct],
            choices=[
                {"id": choice.id, "text": choice.text, "is_correct": bool(choice.is_correct),
                 "selected": choice.id in selected}
                for choice in choices
            ],
            choice_feedback=[
                {"text": choice.text, "feedback": choice.feedback}
                for choice in choices if choice.id in selected and choice.feedback
            ],
        )
    result["correct"] = bool(correct)
    result["points"] = points if correct else 0
    result["feedback"] = (question.feedback_correct if correct else question.feedback_incorrect) or ""
    return result


@dataclass
class Grade:
    score: int
    max_score: int
    passed: bool
    results: dict[str, dict]

    @property
    def percent(self) -> float:
        return percent_of(self.score, self.max_score)


def grade(questions: Iterable, answers: Mapping, pass_mark: int) -> Grade:
    """Grade a whole attempt. ``answers`` maps question ids (int or str) to answers."""
    results: dict[str, dict] = {}
    score = max_score = 0
    for position, question in enumerate(questions):
        answer = answers.get(str(question.id), answers.get(question.id))
        result = grade_question(question, answer, position)
        results[str(question.id)] = result
        score += result["points"]
        max_score += result["max_points"]
    return Grade(score=score, max_score=max_score, passed=is_pass(score, max_score, pass_mark), results=results)


def answer_field_name(question) -> str:
    return f"q-{question.id}"


def answers_from_form(questions: Iterable, formdata) -> dict[str, object]:
    """Read the submitted answers: choice ids for choice questions, text for short answers."""
    answers: dict[str, object] = {}
    for question in questions:
        name = answer_field_name(question)
        if question.kind == QuizQuestion.SHORT:
            answers[str(question.id)] = (formdata.get(name) or "")[:1000]
        else:
            values = formdata.getlist(name) if hasattr(formdata, "getlist") else formdata.get(name) or []
            answers[str(question.id)] = _choice_ids(values)
    return answers


def ordered_results(attempt: QuizAttempt) -> list[tuple[str, dict]]:
    """An attempt's stored results in the order the questions were asked."""
    return sorted((attempt.results or {}).items(), key=lambda pair: (pair[1].get("position", 0), pair[0]))


# Queries ----------------------------------------------------------------------------------


def questions_of(item: Item, include_archived: bool = False) -> list[QuizQuestion]:
    query = (
        select(QuizQuestion)
        .where(QuizQuestion.item_id == item.id)
        .options(selectinload(QuizQuestion.choices))
        .order_by(QuizQuestion.position, QuizQuestion.id)
    )
    if not include_archived:
        query = query.where(QuizQuestion.archived_at.is_(None))
    return list(db.session.scalars(query))


def attempts_of(item: Item, user) -> list[QuizAttempt]:
    return list(db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.item_id == item.id, QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.number)
    ))


def attempt_count(item: Item) -> int:
    return db.session.scalar(
        select(func.count()).select_from(QuizAttempt).where(QuizAttempt.item_id == item.id)
    ) or 0


def is_quiz(item: Item | None) -> bool:
    return item is not None and item.kind == ItemKind.QUIZ.value


@dataclass
class AttemptSummary:
    """A participant's standing on a quiz."""

    settings: QuizSettings
    attempts: list[QuizAttempt]

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def next_number(self) -> int:
        return max((attempt.number for attempt in self.attempts), default=0) + 1

    @property
    def remaining(self) -> int | None:
        if self.settings.max_attempts is None:
            return None
        return max(self.settings.max_attempts - self.used, 0)

    @property
    def can_attempt(self) -> bool:
        return self.remaining is None or self.remaining > 0

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.attempts)

    @property
    def best(self) -> QuizAttempt | None:
        if not self.attempts:
            return None
        return max(self.attempts, key=lambda a: (percent_of(a.score, a.max_score), a.score, -a.number))

    @property
    def reveals_answers(self) -> bool:
        """Correct answers are shown once the participant passed or has no attempts left."""
        return self.passed or not self.can_attempt


def attempt_summary(item: Item, user) -> AttemptSummary:
    return AttemptSummary(settings=quiz_settings(item), attempts=attempts_of(item, user))


def completed_item_ids(user, item: Item) -> set[int]:
    """Which of ``item``'s prerequisites ``user`` completed (what ``lock_for`` needs)."""
    required = item.prerequisite_ids
    if not required:
        return set()
    return set(db.session.scalars(
        select(Completion.item_id).where(Completion.user_id == user.id, Completion.item_id.in_(required))
    ))


# Taking a quiz ----------------------------------------------------------------------------


class QuizError(Exception):
    """An attempt that cannot be stored; ``message`` says why."""

    message = _l("This attempt could not be saved.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class AttemptLimitReached(QuizError):
    message = _l("You have used all your attempts at this quiz. Nothing was saved.")


class StaleQuizForm(QuizError):
    message = _l("This quiz page was out of date, so your answers were not saved. "
                 "The current page is shown: answer again and submit.")


class QuizHasNoQuestions(QuizError):
    message = _l("This quiz has no questions yet.")


class AlreadySubmitted(QuizError):
    """The same attempt was sent twice (a double click or a retried request)."""

    message = _l("This attempt was already submitted; here is its result.")

    def __init__(self, attempt: QuizAttempt):
        super().__init__()
        self.attempt = attempt


def _attempt_number(expected) -> int | None:
    try:
        number = int(expected)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def _existing_attempt(item: Item, user, number: int) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.item_id == item.id, QuizAttempt.user_id == user.id, QuizAttempt.number == number
        )
    )


def _attempt_numbers(item: Item, user) -> list[int]:
    return list(db.session.scalars(
        select(QuizAttempt.number).where(QuizAttempt.item_id == item.id, QuizAttempt.user_id == user.id)
    ))


def submit_attempt(user, item: Item, expected_number, formdata) -> QuizAttempt:
    """Grade and store an attempt; record completion at once when it passes.

    ``expected_number`` is the attempt number the quiz page was rendered for:
    a second POST of the same page (double click, retried request) finds the
    attempt already stored and raises ``AlreadySubmitted`` with it instead of
    storing a second one. The attempt limit is enforced here.
    """
    settings = quiz_settings(item)
    number = _attempt_number(expected_number)
    if number is not None:
        existing = _existing_attempt(item, user, number)
        if existing is not None:
            raise AlreadySubmitted(existing)
    numbers = _attempt_numbers(item, user)
    if settings.max_attempts is not None and len(numbers) >= settings.max_attempts:
        raise AttemptLimitReached()
    last = max(numbers, default=0)
    if number != last + 1:
        raise StaleQuizForm()
    questions = questions_of(item)
    if not questions:
        raise QuizHasNoQuestions()

    answers = answers_from_form(questions, formdata)
    graded = grade(questions, answers, settings.pass_mark)
    attempt = QuizAttempt(
        item_id=item.id, user_id=user.id, number=number, submitted_at=utcnow(), answers=answers,
        results=graded.results, score=graded.score, max_score=graded.max_score, passed=graded.passed,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # the same attempt arrived twice at the same moment
        existing = _existing_attempt(item, user, number)
        if existing is None:
            raise
        raise AlreadySubmitted(existing) from None
    if graded.passed:
        record_completion(user, item, "passed",
                          detail=f"attempt {number}, score {graded.score}/{graded.max_score}")
    return attempt


# Trainer overview -------------------------------------------------------------------------


@dataclass
class ParticipantResult:
    user: object
    attempts: list[QuizAttempt] = field(default_factory=list)
    enrolled: bool = True

    @property
    def best(self) -> QuizAttempt | None:
        if not self.attempts:
            return None
        return max(self.attempts, key=lambda a: (percent_of(a.score, a.max_score), a.score, -a.number))

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.attempts)

    @property
    def last_at(self):
        return max((attempt.submitted_at for attempt in self.attempts), default=None)


@dataclass
class QuestionStat:
    question: QuizQuestion
    answered: int = 0
    correct: int = 0

    @property
    def rate(self) -> int | None:
        return None if not self.answered else self.correct * 100 // self.answered


@dataclass
class QuizOverview:
    participants: list[ParticipantResult]
    questions: list[QuestionStat]
    attempt_count: int

    @property
    def passed_count(self) -> int:
        return sum(1 for row in self.participants if row.passed)

    @property
    def attempted_count(self) -> int:
        return sum(1 for row in self.participants if row.attempts)


def quiz_overview(item: Item) -> QuizOverview:
    """Per participant best score, attempts and pass; per question success rate (constant queries)."""
    from lms.accounts.models import User
    from lms.enrolment.models import Enrolment
    from lms.learning.access import LEARNING_STATUSES

    unit = item.unit
    query = (
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.program_id == unit.program_id, Enrolment.status.in_(LEARNING_STATUSES))
        .distinct()
    )
    if unit.module_id is not None:
        query = query.where(Enrolment.module_id == unit.module_id)
    learners = list(db.session.scalars(query))
    attempts = list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.item_id == item.id).order_by(QuizAttempt.user_id, QuizAttempt.number)
    ))
    rows = {user.id: ParticipantResult(user=user) for user in learners}
    missing = {attempt.user_id for attempt in attempts} - set(rows)
    if missing:  # withdrawn since: their attempts still count in the statistics
        for user in db.session.scalars(select(User).where(User.id.in_(missing))):
            rows[user.id] = ParticipantResult(user=user, enrolled=False)
    for attempt in attempts:
        rows[attempt.user_id].attempts.append(attempt)

    stats = {str(question.id): QuestionStat(question) for question in questions_of(item, include_archived=True)}
    for attempt in attempts:
        for question_id, result in (attempt.results or {}).items():
            stat = stats.get(question_id)
            if stat is None:
                continue
            stat.answered += 1
            stat.correct += 1 if result.get("correct") else 0
    participants = sorted(rows.values(), key=lambda row: (not row.enrolled, row.user.name.casefold(), row.user.id))
    return QuizOverview(participants=participants, questions=list(stats.values()), attempt_count=len(attempts))


# Question authoring -----------------------------------------------------------------------


@dataclass
class ChoiceData:
    text: str
    is_correct: bool = False
    feedback: str | None = None
    id: int | None = None


@dataclass
class QuestionData:
    kind: str
    prompt: str
    points: int
    choices: list[ChoiceData] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    feedback_correct: str | None = None
    feedback_incorrect: str | None = None


def _apply(question: QuizQuestion, data: QuestionData) -> None:
    question.kind = data.kind
    question.prompt = data.prompt
    question.points = data.points
    question.feedback_correct = data.feedback_correct
    question.feedback_incorrect = data.feedback_incorrect
    if data.kind == QuizQuestion.SHORT:
        question.accepted_answers = list(data.accepted_answers)
        return
    question.accepted_answers = []
    existing = {choice.id: choice for choice in question.choices}
    kept = []
    for position, row in enumerate(data.choices):
        choice = existing.pop(row.id, None) if row.id is not None else None
        if choice is None:
            choice = QuizChoice(question=question)
            db.session.add(choice)
        choice.text = row.text
        choice.is_correct = row.is_correct
        choice.feedback = row.feedback
        choice.position = position
        kept.append(choice)
    question.choices = kept
    # Rows the author cleared: attempts keep their own snapshot of the choices, so removing them is safe.
    for choice in existing.values():
        db.session.delete(choice)


def _next_position(item: Item) -> int:
    last = db.session.scalar(select(func.max(QuizQuestion.position)).where(QuizQuestion.item_id == item.id))
    return (last if last is not None else -1) + 1


def create_question(item: Item, data: QuestionData) -> QuizQuestion:
    question = QuizQuestion(item_id=item.id, position=_next_position(item), choices=[])
    db.session.add(question)
    _apply(question, data)
    db.session.flush()
    return question


def update_question(question: QuizQuestion, data: QuestionData, submitted_version) -> QuizQuestion:
    """Save an edit; attempts already graded keep what they stored.

    Raises ``EditConflict`` when the form was opened on an older version; a save
    by someone else between this check and the commit makes the commit raise
    ``StaleDataError`` (the version counter).
    """
    check_version(question, submitted_version)
    _apply(question, data)
    question.updated_at = utcnow()  # a row update even when only choices changed: the version moves on
    db.session.flush()
    return question


def archive_question(question: QuizQuestion) -> bool:
    if question.archived_at is not None:
        return False
    question.archived_at = utcnow()
    question.updated_at = utcnow()
    return True


def restore_question(question: QuizQuestion) -> bool:
    if question.archived_at is None:
        return False
    question.archived_at = None
    question.position = _next_position_after_active(question)
    question.updated_at = utcnow()
    return True


def _next_position_after_active(question: QuizQuestion) -> int:
    """A restored question goes to the end of the quiz."""
    last = db.session.scalar(
        select(func.max(QuizQuestion.position))
        .where(QuizQuestion.item_id == question.item_id, QuizQuestion.id != question.id)
    )
    return (last if last is not None else -1) + 1


def move_question(question: QuizQuestion, direction: str) -> bool:
    """Swap with the previous (up) or next (down) question still in use; False at either end."""
    siblings = list(db.session.scalars(
        select(QuizQuestion)
        .where(QuizQuestion.item_id == question.item_id, QuizQuestion.archived_at.is_(None))
        .order_by(QuizQuestion.position, QuizQuestion.id)
    ))
    if question not in siblings:
        return False
    index = siblings.index(question)
    other = index - 1 if direction == UP else index + 1
    if direction not in (UP, DOWN) or not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    return True
