"""A request body larger than MAX_CONTENT_LENGTH on a form with files: get back what was typed.

Werkzeug refuses such a body before reading it (413). The hand-in and grading forms then answer
on the form itself: this module reads the multipart stream with its files thrown away, so the
small fields (the text, the comments, the tokens) come back as typed. Reading it also lets a
browser, which sends the whole body before it reads the answer, see that page rather than a
reset connection.
"""

from __future__ import annotations

from flask import current_app, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import NEED_DATA, Data, Epilogue, Field, File, MultipartDecoder

# A too-large body is read up to this many times the request limit; each small field is kept up
# to FIELD_LIMIT bytes (the longest text, 100,000 characters, in UTF-8).
DRAIN_FACTOR = 4
FIELD_LIMIT = 4 * 100_000 + 1024
READ_CHUNK = 64 * 1024


def typed_fields() -> MultiDict:
    """The small fields of a too-large multipart body (files thrown away); an empty MultiDict when
    the body cannot be read this way (not multipart, no length, already read)."""
    fields: MultiDict = MultiDict()
    environ = request.environ
    mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    length = request.content_length
    boundary = options.get("boundary")
    if mimetype != "multipart/form-data" or not boundary or length is None:
        return fields
    limit = DRAIN_FACTOR * int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) or length
    stream = environ["wsgi.input"]
    decoder = MultipartDecoder(boundary.encode("latin-1"))
    name, buffer, remaining = None, None, min(length, limit)
    try:
        while remaining > 0:
            chunk = stream.read(min(READ_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            decoder.receive_data(chunk)
            event = decoder.next_event()
            while event is not NEED_DATA:
                if isinstance(event, Field):
                    name, buffer = event.name, bytearray()
                elif isinstance(event, File):
                    name, buffer = None, None  # the files are what was too large: thrown away
                elif isinstance(event, Data):
                    if buffer is not None:
                        buffer += event.data
                        if len(buffer) > FIELD_LIMIT:
                            name, buffer = None, None
                        elif not event.more_data:
                            fields.add(name, buffer.decode("utf-8", "replace"))
                            name, buffer = None, None
                elif isinstance(event, Epilogue):
                    return fields
                event = decoder.next_event()
    except (ValueError, OSError):
        return fields
    return fields


def trusted_typed_fields() -> MultiDict:
    """``typed_fields`` when they carry a valid CSRF token (else nothing: a forged form is not echoed)."""
    fields = typed_fields()
    try:
        validate_csrf(fields.get("csrf_token"))
    except (CSRFError, ValueError):
        return MultiDict()
    return fields


def request_limit_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
