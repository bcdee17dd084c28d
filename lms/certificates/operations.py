"""Completion and certificates: who completed, issuing, revoking, verifying.

Completion is computed from the records, never stored:

* programs with an offline phase: an admitted or confirmed participant (or one
  already completed) who attended at least ``AdmissionRules.min_offline_percent``
  of the ended offline sessions meant for them (their program, track, module or
  group; archived sessions do not count), once none of theirs is still to come
  (so that attending the first session of the phase is not 100 %);
* online-only programs: a participant whose eligibility standing is
  ``eligible`` (every online condition of the rules met).

A certificate freezes what it says when it is issued (name, program, track,
module, organisations, dates), so later renames do not change a document
already handed out. One valid certificate per enrolment: issuing again returns
it. Revoking keeps the row (verification then says it was revoked).

These functions flush, never commit: views, commands and tests commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms.accounts.operations import absolute_url
from lms.admission.eligibility import (
    Standing,
    Status,
    evaluate,
    in_audience,
    needed_count,
    program_enrolments,
    rules_for,
)
from lms.admission.models import AdmissionRules
from lms.certificates.models import Certificate
from lms.core.database import utcnow
from lms.enrolment.models import OFFLINE_STATUSES, Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.live.models import LiveSession, Phase
from lms.notifications.operations import notify

# Verification codes: no 0/O, 1/I/L, so that a code read off paper is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16  # 31**16 ≈ 2**79: not guessable
BASIS_OFFLINE = "offline"
BASIS_ONLINE = "online"

# Who may complete the offline phase: admitted, confirmed, or already completed.
OFFLINE_COMPLETERS = (*OFFLINE_STATUSES, EnrolmentStatus.COMPLETED.value)


class NotCompleted(Exception):
    """Issuing a certificate to someone who has not completed, without an override reason."""

    def __init__(self, completion: Completion):
        super().__init__("not completed")
        self.completion = completion


class ReasonRequired(ValueError):
    """Revoking needs a reason."""


def site_url(endpoint: str, **values) -> str:
    """``absolute_url`` in a request; in a command or a test, the same address built from the URL map."""
    if has_request_context():
        return absolute_url(endpoint, **values)
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return current_app.config["SITE_URL"] + path


# --------------------------------------------------------------------------
# Completion
# --------------------------------------------------------------------------


@dataclass
class Completion:
    """Whether one participant completed their program, and the numbers behind it."""

    enrolment: Enrolment
    basis: str  # offline | online
    completed: bool
    reasons: list[str] = field(default_factory=list)  # why not, in words with numbers
    message: str = ""  # the numbers, completed or not: "attended 5 of 8 offline sessions, 7 needed"
    attended: int = 0  # offline basis: of the ended sessions
    total: int = 0  # ended offline sessions
    needed: int = 0
    upcoming: int = 0  # offline sessions not ended yet
    required_percent: int = 0
    standing: Standing | None = None  # online basis

    @property
    def is_offline(self) -> bool:
        return self.basis == BASIS_OFFLINE


@dataclass
class OfflineShare:
    attended: int  # of the ended sessions
    total: int  # ended sessions
    upcoming: int  # sessions not ended yet


def _upcoming_offline(enrolments: Sequence[Enrolment], now: datetime) -> dict[int, int]:
    """{enrolment_id: offline sessions of their audience not ended yet (not archived)}; one query."""
    sessions = list(db.session.scalars(
        select(LiveSession)
        .where(LiveSession.program_id.in_({enrolment.program_id for enrolment in enrolments}),
               LiveSession.phase == Phase.OFFLINE.value, LiveSession.archived_at.is_(None),
               LiveSession.ends_at > now)
    ))
    return {enrolment.id: sum(in_audience(session, enrolment) for session in sessions) for enrolment in enrolments}


def offline_attendance_shares(enrolments: Sequence[Enrolment], now: datetime | None = None
                              ) -> dict[int, OfflineShare]:
    """{enrolment_id: OfflineShare}: the ended offline sessions of each participant's audience, how many
    they attended (a check-in, or a coordinator's correction), and how many are still to come.
    A constant number of queries whatever the number of people."""
    from lms.offline.operations import offline_attendance_shares as ended_shares

    now = now or utcnow()
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ended = ended_shares(enrolments, now=now)
    upcoming = _upcoming_offline(enrolments, now)
    return {enrolment.id: OfflineShare(*ended[enrolment.id], upcoming[enrolment.id]) for enrolment in enrolments}


def _offline_completion(enrolment: Enrolment, share: OfflineShare, rules: AdmissionRules) -> Completion:
    """Completed: admitted (or confirmed, or completed), the offline phase over for them (none of their
    sessions still to come) and at least the rule's share of their sessions attended."""
    percent = rules.min_offline_percent
    needed = needed_count(share.total, percent)
    result = Completion(enrolment, BASIS_OFFLINE, False, attended=share.attended, total=share.total,
                        needed=needed, upcoming=share.upcoming, required_percent=percent)
    if share.total:
        result.message = ngettext("attended %(done)d of %(total)d offline session, %(needed)d needed",
                                  "attended %(done)d of %(total)d offline sessions, %(needed)d needed",
                                  share.total, done=share.attended, total=share.total, needed=needed)
    elif share.upcoming:
        result.message = _("no offline session has ended yet")
    else:
        result.message = _("no offline sessions scheduled yet")
    if enrolment.status not in OFFLINE_COMPLETERS:
        result.reasons.append(_("not admitted to the offline phase (%(status)s)",
                                status=enrolment.status_label.lower()))
    if share.total and share.attended < needed:
        result.reasons.append(result.message)
    if share.upcoming:
        result.reasons.append(ngettext("the offline phase is not over: %(num)d session still to come",
                                       "the offline phase is not over: %(num)d sessions still to come",
                                       share.upcoming))
    elif not share.total:
        result.reasons.append(result.message)
    result.completed = not result.reasons
    return result


def _online_completion(enrolment: Enrolment, standing: Standing) -> Completion:
    completed = standing.status is Status.ELIGIBLE
    met = [condition.message for condition in standing.conditions if condition.applies]
    return Completion(enrolment, BASIS_ONLINE, completed, reasons=[] if completed else standing.reasons,
                      message="; ".join(met) or _("every online condition met"), standing=standing)


def completion_status(enrolments: Iterable[Enrolment], now: datetime | None = None) -> dict[int, Completion]:
    """{enrolment_id: Completion} for many enrolments (any programs) in a constant number of queries.

    The enrolments' programs should be loaded (``program_enrolments`` does it).
    """
    now = now or utcnow()
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    offline = [enrolment for enrolment in enrolments if enrolment.program.has_offline_phase]
    online = [enrolment for enrolment in enrolments if not enrolment.program.has_offline_phase]
    result: dict[int, Completion] = {}
    if offline:
        program_ids = {enrolment.program_id for enrolment in offline}
        saved: dict[int, dict] = {program_id: {} for program_id in program_ids}
        for rules in db.session.scalars(select(AdmissionRules).where(AdmissionRules.program_id.in_(program_ids))):
            saved[rules.program_id][rules.track_id] = rules
        shares = offline_attendance_shares(offline, now)
        for enrolment in offline:
            rules = rules_for(enrolment.program_id, enrolment.track_id, saved[enrolment.program_id])
            result[enrolment.id] = _offline_completion(enrolment, shares[enrolment.id], rules)
    if online:
        standings = evaluate(online, now)
        for enrolment in online:
            result[enrolment.id] = _online_completion(enrolment, standings[enrolment.id])
    return result


def completion_of(enrolment: Enrolment, now: datetime | None = None) -> Completion:
    return completion_status([enrolment], now)[enrolment.id]


# --------------------------------------------------------------------------
# Reading certificates
# --------------------------------------------------------------------------


def valid_certificates(enrolment_ids) -> dict[int, Certificate]:
    """{enrolment_id: its valid (not revoked) certificate}; one query."""
    ids = list(set(enrolment_ids))
    if not ids:
        return {}
    return {certificate.enrolment_id: certificate for certificate in db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(ids), Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at, Certificate.id))}


def certificates_by_enrolment(enrolment_ids) -> dict[int, list[Certificate]]:
    """{enrolment_id: every certificate, newest first}; one query."""
    ids = list(set(enrolment_ids))
    result: dict[int, list[Certificate]] = {enrolment_id: [] for enrolment_id in ids}
    if not ids:
        return result
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(ids))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ):
        result[certificate.enrolment_id].append(certificate)
    return result


def normalise_code(code: str | None) -> str:
    """What people type or read: lower case, spaces and dashes are forgiven."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:64]


def format_code(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS: easier to read aloud and copy."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def verify(code: str | None) -> Certificate | None:
    """The certificate with this verification code (revoked ones too), or None."""
    code = normalise_code(code)
    if not code:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def new_code() -> str:
    """A random code not used yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


# --------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def frozen_details(enrolment: Enrolment, completion: Completion, override_reason: str | None) -> dict:
    """What the certificate says, as of now."""
    program = enrolment.program
    track = enrolment.track
    module = enrolment.module
    organisation = module.organisation if module is not None else None
    host = program.host_organisation
    if completion.is_offline and track is not None and track.offline_start and track.offline_end:
        start, end, zone = track.offline_start, track.offline_end, track.offline_timezone
    else:
        start, end, zone = program.online_start, program.online_end, program.timezone
    details = {
        "name": enrolment.user.name,
        "program": program.name,
        "program_code": program.code,
        "track": track.name if track else None,
        "module": module.title if module else None,
        "organisation": organisation.name if organisation else None,
        "host_organisation": host.name if host else None,
        "start": _iso(start),
        "end": _iso(end),
        "timezone": zone,
        "location": track.offline_location if completion.is_offline and track else None,
        "basis": completion.basis,
        "completion": completion.message,
    }
    if override_reason:
        details["override_reason"] = override_reason
        details["unmet"] = completion.reasons
    return details


def _lock_enrolment(enrolment: Enrolment) -> None:
    """Serialise issuing per enrolment (PostgreSQL row lock) so that two coordinators issuing at once
    cannot create two valid certificates. SQLite serialises writers anyway."""
    db.session.execute(select(Enrolment.id).where(Enrolment.id == enrolment.id).with_for_update())


def _issue(enrolment: Enrolment, actor, completion: Completion, override_reason: str | None,
           now: datetime) -> Certificate:
    certificate = Certificate(
        enrolment_id=enrolment.id,
        user_id=enrolment.user_id,
        program_id=enrolment.program_id,
        code=new_code(),
        details=frozen_details(enrolment, completion, override_reason),
        issued_at=now,
        issued_by_id=actor.id if actor is not None else None,
    )
    db.session.add(certificate)
    db.session.add(EnrolmentEvent(enrolment=enrolment, at=now, actor_id=certificate.issued_by_id,
                                  action="certificate", from_status=enrolment.status,
                                  to_status=EnrolmentStatus.COMPLETED.value, note=override_reason))
    enrolment.status = EnrolmentStatus.COMPLETED.value
    db.session.flush()
    _tell_issued(certificate, enrolment)
    return certificate


def issue_certificate(enrolment: Enrolment, actor, *, override_reason: str | None = None,
                      now: datetime | None = None) -> Certificate:
    """Issue the participant's certificate (or return the valid one they have).

    Someone who has not completed gets one only with ``override_reason``,
    which is recorded (on the certificate's details and the enrolment's
    history). Raises ``NotCompleted`` before changing anything.
    """
    now = now or utcnow()
    override_reason = (override_reason or "").strip() or None
    _lock_enrolment(enrolment)
    existing = valid_certificates([enrolment.id]).get(enrolment.id)
    if existing is not None:
        return existing
    completion = completion_of(enrolment, now)
    if not completion.completed and not override_reason:
        raise NotCompleted(completion)
    return _issue(enrolment, actor, completion, None if completion.completed else override_reason, now)


def issue_all(program, actor, now: datetime | None = None) -> list[Certificate]:
    """A certificate for everyone in the program who completed and has no valid one yet."""
    now = now or utcnow()
    enrolments = program_enrolments(program.id)
    completions = completion_status(enrolments, now)
    certified = valid_certificates(enrolment.id for enrolment in enrolments)
    issued = []
    for enrolment in enrolments:
        if enrolment.id in certified or not completions[enrolment.id].completed:
            continue
        _lock_enrolment(enrolment)
        if valid_certificates([enrolment.id]):
            continue  # issued meanwhile by someone else
        issued.append(_issue(enrolment, actor, completions[enrolment.id], None, now))
    return issued


def _tell_issued(certificate: Certificate, enrolment: Enrolment) -> None:
    user = enrolment.user
    program_name = certificate.details.get("program") or enrolment.program.name
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        title = _("Your certificate for %(program)s", program=program_name)
        body = _("Congratulations: you completed the program. Your certificate is ready to download.")
        download = site_url("certificates.download", certificate_id=certificate.id)
        # In-app, and by email as the person chose (the email carries the download and check links).
        notify(user, "certificate", title, body,
               link=urlsplit(site_url("certificates.mine")).path,
               email_template="certificates/mail_issued.txt",
               download=download, verify=site_url("certificates.verify", code=certificate.code),
               code=format_code(certificate.code))


# --------------------------------------------------------------------------
# Revoking
# --------------------------------------------------------------------------


def revoke(certificate: Certificate, actor, reason: str | None, now: datetime | None = None) -> Certificate:
    """Revoke a certificate; the row stays and verification says it was revoked (not why).

    A reason is required (``ReasonRequired``). Revoking a revoked certificate changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("a reason is required")
    if certificate.is_revoked:
        return certificate
    now = now or utcnow()
    certificate.revoked_at = now
    certificate.revoked_by_id = actor.id if actor is not None else None
    certificate.revocation_reason = reason
    enrolment = certificate.enrolment
    db.session.add(EnrolmentEvent(enrolment=enrolment, at=now, actor_id=certificate.revoked_by_id,
                                  action="certificate_revoked", from_status=enrolment.status,
                                  to_status=enrolment.status, note=reason))
    user = certificate.user
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        notify(user, "certificate",
               _("Your certificate for %(program)s was revoked", program=certificate.details.get("program", "")),
               _("Please contact the program office if you have questions."),
               link=urlsplit(site_url("certificates.mine")).path)
    db.session.flush()
    return certificate
