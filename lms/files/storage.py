"""Saving uploads safely and serving them with range support.

An upload is accepted only when its extension is allowed, its first bytes
match that extension (magic numbers), it is not empty and not larger than the
limit. Files are stored under a random name outside ``static/`` and served as
attachments (or inline for previewable types) with ``nosniff``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from lms.extensions import db
from lms.files.models import StoredFile

# extension -> (content type, accepted leading byte signatures; None: text, checked as UTF-8)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "epub": ("application/epub+zip", (b"PK\x03\x04",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    "m4a": ("audio/mp4", (b"\x00\x00\x00",)),
    "mp4": ("video/mp4", (b"\x00\x00\x00",)),
    "wav": ("audio/wav", (b"RIFF",)),
    "ogg": ("audio/ogg", (b"OggS",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "odp": ("application/vnd.oasis.opendocument.presentation", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "ppt": ("application/vnd.ms-powerpoint", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
    "md": ("text/markdown; charset=utf-8", None),
}
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "audio/mpeg",
                "audio/mp4", "audio/wav", "audio/ogg", "video/mp4"}

# What trainers may attach to a module (file resources, lesson images).
RESOURCE_EXTENSIONS = frozenset(FILE_TYPES)
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp"})


class UploadRejected(ValueError):
    """The upload is not acceptable; ``str(error)`` is the message to show next to the field."""


@dataclass(frozen=True)
class UploadRules:
    extensions: frozenset[str]
    max_bytes: int


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/"))).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*')
    return name[:200] or "file"


def _format_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def save_upload(upload: FileStorage, rules: UploadRules, uploaded_by=None) -> StoredFile:
    """Check and store an upload; raise ``UploadRejected`` with a clear message."""
    if upload is None or not upload.filename:
        raise UploadRejected(_("Choose a file."))
    name = _clean_name(upload.filename)
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    if extension not in rules.extensions or extension not in FILE_TYPES:
        allowed = ", ".join(sorted(rules.extensions))
        raise UploadRejected(_("Files of this type are not accepted. Allowed: %(types)s.", types=allowed))
    content_type, signatures = FILE_TYPES[extension]

    folder = upload_folder()
    key = secrets.token_hex(24)
    path = folder / key
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with open(path, "wb") as target:
            while chunk := upload.stream.read(1024 * 1024):
                size += len(chunk)
                if size > rules.max_bytes:
                    raise UploadRejected(
                        _("The file is larger than %(limit)s.", limit=_format_size(rules.max_bytes))
                    )
                if len(head) < 16:
                    head += chunk[: 16 - len(head)]
                digest.update(chunk)
                target.write(chunk)
        if size == 0:
            raise UploadRejected(_("The file is empty."))
        if signatures is None:
            try:
                path.read_bytes()[: 64 * 1024].decode("utf-8")
            except UnicodeDecodeError:
                raise UploadRejected(_("The file's content does not match its type (.%(ext)s).", ext=extension))
        elif not any(head.startswith(signature) for signature in signatures):
            raise UploadRejected(_("The file's content does not match its type (.%(ext)s).", ext=extension))
    except BaseException:
        path.unlink(missing_ok=True)
        raise

    stored = StoredFile(
        storage_key=key,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def file_path(stored: StoredFile) -> Path:
    return upload_folder() / stored.storage_key


def send_stored_file(stored: StoredFile, *, inline: bool | None = None):
    """Serve a stored file. Range requests are honoured, so a broken download resumes."""
    if inline is None:
        inline = stored.content_type in INLINE_TYPES
    response = send_file(
        file_path(stored),
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=stored.original_name,
        conditional=True,
        etag=stored.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    if not inline:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
