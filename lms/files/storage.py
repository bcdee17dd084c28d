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

from flask import abort, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.http import parse_date, parse_range_header
from werkzeug.utils import send_file as werkzeug_send_file

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
    """Serve a stored file. Range requests are honoured, so a broken download resumes.

    * One byte range (``bytes=100-``, ``bytes=100-199``, ``bytes=-500``): 206 with
      ``Content-Range``, when ``If-Range`` (the file's ETag or Last-Modified) is absent
      or still matches; a changed file is sent whole (200).
    * A range that starts past the end: 416 with ``Content-Range: bytes */<size>``
      (what download managers read to learn that the file is complete).
    * Several ranges, another unit or an unreadable header: the header is ignored and
      the whole file is sent (200), as HTTP allows; never an error.
    * HEAD gives the headers (size, ETag, ``Accept-Ranges: bytes``) without the body.
    """
    path = file_path(stored)
    if not path.is_file():
        abort(404)
    if inline is None:
        inline = stored.content_type in INLINE_TYPES
    environ = request.environ
    header = environ.get("HTTP_RANGE")
    if header is not None:
        parsed = parse_range_header(header)
        if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
            environ = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
        elif request.method == "GET" and _if_range_holds(environ, stored) \
                and parsed.range_for_length(stored.size) is None:
            return _range_not_satisfiable(stored)
    response = werkzeug_send_file(
        path,
        environ,
        mimetype=stored.content_type,
        as_attachment=not inline,
        download_name=stored.original_name,
        conditional=True,
        etag=stored.sha256,
        last_modified=stored.created_at,
        max_age=0,
        response_class=current_app.response_class,
        use_x_sendfile=current_app.config.get("USE_X_SENDFILE", False),
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    if not inline:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _if_range_holds(environ, stored: StoredFile) -> bool:
    """True without ``If-Range``, or when it names this very file (its strong ETag, or its date)."""
    value = (environ.get("HTTP_IF_RANGE") or "").strip()
    if not value:
        return True
    if value.startswith(("\"", "W/")):
        return value == f'"{stored.sha256}"'  # weak validators never match If-Range
    when = parse_date(value)
    return when is not None and stored.created_at is not None \
        and int(when.timestamp()) == int(stored.created_at.timestamp())


def _range_not_satisfiable(stored: StoredFile):
    response = current_app.response_class(
        _("The requested part is outside the file (%(size)s bytes).", size=stored.size),
        status=416, mimetype="text/plain",
    )
    response.headers["Content-Range"] = f"bytes */{stored.size}"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def delivers_first_byte(response) -> bool:
    """True when ``response`` sends the file from its first byte: the whole file (200) or a part
    starting at byte 0 (206). What counts as "downloaded"; the ranges that resume it do not."""
    if request.method != "GET":
        return False
    if response.status_code == 200:
        return True
    return response.status_code == 206 and (response.headers.get("Content-Range") or "").startswith("bytes 0-")
