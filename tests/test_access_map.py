"""Walks every URL rule of the app as every kind of person.

Each view declares its rule with a decorator from ``lms.core.permissions``
(``public``, ``authenticated``, ``coordinator_required``); record-level rules
are listed in RECORD_RULES below. A new page that forgets its check, or a
record rule that lets the wrong person in, fails here.
"""

from __future__ import annotations

import pytest

from tests.helpers import post_form

ROLES = ["anonymous", "participant", "trainer", "other_trainer", "coordinator"]

# Endpoints whose outcome depends on the record, for the records of the
# `world` fixture: the URL always points at the participant's own records and
# at the module that `trainer` (not `other_trainer`) teaches. Roles not listed
# follow the endpoint's declared rule.
AUTHORS_ONLY = {"participant": 403, "other_trainer": 403}  # the module's trainers and coordinators
MODULE_MEMBERS = {"other_trainer": 403}  # the module's participants, trainers and coordinators
LEARNERS_ONLY = {"trainer": 403, "other_trainer": 403, "coordinator": 403}  # only participants complete work

RECORD_RULES: dict[str, dict[str, int]] = {
    "programs.module_detail": {"participant": 403, "other_trainer": 403},
    # Authoring the module's online segment.
    **{f"authoring.{name}": AUTHORS_ONLY for name in (
        "module_content", "create_unit", "edit_unit", "move_unit", "hide_unit", "show_unit", "duplicate_unit",
        "archive_unit", "restore_unit", "create_item", "edit_item", "move_item", "hide_item", "show_item",
        "duplicate_item", "archive_item", "restore_item", "upload_image")},
    **{f"quizzes.{name}": AUTHORS_ONLY for name in (
        "edit_questions", "add_question", "edit_question", "archive_question", "restore_question",
        "move_question", "results")},
    "learning.progress_grid": AUTHORS_ONLY,
    "learning.progress_csv": AUTHORS_ONLY,
    # Following the module.
    **{f"learning.{name}": MODULE_MEMBERS for name in (
        "module_outline", "item", "leave_item", "download", "item_file", "unit_package")},
    "quizzes.take": MODULE_MEMBERS,
    "quizzes.attempt": MODULE_MEMBERS,  # the participant's own attempt
    "learning.mark_done": LEARNERS_ONLY,
    "quizzes.submit": LEARNERS_ONLY,
    # The assignment's settings, rubric and extensions.
    **{f"assignment_settings.{name}": AUTHORS_ONLY for name in (
        "edit", "rubric", "add_criterion", "edit_criterion", "archive_criterion", "restore_criterion",
        "move_criterion", "extensions", "revoke_extension")},
    # Grading world.module's assignments.
    **{f"grading.{name}": AUTHORS_ONLY for name in (
        "queue", "release_all", "grade", "file", "gradebook", "gradebook_csv")},
    # A live session of world.module: its room, calendar entry and attendance.
    "live.room": MODULE_MEMBERS,
    "live_schedule.session_ics": MODULE_MEMBERS,
    "attendance.report": AUTHORS_ONLY,
    "attendance.report_csv": AUTHORS_ONLY,
    "attendance.module_summary": AUTHORS_ONLY,
    # Handing in work: the participant's own submission of world.module's assignment.
    "submissions.assignment": MODULE_MEMBERS,
    "submissions.file": MODULE_MEMBERS,
    "submissions.save_draft": LEARNERS_ONLY,
    "submissions.submit": LEARNERS_ONLY,
    "submissions.feedback_file": AUTHORS_ONLY,  # the grade is not released yet
    # Readiness: world.enrolment is active, not admitted, so the participant has no form yet;
    # trainers never see logistics; coordinators are sent from the form to the board.
    "certificates.download": {"trainer": 403, "other_trainer": 403},  # the owner and coordinators
    # The offline phase: world.participant is active, not admitted; the trainer teaches in world.track.
    "offline.schedule": {"participant": 403},
    "offline.session": {"participant": 403, "other_trainer": 403},
    "offline.check_in": {"participant": 403, "trainer": 403, "other_trainer": 403, "coordinator": 403},
    # Outputs: participants' own (and their group's); coordinators see all, but do not author.
    "outputs.mine": {"trainer": 403, "other_trainer": 403},
    "outputs.new": {"trainer": 403, "other_trainer": 403, "coordinator": 403},
    **{f"outputs.{name}": {"trainer": 403, "other_trainer": 403} for name in ("edit", "publish", "unpublish")},
    # Admission: the participant's own checklist; coordinators see anyone's.
    "admission.my_standing": {"trainer": 403, "other_trainer": 403},
    # An announcement by world.trainer to world.module (published); a thread of world.participant.
    "announcements.new": {"participant": 403},
    "announcements.detail": {"other_trainer": 403},
    **{f"announcements.{name}": {"participant": 403, "other_trainer": 403} for name in (
        "edit", "publish", "archive", "restore")},
    "announcements.new_thread": {"trainer": 403, "other_trainer": 403, "coordinator": 403},
    **{f"announcements.{name}": {"other_trainer": 403} for name in ("thread", "reply", "read_thread")},
    # Monitoring: coordinators and the participant's own trainers; the participant is sent to their checklist.
    "monitoring.participant": {"other_trainer": 403},
    "monitoring.at_risk": {"participant": 403},
    "monitoring.remind": {"participant": 403},
    "readiness.form": {"participant": 403, "trainer": 403, "other_trainer": 403},
    "readiness.confirm": {"participant": 403, "trainer": 403, "other_trainer": 403, "coordinator": 403},
    "readiness.decline": {"participant": 403, "trainer": 403, "other_trainer": 403, "coordinator": 403},
}

# Endpoints that are not pages of their own (static files).
SKIP = {"static"}


@pytest.fixture
def learning(world, db):
    """Online content of world.module: a lesson, a file, a quiz with a question, an attempt."""
    import io

    from werkzeug.datastructures import FileStorage

    from lms.files.storage import RESOURCE_EXTENSIONS, UploadRules, save_upload
    from sqlalchemy import select

    from lms.assignments.models import Extension, Grade, Submission, SubmissionFile, SubmissionVersion
    from lms.core.database import utcnow
    from lms.learning.models import QuizAttempt, QuizQuestion
    from lms.notifications.models import Notification
    from tests import factories

    unit = factories.make_unit(world.module, title="Week 1")
    lesson = factories.make_item(unit, "lesson", title="Welcome")
    stored = save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 reading list"), filename="reading.pdf"),
                         UploadRules(RESOURCE_EXTENSIONS, 10_000), uploaded_by=world.trainer)
    file_item = factories.make_item(unit, "file", title="Reading list", file_id=stored.id)
    quiz = factories.make_quiz(unit, title="Check")
    question = db.session.scalars(select(QuizQuestion).where(QuizQuestion.item_id == quiz.id)).first()
    attempt = QuizAttempt(item_id=quiz.id, user_id=world.participant.id, number=1, answers={}, results={},
                          score=0, max_score=3, passed=False)
    db.session.add(attempt)

    # An assignment with a rubric, an extension, the participant's submitted version with a file, a grade.
    assignment = factories.make_assignment(unit, title="Essay", rubric=[("Clarity", [("Clear", 10), ("Unclear", 0)])])
    submission = Submission(assignment=assignment, user_id=world.participant.id)
    db.session.add(submission)
    db.session.flush()
    version = SubmissionVersion(submission=submission, number=1, text="My essay", author_id=world.participant.id,
                                submitted_at=utcnow(), receipt="0" * 64)
    db.session.add(version)
    db.session.flush()
    essay = save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 essay"), filename="essay.pdf"),
                        UploadRules(RESOURCE_EXTENSIONS, 10_000), uploaded_by=world.participant)
    db.session.add(SubmissionFile(version=version, file_id=essay.id))
    grade = Grade(submission=submission, score=5, status="draft")
    extension = Extension(assignment=assignment, user_id=world.participant.id, due_at=utcnow())
    notification = Notification(user_id=world.participant.id, kind="grade_released", title="Graded", link="/")
    db.session.add_all([grade, extension, notification])
    live_session = factories.make_live_session(unit, title="Clinic")
    from datetime import timedelta

    offline_session = factories.make_offline_session(world.program, audience="track", audience_id=world.track.id,
                                                     starts_at=utcnow() - timedelta(minutes=10))
    output = factories.make_output(world.program, user=world.participant, module=world.module, title="Book",
                                   published=True, files=[("book.pdf", b"%PDF-1.4 book")])
    announcement = factories.make_announcement(world.program, world.trainer, audience="module",
                                               audience_id=world.module.id)
    thread = factories.make_thread(world.program, world.participant)
    # A certificate of the participant's (a row, so that world.enrolment stays active for the other pages).
    from lms.certificates.models import Certificate

    certificate = Certificate(enrolment_id=world.enrolment.id, user_id=world.participant.id,
                              program_id=world.program.id, code="ACCESSWALKCODE22",
                              details={"name": world.participant.name, "program": world.program.name})
    db.session.add(certificate)
    db.session.commit()
    return {"unit": unit, "lesson": lesson, "file_item": file_item, "file": stored, "quiz": quiz,
            "question": question, "attempt": attempt, "assignment": assignment, "submission": submission,
            "version": version, "essay": essay, "grade": grade, "extension": extension,
            "criterion": assignment.criteria[0], "notification": notification, "live_session": live_session,
            "certificate": certificate, "offline_session": offline_session, "output": output,
            "announcement": announcement, "thread": thread}


def _item_for(endpoint: str, learning) -> int:
    """The item an endpoint is about: quizzes get the quiz, downloads the file item, assignments the assignment."""
    if endpoint.startswith("quizzes."):
        return learning["quiz"].id
    if endpoint.split(".")[0] in ("submissions", "assignment_settings", "grading"):
        return learning["assignment"].item_id
    if endpoint in ("learning.download", "learning.item_file"):
        return learning["file_item"].id
    return learning["lesson"].id


def _url_values(world, learning=None, endpoint="") -> dict[str, object]:
    values = {}
    if learning:
        values = {
            "unit_id": learning["unit"].id,
            "item_id": _item_for(endpoint, learning),
            "question_id": learning["question"].id,
            "attempt_id": learning["attempt"].id,
            "file_id": learning["essay"].id if endpoint.split(".")[0] in ("submissions", "grading")
            else learning["file"].id,
            "assignment_id": learning["assignment"].id,
            "submission_id": learning["submission"].id,
            "version_id": learning["version"].id,
            "grade_id": learning["grade"].id,
            "criterion_id": learning["criterion"].id,
            "extension_id": learning["extension"].id,
            "notification_id": learning["notification"].id,
            "session_id": learning["offline_session"].id if endpoint.startswith("offline.")
            else learning["live_session"].id,
            "certificate_id": learning["certificate"].id,
            "output_id": learning["output"].id,
            "announcement_id": learning["announcement"].id,
            "thread_id": learning["thread"].id,
            "code": learning["certificate"].code,
        }
    if learning and endpoint.startswith("outputs."):
        values["file_id"] = learning["output"].current_files[0].file_id
    return values | {
        "program_id": world.program.id,
        "track_id": world.track.id,
        "module_id": world.module.id,
        "group_id": world.group.id,
        "enrolment_id": world.enrolment.id,
        "user_id": world.participant.id,
        "person_id": world.participant.id,
        "organisation_id": world.organisation.id,
        "field_id": world.field.id,
        "token": "not-a-real-token",
        "kind": "progress",
        "fmt": "csv",
    }


def _all_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIP),
        key=lambda rule: (rule.endpoint, rule.rule),
    )


def _cases(app):
    cases = []
    for rule in _all_rules(app):
        for method in ("GET", "POST"):
            if method in rule.methods:
                for role in ROLES:
                    cases.append(pytest.param((rule.endpoint, rule.rule, method, role),
                                              id=f"{rule.endpoint}-{method}-{role}"))
    return cases


def pytest_generate_tests(metafunc):
    if "access_case" in metafunc.fixturenames:
        from lms import create_app

        app = create_app("testing")
        metafunc.parametrize("access_case", _cases(app))
        from lms import init_socketio

        init_socketio(app)  # re-bound to the session app by its fixture on first use


@pytest.fixture(scope="module", autouse=True)
def _rebind_socketio(app):
    from lms import init_socketio

    init_socketio(app)


def test_every_view_declares_its_access_rule(app):
    missing = [
        rule.endpoint
        for rule in _all_rules(app)
        if getattr(app.view_functions[rule.endpoint], "access_rule", None) is None
    ]
    assert missing == [], "views without @public/@authenticated/@coordinator_required: " + ", ".join(missing)


def test_record_rules_name_real_endpoints(app):
    assert set(RECORD_RULES) <= set(app.view_functions)


def _expected(app, endpoint: str, role: str) -> str:
    """'login' (sent to the login page), 'forbidden', or 'allowed'."""
    rule = getattr(app.view_functions[endpoint], "access_rule", None)
    if rule == "public":
        return "allowed"
    if role == "anonymous":
        return "login"
    if role in RECORD_RULES.get(endpoint, {}):
        return "forbidden"
    if rule == "coordinator" and role != "coordinator":
        return "forbidden"
    return "allowed"


def test_access(app, client, world, learning, login, access_case):
    endpoint, rule_path, method, role = access_case
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_path)
    values = _url_values(world, learning, endpoint)
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"add a value for {missing} to _url_values"
    with app.test_request_context():
        url = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]

    if role != "anonymous":
        login(client, getattr(world, role))

    response = client.get(url, buffered=True) if method == "GET" else post_form(client, url, {}, buffered=True)
    expected = _expected(app, endpoint, role)

    assert response.status_code < 500, f"{method} {url} as {role}: server error"
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"], (
            f"{method} {url} as anonymous should redirect to login, got {response.status_code}"
        )
    elif expected == "forbidden":
        assert response.status_code == 403, f"{method} {url} as {role} should be 403, got {response.status_code}"
    else:
        assert response.status_code != 403, f"{method} {url} as {role} should be allowed"
        if role != "anonymous":
            location = response.headers.get("Location", "")
            assert "/login" not in location or endpoint.startswith("accounts."), (
                f"{method} {url} as {role} was sent to the login page"
            )
