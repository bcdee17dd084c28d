"""The app factory, configuration, health check and security defaults."""

import pytest
from sqlalchemy import text

from lms.core.security import InsecureConfiguration


def test_healthz_reports_ok_when_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_503_when_database_unreachable(monkeypatch, make_app):
    monkeypatch.setenv("TEST_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    broken = make_app("testing")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


@pytest.mark.parametrize("key", [None, "short", "dev-only-insecure-secret-key-change-me"])
def test_production_refuses_to_start_without_real_secret_key(monkeypatch, make_app, key):
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(InsecureConfiguration):
        make_app("production")


def test_production_starts_with_real_secret_key_and_secure_cookies(monkeypatch, make_app):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = make_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["MAX_CONTENT_LENGTH"] > 0


def test_security_headers_on_every_response(client):
    response = client.get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_socketio_async_mode_is_explicit(app, make_app, monkeypatch):
    from lms.extensions import socketio

    assert socketio.server.eio.async_mode == "threading"  # tests use threads
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    make_app("development")
    assert socketio.server.eio.async_mode == "gevent"  # the served app


def test_unknown_page_is_404_with_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404


def test_proxy_count_trusts_forwarded_client_address(make_app, monkeypatch):
    from flask import request

    monkeypatch.setenv("PROXY_COUNT", "1")
    proxied = make_app("testing")

    @proxied.get("/_whoami")
    def whoami():
        return request.remote_addr

    response = proxied.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_mail_is_delivered_in_background_when_served(app, client, world, outbox, monkeypatch):
    import time

    from tests.helpers import post_form

    monkeypatch.setitem(app.config, "MAIL_DELIVER_IN_BACKGROUND", True)
    response = post_form(client, "/password/forgot", {"email": world.participant.email})
    assert response.status_code in (200, 302)
    deadline = time.monotonic() + 5
    while not outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [message["to"] for message in outbox] == [world.participant.email]


def test_configuration_comes_from_the_environment(monkeypatch):
    import config

    for name in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL", "MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT"):
        monkeypatch.delenv(name, raising=False)
    development = config.DevelopmentConfig()
    assert development.SQLALCHEMY_DATABASE_URI == f"sqlite:///{config.INSTANCE_DIR / 'lms.sqlite3'}"
    assert development.SECRET_KEY == config.DEVELOPMENT_SECRET_KEY and development.REDIS_URL is None
    assert development.MAIL_BACKEND == "log"  # development writes emails to the log
    assert config.ProductionConfig().MAIL_BACKEND == "smtp"

    monkeypatch.setenv("DATABASE_URL", "postgres://lms@db.example/lms")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "2525")
    configured = config.ProductionConfig()
    assert configured.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://lms@db.example/lms"
    assert configured.REDIS_URL == "redis://127.0.0.1:6379/0"
    assert (configured.MAIL_SERVER, configured.MAIL_PORT) == ("smtp.example.org", 2525)


def test_unknown_configuration_name_is_refused(make_app):
    with pytest.raises(ValueError, match="unknown configuration"):
        make_app("staging")
