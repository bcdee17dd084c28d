"""Quizzes: question authoring, taking a quiz, automatic grading, results.

Access:
- question pages (list, add, edit, archive, restore, move): ``can_author_unit`` (the module's trainers
  and coordinators; program-wide units: coordinators);
- taking a quiz: ``can_view_unit``; participants (``is_learner``) answer it when it is visible and unlocked;
  trainers and coordinators see a preview with the correct answers and cannot submit;
- an attempt's result: its owner, and whoever may author the unit (the module's trainers, coordinators);
- the results overview: ``can_author_unit``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms.core.concurrency import EditConflict
from lms.core.permissions import authenticated, require
from lms.extensions import db
from lms.learning import quiz
from lms.learning.access import can_author_unit, can_view_unit, is_learner
from lms.learning.models import Item, QuizAttempt, QuizQuestion
from lms.learning.quiz_forms import QuestionForm, SubmitQuizForm
from lms.learning.release import lock_for, visible_to_participants

bp = Blueprint("quizzes", __name__)


# Helpers ------------------------------------------------------------------------------


def _quiz_or_404(item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if not quiz.is_quiz(item):
        abort(404)
    return item


def _question_or_404(question_id: int, populate_existing: bool = False) -> QuizQuestion:
    question = db.session.get(QuizQuestion, question_id, options=[selectinload(QuizQuestion.choices)],
                              populate_existing=populate_existing)
    if question is None:
        abort(404)
    item = db.session.get(Item, question.item_id)
    if not quiz.is_quiz(item):
        abort(404)
    return question


def _authored_quiz(item_id: int) -> Item:
    item = _quiz_or_404(item_id)
    require(can_author_unit(current_user, item.unit))
    return item


def _authored_question(question_id: int) -> tuple[QuizQuestion, Item]:
    question = _question_or_404(question_id)
    item = db.session.get(Item, question.item_id)
    require(can_author_unit(current_user, item.unit))
    return question, item


def _questions_url(item: Item, anchor: str | None = None, **args) -> str:
    url = url_for("quizzes.edit_questions", item_id=item.id, **args)
    return f"{url}#{anchor}" if anchor else url


def _context(item: Item) -> dict:
    """What every quiz page shows around its content: the unit, module and program."""
    unit = item.unit
    return {"item": item, "unit": unit, "module": unit.module, "program": unit.program,
            "settings": quiz.quiz_settings(item), "kind_label": quiz.kind_label}


# Question authoring -------------------------------------------------------------------


@bp.get("/quizzes/<int:item_id>/questions")
@authenticated
def edit_questions(item_id):
    item = _authored_quiz(item_id)
    show_archived = request.args.get("archived") == "1"
    questions = quiz.questions_of(item, include_archived=True)
    active = [question for question in questions if question.archived_at is None]
    archived = [question for question in questions if question.archived_at is not None]
    return render_template(
        "learning/quiz/questions.html",
        active=active,
        archived=archived,
        show_archived=show_archived,
        max_score=sum(question.points for question in active),
        attempt_count=quiz.attempt_count(item),
        kinds=[(kind, quiz.kind_label(kind)) for kind in quiz.QUESTION_KINDS],
        **_context(item),
    )


def _render_question_form(item, form, *, question=None, conflict=None, preview=False):
    return render_template(
        "learning/quiz/question_form.html",
        form=form,
        question=question,
        conflict=conflict,
        conflict_message=EditConflict.message,
        preview=preview,
        **_context(item),
    )


def _wants_preview() -> bool:
    """The "Preview" button: show the question as participants will see it, save nothing."""
    return request.method == "POST" and request.form.get("preview") == "1"


@bp.route("/quizzes/<int:item_id>/questions/new", methods=["GET", "POST"])
@authenticated
def add_question(item_id):
    item = _authored_quiz(item_id)
    kind = request.args.get("kind", quiz.QuizQuestion.SINGLE)
    if kind not in quiz.QUESTION_KINDS:
        kind = QuizQuestion.SINGLE
    form = QuestionForm(kind=kind)
    if _wants_preview():
        form.validate()
        return _render_question_form(item, form, preview=True)
    if form.validate_on_submit():
        question = quiz.create_question(item, form.question_data())
        db.session.commit()
        flash(_("Question added."), "success")
        return redirect(_questions_url(item, anchor=f"question-{question.id}"))
    return _render_question_form(item, form)


@bp.route("/quiz-questions/<int:question_id>/edit", methods=["GET", "POST"])
@authenticated
def edit_question(question_id):
    question, item = _authored_question(question_id)
    if request.method == "GET":
        form = QuestionForm(kind=question.kind, question=question)
    else:
        form = QuestionForm(kind=question.kind)
    conflict = None
    if _wants_preview():
        form.validate()
        return _render_question_form(item, form, question=question, preview=True)
    if form.validate_on_submit():
        try:
            quiz.update_question(question, form.question_data(), form.version.data)
            db.session.commit()
        except EditConflict:
            db.session.rollback()
        except StaleDataError:  # saved by someone else between our check and our commit
            db.session.rollback()
        else:
            flash(_("Question saved. Attempts already graded keep their results."), "success")
            return redirect(_questions_url(item, anchor=f"question-{question.id}"))
        # Their saved values (choices included) are shown; the form keeps what was typed and takes
        # the current version, so saving again overwrites knowingly.
        conflict = _question_or_404(question_id, populate_existing=True)
        form.version.data = conflict.version
    return _render_question_form(item, form, question=conflict or question, conflict=conflict)


def _commit_list_change() -> bool:
    """Commit an archive, restore or move; False (nothing saved, message flashed) if a question of
    the list was saved by someone else at the same moment (the version counter refused it)."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed these questions at the same moment, so nothing was changed. "
                "Check the list and try again."), "error")
        return False
    return True


@bp.post("/quiz-questions/<int:question_id>/archive")
@authenticated
def archive_question(question_id):
    question, item = _authored_question(question_id)
    if quiz.archive_question(question) and _commit_list_change():
        flash(_("Question archived: new attempts no longer ask it; past attempts still show it. "
                "You can restore it."), "success")
    return redirect(_questions_url(item))


@bp.post("/quiz-questions/<int:question_id>/restore")
@authenticated
def restore_question(question_id):
    question, item = _authored_question(question_id)
    if quiz.restore_question(question) and _commit_list_change():
        flash(_("Question restored at the end of the quiz."), "success")
    return redirect(_questions_url(item, anchor=f"question-{question.id}"))


@bp.post("/quiz-questions/<int:question_id>/move")
@authenticated
def move_question(question_id):
    question, item = _authored_question(question_id)
    direction = request.form.get("direction")
    if direction not in (quiz.UP, quiz.DOWN):
        abort(400)
    if quiz.move_question(question, direction):
        _commit_list_change()
    return redirect(_questions_url(item, anchor=f"question-{question.id}"))


# Taking a quiz ------------------------------------------------------------------------


def _participant_lock(item: Item):
    return lock_for(item, quiz.completed_item_ids(current_user, item))


@bp.get("/quizzes/<int:item_id>")
@authenticated
def take(item_id):
    item = _quiz_or_404(item_id)
    unit = item.unit
    require(can_view_unit(current_user, unit))
    learner = is_learner(current_user, unit)
    if learner and not _visible(item):
        abort(404)
    return _render_take(item, learner=learner)


def _visible(item: Item) -> bool:
    """Hidden or archived quizzes (or units, or modules) do not exist for participants."""
    module = item.unit.module
    return visible_to_participants(item) and (module is None or module.archived_at is None)


def _render_take(item: Item, *, learner: bool, status: int = 200):
    context = _context(item)
    if not learner:  # trainers and coordinators: a preview with the correct answers
        questions = quiz.questions_of(item)
        return render_template(
            "learning/quiz/take.html", mode="preview", questions=questions,
            can_author=can_author_unit(current_user, item.unit),
            max_score=sum(question.points for question in questions), **context,
        ), status
    lock = _participant_lock(item)
    summary = quiz.attempt_summary(item, current_user)
    if lock.is_locked:  # why it is locked and what unlocks it, never the questions
        return render_template("learning/quiz/take.html", mode="locked", lock=lock, summary=summary,
                               questions=[], **context), 403
    questions = quiz.questions_of(item) if summary.can_attempt else []
    form = SubmitQuizForm(formdata=None, expected_number=summary.next_number)
    return render_template(
        "learning/quiz/take.html", mode="take", questions=questions, summary=summary, form=form,
        max_score=sum(question.points for question in questions), field_name=quiz.answer_field_name,
        **context,
    ), status


@bp.post("/quizzes/<int:item_id>/submit")
@authenticated
def submit(item_id):
    item = _quiz_or_404(item_id)
    unit = item.unit
    require(can_view_unit(current_user, unit))
    # Only participants answer; trainers and coordinators preview.
    require(is_learner(current_user, unit))
    if not _visible(item):
        abort(404)
    lock = _participant_lock(item)
    if lock.is_locked:
        context = _context(item)
        return render_template("learning/quiz/take.html", mode="locked", lock=lock,
                               summary=quiz.attempt_summary(item, current_user), questions=[], **context), 403
    form = SubmitQuizForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        attempt = quiz.submit_attempt(current_user, item, form.expected_number.data, request.form)
        db.session.commit()
    except quiz.AlreadySubmitted as already:
        db.session.rollback()
        flash(already.message, "info")
        return redirect(url_for("quizzes.attempt", attempt_id=already.attempt.id))
    except quiz.QuizError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("quizzes.take", item_id=item.id))
    if attempt.passed:
        flash(_("You passed this quiz. It is marked as complete."), "success")
    else:
        flash(_("Your answers were saved and graded."), "info")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


# Results ------------------------------------------------------------------------------


def can_view_attempt(user, attempt: QuizAttempt) -> bool:
    """The participant who made it, the module's trainers and coordinators."""
    if not user.is_authenticated:
        return False
    if attempt.user_id == user.id:
        return True
    return can_author_unit(user, attempt.item.unit)


@bp.get("/quiz-attempts/<int:attempt_id>")
@authenticated
def attempt(attempt_id):
    record = db.session.get(QuizAttempt, attempt_id)
    if record is None or not quiz.is_quiz(record.item):
        abort(404)
    require(can_view_attempt(current_user, record))
    item = record.item
    own = record.user_id == current_user.id
    if own:
        summary = quiz.attempt_summary(item, current_user)
        reveal = summary.reveals_answers
        show_feedback = quiz.quiz_settings(item).show_feedback
        person = current_user
    else:
        from lms.accounts.models import User

        person = db.session.get(User, record.user_id)
        summary = quiz.AttemptSummary(settings=quiz.quiz_settings(item),
                                      attempts=quiz.attempts_of(item, person))
        reveal = True
        show_feedback = True
    return render_template(
        "learning/quiz/attempt.html",
        attempt=record,
        results=quiz.ordered_results(record),
        percent=quiz.whole_percent(record.score, record.max_score),
        summary=summary,
        reveal=reveal,
        show_feedback=show_feedback,
        own=own,
        person=person,
        **_context(item),
    )


@bp.get("/quizzes/<int:item_id>/results")
@authenticated
def results(item_id):
    item = _authored_quiz(item_id)
    overview = quiz.quiz_overview(item)
    return render_template("learning/quiz/results.html", overview=overview, percent=quiz.whole_percent,
                           **_context(item))
