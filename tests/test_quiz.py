"""Quizzes: question authoring, taking a quiz, attempts, completion, results and who may do what."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.core.database import utcnow
from lms.learning.models import Completion, QuizAttempt, QuizChoice, QuizQuestion
from tests import factories as f
from tests.helpers import form_errors, post_form

# Helpers ---------------------------------------------------------------------------------


@pytest.fixture
def unit(world):
    return f.make_unit(world.module, title="Week 1")


@pytest.fixture
def quiz(db, unit):
    item = f.make_quiz(unit, title="Week 1 quiz", pass_mark=60, max_attempts=3)
    db.session.commit()
    return item


def questions(db, item, include_archived=False):
    query = select(QuizQuestion).where(QuizQuestion.item_id == item.id).order_by(QuizQuestion.position,
                                                                                 QuizQuestion.id)
    if not include_archived:
        query = query.where(QuizQuestion.archived_at.is_(None))
    return list(db.session.scalars(query))


def answer_data(db, item, right=True, number=None):
    """Form data answering every question of ``item`` rightly (or wrongly)."""
    data = {}
    for question in questions(db, item):
        name = f"q-{question.id}"
        if question.kind == "short":
            data[name] = "  south KOREA. " if right else "France"
        else:
            correct = [str(c.id) for c in question.choices if c.is_correct]
            wrong = [str(c.id) for c in question.choices if not c.is_correct]
            data[name] = correct if right else wrong[:1]
    if number is not None:
        data["expected_number"] = str(number)
    return data


def submit(client, db, item, right=True, number=1):
    return post_form(client, f"/quizzes/{item.id}/submit", answer_data(db, item, right, number))


def attempts(db, item, user=None):
    query = select(QuizAttempt).where(QuizAttempt.item_id == item.id)
    if user is not None:
        query = query.where(QuizAttempt.user_id == user.id)
    return list(db.session.scalars(query.order_by(QuizAttempt.number)))


def completion(db, item, user):
    return db.session.scalar(select(Completion).where(Completion.item_id == item.id, Completion.user_id == user.id))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# Taking a quiz ---------------------------------------------------------------------------


def test_participant_sees_the_quiz_with_rules_and_no_correct_answers(client, login, world, quiz):
    login(client, world.participant)
    response = client.get(f"/quizzes/{quiz.id}")
    assert response.status_code == 200
    html = text(response)
    assert "Which city hosts the General track?" in html
    assert "Select all that apply" in html
    assert "60% of the points" in html
    assert "0 of 3 used" in html
    assert re.search(r'<input[^>]*name="expected_number"[^>]*value="1"', html)
    assert "badge-ok" not in html  # no correct answers marked
    assert "Korea" not in html  # accepted short answers are never sent


def test_passing_attempt_is_graded_and_records_completion_at_once(client, login, world, db, quiz):
    login(client, world.participant)
    response = submit(client, db, quiz, right=True, number=1)
    assert response.status_code == 302
    [attempt] = attempts(db, quiz, world.participant)
    assert (attempt.number, attempt.score, attempt.max_score, attempt.passed) == (1, 3, 3, True)
    assert all(result["correct"] for result in attempt.results.values())
    done = completion(db, quiz, world.participant)
    assert done is not None and done.how == "passed" and done.detail == "attempt 1, score 3/3"
    page = text(client.get(response.headers["Location"]))
    assert "3 of 3 points (100%)" in page and "Passed" in page


def test_failing_attempt_records_no_completion(client, login, world, db, quiz):
    login(client, world.participant)
    submit(client, db, quiz, right=False, number=1)
    [attempt] = attempts(db, quiz, world.participant)
    assert attempt.passed is False and attempt.score == 0
    assert completion(db, quiz, world.participant) is None


def test_unanswered_quiz_is_stored_with_zero(client, login, world, db, quiz):
    login(client, world.participant)
    post_form(client, f"/quizzes/{quiz.id}/submit", {"expected_number": "1"})
    [attempt] = attempts(db, quiz, world.participant)
    assert attempt.score == 0 and attempt.max_score == 3
    assert all(result["answered"] is False for result in attempt.results.values())


def test_pass_mark_exactly_reached_passes(client, login, world, db, unit):
    item = f.make_quiz(unit, pass_mark=50, questions=[
        ("single", "One", [("Right", True), ("Wrong", False)]),
        ("single", "Two", [("Right", True), ("Wrong", False)]),
    ])
    db.session.commit()
    first, second = questions(db, item)
    login(client, world.participant)
    right = next(c.id for c in first.choices if c.is_correct)
    wrong = next(c.id for c in second.choices if not c.is_correct)
    post_form(client, f"/quizzes/{item.id}/submit",
              {f"q-{first.id}": str(right), f"q-{second.id}": str(wrong), "expected_number": "1"})
    [attempt] = attempts(db, item)
    assert (attempt.score, attempt.max_score, attempt.passed) == (1, 2, True)
    assert completion(db, item, world.participant).detail == "attempt 1, score 1/2"


def test_attempt_limit_is_enforced_on_the_server(client, login, world, db, unit):
    item = f.make_quiz(unit, max_attempts=1)
    db.session.commit()
    login(client, world.participant)
    submit(client, db, item, right=False, number=1)
    response = submit(client, db, item, right=True, number=2)
    assert response.status_code == 302
    assert len(attempts(db, item)) == 1
    assert completion(db, item, world.participant) is None
    page = text(client.get(response.headers["Location"]))
    assert "You have used all your attempts at this quiz. Nothing was saved." in page
    assert "Submit answers" not in page


def test_quiz_page_without_attempts_left_shows_no_form(client, login, world, db, unit):
    item = f.make_quiz(unit, max_attempts=1)
    db.session.commit()
    login(client, world.participant)
    submit(client, db, item, right=False, number=1)
    page = text(client.get(f"/quizzes/{item.id}"))
    assert "You have used your 1 attempt." in page
    assert 'action="/quizzes/%d/submit"' % item.id not in page


def test_double_submit_stores_one_attempt_and_shows_it(client, login, world, db, quiz):
    login(client, world.participant)
    first = submit(client, db, quiz, right=True, number=1)
    again = submit(client, db, quiz, right=False, number=1)
    assert len(attempts(db, quiz)) == 1
    assert again.headers["Location"] == first.headers["Location"]
    page = text(client.get(again.headers["Location"]))
    assert "This attempt was already submitted" in page
    assert attempts(db, quiz)[0].passed is True


def test_duplicate_number_racing_past_the_check_stores_one_attempt(client, login, world, db, quiz, monkeypatch):
    """Two requests for the same attempt at the same moment: the unique constraint keeps one."""
    from lms.learning import quiz as quiz_module

    login(client, world.participant)
    first = submit(client, db, quiz, number=1)
    # The second request checked before the first one was stored: it saw no attempt at all.
    real_existing = quiz_module._existing_attempt
    calls = []

    def existing(item, user, number):
        calls.append(number)
        return None if len(calls) == 1 else real_existing(item, user, number)

    monkeypatch.setattr(quiz_module, "_existing_attempt", existing)
    monkeypatch.setattr(quiz_module, "_attempt_numbers", lambda item, user: [])
    again = submit(client, db, quiz, right=False, number=1)
    assert len(calls) == 2  # the insert failed on the unique constraint, then the stored attempt was read
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    [attempt] = attempts(db, quiz)
    assert attempt.passed is True


def test_stale_page_number_is_refused(client, login, world, db, quiz):
    login(client, world.participant)
    response = submit(client, db, quiz, number=5)
    assert response.status_code == 302
    assert attempts(db, quiz) == []
    assert "out of date" in text(client.get(response.headers["Location"]))


def test_second_attempt_after_passing_keeps_first_completion(client, login, world, db, quiz):
    login(client, world.participant)
    submit(client, db, quiz, right=True, number=1)
    submit(client, db, quiz, right=True, number=2)
    assert [a.number for a in attempts(db, quiz)] == [1, 2]
    assert completion(db, quiz, world.participant).detail == "attempt 1, score 3/3"


def test_locked_by_prerequisite_shows_reasons_and_refuses_answers(client, login, world, db, unit):
    lesson = f.make_item(unit, "lesson", title="Read this first")
    item = f.make_quiz(unit, prerequisites=[lesson], body="Secret instructions")
    db.session.commit()
    login(client, world.participant)
    page = client.get(f"/quizzes/{item.id}")
    assert page.status_code == 403
    html = text(page)
    assert "This quiz is locked" in html and "Read this first" in html
    assert f'href="/learn/items/{lesson.id}"' in html  # what unlocks it
    assert "Which city hosts" not in html and "Secret instructions" not in html
    response = submit(client, db, item, number=1)
    assert response.status_code == 403
    assert attempts(db, item) == []

    db.session.add(Completion(user_id=world.participant.id, item_id=lesson.id, how="viewed"))
    db.session.commit()
    assert "Which city hosts" in text(client.get(f"/quizzes/{item.id}"))
    submit(client, db, item, number=1)
    assert len(attempts(db, item)) == 1


def test_quiz_opening_later_is_locked(client, login, world, db, unit):
    item = f.make_quiz(unit, opens_at=utcnow() + timedelta(days=2))
    db.session.commit()
    login(client, world.participant)
    page = client.get(f"/quizzes/{item.id}")
    assert page.status_code == 403
    html = text(page)
    assert "This quiz is locked" in html and "Opens on" in html
    assert "It opens by itself on" in html and "in 2 days" in html
    assert "Which city hosts" not in html
    assert submit(client, db, item, number=1).status_code == 403
    assert attempts(db, item) == []


@pytest.mark.parametrize("hide", ["item", "unit", "archived"])
def test_hidden_quiz_does_not_exist_for_participants(client, login, world, db, unit, quiz, hide):
    if hide == "item":
        quiz.hidden = True
    elif hide == "unit":
        unit.hidden = True
    else:
        quiz.archived_at = utcnow()
    db.session.commit()
    login(client, world.participant)
    assert client.get(f"/quizzes/{quiz.id}").status_code == 404
    assert submit(client, db, quiz, number=1).status_code == 404
    assert attempts(db, quiz) == []


def test_participant_of_another_module_is_refused(client, login, world, db, quiz):
    login(client, world.other_participant)
    assert client.get(f"/quizzes/{quiz.id}").status_code == 403
    assert submit(client, db, quiz, number=1).status_code == 403
    assert attempts(db, quiz) == []


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_trainers_and_coordinators_preview_with_answers_and_cannot_submit(client, login, world, db, quiz, role):
    login(client, getattr(world, role))
    html = text(client.get(f"/quizzes/{quiz.id}"))
    assert "Preview" in html and "Only participants can submit answers" in html
    assert "South Korea" in html  # accepted answers shown to staff
    assert html.count("badge badge-ok") >= 3  # correct choices marked
    assert "Submit answers" not in html
    assert submit(client, db, quiz, number=1).status_code == 403
    assert attempts(db, quiz) == []


def test_program_wide_quiz_is_taken_by_any_participant_of_the_program(client, login, world, db):
    unit = f.make_unit(None, program=world.program, title="Orientation")
    item = f.make_quiz(unit)
    db.session.commit()
    login(client, world.other_participant)
    submit(client, db, item, number=1)
    assert len(attempts(db, item, world.other_participant)) == 1


def test_not_a_quiz_is_404(client, login, world, db, unit):
    lesson = f.make_item(unit, "lesson")
    db.session.commit()
    login(client, world.coordinator)
    for url in (f"/quizzes/{lesson.id}", f"/quizzes/{lesson.id}/questions", f"/quizzes/{lesson.id}/results"):
        assert client.get(url).status_code == 404


# Attempt page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [
    ("participant", 200), ("other_participant", 403), ("trainer", 200), ("other_trainer", 403),
    ("coordinator", 200),
])
def test_attempt_page_access(client, login, world, db, quiz, role, status):
    login(client, world.participant)
    location = submit(client, db, quiz, right=False, number=1).headers["Location"]
    login(client, getattr(world, role))
    response = client.get(location)
    assert response.status_code == status
    if status == 200 and role != "participant":
        assert "Amina Participant" in text(response)


def test_correct_answers_hidden_until_passed_or_out_of_attempts(client, login, world, db, unit):
    item = f.make_quiz(unit, max_attempts=2)
    db.session.commit()
    login(client, world.participant)
    first = text(client.get(submit(client, db, item, right=False, number=1).headers["Location"]))
    assert "Correct answer" not in first and "South Korea" not in first
    assert "The correct answers are shown once you pass the quiz or have used all your attempts." in first
    last = text(client.get(submit(client, db, item, right=False, number=2).headers["Location"]))
    assert "Correct answer" in last and "South Korea" in last
    assert "no attempts left" in last


def test_feedback_per_question_and_choice(client, login, world, db, quiz):
    question = questions(db, quiz)[0]
    question.feedback_incorrect = "Look at the **track** page."
    wrong = next(c for c in question.choices if not c.is_correct)
    wrong.feedback = "Paris hosts no track."
    db.session.commit()
    login(client, world.participant)
    page = text(client.get(submit(client, db, quiz, right=False, number=1).headers["Location"]))
    assert "Look at the <strong>track</strong> page." in page
    assert "Paris hosts no track." in page


def test_feedback_hidden_when_the_quiz_does_not_show_it(client, login, world, db, quiz):
    question = questions(db, quiz)[0]
    question.feedback_incorrect = "Secret hint"
    quiz.settings = {**quiz.settings, "show_feedback": False}
    db.session.commit()
    login(client, world.participant)
    location = submit(client, db, quiz, right=False, number=1).headers["Location"]
    page = text(client.get(location))
    assert "0 of 3 points (0%)" in page
    assert "Secret hint" not in page and "Incorrect" not in page and "Which city hosts" not in page
    login(client, world.trainer)
    assert "Secret hint" in text(client.get(location))


def test_archived_question_not_asked_again_but_old_attempt_still_shows_it(client, login, world, db, quiz):
    login(client, world.participant)
    location = submit(client, db, quiz, right=True, number=1).headers["Location"]
    first = questions(db, quiz)[0]
    login(client, world.trainer)
    post_form(client, f"/quiz-questions/{first.id}/archive")
    assert questions(db, quiz, include_archived=True)[0].archived_at is not None

    login(client, world.participant)
    assert "Which city hosts" not in text(client.get(f"/quizzes/{quiz.id}"))
    submit(client, db, quiz, right=True, number=2)
    second = attempts(db, quiz)[1]
    assert str(first.id) not in second.results and second.max_score == 2
    old = text(client.get(location))
    assert "Which city hosts the General track?" in old and "3 of 3 points" in old


def test_editing_a_question_keeps_graded_attempts(client, login, world, db, quiz):
    login(client, world.participant)
    submit(client, db, quiz, right=True, number=1)
    attempt = attempts(db, quiz)[0]
    before = dict(attempt.results)
    first = questions(db, quiz)[0]
    login(client, world.trainer)
    page = client.get(f"/quiz-questions/{first.id}/edit")
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', page.get_data(as_text=True)).group(1)
    choices = first.choices
    response = post_form(client, f"/quiz-questions/{first.id}/edit", {
        "version": version, "kind": "single", "prompt": "Which city hosts the Intensive track?", "points": "5",
        "choices-0-id": str(choices[0].id), "choices-0-text": "Seoul", "choices-0-is_correct": "y",
        "choices-1-id": str(choices[1].id), "choices-1-text": "Daegu",
        "choices-2-text": "", "choices-3-text": "",
    })
    assert response.status_code == 302
    db.session.expire_all()
    edited = questions(db, quiz)[0]
    assert edited.prompt == "Which city hosts the Intensive track?" and edited.points == 5
    assert [c.text for c in edited.choices] == ["Seoul", "Daegu"]
    attempt = attempts(db, quiz)[0]
    assert attempt.results == before and attempt.score == 3 and attempt.max_score == 3
    login(client, world.participant)
    assert "Which city hosts the General track?" in text(client.get(f"/quiz-attempts/{attempt.id}"))


# Question authoring ----------------------------------------------------------------------


def _choice_rows(rows):
    data = {}
    for index, (text_, correct) in enumerate(rows):
        data[f"choices-{index}-text"] = text_
        if correct:
            data[f"choices-{index}-is_correct"] = "y"
    return data


@pytest.mark.parametrize("kind, rows, message", [
    ("single", [("Seoul", True), ("Busan", True)], "Tick exactly one correct choice"),
    ("single", [("Seoul", False), ("Busan", False)], "Tick exactly one correct choice"),
    ("multiple", [("Seoul", False), ("Busan", False), ("Daegu", False)], "Tick at least one correct choice."),
    ("single", [("Seoul", True)], "Enter at least two choices."),
    ("multiple", [("Seoul", True), ("", False), ("", False)], "Enter at least two choices."),
    ("single", [("Seoul", True), ("seoul", False)], "Two choices have the same text"),
])
def test_choice_question_validation(client, login, world, db, quiz, kind, rows, message):
    login(client, world.trainer)
    before = len(questions(db, quiz))
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind={kind}",
                         {"kind": kind, "prompt": "Where is the *offline* phase?", "points": "2", **_choice_rows(rows)})
    assert response.status_code == 200
    assert any(message in error for error in form_errors(response.get_data(as_text=True)))
    html = response.get_data(as_text=True)
    assert "Where is the *offline* phase?" in html  # typed values kept
    assert 'value="Seoul"' in html
    assert len(questions(db, quiz)) == before


def test_row_with_feedback_but_no_text_is_flagged(client, login, world, db, quiz):
    login(client, world.trainer)
    data = {"kind": "single", "prompt": "Q", "points": "1", **_choice_rows([("A", True), ("B", False)]),
            "choices-2-text": "", "choices-2-is_correct": "y"}
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=single", data)
    assert "Enter the choice's text, or clear the row." in form_errors(response.get_data(as_text=True))


def test_short_question_needs_an_accepted_answer(client, login, world, db, quiz):
    login(client, world.trainer)
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=short",
                         {"kind": "short", "prompt": "Capital of Korea?", "points": "1", "accepted_answers": " \n  \n"})
    assert response.status_code == 200
    assert "Enter at least one accepted answer." in form_errors(response.get_data(as_text=True))
    assert len(questions(db, quiz)) == 3


@pytest.mark.parametrize("points, message", [("0", "between 1 and 100"), ("abc", "whole number"), ("", "whole number")])
def test_points_must_be_at_least_one(client, login, world, db, quiz, points, message):
    login(client, world.trainer)
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=short",
                         {"kind": "short", "prompt": "Q", "points": points, "accepted_answers": "A"})
    assert any(message in error for error in form_errors(response.get_data(as_text=True)))
    assert len(questions(db, quiz)) == 3


def test_prompt_is_required(client, login, world, db, quiz):
    login(client, world.trainer)
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=short",
                         {"kind": "short", "prompt": "  ", "points": "1", "accepted_answers": "A"})
    assert "Enter the question." in form_errors(response.get_data(as_text=True))


def test_add_choice_question_ignores_blank_rows(client, login, world, db, quiz):
    login(client, world.trainer)
    rows = _choice_rows([("Publication", True), ("", False), ("Astronomy", False), ("Performing Arts", True)])
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=multiple",
                         {"kind": "multiple", "prompt": "Fields?", "points": "2", **rows,
                          "choices-2-feedback": "Not a field.", "feedback_correct": "Good"})
    assert response.status_code == 302
    question = questions(db, quiz)[-1]
    assert question.kind == "multiple" and question.points == 2 and question.position == 3
    assert [(c.text, c.is_correct, c.feedback) for c in question.choices] == [
        ("Publication", True, None), ("Astronomy", False, "Not a field."), ("Performing Arts", True, None)]
    assert question.feedback_correct == "Good"


def test_add_short_question_dedupes_answers(client, login, world, db, quiz):
    login(client, world.trainer)
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=short",
                         {"kind": "short", "prompt": "Capital?", "points": "1",
                          "accepted_answers": "Seoul\n  seoul. \n\nSeoul city\n"})
    assert response.status_code == 302
    assert questions(db, quiz)[-1].accepted_answers == ["Seoul", "Seoul city"]


def test_preview_button_renders_markdown_and_saves_nothing(client, login, world, db, quiz):
    login(client, world.trainer)
    response = post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=short",
                         {"kind": "short", "prompt": "What is **K-pop**? <script>alert(1)</script>",
                          "points": "1", "accepted_answers": "Music", "preview": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>K-pop</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert len(questions(db, quiz)) == 3


CONFLICT_MESSAGE = "Someone else changed this record while you were editing it."


def version_of(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="([^"]*)"', html).group(1)


def save_elsewhere(db, question_id, prompt):
    """Someone else's save, on a connection of its own (committed; the version moves on)."""
    with db.engine.begin() as connection:
        connection.execute(
            QuizQuestion.__table__.update().where(QuizQuestion.__table__.c.id == question_id)
            .values(prompt=prompt, version=QuizQuestion.__table__.c.version + 1)
        )


def stored(db, question_id):
    db.session.expire_all()
    return db.session.get(QuizQuestion, question_id)


def test_questions_carry_a_version_counter(db, quiz):
    question = questions(db, quiz)[0]
    assert question.version == 1
    question.points = 2
    db.session.commit()
    assert question.version == 2


def test_stale_version_is_refused_with_message_and_db_unchanged(client, login, world, db, quiz):
    question = questions(db, quiz)[2]  # short
    login(client, world.trainer)
    opened = version_of(client.get(f"/quiz-questions/{question.id}/edit").get_data(as_text=True))
    assert opened == "1"
    save_elsewhere(db, question.id, "Their prompt")  # the coordinator saved meanwhile: version 2
    response = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": opened, "kind": "short", "prompt": "My version", "points": "4",
        "accepted_answers": "Korea",
    })
    html = text(response)
    assert response.status_code == 200
    assert CONFLICT_MESSAGE in html
    assert "My version" in html and 'value="4"' in html  # what was typed is kept
    assert "Their prompt" in html  # what the other person saved is shown
    assert version_of(response.get_data(as_text=True)) == "2"
    current = stored(db, question.id)
    assert (current.prompt, current.points, current.version) == ("Their prompt", 1, 2)
    # Saving again (the form now holds the current version) overwrites knowingly.
    saved = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": "2", "kind": "short", "prompt": "My version", "points": "4", "accepted_answers": "Korea"})
    assert saved.status_code == 302
    current = stored(db, question.id)
    assert (current.prompt, current.points, current.version) == ("My version", 4, 3)


@pytest.mark.parametrize("version", ["", "abc", "0"])
def test_missing_or_bad_version_is_a_conflict(client, login, world, db, quiz, version):
    question = questions(db, quiz)[2]
    login(client, world.trainer)
    response = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": version, "kind": "short", "prompt": "My version", "points": "1", "accepted_answers": "Korea"})
    assert response.status_code == 200 and CONFLICT_MESSAGE in text(response)
    current = stored(db, question.id)
    assert (current.prompt, current.version) == ("Country of the offline phase?", 1)


def test_save_landing_between_check_and_commit_is_a_conflict(client, login, world, db, quiz, monkeypatch):
    from lms.learning import quiz as quiz_ops

    question = questions(db, quiz)[0]  # single choice
    choice_ids = [choice.id for choice in question.choices]
    login(client, world.trainer)
    opened = version_of(client.get(f"/quiz-questions/{question.id}/edit").get_data(as_text=True))
    real_check = quiz_ops.check_version
    checked = []

    def check_then_someone_saves(record, submitted):
        real_check(record, submitted)  # the form is current: the check passes ...
        checked.append(record.id)
        save_elsewhere(db, record.id, "Their prompt")  # ... and someone else commits before we do

    monkeypatch.setattr(quiz_ops, "check_version", check_then_someone_saves)
    response = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": opened, "kind": "single", "prompt": "My prompt", "points": "3",
        "choices-0-id": str(choice_ids[0]), "choices-0-text": "Busan", "choices-0-is_correct": "y",
        "choices-1-id": str(choice_ids[1]), "choices-1-text": "Daegu",
        "choices-2-text": "Gwangju",
    })
    assert checked == [question.id]
    html = text(response)
    assert response.status_code == 200
    assert CONFLICT_MESSAGE in html
    assert "My prompt" in html and 'value="Gwangju"' in html  # typed values kept
    assert "Their prompt" in html  # their saved version shown
    assert version_of(response.get_data(as_text=True)) == "2"
    # Nothing of ours was written: their prompt, the original points and choices.
    current = stored(db, question.id)
    assert (current.prompt, current.points, current.version) == ("Their prompt", 1, 2)
    assert [(c.text, c.is_correct) for c in current.choices] == [("Seoul", True), ("Paris", False)]
    monkeypatch.setattr(quiz_ops, "check_version", real_check)
    saved = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": "2", "kind": "single", "prompt": "My prompt", "points": "3",
        "choices-0-id": str(choice_ids[0]), "choices-0-text": "Busan", "choices-0-is_correct": "y",
        "choices-1-id": str(choice_ids[1]), "choices-1-text": "Daegu",
    })
    assert saved.status_code == 302
    current = stored(db, question.id)
    assert (current.prompt, current.points, current.version) == ("My prompt", 3, 3)
    assert [(c.text, c.is_correct) for c in current.choices] == [("Busan", True), ("Daegu", False)]


def test_editing_only_the_choices_moves_the_version_on(client, login, world, db, quiz):
    question = questions(db, quiz)[0]
    choice_ids = [choice.id for choice in question.choices]
    login(client, world.trainer)
    response = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": "1", "kind": "single", "prompt": question.prompt, "points": "1",
        "choices-0-id": str(choice_ids[0]), "choices-0-text": "Seoul", "choices-0-is_correct": "y",
        "choices-1-id": str(choice_ids[1]), "choices-1-text": "Paris (France)",
    })
    assert response.status_code == 302
    assert stored(db, question.id).version == 2
    # A form opened before that save is now stale.
    stale = post_form(client, f"/quiz-questions/{question.id}/edit", {
        "version": "1", "kind": "single", "prompt": "Other", "points": "1",
        "choices-0-text": "A", "choices-0-is_correct": "y", "choices-1-text": "B",
    })
    assert stale.status_code == 200 and CONFLICT_MESSAGE in text(stale)
    assert stored(db, question.id).prompt == "Which city hosts the General track?"


def test_archive_racing_another_save_changes_nothing(client, login, world, db, quiz, monkeypatch):
    from lms.learning import quiz as quiz_ops

    question = questions(db, quiz)[0]
    login(client, world.trainer)
    real_archive = quiz_ops.archive_question

    def archive_while_someone_saves(record):
        changed = real_archive(record)
        save_elsewhere(db, record.id, "Their prompt")
        return changed

    monkeypatch.setattr(quiz_ops, "archive_question", archive_while_someone_saves)
    response = post_form(client, f"/quiz-questions/{question.id}/archive")
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Someone else changed these questions at the same moment" in page
    current = stored(db, question.id)
    assert current.archived_at is None and current.prompt == "Their prompt"


def test_switching_single_to_multiple_on_edit(client, login, world, db, quiz):
    question = questions(db, quiz)[0]
    login(client, world.trainer)
    page = client.get(f"/quiz-questions/{question.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', page).group(1)
    assert page.count('name="choices-') >= 6 * 4  # id, text, correct, feedback for each of 6 rows
    data = {"version": version, "kind": "multiple", "prompt": question.prompt, "points": "1",
            **_choice_rows([("Seoul", True), ("Paris", False), ("Busan", True)])}
    assert post_form(client, f"/quiz-questions/{question.id}/edit", data).status_code == 302
    db.session.expire_all()
    question = questions(db, quiz)[0]
    assert question.kind == "multiple"
    assert [(c.text, c.is_correct) for c in question.choices] == [("Seoul", True), ("Paris", False), ("Busan", True)]


def test_archive_restore_and_move_questions(client, login, world, db, quiz):
    first, second, third = questions(db, quiz)
    login(client, world.trainer)
    post_form(client, f"/quiz-questions/{third.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert [q.id for q in questions(db, quiz)] == [first.id, third.id, second.id]
    post_form(client, f"/quiz-questions/{first.id}/move", {"direction": "up"})  # already first: nothing
    db.session.expire_all()
    assert [q.id for q in questions(db, quiz)] == [first.id, third.id, second.id]

    post_form(client, f"/quiz-questions/{first.id}/archive")
    db.session.expire_all()
    assert [q.id for q in questions(db, quiz)] == [third.id, second.id]
    html = text(client.get(f"/quizzes/{quiz.id}/questions"))
    assert "Which city hosts" not in html and "Show archived" in html
    html = text(client.get(f"/quizzes/{quiz.id}/questions?archived=1"))
    assert "Which city hosts" in html and "Restore" in html

    post_form(client, f"/quiz-questions/{first.id}/restore")
    db.session.expire_all()
    assert [q.id for q in questions(db, quiz)] == [third.id, second.id, first.id]
    assert db.session.scalar(select(func.count()).select_from(QuizQuestion)) == 3
    assert db.session.scalar(select(func.count()).select_from(QuizChoice)) == 5


def test_questions_page_lists_questions_with_answers(client, login, world, db, quiz):
    login(client, world.trainer)
    html = text(client.get(f"/quizzes/{quiz.id}/questions"))
    assert "3 questions" in html
    assert "Pick the fields of 2024" in html and "South Korea" in html
    assert "Add question" in html


@pytest.mark.parametrize("role, status", [
    ("participant", 403), ("other_participant", 403), ("other_trainer", 403), ("trainer", 200), ("coordinator", 200),
])
def test_question_pages_access(client, login, world, db, quiz, role, status):
    question = questions(db, quiz)[0]
    login(client, getattr(world, role))
    assert client.get(f"/quizzes/{quiz.id}/questions").status_code == status
    assert client.get(f"/quizzes/{quiz.id}/questions/new?kind=short").status_code == status
    assert client.get(f"/quiz-questions/{question.id}/edit").status_code == status
    if status == 403:
        assert post_form(client, f"/quiz-questions/{question.id}/archive").status_code == 403
        assert post_form(client, f"/quiz-questions/{question.id}/move", {"direction": "down"}).status_code == 403
        assert post_form(client, f"/quizzes/{quiz.id}/questions/new?kind=short",
                         {"kind": "short", "prompt": "X", "points": "1", "accepted_answers": "Y"}).status_code == 403
        db.session.expire_all()
        assert questions(db, quiz)[0].archived_at is None and len(questions(db, quiz)) == 3


def test_program_wide_quiz_questions_are_for_coordinators_only(client, login, world, db):
    unit = f.make_unit(None, program=world.program, title="Orientation")
    item = f.make_quiz(unit)
    db.session.commit()
    login(client, world.trainer)
    assert client.get(f"/quizzes/{item.id}/questions").status_code == 403
    login(client, world.coordinator)
    assert client.get(f"/quizzes/{item.id}/questions").status_code == 200


def test_anonymous_is_sent_to_login(client, quiz):
    response = client.get(f"/quizzes/{quiz.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Results overview ------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [
    ("participant", 403), ("other_trainer", 403), ("trainer", 200), ("coordinator", 200),
])
def test_results_page_access(client, login, world, quiz, role, status):
    login(client, getattr(world, role))
    assert client.get(f"/quizzes/{quiz.id}/results").status_code == status


def test_results_show_best_score_and_question_success(client, login, world, db, quiz):
    login(client, world.participant)
    submit(client, db, quiz, right=False, number=1)
    submit(client, db, quiz, right=True, number=2)
    login(client, world.trainer)
    html = text(client.get(f"/quizzes/{quiz.id}/results"))
    assert "Amina Participant" in html
    assert "3 of 3 points (100%)" in html
    assert "2 / 3" in html  # attempts of the limit
    assert "50%" in html and "(1 / 2)" in html  # each question right in one of two attempts
    assert "Bruno Other" not in html  # another module's participant


def _add_participants(db, ids, count, start=0):
    from lms.learning.models import Item
    from lms.programs.models import Module

    module = db.session.get(Module, ids["module"])
    quiz = db.session.get(Item, ids["quiz"])
    for n in range(start, start + count):
        person = f.make_user(name=f"Learner {n}")
        f.enrol(person, module.track.program, module=module)
        for number in (1, 2):
            db.session.add(QuizAttempt(item_id=quiz.id, user_id=person.id, number=number, answers={},
                                       results={str(q.id): {"correct": number == 2, "points": 1}
                                                for q in questions(db, quiz)},
                                       score=3 if number == 2 else 0, max_score=3, passed=number == 2))
    db.session.commit()


def test_results_page_issues_constant_queries(client, login, world, db, quiz, count_queries):
    login(client, world.trainer)
    url = f"/quizzes/{quiz.id}/results"
    ids = {"module": world.module.id, "quiz": quiz.id}
    _add_participants(db, ids, 2)
    db.session.expunge_all()  # each request starts with nothing cached, as in production
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_participants(db, ids, 8, start=2)
    db.session.expunge_all()
    with count_queries() as many:
        html = text(client.get(url))
    assert "Learner 9" in html
    assert len(many) == len(few)


def test_questions_page_issues_constant_queries(client, login, world, db, unit, count_queries):
    small = f.make_quiz(unit)
    large = f.make_quiz(unit, questions=[("single", f"Q{n}", [("A", True), ("B", False)]) for n in range(12)])
    db.session.commit()
    login(client, world.trainer)
    urls = [f"/quizzes/{small.id}/questions", f"/quizzes/{large.id}/questions"]
    db.session.expunge_all()  # each request starts with nothing cached, as in production
    with count_queries() as few:
        assert client.get(urls[0]).status_code == 200
    db.session.expunge_all()
    with count_queries() as many:
        assert "Q11" in client.get(urls[1]).get_data(as_text=True)
    assert len(many) == len(few)
