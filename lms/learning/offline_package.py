"""A whole unit as one zip, to study offline on a slow or intermittent connection.

The zip holds one folder named after the unit with:

* ``index.html``: the unit's items in order; lessons and files link to their
  copies in the zip, links and videos are listed with their addresses, quizzes,
  assignments and live sessions with the address where they are done online,
  and items still locked for the participant are named with a note (their
  content is left out);
* one HTML page per lesson (``01-introduction.html``), standalone, with the
  lesson's images copied into ``images/``;
* ``style.css``: a small stylesheet file (no inline styles);
* ``files/``: the files of file items under their original names (made
  unique when two share a name).

The zip is built in memory when its files are small, else in a temporary
file on disk (removed when the response closes), and streamed from there.
"""

from __future__ import annotations

import io
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field

from flask import render_template, send_file, url_for
from markupsafe import Markup
from sqlalchemy import select

from lms.core.markdown import render_markdown
from lms.core.database import utcnow
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.storage import file_path
from lms.learning.embeds import embed_url
from lms.learning.models import Item, ItemKind, Unit
from lms.learning.release import Lock

IN_MEMORY_BYTES = 16 * 1024 * 1024


def slugify(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:60].strip("-")
    return slug or fallback


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``name (2).ext`` when the name is already taken in this folder."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, n = name, 1
    while candidate.casefold() in used:
        n += 1
        candidate = f"{stem} ({n}).{extension}" if extension else f"{stem} ({n})"
    used.add(candidate.casefold())
    return candidate


def _safe_file_name(name: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name or "").strip(" .")
    return name[:150] or "file"


@dataclass
class Entry:
    """One item of the unit as listed in index.html."""

    item: Item
    kind: str
    lock: Lock | None = None
    page: str | None = None  # lesson page in the zip
    file_name: str | None = None  # files/<name> in the zip
    file_size: int | None = None
    address: str | None = None  # link address, or where to do it online
    is_video: bool = False


@dataclass
class Package:
    fileobj: object
    filename: str
    names: list[str] = field(default_factory=list)

    def response(self):
        self.fileobj.seek(0)
        response = send_file(self.fileobj, mimetype="application/zip", as_attachment=True,
                             download_name=self.filename, max_age=0)
        response.headers["Cache-Control"] = "private, no-store"
        return response


def _lesson_html(item: Item, files: dict[int, StoredFile], image_names: dict[int, str]) -> Markup:
    """The lesson's sanitised HTML with the platform's image addresses pointing into the zip."""
    html = str(render_markdown(item.body))
    for file_id, name in image_names.items():
        if file_id not in _image_ids(item) or file_id not in files:
            continue
        for address in (
            url_for("learning.item_file", item_id=item.id, file_id=file_id, _external=True),
            url_for("learning.item_file", item_id=item.id, file_id=file_id),
        ):
            html = html.replace(f'src="{address}"', f'src="images/{name}"')
    # Still the sanitised HTML of render_markdown: only image addresses were replaced.
    return Markup(html)


def _image_ids(item: Item) -> set[int]:
    ids = set()
    for value in (item.settings or {}).get("images", []) or []:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def build_unit_package(unit: Unit, items: list[Item], locks: dict[int, Lock]) -> Package:
    """The zip of ``unit`` with ``items`` (visible ones, in order); items in ``locks`` are left out."""
    folder = slugify(unit.title, f"unit-{unit.id}")
    open_items = [item for item in items if item.id not in locks]

    image_ids = {file_id for item in open_items if item.kind == ItemKind.LESSON.value
                 for file_id in _image_ids(item)}
    files = {
        stored.id: stored
        for stored in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(image_ids))).all()
    } if image_ids else {}

    estimate = sum(stored.size for stored in files.values()) + sum(
        item.file.size for item in open_items if item.kind == ItemKind.FILE.value and item.file is not None
    )
    spool = io.BytesIO() if estimate < IN_MEMORY_BYTES else tempfile.TemporaryFile()
    names: list[str] = []
    used_files: set[str] = set()
    used_pages: set[str] = {"index.html", "style.css"}

    def add(arcname: str, data: str | bytes) -> None:
        archive.writestr(f"{folder}/{arcname}", data)
        names.append(f"{folder}/{arcname}")

    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        image_names: dict[int, str] = {}
        used_images: set[str] = set()
        for file_id, stored in files.items():
            path = file_path(stored)
            if not path.exists():
                continue
            name = _unique(f"{file_id}-{_safe_file_name(stored.original_name)}", used_images)
            archive.write(path, f"{folder}/images/{name}")
            names.append(f"{folder}/images/{name}")
            image_names[file_id] = name

        entries: list[Entry] = []
        lesson_number = 0
        for item in items:
            entry = Entry(item=item, kind=item.kind, lock=locks.get(item.id))
            entries.append(entry)
            if entry.lock is not None:
                continue
            if item.kind == ItemKind.LESSON.value:
                lesson_number += 1
                entry.page = _unique(f"{lesson_number:02d}-{slugify(item.title, 'lesson')}.html", used_pages)
            elif item.kind == ItemKind.FILE.value and item.file is not None:
                path = file_path(item.file)
                if path.exists():
                    entry.file_name = _unique(_safe_file_name(item.file.original_name), used_files)
                    entry.file_size = item.file.size
                    archive.write(path, f"{folder}/files/{entry.file_name}")
                    names.append(f"{folder}/files/{entry.file_name}")
            elif item.kind == ItemKind.LINK.value:
                entry.address = item.url
                entry.is_video = embed_url(item.url) is not None
            else:
                entry.address = url_for("learning.item", item_id=item.id, _external=True)

        lessons = [entry for entry in entries if entry.page]
        for index, entry in enumerate(lessons):
            add(entry.page, render_template(
                "learning/participant/offline_lesson.html",
                unit=unit,
                item=entry.item,
                body=_lesson_html(entry.item, files, image_names),
                previous=lessons[index - 1] if index > 0 else None,
                following=lessons[index + 1] if index + 1 < len(lessons) else None,
            ))
        add("index.html", render_template(
            "learning/participant/offline_index.html",
            unit=unit,
            entries=entries,
            online_address=(
                url_for("learning.module_outline", module_id=unit.module_id, _external=True) if unit.module_id
                else url_for("learning.program_outline", program_id=unit.program_id, _external=True)
            ),
            made_at=utcnow(),
        ))
        add("style.css", render_template("learning/participant/offline.css"))

    return Package(spool, f"{folder}.zip", names)
