"""Every quiz endpoint, walked as every kind of person (like tests/test_access_map.py).

The URLs point at a quiz of the module that `trainer` (not `other_trainer`)
teaches and that `participant` follows, at one of its questions and at the
participant's own attempt. RECORD_RULES lists who gets 403 beyond the
decorator's rule; the lead copies it into the app-wide access map.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms import create_app
from lms.learning.models import QuizAttempt, QuizQuestion
from tests import factories as f
from tests.helpers import post_form

ROLES = ["anonymous", "participant", "other_participant", "trainer", "other_trainer", "coordinator"]
AUTHORS_ONLY = {"participant": 403, "other_participant": 403, "other_trainer": 403}
RECORD_RULES: dict[str, dict[str, int]] = {
    "quizzes.edit_questions": AUTHORS_ONLY,
    "quizzes.add_question": AUTHORS_ONLY,
    "quizzes.edit_question": AUTHORS_ONLY,
    "quizzes.archive_question": AUTHORS_ONLY,
    "quizzes.restore_question": AUTHORS_ONLY,
    "quizzes.move_question": AUTHORS_ONLY,
    "quizzes.results": AUTHORS_ONLY,
    "quizzes.take": {"other_participant": 403, "other_trainer": 403},
    # Only participants answer: trainers and coordinators preview.
    "quizzes.submit": {"other_participant": 403, "trainer": 403, "other_trainer": 403, "coordinator": 403},
    "quizzes.attempt": {"other_participant": 403, "other_trainer": 403},
}


def _cases():
    app = create_app("testing")
    cases = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if not rule.endpoint.startswith("quizzes."):
            continue
        for method in ("GET", "POST"):
            if method in rule.methods:
                for role in ROLES:
                    cases.append(pytest.param(rule.endpoint, rule.rule, method, role,
                                              id=f"{rule.endpoint}-{method}-{role}"))
    return cases


CASES = _cases()


@pytest.fixture(scope="module", autouse=True)
def _rebind_socketio(app):
    """Building the app above bound the shared Socket.IO server to it: bind it back."""
    from lms import init_socketio

    init_socketio(app)


def test_every_quiz_endpoint_is_walked(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("quizzes.")}
    assert endpoints == set(RECORD_RULES)


@pytest.mark.parametrize("endpoint, rule_path, method, role", CASES)
def test_quiz_access(app, client, world, login, db, endpoint, rule_path, method, role):
    unit = f.make_unit(world.module)
    item = f.make_quiz(unit)
    question_id = db.session.scalars(select(QuizQuestion.id).where(QuizQuestion.item_id == item.id)).first()
    attempt = QuizAttempt(item_id=item.id, user_id=world.participant.id, number=1, answers={}, results={},
                          score=0, max_score=3, passed=False)
    db.session.add(attempt)
    db.session.commit()
    values = {"item_id": item.id, "question_id": question_id, "attempt_id": attempt.id}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_path)
    with app.test_request_context():
        url = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]
    if role != "anonymous":
        login(client, getattr(world, role))
    response = client.get(url) if method == "GET" else post_form(client, url, {})

    assert response.status_code < 500
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in RECORD_RULES[endpoint]:
        assert response.status_code == 403, f"{method} {url} as {role}: {response.status_code}"
    else:
        assert response.status_code not in (401, 403, 404), f"{method} {url} as {role}: {response.status_code}"
