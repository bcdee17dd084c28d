"""Participant pages: module outline, items, completion, progress, downloads.

Who sees what:

* The outline of a module: its participants (active or completed
  enrolments), its trainers and coordinators. Participants see their own
  states; trainers and coordinators see the outline as participants would,
  without personal states.
* An item: whoever may view its unit (``access.can_view_unit``). For
  participants, hidden and archived items do not exist (404) and a locked
  item shows why it is locked and what unlocks it (403), never its content.
  Trainers and coordinators preview everything, with a banner when the item
  is hidden from participants.
* The progress grid and its CSV: the module's trainers and coordinators.

GET never changes state, with one documented exception: downloading a file
records the "downloaded" completion (see ``download``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.core.database import utcnow
from lms.core.errors import render_error, wants_json
from lms.core.permissions import authenticated, require
from lms.core.timezones import country_name
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.storage import delivers_first_byte, send_stored_file
from lms.learning import offline_package
from lms.learning.access import (
    LEARNING_STATUSES,
    can_view_module_outline,
    can_view_module_progress,
    can_view_program_outline,
    can_view_unit,
    is_module_trainer,
    learner_enrolment,
)
from lms.learning.completion import record_completion
from lms.learning.embeds import embed_url
from lms.learning.models import CompletionRule, Item, ItemKind, Unit
from lms.learning.progress import (
    ItemState,
    Outline,
    Progress,
    compute_progress,
    how_label,
    load_completions,
    load_outline,
    module_progress,
    state_label,
)
from lms.learning.release import due_hint, lock_for, opens_hint, relative_hint, visible_to_participants
from lms.programs.models import Module, Program, Track

bp = Blueprint("learning", __name__, url_prefix="/learn")

# What "how" a completion records for each rule a participant can trigger by hand.
MANUAL_RULES = {CompletionRule.MARK_DONE.value: "marked_done", CompletionRule.VIEW.value: "viewed"}
# Kinds whose VIEW rule a participant confirms with a button or by moving on.
VIEWABLE_KINDS = {ItemKind.LESSON.value, ItemKind.LINK.value}


@bp.app_context_processor
def inject_learning_helpers():
    return {
        "opens_hint": opens_hint,
        "due_hint": due_hint,
        "relative_hint": relative_hint,
        "how_label": how_label,
        "state_label": state_label,
        "file_size": file_size,
    }


def file_size(size: int | None) -> str:
    """'840 KB', '12.5 MB' in the viewer's number format."""
    from flask_babel import format_decimal

    if size is None:
        return ""
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
    return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024))))


# --------------------------------------------------------------------------
# Loading an item as the current person sees it
# --------------------------------------------------------------------------


@dataclass
class ItemView:
    item: Item
    unit: Unit
    learner: bool  # the current person follows this item as a participant
    outline: Outline
    progress: Progress | None
    module_id: int | None  # the outline's module (None: program-wide units only)

    @property
    def state(self) -> ItemState | None:
        return self.progress.states.get(self.item.id) if self.progress else None

    @property
    def is_locked(self) -> bool:
        return self.state is not None and self.state.is_locked

    @property
    def is_done(self) -> bool:
        return self.state is not None and self.state.is_done

    @property
    def outline_url(self) -> str:
        if self.module_id:
            return url_for("learning.module_outline", module_id=self.module_id)
        return url_for("learning.program_outline", program_id=self.unit.program_id)


def _participant_can_see(item: Item) -> bool:
    unit = item.unit
    if not visible_to_participants(item):
        return False
    return unit.module is None or unit.module.archived_at is None


def _load_item_view(item_id: int) -> ItemView:
    """The item, its outline and the viewer's state; 403/404 for people who may not see it."""
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404)
    unit = item.unit
    user = current_user._get_current_object()
    require(can_view_unit(user, unit))
    enrolment = learner_enrolment(user, unit.program_id, unit.module_id)
    learner = enrolment is not None
    if learner and not _participant_can_see(item):
        abort(404)  # hidden and archived items do not exist for participants
    module_id = enrolment.module_id if learner else unit.module_id
    outline = load_outline(unit.program_id, module_id)
    progress = None
    if learner:
        completions = load_completions([user.id], [entry.id for entry in outline.items])[user.id]
        progress = compute_progress(user.id, outline, completions)
    return ItemView(item, unit, learner, outline, progress, module_id)


def _locked_page(view: ItemView):
    """Why the item is locked and what unlocks it: never its content (nor, for JSON clients, more than
    the title, the reasons, the opening date and the items to complete first)."""
    lock = view.state.lock
    if wants_json():
        return jsonify({"error": {
            "code": 403,
            "message": _("This item is locked for now."),
            "item": {"id": view.item.id, "title": view.item.title},
            "reasons": list(lock.reasons),
            "opens_at": lock.opens_at.isoformat() if lock.opens_at else None,
            "complete_first": [
                {"id": required.id, "title": required.title, "url": url_for("learning.item", item_id=required.id)}
                for required in lock.missing_prerequisites
            ],
        }}), 403
    return render_template("learning/locked.html", view=view, item=view.item, lock=lock, now=utcnow()), 403


def _allowed_or_locked(view: ItemView):
    """None when the viewer may use the item's content, else the locked page to return."""
    if view.is_locked:
        return _locked_page(view)
    return None


def _referenced_file_ids(item: Item) -> set[int]:
    ids = set()
    if item.file_id:
        ids.add(item.file_id)
    for value in (item.settings or {}).get("images", []) or []:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


# --------------------------------------------------------------------------
# Outlines
# --------------------------------------------------------------------------


def _render_outline(*, outline: Outline, module: Module | None, program: Program, learner: bool):
    user = current_user._get_current_object()
    progress = None
    if learner:
        completions = load_completions([user.id], [item.id for item in outline.items])[user.id]
        progress = compute_progress(user.id, outline, completions)
    return render_template(
        "learning/outline.html",
        outline=outline,
        module=module,
        program=program,
        learner=learner,
        progress=progress,
        can_see_progress=module is not None and can_view_module_progress(user, module),
        now=utcnow(),
    )


@bp.get("/modules/<int:module_id>")
@authenticated
def module_outline(module_id):
    module = db.session.scalar(
        select(Module).where(Module.id == module_id).options(joinedload(Module.track).joinedload(Track.program))
    )
    if module is None:
        abort(404)
    user = current_user._get_current_object()
    require(can_view_module_outline(user, module))
    program = module.track.program
    staff = user.is_coordinator or is_module_trainer(user, module.id)
    learner = learner_enrolment(user, program.id, module.id) is not None
    if learner and not staff and module.archived_at is not None:
        abort(404)
    return _render_outline(outline=load_outline(program.id, module.id), module=module, program=program,
                           learner=learner)


@bp.get("/programs/<int:program_id>")
@authenticated
def program_outline(program_id):
    """The program-wide units (e.g. the orientation): for participants whose module is not set yet,
    and for trainers and coordinators."""
    program = db.session.get(Program, program_id)
    if program is None:
        abort(404)
    user = current_user._get_current_object()
    require(can_view_program_outline(user, program.id))
    enrolment = learner_enrolment(user, program.id)
    if enrolment is not None and enrolment.module_id is not None:
        # A participant's own outline holds the program-wide units with their module's.
        return redirect(url_for("learning.module_outline", module_id=enrolment.module_id))
    return _render_outline(outline=load_outline(program.id, None), module=None, program=program,
                           learner=enrolment is not None)


# --------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------


@bp.get("/items/<int:item_id>")
@authenticated
def item(item_id):
    view = _load_item_view(item_id)
    locked = _allowed_or_locked(view)
    if locked is not None:
        return locked
    item = view.item
    if item.kind == ItemKind.QUIZ.value and "quizzes.take" in current_app.view_functions:
        return redirect(url_for("quizzes.take", item_id=item.id))
    if item.kind == ItemKind.ASSIGNMENT.value and view.learner:
        return redirect(url_for("submissions.assignment", item_id=item.id))
    previous, following = view.outline.neighbours(item)
    return render_template(
        "learning/item.html",
        view=view,
        item=item,
        unit=view.unit,
        previous=previous,
        following=following,
        embed=embed_url(item.url) if item.kind == ItemKind.LINK.value else None,
        can_mark_done=view.learner and _manual_how(item) is not None,
        # Lessons completed by being read: moving on (previous / next / outline) is a POST that records it.
        records_on_leave=view.learner and _records_on_leave(item),
        hidden_from_participants=not _participant_can_see(item),
        # Trainers and coordinators see the release rules participants meet.
        rules_lock=None if view.learner else lock_for(item, set(), view.outline.items_by_id),
        session_start=_setting_instant(item, "starts_at"),
        session_end=_setting_instant(item, "ends_at"),
        now=utcnow(),
    )


def _setting_instant(item: Item, key: str) -> datetime | None:
    """A UTC instant kept in the item's settings as ISO text (a live session's start and end)."""
    value = (item.settings or {}).get(key)
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed.astimezone(timezone.utc)


def _manual_how(item: Item) -> str | None:
    """The completion a participant may record by hand, or None when the rule does not allow it."""
    if item.completion_rule == CompletionRule.MARK_DONE.value:
        return MANUAL_RULES[item.completion_rule]
    if item.completion_rule == CompletionRule.VIEW.value and item.kind in VIEWABLE_KINDS:
        return MANUAL_RULES[item.completion_rule]
    return None


def _records_on_leave(item: Item) -> bool:
    return item.kind == ItemKind.LESSON.value and item.completion_rule == CompletionRule.VIEW.value


@bp.post("/items/<int:item_id>/done")
@authenticated
def mark_done(item_id):
    """Record that the participant completed the item ("mark as done", or "I have watched it")."""
    view = _load_item_view(item_id)
    if not view.learner:
        return render_error(403, _("Only participants following this item can mark it as done."))
    locked = _allowed_or_locked(view)
    if locked is not None:
        return locked
    how = _manual_how(view.item)
    if how is None:
        return render_error(400, _("This item cannot be marked as done by hand. %(rule)s",
                                   rule=_rule_text(view.item)))
    already = view.is_done
    record_completion(current_user._get_current_object(), view.item, how)
    db.session.commit()
    if not already:
        flash(_("“%(title)s” is done.", title=view.item.title), "success")
    return redirect(url_for("learning.item", item_id=view.item.id))


@bp.post("/items/<int:item_id>/leave")
@authenticated
def leave_item(item_id):
    """Move on from a lesson: to the previous or next item, or back to the outline.

    A lesson whose rule is "viewed" is complete once the participant has read
    it. GET never changes state, so reading is recorded here, when the
    participant moves on with the lesson's navigation buttons (plain POST
    forms, no JavaScript), or with its "Done — continue" button.
    """
    view = _load_item_view(item_id)
    locked = _allowed_or_locked(view)
    if locked is not None:
        return locked
    if view.learner and _records_on_leave(view.item):
        record_completion(current_user._get_current_object(), view.item, "viewed")
        db.session.commit()
    previous, following = view.outline.neighbours(view.item)
    # go: -1 previous item, 1 next item, anything else the outline (no address is taken from the form).
    target = {"-1": previous, "1": following}.get(request.form.get("go", ""))
    if target is not None:
        return redirect(url_for("learning.item", item_id=target.id))
    return redirect(view.outline_url)


def _rule_text(item: Item) -> str:
    return {
        CompletionRule.VIEW.value: _("Complete once you have read or watched it."),
        CompletionRule.MARK_DONE.value: _("Mark it as done when you have finished."),
        CompletionRule.DOWNLOAD.value: _("Complete once you have downloaded the file."),
        CompletionRule.PASS.value: _("Complete once you pass it."),
        CompletionRule.SUBMIT.value: _("Complete once you submit your work."),
        CompletionRule.ATTEND.value: _("Complete once you have attended."),
    }.get(item.completion_rule, "")


@bp.app_template_global("completion_rule_text")
def completion_rule_text(item: Item) -> str:
    return _rule_text(item)


@bp.get("/items/<int:item_id>/download")
@authenticated
def download(item_id):
    """A file item's file, with HTTP range support so that a broken download resumes.

    Downloads are GETs, yet they record the "downloaded" completion: that
    records a fact (the participant fetched the file), not a change the
    participant asked for, and repeating it changes nothing (completion is
    idempotent). Only a response that sends the file from its first byte
    counts (the whole file, or a part starting at byte 0); the ranges that
    resume it, HEAD requests and 304/416 answers do not record.
    """
    view = _load_item_view(item_id)
    locked = _allowed_or_locked(view)
    if locked is not None:
        return locked
    item = view.item
    if item.kind != ItemKind.FILE.value or item.file is None:
        abort(404)
    response = send_stored_file(item.file, inline=False)
    if view.learner and item.completion_rule == CompletionRule.DOWNLOAD.value and delivers_first_byte(response):
        try:
            record_completion(current_user._get_current_object(), item, "downloaded")
            db.session.commit()
        except Exception:
            response.close()
            raise
    return response


@bp.get("/items/<int:item_id>/files/<int:file_id>")
@authenticated
def item_file(item_id, file_id):
    """A file an item refers to (its file, the images of a lesson): only that item's files."""
    view = _load_item_view(item_id)
    locked = _allowed_or_locked(view)
    if locked is not None:
        return locked
    if file_id not in _referenced_file_ids(view.item):
        abort(404)
    stored = db.session.get(StoredFile, file_id)
    if stored is None:
        abort(404)
    return send_stored_file(stored)


# --------------------------------------------------------------------------
# Offline package
# --------------------------------------------------------------------------


@bp.get("/units/<int:unit_id>/offline.zip")
@authenticated
def unit_package(unit_id):
    """A unit's lessons (as HTML) and files in one zip, to study offline."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    user = current_user._get_current_object()
    require(can_view_unit(user, unit))
    enrolment = learner_enrolment(user, unit.program_id, unit.module_id)
    if enrolment is not None and (unit.hidden or unit.archived_at is not None):
        abort(404)
    module_id = enrolment.module_id if enrolment else unit.module_id
    outline = load_outline(unit.program_id, module_id)
    items = outline.visible_items(unit) or [
        entry for entry in unit.items if not entry.hidden and entry.archived_at is None
    ]
    locks = {}
    if enrolment is not None:
        completions = load_completions([user.id], [entry.id for entry in outline.items])[user.id]
        progress = compute_progress(user.id, outline, completions)
        locks = {item_id: state.lock for item_id, state in progress.states.items() if state.is_locked}
    package = offline_package.build_unit_package(unit, items, locks)
    return package.response()


# --------------------------------------------------------------------------
# Trainer progress grid
# --------------------------------------------------------------------------


@dataclass
class GridRow:
    user: User
    enrolment: Enrolment
    progress: Progress


def _grid(module_id: int):
    module = db.session.scalar(
        select(Module).where(Module.id == module_id).options(joinedload(Module.track).joinedload(Track.program))
    )
    if module is None:
        abort(404)
    require(can_view_module_progress(current_user, module))
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.module_id == module.id, Enrolment.status.in_(LEARNING_STATUSES))
        .options(joinedload(Enrolment.user))
        .order_by(User.name, User.id)
    ).all()
    outline = load_outline(module.track.program_id, module.id)
    progress = module_progress([enrolment.user_id for enrolment in enrolments], module, outline=outline)
    rows = [GridRow(enrolment.user, enrolment, progress[enrolment.user_id]) for enrolment in enrolments]
    done_by_item = {
        item.id: sum(1 for row in rows if row.progress.states[item.id].is_done) for item in outline.items
    }
    return module, outline, rows, done_by_item


@bp.get("/modules/<int:module_id>/progress")
@authenticated
def progress_grid(module_id):
    module, outline, rows, done_by_item = _grid(module_id)
    return render_template(
        "learning/progress_grid.html",
        module=module,
        program=module.track.program,
        outline=outline,
        rows=rows,
        done_by_item=done_by_item,
        now=utcnow(),
    )


def _csv_cell(value) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ is not run as a formula."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


@bp.get("/modules/<int:module_id>/progress.csv")
@authenticated
def progress_csv(module_id):
    module, outline, rows, _done = _grid(module_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    items = outline.items
    writer.writerow(
        [_("Name"), _("Email"), _("Country"), _("Required items done"), _("Required items"), _("Percent"),
         _("Overdue items")]
        + [f"{unit.title} — {item.title}" for unit in outline.units for item in outline.visible_items(unit)]
    )
    for row in rows:
        cells = []
        for item in items:
            state = row.progress.states[item.id]
            if state.is_done:
                cells.append(f"{state.label} {state.completion.completed_at.date().isoformat()}")
            else:
                cells.append(state.label)
        writer.writerow(
            [_csv_cell(value) for value in (
                row.user.name, row.user.email, country_name(row.user.country), row.progress.required_done,
                row.progress.required_total, row.progress.percent, len(row.progress.overdue),
            )]
            + [_csv_cell(cell) for cell in cells]
        )
    name = f"progress-module-{module.id}.csv"
    return current_app.response_class(
        "\ufeff" + buffer.getvalue(),  # a BOM so that spreadsheet programs read UTF-8 names
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
