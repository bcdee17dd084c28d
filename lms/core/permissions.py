"""Who may do what: every view states its rule here, in one place.

Role rules (decorators) say who may open a kind of page; record rules
(``can_*`` functions) say whether this person may see this record. Views
load the record, call ``require(...)``, then act.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def coordinator_required(view):
    """Program office staff only; anonymous users go to the login page."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)

    wrapped.access_rule = "coordinator"
    return wrapped


def authenticated(view):
    """Any signed-in person; record rules inside the view narrow it further."""
    wrapped = login_required(view)
    wrapped.access_rule = "authenticated"
    return wrapped


def public(view):
    """Deliberately open to everyone (login, health check, invitation links)."""
    view.access_rule = "public"
    return view


def require(allowed: bool) -> None:
    """Refuse with 403 unless the record rule allowed it."""
    if not allowed:
        abort(403)
