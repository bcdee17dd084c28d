"""Message threads: a participant writes to their trainers and the program office; replies, visibility, unread."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.announcements import operations as ops
from lms.announcements.models import Message, MessageThread, ThreadRead
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.notifications.models import Notification
from tests import factories as f
from tests.helpers import form_errors, post_form


def _notified():
    rows = db.session.execute(select(Notification.user_id, func.count(Notification.id))
                              .where(Notification.kind == "message").group_by(Notification.user_id)).all()
    return dict(rows)


def _start(client, program_id, subject="About the essay", body="When is it due?\nThanks."):
    return post_form(client, f"/programs/{program_id}/messages/new", {"subject": subject, "body": body})


def test_participant_writes_to_their_trainers_and_the_office(client, login, world, db):
    w = world
    login(client, w.participant)
    page = client.get(f"/programs/{w.program.id}/messages/new").get_data(as_text=True)
    assert "Tomas Trainer" in page  # the trainers the message goes to
    response = _start(client, w.program.id)
    thread = db.session.scalar(select(MessageThread))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/messages/{thread.id}")
    assert thread.participant_id == w.participant.id and thread.subject == "About the essay"
    assert _notified() == {w.trainer.id: 1, w.coordinator.id: 1}  # not other_trainer, not the author
    notification = db.session.scalar(select(Notification).where(Notification.user_id == w.trainer.id))
    assert notification.link == f"/messages/{thread.id}"
    assert "Amina Participant" in notification.title and "When is it due?" in notification.body

    page = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "When is it due?\nThanks." in page  # line breaks kept (shown with pre-line)


def test_coordinators_are_not_notified_when_the_setting_is_off(app, client, login, world, db, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_NOTIFY_COORDINATORS", False)
    login(client, world.participant)
    _start(client, world.program.id)
    assert _notified() == {world.trainer.id: 1}
    thread = db.session.scalar(select(MessageThread))
    # Once a coordinator took part, they hear of the participant's next messages.
    login(client, world.coordinator)
    post_form(client, f"/messages/{thread.id}/reply", {"body": "We will check."})
    login(client, world.participant)
    post_form(client, f"/messages/{thread.id}/reply", {"body": "Thank you."})
    assert _notified() == {world.trainer.id: 2, world.coordinator.id: 1, world.participant.id: 1}


def test_only_participants_of_the_program_start_threads(client, login, world, db):
    invited = f.make_user(email="invited@example.test")
    f.enrol(invited, world.program, module=world.module, status=EnrolmentStatus.INVITED)
    db.session.commit()
    for person in (world.trainer, world.other_trainer, world.coordinator, invited):
        login(client, person)
        assert client.get(f"/programs/{world.program.id}/messages/new").status_code == 403
        assert _start(client, world.program.id).status_code == 403
    assert db.session.scalar(select(func.count(MessageThread.id))) == 0


def test_empty_and_too_long_messages_are_refused_next_to_the_field(client, login, world, db):
    login(client, world.participant)
    response = _start(client, world.program.id, subject="Kept subject", body="   \n  ")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert form_errors(html) == ["Write your message."]
    assert 'value="Kept subject"' in html
    response = _start(client, world.program.id, body="x" * (ops.MAX_MESSAGE + 1))
    assert form_errors(response.get_data(as_text=True)) == [f"At most {ops.MAX_MESSAGE} characters."]
    assert db.session.scalar(select(func.count(MessageThread.id))) == 0

    thread = f.make_thread(world.program, world.participant)
    db.session.commit()
    response = post_form(client, f"/messages/{thread.id}/reply", {"body": ""})
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["Write your reply."]
    assert db.session.scalar(select(func.count(Message.id))) == 1


def test_message_text_is_escaped(client, login, world, db):
    thread = f.make_thread(world.program, world.participant, body="<script>alert(1)</script> <b>hi</b>")
    db.session.commit()
    login(client, world.trainer)
    html = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# --- Visibility -------------------------------------------------------------------------


def test_thread_visibility(client, login, world, db):
    w = world
    thread = f.make_thread(w.program, w.participant, subject="My private question")
    other = f.make_thread(w.program, w.other_participant, subject="Someone else's question")
    db.session.commit()
    expected = {"participant": 200, "trainer": 200, "coordinator": 200, "other_participant": 403,
                "other_trainer": 403}
    for role, status in expected.items():
        login(client, getattr(w, role))
        assert client.get(f"/messages/{thread.id}").status_code == status, role
        reply = post_form(client, f"/messages/{thread.id}/reply", {"body": f"Hello from {role}"})
        assert reply.status_code == (302 if status == 200 else 403), role
        assert post_form(client, f"/messages/{thread.id}/read").status_code == (302 if status == 200 else 403)
    authors = set(db.session.scalars(select(Message.author_id).where(Message.thread_id == thread.id)))
    assert authors == {w.participant.id, w.trainer.id, w.coordinator.id}
    assert client.get("/messages/999999").status_code == 404

    lists = {}
    for role in ("participant", "trainer", "other_trainer", "coordinator"):
        login(client, getattr(w, role))
        lists[role] = client.get("/messages").get_data(as_text=True)
    assert "My private question" in lists["participant"] and "Someone else&#39;s question" not in lists["participant"]
    assert "My private question" in lists["trainer"] and "Someone else&#39;s question" not in lists["trainer"]
    assert "My private question" not in lists["other_trainer"]
    assert "Someone else&#39;s question" in lists["other_trainer"]
    assert "My private question" in lists["coordinator"] and "Someone else&#39;s question" in lists["coordinator"]
    assert other.id


def test_coordinators_filter_threads_by_program(client, login, world, db):
    second = f.make_program(name="Second program", code="SECOND")
    person = f.make_user(email="second@example.test")
    f.enrol(person, second)
    f.make_thread(world.program, world.participant, subject="First program question")
    f.make_thread(second, person, subject="Second program question")
    db.session.commit()
    login(client, world.coordinator)
    page = client.get(f"/messages?program={second.id}").get_data(as_text=True)
    assert "Second program question" in page and "First program question" not in page
    page = client.get("/messages").get_data(as_text=True)
    assert "Second program question" in page and "First program question" in page


# --- Replies and unread markers -----------------------------------------------------------


def test_replies_notify_the_other_side_and_staff_who_took_part(client, login, world, db):
    w = world
    login(client, w.participant)
    _start(client, w.program.id)
    thread = db.session.scalar(select(MessageThread))
    assert _notified() == {w.trainer.id: 1, w.coordinator.id: 1}

    login(client, w.trainer)
    assert post_form(client, f"/messages/{thread.id}/reply", {"body": "Friday."}).status_code == 302
    # The participant, and the staff who already wrote (only the trainer, the author: nobody else).
    assert _notified() == {w.trainer.id: 1, w.coordinator.id: 1, w.participant.id: 1}

    login(client, w.coordinator)
    post_form(client, f"/messages/{thread.id}/reply", {"body": "And the office agrees."})
    assert _notified() == {w.trainer.id: 2, w.coordinator.id: 1, w.participant.id: 2}
    db.session.refresh(thread)
    assert thread.last_message_at == db.session.scalar(select(func.max(Message.created_at)))


def test_unread_count_and_markers(client, login, world, db):
    w = world
    login(client, w.participant)
    _start(client, w.program.id)
    thread = db.session.scalar(select(MessageThread))
    # The author has read their own message; the trainer has not.
    assert ops.unread_thread_count(w.participant) == 0
    assert ops.unread_thread_count(w.trainer) == 1
    assert ops.unread_thread_count(w.other_trainer) == 0

    db.session.add(Notification(user_id=w.trainer.id, kind="grade_released", title="Another notification"))
    login(client, w.trainer)
    page = client.get("/messages").get_data(as_text=True)
    assert 'thread-unread-count">1 unread<' in page and "thread-row unread" in page
    # Looking at the thread changes nothing (GET); marking it read does.
    client.get(f"/messages/{thread.id}")
    assert ops.unread_thread_count(w.trainer) == 1
    assert post_form(client, f"/messages/{thread.id}/read").status_code == 302
    assert ops.unread_thread_count(w.trainer) == 0
    assert "thread-row unread" not in client.get("/messages").get_data(as_text=True)

    post_form(client, f"/messages/{thread.id}/reply", {"body": "Friday."})
    assert ops.unread_thread_count(w.participant) == 1
    assert ops.unread_thread_count(w.trainer) == 0  # replying marks it read
    login(client, w.participant)
    html = client.get(f"/messages/{thread.id}").get_data(as_text=True)
    assert html.count("message from-staff unread") == 1 and "Mark as read" in html
    post_form(client, f"/messages/{thread.id}/read")
    post_form(client, f"/messages/{thread.id}/read")  # twice: still one row
    assert ops.unread_thread_count(w.participant) == 0
    assert db.session.scalar(select(func.count(ThreadRead.id)).where(ThreadRead.user_id == w.participant.id)) == 1


# --- Query counts ------------------------------------------------------------------------------


def _threads(world, n):
    w = world
    for i in range(n):
        person = f.make_user()
        f.enrol(person, w.program, module=w.module if i % 2 else w.other_module, group=w.group if i % 3 else None)
        thread = f.make_thread(w.program, person)
        db.session.add(Message(thread_id=thread.id, author_id=w.trainer.id, body="Reply"))
        if i % 2:
            db.session.add(ThreadRead(thread_id=thread.id, user_id=w.trainer.id))
    db.session.flush()


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_threads_list_uses_a_constant_number_of_queries(client, login, world, db, count_queries, role):
    _threads(world, 2)
    db.session.commit()
    login(client, getattr(world, role))
    client.get("/messages")
    db.session.commit()
    with count_queries() as few:
        assert client.get("/messages").status_code == 200
    _threads(world, 12)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/messages").get_data(as_text=True)
    assert page.count('class="card thread-row') >= 7
    assert len(many) == len(few), "\n".join(s[:100] for s in many)


def test_thread_page_uses_a_constant_number_of_queries(client, login, world, db, count_queries):
    thread = f.make_thread(world.program, world.participant)
    db.session.commit()
    login(client, world.coordinator)
    url = f"/messages/{thread.id}"
    client.get(url)
    db.session.commit()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        author = [world.trainer, world.coordinator, world.participant][n % 3]
        db.session.add(Message(thread_id=thread.id, author_id=author.id, body=f"Message {n}"))
    db.session.commit()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert "Message 9" in page
    assert len(many) == len(few)
