"""A language is only a catalog: the Korean one translates the interface."""

from tests.helpers import post_form


def test_login_page_in_korean_for_korean_browsers(client):
    response = client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    html = response.get_data(as_text=True)
    assert 'lang="ko"' in html
    assert "로그인" in html


def test_preferred_language_of_the_person_wins(client, world, login, db):
    world.participant.locale = "ko"
    db.session.commit()
    login(client, world.participant)
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "로그아웃" in html  # "Sign out"
    world.participant.locale = "en"
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "Sign out" in html


def test_korean_login_error_is_translated(client, world):
    response = post_form(client, "/login", {"email": world.participant.email, "password": "wrong-password-1"},
                         headers={"Accept-Language": "ko"})
    html = response.get_data(as_text=True)
    assert "Email or password is incorrect." not in html
    assert "이메일" in html


def test_words_with_several_meanings_are_told_apart(app):
    """"Completed" is a finished program (수료) as a status, an item done (완료) in a timeline."""
    from flask_babel import force_locale

    from lms.assignments.submitting import SUBMITTED, status_label
    from lms.enrolment.models import EnrolmentStatus
    from lms.monitoring import timeline

    with app.test_request_context(), force_locale("ko"):
        labels = timeline.kind_labels()
        assert labels[timeline.COMPLETION] == "완료"
        assert labels[timeline.SUBMISSION] == "제출"
        assert EnrolmentStatus("completed").label == "수료"
        assert status_label(SUBMITTED) == "제출됨"
