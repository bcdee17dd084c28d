"""Shared fixtures: the app, a clean database per test, a client, people of every role."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from lms import create_app
from lms.extensions import db as _db
from tests import factories


def _compile_catalogs() -> None:
    """Compile message catalogs that are newer than their .mo (``make test`` does it too)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).resolve().parent.parent / "lms" / "translations").glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    _compile_catalogs()
    if not os.environ.get("TEST_DATABASE_URL"):
        # A file (not :memory:) so that several connections and threads share it.
        os.environ["TEST_DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    application = create_app("testing")
    with application.app_context():
        _db.drop_all()
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs in an app context and starts with empty tables."""
    with app.app_context():
        yield
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
        app.extensions.pop("lms_mail_sender", None)


@pytest.fixture
def make_app(app):
    """Build another app (other config); the shared Socket.IO server is re-bound afterwards."""
    from lms import init_socketio

    built = []

    def _make(*args, **kwargs):
        built.append(create_app(*args, **kwargs))
        return built[-1]

    yield _make
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()
    init_socketio(app)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(app, client, user) -> None:
    """Put a signed-in session for ``user`` into the test client's cookie."""
    from flask_login.utils import _create_identifier

    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier


@pytest.fixture
def login(app):
    def _login(client, user):
        _db.session.commit()
        sign_in(app, client, user)
        return client

    return _login


@pytest.fixture
def coordinator(db):
    user = factories.make_user(email="coord@example.test", name="Clara Coordinator", coordinator=True,
                               country="KR", timezone="Asia/Seoul")
    db.session.commit()
    return user


@dataclass
class World:
    """A small program with every role: used by access and page tests."""

    program: object
    track: object
    other_track: object
    module: object
    other_module: object
    group: object
    coordinator: object
    trainer: object
    other_trainer: object
    participant: object
    other_participant: object
    enrolment: object
    other_enrolment: object
    organisation: object
    field: object


@pytest.fixture
def world(db, coordinator):
    f = factories
    org = f.make_organisation("EDCN")
    field = f.make_field("Publication")
    program = f.make_program(name="2024 Cultural Experts Training Program", code="CETP-2024")
    track = f.make_track(program, name="Intensive")
    other_track = f.make_track(program, name="General", offline=(factories.date(2024, 8, 19),
                                                                  factories.date(2024, 9, 6)))
    trainer = f.make_user(email="trainer@example.test", name="Tomas Trainer", country="KR",
                          timezone="Asia/Seoul")
    other_trainer = f.make_user(email="trainer2@example.test", name="Olga Other", country="KR",
                                timezone="Asia/Seoul")
    module = f.make_module(track, title="Digital contents for children", field=field, organisation=org,
                           trainers=[trainer])
    other_module = f.make_module(other_track, title="Citizen-led festivals", organisation=org,
                                 trainers=[other_trainer])
    group = f.make_group(program, "Kenya delegation")
    participant = f.make_user(email="participant@example.test", name="Amina Participant", country="KE",
                              timezone="Africa/Nairobi")
    other_participant = f.make_user(email="other@example.test", name="Bruno Other", country="BR",
                                    timezone="America/Sao_Paulo")
    enrolment = f.enrol(participant, program, module=module, group=group)
    other_enrolment = f.enrol(other_participant, program, module=other_module)
    db.session.commit()
    return World(program, track, other_track, module, other_module, group, coordinator, trainer,
                 other_trainer, participant, other_participant, enrolment, other_enrolment, org, field)


@pytest.fixture
def count_queries(db):
    """``with count_queries() as queries: ...`` then ``len(queries)``."""

    @contextmanager
    def _count():
        statements: list[str] = []

        def _record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(_db.engine, "before_cursor_execute", _record)
        try:
            yield statements
        finally:
            event.remove(_db.engine, "before_cursor_execute", _record)

    return _count


@pytest.fixture
def outbox(app):
    """The memory mail sender's list of sent messages."""
    from lms.mail.senders import get_sender

    return get_sender(app).sent


@pytest.fixture(autouse=True)
def _forget_signed_in_user_between_requests(app):
    """Test requests run inside the test's app context and so share its ``g``,
    where Flask-Login caches the signed-in user: forget it at the start of
    every request so that each client is judged by its own cookies."""
    from flask import g, request_started

    from flask_babel import refresh

    def _forget(sender, **extra):
        g.pop("_login_user", None)
        refresh()  # Flask-Babel caches the locale and zone on the same context

    request_started.connect(_forget, app)
    yield
    request_started.disconnect(_forget, app)
