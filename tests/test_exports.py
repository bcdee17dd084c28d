"""Exports of a program (lms.reports): the five tables' numbers, filters, CSV and XLSX files,
the pages (coordinators only), the command line, and a constant number of queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from lms.admission.models import AdmissionDecision
from lms.assignments.models import Extension, Grade, Submission, SubmissionVersion
from lms.enrolment.models import EnrolmentStatus
from lms.learning.models import Completion
from lms.live.models import AttendanceCorrection, Connection, LiveSession
from lms.offline.models import CheckIn
from lms.programs.models import Program
from lms.readiness.models import Readiness
from lms.reports import exports, writers
from lms.reports.filters import Filters
from tests import factories as f

UTC = timezone.utc
NOW = datetime(2024, 7, 30, 12, 0, tzinfo=UTC)


def at(month, day, hour=0, minute=0):
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


def rows_by(table, *keys):
    """{(values of the key columns): {header: value}} for every row."""
    result = {}
    for row in table.rows:
        record = dict(zip(table.headers, row, strict=True))
        result[tuple(record[key] for key in keys)] = record
    return result


# --------------------------------------------------------------------------
# A small cohort, numbers computed by hand
# --------------------------------------------------------------------------


class Cohort:
    pass


def _complete(user, item, when):
    from lms.extensions import db

    db.session.add(Completion(user_id=user.id, item_id=item.id, completed_at=when, how="viewed"))


def _version(submission, number, when, author, late=False):
    from lms.extensions import db

    version = SubmissionVersion(submission=submission, number=number, text="work", author_id=author.id,
                                submitted_at=when, is_late=late, receipt="0" * 64)
    db.session.add(version)
    return version


@pytest.fixture
def cohort(world, db, coordinator):
    """world.participant Amina (KE, world.module, Kenya delegation, active), world.other_participant Bruno
    (BR, other_module in the General track, active), and Chén 김 (CN, world.module, Kenya delegation,
    admitted, with a readiness record).

    Outline of world.module: Welcome (program-wide), Lesson one, Lesson two, Essay (due 26 July),
    Group report (group work, due 1 August), Further reading (optional). Bruno's outline: Welcome.
    """
    c = Cohort()
    c.world = world
    program, module, group = world.program, world.module, world.group
    c.amina, c.bruno = world.participant, world.other_participant
    c.chen = f.make_user(email="chen@example.test", name="Chén 김", country="CN", timezone="Asia/Shanghai")
    c.chen_enrolment = f.enrol(c.chen, program, module=module, group=group, status=EnrolmentStatus.ADMITTED)

    orientation = f.make_unit(program=program, title="Orientation", position=0)
    c.welcome = f.make_item(orientation, "lesson", title="Welcome", position=0)
    unit = f.make_unit(module, title="Week 1", position=1)
    c.lesson1 = f.make_item(unit, "lesson", title="Lesson one", position=1)
    c.lesson2 = f.make_item(unit, "lesson", title="Lesson two", position=2)
    c.essay = f.make_assignment(unit, title="Essay", due_at=at(7, 26, 15), points=100, pass_points=50)
    c.report = f.make_assignment(unit, title="Group report", due_at=at(8, 1, 15), group_submission=True)
    f.make_item(unit, "lesson", title="Further reading", required=False)

    _complete(c.amina, c.welcome, at(7, 22, 10))
    _complete(c.amina, c.lesson1, at(7, 23, 10))
    _complete(c.amina, c.essay.item, at(7, 26, 10))
    _complete(c.amina, c.report.item, at(7, 29, 12))
    _complete(c.chen, c.lesson1, at(7, 23, 11))
    _complete(c.chen, c.report.item, at(7, 29, 12))

    # Amina's essay: two versions, the second late; released 40/100 (pass mark 50).
    essay_submission = Submission(assignment=c.essay, user_id=c.amina.id)
    db.session.add(essay_submission)
    db.session.flush()
    _version(essay_submission, 1, at(7, 26, 10), c.amina)
    _version(essay_submission, 2, at(7, 27, 8), c.amina, late=True)
    db.session.add(Grade(submission=essay_submission, score=40, status="released", graded_version_number=2,
                         released_at=at(7, 28, 9), rubric_levels={}))
    # The group's report, handed in by Chén: released 80/100, counts for both members.
    report_submission = Submission(assignment=c.report, group_id=group.id)
    db.session.add(report_submission)
    db.session.flush()
    _version(report_submission, 1, at(7, 29, 12), c.chen)
    db.session.add(Grade(submission=report_submission, score=80, status="released", graded_version_number=1,
                         released_at=at(7, 29, 18), rubric_levels={}))
    db.session.add(Extension(assignment=c.essay, user_id=c.chen.id, due_at=at(7, 31, 15), reason="Ill"))

    # An online session of world.module (90 minutes) and an offline one for the whole program.
    c.clinic = LiveSession(program_id=program.id, title="Clinic", starts_at=at(7, 25, 1), ends_at=at(7, 25, 2, 30),
                           audience="module", audience_id=module.id, phase="online", attendance_threshold=75)
    db.session.add(c.clinic)
    db.session.flush()
    # Amina: 60 of 90 minutes (66 %, not enough), corrected to attended with 80 minutes.
    db.session.add(Connection(session_id=c.clinic.id, user_id=c.amina.id, sid="a1", joined_at=at(7, 25, 1),
                              left_at=at(7, 25, 2), last_seen_at=at(7, 25, 2)))
    db.session.add(AttendanceCorrection(session_id=c.clinic.id, user_id=c.amina.id, attended=True, minutes=80,
                                        reason="Connection trouble", corrected_by_id=coordinator.id,
                                        corrected_at=at(7, 25, 3)))
    # Chén: the whole session.
    db.session.add(Connection(session_id=c.clinic.id, user_id=c.chen.id, sid="c1", joined_at=at(7, 25, 0, 55),
                              left_at=at(7, 25, 2, 40), last_seen_at=at(7, 25, 2, 40)))
    c.ceremony = f.make_offline_session(program, title="Opening ceremony", kind="ceremony",
                                        starts_at=at(8, 19, 0), minutes=120)
    db.session.add(CheckIn(session_id=c.ceremony.id, user_id=c.chen.id, checked_in_at=at(8, 19, 0, 5),
                           method="qr"))

    db.session.add(AdmissionDecision(enrolment_id=c.chen_enrolment.id, decision="admitted",
                                     eligibility_status="at_risk", is_override=True, reason="Strong portfolio",
                                     rules_snapshot={}, decided_by_id=coordinator.id, decided_at=at(7, 30, 9)))
    db.session.add(Readiness(enrolment_id=c.chen_enrolment.id, arrival_date=date(2024, 8, 18),
                             arrival_flight="=KE 123", dietary_needs="", emergency_name="Li Chen"))
    db.session.commit()
    c.program = program
    return c


# --------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------


def test_progress_numbers(cohort):
    table = exports.build("progress", cohort.program, now=NOW)
    assert [row[0] for row in table.rows] == ["Amina Participant", "Bruno Other", "Chén 김"]
    rows = rows_by(table, "Participant")
    amina = rows[("Amina Participant",)]
    assert amina["Email"] == "participant@example.test"
    assert amina["Country"] == "Kenya"
    assert amina["Track"] == "Intensive"
    assert amina["Group"] == "Kenya delegation"
    assert amina["Enrolment status"] == "Active"
    assert (amina["Required items done"], amina["Required items"], amina["Progress (%)"],
            amina["Overdue items"]) == (4, 5, 80, 0)
    assert amina["Next item"] == "Lesson two"
    assert amina["Last completion (UTC)"] == at(7, 29, 12)

    chen = rows[("Chén 김",)]
    assert chen["Enrolment status"] == "Admitted"
    assert (chen["Required items done"], chen["Required items"], chen["Progress (%)"],
            chen["Overdue items"]) == (2, 5, 40, 1)  # the essay: progress counts the item's own due date
    assert chen["Next item"] == "Welcome"

    bruno = rows[("Bruno Other",)]
    assert bruno["Track"] == "General"
    assert bruno["Module"] == "Citizen-led festivals"
    assert (bruno["Required items done"], bruno["Required items"], bruno["Progress (%)"]) == (0, 1, 0)
    assert bruno["Last completion (UTC)"] is None


def test_grades_long_form_group_work_counts_for_each_member(cohort):
    table = exports.build("grades", cohort.program, now=NOW)
    rows = rows_by(table, "Participant", "Assignment")
    assert list(rows) == [("Amina Participant", "Essay"), ("Amina Participant", "Group report"),
                          ("Chén 김", "Essay"), ("Chén 김", "Group report")]  # Bruno has no assignment

    essay = rows[("Amina Participant", "Essay")]
    assert essay["Assignment's module"] == "Digital contents for children"
    assert essay["Due (UTC)"] == at(7, 26, 15)
    assert essay["Extended due (UTC)"] is None
    assert essay["Submitted (UTC)"] == at(7, 27, 8)  # the latest version
    assert essay["Late"] is True
    assert essay["Versions submitted"] == 2
    assert essay["Grade status"] == "Released"
    assert (essay["Score"], essay["Points"], essay["Pass mark"]) == (40, 100, 50)
    assert essay["Passed (released grades)"] is False
    assert essay["Released (UTC)"] == at(7, 28, 9)

    for name in ("Amina Participant", "Chén 김"):
        report = rows[(name, "Group report")]
        assert report["Group work"] is True
        assert report["Score"] == 80
        assert report["Passed (released grades)"] is True
        assert report["Submitted (UTC)"] == at(7, 29, 12)
        assert report["Versions submitted"] == 1

    missing = rows[("Chén 김", "Essay")]
    assert missing["Grade status"] == "Not submitted"
    assert missing["Extended due (UTC)"] == at(7, 31, 15)
    assert missing["Versions submitted"] == 0
    assert missing["Score"] is None and missing["Passed (released grades)"] is None


def test_draft_grade_is_exported_with_its_status_but_not_as_passed(cohort, db):
    grade = db.session.scalar(
        db.select(Grade).join(Grade.submission).where(Submission.assignment_id == cohort.essay.id))
    grade.status = "draft"
    grade.score = 90
    db.session.commit()
    row = rows_by(exports.build("grades", cohort.program, now=NOW), "Participant", "Assignment")[
        ("Amina Participant", "Essay")]
    assert row["Grade status"] == "Graded (draft)"
    assert row["Score"] == 90
    assert row["Passed (released grades)"] is None
    assert row["Released (UTC)"] is None


def test_attendance_online_and_offline(cohort):
    table = exports.build("attendance", cohort.program, now=NOW)
    rows = rows_by(table, "Participant", "Session")
    # Bruno follows another module and is not admitted: no session is meant for him.
    assert list(rows) == [("Amina Participant", "Clinic"), ("Chén 김", "Clinic"), ("Chén 김", "Opening ceremony")]

    amina = rows[("Amina Participant", "Clinic")]
    assert amina["Phase"] == "Online"
    assert amina["Starts (UTC)"] == at(7, 25, 1)
    assert amina["Scheduled minutes"] == 90
    assert (amina["Attended"], amina["Minutes"], amina["Share of the time (%)"]) == (True, 80, 88)
    assert amina["Corrected"] is True
    assert amina["Correction reason"] == "Connection trouble"
    assert amina["Check-in method"] is None

    chen = rows[("Chén 김", "Clinic")]
    assert (chen["Attended"], chen["Minutes"], chen["Share of the time (%)"], chen["Corrected"]) == (
        True, 90, 100, False)

    ceremony = rows[("Chén 김", "Opening ceremony")]
    assert ceremony["Phase"] == "Offline"
    assert ceremony["Kind"] == "Ceremony"
    assert (ceremony["Attended"], ceremony["Minutes"], ceremony["Share of the time (%)"]) == (True, 120, 100)
    assert ceremony["Check-in method"] == "QR code"
    assert ceremony["Checked in (UTC)"] == at(8, 19, 0, 5)
    # The same instant, written in Korea time by the writers (09:00 KST).
    column = table.columns[table.headers.index("Starts (Korea time)")]
    assert column.zone == "Asia/Seoul"
    assert writers.local_naive(ceremony["Starts (Korea time)"], column.zone) == datetime(2024, 8, 19, 9, 0)


def test_eligibility_conditions_and_last_decision(cohort):
    table = exports.build("eligibility", cohort.program, now=NOW)
    rows = rows_by(table, "Participant")
    amina = rows[("Amina Participant",)]
    assert amina["Eligibility"] == "At risk"
    assert (amina["Online items: done"], amina["Online items: total"], amina["Online items: needed"],
            amina["Online items: met"]) == (4, 5, 4, True)
    assert (amina["Required assignments: done"], amina["Required assignments: total"],
            amina["Required assignments: met"]) == (1, 2, False)
    assert (amina["Live sessions: done"], amina["Live sessions: total"], amina["Live sessions: met"]) == (1, 1, True)
    assert (amina["Average grade: done"], amina["Average grade: needed"], amina["Average grade: met"]) == (
        60, 60, True)
    assert amina["Unmet conditions"] == "passed 1 of 2 required assignments, 2 needed (1 below the pass mark)"
    assert amina["Last decision"] is None

    chen = rows[("Chén 김",)]
    assert (chen["Online items: done"], chen["Online items: needed"], chen["Online items: met"]) == (2, 4, False)
    assert chen["Last decision"] == "Admitted"
    assert chen["Override"] is True
    assert chen["Decided by"] == "Clara Coordinator"
    assert chen["Decided (UTC)"] == at(7, 30, 9)
    assert chen["Reason"] == "Strong portfolio"

    bruno = rows[("Bruno Other",)]
    assert bruno["Eligibility"] == "On track"
    # No live sessions and no assignments for him: the conditions do not apply (empty cells).
    assert bruno["Live sessions: total"] is None and bruno["Required assignments: met"] is None


def test_readiness_every_field(cohort):
    table = exports.build("readiness", cohort.program, now=NOW)
    rows = rows_by(table, "Participant")
    assert list(rows) == [("Chén 김",)]
    chen = rows[("Chén 김",)]
    assert chen["Answer"] == "Not answered"
    assert chen["Arrival date"] == date(2024, 8, 18)
    assert chen["Arrival flight"] == "=KE 123"
    assert chen["Dietary needs"] == "No special dietary needs"
    assert chen["Emergency contact name"] == "Li Chen"
    assert chen["Terms"] == "no terms"
    assert chen["Missing"] == "Travel; Emergency contact"


# --------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------


def names(table):
    return sorted({row[0] for row in table.rows})


@pytest.mark.parametrize("args, expected", [
    ({"country": "ke"}, ["Amina Participant"]),
    ({"status": "admitted"}, ["Chén 김"]),
    ({"group": "GROUP"}, ["Amina Participant", "Chén 김"]),
    ({"track": "OTHER_TRACK"}, ["Bruno Other"]),
    ({"module": "MODULE", "country": "CN"}, ["Chén 김"]),
])
def test_filters_applied_to_every_kind(cohort, args, expected):
    world = cohort.world
    ids = {"GROUP": world.group.id, "OTHER_TRACK": world.other_track.id, "MODULE": world.module.id}
    args = {key: ids.get(value, value) for key, value in args.items()}
    filters, problems = Filters.parse(args, cohort.program)
    assert problems == {}
    assert filters.active
    table = exports.build("progress", cohort.program, filters, now=NOW)
    assert names(table) == expected
    for kind in ("grades", "attendance", "eligibility", "readiness"):
        assert set(names(exports.build(kind, cohort.program, filters, now=NOW))) <= set(expected)
    assert exports.count_participants(cohort.program, filters) == len(expected)


def test_filters_on_readiness_and_attendance(cohort):
    program = cohort.program
    assert names(exports.build("readiness", program, Filters(country="KE"), now=NOW)) == []
    assert names(exports.build("readiness", program, Filters(country="CN"), now=NOW)) == ["Chén 김"]
    attendance = exports.build("attendance", program, Filters(status="active"), now=NOW)
    assert [row[0] for row in attendance.rows] == ["Amina Participant"]


def test_filter_problems(cohort, db):
    other = f.make_program(code="OTHER-2025")
    foreign_track = f.make_track(other, name="Elsewhere")
    db.session.commit()
    filters, problems = Filters.parse({"track": str(foreign_track.id), "module": "abc", "country": "Atlantis",
                                       "status": "sleeping", "group": ""}, cohort.program)
    assert set(problems) == {"track", "module", "country", "status"}
    assert filters == Filters()
    filters, problems = Filters.parse({"country": "Kenya", "status": "Confirmed"})
    assert problems == {}
    assert filters == Filters(country="KE", status="confirmed")
    assert filters.as_args() == {"country": "KE", "status": "confirmed"}


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------


def test_csv_has_a_bom_and_keeps_korean_and_neutralises_formulas(cohort):
    body = writers.write(exports.build("readiness", cohort.program, now=NOW), "csv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Participant"
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Participant"] == "Chén 김"
    assert record["Arrival flight"] == "'=KE 123"  # not run as a formula by a spreadsheet
    assert record["Arrival date"] == "2024-08-18"


def test_csv_numbers_times_and_booleans(cohort):
    body = writers.write(exports.build("grades", cohort.program, now=NOW), "csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    essay = next(row for row in rows if row["Participant"] == "Amina Participant" and row["Assignment"] == "Essay")
    assert essay["Score"] == "40"
    assert essay["Late"] == "Yes"
    assert essay["Due (UTC)"] == "2024-07-26 15:00"
    assert essay["Extended due (UTC)"] == ""


def test_xlsx_read_back(cohort):
    body = writers.write(exports.build("attendance", cohort.program, now=NOW), "xlsx")
    workbook = load_workbook(io.BytesIO(body))
    sheet = workbook.active
    assert sheet.title == "Attendance"
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Participant", "Email", "Country"]
    assert "Starts (UTC)" in headers and "Starts (Korea time)" in headers
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width >= 20
    column = {header: index + 1 for index, header in enumerate(headers)}
    ceremony_row = next(row for row in range(2, sheet.max_row + 1)
                        if sheet.cell(row, column["Session"]).value == "Opening ceremony")
    minutes = sheet.cell(ceremony_row, column["Minutes"])
    assert minutes.value == 120 and minutes.data_type == "n"
    starts = sheet.cell(ceremony_row, column["Starts (UTC)"])
    assert isinstance(starts.value, datetime)
    assert starts.value == datetime(2024, 8, 19, 0, 0)
    assert sheet.cell(ceremony_row, column["Starts (Korea time)"]).value == datetime(2024, 8, 19, 9, 0)
    assert sheet.cell(ceremony_row, column["Attended"]).value is True
    assert sheet.cell(ceremony_row, column["Participant"]).value == "Chén 김"


def test_xlsx_text_is_never_a_formula_and_dates_are_dates(cohort):
    body = writers.write(exports.build("readiness", cohort.program, now=NOW), "xlsx")
    sheet = load_workbook(io.BytesIO(body)).active
    headers = [cell.value for cell in sheet[1]]
    flight = sheet.cell(2, headers.index("Arrival flight") + 1)
    assert flight.value == "=KE 123" and flight.data_type == "s"
    arrival = sheet.cell(2, headers.index("Arrival date") + 1).value
    assert isinstance(arrival, datetime) and arrival.date() == date(2024, 8, 18)


def test_headers_and_labels_are_translated(cohort, app):
    from flask_babel import force_locale

    with force_locale("ko"):
        table = exports.build("grades", cohort.program, now=NOW)
        body = writers.write(table, "csv").decode("utf-8-sig")
    assert table.headers[1:3] == ["이메일", "국가"]
    assert "미제출" in body  # "Not submitted"


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------


def test_index_page_links_carry_filters(cohort, client, login):
    login(client, cohort.world.coordinator)
    program = cohort.program
    response = client.get(f"/programs/{program.id}/exports?country=KE&group={cohort.world.group.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for kind in exports.KINDS:
        for fmt in exports.FORMATS:
            assert re.search(rf'/programs/{program.id}/exports/{kind}\.{fmt}\?[^"]*country=KE', html), (kind, fmt)
    assert "1 participant matches these filters." in html


def test_index_page_shows_filter_problems_next_to_fields(cohort, client, login):
    from tests.helpers import form_errors

    login(client, cohort.world.coordinator)
    response = client.get(f"/programs/{cohort.program.id}/exports?status=sleeping&track=abc")
    assert response.status_code == 400
    errors = form_errors(response.get_data(as_text=True))
    assert any("Unknown status" in error for error in errors)
    assert "Not a valid choice." in errors


def test_program_page_links_to_exports(cohort, client, login):
    login(client, cohort.world.coordinator)
    html = client.get(f"/programs/{cohort.program.id}").get_data(as_text=True)
    assert f"/programs/{cohort.program.id}/exports" in html


def test_download_xlsx_with_filters(cohort, client, login):
    login(client, cohort.world.coordinator)
    program = cohort.program
    response = client.get(f"/programs/{program.id}/exports/progress.xlsx?country=KE")
    assert response.status_code == 200
    assert response.mimetype == writers.XLSX_MIMETYPE
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="CETP-2024-progress-\d{4}-\d{2}-\d{2}\.xlsx"', disposition)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Amina Participant"]


def test_download_csv(cohort, client, login):
    login(client, cohort.world.coordinator)
    response = client.get(f"/programs/{cohort.program.id}/exports/eligibility.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "Chén 김" in response.data.decode("utf-8-sig")


@pytest.mark.parametrize("path", ["progress.pdf", "payroll.csv", "progress", "progress.csv.xlsx"])
def test_unknown_kind_or_format_is_404(cohort, client, login, path):
    login(client, cohort.world.coordinator)
    assert client.get(f"/programs/{cohort.program.id}/exports/{path}").status_code == 404


def test_unknown_program_is_404_and_bad_filter_is_400(cohort, client, login):
    login(client, cohort.world.coordinator)
    assert client.get("/programs/999999/exports").status_code == 404
    assert client.get("/programs/999999/exports/progress.csv").status_code == 404
    response = client.get(f"/programs/{cohort.program.id}/exports/progress.csv?track=999999")
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["participant", "trainer", "other_trainer"])
def test_only_coordinators(cohort, client, login, role):
    login(client, getattr(cohort.world, role))
    program_id = cohort.program.id
    assert client.get(f"/programs/{program_id}/exports").status_code == 403
    for kind in exports.KINDS:
        assert client.get(f"/programs/{program_id}/exports/{kind}.csv").status_code == 403


def test_anonymous_goes_to_login(cohort, client):
    response = client.get(f"/programs/{cohort.program.id}/exports/readiness.xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_times_in_the_downloaders_zone_by_default_and_in_any_zone_asked_for(cohort, client, login, db):
    coordinator = cohort.world.coordinator
    coordinator.timezone = "Pacific/Kiritimati"  # UTC+14: the due date moves to the next day
    db.session.commit()
    login(client, coordinator)
    url = f"/programs/{cohort.program.id}/exports/grades.csv"

    def essay(response):
        assert response.status_code == 200
        rows = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
        return next(row for row in rows if row["Participant"] == "Amina Participant" and row["Assignment"] == "Essay")

    mine = essay(client.get(url))
    assert mine["Due (Pacific/Kiritimati)"] == "2024-07-27 05:00"
    assert "Due (UTC)" not in mine
    assert essay(client.get(url + "?zone=America/Lima"))["Due (America/Lima)"] == "2024-07-26 10:00"
    assert essay(client.get(url + "?zone=UTC"))["Due (UTC)"] == "2024-07-26 15:00"
    assert client.get(url + "?zone=Mars/Olympus").status_code == 400


def test_index_page_offers_the_zones_and_links_carry_the_choice(cohort, client, login, db):
    from tests.helpers import form_errors

    coordinator = cohort.world.coordinator
    coordinator.timezone = "Africa/Nairobi"
    db.session.commit()
    login(client, coordinator)
    page = f"/programs/{cohort.program.id}/exports"
    html = client.get(page).get_data(as_text=True)
    assert "Times are in Africa/Nairobi" in html
    assert 'value="Asia/Seoul"' in html and 'value="UTC"' in html
    assert re.search(r'/exports/progress\.csv\?[^"]*zone=Africa/Nairobi', html)
    html = client.get(page + "?zone=Asia/Seoul").get_data(as_text=True)
    assert re.search(r'/exports/progress\.csv\?[^"]*zone=Asia/Seoul', html)
    assert "flask --app wsgi lms export progress" in html and "--timezone Asia/Seoul" in html
    response = client.get(page + "?zone=Nowhere")
    assert response.status_code == 400
    assert "Unknown time zone: use an IANA name such as Asia/Seoul." in form_errors(response.get_data(as_text=True))


def test_xlsx_times_are_wall_clock_times_of_the_zone(cohort):
    body = writers.write(exports.build("grades", cohort.program, now=NOW, zone="Asia/Seoul"), "xlsx")
    sheet = load_workbook(io.BytesIO(body)).active
    headers = [cell.value for cell in sheet[1]]
    assert "Due (Asia/Seoul)" in headers and "Due (UTC)" not in headers
    due = [row[headers.index("Due (Asia/Seoul)")] for row in sheet.iter_rows(min_row=2, values_only=True)
           if row[0] == "Amina Participant" and row[headers.index("Assignment")] == "Essay"]
    assert due == [datetime(2024, 7, 27, 0, 0)]


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def test_cli_by_code_to_file(cohort, app, tmp_path):
    output = tmp_path / "progress.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "lms", "export", "progress", "--program", "cetp-2024", "--format", "xlsx", "--output", str(output),
        "--country", "ke"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(output).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["Amina Participant"]
    assert not list(tmp_path.glob(".*part"))


def test_cli_by_id_csv_to_stdout(cohort, app):
    result = app.test_cli_runner().invoke(args=[
        "lms", "export", "grades", "--program", str(cohort.program.id), "--format", "csv",
        "--group", str(cohort.world.group.id)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert {(row["Participant"], row["Assignment"]) for row in rows} == {
        ("Amina Participant", "Essay"), ("Amina Participant", "Group report"),
        ("Chén 김", "Essay"), ("Chén 김", "Group report")}


def test_cli_xlsx_to_a_pipe(cohort, app):
    result = app.test_cli_runner().invoke(args=[
        "lms", "export", "eligibility", "--program", "CETP-2024", "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(io.BytesIO(result.stdout_bytes)).active
    assert sheet.max_row == 4  # header and three participants


def test_cli_timezone(cohort, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "export", "grades", "--program", "CETP-2024", "--timezone", "Asia/Seoul"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    essay = next(row for row in rows if row["Participant"] == "Amina Participant" and row["Assignment"] == "Essay")
    assert essay["Due (Asia/Seoul)"] == "2024-07-27 00:00"
    result = runner.invoke(args=["lms", "export", "grades", "--program", "CETP-2024", "--timezone", "Korea"])
    assert result.exit_code == 2 and "--timezone" in result.output


def test_cli_unknown_program(cohort, app):
    result = app.test_cli_runner().invoke(args=["lms", "export", "progress", "--program", "NOPE-1999"])
    assert result.exit_code == 2
    assert "no program" in result.output and "NOPE-1999" in result.output


def test_cli_bad_filter_and_kind(cohort, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "export", "progress", "--program", "CETP-2024", "--track", "999999"])
    assert result.exit_code == 2 and "--track" in result.output
    result = runner.invoke(args=["lms", "export", "payroll", "--program", "CETP-2024"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------
# Queries: constant whatever the number of participants
# --------------------------------------------------------------------------


def _add_participants(cohort, db, count, offset):
    """``count`` more people in world.module with a bit of everything the tables read."""
    world = cohort.world
    statuses = ["active", "admitted", "confirmed", "withdrawn"]
    other_group = f.make_group(cohort.program, f"Group {offset}")
    for index in range(count):
        number = offset + index
        user = f.make_user(email=f"load{number}@example.test", name=f"Load {number:03d}",
                           country=["KE", "KR", "BR", "FR"][number % 4])
        enrolment = f.enrol(user, cohort.program, module=world.module,
                            group=world.group if number % 2 else other_group, status=statuses[number % 4])
        _complete(user, cohort.lesson1, at(7, 23, 9))
        submission = Submission(assignment=cohort.essay, user_id=user.id)
        db.session.add(submission)
        db.session.flush()
        _version(submission, 1, at(7, 26, 9), user)
        db.session.add(Grade(submission=submission, score=number % 100, status="released", graded_version_number=1,
                             released_at=at(7, 28), rubric_levels={}))
        db.session.add(Extension(assignment=cohort.essay, user_id=user.id, due_at=at(7, 31)))
        db.session.add(Connection(session_id=cohort.clinic.id, user_id=user.id, sid=f"s{number}",
                                  joined_at=at(7, 25, 1), left_at=at(7, 25, 2), last_seen_at=at(7, 25, 2)))
        db.session.add(AttendanceCorrection(session_id=cohort.clinic.id, user_id=user.id, attended=True, minutes=90,
                                            reason="r", corrected_by_id=world.coordinator.id,
                                            corrected_at=at(7, 25, 3)))
        db.session.add(CheckIn(session_id=cohort.ceremony.id, user_id=user.id, checked_in_at=at(8, 19),
                               method="manual", recorded_by_id=world.coordinator.id))
        db.session.add(AdmissionDecision(enrolment_id=enrolment.id, decision="admitted", eligibility_status="eligible",
                                         rules_snapshot={}, decided_by_id=world.coordinator.id,
                                         decided_at=at(7, 30)))
        db.session.add(Readiness(enrolment_id=enrolment.id, response="confirmed", arrival_date=date(2024, 8, 18),
                                 departure_date=date(2024, 9, 14), dietary_needs="Vegetarian"))
    db.session.commit()


def _queries(kind, program_id, db, count_queries):
    db.session.expire_all()
    program = db.session.get(Program, program_id)
    with count_queries() as queries:
        table = exports.build(kind, program, now=NOW)
        writers.write(table, "xlsx")
    return len(queries), len(table.rows)


@pytest.mark.parametrize("kind", exports.KINDS)
def test_query_count_is_constant(cohort, db, count_queries, kind):
    small, small_rows = _queries(kind, cohort.program.id, db, count_queries)
    _add_participants(cohort, db, 17, 100)
    large, large_rows = _queries(kind, cohort.program.id, db, count_queries)
    assert large_rows > small_rows
    assert large == small, f"{kind}: {small} queries for 3 participants, {large} for 20"
