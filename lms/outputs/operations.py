"""Outputs and the program showcase: domain functions (they flush, never commit).

* ``create_output`` / ``update_output``: title, kind, Markdown description, an
  optional http(s) link and files (checked by ``lms.files.storage``; all or
  nothing: one refused file stores none). An output is individual or belongs
  to the author's group; any member of the group edits it, and the version
  carried by the form refuses a save over someone else's newer one.
* Removing a file only stamps ``OutputFile.removed_at``; nothing is deleted.
* ``publish_output`` / ``unpublish_output``: a published output is listed on
  the showcase unless a coordinator hid it (``hide_output`` archives it,
  ``restore_output`` brings it back).
* ``publish_showcase`` opens the showcase to everyone, signed in or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.storage import FILE_TYPES, UploadRejected, UploadRules, file_path, save_upload
from lms.learning.access import LEARNING_STATUSES
from lms.notifications.operations import notify
from lms.outputs.models import Output, OutputFile, Showcase
from lms.programs.models import Module

KIND_LABELS = {
    "book": _l("Book"),
    "film_proposal": _l("Film proposal"),
    "narrative": _l("Narrative"),
    "dance_film": _l("Dance film"),
    "policy_plan": _l("Country policy action plan"),
    "exhibition": _l("Exhibition"),
    "other": _l("Other"),
}

# What outputs are made of: documents, slides, images, video and sound, e-books (when the
# storage knows the type), archives. Only types whose content ``save_upload`` can check.
_WANTED_TYPES = ("pdf", "docx", "doc", "odt", "pptx", "ppt", "odp", "xlsx", "jpg", "jpeg", "png", "gif", "webp",
                 "mp4", "mp3", "m4a", "wav", "ogg", "epub", "zip", "txt", "md")
OUTPUT_EXTENSIONS = frozenset(ext for ext in _WANTED_TYPES if ext in FILE_TYPES)
DEFAULT_MAX_FILE_MB = 200
MAX_FILES = 20
MAX_TITLE = 200
MAX_DESCRIPTION = 50_000
MAX_LINK = 1000


class UploadProblem(Exception):
    """One or more uploads were refused; ``messages`` go next to the file field."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class OutputRefused(Exception):
    """The change is not possible; ``str(error)`` says why and ``field`` where (or None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# Kinds and rules ------------------------------------------------------------------------------


def kind_label(kind: str | None) -> str:
    label = KIND_LABELS.get(kind or "")
    return str(label) if label is not None else (kind or "")


def kind_choices() -> list[tuple[str, object]]:
    return [(kind, KIND_LABELS.get(kind, kind)) for kind in Output.KINDS]


def max_file_bytes() -> int:
    """Largest output file (config ``OUTPUT_MAX_FILE_MB``, default 200; fractions allowed)."""
    megabytes = current_app.config.get("OUTPUT_MAX_FILE_MB") or DEFAULT_MAX_FILE_MB
    return max(1, int(float(megabytes) * 1024 * 1024))


def request_limit_bytes() -> int:
    """How large a request to the output forms may be: one file of the largest size and the text.
    Never less than the site's own request limit."""
    site = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    return max(site, max_file_bytes() + 2 * 1024 * 1024)


def upload_rules() -> UploadRules:
    return UploadRules(OUTPUT_EXTENSIONS, max_file_bytes())


def clean_link(value: str | None) -> str | None:
    """A web address starting with http:// or https:// with a host, or None when empty.
    Raises ValueError with the message to show."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_LINK:
        raise ValueError(_("The address is too long (at most %(num)d characters).", num=MAX_LINK))
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError(_("A web address cannot contain spaces."))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise ValueError(_("Enter a full web address starting with https:// (or http://).")) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(_("Enter a full web address starting with https:// (or http://)."))
    return value


# Files ---------------------------------------------------------------------------------------


def _has_upload(upload) -> bool:
    return upload is not None and bool(getattr(upload, "filename", None))


def discard_files(stored: list[StoredFile]) -> None:
    """Remove the bytes of files whose records are rolled back."""
    for entry in stored:
        file_path(entry).unlink(missing_ok=True)


def _store_uploads(uploads, keep_count: int, user) -> list[StoredFile]:
    """Check and store every upload; all or nothing."""
    uploads = [upload for upload in uploads or [] if _has_upload(upload)]
    if not uploads:
        return []
    if keep_count + len(uploads) > MAX_FILES:
        raise UploadProblem([_("An output can have at most %(count)d files.", count=MAX_FILES)])
    stored, problems = [], []
    rules = upload_rules()
    for upload in uploads:
        try:
            stored.append(save_upload(upload, rules, uploaded_by=user))
        except UploadRejected as error:
            problems.append(_("%(name)s: %(problem)s", name=upload.filename, problem=str(error)))
    if problems:
        discard_files(stored)
        raise UploadProblem(problems)
    return stored


def _attach(output: Output, stored: list[StoredFile]) -> None:
    current = output.current_files
    known = {(link.file.sha256, link.file.original_name) for link in current}
    position = max((link.position for link in output.files), default=-1) + 1
    for entry in stored:
        if (entry.sha256, entry.original_name) in known:  # the same file sent twice: keep one
            db.session.delete(entry)
            file_path(entry).unlink(missing_ok=True)
            continue
        known.add((entry.sha256, entry.original_name))
        output.files.append(OutputFile(file=entry, position=position))
        position += 1


def _flush(stored: list[StoredFile]) -> None:
    """Flush; when someone else saved the output in between, drop the new files' bytes."""
    try:
        db.session.flush()
    except StaleDataError:
        discard_files(stored)
        raise


def _clean_text(title: str | None, description: str | None) -> tuple[str, str | None]:
    title = (title or "").strip()
    if not title:
        raise OutputRefused(_("Give your output a title."), "title")
    if len(title) > MAX_TITLE:
        raise OutputRefused(_("The title is too long (at most %(num)d characters).", num=MAX_TITLE), "title")
    description = (description or "").strip() or None
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise OutputRefused(_("The description is too long (at most %(num)d characters).", num=MAX_DESCRIPTION),
                            "description")
    return title, description


def _clean_kind(kind: str | None) -> str:
    if kind not in Output.KINDS:
        raise OutputRefused(_("Choose what kind of output this is."), "kind")
    return kind


def _clean_link_or_refuse(link_url: str | None) -> str | None:
    try:
        return clean_link(link_url)
    except ValueError as error:
        raise OutputRefused(str(error), "link_url") from None


# Creating and editing --------------------------------------------------------------------------


def create_output(enrolment: Enrolment, author, *, for_group: bool, kind: str, title: str,
                  description: str | None = None, link_url: str | None = None, uploads=()) -> Output:
    """A new draft output of ``author`` (a participant, through their enrolment) or of their group.

    Raises OutputRefused or UploadProblem (nothing is stored then)."""
    if enrolment.status not in LEARNING_STATUSES or enrolment.user_id != author.id:
        raise OutputRefused(_("Only participants of the program can add outputs."))
    if for_group and enrolment.group_id is None:
        raise OutputRefused(_("You are not in a group in this program."), "owner")
    title, description = _clean_text(title, description)
    output = Output(
        program_id=enrolment.program_id,
        module_id=enrolment.module_id,
        user_id=None if for_group else author.id,
        group_id=enrolment.group_id if for_group else None,
        kind=_clean_kind(kind),
        title=title,
        description=description,
        link_url=_clean_link_or_refuse(link_url),
        created_by_id=author.id,
    )
    db.session.add(output)
    stored = _store_uploads(uploads, 0, author)
    _attach(output, stored)
    _flush(stored)
    return output


def update_output(output: Output, editor, *, version, kind: str, title: str, description: str | None = None,
                  link_url: str | None = None, uploads=(), remove_file_ids=()) -> Output:
    """Save an edit made from the form rendered with ``version``.

    Raises EditConflict (someone saved in between: nothing stored), OutputRefused or UploadProblem;
    a StaleDataError from the flush means the same, caught at the last moment."""
    check_version(output, version)
    title, description = _clean_text(title, description)
    kind = _clean_kind(kind)
    link_url = _clean_link_or_refuse(link_url)
    remove = {int(value) for value in remove_file_ids or () if str(value).isdigit()}
    now = utcnow()
    kept = 0
    for link in output.files:
        if link.removed_at is not None:
            continue
        if link.file_id in remove:
            link.removed_at = now  # kept, no longer shown
        else:
            kept += 1
    stored = _store_uploads(uploads, kept, editor)
    output.kind, output.title, output.description, output.link_url = kind, title, description, link_url
    _attach(output, stored)
    output.updated_at = now  # always an UPDATE: the version moves on with every save
    _flush(stored)
    return output


def has_content(output: Output) -> bool:
    return bool(output.description or output.link_url or output.current_files)


def publish_output(output: Output, actor) -> bool:
    """Publish the output (listed on the showcase). False when it already was."""
    if output.published_at is not None:
        return False
    if not has_content(output):
        raise OutputRefused(_("Add a description, a file or a link before publishing."))
    output.published_at = utcnow()
    db.session.flush()
    return True


def unpublish_output(output: Output, actor) -> bool:
    """Back to a draft (off the showcase). False when it was not published."""
    if output.published_at is None:
        return False
    output.published_at = None
    db.session.flush()
    return True


def output_authors(output: Output) -> list:
    """The people an output belongs to: its participant, or its group's members."""
    if output.group_id is not None:
        return group_members(output.program_id, [output.group_id]).get(output.group_id, [])
    return [output.user] if output.user is not None else []


def hide_output(output: Output, actor, reason: str | None = None) -> bool:
    """A coordinator takes an output off the showcase (archived, restorable); its authors are told."""
    if output.archived_at is not None:
        return False
    output.archived_at = utcnow()
    db.session.flush()
    reason = (reason or "").strip() or None
    link = _path("outputs.mine", program_id=output.program_id)
    for person in output_authors(output):
        with force_locale(person.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            title = _("Your output “%(title)s” was taken off the showcase", title=output.title)
            body = reason or _("The program office took it off the showcase. Contact them to know why.")
            notify(person, "output_hidden", title, body, link=link)
    return True


def _path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():  # a command or a test: only the path is needed
        return url_for(endpoint, **values)


def restore_output(output: Output, actor) -> bool:
    if output.archived_at is None:
        return False
    output.archived_at = None
    db.session.flush()
    return True


# The showcase ----------------------------------------------------------------------------------


def showcase_of(program_id: int) -> Showcase | None:
    """The program's showcase settings; None when no coordinator touched them (never written by a GET)."""
    return db.session.get(Showcase, program_id)


def ensure_showcase(program_id: int) -> Showcase:
    showcase = showcase_of(program_id)
    if showcase is None:
        showcase = Showcase(program_id=program_id)
        db.session.add(showcase)
        db.session.flush()
    return showcase


def save_introduction(program_id: int, introduction: str | None, version, actor) -> Showcase:
    """Raises EditConflict when the form was rendered from an older version."""
    text = (introduction or "").strip() or None
    showcase = showcase_of(program_id)
    if showcase is None:  # the first save (the form had no version to carry)
        showcase = Showcase(program_id=program_id, introduction=text)
        db.session.add(showcase)
    else:
        check_version(showcase, version)
        showcase.introduction = text
        showcase.updated_at = utcnow()
    db.session.flush()
    return showcase


def publish_showcase(program_id: int, actor) -> bool:
    showcase = ensure_showcase(program_id)
    if showcase.published_at is not None:
        return False
    showcase.published_at = utcnow()
    showcase.published_by_id = actor.id
    db.session.flush()
    return True


def unpublish_showcase(program_id: int, actor) -> bool:
    showcase = showcase_of(program_id)
    if showcase is None or showcase.published_at is None:
        return False
    showcase.published_at = None
    db.session.flush()
    return True


# Lists (a constant number of queries) -------------------------------------------------------------


@dataclass
class OutputEntry:
    output: Output
    members: list = field(default_factory=list)  # a group output's members (people)

    @property
    def authors(self) -> list:
        if self.output.group_id is not None:
            return self.members
        return [self.output.user] if self.output.user is not None else []

    @property
    def countries(self) -> list[str]:
        codes = []
        for person in self.authors:
            if person.country and person.country not in codes:
                codes.append(person.country)
        return codes


@dataclass
class Section:
    key: str
    title: str
    subtitle: str | None
    entries: list[OutputEntry]


def _load_options():
    return (
        joinedload(Output.user),
        joinedload(Output.group),
        joinedload(Output.module).joinedload(Module.track),
        selectinload(Output.files).joinedload(OutputFile.file),
    )


def group_members(program_id: int, group_ids) -> dict[int, list]:
    """{group id: its members who follow the program}, in one query."""
    group_ids = {group_id for group_id in group_ids if group_id is not None}
    if not group_ids:
        return {}
    members: dict[int, list] = {}
    for enrolment in db.session.scalars(
        select(Enrolment)
        .where(Enrolment.program_id == program_id, Enrolment.group_id.in_(group_ids),
               Enrolment.status.in_(LEARNING_STATUSES))
        .options(joinedload(Enrolment.user))
    ).all():
        members.setdefault(enrolment.group_id, []).append(enrolment.user)
    for people in members.values():
        people.sort(key=lambda person: (person.name.casefold(), person.id))
    return members


def _entries(program_id: int, outputs: list[Output]) -> list[OutputEntry]:
    members = group_members(program_id, (output.group_id for output in outputs))
    return [OutputEntry(output, members.get(output.group_id, []) if output.group_id else []) for output in outputs]


def participant_outputs(enrolment: Enrolment) -> list[OutputEntry]:
    """The participant's own outputs and their group's, newest change first (archived included)."""
    owners = [Output.user_id == enrolment.user_id]
    if enrolment.group_id is not None:
        owners.append(Output.group_id == enrolment.group_id)
    outputs = db.session.scalars(
        select(Output)
        .where(Output.program_id == enrolment.program_id, or_(*owners))
        .options(*_load_options())
        .order_by(Output.updated_at.desc(), Output.id.desc())
    ).unique().all()
    return _entries(enrolment.program_id, list(outputs))


def program_outputs(program_id: int) -> list[OutputEntry]:
    """Every output of the program (coordinators), drafts included."""
    outputs = db.session.scalars(
        select(Output)
        .where(Output.program_id == program_id)
        .options(*_load_options())
        .order_by(Output.updated_at.desc(), Output.id.desc())
    ).unique().all()
    return _entries(program_id, list(outputs))


@dataclass
class ShowcaseView:
    sections: list[Section]
    hidden: list[OutputEntry]  # published or not, hidden by a coordinator (shown to coordinators only)

    @property
    def count(self) -> int:
        return sum(len(section.entries) for section in self.sections)


GROUPINGS = ("module", "kind")


def showcase_view(program_id: int, *, by: str = "module", include_hidden: bool = False) -> ShowcaseView:
    """The published outputs, grouped by module (with its track) or by kind."""
    query = select(Output).where(Output.program_id == program_id)
    if include_hidden:
        query = query.where(or_(Output.published_at.is_not(None), Output.archived_at.is_not(None)))
    else:
        query = query.where(Output.published_at.is_not(None), Output.archived_at.is_(None))
    outputs = db.session.scalars(
        query.options(*_load_options()).order_by(Output.title, Output.id)
    ).unique().all()
    entries = _entries(program_id, list(outputs))
    listed = [entry for entry in entries if entry.output.on_showcase]
    hidden = [entry for entry in entries if entry.output.archived_at is not None]
    return ShowcaseView(_by_kind(listed) if by == "kind" else _by_module(listed), hidden)


def _by_kind(entries: list[OutputEntry]) -> list[Section]:
    sections = []
    for kind in Output.KINDS:
        chosen = [entry for entry in entries if entry.output.kind == kind]
        if chosen:
            sections.append(Section(kind, kind_label(kind), None, chosen))
    others = [entry for entry in entries if entry.output.kind not in Output.KINDS]
    if others:
        sections.append(Section("unknown", kind_label("other"), None, others))
    return sections


def _by_module(entries: list[OutputEntry]) -> list[Section]:
    buckets: dict[object, list[OutputEntry]] = {}
    modules: dict[object, Module | None] = {}
    for entry in entries:
        module = entry.output.module
        key = module.id if module is not None else None
        buckets.setdefault(key, []).append(entry)
        modules[key] = module

    def order(key):
        module = modules[key]
        if module is None:
            return (1, 0, 0, 0, 0)
        return (0, module.track.position, module.track_id, module.position, module.id)

    sections = []
    for key in sorted(buckets, key=order):
        module = modules[key]
        if module is None:
            sections.append(Section("program", _("Whole program"), None, buckets[key]))
        else:
            sections.append(Section(f"module-{module.id}", module.display_title, module.track.name, buckets[key]))
    return sections
