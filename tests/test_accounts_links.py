"""Invitation links and password reset links: single use, expiry, policy, no enumeration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lms.accounts.models import AccountToken, User
from lms.accounts.operations import send_invitation
from lms.accounts.passwords import verify_password
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.mail.models import OutboxMessage
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import form_errors, post_form

NEW_PASSWORD = "lantern orchard violin 58"


def signed_in_user_id(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


@pytest.fixture
def invited(app, db, coordinator):
    """An invited person (no password yet) with an invited enrolment, and their link's token."""
    user = factories.make_user(email="kofi@example.test", name="Kofi Mensah", password=None, country="GH",
                               timezone="Africa/Accra", locale="en")
    program = factories.make_program(name="2024 Cultural Experts Training Program")
    enrolment = factories.enrol(user, program, status=EnrolmentStatus.INVITED)
    with app.test_request_context():
        secret = send_invitation(user, coordinator)
        db.session.commit()  # leaving the request delivers what was committed and drops the rest
    return user, enrolment, secret


def accept(client, secret, password=NEW_PASSWORD, confirm=None, timezone="Africa/Accra", locale="en"):
    return post_form(client, f"/invitation/{secret}", {
        "new_password": password,
        "confirm_password": password if confirm is None else confirm,
        "timezone": timezone,
        "locale": locale,
    })


# Invitations -------------------------------------------------------------


def test_invitation_page_shows_person_and_preselected_choices(client, invited):
    user, _enrolment, secret = invited
    response = client.get(f"/invitation/{secret}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kofi Mensah" in html and "kofi@example.test" in html
    assert '<option selected value="Africa/Accra">' in html
    assert '<option selected value="en">' in html
    assert "한국어" in html  # languages are shown by name


def test_accepting_invitation_sets_password_activates_enrolment_and_signs_in(client, db, invited):
    user, enrolment, secret = invited
    response = accept(client, secret, timezone="Asia/Seoul", locale="ko")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert user.password_changed_at is not None
    assert user.timezone == "Asia/Seoul" and user.locale == "ko"
    assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.ACTIVE.value
    assert signed_in_user_id(client) == f"{user.id}:{user.session_version}"
    assert client.get("/profile").status_code == 200


def test_welcome_message_is_in_the_language_just_chosen(client, db, invited):
    _user, _enrolment, secret = invited
    response = accept(client, secret, locale="ko")
    assert response.status_code == 302
    with client.session_transaction() as session:
        messages = [message for _category, message in session.get("_flashes", [])]
    assert messages == ["Kofi Mensah 님, 환영합니다! 계정이 준비되었습니다."]
    page = client.get("/").get_data(as_text=True)
    assert "계정이 준비되었습니다" in page and "Your account is ready" not in page


def test_invitation_link_works_once(app, client, db, invited):
    _user, _enrolment, secret = invited
    assert accept(client, secret).status_code == 302
    other = app.test_client()
    again = other.get(f"/invitation/{secret}")
    assert again.status_code == 410
    html = again.get_data(as_text=True)
    assert "already been used" in html and "program office" in html
    assert accept(other, secret, password="another passphrase 99").status_code == 410


def test_invitation_consumed_by_a_concurrent_request_is_refused(client, db, invited, monkeypatch):
    user, _enrolment, secret = invited
    from lms.accounts import operations

    monkeypatch.setattr(operations, "consume_token", lambda token: False)  # another request won the race
    response = accept(client, secret)
    assert response.status_code == 410
    assert "already been used" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    assert signed_in_user_id(client) is None


def test_expired_invitation_is_refused_with_clear_page(client, db, invited):
    user, _enrolment, secret = invited
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    for response in (client.get(f"/invitation/{secret}"), accept(client, secret)):
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "expired" in html and "ask the program office for a new invitation" in html.lower()
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None


def test_unknown_invitation_token_is_404_page(client):
    response = client.get("/invitation/not-a-real-token")
    assert response.status_code == 404
    assert "We do not recognise this link" in response.get_data(as_text=True)


def test_newer_invitation_replaces_older_link(app, client, db, invited, coordinator):
    user, _enrolment, old_secret = invited
    with app.test_request_context():
        new_secret = send_invitation(user, coordinator)
        db.session.commit()
    assert client.get(f"/invitation/{old_secret}").status_code == 410
    assert client.get(f"/invitation/{new_secret}").status_code == 200


def test_invitation_of_account_already_set_up_says_so(client, db, invited):
    user, _enrolment, secret = invited
    user.password_hash = "$argon2id$set-elsewhere"
    db.session.commit()
    response = client.get(f"/invitation/{secret}")
    assert response.status_code == 410
    assert "already set up" in response.get_data(as_text=True)


@pytest.mark.parametrize("password, message", [
    ("short1", "Use at least 10 characters."),
    ("password123", "too common"),
    ("aaaaaaaaaaaa", "too common"),
    ("kofimensah2024", "Do not build the password from your name or email address."),
    ("kofi12345678", "Do not build the password from your name or email address."),
])
def test_password_policy_messages_next_to_field(client, db, invited, password, message):
    user, _enrolment, secret = invited
    response = accept(client, secret, password=password)
    assert response.status_code == 200
    errors = " ".join(form_errors(response.get_data(as_text=True)))
    assert message in errors
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    assert client.get(f"/invitation/{secret}").status_code == 200  # the link still works


def test_mismatched_confirmation_and_bad_timezone_are_refused_and_choices_kept(client, db, invited):
    _user, _enrolment, secret = invited
    response = accept(client, secret, confirm="something else entirely", timezone="Mars/Olympus", locale="ko")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = form_errors(html)
    assert "The two passwords do not match." in errors
    assert "Choose a time zone from the list." in errors
    assert '<option selected value="ko">' in html


def test_signed_in_other_person_is_asked_to_sign_out_first(client, db, invited, login, coordinator):
    user, _enrolment, secret = invited
    login(client, coordinator)
    response = client.get(f"/invitation/{secret}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sign out first" in html
    assert "kofi@example.test" not in html and "Kofi" not in html
    assert accept(client, secret).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None


# Password reset ----------------------------------------------------------


@pytest.fixture
def person(db):
    user = factories.make_user(email="lucia@example.test", name="Lucia Ferreira")
    db.session.commit()
    return user


def reset_link(message_body: str) -> str:
    match = re.search(r"http://localhost(/password/reset/\S+)", message_body)
    assert match, message_body
    return match.group(1)


def test_forgot_password_page(client):
    response = client.get("/password/forgot")
    assert response.status_code == 200
    assert 'name="email"' in response.get_data(as_text=True)


def test_forgot_password_gives_the_same_answer_for_unknown_email(app, db, person, outbox):
    known_client, unknown_client = app.test_client(), app.test_client()
    known = post_form(known_client, "/password/forgot", {"email": "lucia@example.test"})
    unknown = post_form(unknown_client, "/password/forgot", {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    known_page = known_client.get(known.headers["Location"]).get_data(as_text=True)
    unknown_page = unknown_client.get(unknown.headers["Location"]).get_data(as_text=True)
    scrub = lambda html: re.sub(r'value="[^"]*"', "", html).replace("lucia@example.test", "E").replace(  # noqa: E731
        "nobody@example.test", "E")
    assert scrub(known_page) == scrub(unknown_page)
    assert "we have sent it a link" in known_page
    assert [message["to"] for message in outbox] == ["lucia@example.test"]
    assert outbox[0]["subject"] == "Reset your password"
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1


@pytest.mark.parametrize("state", ["deactivated", "not_accepted"])
def test_no_reset_mail_for_inactive_accounts(client, db, outbox, state):
    if state == "deactivated":
        factories.make_user(email="gone@example.test", deactivated_at=utcnow())
    else:
        factories.make_user(email="gone@example.test", password=None)
    db.session.commit()
    assert post_form(client, "/password/forgot", {"email": "gone@example.test"}).status_code == 302
    assert outbox == []


def test_forgot_password_refuses_malformed_email_next_to_field(client, outbox):
    response = post_form(client, "/password/forgot", {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address, like name@example.org." in form_errors(response.get_data(as_text=True))
    assert 'value="not an address"' in response.get_data(as_text=True)


def test_reset_emails_are_limited_per_account_silently(client, db, person, outbox):
    for _ in range(5):
        assert post_form(client, "/password/forgot", {"email": person.email}).status_code == 302
    assert len(outbox) == 3


def test_reset_flow_sets_password_and_ends_other_sessions(app, db, person, outbox, login):
    elsewhere = login(app.test_client(), person)
    assert elsewhere.get("/profile").status_code == 200
    version_before = person.session_version
    client = app.test_client()
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link(outbox[0]["body"])
    page = client.get(link)
    assert page.status_code == 200 and "lucia@example.test" in page.get_data(as_text=True)
    response = post_form(client, link, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    user = db.session.get(User, person.id)
    assert user.session_version == version_before + 1
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD)
    assert client.get("/profile").status_code == 200  # this browser is signed in
    assert elsewhere.get("/profile").status_code == 302  # the other session ended
    # The link works once.
    assert client.get(link).status_code == 410
    assert post_form(app.test_client(), link, {"new_password": "x" * 20, "confirm_password": "x" * 20}
                     ).status_code == 410


def test_reset_link_refuses_weak_password(client, db, person, outbox):
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link(outbox[0]["body"])
    response = post_form(client, link, {"new_password": "lucia-2024", "confirm_password": "lucia-2024"})
    assert response.status_code == 200
    assert any("name or email" in error for error in form_errors(response.get_data(as_text=True)))
    db.session.expire_all()
    assert verify_password(db.session.get(User, person.id).password_hash, PASSWORD)


def test_expired_reset_link_is_refused(client, db, person, outbox):
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link(outbox[0]["body"])
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "expired" in html and "/password/forgot" in html


def test_reset_token_cannot_open_an_invitation(client, db, person, outbox):
    post_form(client, "/password/forgot", {"email": person.email})
    secret = reset_link(outbox[0]["body"]).rsplit("/", 1)[-1]
    assert client.get(f"/invitation/{secret}").status_code == 404


def test_reset_mail_names_the_person_the_link_and_its_lifetime(client, db, person, outbox):
    post_form(client, "/password/forgot", {"email": person.email})
    body = outbox[0]["body"]
    assert body.startswith("Hello Lucia Ferreira,")
    assert "expires in 60 minutes" in body
    assert "http://localhost/password/forgot" in body
    token = reset_link(body).rsplit("/", 1)[-1]
    stored = db.session.scalar(select(AccountToken.token_hash))
    assert token not in stored  # only a hash of the secret is kept


def test_reset_unlocks_an_account_locked_by_failed_logins(app, client, db, person, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 2)
    for _ in range(2):
        post_form(app.test_client(), "/login", {"email": person.email, "password": "forgotten-it-1"})
    assert post_form(app.test_client(), "/login", {"email": person.email, "password": PASSWORD}).status_code == 429
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link(outbox[0]["body"])
    post_form(client, link, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    fresh = app.test_client()
    assert post_form(fresh, "/login", {"email": person.email, "password": NEW_PASSWORD}).status_code == 302
