"""The program model represents every case of issue 2 without code changes.

Online-only programs, offline dates to be announced, an offline window across
the new year, one person in programs of different years, at most one group per
person and program, emails unique whatever their case, the enrolment statuses
later stages add.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.core.timezones import DateWindow
from lms.enrolment import operations
from lms.enrolment.models import Enrolment, EnrolmentStatus
from tests import factories as f


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_online_only_program_has_no_offline_window(db):
    program = f.make_program(name="2025 Online Forum", has_offline_phase=False)
    track = f.make_track(program, offline=(date(2025, 9, 1), date(2025, 9, 5)))
    assert program.is_online_only
    assert track.offline_window is None  # whatever dates may be stored from before
    assert program.online_window.describe() == "Jul 22, 2024 – Aug 2, 2024 (Asia/Seoul)"


def test_offline_dates_may_be_to_be_announced(db):
    program = f.make_program()
    track = f.make_track(program, offline=None, location="Jeju")
    window = track.offline_window
    assert not window.is_announced and window.state() == "tba"
    assert window.starts_at is None and window.days is None
    assert window.describe() == "Dates to be announced"
    assert window.describe_for_viewer("Europe/Paris") == ""


def test_offline_window_may_cross_the_new_year(db):
    program = f.make_program(name="2026 Winter Program", year=2026,
                             online=(date(2026, 11, 30), date(2026, 12, 11)))
    track = f.make_track(program, offline=(date(2026, 12, 20), date(2027, 1, 15)), location="Gangneung")
    window = track.offline_window
    assert window.days == 27 and window.weeks == 4
    assert window.starts_at == utc(2026, 12, 19, 15)  # midnight in Seoul
    assert window.ends_at == utc(2027, 1, 15, 15)
    assert window.state(utc(2026, 12, 31, 12)) == "current"
    assert window.state(utc(2027, 1, 15, 16)) == "past"
    assert window.describe() == "Dec 20, 2026 – Jan 15, 2027 (Asia/Seoul)"


def test_a_window_is_shown_in_the_viewers_zone_in_their_language(app, db):
    window = DateWindow(date(2024, 8, 19), date(2024, 9, 13), "Asia/Seoul")
    with app.test_request_context():
        assert window.describe_for_viewer("Asia/Seoul") == ""  # nothing to add in the window's own zone
        assert window.describe_for_viewer("Africa/Nairobi") == (
            "In your time zone: from Sun, Aug 18, 2024, 18:00 (Africa/Nairobi, EAT) "
            "to Fri, Sep 13, 2024, 17:59 (Africa/Nairobi, EAT)")
        with force_locale("ko"):
            korean = window.describe_for_viewer("Africa/Nairobi")
    assert "2024년 8월 18일 (일) 18:00 (Africa/Nairobi, EAT)" in korean


def test_one_person_takes_part_in_programs_of_different_years(db):
    person = f.make_user(name="Wanjiru Kamau")
    first = f.make_program(name="2024 Cultural Experts Training Program", year=2024)
    second = f.make_program(name="2025 Cultural Administrators Training Program", year=2025,
                            online=(date(2025, 8, 18), date(2025, 8, 22)))
    operations.enrol_participant(person, first, module=f.make_module(f.make_track(first)))
    operations.enrol_participant(person, second)
    years = db.session.scalars(
        select(Enrolment.program_id).where(Enrolment.user_id == person.id).order_by(Enrolment.program_id)
    ).all()
    assert years == [first.id, second.id]


def test_a_person_is_enrolled_once_per_program_so_in_at_most_one_group(db):
    person = f.make_user()
    program = f.make_program()
    first, second = f.make_group(program, "Kenya delegation"), f.make_group(program, "Presenters")
    operations.enrol_participant(person, program, group=first)
    with pytest.raises(operations.AlreadyEnrolled):
        operations.enrol_participant(person, program, group=second)
    # The database holds the rule even for code that skips the operation.
    db.session.add(Enrolment(user=person, program=program, group=second, status="active"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_placement_never_reaches_into_another_program(db):
    person = f.make_user()
    program, other = f.make_program(), f.make_program()
    foreign_group = f.make_group(other)
    foreign_module = f.make_module(f.make_track(other))
    with pytest.raises(ValueError):
        operations.enrol_participant(person, program, group=foreign_group)
    with pytest.raises(ValueError):
        operations.enrol_participant(person, program, module=foreign_module)
    enrolment = operations.enrol_participant(person, program)
    with pytest.raises(ValueError):
        operations.update_enrolment(enrolment, track=None, module=None, group=foreign_group,
                                    status="active", actor=None, note=None)
    assert enrolment.group_id is None


def test_emails_are_unique_whatever_their_case(db):
    f.make_user(email="Amina.Njeri@Example.org")
    assert db.session.scalars(select(User.email)).all() == ["amina.njeri@example.org"]
    db.session.add(User(email="  AMINA.NJERI@example.ORG ", name="Someone else", timezone="UTC"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_enrolment_statuses_are_open_to_later_stages(db):
    enrolment = f.enrol(f.make_user(), f.make_program(), status="eligible_for_offline")  # a future status
    db.session.flush()
    assert enrolment.status == "eligible_for_offline" and enrolment.status_enum is None
    assert enrolment.status_label == "eligible_for_offline"
    assert {"invited", "active", "withdrawn"} <= {status.value for status in EnrolmentStatus}
