"""Quiz grading: pure functions, no database."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from lms.learning.models import QuizChoice, QuizQuestion
from lms.learning.quiz import answers_from_form, grade, grade_question, is_pass, normalise_answer, whole_percent


def _choice_question(qid, kind, options, points=1, **extra):
    question = QuizQuestion(id=qid, kind=kind, prompt=f"Question {qid}", points=points, accepted_answers=[], **extra)
    question.choices = [QuizChoice(id=qid * 10 + n, text=text, is_correct=correct, position=n, feedback=feedback)
                        for n, (text, correct, feedback) in enumerate(options)]
    return question


def _short_question(qid, accepted, points=1, **extra):
    return QuizQuestion(id=qid, kind="short", prompt=f"Question {qid}", points=points, accepted_answers=accepted,
                        **extra)


@pytest.fixture
def single():
    return _choice_question(1, "single", [("Seoul", True, "Yes, the capital."), ("Paris", False, "That is France."),
                                          ("Busan", False, None)], points=2,
                            feedback_correct="Well done.", feedback_incorrect="Read week 1 again.")


@pytest.fixture
def multiple():
    return _choice_question(2, "multiple", [("Publication", True, None), ("Performing Arts", True, None),
                                            ("Astronomy", False, "Not a field of 2024.")])


@pytest.fixture
def short():
    return _short_question(3, ["Korea", "South Korea", "대한민국"])


# Single choice ---------------------------------------------------------------------------


def test_single_correct_choice_gets_full_points_and_correct_feedback(single):
    result = grade_question(single, [10])
    assert result["correct"] is True and result["points"] == 2 and result["max_points"] == 2
    assert result["feedback"] == "Well done."
    assert result["choice_feedback"] == [{"text": "Seoul", "feedback": "Yes, the capital."}]
    assert result["answer"] == ["Seoul"]


def test_single_wrong_choice_gets_nothing_and_incorrect_feedback(single):
    result = grade_question(single, ["11"])
    assert result["correct"] is False and result["points"] == 0
    assert result["feedback"] == "Read week 1 again."
    assert result["choice_feedback"] == [{"text": "Paris", "feedback": "That is France."}]
    assert result["correct_answers"] == ["Seoul"]


def test_single_with_two_choices_sent_is_wrong_even_if_one_is_correct(single):
    assert grade_question(single, [10, 11])["correct"] is False


def test_single_ignores_choices_of_other_questions_and_garbage(single):
    result = grade_question(single, ["20", "x", None])
    assert result["answered"] is False and result["points"] == 0


# Multiple choice -------------------------------------------------------------------------


def test_multiple_needs_exactly_the_correct_set(multiple):
    assert grade_question(multiple, [20, 21])["correct"] is True
    assert grade_question(multiple, [21, 20])["points"] == 1


def test_multiple_subset_is_wrong(multiple):
    assert grade_question(multiple, [20])["correct"] is False


def test_multiple_all_options_is_wrong(multiple):
    result = grade_question(multiple, [20, 21, 22])
    assert result["correct"] is False and result["points"] == 0
    assert result["choice_feedback"] == [{"text": "Astronomy", "feedback": "Not a field of 2024."}]


def test_multiple_where_every_option_is_correct_needs_all_of_them():
    question = _choice_question(4, "multiple", [("A", True, None), ("B", True, None)])
    assert grade_question(question, [40, 41])["correct"] is True
    assert grade_question(question, [40])["correct"] is False


# Short answer ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed, expected", [
    ("Korea", "korea"),
    ("  south   KOREA. ", "south korea"),
    ("South\tKorea!!", "south korea"),
    ("Korea ?", "korea"),
    ("대한민국。", "대한민국"),
    ("ＫＯＲＥＡ", "korea"),  # full-width letters typed on an East Asian keyboard
    ("", ""),
    (None, ""),
    ("...", ""),
])
def test_normalise_answer(typed, expected):
    assert normalise_answer(typed) == expected


@pytest.mark.parametrize("typed, correct", [
    ("korea", True), ("  SOUTH korea.", True), ("대한민국", True), ("Korea, South", False), ("Koreas", False),
    ("North Korea", False), ("", False), ("   ", False), (".", False),
])
def test_short_answers_are_compared_after_normalising(short, typed, correct):
    result = grade_question(short, typed)
    assert result["correct"] is correct
    assert result["points"] == (1 if correct else 0)


def test_short_answer_keeps_what_was_typed_in_the_snapshot(short):
    result = grade_question(short, "  south   korea ")
    assert result["answer"] == "south korea"
    assert result["correct_answers"] == ["Korea", "South Korea", "대한민국"]


def test_short_accepted_answer_with_punctuation_matches_plain_answer():
    question = _short_question(5, ["U.N.E.S.C.O."])
    assert grade_question(question, "u.n.e.s.c.o")["correct"] is True


# Unanswered and totals -------------------------------------------------------------------


def test_unanswered_questions_score_zero(single, multiple, short):
    graded = grade([single, multiple, short], {}, pass_mark=50)
    assert graded.score == 0 and graded.max_score == 4 and graded.passed is False
    assert all(result["answered"] is False and result["points"] == 0 for result in graded.results.values())


def test_grade_adds_weighted_points_and_keeps_question_order(single, multiple, short):
    graded = grade([single, multiple, short], {"1": [10], "2": [20], "3": "Korea"}, pass_mark=75)
    assert (graded.score, graded.max_score) == (3, 4)
    assert graded.passed is True  # exactly 75 %
    assert list(graded.results) == ["1", "2", "3"]
    assert [result["position"] for result in graded.results.values()] == [0, 1, 2]


@pytest.mark.parametrize("score, max_score, pass_mark, passed", [
    (1, 2, 50, True),  # exactly equal
    (2, 4, 50, True),
    (49, 100, 50, False),
    (2, 3, 67, False),  # 66.67 % is below 67
    (2, 3, 66, True),
    (3, 3, 100, True),
    (0, 3, 0, True),
    (0, 0, 0, False),  # a quiz without points cannot be passed
])
def test_pass_mark_edges(score, max_score, pass_mark, passed):
    assert is_pass(score, max_score, pass_mark) is passed


def test_shown_percent_rounds_down_like_the_pass_rule():
    assert whole_percent(2, 3) == 66
    assert whole_percent(0, 0) == 0


def test_answers_are_read_from_the_form(single, multiple, short):
    form = MultiDict([("q-1", "10"), ("q-2", "20"), ("q-2", "21"), ("q-3", " Korea "), ("q-99", "1")])
    assert answers_from_form([single, multiple, short], form) == {"1": [10], "2": [20, 21], "3": " Korea "}
