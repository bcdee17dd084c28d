"""Announcements and messages.

Access (record rules in ``lms.announcements.access``):

* ``program_list`` (GET): the program's members: participants (learning
  statuses) see the published announcements addressed to them; trainers those
  addressed to them (the program, their tracks, modules, groups) and their own;
  coordinators all, drafts too (``?archived=1``: the archived ones).
* ``new`` (GET, POST): coordinators and the program's trainers. A trainer may
  choose a module they train or a group inside their modules; posting another
  audience of the program is refused with 403.
* ``detail`` (GET): coordinators, the author, members of the audience once
  published (not archived).
* ``edit``, ``publish``, ``archive``, ``restore``: coordinators; the author
  while they may still write to its audience.
* ``threads`` (GET): any signed-in person, who sees their own threads
  (participants), the threads of the participants of the modules they train
  (trainers), every thread (coordinators, with a program filter).
* ``new_thread`` (GET, POST): participants of the program (learning statuses).
* ``thread`` (GET), ``reply`` and ``read_thread`` (POST): the thread's
  participant, the trainers of their module in that program, coordinators.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from lms.announcements import access
from lms.announcements import operations as ops
from lms.announcements.forms import AnnouncementForm, ReplyForm, ThreadForm
from lms.announcements.models import Announcement, MessageThread
from lms.core.concurrency import EditConflict
from lms.core.errors import render_error
from lms.core.markdown import render_markdown
from lms.core.permissions import authenticated, require
from lms.extensions import db
from lms.programs.models import Program

bp = Blueprint("announcements", __name__)


@bp.app_template_global()
def latest_announcements():
    """The home page's box: the latest announcements addressed to the viewer (constant queries)."""
    if not current_user.is_authenticated:
        return ops.HomeAnnouncements([], [])
    return ops.latest_for(current_user)


# Helpers ------------------------------------------------------------------------------


def _announcement_or_404(announcement_id: int) -> Announcement:
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        abort(404)
    return announcement


def _thread_or_404(thread_id: int) -> MessageThread:
    thread = ops.thread_with_messages(thread_id)
    if thread is None:
        abort(404)
    return thread


def _expired_form():
    return render_error(400, _("Your form expired or was sent from elsewhere. Go back, reload the page and try again."))


def _action() -> str:
    """Which button sent the announcement form: "preview", "publish" or plain "save"."""
    if request.form.get("preview") == "1":
        return "preview"
    return "publish" if request.form.get("publish") == "1" else "save"


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _refuse_foreign_audience(user, program: Program) -> None:
    """A posted audience of this program that the person may not write to: 403 (the form never offers it)."""
    try:
        audience, audience_id = ops.parse_audience(request.form.get("audience"), program.id)
    except ValueError:
        return  # not an audience at all: the form says so next to the field
    if access.target_in_program(program.id, audience, audience_id):
        require(access.can_announce_to(user, program.id, audience, audience_id))


def _render_form(program, form, *, announcement=None, conflict=None, preview=None, status=200):
    return render_template(
        "announcements/form.html",
        program=program,
        form=form,
        announcement=announcement,
        conflict=conflict,
        conflict_message=EditConflict.message,
        conflict_label=ops.label_of(conflict) if conflict is not None else None,
        preview=preview,
    ), status


def _flash_published(count: int) -> None:
    flash(ngettext("The announcement is published; %(num)d person was notified.",
                   "The announcement is published; %(num)d people were notified.", count), "success")


# Announcements ------------------------------------------------------------------------


@bp.get("/programs/<int:program_id>/announcements")
@authenticated
def program_list(program_id):
    program = db.get_or_404(Program, program_id)
    user = current_user._get_current_object()
    require(access.can_view_program_announcements(user, program.id))
    archived = request.args.get("archived") == "1"
    pagination, labels = ops.program_announcements(user, program.id, page=_page(), archived=archived)
    can_write = access.can_announce_in(user, program.id)
    return render_template(
        "announcements/list.html",
        program=program,
        pagination=pagination,
        labels=labels,
        archived=archived,
        archived_count=ops.archived_count(user, program.id) if can_write and not archived else 0,
        can_write=can_write,
        can_message=access.can_start_thread(user, program.id),
    )


@bp.route("/programs/<int:program_id>/announcements/new", methods=["GET", "POST"])
@authenticated
def new(program_id):
    program = db.get_or_404(Program, program_id)
    user = current_user._get_current_object()
    require(access.can_announce_in(user, program.id))
    if request.method == "POST":
        _refuse_foreign_audience(user, program)
    form = AnnouncementForm()
    form.configure(ops.audience_choices(user, program), published=False)
    if request.method == "GET":
        return _render_form(program, form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _expired_form()
        return _render_form(program, form)
    action = _action()
    if action == "preview":
        return _render_form(program, form, preview=render_markdown(form.body.data))
    audience, audience_id = ops.parse_audience(form.audience.data, program.id)
    announcement = ops.create_announcement(program, user, audience=audience, audience_id=audience_id,
                                           title=form.title.data, body=form.body.data)
    count = ops.publish_announcement(announcement, user) if action == "publish" else None
    db.session.commit()
    if count is None:
        flash(_("The announcement is saved as a draft. Members see it once it is published."), "success")
    else:
        _flash_published(count)
    return redirect(url_for("announcements.detail", announcement_id=announcement.id))


@bp.get("/announcements/<int:announcement_id>")
@authenticated
def detail(announcement_id):
    announcement = _announcement_or_404(announcement_id)
    user = current_user._get_current_object()
    require(access.can_view_announcement(user, announcement))
    return render_template(
        "announcements/detail.html",
        announcement=announcement,
        program=announcement.program,
        audience_label=ops.label_of(announcement),
        can_edit=access.can_edit_announcement(user, announcement),
    )


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@authenticated
def edit(announcement_id):
    announcement = _announcement_or_404(announcement_id)
    user = current_user._get_current_object()
    require(access.can_edit_announcement(user, announcement))
    program = announcement.program
    if request.method == "POST":
        _refuse_foreign_audience(user, program)
    form = AnnouncementForm()
    form.configure(ops.audience_choices(user, program, current=announcement),
                   published=announcement.published_at is not None)
    if request.method == "GET":
        form.audience.data = ops.audience_value(announcement.audience, announcement.audience_id)
        form.title.data = announcement.title
        form.body.data = announcement.body
        form.version.data = announcement.version
        return _render_form(program, form, announcement=announcement)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _expired_form()
        return _render_form(program, form, announcement=announcement)
    action = _action()
    if action == "preview":
        return _render_form(program, form, announcement=announcement, preview=render_markdown(form.body.data))
    audience, audience_id = ops.parse_audience(form.audience.data, program.id)
    notify_again = "notify_again" in form and bool(form.notify_again.data)
    try:
        count = ops.update_announcement(announcement, user, version=form.version.data, audience=audience,
                                        audience_id=audience_id, title=form.title.data, body=form.body.data,
                                        notify_again=notify_again)
        published = None
        if action == "publish" and announcement.published_at is None:
            published = ops.publish_announcement(announcement, user)
        db.session.commit()
    except (EditConflict, StaleDataError):
        db.session.rollback()
        db.session.refresh(announcement)
        form.version.data = announcement.version  # saving again overwrites knowingly
        return _render_form(program, form, announcement=announcement, conflict=announcement, status=409)
    except ops.AnnouncementRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    if published is not None:
        _flash_published(published)
    elif count:
        flash(ngettext("The announcement is saved; %(num)d person was notified.",
                       "The announcement is saved; %(num)d people were notified.", count), "success")
    else:
        flash(_("The announcement is saved."), "success")
    return redirect(url_for("announcements.detail", announcement_id=announcement.id))


@bp.post("/announcements/<int:announcement_id>/publish")
@authenticated
def publish(announcement_id):
    announcement = _announcement_or_404(announcement_id)
    user = current_user._get_current_object()
    require(access.can_edit_announcement(user, announcement))
    try:
        if announcement.published_at is not None:
            flash(_("The announcement was already published."), "info")
        else:
            _flash_published(ops.publish_announcement(announcement, user))
        db.session.commit()
    except ops.AnnouncementRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this announcement at the same moment. Check it and try again."), "error")
    return redirect(url_for("announcements.detail", announcement_id=announcement.id))


def _archive_or_restore(announcement_id: int, archive: bool):
    announcement = _announcement_or_404(announcement_id)
    user = current_user._get_current_object()
    require(access.can_edit_announcement(user, announcement))
    try:
        changed = ops.archive_announcement(announcement) if archive else ops.restore_announcement(announcement)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this announcement at the same moment. Check it and try again."), "error")
        return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    if changed and archive:
        flash(_("“%(title)s” is archived: members no longer see it. You can restore it.",
                title=announcement.title), "success")
    elif changed:
        flash(_("“%(title)s” is restored.", title=announcement.title), "success")
    return redirect(url_for("announcements.detail", announcement_id=announcement.id))


@bp.post("/announcements/<int:announcement_id>/archive")
@authenticated
def archive(announcement_id):
    return _archive_or_restore(announcement_id, archive=True)


@bp.post("/announcements/<int:announcement_id>/restore")
@authenticated
def restore(announcement_id):
    return _archive_or_restore(announcement_id, archive=False)


# Messages -----------------------------------------------------------------------------


@bp.get("/messages")
@authenticated
def threads():
    user = current_user._get_current_object()
    program_id = request.args.get("program", type=int) if user.is_coordinator else None
    pagination, rows = ops.threads_page(user, program_id=program_id, page=_page())
    return render_template(
        "announcements/threads.html",
        pagination=pagination,
        rows=rows,
        unread_threads=ops.unread_thread_count(user),
        programs=ops.thread_programs() if user.is_coordinator else [],
        program_id=program_id,
        writable=ops.writable_programs(user),
    )


@bp.route("/programs/<int:program_id>/messages/new", methods=["GET", "POST"])
@authenticated
def new_thread(program_id):
    program = db.get_or_404(Program, program_id)
    user = current_user._get_current_object()
    require(access.can_start_thread(user, program.id))
    form = ThreadForm()
    if form.validate_on_submit():
        thread = ops.start_thread(program, user, subject=form.subject.data, body=form.body.data)
        db.session.commit()
        flash(_("Your message is sent. You will be notified of replies."), "success")
        return redirect(url_for("announcements.thread", thread_id=thread.id))
    if request.method == "POST" and form.csrf_token.errors:
        return _expired_form()
    return render_template(
        "announcements/new_thread.html",
        program=program,
        form=form,
        trainers=ops.module_trainers_of(user.id, program.id),
    )


def _render_thread(thread: MessageThread, form: ReplyForm, status: int = 200):
    user = current_user._get_current_object()
    read_at = ops.read_at_of(thread, user)
    unread_ids = {message.id for message in thread.messages
                  if message.author_id != user.id and (read_at is None or message.created_at > read_at)}
    return render_template(
        "announcements/thread.html",
        thread=thread,
        program=thread.program,
        form=form,
        unread_ids=unread_ids,
        enrolment=ops.participant_enrolment(thread.participant_id, thread.program_id),
        trainers=ops.module_trainers_of(thread.participant_id, thread.program_id),
        is_participant=thread.participant_id == user.id,
    ), status


@bp.get("/messages/<int:thread_id>")
@authenticated
def thread(thread_id):
    thread = _thread_or_404(thread_id)
    require(access.can_view_thread(current_user, thread))
    return _render_thread(thread, ReplyForm())


@bp.post("/messages/<int:thread_id>/reply")
@authenticated
def reply(thread_id):
    thread = _thread_or_404(thread_id)
    user = current_user._get_current_object()
    require(access.can_reply(user, thread))
    form = ReplyForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _expired_form()
        return _render_thread(thread, form, status=400)
    ops.add_message(thread, user, form.body.data)
    db.session.commit()
    flash(_("Your reply is sent."), "success")
    return redirect(url_for("announcements.thread", thread_id=thread.id) + "#latest")


@bp.post("/messages/<int:thread_id>/read")
@authenticated
def read_thread(thread_id):
    thread = _thread_or_404(thread_id)
    user = current_user._get_current_object()
    require(access.can_view_thread(user, thread))
    ops.mark_thread_read(thread, user)
    db.session.commit()
    return redirect(url_for("announcements.thread", thread_id=thread.id))
