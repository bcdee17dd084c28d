"""The demo command: the two 2024 CPI programs, three demo accounts, and its safety rules."""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, text

from lms.accounts.models import User
from lms.accounts.passwords import verify_password
from lms.core.timezones import zones_by_country
from lms.demo import data
from lms.enrolment.models import Enrolment, EnrolmentEvent
from lms.programs.models import Field, Group, Module, ModuleTrainer, Organisation, Program, Track
from tests import factories as f

PASSWORD = "demo-password-2024"


def run_demo(app, *args):
    return app.test_cli_runner().invoke(args=["lms", "demo", *args])


@pytest.fixture
def demo(app, db):
    result = run_demo(app)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def _program(db, code) -> Program:
    return db.session.scalar(select(Program).where(Program.code == code))


def _enrolments(db, code) -> list[Enrolment]:
    return db.session.scalars(
        select(Enrolment).join(Enrolment.program).where(Program.code == code)
    ).all()


def _user(db, email) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_experts_program_has_47_participants_from_18_countries_in_4_modules(db, demo):
    enrolments = _enrolments(db, "CETP-2024")
    assert len(enrolments) == 47
    assert len({e.user.country for e in enrolments}) == 18
    per_module = Counter(e.module.short_title for e in enrolments)
    assert set(per_module) == {"Publication", "Cultural Products", "Performing Arts 1", "Performing Arts 2"}
    assert sum(per_module.values()) == 47
    assert all(11 <= count <= 13 for count in per_module.values()), per_module
    for e in enrolments:
        assert e.track_id == e.module.track_id
        assert e.group is not None and e.group.program_id == e.program_id
        assert e.group.name.startswith(e.module.short_title + " team ")
        assert e.status == "active"


def test_administrators_program_has_20_participants_from_9_countries_in_delegations(db, demo):
    enrolments = _enrolments(db, "CATP-2024")
    assert len(enrolments) == 20
    countries = Counter(e.user.country for e in enrolments)
    assert len(countries) == 9
    assert all(2 <= n <= 3 for n in countries.values()), countries
    delegation_of = {}
    for e in enrolments:
        assert e.group.name.startswith("Delegation: ")
        assert delegation_of.setdefault(e.user.country, e.group.name) == e.group.name
    assert len(set(delegation_of.values())) == 9  # one group per country
    assert delegation_of["VN"] == "Delegation: Viet Nam"
    module = enrolments[0].module
    assert {e.module_id for e in enrolments} == {module.id}
    assert module.field.name == "Cultural Policy"
    assert module.organisation.name == "CPI Program Office"
    assert "Cultural Infrastructure" in module.title


def test_dates_tracks_modules_and_organisations_match_the_report(db, demo):
    experts = _program(db, "CETP-2024")
    assert experts.name == "2024 Cultural Experts Training Program"
    assert experts.year == 2024 and experts.timezone == "Asia/Seoul"
    assert (experts.online_start, experts.online_end) == (date(2024, 7, 22), date(2024, 8, 2))
    tracks = {t.name: t for t in experts.tracks}
    assert set(tracks) == {"Intensive", "General"}
    assert (tracks["Intensive"].offline_start, tracks["Intensive"].offline_end) == (date(2024, 8, 19),
                                                                                    date(2024, 9, 13))
    assert tracks["Intensive"].offline_window.weeks == 4
    assert (tracks["General"].offline_start, tracks["General"].offline_end) == (date(2024, 8, 19),
                                                                                date(2024, 9, 6))
    assert tracks["General"].offline_window.weeks == 3
    modules = {(m.track.name, m.field.name, m.organisation.name): m.title
               for t in experts.tracks for m in t.modules}
    assert modules == {
        ("Intensive", "Publication", "EDCN"):
            "Capacity Building for Planning and Creating Digital-based Contents for Children’s Education",
        ("Intensive", "Cultural Products", "Design Council Busan"):
            "Capacity Building for Developing and Marketing Cultural Products Based on Design Thinking",
        ("General", "Performing Arts", "Trust Dance Theatre"):
            "Capacity Building for Performing Arts Professionals for a Sustainable Cultural and Artistic Ecosystem",
        ("General", "Performing Arts", "Chuncheon Puppet Festival"):
            "Capacity Building for Developing Citizen-Led Festival Programs",
    }

    admins = _program(db, "CATP-2024")
    assert admins.name == "2024 Cultural Administrators Training Program"
    assert (admins.online_start, admins.online_end) == (date(2024, 8, 19), date(2024, 8, 23))
    [track] = admins.tracks
    assert (track.offline_start, track.offline_end, track.offline_location) == (date(2024, 9, 2),
                                                                                date(2024, 9, 6), "Seoul")
    assert admins.online_window.days == 5 and track.offline_window.days == 5

    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    assert organisations["CPI Program Office"].kind == "host"
    assert experts.host_organisation.name == admins.host_organisation.name == "CPI Program Office"
    for name, city in [("EDCN", "Seoul"), ("Design Council Busan", "Busan"), ("Trust Dance Theatre", "Seoul"),
                       ("Chuncheon Puppet Festival", "Chuncheon")]:
        assert organisations[name].kind == "training_partner"
        assert (organisations[name].country, organisations[name].city) == ("KR", city)
    assert set(db.session.scalars(select(Field.name))) == {"Publication", "Cultural Products", "Performing Arts",
                                                            "Cultural Policy"}


def test_trainers_and_coordinators(db, demo):
    for module in db.session.scalars(select(Module)):
        trainers = module.trainers
        assert len(trainers) == 2
        for trainer in trainers:
            assert trainer.country == "KR" and trainer.timezone == "Asia/Seoul"
            assert trainer.organisation == module.organisation.name
    coordinators = db.session.scalars(select(User).where(User.is_coordinator.is_(True))).all()
    assert len(coordinators) == 2
    assert all(c.organisation == "CPI Program Office" for c in coordinators)


def test_the_three_demo_accounts(db, demo):
    coordinator = _user(db, "coordinator@demo.test")
    trainer = _user(db, "trainer@demo.test")
    participant = _user(db, "participant@demo.test")
    for user in (coordinator, trainer, participant):
        assert user is not None and user.is_active and user.has_accepted_invitation
        assert verify_password(user.password_hash, PASSWORD)
        assert not verify_password(user.password_hash, "wrong-password-2024")

    assert coordinator.is_coordinator
    assert not trainer.is_coordinator and not participant.is_coordinator

    [link] = db.session.scalars(select(ModuleTrainer).where(ModuleTrainer.user_id == trainer.id)).all()
    assert link.module.field.name == "Publication" and link.module.track.program.code == "CETP-2024"

    [enrolment] = db.session.scalars(select(Enrolment).where(Enrolment.user_id == participant.id)).all()
    assert enrolment.program.code == "CETP-2024"
    assert enrolment.module.field.name == "Publication"
    assert enrolment.group is not None
    assert enrolment.status == "active"


def test_people_are_plausible_and_use_reserved_domains(db, demo):
    users = db.session.scalars(select(User)).all()
    assert len(users) == 47 + 20 + 10 + 2
    assert len({u.email for u in users}) == len(users)
    for user in users:
        assert re.fullmatch(r"[a-z0-9.\-]+@(example\.(org|com|net)|demo\.test)", user.email), user.email
        assert user.timezone in zones_by_country()[user.country], (user.name, user.country, user.timezone)
        assert user.organisation and user.job_title
        assert user.password_changed_at is not None
    # One hash computed once and shared (hashing each account would be slow).
    assert db.session.scalar(select(func.count(func.distinct(User.password_hash)))) == 1
    # Every enrolment has its history.
    assert db.session.scalar(select(func.count(EnrolmentEvent.id))) == 67


def test_output_summarises_programs_and_accounts(demo):
    out = demo.output
    assert "2024 Cultural Experts Training Program (CETP-2024): 47 participants from 18 countries" in out
    assert "2024 Cultural Administrators Training Program (CATP-2024): 20 participants from 9 countries" in out
    assert "Kenya 3" in out and "Sri Lanka 3" in out
    for email in ("coordinator@demo.test", "trainer@demo.test", "participant@demo.test"):
        assert re.search(rf"{re.escape(email)}\s+password: demo-password-2024", out)


def test_demo_data_is_deterministic(db):
    emails = [f"{p.name}|{p.country}|{p.module}" for p in data.EXPERT_PARTICIPANTS]
    assert len(emails) == 47 and len(set(emails)) == 47
    assert len({p.country for p in data.EXPERT_PARTICIPANTS}) == 18
    assert len(data.ADMINISTRATOR_PARTICIPANTS) == 20
    assert len({p.country for p in data.ADMINISTRATOR_PARTICIPANTS}) == 9
    assert set(data.DELEGATIONS) == {p.country for p in data.ADMINISTRATOR_PARTICIPANTS}


def test_if_empty_does_nothing_the_second_time(app, db, demo):
    before = db.session.scalar(select(func.count(User.id)))
    result = run_demo(app, "--if-empty")
    assert result.exit_code == 0
    assert "already has data" in result.output
    assert db.session.scalar(select(func.count(User.id))) == before
    assert db.session.scalar(select(func.count(Program.id))) == 2


def test_if_empty_loads_an_empty_database(app, db):
    result = run_demo(app, "--if-empty")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Enrolment.id))) == 67


def test_refuses_a_database_with_data_unless_reset(app, db):
    f.make_user(email="someone@example.test", name="Someone Real")
    db.session.commit()

    refused = run_demo(app)
    assert refused.exit_code == 1
    assert "--reset" in refused.output
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert db.session.scalar(select(func.count(Program.id))) == 0

    reset = run_demo(app, "--reset")
    assert reset.exit_code == 0, reset.output
    db.session.expire_all()
    assert _user(db, "someone@example.test") is None
    assert db.session.scalar(select(func.count(Enrolment.id))) == 67

    again = run_demo(app, "--reset")  # replaces, never duplicates
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Enrolment.id))) == 67
    assert db.session.scalar(select(func.count(Group.id))) == 8 + 9
    assert db.session.scalar(select(func.count(Track.id))) == 3


def test_reset_keeps_the_alembic_version_table(app, db):
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('abc123')"))
    try:
        f.make_user()
        db.session.commit()
        assert run_demo(app, "--reset").exit_code == 0
        db.session.expire_all()
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "abc123"
        assert db.session.scalar(select(func.count(User.id))) == 79
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))


def test_refuses_to_run_with_the_production_config(monkeypatch, make_app, db):
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    production = make_app("production")
    # Flask's CLI uses the app of the current context (the test's one is pushed by the autouse fixture).
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["lms", "demo"])
    assert result.exit_code == 1
    assert "Refusing to load demo data with the production configuration" in result.output
    assert "Sign in with" not in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("participant@demo.test", ["2024 Cultural Experts Training Program", "Your programs",
                                   "Children’s Education", "Ji-young Park", "Publication team"]),
        ("trainer@demo.test", ["Modules you train", "Children’s Education", "Wanjiru Kamau", "Kenya"]),
        ("coordinator@demo.test", ["Active programs", "2024 Cultural Experts Training Program",
                                   "2024 Cultural Administrators Training Program", "Active: 47", "Active: 20"]),
    ],
)
def test_each_demo_account_lands_on_its_home(client, login, db, demo, email, expected):
    login(client, _user(db, email))
    response = client.get("/")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True))))
    for snippet in expected:
        assert snippet in text, snippet


def test_demo_loads_quickly(app, db):
    import time

    started = time.perf_counter()
    assert run_demo(app).exit_code == 0
    assert time.perf_counter() - started < 3
