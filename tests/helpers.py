"""Small helpers for tests that post forms (CSRF stays on in the testing config)."""

from __future__ import annotations

import hashlib
import os
import re

from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def csrf_token(client) -> str:
    """A valid CSRF token for this client's session (what Flask-WTF puts in forms)."""
    with client.session_transaction() as session:
        raw = session.get("csrf_token")
        if raw is None:
            raw = hashlib.sha1(os.urandom(64)).hexdigest()
            session["csrf_token"] = raw
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return serializer.dumps(raw)


def post_form(client, url, data=None, **kwargs):
    """POST form data with a valid CSRF token."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=payload, **kwargs)


def form_errors(html: str) -> list[str]:
    """The error messages shown next to fields (class="error")."""
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'class="error"[^>]*>(.*?)</p>', html, re.S)]
