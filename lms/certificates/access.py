"""Who may see and do what with certificates (see ``lms.core.permissions``).

* The program's certificate list, issuing and revoking: the program office.
* A certificate's PDF: its owner and the program office (a revoked one: the office only,
  marked as revoked; the owner is told it was revoked).
* Verification by code: everyone (it shows only the name, the program and the dates).
"""

from __future__ import annotations

from lms.certificates.models import Certificate


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_manage_certificates(user) -> bool:
    return _signed_in(user) and user.is_coordinator


def is_owner(user, certificate: Certificate) -> bool:
    return _signed_in(user) and certificate.user_id == user.id


def can_download(user, certificate: Certificate) -> bool:
    return can_manage_certificates(user) or is_owner(user, certificate)
