"""The profile page: details, concurrent edits, password change, ending other sessions."""

from __future__ import annotations

import pytest

from lms.accounts.models import LoginAttempt, User
from lms.accounts.passwords import verify_password
from lms.enrolment.models import EnrolmentStatus
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import form_errors, post_form

NEW_PASSWORD = "harbour pepper kettle 31"


@pytest.fixture
def person(db):
    user = factories.make_user(email="ravi@example.test", name="Ravi Kumar", country="IN", timezone="Asia/Kolkata",
                               organisation="Delhi Arts Council", job_title="Curator")
    db.session.commit()
    return user


def profile_data(user, **changes):
    data = {
        "name": user.name,
        "country": user.country or "",
        "timezone": user.timezone,
        "organisation": user.organisation or "",
        "job_title": user.job_title or "",
        "locale": user.locale,
        "version": str(user.version),
    }
    data.update(changes)
    return data


def reload(db, user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_profile_requires_sign_in(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", ["/profile", "/profile/password", "/profile/sessions/end-others"])
def test_profile_posts_require_sign_in(client, url):
    response = post_form(client, url, {})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_profile_page_shows_details_email_and_roles(client, db, login, world):
    factories.make_module(world.track, title="Museum education", trainers=[world.participant])
    db.session.commit()
    login(client, world.participant)
    html = client.get("/profile").get_data(as_text=True)
    assert "participant@example.test" in html
    assert 'value="Amina Participant"' in html
    assert '<option selected value="KE">' in html
    assert '<option selected value="Africa/Nairobi">' in html
    assert "2024 Cultural Experts Training Program" in html  # participant in
    assert "Museum education" in html  # trainer of
    assert "Sign out of all other sessions" in html
    assert "Coordinator" not in html.split("Your roles")[1].split("Change your password")[0]


def test_coordinator_role_is_shown(client, login, coordinator):
    login(client, coordinator)
    html = client.get("/profile").get_data(as_text=True)
    assert "Program office: you manage programs and people." in html


def test_profile_page_queries_do_not_grow_with_roles(client, db, login, person, count_queries):
    login(client, person)
    db.session.expire_all()
    with count_queries() as few:
        client.get("/profile")
    for n in range(4):
        program = factories.make_program()
        track = factories.make_track(program)
        module = factories.make_module(track, trainers=[person])
        factories.enrol(person, program, module=module)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        html = client.get("/profile").get_data(as_text=True)
    assert html.count("Module ") >= 8
    assert len(many) == len(few)


def test_profile_edit_saves(client, db, login, person):
    login(client, person)
    response = post_form(client, "/profile", profile_data(
        person, name="  Ravi K. Kumar ", country="KR", timezone="Asia/Seoul", organisation="",
        job_title="Director", locale="ko"))
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    user = reload(db, person)
    assert (user.name, user.country, user.timezone, user.organisation, user.job_title, user.locale) == (
        "Ravi K. Kumar", "KR", "Asia/Seoul", None, "Director", "ko")
    with client.session_transaction() as session:  # the confirmation speaks the language just chosen
        assert [message for _category, message in session["_flashes"]] == ["프로필을 저장했습니다."]


@pytest.mark.parametrize("changes, field, message", [
    ({"name": "  "}, "name", "Enter your name."),
    ({"name": "x" * 201}, "name", "Field cannot be longer than 200 characters."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone from the list."),
    ({"timezone": ""}, "timezone", "Choose a time zone from the list."),
    ({"country": "XX"}, "country", "Choose a country from the list."),
    ({"country": "Korea"}, "country", "Choose a country from the list."),
    ({"locale": "fr"}, "locale", "Choose a language from the list."),
])
def test_profile_validation_errors_next_to_field_keep_typed_values(client, db, login, person, changes, field,
                                                                   message):
    login(client, person)
    typed = profile_data(person, organisation="Typed organisation", job_title="Typed title", **changes)
    response = post_form(client, "/profile", typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error">{message}' in html
    assert 'value="Typed organisation"' in html and 'value="Typed title"' in html
    user = reload(db, person)
    assert user.organisation == "Delhi Arts Council"


def test_country_can_be_left_empty(client, db, login, person):
    login(client, person)
    assert post_form(client, "/profile", profile_data(person, country="")).status_code == 302
    assert reload(db, person).country is None


def test_concurrent_profile_edit_is_detected_and_typed_values_kept(client, db, login, person):
    login(client, person)
    opened_version = person.version
    # Someone else (a coordinator, another tab) saves first.
    person.organisation = "Saved elsewhere"
    db.session.commit()
    assert person.version == opened_version + 1
    response = post_form(client, "/profile", profile_data(
        person, version=str(opened_version), job_title="My typed title"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Someone else changed this record" in html
    assert "Saved elsewhere" in html  # their version is visible
    assert 'value="My typed title"' in html  # what I typed is kept
    assert f'name="version" type="hidden" value="{opened_version + 1}"' in html
    user = reload(db, person)
    assert user.job_title == "Curator"  # nothing overwritten
    # Saving again from the re-rendered form goes through.
    again = post_form(client, "/profile", profile_data(user, job_title="My typed title"))
    assert again.status_code == 302
    assert reload(db, person).job_title == "My typed title"


# Password change ---------------------------------------------------------


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return post_form(client, "/profile/password", {
        "current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm})


def test_password_change_keeps_this_session_and_ends_others(app, client, db, login, person):
    login(client, person)
    elsewhere = login(app.test_client(), person)
    version = person.session_version
    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/profile"
    user = reload(db, person)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.password_changed_at is not None
    assert user.session_version == version + 1
    assert client.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302


def test_password_change_keeps_remember_me_for_this_browser(app, client, db, person):
    cookie_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    post_form(client, "/login", {"email": person.email, "password": PASSWORD, "remember": "y"})
    old_cookie = client.get_cookie(cookie_name).value
    change(client)
    new_cookie = client.get_cookie(cookie_name).value
    assert new_cookie != old_cookie
    assert new_cookie.startswith(f"{person.id}:{reload(db, person).session_version}|")
    stale = app.test_client()
    stale.set_cookie(cookie_name, old_cookie)
    assert stale.get("/profile").status_code == 302  # the old remember-me cookie no longer works


def test_password_change_needs_correct_current_password(client, db, login, person):
    login(client, person)
    response = change(client, current="not my password")
    assert response.status_code == 200
    assert "This is not your current password." in form_errors(response.get_data(as_text=True))
    assert verify_password(reload(db, person).password_hash, PASSWORD)
    assert db.session.query(LoginAttempt).filter_by(email=person.email, succeeded=False).count() == 1


def test_password_change_guessing_is_rate_limited(app, client, db, login, person, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 2)
    login(client, person)
    change(client, current="guess one")
    change(client, current="guess two")
    response = change(client)  # even the right one
    assert response.status_code == 429
    assert "Too many failed attempts." in response.get_data(as_text=True)
    assert verify_password(reload(db, person).password_hash, PASSWORD)


@pytest.mark.parametrize("new, confirm, message", [
    ("short", None, "Use at least 10 characters."),
    ("1234567890", None, "too common"),
    ("ravikumar-99", None, "name or email"),
    (NEW_PASSWORD, "different words here 1", "The two passwords do not match."),
])
def test_password_change_policy(client, db, login, person, new, confirm, message):
    login(client, person)
    response = change(client, new=new, confirm=confirm)
    assert response.status_code == 200
    assert message in " ".join(form_errors(response.get_data(as_text=True)))
    assert verify_password(reload(db, person).password_hash, PASSWORD)


# Other sessions ----------------------------------------------------------


def test_sign_out_of_all_other_sessions(app, client, db, login, person):
    login(client, person)
    elsewhere = login(app.test_client(), person)
    version = person.session_version
    response = post_form(client, "/profile/sessions/end-others")
    assert response.status_code == 302
    assert reload(db, person).session_version == version + 1
    assert client.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302


def test_sign_out_of_other_sessions_is_post_only(client, login, person):
    login(client, person)
    assert client.get("/profile/sessions/end-others").status_code == 405


def test_invited_enrolment_status_shows_on_profile(client, db, login, person):
    program = factories.make_program(name="Administrators 2024")
    factories.enrol(person, program, status=EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    login(client, person)
    html = client.get("/profile").get_data(as_text=True)
    assert "Administrators 2024" in html and "badge-withdrawn" in html
