"""Pre-departure readiness: confirming or declining a place, the details, the board and its export, access."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from lms.admission.operations import places_taken
from lms.core.database import utcnow
from lms.enrolment.models import EnrolmentEvent, EnrolmentStatus
from lms.notifications.models import Notification
from lms.readiness import operations as ops
from lms.readiness.models import Readiness
from tests import factories as f
from tests.helpers import form_errors, post_form

TERMS = "# Terms\n\nYou attend every session and follow the **code of conduct**."


@pytest.fixture
def admitted(world, db):
    """world.participant admitted to the offline phase of a program with participation terms."""
    world.enrolment.status = EnrolmentStatus.ADMITTED.value
    world.program.participation_terms = TERMS
    db.session.commit()
    return world


def form_url(world) -> str:
    return f"/programs/{world.program.id}/readiness"


def board_url(world, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/programs/{world.program.id}/readiness/board" + (f"?{query}" if query else "")


def details(**overrides) -> dict:
    data = {
        "arrival_date": "2024-08-18", "arrival_flight": "KE 952",
        "departure_date": "2024-09-14", "departure_flight": "KE 951",
        "dietary_needs": "", "accessibility_needs": "",
        "emergency_name": "Juma Participant", "emergency_relationship": "Brother",
        "emergency_phone": "+254 712 345 678", "emergency_email": "juma@example.test",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def version_in(html: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1)


def digest_in(html: str) -> str:
    return re.search(r'name="terms_digest" type="hidden" value="([0-9a-f]*)"', html).group(1)


def field_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html)
    return match.group(1) if match else None


def readiness_of(db, enrolment) -> Readiness | None:
    db.session.expire_all()
    return db.session.scalar(select(Readiness).where(Readiness.enrolment_id == enrolment.id))


def confirmed_client(client, login, world):
    login(client, world.participant)
    assert post_form(client, form_url(world) + "/confirm").status_code == 302
    return client


# --------------------------------------------------------------------------
# Step 1: confirming or declining
# --------------------------------------------------------------------------


def test_confirming_records_the_change_and_tells_each_coordinator_once(admitted, client, login, db):
    world = admitted
    second = f.make_user(email="coord2@example.test", name="Chae Coordinator", coordinator=True, locale="ko")
    gone = f.make_user(email="gone@example.test", name="Gone Coordinator", coordinator=True)
    gone.deactivated_at = utcnow()
    login(client, world.participant)
    page = client.get(form_url(world))
    assert page.status_code == 200
    assert "Yes, I will attend" in page.text and "Arrival date" not in page.text  # step 2 comes after confirming
    # The offline window in Korea, and in the participant's own zone (Nairobi).
    assert "Asia/Seoul" in page.text and "In your time zone" in page.text

    response = post_form(client, form_url(world) + "/confirm")
    assert response.status_code == 302
    db.session.expire_all()
    assert world.enrolment.status == "confirmed"
    readiness = readiness_of(db, world.enrolment)
    assert readiness.response == Readiness.CONFIRMED and readiness.responded_at is not None
    events = db.session.scalars(select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == world.enrolment.id)).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [("admitted", "confirmed", world.participant.id)]
    notes = db.session.scalars(select(Notification).where(Notification.kind == "readiness")).all()
    assert sorted(n.user_id for n in notes) == sorted([world.coordinator.id, second.id])
    mine = next(n for n in notes if n.user_id == world.coordinator.id)
    assert "Amina Participant confirmed" in mine.title
    assert mine.link == f"/programs/{world.program.id}/readiness/board/{world.enrolment.id}"

    # Confirming again (a second tab, a double click) changes nothing and tells nobody again.
    post_form(client, form_url(world) + "/confirm")
    assert db.session.scalar(select(EnrolmentEvent.id).where(EnrolmentEvent.id != events[0].id)) is None
    assert len(db.session.scalars(select(Notification).where(Notification.kind == "readiness")).all()) == 2
    page = client.get(form_url(world))
    assert "Arrival date" in page.text and "I can no longer come" in page.text


def test_declining_frees_the_place_keeps_the_details_and_can_be_taken_back(admitted, client, login, db):
    world = admitted
    world.track.capacity = 1
    db.session.commit()
    confirmed_client(client, login, world)
    post_form(client, form_url(world), details(version="1"))
    assert places_taken([world.track.id])[world.track.id] == 1

    response = post_form(client, form_url(world) + "/decline", {"reason": "My visa was refused."})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.enrolment.status == "declined_place"
    assert places_taken([world.track.id])[world.track.id] == 0
    readiness = readiness_of(db, world.enrolment)
    assert readiness.response == Readiness.DECLINED and readiness.decline_reason == "My visa was refused."
    assert readiness.arrival_flight == "KE 952"  # nothing given is lost
    event = db.session.scalars(select(EnrolmentEvent).order_by(EnrolmentEvent.id.desc())).first()
    assert (event.from_status, event.to_status, event.note) == ("confirmed", "declined_place", "My visa was refused.")
    note = db.session.scalars(select(Notification).where(Notification.user_id == world.coordinator.id)
                              .order_by(Notification.id.desc())).first()
    assert "declined" in note.title and "My visa was refused." in note.body and "place is free again" in note.body

    page = client.get(form_url(world))
    assert page.status_code == 200  # the participant still sees their answer
    assert "I can come after all" in page.text and "My visa was refused." in page.text
    assert "Arrival date" not in page.text

    # Someone else takes the free place: taking the decline back is refused.
    newcomer = f.make_user(email="new@example.test", name="Nora Newcomer")
    other = f.enrol(newcomer, world.program, module=world.module, status=EnrolmentStatus.ADMITTED)
    db.session.commit()
    response = post_form(client, form_url(world) + "/confirm", follow_redirects=True)
    assert "is full now" in response.text
    db.session.expire_all()
    assert world.enrolment.status == "declined_place"

    # The place is free again: taking it back works.
    other.status = EnrolmentStatus.DECLINED_PLACE.value
    db.session.commit()
    post_form(client, form_url(world) + "/confirm")
    db.session.expire_all()
    assert world.enrolment.status == "confirmed"
    assert readiness_of(db, world.enrolment).decline_reason is None


def test_a_decline_without_reason_is_fine_and_an_overlong_reason_is_refused(admitted, client, login, db):
    world = admitted
    login(client, world.participant)
    response = post_form(client, form_url(world) + "/decline", {"reason": "x" * 2001})
    assert response.status_code == 400
    assert "Keep the reason under 2000 characters." in form_errors(response.text)
    db.session.expire_all()
    assert world.enrolment.status == "admitted"
    post_form(client, form_url(world) + "/decline", {"reason": ""})
    db.session.expire_all()
    assert world.enrolment.status == "declined_place"
    assert readiness_of(db, world.enrolment).decline_reason is None


def test_operations_refuse_answers_that_make_no_sense(world, db):
    with pytest.raises(ops.NotAllowed):  # an active (not admitted) participant
        ops.confirm_attendance(world.enrolment, world.participant)
    with pytest.raises(ops.NotAllowed):
        ops.decline_place(world.enrolment, world.participant, "no")
    assert db.session.scalar(select(Readiness.id)) is None


# --------------------------------------------------------------------------
# Step 2: details
# --------------------------------------------------------------------------


def test_departure_before_arrival_is_refused_and_what_was_typed_is_kept(admitted, client, login, db):
    world = admitted
    confirmed_client(client, login, world)
    response = post_form(client, form_url(world), details(
        version="1", arrival_date="2024-08-20", departure_date="2024-08-19", arrival_flight="TK 90",
        emergency_name="Élodie Ngũgĩ"))
    assert response.status_code == 400
    assert "Your departure cannot be before your arrival." in form_errors(response.text)
    assert re.search(r'id="departure_date-error"[^>]*>\s*Your departure cannot be before your arrival', response.text)
    assert field_value(response.text, "arrival_date") == "2024-08-20"
    assert field_value(response.text, "departure_date") == "2024-08-19"
    assert field_value(response.text, "arrival_flight") == "TK 90"
    assert field_value(response.text, "emergency_name") == "Élodie Ngũgĩ"
    readiness = readiness_of(db, world.enrolment)
    assert readiness.arrival_date is None and readiness.emergency_name is None  # nothing saved


def test_dates_are_checked_against_the_offline_window(admitted, client, login, db):
    world = admitted  # world.track: 19 August – 13 September 2024
    confirmed_client(client, login, world)
    # Arriving after the phase ended, or leaving before it starts: refused.
    response = post_form(client, form_url(world), details(version="1", arrival_date="2024-09-20",
                                                          departure_date="2024-09-25"))
    assert response.status_code == 400
    assert any("after the offline phase ends" in error for error in form_errors(response.text))
    response = post_form(client, form_url(world), details(version="1", arrival_date="2024-08-01",
                                                          departure_date="2024-08-10"))
    assert any("before the offline phase starts" in error for error in form_errors(response.text))

    # Arriving late, leaving early: saved, with a warning next to the field (the office will follow up).
    response = post_form(client, form_url(world), details(version="1", arrival_date="2024-08-21",
                                                          departure_date="2024-09-10"), follow_redirects=True)
    assert response.status_code == 200
    readiness = readiness_of(db, world.enrolment)
    assert readiness.arrival_date == date(2024, 8, 21) and readiness.departure_date == date(2024, 9, 10)
    assert "You would arrive after the offline phase starts" in response.text
    assert "You would leave before the offline phase ends" in response.text
    assert "field-warning" in response.text

    # A track whose dates are to be announced: only the order of the dates is checked.
    world.track.offline_start = world.track.offline_end = None
    db.session.commit()
    response = post_form(client, form_url(world), details(version=str(readiness.version),
                                                          arrival_date="2025-01-05", departure_date="2025-01-20"))
    assert response.status_code == 302


def test_phone_and_email_must_look_right(admitted, client, login, db):
    world = admitted
    confirmed_client(client, login, world)
    response = post_form(client, form_url(world), details(version="1", emergency_phone="call my brother",
                                                          emergency_email="juma-at-example"))
    assert response.status_code == 400
    errors = form_errors(response.text)
    assert any("phone number with its country code" in error for error in errors)
    assert any("valid email address" in error for error in errors)
    assert field_value(response.text, "emergency_phone") == "call my brother"
    assert readiness_of(db, world.enrolment).emergency_phone is None
    for phone in ("+82 10-1234-5678", "(0)20 7946 0958", "+254712345678"):
        assert ops.phone_problem(phone) is None, phone
    for phone in ("12345", "+1 234 567 890 123 456 7", "0800-CALL-ME"):
        assert ops.phone_problem(phone) is not None, phone


def test_partial_save_and_what_is_missing(admitted, client, login, db):
    world = admitted
    confirmed_client(client, login, world)
    response = post_form(client, form_url(world), {
        "version": "1", "arrival_date": "2024-08-18", "arrival_flight": "KE 952",
        "departure_date": "", "departure_flight": "", "dietary_needs": "", "emergency_name": "Juma",
    }, follow_redirects=True)
    assert "Saved. Still missing: Travel, Dietary needs, Emergency contact, Terms accepted." in response.text
    readiness = readiness_of(db, world.enrolment)
    assert readiness.arrival_flight == "KE 952" and readiness.emergency_name == "Juma"
    assert readiness.dietary_needs is None  # not answered
    assert ops.missing_items(readiness, world.program) == ["travel", "dietary", "emergency_contact", "terms"]

    # "No special dietary needs" is an answer: dietary is no longer missing.
    post_form(client, form_url(world), details(version=str(readiness.version), no_dietary_needs="y"))
    readiness = readiness_of(db, world.enrolment)
    assert readiness.dietary_needs == "" and ops.has_no_dietary_needs(readiness)
    assert ops.missing_items(readiness, world.program) == ["terms"]
    page = client.get(form_url(world))
    assert re.search(r'<input[^>]*checked[^>]*name="no_dietary_needs"|<input[^>]*name="no_dietary_needs"[^>]*checked',
                     page.text)

    # Describing needs and ticking "none" at once is refused; describing them is an answer too.
    response = post_form(client, form_url(world), details(version=str(readiness.version), no_dietary_needs="y",
                                                          dietary_needs="Vegetarian"))
    assert response.status_code == 400
    assert any("not both" in error for error in form_errors(response.text))
    post_form(client, form_url(world), details(version=str(readiness.version), dietary_needs="Vegetarian"))
    readiness = readiness_of(db, world.enrolment)
    assert readiness.dietary_needs == "Vegetarian" and not ops.has_no_dietary_needs(readiness)


def test_two_tabs_do_not_overwrite_each_other_silently(admitted, client, login, db):
    world = admitted
    confirmed_client(client, login, world)
    opened = client.get(form_url(world)).text
    version = version_in(opened)
    assert post_form(client, form_url(world), details(version=version, arrival_flight="KE 952")).status_code == 302
    # The other tab, opened on the same version, saves a different flight.
    response = post_form(client, form_url(world), details(version=version, arrival_flight="OZ 222"))
    assert response.status_code == 409
    assert "Someone else changed this record" in response.text
    assert "KE 952" in response.text  # the saved version is shown
    assert field_value(response.text, "arrival_flight") == "OZ 222"  # what this tab typed is kept
    assert readiness_of(db, world.enrolment).arrival_flight == "KE 952"
    # Saving again (the form now carries the current version) overwrites knowingly.
    response = post_form(client, form_url(world), details(version=version_in(response.text), arrival_flight="OZ 222"))
    assert response.status_code == 302
    assert readiness_of(db, world.enrolment).arrival_flight == "OZ 222"


def test_details_cannot_be_saved_before_confirming(admitted, client, login, db):
    world = admitted
    login(client, world.participant)
    response = post_form(client, form_url(world), details(version=""))
    assert response.status_code == 302
    assert db.session.scalar(select(Readiness.id)) is None
    readiness = ops.decline_place(world.enrolment, world.participant, None)
    with pytest.raises(ops.NotAllowed):  # declined: no details to give
        ops.save_details(readiness, details(), readiness.version, world.participant)


def test_a_confirmed_participant_without_a_record_yet_can_save(admitted, client, login, db):
    world = admitted
    world.enrolment.status = EnrolmentStatus.CONFIRMED.value  # e.g. set by the demo
    db.session.commit()
    login(client, world.participant)
    page = client.get(form_url(world))
    assert version_in(page.text) == ""
    assert post_form(client, form_url(world), details(version="")).status_code == 302
    assert readiness_of(db, world.enrolment).arrival_flight == "KE 952"


# --------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------


def test_terms_consent_is_stored_with_the_text_digest_and_renewed_when_the_terms_change(admitted, client, login, db):
    world = admitted
    confirmed_client(client, login, world)
    page = client.get(form_url(world))
    assert "<strong>code of conduct</strong>" in page.text  # rendered Markdown
    digest = digest_in(page.text)
    assert digest == hashlib.sha256(TERMS.encode()).hexdigest()
    post_form(client, form_url(world), details(version=version_in(page.text), accept_terms="y", terms_digest=digest,
                                               no_dietary_needs="y"))
    readiness = readiness_of(db, world.enrolment)
    assert readiness.terms_digest == digest and readiness.terms_accepted_at is not None
    assert ops.terms_state(readiness, world.program) == ops.TERMS_ACCEPTED
    assert ops.missing_items(readiness, world.program) == []
    accepted_at = readiness.terms_accepted_at

    # Saving again does not move the date of consent.
    post_form(client, form_url(world), details(version=str(readiness.version), no_dietary_needs="y"))
    assert readiness_of(db, world.enrolment).terms_accepted_at == accepted_at

    # The office re-saves the same terms from a browser (CRLF line endings): nothing to renew.
    world.program.participation_terms = TERMS.replace("\n", "\r\n") + "\r\n"
    db.session.commit()
    assert ops.terms_state(readiness_of(db, world.enrolment), world.program) == ops.TERMS_ACCEPTED

    # The terms change: consent needs renewing, on the form and on the board.
    world.program.participation_terms = TERMS + "\n\nPhotos may be published."
    db.session.commit()
    readiness = readiness_of(db, world.enrolment)
    assert ops.terms_state(readiness, world.program) == ops.TERMS_RENEW
    assert ops.missing_items(readiness, world.program) == ["terms"]
    page = client.get(form_url(world))
    assert "The terms have changed since you accepted them" in page.text
    login(client, world.coordinator)
    assert "Terms (changed since accepted)" in client.get(board_url(world)).text

    # Accepting the version read before a further change is refused; the current one is accepted.
    login(client, world.participant)
    new_digest = digest_in(page.text)
    world.program.participation_terms = TERMS + "\n\nPhotos may be published on the website."
    db.session.commit()
    response = post_form(client, form_url(world), details(version=version_in(page.text), accept_terms="y",
                                                          terms_digest=new_digest, no_dietary_needs="y"))
    assert response.status_code == 400
    assert any("The terms changed while you were reading them" in error for error in form_errors(response.text))
    assert readiness_of(db, world.enrolment).terms_digest == digest
    post_form(client, form_url(world), details(version=version_in(response.text), accept_terms="y",
                                               terms_digest=digest_in(response.text), no_dietary_needs="y"))
    readiness = readiness_of(db, world.enrolment)
    assert readiness.terms_digest == ops.terms_digest(world.program.participation_terms)
    assert readiness.terms_accepted_at > accepted_at


def test_a_program_without_terms_asks_for_no_consent(admitted, db):
    world = admitted
    world.program.participation_terms = "  \n"
    readiness = ops.confirm_attendance(world.enrolment, world.participant)
    assert ops.terms_state(readiness, world.program) == ops.TERMS_NOT_REQUIRED
    assert "terms" not in ops.missing_items(readiness, world.program)


def test_the_program_form_edits_the_participation_terms(world, client, login, db):
    login(client, world.coordinator)
    page = client.get(f"/programs/{world.program.id}/edit")
    assert 'name="participation_terms"' in page.text
    from tests.test_programs import program_form

    response = post_form(client, f"/programs/{world.program.id}/edit", program_form(
        name=world.program.name, code=world.program.code, version=str(world.program.version),
        online_start="2024-07-22", online_end="2024-08-02", participation_terms="Be **on time**."))
    assert response.status_code == 302
    db.session.expire_all()
    assert world.program.participation_terms == "Be **on time**."
    # A stale edit is refused as before and keeps the typed terms.
    response = post_form(client, f"/programs/{world.program.id}/edit", program_form(
        name=world.program.name, code=world.program.code, version="1",
        online_start="2024-07-22", online_end="2024-08-02", participation_terms="Other terms"))
    assert response.status_code == 200 and "Someone else changed this record" in response.text
    assert "Other terms" in response.text
    db.session.expire_all()
    assert world.program.participation_terms == "Be **on time**."


# --------------------------------------------------------------------------
# The board and its export
# --------------------------------------------------------------------------


@pytest.fixture
def cohort(admitted, db):
    """Five people past admission in two tracks, in every state; one participant still active."""
    world = admitted
    people = {}

    def person(key, name, status, module, country="KE"):
        user = f.make_user(email=f"{key}@example.test", name=name, country=country)
        people[key] = f.enrol(user, world.program, module=module, status=status)

    person("complete", "Chloé Complete", EnrolmentStatus.ADMITTED, world.module, country="FR")
    person("partial", "Park Partial 박", EnrolmentStatus.ADMITTED, world.other_module, country="KR")
    person("declined", "Dan Declined", EnrolmentStatus.ADMITTED, world.other_module)
    person("waiting", "Wanda Waiting", EnrolmentStatus.ADMITTED, world.other_module)
    f.enrol(f.make_user(email="active@example.test", name="Active Only"), world.program, module=world.module)
    db.session.flush()
    digest = ops.terms_digest(TERMS)
    complete = ops.confirm_attendance(people["complete"], people["complete"].user)
    ops.save_details(complete, {**details(dietary_needs="Halal"),
                                "arrival_date": date(2024, 8, 18), "departure_date": date(2024, 9, 14),
                                "accept_terms_digest": digest}, complete.version, None)
    complete.emergency_phone = "+33 6 12 34 56 78"
    complete.emergency_name = "=HYPERLINK(\"x\")"
    partial = ops.confirm_attendance(people["partial"], people["partial"].user)
    ops.save_details(partial, {"arrival_date": date(2024, 8, 21), "arrival_flight": "OZ 222",
                               "no_dietary_needs": True}, partial.version, None)
    ops.decline_place(people["declined"], people["declined"].user, "Family reasons")
    db.session.commit()
    return world, people


def test_board_shows_answers_and_missing_items_with_filters_and_counts(cohort, client, login, db):
    world, people = cohort
    board = ops.board_rows(world.program, {})
    by_name = {row.user.name: row for row in board.rows}
    assert set(by_name) == {"Amina Participant", "Chloé Complete", "Park Partial 박", "Dan Declined", "Wanda Waiting"}
    assert by_name["Chloé Complete"].missing == []
    assert by_name["Park Partial 박"].missing == ["travel", "emergency_contact", "terms"]  # dietary: "none" said
    assert by_name["Park Partial 박"].warnings.keys() == {"arrival_date"}
    assert by_name["Dan Declined"].state == "declined" and by_name["Dan Declined"].missing == []
    assert by_name["Wanda Waiting"].state == "not_answered"
    assert board.counts == {"confirmed": 2, "not_answered": 2, "declined": 1, "incomplete": 1, "complete": 1}

    login(client, world.coordinator)
    page = client.get(board_url(world))
    assert page.status_code == 200
    assert "Active Only" not in page.text
    assert "Family reasons" not in page.text  # the reason is on the person's record, not in the list
    for name in ("Chloé Complete", "Park Partial 박", "Dan Declined", "Wanda Waiting"):
        assert name in page.text

    page = client.get(board_url(world, status="incomplete"))
    assert "Park Partial 박" in page.text and "Chloé Complete" not in page.text and "Wanda Waiting" not in page.text
    page = client.get(board_url(world, status="not_answered"))
    assert "Wanda Waiting" in page.text and "Amina Participant" in page.text and "Park Partial" not in page.text
    page = client.get(board_url(world, status="declined"))
    assert "Dan Declined" in page.text and "Wanda Waiting" not in page.text
    page = client.get(board_url(world, status="confirmed"))
    assert "Chloé Complete" in page.text and "Park Partial 박" in page.text and "Dan Declined" not in page.text
    page = client.get(board_url(world, track=world.other_track.id))
    assert "Park Partial 박" in page.text and "Chloé Complete" not in page.text and "Amina Participant" not in page.text
    assert ops.board_rows(world.program, {"track": str(world.other_track.id)}).counts["declined"] == 1
    page = client.get(board_url(world, track=world.other_track.id, status="declined"))
    assert "Dan Declined" in page.text and "Park Partial" not in page.text
    assert client.get(board_url(world, track="nonsense", status="bogus")).status_code == 200


def test_one_participants_record_and_an_answer_recorded_by_the_office(cohort, client, login, db):
    world, people = cohort
    login(client, world.coordinator)
    record = f"/programs/{world.program.id}/readiness/board/{people['declined'].id}"
    page = client.get(record)
    assert page.status_code == 200
    assert "Family reasons" in page.text and "Dan Declined" in page.text
    page = client.get(f"/programs/{world.program.id}/readiness/board/{people['complete'].id}")
    assert "Halal" in page.text and "+33 6 12 34 56 78" in page.text and "Accepted on" in page.text

    # The office records that Wanda answered by email; she is told, the event names the coordinator.
    waiting = people["waiting"]
    url = f"/programs/{world.program.id}/readiness/board/{waiting.id}/answer"
    response = post_form(client, url, {"answer": "confirm", "note": ""})
    assert response.status_code == 400 and any("how and when" in e for e in form_errors(response.text))
    response = post_form(client, url, {"answer": "confirm", "note": "By email on 12 June"})
    assert response.status_code == 302
    db.session.expire_all()
    assert waiting.status == "confirmed"
    event = db.session.scalars(select(EnrolmentEvent).where(EnrolmentEvent.enrolment_id == waiting.id)).one()
    assert event.actor_id == world.coordinator.id and event.note == "By email on 12 June"
    told = db.session.scalars(select(Notification).where(Notification.user_id == waiting.user_id)).one()
    assert "recorded that you will attend" in told.title
    # The coordinator who recorded it gets no notification about their own action.
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == world.coordinator.id,
                                                           Notification.title.contains("Wanda"))) is None

    # Another program's enrolment is not reachable through this program's address.
    other_program = f.make_program(code="OTHER")
    stranger = f.enrol(f.make_user(email="s@example.test"), other_program, status=EnrolmentStatus.ADMITTED)
    db.session.commit()
    assert client.get(f"/programs/{world.program.id}/readiness/board/{stranger.id}").status_code == 404


def test_board_csv_has_every_field_with_a_bom_and_applies_the_filters(cohort, client, login, db):
    world, _people = cohort
    login(client, world.coordinator)
    response = client.get(f"/programs/{world.program.id}/readiness/board.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    for column in ("Name", "Email", "Arrival date", "Arrival flight", "Departure date", "Departure flight",
                   "Dietary needs", "Accessibility needs", "Emergency contact name", "Emergency contact phone",
                   "Emergency contact email", "Terms", "Missing", "Reason for declining"):
        assert column in header
    table = {row[0]: dict(zip(header, row)) for row in body}
    assert set(table) == {"Amina Participant", "Chloé Complete", "Park Partial 박", "Dan Declined", "Wanda Waiting"}
    chloe = table["Chloé Complete"]
    assert chloe["Arrival date"] == "2024-08-18" and chloe["Dietary needs"] == "Halal"
    # A leading + (or =, -, @) is escaped so that spreadsheets read text, not a formula.
    assert chloe["Emergency contact phone"] == "'+33 6 12 34 56 78" and chloe["Terms"] == "accepted"
    assert chloe["Emergency contact name"].startswith("'=")  # not run as a formula
    assert chloe["Missing"] == ""
    park = table["Park Partial 박"]
    assert park["Dietary needs"] == "No special dietary needs" and park["Country"] == "South Korea"
    assert park["Missing"] == "Travel; Emergency contact; Terms accepted"
    assert table["Dan Declined"]["Reason for declining"] == "Family reasons"

    filtered = client.get(f"/programs/{world.program.id}/readiness/board.csv?status=incomplete")
    names = [row[0] for row in csv.reader(io.StringIO(filtered.get_data().decode("utf-8-sig")))][1:]
    assert names == ["Park Partial 박"]


def test_board_queries_do_not_grow_with_the_number_of_participants(cohort, client, login, db, count_queries):
    world, _people = cohort
    login(client, world.coordinator)
    client.get(board_url(world))  # warm up
    db.session.expire_all()  # test requests share the test's session: start each measure from nothing loaded
    with count_queries() as few:
        assert client.get(board_url(world)).status_code == 200
    db.session.expire_all()
    with count_queries() as few_csv:
        client.get(f"/programs/{world.program.id}/readiness/board.csv")
    for n in range(8):
        user = f.make_user(email=f"more{n}@example.test", name=f"More {n}")
        enrolment = f.enrol(user, world.program, module=world.module if n % 2 else world.other_module,
                            status=EnrolmentStatus.ADMITTED, group=world.group)
        if n % 3:
            readiness = ops.confirm_attendance(enrolment, user)
            ops.save_details(readiness, {"arrival_date": date(2024, 8, 18), "no_dietary_needs": True},
                             readiness.version, None)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        page = client.get(board_url(world))
    assert "More 7" in page.text
    db.session.expire_all()
    with count_queries() as many_csv:
        client.get(f"/programs/{world.program.id}/readiness/board.csv")
    assert len(many) == len(few) <= 6
    assert len(many_csv) == len(few_csv) <= 6


# --------------------------------------------------------------------------
# Who may see it
# --------------------------------------------------------------------------


def test_only_the_participant_and_coordinators_see_readiness(cohort, client, login, db):
    world, people = cohort
    readiness = ops.confirm_attendance(world.enrolment, world.participant)
    ops.save_details(readiness, {"dietary_needs": "Peanut allergy", "emergency_name": "Juma"},
                     readiness.version, None)
    db.session.commit()
    program_id = world.program.id
    own_record = f"/programs/{program_id}/readiness/board/{world.enrolment.id}"
    coordinator_pages = [f"/programs/{program_id}/readiness/board", f"/programs/{program_id}/readiness/board.csv",
                         own_record]

    # The participant's own trainer and another trainer: never, not the form, the board, the export or the record.
    for trainer in (world.trainer, world.other_trainer):
        login(client, trainer)
        assert client.get(form_url(world)).status_code == 403
        assert post_form(client, form_url(world) + "/confirm").status_code == 403
        assert post_form(client, form_url(world) + "/decline").status_code == 403
        for url in coordinator_pages:
            assert client.get(url).status_code == 403, url
        assert post_form(client, own_record + "/answer", {"answer": "decline", "note": "x"}).status_code == 403

    # A participant of the program who is not admitted (still active): no form, no board.
    login(client, world.other_participant)
    assert client.get(form_url(world)).status_code == 403
    assert post_form(client, form_url(world) + "/confirm").status_code == 403
    assert post_form(client, form_url(world), details(version="1")).status_code == 403
    for url in coordinator_pages:
        assert client.get(url).status_code == 403, url

    # Another admitted participant sees only their own form, never someone else's details.
    login(client, people["waiting"].user)
    page = client.get(form_url(world))
    assert page.status_code == 200 and "Peanut allergy" not in page.text and "Juma" not in page.text
    assert client.get(own_record).status_code == 403

    # Someone who is not in the program at all.
    outsider = f.make_user(email="outsider@example.test")
    db.session.commit()
    login(client, outsider)
    assert client.get(form_url(world)).status_code == 403

    # The participant themself.
    login(client, world.participant)
    assert "Peanut allergy" in client.get(form_url(world)).text
    assert client.get(own_record).status_code == 403

    # The program office: the board, the record; their own "form" leads to the board.
    login(client, world.coordinator)
    assert "Peanut allergy" in client.get(own_record).text
    response = client.get(form_url(world))
    assert response.status_code == 302 and response.headers["Location"].endswith("/readiness/board")
    assert post_form(client, form_url(world) + "/confirm").status_code == 403  # they answer through the record

    # Signed out: the login page.
    client.post("/logout", data={})
    fresh = client.application.test_client()
    for url in (form_url(world), *coordinator_pages):
        response = fresh.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_program_is_404(world, client, login):
    login(client, world.coordinator)
    assert client.get("/programs/999999/readiness/board").status_code == 404
    login(client, world.participant)
    assert client.get("/programs/999999/readiness").status_code == 404
