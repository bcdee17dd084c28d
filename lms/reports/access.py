"""Who may export what (see ``lms.core.permissions``).

Every export of a program (progress, grades, attendance, eligibility) is for the program office;
readiness holds logistics (travel, dietary and accessibility needs, emergency contacts) and is for
coordinators only, always, like the readiness board (``lms.readiness.access.can_view_board``).
"""

from __future__ import annotations

from lms.readiness.access import can_view_board


def can_export(user, kind: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_coordinator:
        return False
    if kind == "readiness":
        return can_view_board(user)
    return True
