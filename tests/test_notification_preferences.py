"""Notifications by email as each person chose per kind: immediately, in the daily digest, or off.

The one entry point (``notify``), the kinds' registry, the preferences page
and the daily digest of notifications (claimed so two senders never send one
person's digest twice).
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.extensions import db as _db
from lms.mail.models import OutboxMessage
from lms.notifications import digest as digest_module
from lms.notifications import kinds
from lms.notifications.delivery import preload_modes
from lms.notifications.digest import NOTIFICATIONS, digest_slot, send_notification_digests
from lms.notifications.models import DigestRun, Notification, NotificationPreference
from lms.notifications.operations import notify, save_preferences
from tests import factories as f
from tests.helpers import form_errors, post_form

UTC = timezone.utc
# 10:00 in Nairobi (the participant's zone, UTC+3) on 1 August 2024.
T0 = datetime(2024, 8, 1, 7, 0, tzinfo=UTC)
# The next morning's digest time in Nairobi (08:00 local = 05:00 UTC), a few minutes after.
NEXT_MORNING = datetime(2024, 8, 2, 5, 3, tzinfo=UTC)
PREFERENCES = "/notifications/preferences"


def _messages():
    return _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _prefer(user, **modes):
    save_preferences(user, modes)
    _db.session.commit()


def _notify(user, kind="grade_released", title="Your grade for “Essay” is available", *, at=T0, **kwargs):
    notification = notify(user, kind, title, kwargs.pop("body", "Score: 80 / 100"),
                          kwargs.pop("link", "/assignments/7"), **kwargs)
    notification.created_at = at
    _db.session.commit()
    return notification


# --- Immediately, digest, off ----------------------------------------------------------------------------------


def test_immediately_is_the_default_and_emails_now_in_the_generic_template(db, world):
    notification = _notify(world.participant)

    [message] = _messages()
    assert message.to_address == "participant@example.test"
    assert message.subject == "Your grade for “Essay” is available"
    assert "Hello Amina Participant," in message.body_text
    assert "Score: 80 / 100" in message.body_text
    assert "http://localhost/assignments/7" in message.body_text  # the link, absolute
    assert "http://localhost/notifications/preferences" in message.body_text
    assert notification.email_status == "sent" and notification.emailed_at is not None


def test_digest_sends_nothing_until_the_digest_then_one_email_with_both(db, world):
    _prefer(world.participant, grade_released="digest", resubmission_requested="digest")
    first = _notify(world.participant, at=T0 - timedelta(hours=2))
    second = _notify(world.participant, "resubmission_requested", "Resubmission requested: “Essay”",
                     body="Please add sources.", at=T0)
    assert _messages() == []
    assert first.email_status == "digest" and second.email_status == "digest"

    assert send_notification_digests(NEXT_MORNING) == 1

    [message] = _messages()
    assert message.to_address == "participant@example.test"
    assert message.subject == "Your daily digest: 2 notifications"
    body = message.body_text
    assert "Your grade for “Essay” is available" in body and "Resubmission requested: “Essay”" in body
    assert "Please add sources." in body and "http://localhost/assignments/7" in body
    # Times in the person's zone, zone named.
    assert "Aug 1, 2024, 10:00\u202fAM (Africa/Nairobi, EAT)" in body
    db.session.expire_all()
    for notification in (first, second):
        stored = db.session.get(Notification, notification.id)
        assert stored.email_status == "digested" and stored.emailed_at == NEXT_MORNING
    run = db.session.get(DigestRun, (world.participant.id, NOTIFICATIONS))
    assert run.last_sent_at == NEXT_MORNING

    # Once a day: a second run (even with something new) sends nothing until the next morning.
    _notify(world.participant, at=NEXT_MORNING + timedelta(minutes=1))
    assert send_notification_digests(NEXT_MORNING + timedelta(hours=3)) == 0
    assert len(_messages()) == 1
    assert send_notification_digests(NEXT_MORNING + timedelta(days=1)) == 1
    assert len(_messages()) == 2 and _messages()[1].subject == "Your daily digest: 1 notification"


def test_a_notification_after_the_digest_time_waits_for_the_next_morning(db, world):
    _prefer(world.participant, grade_released="digest")
    _notify(world.participant, at=T0)  # 10:00 in Nairobi, after that day's 08:00 digest time

    assert send_notification_digests(T0 + timedelta(hours=1)) == 0
    assert send_notification_digests(NEXT_MORNING - timedelta(minutes=10)) == 0  # 07:53 in Nairobi
    assert send_notification_digests(NEXT_MORNING) == 1


def test_off_keeps_it_in_app_only(db, world):
    _prefer(world.participant, grade_released="off")
    notification = _notify(world.participant)

    assert notification.email_status == "off"
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    assert send_notification_digests(NEXT_MORNING) == 0
    assert _messages() == []


def test_switching_a_kind_off_drops_what_waited_for_the_digest(db, world):
    _prefer(world.participant, grade_released="digest", resubmission_requested="digest")
    dropped = _notify(world.participant, at=T0)
    kept = _notify(world.participant, "resubmission_requested", "Resubmission requested", at=T0)
    _prefer(world.participant, grade_released="off")

    assert send_notification_digests(NEXT_MORNING) == 1

    [message] = _messages()
    assert "Resubmission requested" in message.body_text and "Essay" not in message.body_text
    db.session.expire_all()
    assert db.session.get(Notification, dropped.id).email_status == "off"
    assert db.session.get(Notification, kept.id).email_status == "digested"


def test_preferences_are_per_person(db, world):
    _prefer(world.participant, grade_released="off")
    _notify(world.participant)
    _notify(world.other_participant)

    assert [message.to_address for message in _messages()] == ["other@example.test"]


def test_coordinators_get_readiness_news_in_the_digest_by_default(db, world):
    assert kinds.default_mode("readiness", world.coordinator) == "digest"
    assert kinds.default_mode("readiness", world.participant) == "immediately"
    _notify(world.coordinator, "readiness", "Amina Participant confirmed their place")
    _notify(world.participant, "readiness", "The program office recorded that you will attend")

    assert [message.to_address for message in _messages()] == ["participant@example.test"]


def test_deactivated_people_get_no_email(db, world):
    world.participant.deactivated_at = T0
    notification = _notify(world.participant)
    assert notification.email_status == "off" and _messages() == []


def test_a_callers_own_template_is_used_with_its_context(db, world):
    notify(world.participant, "certificate", "Your certificate for CETP", "Congratulations.",
           link="/my/certificates", email_template="certificates/mail_issued.txt",
           download="http://localhost/certificates/1.pdf", verify="http://localhost/verify/X", code="ABCD-EFGH")
    db.session.commit()
    [message] = _messages()
    assert message.subject == "Your certificate for CETP"
    assert "http://localhost/certificates/1.pdf" in message.body_text and "ABCD-EFGH" in message.body_text


def test_admission_decisions_follow_the_preference_no_double_email(db, world):
    from lms.admission.operations import _tell_participant

    _tell_participant(world.enrolment, "waitlisted")
    db.session.commit()
    [message] = _messages()  # one email, from the admission template
    assert "waiting list" in message.subject
    assert "See where you stand and what comes next:" in message.body_text

    _prefer(world.participant, admission="off")
    _tell_participant(world.enrolment, "not_admitted")
    db.session.commit()
    assert len(_messages()) == 1
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "admission")) == 2


def test_email_in_the_persons_language(db, world):
    world.participant.locale = "ko"
    _notify(world.participant)
    [message] = _messages()
    assert "Hello Amina Participant," not in message.body_text  # the Korean greeting instead


# --- The kinds' registry -------------------------------------------------------------------------------------


def test_notify_refuses_an_unknown_kind_in_testing(db, world):
    with pytest.raises(kinds.UnknownKind):
        notify(world.participant, "no_such_kind", "Hello")


KIND_LITERALS = [
    re.compile(r"""\bnotify\(\s*[^,()]+(?:\([^()]*\))?,\s*["']([a-z_]+)["']"""),  # notify(user, "kind", ...)
    re.compile(r"""_notify_members\(\s*\w+,\s*["']([a-z_]+)["']"""),
    re.compile(r"""^\s*[A-Z_]*KIND\s*=\s*["']([a-z_]+)["']""", re.M),  # NUDGE_KIND = "at_risk_nudge"
]


def test_every_kind_used_in_the_code_is_registered():
    root = Path(__file__).resolve().parent.parent / "lms"
    used = set()
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for pattern in KIND_LITERALS:
            used.update(pattern.findall(source))
    # The search finds the kinds of every feature that notifies (a sanity check of the search itself).
    assert {"grade_released", "resubmission_requested", "admission", "certificate", "readiness",
            "output_hidden"} <= used
    assert used - set(kinds.KINDS) == set()
    for kind in kinds.KINDS.values():
        assert kind.default in kinds.MODES and str(kind.label) and str(kind.description)


# --- The preferences page ------------------------------------------------------------------------------------


def _checked(html: str, kind: str) -> str | None:
    """The value of the checked radio button of a kind's row."""
    for tag in re.findall(rf'<input[^>]*name="mode_{kind}"[^>]*>', html):
        if re.search(r"\bchecked\b", tag):
            return re.search(r'value="(\w+)"', tag).group(1)
    return None


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(PREFERENCES)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_participant_sees_their_kinds_with_defaults(client, login, world):
    login(client, world.participant)
    response = client.get(PREFERENCES)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for key in ("grade_released", "deadline_reminder", "live_reminder", "at_risk_nudge", "admission",
                "certificate", "announcement", "message"):
        assert f'name="mode_{key}"' in html
        assert _checked(html, key) == "immediately"
    assert "Daily digest" in html and "Deadline reminders" in html


def test_a_trainer_sees_only_what_concerns_trainers(client, login, world):
    login(client, world.trainer)
    html = client.get(PREFERENCES).get_data(as_text=True)
    assert set(re.findall(r'name="mode_(\w+)"', html)) == {"announcement", "message"}


def test_a_coordinator_sees_readiness_in_the_digest(client, login, world):
    login(client, world.coordinator)
    html = client.get(PREFERENCES).get_data(as_text=True)
    assert set(re.findall(r'name="mode_(\w+)"', html)) == {"readiness", "announcement", "message"}
    assert _checked(html, "readiness") == "digest"


def _all(shown, **changes):
    data = {f"mode_{key}": "immediately" for key in shown}
    data.update({f"mode_{key}": value for key, value in changes.items()})
    return data


def test_saving_stores_one_row_per_kind_and_shows_the_choice(client, login, world, db):
    login(client, world.trainer)
    response = post_form(client, PREFERENCES, _all(["announcement", "message"], message="digest"))
    assert response.status_code == 302 and response.headers["Location"].endswith(PREFERENCES)
    rows = db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == world.trainer.id).order_by(NotificationPreference.kind)).all()
    assert [(row.kind, row.mode) for row in rows] == [("announcement", "immediately"), ("message", "digest")]
    html = client.get(PREFERENCES).get_data(as_text=True)
    assert "Your notification preferences are saved." in html
    assert _checked(html, "message") == "digest" and _checked(html, "announcement") == "immediately"

    # Changing again updates the rows (no second row per kind).
    post_form(client, PREFERENCES, _all(["announcement", "message"], announcement="off"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 2
    assert db.session.get(NotificationPreference, (world.trainer.id, "announcement")).mode == "off"
    assert db.session.get(NotificationPreference, (world.trainer.id, "message")).mode == "immediately"


def test_bad_input_is_refused_next_to_the_row_and_keeps_the_other_choices(client, login, world, db):
    login(client, world.trainer)
    response = post_form(client, PREFERENCES, {"mode_announcement": "weekly", "mode_message": "digest"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert form_errors(html) == ["Not a valid choice."]
    assert 'id="mode_announcement-error"' in html  # next to its row
    assert _checked(html, "message") == "digest"
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0

    response = post_form(client, PREFERENCES, {"mode_message": "digest"})  # a row left without a choice
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["Choose how you want to hear of this."]


def test_saving_needs_the_csrf_token(client, login, world, db):
    login(client, world.trainer)
    response = client.post(PREFERENCES, data=_all(["announcement", "message"]))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_a_kind_of_another_role_cannot_be_saved_through_the_page(client, login, world, db):
    login(client, world.trainer)
    post_form(client, PREFERENCES, {**_all(["announcement", "message"]), "mode_grade_released": "off"})
    assert db.session.get(NotificationPreference, (world.trainer.id, "grade_released")) is None


def test_the_notifications_page_links_to_the_preferences(client, login, world):
    login(client, world.participant)
    assert f'href="{PREFERENCES}"' in client.get("/notifications/").get_data(as_text=True)


# --- Queries ----------------------------------------------------------------------------------------------------


def test_preloaded_choices_cost_no_query_per_person(db, world, count_queries):
    people = [f.make_user() for _ in range(5)]
    _prefer(people[0], announcement="off")
    preload_modes(people, ["announcement"])
    with count_queries() as queries:
        created = [notify(person, "announcement", "Welcome") for person in people]
    assert not [statement for statement in queries if "notification_preferences" in statement]
    assert [notification.email_status for notification in created] == ["off", "sent", "sent", "sent", "sent"]


def test_the_digest_finds_everyone_in_constant_queries(db, world, count_queries):
    def people(count):
        made = []
        for _ in range(count):
            person = f.make_user()
            _prefer(person, grade_released="digest")
            _notify(person, at=T0 - timedelta(hours=5))
            made.append(person)
        return made

    people(2)
    with count_queries() as few:
        assert len(digest_module.build_notification_digests(NEXT_MORNING)) == 2
    people(6)
    with count_queries() as many:
        assert len(digest_module.build_notification_digests(NEXT_MORNING)) == 8
    assert len(few) == len(many) <= 3


def test_digest_slot_is_the_local_hour_in_the_persons_zone():
    assert digest_slot(NEXT_MORNING, "Africa/Nairobi", 8) == datetime(2024, 8, 2, 5, 0, tzinfo=UTC)
    assert digest_slot(datetime(2024, 8, 2, 4, 0, tzinfo=UTC), "Africa/Nairobi", 8) == datetime(
        2024, 8, 1, 5, 0, tzinfo=UTC)
    assert digest_slot(NEXT_MORNING, "Asia/Seoul", 8) == datetime(2024, 8, 1, 23, 0, tzinfo=UTC)
    assert digest_slot(NEXT_MORNING, "Nowhere/Invalid", 8) == datetime(2024, 8, 2, 8, 0, tzinfo=UTC) - timedelta(
        days=1)


# --- Two senders at once ----------------------------------------------------------------------------------------


def test_two_digest_senders_at_once_send_each_digest_once(app, db, world, monkeypatch):
    """Both senders find the same digests due (a barrier holds them until both have looked), then race to
    claim them: each person gets one email, whichever sender wins."""
    people = [world.participant, world.other_participant, world.trainer]
    for person in people:
        _prefer(person, grade_released="digest")
        _notify(person, at=T0 - timedelta(hours=1))
    # One of them had a digest before (claimed by an update), the others never (claimed by an insert).
    db.session.add(DigestRun(user_id=world.participant.id, kind=NOTIFICATIONS, last_sent_at=T0 - timedelta(days=3)))
    db.session.commit()

    barrier = threading.Barrier(2)
    original = digest_module.build_notification_digests

    def build_then_wait(now=None):
        found = original(now)
        barrier.wait(timeout=30)
        return found

    monkeypatch.setattr(digest_module, "build_notification_digests", build_then_wait)
    results = [None, None]

    def sender(index):
        with app.app_context():
            try:
                results[index] = send_notification_digests(NEXT_MORNING)
            except Exception as error:  # noqa: BLE001 - handed back to the test
                results[index] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=sender, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)

    assert all(isinstance(result, int) for result in results), results
    assert sum(results) == 3
    db.session.expire_all()
    addresses = sorted(message.to_address for message in _messages())
    assert addresses == sorted(person.email for person in people)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.email_status == "digested")) == 3

