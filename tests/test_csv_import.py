"""CSV import: reading the file, the preview with every row's errors, all-or-nothing import."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.enrolment import csv_import, operations
from lms.enrolment.models import Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.mail.models import OutboxMessage
from lms.programs.models import Group, ModuleTrainer
from tests.helpers import post_form

HEADER = "name,email,country,time zone,track,module,group\n"


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _upload(client, program_id, data: bytes | str, filename="people.csv", mimetype="text/csv"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return post_form(
        client, f"/programs/{program_id}/import",
        {"step": "upload", "file": (io.BytesIO(data), filename, mimetype)},
        content_type="multipart/form-data",
    )


def _confirm(client, program_id, preview_html: str):
    match = re.search(r'name="content" type="hidden" value="([^"]*)"', preview_html)
    assert match, "the preview has no confirmation form"
    return post_form(client, f"/programs/{program_id}/import",
                     {"step": "confirm", "content": html_lib.unescape(match.group(1))})


def _file_error(html: str) -> str:
    match = re.search(r'id="file-error">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(match.group(1))).strip() if match else ""


@pytest.fixture
def good_csv(world):
    return (
        HEADER
        + "Nadia Njeri,nadia@example.test,KE,,Intensive,Digital contents for children,Kenya delegation\n"
        + "Joseph Otieno,JOSEPH@example.test,Kenya,Africa/Nairobi,Intensive,Digital contents for children,"
          "Kenya delegation\n"
        + "Lucía Gómez,lucia@example.test,Argentina,America/Argentina/Buenos_Aires,General,"
          "Citizen-led festivals,Latin America\n"
        + "Minh Tran,minh@example.test,VN,,,Citizen-led festivals,\n"
    )


# --------------------------------------------------------------------------- pure functions

def test_parse_accepts_header_spellings_in_any_order_and_case():
    parsed = csv_import.parse_csv(
        "\ufeffE-mail;Full Name;TIME_ZONE;Country;Module;Job Title;Extra\n"
        "a@example.test;Ana;Europe/Paris;FR;Publication;Editor;x\n"
    )
    assert parsed.delimiter == ";"
    assert parsed.columns == ["email", "name", "timezone", "country", "module", "job_title"]
    assert parsed.ignored_columns == ["Extra"]
    assert parsed.rows[0].line == 2
    assert parsed.rows[0].values == {"email": "a@example.test", "name": "Ana", "timezone": "Europe/Paris",
                                     "country": "FR", "module": "Publication", "job_title": "Editor"}


@pytest.mark.parametrize("header", ["timezone", "time_zone", "Time Zone", "time-zone"])
def test_time_zone_header_spellings(header):
    parsed = csv_import.parse_csv(f"name,email,{header}\nAna,a@example.test,UTC\n")
    assert parsed.rows[0].values["timezone"] == "UTC"


def test_parse_skips_blank_lines_and_keeps_line_numbers():
    parsed = csv_import.parse_csv("name,email\n\nAna,a@example.test\n,\nBo,b@example.test\n")
    assert [(row.line, row.values["name"]) for row in parsed.rows] == [(3, "Ana"), (5, "Bo")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("country,track\nKE,Intensive\n", "Missing: name, email"),
        ("name,email,Name\nA,a@example.test,B\n", "appear twice"),
    ],
)
def test_parse_rejects_files_without_the_needed_columns(text, message):
    with pytest.raises(csv_import.CsvFileError, match=message):
        csv_import.parse_csv(text)


def test_decode_upload_handles_bom_and_rejects_other_encodings():
    assert csv_import.decode_upload("\ufeffname,email\n".encode("utf-8")) == "name,email\n"
    with pytest.raises(csv_import.CsvFileError, match="UTF-8"):
        csv_import.decode_upload("name\nGómez\n".encode("latin-1"))
    with pytest.raises(csv_import.CsvFileError, match="not a text file"):
        csv_import.decode_upload(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(csv_import.CsvFileError, match="empty"):
        csv_import.decode_upload(b"  \n")


def _context(**extra):
    context = csv_import.ImportContext(
        tracks=[csv_import.TrackRef(1, "Intensive"), csv_import.TrackRef(2, "General")],
        modules=[
            csv_import.ModuleRef(10, "Digital contents for children", "Digital", 1),
            csv_import.ModuleRef(20, "Citizen-led festivals", None, 2),
            csv_import.ModuleRef(30, "Shared name", None, 1),
            csv_import.ModuleRef(31, "Shared name", None, 2),
        ],
        groups=[csv_import.GroupRef(5, "Kenya delegation")],
    )
    for key, value in extra.items():
        setattr(context, key, value)
    return context


def _validate(rows: str, context=None):
    parsed = csv_import.parse_csv(HEADER + rows)
    return csv_import.validate_rows(parsed, context or _context())


@pytest.mark.parametrize(
    "row, column, message",
    [
        (",a@example.test,KE,,Intensive,Digital,", "name", "name is missing"),
        ("Ana,not-an-email,KE,,Intensive,Digital,", "email", "not a valid email"),
        ("Ana,,KE,,Intensive,Digital,", "email", "email is missing"),
        ("Ana,a@example.test,Atlantis,,Intensive,Digital,", "country", "Unknown country"),
        ("Ana,a@example.test,,,Intensive,Digital,", "country", "country is missing"),
        ("Ana,a@example.test,KE,Mars/Base,Intensive,Digital,", "timezone", "Unknown time zone"),
        ("Ana,a@example.test,BR,,Intensive,Digital,", "timezone", "several time zones"),
        ("Ana,a@example.test,KE,,Extensive,Digital,", "track", "no track"),
        ("Ana,a@example.test,KE,,Intensive,Cooking,", "module", "no module"),
        ("Ana,a@example.test,KE,,Intensive,Citizen-led festivals,", "module", "not in the track"),
        ("Ana,a@example.test,KE,,,Shared name,", "module", "fill in the track"),
    ],
)
def test_validate_reports_each_problem_in_its_column(row, column, message):
    result = _validate(row + "\n").rows[0]
    assert not result.ok
    assert any(message in text for text in result.errors_for(column)), result.errors


def test_validate_refuses_archived_tracks_modules_and_groups():
    context = _context(
        tracks=[csv_import.TrackRef(1, "Intensive"), csv_import.TrackRef(2, "General", archived=True)],
        modules=[
            csv_import.ModuleRef(10, "Digital contents for children", "Digital", 1, archived=True),
            csv_import.ModuleRef(20, "Citizen-led festivals", None, 2, archived=True),  # its track is archived
            csv_import.ModuleRef(30, "Shared name", None, 1),
            csv_import.ModuleRef(31, "Shared name", None, 2, archived=True),
        ],
        groups=[csv_import.GroupRef(5, "Kenya delegation", archived=True)],
    )
    preview = _validate(
        "Ana,a@example.test,KE,,General,,\n"
        "Bo,b@example.test,KE,,,Digital,\n"
        "Cy,c@example.test,KE,,,Citizen-led festivals,\n"
        "Di,d@example.test,KE,,Intensive,Shared name,Kenya delegation\n"
        "Ed,e@example.test,KE,,,Shared name,\n",
        context,
    )
    ana, bo, cy, di, ed = preview.rows
    assert "archived" in " ".join(ana.errors_for("track"))
    assert "archived" in " ".join(bo.errors_for("module")) and "archived" in " ".join(cy.errors_for("module"))
    assert di.errors_for("group") == ["The group “Kenya delegation” is archived: restore it first, or choose another."]
    assert di.group_name is None  # no second group of the same name is created
    assert ed.ok and (ed.track_id, ed.module_id) == (1, 30)  # the one active module of that name
    assert not preview.ok and preview.new_groups == []


def test_validate_matches_names_case_insensitively_and_fills_defaults():
    preview = _validate(
        "Ana,A@Example.TEST,kenya,,INTENSIVE,digital,kenya DELEGATION\n"
        "Bo,b@example.test,BR,america/sao_paulo,intensive,Shared name,New group\n"
        "Cy,c@example.test,BR,America/Sao_Paulo,general,shared NAME,new GROUP\n"
    )
    assert preview.ok
    ana, bo, cy = preview.rows
    assert (ana.email, ana.country, ana.timezone, ana.track_id, ana.module_id, ana.group_id) == (
        "a@example.test", "KE", "Africa/Nairobi", 1, 10, 5)
    assert bo.timezone == "America/Sao_Paulo"
    assert (bo.track_id, bo.module_id, bo.group_name) == (1, 30, "New group")
    assert (cy.track_id, cy.module_id, cy.group_name) == (2, 31, "New group")
    assert preview.new_groups == ["New group"]


def test_validate_flags_duplicate_emails_within_the_file():
    preview = _validate(
        "Ana,ana@example.test,KE,,Intensive,Digital,\n"
        "Ana again,ANA@example.test,KE,,Intensive,Digital,\n"
    )
    assert preview.rows[0].ok
    assert preview.rows[1].errors_for("email") == ["The same email is already on line 2."]
    assert not preview.ok


def test_validate_decides_what_happens_to_each_row():
    context = _context(
        people={
            "known@example.test": csv_import.KnownPerson(7, "known@example.test", "Known Person", True),
            "pending@example.test": csv_import.KnownPerson(8, "pending@example.test", "Pending Person", False),
            "enrolled@example.test": csv_import.KnownPerson(9, "enrolled@example.test", "Enrolled", True),
            "trainer@example.test": csv_import.KnownPerson(11, "trainer@example.test", "Trainer", True),
        },
        enrolments={9: csv_import.ExistingEnrolment(1, 9, 2, 20, None, "active", "General · Citizen-led")},
        trainer_links={(11, 10)},
    )
    parsed = csv_import.parse_csv(
        "name,email,country,timezone,track,module,group,role\n"
        "New,new@example.test,KE,,Intensive,Digital,,\n"
        "Known Person,known@example.test,KE,,Intensive,Digital,,participant\n"
        "Pending Person,pending@example.test,KE,,Intensive,Digital,,\n"
        "Enrolled,enrolled@example.test,KE,,Intensive,Digital,Fresh group,\n"
        "Trainer,trainer@example.test,KR,,,Digital,,trainer\n"
        "Trainer,trainer2@example.test,KR,,,Digital,Ignored,Trainer\n"
        "Odd,odd@example.test,KR,,,Digital,,observer\n"
    )
    rows = csv_import.validate_rows(parsed, context).rows
    outcomes = [(row.outcome, row.invite) for row in rows[:6]]
    assert outcomes == [
        (csv_import.NEW_PERSON, True),
        (csv_import.ENROL_EXISTING, False),
        (csv_import.ENROL_EXISTING, True),
        (csv_import.ALREADY_DONE, False),
        (csv_import.ALREADY_DONE, False),
        (csv_import.NEW_PERSON, True),
    ]
    assert any("unchanged" in note for note in rows[3].notes)  # different module: info, not an error
    assert rows[3].ok
    assert any("ignored" in note for note in rows[5].notes)
    assert rows[6].errors_for("role")
    # A group named only by a row that changes nothing is not created.
    assert csv_import.validate_rows(parsed, context).new_groups == []


# --------------------------------------------------------------------------- the pages

def test_upload_page_explains_the_format(client, world, login):
    login(client, world.coordinator)
    html = client.get(f"/programs/{world.program.id}/import").get_data(as_text=True)
    assert 'type="file"' in html and "time zone" in html and 'enctype="multipart/form-data"' in html


def test_preview_shows_every_row_error_and_imports_nothing(client, world, login, db, outbox):
    login(client, world.coordinator)
    before = (_count(db, User), _count(db, Enrolment), _count(db, Group))
    response = _upload(client, world.program.id, HEADER
                       + "Nadia Njeri,nadia@example.test,KE,,Intensive,Digital contents for children,\n"
                       + ",nameless@example.test,KE,,Intensive,Digital contents for children,\n"
                       + "Bad Mail,bad-mail,KE,,Intensive,Digital contents for children,\n"
                       + "Wrong Track,wt@example.test,KE,,Intensive,Citizen-led festivals,New group\n"
                       + "Brazil,br@example.test,BR,,Intensive,Digital contents for children,\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4 rows have errors." in html
    for message in ("The name is missing.", "is not a valid email address", "is not in the track",
                    "several time zones"):
        assert message in html
    assert 'name="content"' not in html and "Import all" not in html  # no way to import
    assert 'type="file"' in html  # upload the corrected file
    assert (_count(db, User), _count(db, Enrolment), _count(db, Group)) == before
    assert outbox == []


def test_valid_file_previews_then_imports_every_row(client, world, login, db, outbox, good_csv):
    login(client, world.coordinator)
    users_before = _count(db, User)
    preview = _upload(client, world.program.id, good_csv)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Import all 4 rows" in html
    assert "New groups to create: Latin America." in html
    assert "Nadia Njeri" in html and "Africa/Nairobi" in html and "Asia/Ho_Chi_Minh" in html
    assert _count(db, User) == users_before  # nothing saved by the preview

    response = _confirm(client, world.program.id, html)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/programs/{world.program.id}/people")
    assert _count(db, User) == users_before + 4
    enrolments = db.session.scalars(
        select(Enrolment).join(User).where(Enrolment.program_id == world.program.id,
                                           User.email.in_(["nadia@example.test", "joseph@example.test",
                                                           "lucia@example.test", "minh@example.test"]))
    ).all()
    assert len(enrolments) == 4
    assert {e.status for e in enrolments} == {EnrolmentStatus.INVITED.value}
    by_email = {e.user.email: e for e in enrolments}
    assert by_email["joseph@example.test"].group_id == world.group.id
    assert by_email["lucia@example.test"].group.name == "Latin America"
    assert by_email["lucia@example.test"].track_id == world.other_track.id
    assert by_email["minh@example.test"].track_id == world.other_track.id  # taken from the module
    assert by_email["minh@example.test"].user.timezone == "Asia/Ho_Chi_Minh"
    assert all(e.events[0].action == "enrolled" and e.events[0].actor_id == world.coordinator.id
               for e in enrolments)
    assert sorted(m["to"] for m in outbox) == sorted(by_email)
    assert all("/invitation/" in m["body"] and world.program.name in m["body"] for m in outbox)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import complete: 4 people created; 4 enrolments; new groups: Latin America; 4 invitations sent" \
        in html_lib.unescape(page)


def test_importing_the_same_file_again_duplicates_no_one(client, world, login, db, outbox, good_csv):
    login(client, world.coordinator)
    _confirm(client, world.program.id, _upload(client, world.program.id, good_csv).get_data(as_text=True))
    counts = (_count(db, User), _count(db, Enrolment), _count(db, Group), _count(db, EnrolmentEvent),
              _count(db, OutboxMessage))
    sent = len(outbox)

    again = _upload(client, world.program.id, good_csv.replace("nadia@", "NADIA@")).get_data(as_text=True)
    assert "Import all 4 rows" in again and "Nothing to do" in again
    response = _confirm(client, world.program.id, again)
    assert response.status_code == 302
    assert (_count(db, User), _count(db, Enrolment), _count(db, Group), _count(db, EnrolmentEvent),
            _count(db, OutboxMessage)) == counts
    assert len(outbox) == sent  # no second invitation


def test_known_people_are_reused_and_existing_enrolments_left_unchanged(client, world, login, db, outbox):
    login(client, world.coordinator)
    text = (HEADER
            + "Amina P,PARTICIPANT@example.test,KE,,General,Citizen-led festivals,\n"  # enrolled elsewhere
            + "Tomas Trainer,Trainer@Example.test,KR,,General,Citizen-led festivals,\n")  # known, not enrolled
    html = _upload(client, world.program.id, text).get_data(as_text=True)
    assert "Already enrolled in this program (Intensive · Digital contents for children) — unchanged" in html
    users_before = _count(db, User)
    assert _confirm(client, world.program.id, html).status_code == 302
    assert _count(db, User) == users_before
    db.session.expire_all()
    assert db.session.get(Enrolment, world.enrolment.id).module_id == world.module.id
    trainer_enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.trainer.id))
    assert trainer_enrolment.status == EnrolmentStatus.ACTIVE.value  # they have an account
    assert outbox == []


def test_trainer_rows_add_module_trainers(client, world, login, db):
    login(client, world.coordinator)
    text = ("name,email,country,timezone,module,role\n"
            "Tara Trainer,tara@example.test,KR,,Citizen-led festivals,trainer\n")
    html = _upload(client, world.program.id, text).get_data(as_text=True)
    assert _confirm(client, world.program.id, html).status_code == 302
    tara = db.session.scalar(select(User).where(User.email == "tara@example.test"))
    assert db.session.get(ModuleTrainer, (world.other_module.id, tara.id)) is not None
    assert _count(db, Enrolment, Enrolment.user_id == tara.id) == 0


def test_import_is_all_or_nothing_when_a_row_fails_midway(client, world, login, db, outbox, good_csv,
                                                          monkeypatch):
    login(client, world.coordinator)
    html = _upload(client, world.program.id, good_csv).get_data(as_text=True)
    before = (_count(db, User), _count(db, Enrolment), _count(db, Group), _count(db, EnrolmentEvent),
              _count(db, OutboxMessage))
    real = operations.enrol_participant
    calls = []

    def failing_on_third_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "enrol_participant", failing_on_third_row)
    response = _confirm(client, world.program.id, html)
    assert response.status_code == 200
    assert "nothing was saved" in response.get_data(as_text=True)
    assert len(calls) == 3
    assert (_count(db, User), _count(db, Enrolment), _count(db, Group), _count(db, EnrolmentEvent),
            _count(db, OutboxMessage)) == before
    assert outbox == []


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(lambda text: ("\ufeff" + text).encode("utf-8"), id="utf8-bom"),
        pytest.param(lambda text: text.replace(",", ";").encode("utf-8"), id="semicolons"),
        pytest.param(lambda text: ("\ufeff" + text.replace(",", ";").replace("\n", "\r\n")).encode("utf-8"),
                     id="bom-semicolons-crlf"),
    ],
)
def test_bom_and_semicolon_files_are_read(client, world, login, db, good_csv, encoded):
    login(client, world.coordinator)
    html = _upload(client, world.program.id, encoded(good_csv)).get_data(as_text=True)
    assert "Import all 4 rows" in html, html
    assert _confirm(client, world.program.id, html).status_code == 302
    assert db.session.scalar(select(User.name).where(User.email == "lucia@example.test")) == "Lucía Gómez"


def test_too_large_file_gets_a_message_next_to_the_field(client, world, login, db, app, monkeypatch, good_csv):
    monkeypatch.setitem(app.config, "CSV_IMPORT_MAX_BYTES", 100)
    login(client, world.coordinator)
    response = _upload(client, world.program.id, good_csv)
    assert response.status_code == 200
    assert "too large" in _file_error(response.get_data(as_text=True))
    assert db.session.scalar(select(User).where(User.email == "nadia@example.test")) is None


@pytest.mark.parametrize(
    "data, filename, mimetype, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", "image/png", "Upload a .csv file"),
        ("name;email\nGómez;g@example.test\n".encode("latin-1"), "people.csv", "text/csv", "not UTF-8"),
        (b"country,track\nKE,Intensive\n", "people.csv", "text/csv", "Missing: name, email"),
        (HEADER.encode(), "people.csv", "text/csv", "no people"),
    ],
)
def test_unreadable_files_get_a_message_next_to_the_field(client, world, login, data, filename, mimetype, message):
    login(client, world.coordinator)
    response = _upload(client, world.program.id, data, filename=filename, mimetype=mimetype)
    assert response.status_code == 200
    assert message in _file_error(response.get_data(as_text=True))


def test_missing_file_gets_a_message(client, world, login):
    login(client, world.coordinator)
    response = post_form(client, f"/programs/{world.program.id}/import", {"step": "upload"},
                         content_type="multipart/form-data")
    assert "Choose a CSV file" in _file_error(response.get_data(as_text=True))


def test_confirmation_is_checked_again_on_the_server(client, world, login, db):
    """A forged confirmation with bad rows imports nothing: the preview is never trusted."""
    import base64

    login(client, world.coordinator)
    forged = base64.b64encode((HEADER + "X,not-an-email,KE,,Intensive,Nope,\n").encode()).decode()
    users_before = _count(db, User)
    response = post_form(client, f"/programs/{world.program.id}/import", {"step": "confirm", "content": forged})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "nothing was imported" in html.lower()
    assert _count(db, User) == users_before
    garbage = post_form(client, f"/programs/{world.program.id}/import", {"step": "confirm", "content": "%%%"})
    assert garbage.status_code == 302
    assert _count(db, User) == users_before


def test_state_changed_between_preview_and_confirmation(client, world, login, db, good_csv):
    login(client, world.coordinator)
    html = _upload(client, world.program.id, good_csv).get_data(as_text=True)
    world.other_module.title = "Renamed module"
    db.session.commit()
    response = _confirm(client, world.program.id, html)
    assert response.status_code == 200
    assert "Something changed since the preview" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "nadia@example.test")) is None


def test_a_large_confirmation_is_accepted_and_checked(client, world, login, db, app):
    """The confirmation carries the whole file in one field, more than Flask's limit for a multipart
    field: the form is url-encoded, which that limit does not apply to."""
    import base64

    login(client, world.coordinator)
    rows = "".join(f"Person {n},p{n}@example.test,Atlantis,,Intensive,Digital contents for children,\n"
                   for n in range(6000))
    content = base64.b64encode((HEADER + rows).encode()).decode()
    assert len(content) > app.config["MAX_FORM_MEMORY_SIZE"]
    assert len(content) * 3 // 4 < app.config["CSV_IMPORT_MAX_BYTES"]
    response = post_form(client, f"/programs/{world.program.id}/import", {"step": "confirm", "content": content})
    assert response.status_code == 200
    assert "6000 rows have errors." in response.get_data(as_text=True)
    assert _count(db, User, User.email == "p1@example.test") == 0


def test_program_people_links_to_import(client, world, login):
    login(client, world.coordinator)
    html = client.get(f"/programs/{world.program.id}/people").get_data(as_text=True)
    assert f'href="/programs/{world.program.id}/import"' in html


def test_unknown_program_is_404(client, world, login):
    login(client, world.coordinator)
    assert client.get("/programs/999999/import").status_code == 404



def test_archived_group_in_the_file_is_an_error_in_the_preview(client, world, login, db):
    from lms.core.database import utcnow

    world.group.archived_at = utcnow()
    db.session.commit()
    login(client, world.coordinator)
    before = (_count(db, User), _count(db, Enrolment), _count(db, Group))
    response = _upload(client, world.program.id, HEADER
                       + f"Nadia Njeri,nadia@example.test,KE,,Intensive,Digital contents for children,{world.group.name}\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is archived: restore it first" in html
    assert (_count(db, User), _count(db, Enrolment), _count(db, Group)) == before


def test_upload_page_lists_the_programs_names_and_offers_an_empty_file(client, world, login, db):
    from lms.core.database import utcnow
    from lms.enrolment import csv_import

    world.other_track.archived_at = utcnow()
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/programs/{world.program.id}/import").get_data(as_text=True)
    names = html.split('id="names"', 1)[1]
    assert world.track.name in names and world.module.title in names and world.group.name in names
    assert world.other_track.name not in names and world.other_module.title not in names  # archived

    response = client.get(f"/programs/{world.program.id}/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = csv_import.decode_upload(response.data)
    parsed = csv_import.parse_csv(text)  # the import reads every column of its own template
    assert parsed.rows == [] and parsed.ignored_columns == []
    assert parsed.columns == ["name", "email", "country", "timezone", "track", "module", "group", "role",
                              "organisation", "job_title"]
