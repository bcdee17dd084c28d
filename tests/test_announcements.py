"""Announcements: audiences, who may write to whom, publishing notifies each member once, lists and home page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from lms.announcements import access
from lms.announcements import operations as ops
from lms.announcements.models import Announcement
from lms.enrolment.models import EnrolmentStatus
from lms.extensions import db
from lms.notifications.models import Notification
from tests import factories as f
from tests.helpers import form_errors, post_form


def _notified(kind="announcement"):
    """{user_id: count} of notifications of the kind."""
    rows = db.session.execute(select(Notification.user_id, func.count(Notification.id))
                                .where(Notification.kind == kind).group_by(Notification.user_id)).all()
    return dict(rows)


@pytest.fixture
def crowd(world, db):
    """World plus: a group member in the other module, a withdrawn and an invited participant of world.module."""
    grouped = f.make_user(email="grouped@example.test", name="Grace Grouped")
    f.enrol(grouped, world.program, module=world.other_module, group=world.group)
    withdrawn = f.make_user(email="gone@example.test", name="Walter Withdrawn")
    f.enrol(withdrawn, world.program, module=world.module, group=world.group, status=EnrolmentStatus.WITHDRAWN)
    invited = f.make_user(email="invited@example.test", name="Ivy Invited")
    f.enrol(invited, world.program, module=world.module, status=EnrolmentStatus.INVITED)
    db.session.commit()
    return {"grouped": grouped, "withdrawn": withdrawn, "invited": invited}


def _ids(people):
    return {person.id for person in people}


# --- Audiences -------------------------------------------------------------------


def test_audience_resolution_for_program_track_module_and_group(world, crowd):
    w, g = world, crowd["grouped"]

    def members(audience, audience_id=None):
        return _ids(ops.audience_recipients(w.program.id, audience, audience_id))

    assert members("program") == _ids([w.participant, w.other_participant, g, w.trainer, w.other_trainer])
    assert members("track", w.track.id) == _ids([w.participant, w.trainer])
    assert members("track", w.other_track.id) == _ids([w.other_participant, g, w.other_trainer])
    assert members("module", w.module.id) == _ids([w.participant, w.trainer])
    # The group's learning members, and the trainers of the modules they are in.
    assert members("group", w.group.id) == _ids([w.participant, g, w.trainer, w.other_trainer])
    # Withdrawn, invited people and coordinators are never reached.
    for audience, audience_id in (("program", None), ("module", w.module.id), ("group", w.group.id)):
        assert not members(audience, audience_id) & _ids([crowd["withdrawn"], crowd["invited"], w.coordinator])


def test_reach_matches_the_recipients(world, crowd, db):
    w = world
    announcements = [
        f.make_announcement(w.program, w.coordinator, audience="program"),
        f.make_announcement(w.program, w.coordinator, audience="track", audience_id=w.track.id),
        f.make_announcement(w.program, w.coordinator, audience="track", audience_id=w.other_track.id),
        f.make_announcement(w.program, w.coordinator, audience="module", audience_id=w.module.id),
        f.make_announcement(w.program, w.coordinator, audience="module", audience_id=w.other_module.id),
        f.make_announcement(w.program, w.coordinator, audience="group", audience_id=w.group.id),
    ]
    for person in (w.participant, w.other_participant, crowd["grouped"], w.trainer, w.other_trainer,
                   crowd["withdrawn"], crowd["invited"]):
        reach = access.reach_of(person, w.program.id)
        for announcement in announcements:
            recipients = _ids(ops.audience_recipients(w.program.id, announcement.audience, announcement.audience_id))
            assert reach.includes(announcement) == (person.id in recipients), (person.name, announcement.audience)
            assert access.can_view_announcement(person, announcement) == (person.id in recipients)


# --- Who may write to whom ----------------------------------------------------------


def _new(client, program_id, **data):
    payload = {"title": "Deadline moved", "body": "The essay is now due on **Friday**."} | data
    return post_form(client, f"/programs/{program_id}/announcements/new", payload)


def test_trainer_may_not_announce_to_another_module_a_track_or_the_program(client, login, world, db):
    w = world
    login(client, w.trainer)
    page = client.get(f"/programs/{w.program.id}/announcements/new").get_data(as_text=True)
    assert f'value="module:{w.module.id}"' in page
    assert f'value="module:{w.other_module.id}"' not in page
    assert 'value="program"' not in page and f'value="track:{w.track.id}"' not in page

    assert _new(client, w.program.id, audience=f"module:{w.other_module.id}").status_code == 403
    assert _new(client, w.program.id, audience="program").status_code == 403
    assert _new(client, w.program.id, audience=f"track:{w.track.id}").status_code == 403
    # The group mixes world.module and world.other_module once someone of the other module joins it.
    grouped = f.make_user(email="grouped@example.test")
    f.enrol(grouped, w.program, module=w.other_module, group=w.group)
    db.session.commit()
    assert _new(client, w.program.id, audience=f"group:{w.group.id}").status_code == 403
    assert db.session.scalar(select(func.count(Announcement.id))) == 0

    # Not an audience of this program at all: refused next to the field.
    response = _new(client, w.program.id, audience="module:999999")
    assert response.status_code == 200
    assert "Choose who the announcement is for." in form_errors(response.get_data(as_text=True))


def test_trainer_may_announce_to_a_group_inside_their_module(client, login, world, db):
    w = world
    login(client, w.trainer)
    page = client.get(f"/programs/{w.program.id}/announcements/new").get_data(as_text=True)
    assert f'value="group:{w.group.id}"' in page  # its only member is in world.module
    response = _new(client, w.program.id, audience=f"group:{w.group.id}", publish="1")
    assert response.status_code == 302
    assert _notified() == {w.participant.id: 1}


def test_participants_and_outsiders_may_not_write(client, login, world, db):
    outsider = f.make_user(email="outsider@example.test")
    db.session.commit()
    for person in (world.participant, outsider):
        login(client, person)
        assert client.get(f"/programs/{world.program.id}/announcements/new").status_code == 403
        assert _new(client, world.program.id, audience="program").status_code == 403
    assert client.get(f"/programs/{world.program.id}/announcements").status_code == 403  # outsider


def test_another_trainer_may_not_edit_or_archive(client, login, world, db):
    announcement = f.make_announcement(world.program, world.trainer, audience="module", audience_id=world.module.id)
    db.session.commit()
    login(client, world.other_trainer)
    assert client.get(f"/announcements/{announcement.id}").status_code == 403  # not for them
    assert client.get(f"/announcements/{announcement.id}/edit").status_code == 403
    for action in ("publish", "archive", "restore"):
        assert post_form(client, f"/announcements/{announcement.id}/{action}").status_code == 403
    assert announcement.archived_at is None


# --- Publishing ----------------------------------------------------------------------


def test_draft_then_publish_notifies_each_member_once(client, login, world, crowd, db):
    w = world
    login(client, w.coordinator)
    response = _new(client, w.program.id, audience=f"track:{w.track.id}")
    assert response.status_code == 302
    announcement = db.session.scalar(select(Announcement))
    assert announcement.published_at is None and announcement.audience_id == w.track.id
    assert _notified() == {}

    # A draft is the coordinators' (and author's) alone.
    login(client, w.participant)
    assert client.get(f"/announcements/{announcement.id}").status_code == 403
    assert "Deadline moved" not in client.get(f"/programs/{w.program.id}/announcements").get_data(as_text=True)

    login(client, w.coordinator)
    response = post_form(client, f"/announcements/{announcement.id}/publish", follow_redirects=True)
    assert "2 people were notified" in response.get_data(as_text=True)
    assert announcement.published_at is not None
    assert _notified() == {w.participant.id: 1, w.trainer.id: 1}
    notification = db.session.scalar(select(Notification).where(Notification.user_id == w.participant.id))
    assert notification.title == "Announcement: Deadline moved"
    assert notification.link == f"/announcements/{announcement.id}"
    assert "Friday" in notification.body

    # Publishing again changes nothing.
    post_form(client, f"/announcements/{announcement.id}/publish")
    assert _notified() == {w.participant.id: 1, w.trainer.id: 1}

    login(client, w.participant)
    page = client.get(f"/announcements/{announcement.id}").get_data(as_text=True)
    assert "<strong>Friday</strong>" in page


def test_author_is_not_notified_and_notifications_follow_the_preview(client, login, world, db):
    w = world
    login(client, w.trainer)
    preview = _new(client, w.program.id, audience=f"module:{w.module.id}", preview="1",
                   body="Hello <script>alert(1)</script> **there**")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<strong>there</strong>" in html and "<script>alert" not in html
    assert db.session.scalar(select(func.count(Announcement.id))) == 0  # a preview saves nothing

    assert _new(client, w.program.id, audience=f"module:{w.module.id}", publish="1").status_code == 302
    assert _notified() == {w.participant.id: 1}


def test_empty_title_and_body_are_refused_next_to_the_fields(client, login, world):
    login(client, world.coordinator)
    response = _new(client, world.program.id, audience="program", title="  ", body="")
    assert response.status_code == 200
    errors = form_errors(response.get_data(as_text=True))
    assert "Give the announcement a title." in errors and "Write the announcement." in errors


def test_participant_of_another_track_does_not_see_a_track_announcement(client, login, world, db):
    w = world
    announcement = f.make_announcement(w.program, w.coordinator, audience="track", audience_id=w.track.id,
                                       title="Intensive track only")
    program_wide = f.make_announcement(w.program, w.coordinator, title="For everyone")
    db.session.commit()

    login(client, w.other_participant)
    assert client.get(f"/announcements/{announcement.id}").status_code == 403
    page = client.get(f"/programs/{w.program.id}/announcements").get_data(as_text=True)
    assert "Intensive track only" not in page and "For everyone" in page
    assert client.get(f"/announcements/{program_wide.id}").status_code == 200

    login(client, w.participant)
    page = client.get(f"/programs/{w.program.id}/announcements").get_data(as_text=True)
    assert "Intensive track only" in page and "For everyone" in page


def test_trainer_sees_their_own_drafts_and_what_is_addressed_to_them(client, login, world, db):
    w = world
    f.make_announcement(w.program, w.trainer, audience="module", audience_id=w.module.id, title="My draft",
                        published=False)
    f.make_announcement(w.program, w.other_trainer, audience="module", audience_id=w.other_module.id,
                        title="Their draft", published=False)
    f.make_announcement(w.program, w.other_trainer, audience="module", audience_id=w.other_module.id,
                        title="Their module news")
    f.make_announcement(w.program, w.coordinator, title="Program news")
    db.session.commit()
    login(client, w.trainer)
    page = client.get(f"/programs/{w.program.id}/announcements").get_data(as_text=True)
    assert "My draft" in page and "Program news" in page
    assert "Their draft" not in page and "Their module news" not in page

    login(client, w.coordinator)
    page = client.get(f"/programs/{w.program.id}/announcements").get_data(as_text=True)
    assert all(title in page for title in ("My draft", "Their draft", "Their module news", "Program news"))


# --- Editing -------------------------------------------------------------------------


def _edit(client, announcement, **data):
    payload = {"audience": ops.audience_value(announcement.audience, announcement.audience_id),
               "title": announcement.title, "body": announcement.body, "version": announcement.version} | data
    return post_form(client, f"/announcements/{announcement.id}/edit", payload)


def test_edit_conflict_keeps_what_was_typed(client, login, world, db):
    announcement = f.make_announcement(world.program, world.coordinator, title="Original", published=False)
    db.session.commit()
    stale_version = announcement.version
    ops.update_announcement(announcement, world.coordinator, version=stale_version, audience="program",
                            audience_id=None, title="Saved by a colleague", body="Their text")
    db.session.commit()

    login(client, world.coordinator)
    response = _edit(client, announcement, title="My title", body="My text", version=stale_version)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Saved by a colleague" in html and 'value="My title"' in html and "My text" in html
    db.session.refresh(announcement)
    assert announcement.title == "Saved by a colleague"

    # The form now carries the current version: saving again overwrites knowingly.
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html)
    current = next(group for group in version.groups() if group)
    assert _edit(client, announcement, title="My title", body="My text", version=current).status_code == 302
    db.session.refresh(announcement)
    assert announcement.title == "My title"


def test_editing_a_published_announcement_notifies_only_when_asked(client, login, world, crowd, db):
    w = world
    announcement = f.make_announcement(w.program, w.coordinator, audience="module", audience_id=w.module.id)
    db.session.commit()
    login(client, w.coordinator)
    page = client.get(f"/announcements/{announcement.id}/edit").get_data(as_text=True)
    assert 'name="notify_again"' in page

    assert _edit(client, announcement, body="Typo fixed").status_code == 302
    assert _notified() == {}
    assert _edit(client, announcement, body="Room changed", notify_again="y").status_code == 302
    assert _notified() == {w.participant.id: 1, w.trainer.id: 1}
    title = db.session.scalar(select(Notification.title).where(Notification.user_id == w.participant.id))
    assert title.startswith("Updated announcement")

    # Widening the audience to the group: only those newly in it hear of it.
    assert _edit(client, announcement, audience=f"group:{w.group.id}").status_code == 302
    assert _notified() == {w.participant.id: 1, w.trainer.id: 1, crowd["grouped"].id: 1, w.other_trainer.id: 1}


def test_drafts_have_no_notify_again_box(client, login, world, db):
    announcement = f.make_announcement(world.program, world.coordinator, published=False)
    db.session.commit()
    login(client, world.coordinator)
    assert 'name="notify_again"' not in client.get(f"/announcements/{announcement.id}/edit").get_data(as_text=True)


def test_archive_hides_and_restore_brings_back(client, login, world, db):
    w = world
    announcement = f.make_announcement(w.program, w.trainer, audience="module", audience_id=w.module.id,
                                       title="Clinic on Monday")
    db.session.commit()
    login(client, w.trainer)
    assert post_form(client, f"/announcements/{announcement.id}/archive").status_code == 302
    assert announcement.archived_at is not None

    login(client, w.participant)
    assert client.get(f"/announcements/{announcement.id}").status_code == 403
    assert "Clinic on Monday" not in client.get(f"/programs/{w.program.id}/announcements").get_data(as_text=True)
    assert "Clinic on Monday" not in client.get("/").get_data(as_text=True)

    login(client, w.coordinator)
    archived = client.get(f"/programs/{w.program.id}/announcements?archived=1").get_data(as_text=True)
    assert "Clinic on Monday" in archived
    # Publishing an archived announcement is refused until it is restored.
    post_form(client, f"/announcements/{announcement.id}/publish")
    login(client, w.trainer)
    assert post_form(client, f"/announcements/{announcement.id}/restore").status_code == 302
    assert announcement.archived_at is None
    login(client, w.participant)
    assert client.get(f"/announcements/{announcement.id}").status_code == 200


def test_publishing_an_archived_draft_is_refused(world, db):
    announcement = f.make_announcement(world.program, world.coordinator, published=False, archived=True)
    with pytest.raises(ops.AnnouncementRefused):
        ops.publish_announcement(announcement, world.coordinator)
    assert announcement.published_at is None and _notified() == {}


# --- Home page -------------------------------------------------------------------------


def test_home_page_shows_the_latest_announcements(client, login, world, db):
    w = world
    for n in range(4):
        f.make_announcement(w.program, w.coordinator, title=f"News number {n}")
    f.make_announcement(w.program, w.coordinator, audience="track", audience_id=w.track.id, title="Intensive only")
    f.make_announcement(w.program, w.coordinator, title="Unpublished", published=False)
    db.session.commit()

    login(client, w.participant)
    page = client.get("/").get_data(as_text=True)
    assert "Latest announcements" in page
    assert "Intensive only" in page and "News number 3" in page and "News number 2" in page
    assert "News number 0" not in page  # three at most
    assert "Unpublished" not in page
    assert f'/programs/{w.program.id}/announcements' in page

    login(client, w.other_participant)
    page = client.get("/").get_data(as_text=True)
    assert "Intensive only" not in page and "News number 3" in page

    login(client, w.trainer)
    page = client.get("/").get_data(as_text=True)
    assert page.count("Latest announcements") == 1 and "Intensive only" in page


# --- Query counts ----------------------------------------------------------------------


def _more(world, n):
    w = world
    for i in range(n):
        audience, audience_id = [("program", None), ("track", w.track.id), ("module", w.module.id),
                                 ("group", w.group.id), ("track", w.other_track.id)][i % 5]
        author = w.trainer if audience == "module" else w.coordinator
        f.make_announcement(w.program, author, audience=audience, audience_id=audience_id,
                            published=i % 3 != 0)


@pytest.mark.parametrize("role", ["participant", "trainer", "coordinator"])
def test_program_list_uses_a_constant_number_of_queries(app, client, login, world, db, count_queries, role):
    person = getattr(world, role)
    url = f"/programs/{world.program.id}/announcements"
    _more(world, 5)
    db.session.commit()
    login(client, person)
    client.get(url)
    db.session.commit()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _more(world, 15)
    db.session.commit()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count('class="card announcement-card"') > 5
    assert len(many) == len(few), "\n".join(s[:100] for s in many)


@pytest.mark.parametrize("role", ["participant", "trainer"])
def test_home_box_uses_a_constant_number_of_queries(client, login, world, db, count_queries, role):
    login(client, getattr(world, role))
    _more(world, 2)
    db.session.commit()
    client.get("/")
    db.session.commit()
    with count_queries() as few:
        assert client.get("/").status_code == 200
    _more(world, 12)
    db.session.commit()
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few)
