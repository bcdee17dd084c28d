"""Admission pages: the participant's checklist, the coordinators' queue and decisions, the rules."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.admission import operations as admission
from lms.admission.models import AdmissionDecision, AdmissionRules, AdmissionRulesChange
from lms.enrolment.models import EnrolmentEvent, EnrolmentStatus
from lms.learning.completion import record_completion
from lms.notifications.models import Notification
from tests import factories as f
from tests.helpers import form_errors, post_form


@pytest.fixture
def course(db, world):
    """The world's program runs online from five days ago to five days ahead: two required lessons in
    world.module and two in world.other_module; no live sessions or assignments (only items count)."""
    today = date.today()
    world.program.online_start = today - timedelta(days=5)
    world.program.online_end = today + timedelta(days=5)
    unit = f.make_unit(world.module, title="Week 1")
    lessons = [f.make_item(unit, "lesson", title=f"Lesson {n}") for n in range(2)]
    other_unit = f.make_unit(world.other_module, title="Week 1 (festivals)")
    other_lessons = [f.make_item(other_unit, "lesson", title=f"Festival lesson {n}") for n in range(2)]
    db.session.commit()
    return lessons, other_lessons


def finish(db, user, lessons):
    for lesson in lessons:
        record_completion(user, lesson, "viewed")
    db.session.commit()


def person_in(db, world, lessons, *, name, module=None, group=None, country="KE", done=True, **extra):
    user = f.make_user(name=name, country=country)
    enrolment = f.enrol(user, world.program, module=module or world.module, group=group, **extra)
    db.session.commit()
    if done:
        finish(db, user, lessons)
    return enrolment


def decide(app, db, enrolments, decision, actor, **options):
    """``operations.decide`` as a view runs it: in a request (its notification links), then committed."""
    with app.test_request_context():
        records = admission.decide(enrolments, decision, actor, **options)
        db.session.commit()
    return records


def queue_url(world, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/programs/{world.program.id}/admission" + (f"?{query}" if query else "")


def decide_url(world):
    return f"/programs/{world.program.id}/admission/decide"


def rules_url(world, track=None):
    return f"/programs/{world.program.id}/admission/rules" + (f"?track={track.id}" if track else "")


def standing_url(world, user=None):
    return f"/programs/{world.program.id}/offline-phase" + (f"?user_id={user.id}" if user else "")


def status_of(db, enrolment):
    db.session.expire_all()
    return db.session.get(type(enrolment), enrolment.id).status


# --------------------------------------------------------------------------
# The participant's page
# --------------------------------------------------------------------------


def test_participant_checklist_shows_numbers_progress_and_links(client, world, course, login, db):
    lessons, _other = course
    finish(db, world.participant, lessons[:1])
    login(client, world.participant)
    response = client.get(standing_url(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "What you need for the offline phase" in html
    assert "completed 1 of 2 required items, 2 needed" in html
    # A progress bar per condition, drawn with a CSS class (no inline style).
    assert 'class="w-50"' in html and "style=" not in html
    # What helps: the next item of the participant's outline.
    assert f'href="/learn/items/{lessons[1].id}"' in html and "Continue the online items" in html
    assert "On track" in html
    # The rules in force and the decision date, in the program's zone and Korea time.
    assert "The default rules" in html and "80%" in html
    assert "Admission is decided by the end of" in html and "Asia/Seoul" in html
    assert "admission.css" in html


def test_status_changes_as_soon_as_work_is_done(client, world, course, login, db):
    lessons, _other = course
    login(client, world.participant)
    assert "At risk" in client.get(standing_url(world)).get_data(as_text=True)
    finish(db, world.participant, lessons)
    html = client.get(standing_url(world)).get_data(as_text=True)
    assert "Eligible" in html and "completed 2 of 2 required items, 2 needed" in html
    assert 'class="w-100"' in html


def test_only_the_participant_and_coordinators_see_the_checklist(client, world, course, login, db):
    login(client, world.other_participant)
    assert client.get(standing_url(world, world.participant)).status_code == 403
    login(client, world.trainer)
    assert client.get(standing_url(world)).status_code == 403
    assert client.get(standing_url(world, world.participant)).status_code == 403
    stranger = f.make_user(name="Not enrolled")
    login(client, stranger)
    assert client.get(standing_url(world)).status_code == 403
    assert client.get(f"/programs/{world.program.id + 999}/offline-phase").status_code == 404

    login(client, world.coordinator)
    response = client.get(standing_url(world, world.participant))
    assert response.status_code == 200
    assert "Amina Participant" in response.get_data(as_text=True)
    assert client.get(standing_url(world, stranger)).status_code == 404
    # Without a participant, the coordinator is sent to the queue.
    response = client.get(standing_url(world))
    assert response.status_code == 302 and response.headers["Location"].endswith(queue_url(world))


def test_online_only_program_says_there_is_no_offline_phase(client, world, login, db):
    program = f.make_program(name="Online course", has_offline_phase=False)
    track = f.make_track(program, name="Online", offline=None)
    module = f.make_module(track, title="Cultural policy online")
    f.enrol(world.participant, program, module=module)
    db.session.commit()
    login(client, world.participant)
    html = client.get(f"/programs/{program.id}/offline-phase").get_data(as_text=True)
    assert "This program has no offline phase" in html
    assert "What you need to complete the program" in html
    assert "What you need for the offline phase" not in html
    assert "Offline sessions attended for completion" not in html


def test_admitted_participant_sees_the_decision_without_the_internal_reason(app, client, world, course, login, db):
    # Not eligible yet (nothing done): admitting is an override with a reason participants must not see.
    decide(app, db, [world.enrolment], "admitted", world.coordinator, reason="Strong portfolio, internal note")
    login(client, world.participant)
    html = client.get(standing_url(world)).get_data(as_text=True)
    assert "You are admitted to the offline phase" in html
    assert "Strong portfolio" not in html and "Override" not in html
    assert "Your offline phase" in html
    # Links to the pages of the offline phase that exist (others are built alongside).
    from flask import current_app

    if "readiness.form" in current_app.view_functions:
        assert f"/programs/{world.program.id}/readiness" in html
    # The coordinator sees the reason and that it was an override.
    login(client, world.coordinator)
    html = client.get(standing_url(world, world.participant)).get_data(as_text=True)
    assert "Strong portfolio, internal note" in html and "Override" in html and "Clara Coordinator" in html


def test_home_page_links_the_offline_phase(client, world, course, login, db):
    login(client, world.participant)
    html = client.get("/").get_data(as_text=True)
    assert f'href="{standing_url(world)}"' in html and "What you need for the offline phase" in html


def test_program_page_links_queue_and_rules_for_coordinators(client, world, login):
    login(client, world.coordinator)
    html = client.get(f"/programs/{world.program.id}").get_data(as_text=True)
    assert f'href="{queue_url(world)}"' in html and f'href="{rules_url(world)}"' in html


# --------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------


def _names(html):
    """The participants listed in the queue's tables (their names link to their page)."""
    return set(re.findall(r'offline-phase\?user_id=\d+">([^<]+)</a>', html))


def test_queue_sections_numbers_and_filters(client, world, course, login, db):
    lessons, other_lessons = course
    brazil = f.make_group(world.program, "Brazil delegation")
    finish(db, world.participant, lessons)  # Amina: eligible, Kenya delegation
    person_in(db, world, other_lessons, name="Chen Festival", module=world.other_module, country="CN",
              group=brazil)  # eligible, other track
    person_in(db, world, lessons, name="Dara Behind", done=False)  # at risk (nothing done, half way)
    # Bruno (other_participant, other module): nothing done -> at risk.
    login(client, world.coordinator)
    response = client.get(queue_url(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _names(html) == {"Amina Participant", "Chen Festival", "Dara Behind", "Bruno Other"}
    assert 'id="section-eligible"' in html and 'id="section-at_risk"' in html
    assert "completed 0 of 2 required items, 2 needed" in html  # the unmet condition with its numbers
    assert "Places in the offline phase" in html

    assert _names(client.get(queue_url(world, track=world.other_track.id)).get_data(as_text=True)) == {
        "Chen Festival", "Bruno Other"}
    assert _names(client.get(queue_url(world, module=world.module.id)).get_data(as_text=True)) == {
        "Amina Participant", "Dara Behind"}
    assert _names(client.get(queue_url(world, country="CN")).get_data(as_text=True)) == {"Chen Festival"}
    assert _names(client.get(queue_url(world, group=world.group.id)).get_data(as_text=True)) == {
        "Amina Participant"}
    assert _names(client.get(queue_url(world, group="none")).get_data(as_text=True)) == {
        "Dara Behind", "Bruno Other"}
    assert _names(client.get(queue_url(world, status="eligible")).get_data(as_text=True)) == {
        "Amina Participant", "Chen Festival"}
    assert _names(client.get(queue_url(world, status="at_risk", track=world.track.id)).get_data(as_text=True)) \
        == {"Dara Behind"}


def test_queue_is_for_coordinators_only(client, world, course, login, db):
    for person in (world.participant, world.trainer):
        login(client, person)
        assert client.get(queue_url(world)).status_code == 403
        assert post_form(client, decide_url(world), {"enrolment_id": world.enrolment.id,
                                                     "decision": "admitted"}).status_code == 403
        assert client.get(rules_url(world)).status_code == 403
    assert status_of(db, world.enrolment) == "active"


def test_bulk_admit_records_notifies_and_emails(client, world, course, login, db, outbox):
    lessons, other_lessons = course
    finish(db, world.participant, lessons)
    finish(db, world.other_participant, other_lessons)
    login(client, world.coordinator)
    response = post_form(client, decide_url(world), {
        "enrolment_id": [world.enrolment.id, world.other_enrolment.id], "decision": "admitted"})
    assert response.status_code == 302 and response.headers["Location"].endswith(queue_url(world))
    assert status_of(db, world.enrolment) == "admitted" and status_of(db, world.other_enrolment) == "admitted"
    decisions = db.session.scalars(select(AdmissionDecision).order_by(AdmissionDecision.id)).all()
    assert [(d.enrolment_id, d.decision, d.is_override, d.eligibility_status, d.decided_by_id) for d in decisions] == [
        (world.enrolment.id, "admitted", False, "eligible", world.coordinator.id),
        (world.other_enrolment.id, "admitted", False, "eligible", world.coordinator.id)]
    events = db.session.scalars(select(EnrolmentEvent).where(EnrolmentEvent.action == "admission")).all()
    assert {(e.enrolment_id, e.from_status, e.to_status) for e in events} == {
        (world.enrolment.id, "active", "admitted"), (world.other_enrolment.id, "active", "admitted")}
    notes = db.session.scalars(select(Notification).where(Notification.kind == "admission")).all()
    assert {n.user_id for n in notes} == {world.participant.id, world.other_participant.id}
    assert all(n.link == standing_url(world) for n in notes)
    assert sorted(m["to"] for m in outbox) == sorted([world.participant.email, world.other_participant.email])
    assert all("admitted to the offline phase" in m["subject"] for m in outbox)
    assert standing_url(world) in outbox[0]["body"]
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "2 participants admitted to the offline phase." in html
    assert 'id="section-decided"' in html


def test_filters_are_kept_through_a_decision(client, world, course, login, db):
    lessons, _other = course
    finish(db, world.participant, lessons)
    login(client, world.coordinator)
    response = post_form(client, f"{decide_url(world)}?track={world.track.id}&status=eligible",
                         {"enrolment_id": world.enrolment.id, "decision": "admitted"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{queue_url(world)}?track={world.track.id}&status=eligible")


def test_override_needs_a_reason_and_is_recorded_with_it(client, world, course, login, db, outbox):
    lessons, _other = course
    finish(db, world.participant, lessons)  # eligible
    login(client, world.coordinator)
    # Admitting Bruno (nothing done) goes against the rules.
    response = post_form(client, decide_url(world), {
        "enrolment_id": [world.enrolment.id, world.other_enrolment.id], "decision": "admitted", "reason": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert form_errors(html) == [
        "Admitting Bruno Other goes against the rules (not eligible now): give a reason."]
    # The message sits next to the reason field; the selection is kept.
    assert re.search(r'id="reason-error"', html)
    for enrolment in (world.enrolment, world.other_enrolment):
        assert f'id="select-{enrolment.id}" checked' in html
    assert db.session.scalars(select(AdmissionDecision)).all() == [] and outbox == []
    assert status_of(db, world.other_enrolment) == "active"

    response = post_form(client, decide_url(world), {
        "enrolment_id": [world.enrolment.id, world.other_enrolment.id], "decision": "admitted",
        "reason": "Joined late after a visa delay; trainer vouches"})
    assert response.status_code == 302
    decisions = {d.enrolment_id: d for d in db.session.scalars(select(AdmissionDecision))}
    assert decisions[world.other_enrolment.id].is_override
    assert decisions[world.other_enrolment.id].reason == "Joined late after a visa delay; trainer vouches"
    assert decisions[world.other_enrolment.id].eligibility_status == "at_risk"
    assert not decisions[world.enrolment.id].is_override
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "Override" in html and "Joined late after a visa delay" in html


def test_not_admitting_an_eligible_participant_needs_a_reason(client, world, course, login, db):
    lessons, _other = course
    finish(db, world.participant, lessons)
    login(client, world.coordinator)
    response = post_form(client, decide_url(world), {"row_action": f"{world.enrolment.id}:not_admitted"})
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == [
        "Not admitting Amina Participant goes against the rules (eligible): give a reason."]
    response = post_form(client, decide_url(world), {"row_action": f"{world.enrolment.id}:not_admitted",
                                                     "reason": "Cannot travel in September"})
    assert response.status_code == 302
    [decision] = db.session.scalars(select(AdmissionDecision)).all()
    assert decision.decision == "not_admitted" and decision.is_override
    assert status_of(db, world.enrolment) == "not_admitted"


def test_nothing_selected_or_unknown_decision_is_refused(client, world, course, login, db):
    login(client, world.coordinator)
    response = post_form(client, decide_url(world), {"decision": "admitted"})
    assert response.status_code == 400 and "Select at least one participant." in response.get_data(as_text=True)
    response = post_form(client, decide_url(world), {"enrolment_id": world.enrolment.id, "decision": "completed"})
    assert response.status_code == 400 and "Choose admit, waitlist or not admit." in response.get_data(as_text=True)
    # Someone of another program is not decided on from this one.
    program = f.make_program(name="Other program")
    stranger = f.enrol(f.make_user(name="Elsewhere"), program)
    db.session.commit()
    response = post_form(client, decide_url(world), {"enrolment_id": stranger.id, "decision": "waitlisted",
                                                     "reason": "x"})
    assert response.status_code == 400
    assert db.session.scalars(select(AdmissionDecision)).all() == []


def test_admitting_beyond_capacity_asks_for_confirmation(app, client, world, course, login, db, outbox):
    lessons, _other = course
    world.track.capacity = 1
    db.session.commit()
    finish(db, world.participant, lessons)
    second = person_in(db, world, lessons, name="Dara Second")
    decide(app, db, [world.enrolment], "admitted", world.coordinator)
    login(client, world.coordinator)
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "1 of 1 places taken" in html and "Full" in html

    response = post_form(client, decide_url(world), {"enrolment_id": second.id, "decision": "admitted",
                                                     "reason": "Strong candidate"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Admit beyond capacity?" in html
    row = re.search(r'<tr class="capacity-row">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r">\s*(?:<strong>)?([^<>\s][^<>]*?)(?:</strong>)?\s*<", row) == ["Intensive", "1", "2", "1"]
    assert 'name="confirm_over_capacity" value="1"' in html and f'name="enrolment_id" value="{second.id}"' in html
    assert "Strong candidate" in html  # the reason is carried over
    assert status_of(db, second) == "active" and len(db.session.scalars(select(AdmissionDecision)).all()) == 1

    response = post_form(client, decide_url(world), {"enrolment_id": second.id, "decision": "admitted",
                                                     "reason": "Strong candidate", "confirm_over_capacity": "1"})
    assert response.status_code == 302
    assert status_of(db, second) == "admitted"
    latest = db.session.scalars(select(AdmissionDecision).order_by(AdmissionDecision.id.desc())).first()
    assert latest.over_capacity and latest.enrolment_id == second.id
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "2 of 1 places taken" in html and "over the track" in html


def test_waitlist_a_row_notifies_in_app_and_by_email(client, world, course, login, db, outbox):
    login(client, world.coordinator)
    response = post_form(client, decide_url(world), {"row_action": f"{world.enrolment.id}:waitlisted"})
    assert response.status_code == 302
    assert status_of(db, world.enrolment) == "waitlisted"
    [note] = db.session.scalars(select(Notification).where(Notification.kind == "admission")).all()
    assert note.user_id == world.participant.id and "waiting list" in note.title
    [mail] = outbox
    assert mail["to"] == world.participant.email and "waiting list" in mail["subject"]
    login(client, world.participant)
    html = client.get(standing_url(world)).get_data(as_text=True)
    assert "You are on the waiting list" in html


def test_queue_lists_in_constant_queries(app, client, world, course, login, db, count_queries):
    lessons, other_lessons = course
    second_group = f.make_group(world.program, "Second group")

    def add(n):
        for i in range(n):
            enrolment = person_in(db, world, lessons if i % 2 else other_lessons, name=f"Person {i} {n}",
                                  module=world.module if i % 2 else world.other_module,
                                  group=world.group if i % 3 else second_group, country="KE" if i % 2 else "PE",
                                  done=bool(i % 4))
            if i % 3 == 0:
                decide(app, db, [enrolment], "waitlisted", world.coordinator)
        db.session.commit()

    add(1)  # with the world's two participants: 3
    login(client, world.coordinator)

    def measure():
        db.session.expire_all()
        with count_queries() as queries:
            response = client.get(queue_url(world))
        assert response.status_code == 200
        return len(queries)

    few = measure()
    add(17)
    many = measure()
    assert many == few


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def _rules_data(**overrides):
    data = {"version": "", "min_items_percent": "80", "require_assignments_passed": "y", "min_live_percent": "75",
            "min_average_grade": "60", "decide_by": "", "min_offline_percent": "80", "note": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_rules_form_validates_with_messages_next_to_fields(client, world, login, db):
    login(client, world.coordinator)
    response = post_form(client, rules_url(world), _rules_data(min_items_percent="150", min_live_percent="abc",
                                                               min_offline_percent="", min_average_grade="-1",
                                                               decide_by="2024-01-01"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = form_errors(html)
    assert errors.count("Enter a whole number from 0 to 100.") == 4
    assert 'id="min_items_percent-error"' in html and 'id="min_live_percent-error"' in html
    assert 'value="150"' in html and 'value="abc"' in html  # what was typed is kept
    assert db.session.scalars(select(AdmissionRules)).all() == []
    response = post_form(client, rules_url(world), _rules_data(decide_by="2024-01-01"))
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == [
        "The decision date cannot be before the online phase starts (Jul 22, 2024)."]


def test_rules_save_apply_and_history(client, world, login, db, count_queries):
    login(client, world.coordinator)
    html = client.get(rules_url(world)).get_data(as_text=True)
    assert "No changes yet." in html and 'value="80"' in html
    response = post_form(client, rules_url(world), _rules_data(min_items_percent="70", min_average_grade="",
                                                               decide_by="2024-08-01", note="Lighter load"))
    assert response.status_code == 302
    rules = db.session.scalar(select(AdmissionRules))
    assert (rules.min_items_percent, rules.min_average_grade, rules.decide_by, rules.track_id) == (
        70, None, date(2024, 8, 1), None)
    html = client.get(rules_url(world)).get_data(as_text=True)
    assert "The program&#39;s rules were saved" in html
    assert "Required online items completed: 70%" in html and "Minimum average grade: none" in html
    assert "Why: Lighter load" in html and "Clara Coordinator" in html
    # A second change shows before and after.
    post_form(client, rules_url(world), _rules_data(version=str(rules.version), min_items_percent="90",
                                                    min_average_grade="", decide_by="2024-08-01"))
    html = client.get(rules_url(world)).get_data(as_text=True)
    assert "Required online items completed: 70% → 90%" in html
    assert len(db.session.scalars(select(AdmissionRulesChange)).all()) == 2

    # The history costs the same whatever its length.
    admission.save_rules(world.program, world.track.id, {"min_live_percent": 40}, world.coordinator)
    db.session.commit()

    def measure():
        db.session.expire_all()
        with count_queries() as queries:
            assert client.get(rules_url(world)).status_code == 200
        return len(queries)

    few = measure()
    for percent in range(50, 58):
        admission.save_rules(world.program, world.track.id if percent % 2 else None,
                             {"min_live_percent": percent}, f.make_user(name=f"Coordinator {percent}",
                                                                        coordinator=True))
    db.session.commit()
    assert measure() == few


def test_rules_edit_conflict_keeps_the_form(client, world, login, db):
    login(client, world.coordinator)
    rules = admission.save_rules(world.program, None, {"min_items_percent": 75}, world.coordinator)
    db.session.commit()
    opened_version = rules.version
    # Someone else saves in between.
    admission.save_rules(world.program, None, {"min_items_percent": 60}, world.coordinator, note="Other tab")
    db.session.commit()
    response = post_form(client, rules_url(world), _rules_data(version=str(opened_version),
                                                               min_items_percent="85"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Someone else changed this record" in html
    assert 'value="85"' in html  # the typed value is kept
    db.session.expire_all()
    current = db.session.scalar(select(AdmissionRules))
    assert current.min_items_percent == 60
    assert f'name="version" type="hidden" value="{current.version}"' in html or \
        f'value="{current.version}"' in html
    # Saving again (on the current version) overwrites knowingly.
    response = post_form(client, rules_url(world), _rules_data(version=str(current.version),
                                                               min_items_percent="85"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(AdmissionRules)).min_items_percent == 85


def test_rules_created_meanwhile_by_someone_else_is_a_conflict(client, world, login, db):
    login(client, world.coordinator)
    admission.save_rules(world.program, None, {"min_items_percent": 60}, world.coordinator)
    db.session.commit()
    # The form was opened before any rules were saved (no version).
    response = post_form(client, rules_url(world), _rules_data(min_items_percent="85"))
    assert response.status_code == 400 and "Someone else changed this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(AdmissionRules)).min_items_percent == 60


def test_track_rules_set_and_removed(client, world, course, login, db):
    login(client, world.coordinator)
    html = client.get(rules_url(world, world.track)).get_data(as_text=True)
    assert "Own rules for the Intensive track" in html
    response = post_form(client, rules_url(world, world.track), _rules_data(min_live_percent="50",
                                                                            note="Shorter track"))
    assert response.status_code == 302
    rules = db.session.scalar(select(AdmissionRules))
    assert rules.track_id == world.track.id and rules.min_live_percent == 50
    # The track's participant now sees the track's rules.
    login(client, world.participant)
    html = client.get(standing_url(world)).get_data(as_text=True)
    assert "Rules of the Intensive track." in html and "50%" in html
    login(client, world.coordinator)
    html = client.get(rules_url(world)).get_data(as_text=True)
    assert "its own rules" in html and "Intensive track" in html
    response = post_form(client, f"/programs/{world.program.id}/admission/rules/tracks/{world.track.id}/remove",
                         {f"remove-{world.track.id}-note": "Same rules for all"})
    assert response.status_code == 302
    assert db.session.scalars(select(AdmissionRules)).all() == []
    html = client.get(rules_url(world)).get_data(as_text=True)
    assert "Own rules removed: the track follows the program&#39;s rules again." in html
    assert "Why: Same rules for all" in html
    # Removing again says there is nothing to remove; a track of another program is not found.
    response = post_form(client, f"/programs/{world.program.id}/admission/rules/tracks/{world.track.id}/remove")
    assert response.status_code == 302
    other = f.make_track(f.make_program(name="Elsewhere"), name="Elsewhere track")
    db.session.commit()
    assert post_form(client, f"/programs/{world.program.id}/admission/rules/tracks/{other.id}/remove"
                     ).status_code == 404
    assert client.get(f"{rules_url(world)}?track={other.id}").status_code == 404


def test_online_only_program_has_no_admission_to_decide(client, world, login, db):
    program = f.make_program(name="Online course", has_offline_phase=False)
    module = f.make_module(f.make_track(program, name="Online", offline=None), title="Cultural policy online")
    enrolment = f.enrol(world.participant, program, module=module)
    db.session.commit()
    login(client, world.coordinator)
    html = client.get(f"/programs/{program.id}/admission").get_data(as_text=True)
    assert "This program has no offline phase" in html and 'name="decision"' not in html
    response = post_form(client, f"/programs/{program.id}/admission/decide",
                         {"enrolment_id": enrolment.id, "decision": "admitted", "reason": "x"})
    assert response.status_code == 302
    assert status_of(db, enrolment) == "active" and db.session.scalars(select(AdmissionDecision)).all() == []
    html = client.get(f"/programs/{program.id}/admission/rules").get_data(as_text=True)
    assert "Completion rules" in html and 'type="hidden" value="80"' in html  # no offline completion rule shown


def test_withdrawn_participants_are_not_in_the_queue(client, world, course, login, db):
    world.other_enrolment.status = EnrolmentStatus.WITHDRAWN.value
    db.session.commit()
    login(client, world.coordinator)
    assert _names(client.get(queue_url(world)).get_data(as_text=True)) == {"Amina Participant"}
    response = post_form(client, decide_url(world), {"enrolment_id": world.other_enrolment.id,
                                                     "decision": "waitlisted"})
    assert response.status_code == 400 and status_of(db, world.other_enrolment) == "withdrawn"
