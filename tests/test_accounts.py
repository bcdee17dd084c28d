"""Signing in and out, rate limits, password hashing, the create-coordinator command."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts import operations, throttle
from lms.accounts.models import AccountToken, LoginAttempt, User
from lms.accounts.passwords import hash_password, verify_password
from lms.core.database import utcnow
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import post_form

GENERIC = "Email or password is incorrect."


def sign_in(client, email, password=PASSWORD, **extra):
    data = {"email": email, "password": password}
    data.update(extra.pop("data", {}))
    return post_form(client, "/login", data, **extra)


def signed_in_user_id(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


@pytest.fixture
def person(db):
    user = factories.make_user(email="amina@example.test", name="Amina Wanjiru")
    db.session.commit()
    return user


# Login -------------------------------------------------------------------


def test_login_page_renders_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html and 'name="remember"' in html
    assert 'name="csrf_token"' in html
    assert "/password/forgot" in html


def test_login_success_signs_in_and_records_attempt(client, person, db):
    response = sign_in(client, "  Amina@Example.TEST ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in_user_id(client) == f"{person.id}:{person.session_version}"
    db.session.expire_all()
    assert db.session.get(User, person.id).last_login_at is not None
    attempt = db.session.scalars(select(LoginAttempt)).one()
    assert attempt.succeeded is True and attempt.email == "amina@example.test"
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize(
    "email, password",
    [("amina@example.test", "wrong-password-123"), ("nobody@example.test", PASSWORD), ("not an email", "distinctive-guess-77")],
)
def test_login_failure_shows_one_generic_message_and_keeps_email(client, person, db, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert GENERIC in html
    assert f'value="{email}"' in html
    assert password not in html  # the password is never sent back
    assert signed_in_user_id(client) is None
    failed = db.session.scalars(select(LoginAttempt)).one()
    assert failed.succeeded is False


def _comparable(html: str, email: str) -> str:
    """The page without what legitimately differs: the typed email and the CSRF token."""
    html = html.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", html)


def test_unknown_email_and_wrong_password_give_identical_pages(client, person):
    unknown = sign_in(client, "nobody@example.test", "wrong-password-123").get_data(as_text=True)
    wrong = sign_in(client, "amina@example.test", "wrong-password-123").get_data(as_text=True)
    assert GENERIC in wrong
    assert _comparable(unknown, "nobody@example.test") == _comparable(wrong, "amina@example.test")


@pytest.mark.parametrize("state", ["deactivated", "not_accepted"])
def test_deactivated_or_not_accepted_accounts_cannot_sign_in(client, db, state):
    if state == "deactivated":
        user = factories.make_user(email="gone@example.test", deactivated_at=utcnow())
    else:
        user = factories.make_user(email="gone@example.test", password=None)
    db.session.commit()
    response = sign_in(client, user.email)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert GENERIC in html
    assert "invitation" in html  # the page explains what invited people should do
    assert signed_in_user_id(client) is None


def test_remember_me_sets_cookie_only_when_asked(client, app, person):
    cookie_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    sign_in(client, person.email)
    assert client.get_cookie(cookie_name) is None
    other = app.test_client()
    sign_in(other, person.email, data={"remember": "y"})
    cookie = other.get_cookie(cookie_name)
    assert cookie is not None and cookie.http_only
    assert cookie.value.startswith(f"{person.id}:{person.session_version}|")


def test_remember_cookie_alone_signs_person_in(client, app, person):
    cookie_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    sign_in(client, person.email, data={"remember": "y"})
    value = client.get_cookie(cookie_name).value
    fresh = app.test_client()
    fresh.set_cookie(cookie_name, value)
    assert fresh.get("/profile").status_code == 200


def test_session_is_renewed_at_login(client, person):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = client.get_cookie("session").value
    sign_in(client, person.email)
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{person.id}:{person.session_version}"


@pytest.mark.parametrize("target, expected", [
    ("/profile", "/profile"),
    ("/profile?tab=1", "/profile?tab=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("http:/evil.example", "/"),
    ("", "/"),
])
def test_next_parameter_only_follows_local_paths(client, person, target, expected):
    response = sign_in(client, person.email, data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_login_required_page_round_trip_through_next(client, person):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login?next=%2Fprofile" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/profile"' in page or 'value="/profile"' in page
    assert sign_in(client, person.email, data={"next": "/profile"}).headers["Location"] == "/profile"


def test_signed_in_person_visiting_login_goes_home(client, person, login):
    login(client, person)
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_outdated_hash_is_upgraded_at_login(client, app, db, person):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    person.password_hash = weak
    db.session.commit()
    sign_in(client, person.email)
    db.session.expire_all()
    upgraded = db.session.get(User, person.id).password_hash
    assert upgraded != weak
    assert f"m={app.config['ARGON2_MEMORY_COST']}" in upgraded
    assert verify_password(upgraded, PASSWORD)


# Logout ------------------------------------------------------------------


def test_logout_is_post_only(client, person, login):
    login(client, person)
    assert client.get("/logout").status_code == 405
    assert client.get("/profile").status_code == 200


def test_logout_ends_session_and_removes_remember_cookie(client, app, person):
    cookie_name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    sign_in(client, person.email, data={"remember": "y"})
    assert client.get_cookie(cookie_name) is not None
    response = post_form(client, "/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get_cookie(cookie_name) is None
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/profile").status_code == 302
    assert "You have signed out." in client.get("/login").get_data(as_text=True)


def test_logout_without_csrf_token_is_refused(client, person, login):
    login(client, person)
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200


# Rate limiting -----------------------------------------------------------


@pytest.fixture
def small_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 3)
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 5)
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW_MINUTES", 15)


@pytest.fixture
def password_checks(monkeypatch):
    calls = []
    real = operations.verify_password

    def spy(password_hash, password):
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(operations, "verify_password", spy)
    return calls


def test_account_limit_refuses_with_429_without_checking_password(client, person, small_limits, password_checks):
    for _ in range(3):
        assert sign_in(client, person.email, "wrong-password-123").status_code == 200
    assert len(password_checks) == 3
    refused = sign_in(client, person.email, PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert "Too many failed attempts. Try again in 15 minutes." in refused.get_data(as_text=True)
    assert len(password_checks) == 3  # the password was not looked at
    assert signed_in_user_id(client) is None


def test_account_limit_applies_from_any_address(app, person, small_limits):
    for n in range(3):
        sign_in(app.test_client(), person.email, "wrong-password-123", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    refused = sign_in(app.test_client(), person.email, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert refused.status_code == 429


def test_address_limit_counts_failures_across_accounts(app, db, person, small_limits, password_checks):
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(5):
        sign_in(app.test_client(), f"guess{n}@example.test", "wrong-password-123", environ_base=attacker)
    checks = len(password_checks)
    refused = sign_in(app.test_client(), person.email, environ_base=attacker)
    assert refused.status_code == 429
    assert len(password_checks) == checks
    # The account itself is fine from another address.
    assert sign_in(app.test_client(), person.email, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 302


def test_failures_before_a_successful_login_do_not_count_for_the_account(client, person, small_limits):
    for _ in range(2):
        sign_in(client, person.email, "wrong-password-123")
    assert sign_in(client, person.email).status_code == 302
    post_form(client, "/logout")
    for _ in range(2):
        assert sign_in(client, person.email, "wrong-password-123").status_code == 200
    assert sign_in(client, person.email).status_code == 302


def test_old_failures_leave_the_window(client, db, person, small_limits):
    long_ago = utcnow() - timedelta(minutes=16)
    for _ in range(5):
        db.session.add(LoginAttempt(email=person.email, ip_address="127.0.0.1", succeeded=False,
                                    attempted_at=long_ago))
    db.session.commit()
    assert sign_in(client, person.email).status_code == 302


def test_wait_is_counted_from_the_failure_that_must_expire(db, person, small_limits):
    now = utcnow()
    for minutes_ago in (14, 10, 2):
        db.session.add(LoginAttempt(email=person.email, ip_address="x", succeeded=False,
                                    attempted_at=now - timedelta(minutes=minutes_ago)))
    db.session.flush()
    assert throttle.login_wait_minutes(person.email, "y") == 1  # the 14-minute-old one expires next


def test_old_attempts_are_pruned(db, person):
    db.session.add(LoginAttempt(email="a@example.test", ip_address="x", attempted_at=utcnow() - timedelta(days=2)))
    db.session.add(LoginAttempt(email="b@example.test", ip_address="x", attempted_at=utcnow()))
    db.session.flush()
    assert throttle.prune_old_attempts() == 1
    assert db.session.scalars(select(LoginAttempt.email)).all() == ["b@example.test"]


# Passwords ---------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(person):
    assert person.password_hash.startswith("$argon2id$")
    assert PASSWORD not in person.password_hash
    assert verify_password(person.password_hash, PASSWORD)
    assert not verify_password(person.password_hash, PASSWORD + "x")


def test_production_uses_strong_argon2_parameters(monkeypatch, make_app):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    production = make_app("production")
    assert production.config["ARGON2_MEMORY_COST"] >= 65536
    assert production.config["ARGON2_TIME_COST"] >= 2
    with production.app_context():
        hashed = hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$")
    assert "m=65536" in hashed


# create-coordinator ------------------------------------------------------


def test_create_coordinator_creates_and_prints_invitation_link(app, db, outbox):
    result = app.test_cli_runner().invoke(args=["lms", "create-coordinator", "--email", "Head@Office.example",
                                                "--name", "Hana Head"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "head@office.example"))
    assert user.is_coordinator and user.name == "Hana Head" and user.password_hash is None
    assert "http://localhost/invitation/" in result.output
    link = next(line for line in result.output.splitlines() if "/invitation/" in line).strip()
    assert [m["to"] for m in outbox] == ["head@office.example"]
    assert link in outbox[0]["body"]
    # The printed link works.
    page = app.test_client().get(link.replace("http://localhost", ""))
    assert page.status_code == 200 and "Hana Head" in page.get_data(as_text=True)


def test_create_coordinator_promotes_existing_person(app, db, person, outbox):
    result = app.test_cli_runner().invoke(args=["lms", "create-coordinator", "--email", person.email,
                                                "--name", "Ignored"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.get(User, person.id)
    assert user.is_coordinator and user.name == "Amina Wanjiru"
    assert "already have a password" in result.output
    assert outbox == []
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.test", ""])
def test_create_coordinator_refuses_bad_email(app, db, email):
    result = app.test_cli_runner().invoke(args=["lms", "create-coordinator", "--email", email, "--name", "X Y"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(AccountToken.id))) == 0
