"""Completion and certificates: completion numbers, issuing, the PDF, verification, revocation, access."""

from __future__ import annotations

import re
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.admission import operations as admission
from lms.certificates import operations as ops
from lms.certificates.models import Certificate
from lms.certificates.pdf import render_certificate
from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentEvent, EnrolmentStatus
from lms.learning.completion import record_completion
from lms.live.models import AttendanceCorrection, LiveSession, OfflineKind, Phase
from lms.mail.models import OutboxMessage
from lms.notifications.models import Notification
from tests import factories as f
from tests.helpers import form_errors, post_form

UTC = timezone.utc
# The world's tracks' offline phase: 19 August – 13 September 2024 (Intensive).
OFFLINE_DAY = datetime(2024, 8, 20, 0, 0, tzinfo=UTC)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def offline_session(program, *, audience="program", audience_id=None, day=0, title=None, **extra) -> LiveSession:
    """An offline session (in Korea), ended by default (August 2024)."""
    starts = OFFLINE_DAY + timedelta(days=day)
    session = LiveSession(program_id=program.id, title=title or f"Workshop {day}", starts_at=starts,
                          ends_at=starts + timedelta(hours=3), audience=audience, audience_id=audience_id,
                          phase=Phase.OFFLINE.value, offline_kind=OfflineKind.WORKSHOP.value,
                          location="Seoul", **extra)
    f.db.session.add(session)
    f.db.session.flush()
    return session


def attend(session, user, by) -> None:
    f.db.session.add(AttendanceCorrection(session_id=session.id, user_id=user.id, attended=True,
                                          reason="Checked in on paper", corrected_by_id=by.id))
    f.db.session.flush()


def set_status(enrolment, status: EnrolmentStatus) -> None:
    enrolment.status = status.value
    f.db.session.flush()


@pytest.fixture
def offline(db, world):
    """Six offline sessions for the participant (five for their track, one for everyone), plus sessions
    that are not theirs: another track's, an archived one."""
    sessions = [offline_session(world.program, audience="track", audience_id=world.track.id, day=n)
                for n in range(5)]
    sessions.append(offline_session(world.program, audience="program", day=6, title="CPI Day"))
    offline_session(world.program, audience="track", audience_id=world.other_track.id, day=1, title="Other")
    offline_session(world.program, audience="program", day=7, title="Cancelled", archived_at=utcnow())
    db.session.commit()
    return sessions


def completed_participant(db, world, offline):
    """The world's participant: confirmed and present at five of six offline sessions (80 % needs five)."""
    set_status(world.enrolment, EnrolmentStatus.CONFIRMED)
    for session in offline[:5]:
        attend(session, world.participant, world.coordinator)
    db.session.commit()
    return world.enrolment


# A dependency-free reading of the text fpdf2 writes (uncompressed page streams): fonts are
# embedded as Type0 fonts whose ToUnicode maps give the characters of the 2-byte codes.
_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _literal_strings(data: bytes, start: int) -> tuple[bytes, int]:
    """The PDF literal string starting after '(' at ``start``: its bytes and the index after ')'."""
    out = bytearray()
    depth, i = 1, start
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
    while i < len(data):
        ch = data[i]
        if ch == ord("\\"):
            nxt = data[i + 1]
            if nxt in escapes:
                out += escapes[nxt]
                i += 2
            elif 48 <= nxt <= 55:
                digits = re.match(rb"[0-7]{1,3}", data[i + 1:i + 4]).group()
                out.append(int(digits, 8))
                i += 1 + len(digits)
            else:
                out.append(nxt)
                i += 2
            continue
        if ch == ord("("):
            depth += 1
        elif ch == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(ch)
        i += 1
    raise ValueError("unterminated string")


def pdf_text(data: bytes) -> str:
    objects = {int(number): body for number, body in _OBJECT.findall(data)}

    def stream(body: bytes) -> bytes:
        raw = _STREAM.search(body).group(1)
        return zlib.decompress(raw) if b"/FlateDecode" in body.split(b"stream")[0] else raw

    cmaps = {}
    for number, body in objects.items():
        found = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if found:
            cmap = {}
            text = stream(objects[int(found.group(1))])
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
                for code, chars in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    cmap[int(code, 16)] = bytes.fromhex(chars.decode()).decode("utf-16-be")
            cmaps[number] = cmap
    font_names = {}
    for body in objects.values():
        for fonts in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, number in re.findall(rb"/(\w+) (\d+) 0 R", fonts):
                font_names[name] = int(number)
    lines = []
    for body in objects.values():
        if b"stream" not in body or b"BT" not in body or b"/Length1" in body:
            continue
        content = stream(body)
        cmap, line = {}, []
        for token in re.finditer(rb"/(\w+) [\d.]+ Tf|\(|BT|ET", content):
            if token.group(0) == b"BT":
                line = []
            elif token.group(0) == b"ET":
                if line:
                    lines.append("".join(line))
            elif token.group(0) == b"(":
                raw, _end = _literal_strings(content, token.end())
                line.append("".join(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "?")
                                    for i in range(0, len(raw) - 1, 2)))
            else:
                cmap = cmaps.get(font_names.get(token.group(1)), {})
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Completion
# --------------------------------------------------------------------------


def test_offline_completion_counts_the_participants_own_sessions_against_the_rule(db, world, offline):
    set_status(world.enrolment, EnrolmentStatus.CONFIRMED)
    for session in offline[:4]:
        attend(session, world.participant, world.coordinator)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)
    # Six sessions of theirs (not the other track's, not the archived one); 80 % of 6 -> 5 needed.
    assert (completion.attended, completion.total, completion.needed) == (4, 6, 5)
    assert completion.basis == "offline" and not completion.completed
    assert completion.message == "attended 4 of 6 offline sessions, 5 needed"
    assert completion.reasons == ["attended 4 of 6 offline sessions, 5 needed"]

    attend(offline[5], world.participant, world.coordinator)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)
    assert completion.completed and completion.reasons == []
    assert completion.message == "attended 5 of 6 offline sessions, 5 needed"

    # The rule is the admission rules' min_offline_percent, per program or per track.
    admission.save_rules(world.program, world.track.id, {"min_offline_percent": 100}, world.coordinator)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)
    assert not completion.completed and completion.needed == 6 and completion.required_percent == 100


def test_offline_completion_waits_for_the_sessions_still_to_come(db, world, offline):
    set_status(world.enrolment, EnrolmentStatus.ADMITTED)
    future = offline_session(world.program, audience="module", audience_id=world.module.id, title="Future",
                             day=(utcnow() - OFFLINE_DAY).days + 3)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)
    assert (completion.total, completion.upcoming) == (6, 1)  # the share is of the ended sessions
    assert completion.reasons == ["attended 0 of 6 offline sessions, 5 needed",
                                  "the offline phase is not over: 1 session still to come"]
    for session in offline[:5]:
        attend(session, world.participant, world.coordinator)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)
    assert completion.reasons == ["the offline phase is not over: 1 session still to come"]
    assert not completion.completed
    future.archived_at = utcnow()  # cancelled
    db.session.commit()
    assert ops.completion_of(world.enrolment).completed


def test_only_the_first_session_ended_is_not_completion(db, world):
    set_status(world.enrolment, EnrolmentStatus.CONFIRMED)
    first = offline_session(world.program, day=0)
    offline_session(world.program, day=(utcnow() - OFFLINE_DAY).days + 1)
    attend(first, world.participant, world.coordinator)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)
    assert completion.message == "attended 1 of 1 offline session, 1 needed"
    assert not completion.completed


def test_only_admitted_or_confirmed_participants_complete_the_offline_phase(db, world, offline):
    for session in offline:
        attend(session, world.participant, world.coordinator)
    db.session.commit()
    completion = ops.completion_of(world.enrolment)  # still "active": never admitted
    assert not completion.completed
    assert completion.reasons == ["not admitted to the offline phase (active)"]
    for status in (EnrolmentStatus.ADMITTED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED):
        set_status(world.enrolment, status)
        assert ops.completion_of(world.enrolment).completed, status
    for status in (EnrolmentStatus.WAITLISTED, EnrolmentStatus.DECLINED_PLACE, EnrolmentStatus.WITHDRAWN):
        set_status(world.enrolment, status)
        assert not ops.completion_of(world.enrolment).completed, status


def test_no_offline_sessions_yet_is_not_completion(db, world):
    set_status(world.enrolment, EnrolmentStatus.CONFIRMED)
    completion = ops.completion_of(world.enrolment)
    assert not completion.completed and completion.total == 0
    assert completion.reasons == ["no offline sessions scheduled yet"]
    offline_session(world.program, day=(utcnow() - OFFLINE_DAY).days + 1)
    completion = ops.completion_of(world.enrolment)
    assert completion.message == "no offline session has ended yet"
    assert completion.reasons == ["the offline phase is not over: 1 session still to come"]


def test_online_only_program_completes_on_eligibility(db, coordinator):
    program = f.make_program(name="Online Seminar", has_offline_phase=False)
    track = f.make_track(program, name="Online", offline=None)
    module = f.make_module(track, title="Policy basics")
    person = f.make_user(name="Zoë Online")
    enrolment = f.enrol(person, program, module=module)
    unit = f.make_unit(module)
    lessons = [f.make_item(unit, "lesson") for _n in range(2)]
    db.session.commit()
    completion = ops.completion_of(enrolment)
    assert completion.basis == "online" and not completion.completed
    assert completion.reasons == ["completed 0 of 2 required items, 2 needed"]
    for lesson in lessons:
        record_completion(person, lesson, "viewed")
    db.session.commit()
    completion = ops.completion_of(enrolment)
    assert completion.completed and completion.reasons == []
    assert completion.message == "completed 2 of 2 required items, 2 needed"
    certificate = ops.issue_certificate(enrolment, coordinator)
    db.session.commit()
    details = certificate.details
    assert details["basis"] == "online" and details["start"] == "2024-07-22" and details["end"] == "2024-08-02"


def test_completion_status_costs_a_constant_number_of_queries(db, world, offline, count_queries):
    def measure():
        enrolments = ops.program_enrolments(world.program.id)
        db.session.expire_all()
        enrolments = ops.program_enrolments(world.program.id)
        with count_queries() as queries:
            ops.completion_status(enrolments)
        return len(queries)

    few = measure()
    for n in range(5):
        person = f.make_user()
        f.enrol(person, world.program, module=world.module if n % 2 else world.other_module,
                status=EnrolmentStatus.CONFIRMED)
        attend(offline[n], person, world.coordinator)
    db.session.commit()
    assert measure() == few


# --------------------------------------------------------------------------
# Issuing, revoking, verifying
# --------------------------------------------------------------------------


def test_issue_refuses_someone_who_has_not_completed_unless_a_reason_is_given(db, world, offline):
    set_status(world.enrolment, EnrolmentStatus.CONFIRMED)
    db.session.commit()
    with pytest.raises(ops.NotCompleted) as raised:
        ops.issue_certificate(world.enrolment, world.coordinator, override_reason="   ")
    assert raised.value.completion.message == "attended 0 of 6 offline sessions, 5 needed"
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert world.enrolment.status == "confirmed"

    certificate = ops.issue_certificate(world.enrolment, world.coordinator,
                                        override_reason="Ill for a week, presented remotely")
    db.session.commit()
    assert certificate.details["override_reason"] == "Ill for a week, presented remotely"
    assert certificate.details["unmet"] == ["attended 0 of 6 offline sessions, 5 needed"]
    assert world.enrolment.status == "completed"
    event = db.session.scalars(select(EnrolmentEvent).where(EnrolmentEvent.action == "certificate")).one()
    assert (event.from_status, event.to_status, event.actor_id, event.note) == (
        "confirmed", "completed", world.coordinator.id, "Ill for a week, presented remotely")


def test_issuing_freezes_the_details_and_notifies_the_participant(db, world, offline):
    world.program.host_organisation = f.make_organisation("Korea Arts Office", kind="host")
    enrolment = completed_participant(db, world, offline)
    certificate = ops.issue_certificate(enrolment, world.coordinator)
    db.session.commit()
    assert certificate.details == {
        "name": "Amina Participant",
        "program": "2024 Cultural Experts Training Program",
        "program_code": "CETP-2024",
        "track": "Intensive",
        "module": "Digital contents for children",
        "organisation": "EDCN",
        "host_organisation": "Korea Arts Office",
        "start": "2024-08-19",
        "end": "2024-09-13",
        "timezone": "Asia/Seoul",
        "location": "Seoul",
        "basis": "offline",
        "completion": "attended 5 of 6 offline sessions, 5 needed",
    }
    assert certificate.issued_by_id == world.coordinator.id and not certificate.is_revoked
    assert re.fullmatch(f"[{ops.CODE_ALPHABET}]{{16}}", certificate.code)
    # Later renames do not change the certificate.
    world.program.name = "Renamed"
    world.participant.name = "Someone Else"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).details["name"] == "Amina Participant"

    notification = db.session.scalars(select(Notification).where(Notification.kind == "certificate")).one()
    assert notification.user_id == world.participant.id and notification.link == "/my/certificates"
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.to_address == "participant@example.test"
    assert f"http://localhost/certificates/{certificate.id}.pdf" in mail.body_text
    assert f"http://localhost/verify/{certificate.code}" in mail.body_text


def test_one_valid_certificate_per_enrolment(db, world, offline):
    enrolment = completed_participant(db, world, offline)
    first = ops.issue_certificate(enrolment, world.coordinator)
    db.session.commit()
    assert ops.issue_certificate(enrolment, world.coordinator).id == first.id
    assert ops.issue_all(world.program, world.coordinator) == []
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert db.session.scalar(select(func.count(Notification.id))) == 1

    ops.revoke(first, world.coordinator, "Name misspelt")
    db.session.commit()
    second = ops.issue_certificate(enrolment, world.coordinator)  # still completed: status "completed"
    db.session.commit()
    assert second.id != first.id and second.code != first.code
    assert db.session.get(Certificate, first.id).is_revoked  # the revoked row stays
    assert ops.valid_certificates([enrolment.id]) == {enrolment.id: second}


def test_issue_all_certifies_everyone_completed_and_nobody_else(db, world, offline):
    completed_participant(db, world, offline)
    others = []
    for n, attended in enumerate((6, 2)):
        person = f.make_user(name=f"Person {n}")
        f.enrol(person, world.program, module=world.module, status=EnrolmentStatus.CONFIRMED)
        for session in offline[:attended]:
            attend(session, person, world.coordinator)
        others.append(person)
    db.session.commit()
    issued = ops.issue_all(world.program, world.coordinator)
    db.session.commit()
    assert sorted(certificate.user_id for certificate in issued) == sorted([world.participant.id, others[0].id])
    assert ops.issue_all(world.program, world.coordinator) == []


def test_revoking_needs_a_reason_and_keeps_the_row(db, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    for reason in (None, "", "   "):
        with pytest.raises(ops.ReasonRequired):
            ops.revoke(certificate, world.coordinator, reason)
    assert not certificate.is_revoked
    ops.revoke(certificate, world.coordinator, "Issued by mistake")
    db.session.commit()
    stored = ops.verify(certificate.code)
    assert stored.is_revoked and stored.revocation_reason == "Issued by mistake"
    assert stored.revoked_by_id == world.coordinator.id
    assert db.session.scalars(select(EnrolmentEvent.note).where(
        EnrolmentEvent.action == "certificate_revoked")).all() == ["Issued by mistake"]


def test_codes_are_random_unambiguous_and_forgiving_to_type(db, world, offline):
    codes = {ops.new_code() for _n in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch("[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{16}", code) for code in codes)
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    typed = ops.format_code(certificate.code).lower().replace("-", " - ")
    assert ops.verify(typed).id == certificate.id
    assert ops.verify("") is None and ops.verify("NOTACODE") is None


# --------------------------------------------------------------------------
# The PDF
# --------------------------------------------------------------------------


def test_the_pdf_names_the_person_program_and_code_in_any_script(db, world, offline):
    world.participant.name = "Zoë Владимирова 김민지"
    world.program.host_organisation = f.make_organisation("Korea Arts Office", kind="host")
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    data = render_certificate(certificate, compress=False)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Zoë Владимирова 김민지" in text
    assert "Certificate of Completion" in text
    assert "has completed the 2024 Cultural Experts Training Program" in text
    assert "Track: Intensive · Module: Digital contents for children" in text
    assert "Offline phase from August 19, 2024 to September 13, 2024, Seoul" in text
    assert "Training organisation: EDCN" in text and "Host organisation: Korea Arts Office" in text
    assert f"Verification code: {ops.format_code(certificate.code)}" in text
    assert f"http://localhost/verify/{certificate.code}" in text
    assert "REVOKED" not in text
    assert b"/FontFile" in data  # fonts embedded

    # The served (compressed) file: still a PDF, with the verification address as a link.
    compressed = render_certificate(certificate)
    assert compressed.startswith(b"%PDF-") and compressed.rstrip().endswith(b"%%EOF")
    assert f"/URI (http://localhost/verify/{certificate.code})".encode() in compressed


def test_a_revoked_certificate_pdf_says_so(db, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    ops.revoke(certificate, world.coordinator, "Issued by mistake")
    db.session.commit()
    assert "REVOKED on" in pdf_text(render_certificate(certificate, mark_revoked=True, compress=False))


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------


def test_coordinator_list_shows_completion_numbers_and_certificate_state(db, client, login, world, offline):
    completed_participant(db, world, offline)
    set_status(world.other_enrolment, EnrolmentStatus.CONFIRMED)
    db.session.commit()
    login(client, world.coordinator)
    page = client.get(f"/programs/{world.program.id}/certificates").get_data(as_text=True)
    assert "attended 5 of 6 offline sessions, 5 needed" in page
    # The other participant's track has one session of its own plus the program's CPI Day.
    assert "attended 0 of 2 offline sessions, 2 needed" in page
    assert "Issue 1 certificate to everyone who completed" in page

    response = post_form(client, f"/programs/{world.program.id}/certificates/issue-all")
    assert response.status_code == 302
    certificate = db.session.scalars(select(Certificate)).one()
    page = client.get(f"/programs/{world.program.id}/certificates").get_data(as_text=True)
    assert ops.format_code(certificate.code) in page and "Issued" in page
    page = client.get(f"/programs/{world.program.id}/certificates?show=not_completed").get_data(as_text=True)
    assert "Bruno Other" in page and "Amina Participant" not in page


def test_coordinator_list_queries_do_not_grow_with_participants(db, client, login, world, offline, count_queries):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    login(client, world.coordinator)
    url = f"/programs/{world.program.id}/certificates"

    def measure():
        client.get(url)
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    few = measure()
    for n in range(6):
        person = f.make_user(country="UZ")
        group = f.make_group(world.program) if n % 2 else None
        enrolment = f.enrol(person, world.program, module=world.module, group=group,
                            status=EnrolmentStatus.CONFIRMED)
        for session in offline[:5]:
            attend(session, person, world.coordinator)
        if n < 3:
            issued = ops.issue_certificate(enrolment, world.coordinator)
            if n == 0:
                ops.revoke(issued, world.coordinator, "Wrong track")
    ops.revoke(certificate, world.coordinator, "Wrong name")
    db.session.commit()
    assert measure() == few


def test_issuing_one_without_completion_needs_a_reason_on_the_form(db, client, login, world, offline):
    set_status(world.enrolment, EnrolmentStatus.CONFIRMED)
    db.session.commit()
    login(client, world.coordinator)
    url = f"/programs/{world.program.id}/certificates/issue/{world.enrolment.id}"
    page = client.get(url).get_data(as_text=True)
    assert "attended 0 of 6 offline sessions, 5 needed" in page
    response = post_form(client, url, {"override_reason": ""})
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == [
        "Amina Participant has not completed: give the reason for issuing anyway."]
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
    response = post_form(client, url, {"override_reason": "Presented the final work remotely"})
    assert response.status_code == 302
    certificate = db.session.scalars(select(Certificate)).one()
    assert certificate.details["override_reason"] == "Presented the final work remotely"
    # Issuing again: the valid one stays the only one.
    assert post_form(client, url, {"override_reason": "again"}).status_code == 302
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_issue_page_of_another_programs_enrolment_is_not_found(db, client, login, world):
    other_program = f.make_program()
    db.session.commit()
    login(client, world.coordinator)
    assert client.get(f"/programs/{other_program.id}/certificates/issue/{world.enrolment.id}").status_code == 404


def test_revoking_on_the_page_needs_a_reason_and_confirmation(db, client, login, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    login(client, world.coordinator)
    url = f"/certificates/{certificate.id}/revoke"
    assert "Revoking cannot be undone" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"reason": "  "})
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["Give the reason for revoking; it is recorded."]
    assert not db.session.get(Certificate, certificate.id).is_revoked
    assert post_form(client, url, {"reason": "Issued to the wrong person"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revocation_reason == "Issued to the wrong person"


def test_download_is_for_the_owner_and_coordinators_only(db, app, client, login, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    url = f"/certificates/{certificate.id}.pdf"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for person in (world.other_participant, world.trainer, world.other_trainer):
        other_client = app.test_client()
        login(other_client, person)
        assert other_client.get(url).status_code == 403, person.name
    for person in (world.participant, world.coordinator):
        own_client = app.test_client()
        login(own_client, person)
        response = own_client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
        assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get("/certificates/999999.pdf").status_code == 302


def test_a_revoked_certificate_is_not_downloaded_by_its_owner(db, app, client, login, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    ops.revoke(certificate, world.coordinator, "Issued by mistake")
    db.session.commit()
    login(client, world.participant)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "This certificate was revoked" in page and "Issued by mistake" not in page
    office = app.test_client()
    login(office, world.coordinator)
    response = office.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_verification_shows_only_name_program_and_dates(db, client, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    response = client.get(f"/verify/{certificate.code}")  # anonymous
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This certificate is genuine" in page
    assert "Amina Participant" in page and "2024 Cultural Experts Training Program" in page
    assert "Aug 19, 2024 – Sep 13, 2024" in page
    assert ops.format_code(certificate.code) in page
    for private in ("participant@example.test", "Kenya", "Intensive", "Digital contents", "EDCN",
                    "Kenya delegation", "attended 5 of 6"):
        assert private not in page, private
    assert 'name="robots" content="noindex"' in page


def test_verification_after_revocation_says_revoked_but_not_why(db, client, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    ops.revoke(certificate, world.coordinator, "Plagiarised final output", now=datetime(2024, 10, 1, 3, tzinfo=UTC))
    db.session.commit()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate was revoked on October 1, 2024" in page
    assert "This certificate is genuine" not in page and "Plagiarised" not in page


def test_verification_of_an_unknown_code_and_of_a_typed_code(db, client, world, offline):
    response = client.get("/verify/ABCDEFGHJKMNPQRS")
    assert response.status_code == 404
    assert "No certificate with this code" in response.get_data(as_text=True)
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    typed = ops.format_code(certificate.code).lower()
    response = client.get(f"/verify/{typed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{certificate.code}")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{certificate.code}")
    response = client.get("/verify", query_string={"code": ""})
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["Enter the code printed on the certificate."]
    assert client.get("/verify").status_code == 200


def test_participants_see_their_own_certificates_only(db, app, client, login, world, offline):
    certificate = ops.issue_certificate(completed_participant(db, world, offline), world.coordinator)
    db.session.commit()
    login(client, world.participant)
    page = client.get("/my/certificates").get_data(as_text=True)
    assert f"/certificates/{certificate.id}.pdf" in page and ops.format_code(certificate.code) in page
    other = app.test_client()
    login(other, world.other_participant)
    page = other.get("/my/certificates").get_data(as_text=True)
    assert f"/certificates/{certificate.id}.pdf" not in page
    assert "You have no certificate yet." in page
    assert "not admitted to the offline phase (active)" in page  # where they stand


def test_certificate_pages_are_for_coordinators(db, app, client, login, world):
    for person in (world.participant, world.trainer):
        other = app.test_client()
        login(other, person)
        assert other.get(f"/programs/{world.program.id}/certificates").status_code == 403
        assert post_form(other, f"/programs/{world.program.id}/certificates/issue-all").status_code == 403
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
