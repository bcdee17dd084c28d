"""Outputs (individual and group), their files, and the program showcase."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from lms.enrolment.models import EnrolmentStatus
from lms.notifications.models import Notification
from lms.outputs.models import Output, OutputFile, Showcase
from tests import factories
from tests.helpers import form_errors, post_form

PDF = b"%PDF-1.4 a small book"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def mine(program):
    return f"/programs/{program.id}/outputs"


def new(program):
    return f"/programs/{program.id}/outputs/new"


def edit(output):
    return f"/outputs/{output.id}/edit"


def showcase(program):
    return f"/programs/{program.id}/showcase"


def file_url(output, link):
    return f"/outputs/{output.id}/files/{link.file_id}"


def outputs(db):
    db.session.expire_all()
    return db.session.scalars(select(Output).order_by(Output.id)).all()


def form_data(**values):
    data = {"kind": "book", "title": "Stories from Nairobi", "description": "A picture book.", "link_url": ""}
    data.update(values)
    return data


def edit_data(output, **values):
    data = {"version": str(output.version), "kind": output.kind, "title": output.title,
            "description": output.description or "", "link_url": output.link_url or ""}
    data.update(values)
    return data


@pytest.fixture
def member(db, world):
    """A second member of world.group (Kenya delegation)."""
    person = factories.make_user(email="member@example.test", name="Zawadi Member", country="KE")
    factories.enrol(person, world.program, module=world.module, group=world.group)
    db.session.commit()
    return person


@pytest.fixture
def outsider(db, world):
    """A participant of another program."""
    program = factories.make_program(name="2024 Cultural Administrators Training Program", code="CATP-2024")
    track = factories.make_track(program, name="Administrators")
    module = factories.make_module(track, title="Cultural policy")
    person = factories.make_user(email="outsider@example.test", name="Omar Outsider", country="EG")
    factories.enrol(person, program, module=module)
    db.session.commit()
    return person


def publish_showcase(db, program, coordinator):
    from lms.outputs import operations

    operations.publish_showcase(program.id, coordinator)
    db.session.commit()


# Creating, editing, publishing -------------------------------------------------------------------


def test_participant_creates_a_draft_with_a_file_then_edits_and_publishes_it(client, login, db, world):
    login(client, world.participant)
    page = client.get(new(world.program)).get_data(as_text=True)
    assert "Country policy action plan" in page and "Dance film" in page  # translated kind labels
    assert 'data-max-file-bytes="' in page and "upload-limits.js" in page

    response = post_form(client, new(world.program), form_data(
        kind="policy_plan", title="Kenya's creative economy plan", description="**Bold** plan",
        link_url="https://example.org/plan", files=[(io.BytesIO(PDF), "plan.pdf")]))
    assert response.status_code == 302
    [output] = outputs(db)
    assert (output.user_id, output.group_id, output.module_id) == (world.participant.id, None, world.module.id)
    assert output.kind == "policy_plan" and output.published_at is None
    assert output.link_url == "https://example.org/plan"
    assert [link.file.original_name for link in output.current_files] == ["plan.pdf"]

    html = client.get(mine(world.program)).get_data(as_text=True)
    assert "Kenya&#39;s creative economy plan" in html and "Draft" in html

    # Edit: new title, one more file, remove the first.
    first = output.current_files[0]
    response = post_form(client, edit(output), edit_data(
        output, title="Creative economy action plan", remove_files=[str(first.file_id)],
        files=[(io.BytesIO(PNG), "cover.png")]))
    assert response.status_code == 302
    [output] = outputs(db)
    assert output.title == "Creative economy action plan" and output.version == 2
    assert [link.file.original_name for link in output.current_files] == ["cover.png"]
    removed = db.session.get(OutputFile, first.id)
    assert removed is not None and removed.removed_at is not None  # kept, not deleted

    response = post_form(client, f"/outputs/{output.id}/publish")
    assert response.status_code == 302
    assert outputs(db)[0].published_at is not None
    html = client.get(showcase(world.program)).get_data(as_text=True)
    assert "Creative economy action plan" in html and "cover.png" in html and "plan.pdf" not in html
    assert "<strong>Bold</strong>" in html and "Kenya" in html

    post_form(client, f"/outputs/{output.id}/unpublish")
    assert outputs(db)[0].published_at is None
    assert f'id="output-{output.id}"' not in client.get(showcase(world.program)).get_data(as_text=True)


def test_save_and_publish_needs_some_content(client, login, db, world):
    login(client, world.participant)
    response = post_form(client, new(world.program), form_data(description="", publish="1"))
    assert response.status_code == 302
    [output] = outputs(db)
    assert output.published_at is None  # a title alone is not published
    assert "before publishing" in client.get(mine(world.program)).get_data(as_text=True)
    response = post_form(client, f"/outputs/{output.id}/publish")
    assert outputs(db)[0].published_at is None
    response = post_form(client, edit(output), edit_data(output, link_url="https://example.org/film",
                                                         publish="1"))
    assert response.status_code == 302 and outputs(db)[0].published_at is not None


def test_group_output_is_edited_by_another_member(client, app, login, db, world, member):
    login(client, world.participant)
    page = client.get(new(world.program)).get_data(as_text=True)
    assert "Kenya delegation" in page  # the owner choice names the group
    post_form(client, new(world.program), form_data(owner="group", title="Our dance film", kind="dance_film"))
    [output] = outputs(db)
    assert output.group_id == world.group.id and output.user_id is None

    other = app.test_client()
    login(other, member)
    assert "Our dance film" in other.get(mine(world.program)).get_data(as_text=True)
    response = post_form(other, edit(output), edit_data(output, title="Our dance film (final cut)"))
    assert response.status_code == 302
    assert outputs(db)[0].title == "Our dance film (final cut)"
    assert post_form(other, f"/outputs/{output.id}/publish").status_code == 302
    assert outputs(db)[0].published_at is not None

    # Someone outside the group (same program) cannot edit it.
    third = app.test_client()
    login(third, world.other_participant)
    assert third.get(edit(output)).status_code == 403
    assert post_form(third, f"/outputs/{output.id}/unpublish").status_code == 403
    assert "Our dance film" not in third.get(mine(world.program)).get_data(as_text=True)


def test_participant_without_group_cannot_create_a_group_output(client, login, db, world):
    login(client, world.other_participant)
    assert 'name="owner"' not in client.get(new(world.program)).get_data(as_text=True)
    post_form(client, new(world.program), form_data(owner="group"))
    [output] = outputs(db)
    assert output.group_id is None and output.user_id == world.other_participant.id


def test_concurrent_edits_of_a_group_output_conflict_instead_of_overwriting(client, app, login, db, world,
                                                                            member):
    output = factories.make_output(world.program, group=world.group, user=world.participant,
                                   title="Narrative draft", kind="narrative")
    db.session.commit()
    stale = edit_data(output)  # both open the form at version 1

    other = app.test_client()
    login(other, member)
    assert post_form(other, edit(output), {**stale, "title": "Narrative by Zawadi"}).status_code == 302

    login(client, world.participant)
    response = post_form(client, edit(output), {**stale, "title": "Narrative by Amina",
                                                "description": "Typed by Amina"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this record" in html
    assert "Narrative by Zawadi" in html  # their version is shown
    assert 'value="Narrative by Amina"' in html and "Typed by Amina" in html  # mine is kept
    [saved] = outputs(db)
    assert saved.title == "Narrative by Zawadi" and saved.version == 2
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', html)  # the form now carries their version

    # Saving again from the conflict form overwrites knowingly.
    response = post_form(client, edit(output), {**stale, "version": "2", "title": "Narrative by Amina"})
    assert response.status_code == 302 and outputs(db)[0].title == "Narrative by Amina"


def test_conflict_stores_no_file(client, login, db, world):
    output = factories.make_output(world.program, user=world.participant, title="Book")
    db.session.commit()
    stale = edit_data(output)
    output.title = "Book, second edition"
    db.session.commit()
    login(client, world.participant)
    response = post_form(client, edit(output), {**stale, "files": [(io.BytesIO(PDF), "book.pdf")]})
    assert response.status_code == 409
    assert db.session.scalars(select(OutputFile)).all() == []


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "ftp://example.org/file", "example.org", "https://", "http://exa mple.org",
    "data:text/html,hi", "https://example.org:99999/",
])
def test_links_must_be_http_or_https_web_addresses(client, login, db, world, link):
    login(client, world.participant)
    response = post_form(client, new(world.program), form_data(link_url=link, title="Typed title"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="link_url-error">', html)
    assert 'value="Typed title"' in html and "A picture book." in html
    assert outputs(db) == []


def test_a_good_link_is_kept(client, login, db, world):
    login(client, world.participant)
    post_form(client, new(world.program), form_data(link_url="  http://example.org/watch?v=1  "))
    assert outputs(db)[0].link_url == "http://example.org/watch?v=1"


def test_link_is_checked_by_the_operation_too(db, world):
    from lms.outputs import operations

    with pytest.raises(operations.OutputRefused):
        operations.create_output(world.enrolment, world.participant, for_group=False, kind="book", title="T",
                                 link_url="javascript:alert(1)")


# Upload checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("files", "message"), [
    (lambda: [(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")], "Files of this type are not accepted"),
    (lambda: [(io.BytesIO(b"MZ\x90\x00binary"), "book.pdf")], "content does not match its type"),
    (lambda: [(io.BytesIO(PDF + b"x" * 3000), "big.pdf")], "The file is larger than"),
], ids=["type", "magic", "size"])
@pytest.mark.parametrize("creating", [True, False], ids=["new", "edit"])
def test_refused_files_are_reported_next_to_the_field_and_typed_text_is_kept(client, app, login, db, world,
                                                                            monkeypatch, files, message,
                                                                            creating):
    monkeypatch.setitem(app.config, "OUTPUT_MAX_FILE_MB", 2048 / (1024 * 1024))  # 2 KB
    output = None if creating else factories.make_output(world.program, user=world.participant, title="Old")
    db.session.commit()
    login(client, world.participant)
    data = form_data(title="Typed <b>carefully</b>", description="Long description typed by hand",
                     files=files() + [(io.BytesIO(PDF), "fine.pdf")])
    if output is not None:
        data["version"] = str(output.version)
    response = post_form(client, new(world.program) if creating else edit(output), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(r'id="files-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert "Typed &lt;b&gt;carefully&lt;/b&gt;" in html and "Long description typed by hand" in html
    assert db.session.scalars(select(OutputFile)).all() == []  # all or nothing: fine.pdf not kept either
    if creating:
        assert outputs(db) == []
    else:
        assert outputs(db)[0].title == "Old"


def test_the_file_limit_comes_from_config_and_is_shown(client, app, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "OUTPUT_MAX_FILE_MB", 3)
    login(client, world.participant)
    html = client.get(new(world.program)).get_data(as_text=True)
    assert f'data-max-file-bytes="{3 * 1024 * 1024}"' in html and "3 MB" in html


def test_the_default_limit_is_200_mb_and_output_forms_accept_such_bodies(app, monkeypatch):
    from lms.outputs import operations

    monkeypatch.delitem(app.config, "OUTPUT_MAX_FILE_MB", raising=False)
    assert operations.max_file_bytes() == 200 * 1024 * 1024
    assert operations.request_limit_bytes() > 200 * 1024 * 1024


def test_body_over_the_request_limit_shows_the_form_with_the_message(client, app, login, db, world,
                                                                     monkeypatch):
    from lms.outputs import operations

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)

    monkeypatch.setattr(operations, "request_limit_bytes", lambda: 4096)
    output = factories.make_output(world.program, user=world.participant, title="Saved title")
    db.session.commit()
    login(client, world.participant)
    response = post_form(client, edit(output), edit_data(output, title="Typed now",
                                                         files=[(io.BytesIO(PDF + b"x" * 10_000), "huge.pdf")]))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert re.search(r'id="files-error">\s*What you sent is larger than 4 KB in all', html)
    assert "Saved title" in html and "too large to be read" in html
    assert outputs(db)[0].title == "Saved title"


def test_output_forms_accept_bodies_over_the_site_limit_up_to_the_output_limit(client, app, login, db, world,
                                                                            monkeypatch):
    """Films are larger than what the rest of the site accepts: the limit is raised for these forms
    before the CSRF check reads the body (signed-in people only)."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    big = PDF + b"x" * 20_000
    response = post_form(client, new(world.program), form_data(files=[(io.BytesIO(big), "film-notes.pdf")]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]  # anonymous: refused
    login(client, world.participant)
    response = post_form(client, new(world.program), form_data(files=[(io.BytesIO(big), "film-notes.pdf")]))
    assert response.status_code == 302
    [output] = outputs(db)
    assert output.current_files[0].file.size == len(big)
    # Other pages keep the site's limit.
    response = post_form(client, f"/outputs/{output.id}/publish", {"padding": "x" * 10_000})
    assert response.status_code == 413


# Access to the outputs pages -----------------------------------------------------------------------


def test_only_participants_and_coordinators_open_the_outputs_page(client, app, login, db, world, outsider):
    output = factories.make_output(world.program, user=world.participant, title="Amina's book")
    db.session.commit()
    for person, status in [(world.trainer, 403), (world.other_trainer, 403), (outsider, 403),
                           (world.participant, 200), (world.coordinator, 200)]:
        other = app.test_client()
        login(other, person)
        assert other.get(mine(world.program)).status_code == status, person.email
    coordinator = app.test_client()
    login(coordinator, world.coordinator)
    assert "Amina&#39;s book" in coordinator.get(mine(world.program)).get_data(as_text=True)  # drafts included
    assert coordinator.get(new(world.program)).status_code == 403  # participants author outputs
    # Coordinators may edit any output.
    response = post_form(coordinator, edit(output), edit_data(output, title="Amina's book (edited)"))
    assert response.status_code == 302 and outputs(db)[0].title == "Amina's book (edited)"
    trainer = app.test_client()
    login(trainer, world.trainer)
    assert trainer.get(edit(output)).status_code == 403
    assert post_form(trainer, f"/outputs/{output.id}/publish").status_code == 403


def test_a_withdrawn_participant_can_no_longer_edit(client, login, db, world):
    output = factories.make_output(world.program, user=world.participant, title="Amina's book")
    world.enrolment.status = EnrolmentStatus.WITHDRAWN.value
    db.session.commit()
    login(client, world.participant)
    assert client.get(mine(world.program)).status_code == 403
    assert client.get(edit(output)).status_code == 403


def test_any_learning_status_may_add_outputs(client, login, db, world):
    world.enrolment.status = EnrolmentStatus.NOT_ADMITTED.value
    db.session.commit()
    login(client, world.participant)
    assert client.get(new(world.program)).status_code == 200


def test_anonymous_is_sent_to_login_for_the_outputs_page(client, world):
    response = client.get(mine(world.program))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_records_are_404(client, login, world):
    login(client, world.participant)
    assert client.get("/programs/9999/outputs").status_code == 404
    assert client.get("/outputs/9999/edit").status_code == 404
    assert client.get("/programs/9999/showcase").status_code == 404
    assert client.get("/outputs/9999/files/1").status_code == 404


# The showcase --------------------------------------------------------------------------------------


def test_members_see_published_outputs_only(client, app, login, db, world):
    factories.make_output(world.program, user=world.participant, title="Published book", published=True,
                          module=world.module)
    factories.make_output(world.program, user=world.participant, title="Secret draft")
    factories.make_output(world.program, group=world.group, title="Delegation plan", kind="policy_plan",
                          published=True)
    db.session.commit()
    for person in (world.participant, world.other_participant, world.trainer, world.other_trainer,
                   world.coordinator):
        other = app.test_client()
        login(other, person)
        response = other.get(showcase(world.program))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, person.email
        assert "Published book" in html and "Delegation plan" in html and "Kenya delegation" in html
        assert "Secret draft" not in html
        assert "Members only" in html
    # Grouped by module (with the track) by default, by kind on request.
    login(client, world.other_participant)
    html = client.get(showcase(world.program)).get_data(as_text=True)
    assert "Digital contents for children" in html and "Whole program" in html
    html = client.get(showcase(world.program) + "?by=kind").get_data(as_text=True)
    assert "Country policy action plan" in html and "Book" in html


def test_another_programs_participant_is_refused_until_published(client, login, db, world, outsider,
                                                                 coordinator):
    factories.make_output(world.program, user=world.participant, title="Published book", published=True)
    db.session.commit()
    login(client, outsider)
    assert client.get(showcase(world.program)).status_code == 403
    publish_showcase(db, world.program, coordinator)
    response = client.get(showcase(world.program))
    assert response.status_code == 200 and "Published book" in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login_until_the_showcase_is_published(client, app, login, db, world):
    factories.make_output(world.program, user=world.participant, title="Published book", published=True,
                          files=[("book.pdf", PDF)])
    factories.make_output(world.program, user=world.participant, title="Secret draft")
    db.session.commit()
    response = client.get(showcase(world.program))
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    coordinator = app.test_client()
    login(coordinator, world.coordinator)
    assert coordinator.get(f"/programs/{world.program.id}/showcase/publish").status_code == 405  # POST only
    assert post_form(coordinator, f"/programs/{world.program.id}/showcase/publish").status_code == 302
    assert db.session.get(Showcase, world.program.id).published_at is not None

    anonymous = app.test_client()
    response = anonymous.get(showcase(world.program))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Published book" in html and "book.pdf" in html and "Secret draft" not in html

    assert post_form(coordinator, f"/programs/{world.program.id}/showcase/unpublish").status_code == 302
    response = app.test_client().get(showcase(world.program))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_only_coordinators_publish_the_showcase(client, login, db, world):
    login(client, world.trainer)
    assert post_form(client, f"/programs/{world.program.id}/showcase/publish").status_code == 403
    login(client, world.participant)
    assert post_form(client, f"/programs/{world.program.id}/showcase/publish").status_code == 403
    assert client.get(f"/programs/{world.program.id}/showcase/introduction").status_code == 403
    assert db.session.get(Showcase, world.program.id) is None


def test_showcase_introduction_is_markdown_and_versioned(client, app, login, db, world):
    login(client, world.coordinator)
    url = f"/programs/{world.program.id}/showcase/introduction"
    page = client.get(url).get_data(as_text=True)
    assert "Introduction" in page
    response = post_form(client, url, {"introduction": "Welcome to **CPI Day**", "version": ""})
    assert response.status_code == 302
    showcase_record = db.session.get(Showcase, world.program.id)
    assert showcase_record.introduction == "Welcome to **CPI Day**"
    html = client.get(showcase(world.program)).get_data(as_text=True)
    assert "<strong>CPI Day</strong>" in html

    other = app.test_client()
    login(other, factories.make_user(email="coord2@example.test", coordinator=True))
    assert post_form(other, url, {"introduction": "Theirs", "version": "1"}).status_code == 302
    response = post_form(client, url, {"introduction": "Mine", "version": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Theirs" in html and "Mine" in html
    db.session.expire_all()
    assert db.session.get(Showcase, world.program.id).introduction == "Theirs"


# Files --------------------------------------------------------------------------------------------


def test_draft_files_are_for_their_authors_and_coordinators_only(client, app, login, db, world, member,
                                                                 coordinator):
    draft = factories.make_output(world.program, group=world.group, title="Draft", files=[("draft.pdf", PDF)])
    db.session.commit()
    link = draft.current_files[0]
    url = file_url(draft, link)
    publish_showcase(db, world.program, coordinator)  # even on a public showcase
    for person, status in [(world.participant, 200), (member, 200), (world.coordinator, 200),
                           (world.other_participant, 403), (world.trainer, 403)]:
        other = app.test_client()
        login(other, person)
        with other.get(url) as response:
            assert response.status_code == status, person.email
    with app.test_client().get(url) as response:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_published_files_follow_the_showcase(client, app, login, db, world, outsider, coordinator):
    output = factories.make_output(world.program, user=world.participant, title="Book", published=True,
                                   files=[("book.pdf", PDF)])
    db.session.commit()
    url = file_url(output, output.current_files[0])
    login(client, world.other_participant)
    with client.get(url) as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment")
    stranger = app.test_client()
    login(stranger, outsider)
    with stranger.get(url) as response:
        assert response.status_code == 403
    with app.test_client().get(url) as response:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    publish_showcase(db, world.program, coordinator)
    with app.test_client().get(url) as response:
        assert response.status_code == 200 and response.data == PDF
    with stranger.get(url) as response:
        assert response.status_code == 200


def test_removed_files_are_no_longer_offered(client, app, login, db, world):
    output = factories.make_output(world.program, user=world.participant, title="Book", published=True,
                                   files=[("old.pdf", PDF), ("new.pdf", PDF + b"2")])
    db.session.commit()
    old = output.current_files[0]
    login(client, world.participant)
    post_form(client, edit(output), edit_data(output, remove_files=[str(old.file_id)]))
    other = app.test_client()
    login(other, world.other_participant)
    html = other.get(showcase(world.program)).get_data(as_text=True)
    assert "new.pdf" in html and "old.pdf" not in html
    with other.get(file_url(output, old)) as response:
        assert response.status_code == 404
    with client.get(file_url(output, old)) as response:  # its author still has it
        assert response.status_code == 200


# Hiding an output ------------------------------------------------------------------------------------


def test_coordinator_takes_an_output_off_the_showcase_and_restores_it(client, app, login, db, world, member):
    output = factories.make_output(world.program, group=world.group, title="Inappropriate", published=True,
                                   files=[("x.pdf", PDF)])
    db.session.commit()
    link = output.current_files[0]
    participant = app.test_client()
    login(participant, world.other_participant)
    assert post_form(participant, f"/outputs/{output.id}/hide").status_code == 403

    login(client, world.coordinator)
    response = post_form(client, f"/outputs/{output.id}/hide", {"reason": "Contains private data"})
    assert response.status_code == 302
    [saved] = outputs(db)
    assert saved.archived_at is not None and saved.published_at is not None  # kept, restorable
    html = participant.get(showcase(world.program)).get_data(as_text=True)
    assert "Inappropriate" not in html
    with participant.get(file_url(output, link)) as response:
        assert response.status_code == 403
    coordinator_html = client.get(showcase(world.program)).get_data(as_text=True)
    assert 'id="hidden"' in coordinator_html and "Inappropriate" in coordinator_html
    # Both members of the group are told, with the reason.
    notes = db.session.scalars(select(Notification).where(Notification.kind == "output_hidden")).all()
    assert {note.user_id for note in notes} == {world.participant.id, member.id}
    assert all(note.body == "Contains private data" for note in notes)
    # The authors see why it is not listed.
    author = app.test_client()
    login(author, member)
    assert "took this output off the showcase" in author.get(mine(world.program)).get_data(as_text=True)

    assert post_form(client, f"/outputs/{output.id}/restore").status_code == 302
    assert outputs(db)[0].archived_at is None
    assert "Inappropriate" in participant.get(showcase(world.program)).get_data(as_text=True)


# Query counts ---------------------------------------------------------------------------------------


def _populate(db, world, count):
    for n in range(count):
        person = factories.make_user(country=["KE", "BR", "VN", "PE"][n % 4])
        group = factories.make_group(world.program)
        factories.enrol(person, world.program, module=world.module if n % 2 else world.other_module, group=group)
        factories.make_output(world.program, user=person, module=world.module if n % 2 else None,
                              title=f"Individual {n}", published=True, files=[(f"f{n}.pdf", PDF + bytes([n]))])
        factories.make_output(world.program, group=group, module=world.other_module, title=f"Group output {n}",
                              published=True, kind="dance_film", files=[(f"g{n}.png", PNG + bytes([n]))],
                              link_url="https://example.org/")
    db.session.commit()


@pytest.mark.parametrize("viewer", ["participant", "coordinator", "anonymous"])
def test_showcase_query_count_does_not_grow_with_outputs(client, app, login, db, world, count_queries, viewer):
    if viewer == "anonymous":
        publish_showcase(db, world.program, world.coordinator)
    else:
        login(client, getattr(world, viewer))
    _populate(db, world, 2)
    db.session.expire_all()  # the same state before both counts (tests share the session)
    with count_queries() as few:
        assert client.get(showcase(world.program)).status_code == 200
    _populate(db, world, 6)
    db.session.expire_all()
    with count_queries() as many:
        response = client.get(showcase(world.program))
        assert response.status_code == 200
    assert "Group output 5" in response.get_data(as_text=True)
    assert len(many) == len(few), f"{len(few)} queries with 4 outputs, {len(many)} with 16"
    by_kind = client.get(showcase(world.program) + "?by=kind")
    assert by_kind.status_code == 200


def test_outputs_page_query_count_does_not_grow(client, login, db, world, count_queries):
    login(client, world.coordinator)
    _populate(db, world, 2)
    db.session.expire_all()
    with count_queries() as few:
        assert client.get(mine(world.program)).status_code == 200
    _populate(db, world, 6)
    db.session.expire_all()
    with count_queries() as many:
        assert client.get(mine(world.program)).status_code == 200
    assert len(many) == len(few), "\n".join(few) + "\n-----\n" + "\n".join(many)


def test_form_errors_helper_sees_the_title_error(client, login, world):
    login(client, world.participant)
    response = post_form(client, new(world.program), form_data(title=""))
    assert response.status_code == 200
    assert "Give your output a title." in form_errors(response.get_data(as_text=True))
