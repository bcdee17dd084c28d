"""Admission operations: changing the rules, deciding on participants.

Views (HTML forms, bulk actions) and tests call these; they flush but do not
commit, so a caller's transaction stays whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.accounts.operations import absolute_url
from lms.admission.eligibility import Standing, Status, evaluate, rules_by_track
from lms.admission.models import AdmissionDecision, AdmissionRules, AdmissionRulesChange
from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.enrolment.models import OFFLINE_STATUSES, Enrolment, EnrolmentEvent, EnrolmentStatus
from lms.extensions import db
from lms.notifications.operations import notify
from lms.programs.models import Track

DECISIONS = (EnrolmentStatus.ADMITTED.value, EnrolmentStatus.WAITLISTED.value, EnrolmentStatus.NOT_ADMITTED.value)
RULE_FIELDS = ("min_items_percent", "require_assignments_passed", "min_live_percent", "min_average_grade",
               "decide_by", "min_offline_percent")


class OverrideNeedsReason(Exception):
    """A decision against the rules was asked for without a reason."""

    def __init__(self, enrolments: Sequence[Enrolment]):
        super().__init__("override needs a reason")
        self.enrolments = list(enrolments)


class CapacityExceeded(Exception):
    """Admitting these people would put a track over its capacity; ask before going on."""

    def __init__(self, overflows: list[tuple[Track, int, int]]):
        super().__init__("capacity exceeded")
        self.overflows = overflows  # (track, places taken after the decision, capacity)


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def save_rules(program, track_id: int | None, values: dict, actor, expected_version=None,
               note: str | None = None) -> AdmissionRules:
    """Create or change a program's (``track_id`` None) or a track's rules and record the change.

    ``expected_version`` is the version the form was opened on (None for
    rules not saved yet); a concurrent edit raises ``EditConflict``.
    """
    saved = rules_by_track(program.id)
    rules = saved.get(track_id)
    before = rules.snapshot() if rules is not None else None
    if rules is None:
        rules = AdmissionRules.defaults(program.id, track_id)
        db.session.add(rules)
        # Inserted with the defaults first: an INSERT leaves out None values, so the column default
        # would replace a None asked for below (no minimum average grade); an UPDATE writes NULL.
        db.session.flush()
    elif expected_version is not None:
        check_version(rules, expected_version)
    for name in RULE_FIELDS:
        if name in values:
            setattr(rules, name, values[name])
    rules.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    after = rules.snapshot()
    if before != after:
        db.session.add(AdmissionRulesChange(program_id=program.id, track_id=track_id,
                                            changed_by_id=actor.id if actor is not None else None,
                                            before=before, after=after, note=note))
        db.session.flush()
    return rules


def remove_track_rules(program, track_id: int, actor, note: str | None = None) -> bool:
    """The track follows the program's rules again. The row goes; the change record keeps what it said."""
    rules = rules_by_track(program.id).get(track_id)
    if rules is None:
        return False
    db.session.add(AdmissionRulesChange(program_id=program.id, track_id=track_id,
                                        changed_by_id=actor.id if actor is not None else None,
                                        before=rules.snapshot(), after=None, note=note))
    db.session.delete(rules)
    db.session.flush()
    return True


def rules_history(program_id: int) -> list[AdmissionRulesChange]:
    return list(db.session.scalars(
        select(AdmissionRulesChange).where(AdmissionRulesChange.program_id == program_id)
        .options(selectinload(AdmissionRulesChange.changed_by), selectinload(AdmissionRulesChange.track))
        .order_by(AdmissionRulesChange.changed_at.desc(), AdmissionRulesChange.id.desc())))


# --------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------


def is_override(decision: str, standing: Standing) -> bool:
    """Admitting someone the rules do not make eligible, or refusing someone they do."""
    if decision == EnrolmentStatus.ADMITTED.value:
        return standing.status is not Status.ELIGIBLE
    if decision == EnrolmentStatus.NOT_ADMITTED.value:
        return standing.status is Status.ELIGIBLE
    return False


def places_taken(track_ids) -> dict[int, int]:
    """{track_id: admitted or confirmed participants}; one query."""
    track_ids = [track_id for track_id in set(track_ids) if track_id is not None]
    taken = {track_id: 0 for track_id in track_ids}
    if not track_ids:
        return taken
    for track_id, count in db.session.execute(
        select(Enrolment.track_id, func.count(Enrolment.id))
        .where(Enrolment.track_id.in_(track_ids), Enrolment.status.in_(OFFLINE_STATUSES))
        .group_by(Enrolment.track_id)
    ):
        taken[track_id] = count
    return taken


def capacity_overflows(enrolments: Sequence[Enrolment], decision: str) -> list[tuple[Track, int, int]]:
    """The tracks that admitting ``enrolments`` would put over capacity: (track, taken after, capacity)."""
    if decision != EnrolmentStatus.ADMITTED.value:
        return []
    newcomers = Counter(enrolment.track_id for enrolment in enrolments
                        if enrolment.track_id is not None and enrolment.status not in OFFLINE_STATUSES)
    if not newcomers:
        return []
    taken = places_taken(newcomers)
    tracks = {enrolment.track_id: enrolment.track for enrolment in enrolments if enrolment.track_id in newcomers}
    overflows = []
    for track_id, count in newcomers.items():
        track = tracks[track_id]
        if track.capacity is not None and taken[track_id] + count > track.capacity:
            overflows.append((track, taken[track_id] + count, track.capacity))
    return overflows


def _lock_tracks(track_ids) -> None:
    """Serialise admissions per track (PostgreSQL row locks) so that two coordinators admitting at once
    cannot both take the last place unnoticed. SQLite serialises writers anyway."""
    ids = sorted({track_id for track_id in track_ids if track_id is not None})
    if ids:
        db.session.execute(select(Track.id).where(Track.id.in_(ids)).order_by(Track.id).with_for_update())


def decide(enrolments: Sequence[Enrolment], decision: str, actor, *, reason: str | None = None,
           confirm_over_capacity: bool = False, now: datetime | None = None) -> list[AdmissionDecision]:
    """Admit, waitlist or not admit participants, one or many at once.

    Every decision is recorded with the eligibility at that moment and the
    rules in force; a decision against the rules needs ``reason``; admitting
    beyond a track's capacity raises ``CapacityExceeded`` unless confirmed.
    Each participant is notified in the app and by email (after commit).
    Raises before changing anything.
    """
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    reason = (reason or "").strip() or None
    enrolments = list(enrolments)
    if decision == EnrolmentStatus.ADMITTED.value:
        _lock_tracks(enrolment.track_id for enrolment in enrolments)
    now = now or utcnow()
    standings = evaluate(enrolments, now)
    overrides = [enrolment for enrolment in enrolments if is_override(decision, standings[enrolment.id])]
    if overrides and not reason:
        raise OverrideNeedsReason(overrides)
    overflows = capacity_overflows(enrolments, decision)
    if overflows and not confirm_over_capacity:
        raise CapacityExceeded(overflows)
    over_capacity_tracks = {track.id for track, _taken, _capacity in overflows}

    records = []
    for enrolment in enrolments:
        standing = standings[enrolment.id]
        record = AdmissionDecision(
            enrolment_id=enrolment.id,
            decision=decision,
            eligibility_status=standing.status.value,
            is_override=is_override(decision, standing),
            over_capacity=enrolment.track_id in over_capacity_tracks,
            reason=reason,
            rules_snapshot=standing.rules.snapshot(),
            decided_by_id=actor.id if actor is not None else None,
            decided_at=now,
        )
        db.session.add(record)
        records.append(record)
        if enrolment.status != decision:
            db.session.add(EnrolmentEvent(enrolment=enrolment, at=now, actor_id=record.decided_by_id,
                                          action="admission", from_status=enrolment.status,
                                          to_status=decision, note=reason))
            enrolment.status = decision
        _tell_participant(enrolment, decision)
    db.session.flush()
    return records


def _tell_participant(enrolment: Enrolment, decision: str) -> None:
    user = enrolment.user
    program = enrolment.program
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        title, body = {
            EnrolmentStatus.ADMITTED.value: (
                _("You are admitted to the offline phase of %(program)s", program=program.name),
                _("Please confirm your attendance and give your travel details."),
            ),
            EnrolmentStatus.WAITLISTED.value: (
                _("You are on the waiting list for the offline phase of %(program)s", program=program.name),
                _("We will tell you as soon as a place becomes free."),
            ),
            EnrolmentStatus.NOT_ADMITTED.value: (
                _("Decision on the offline phase of %(program)s", program=program.name),
                _("You have not been admitted to the offline phase. You keep access to the online segment."),
            ),
        }[decision]
        link = absolute_url("admission.my_standing", program_id=program.id)
        # In-app, and by email as the person chose (the email links to the same page).
        notify(user, "admission", title, body, link=urlsplit(link).path,
               email_template="mail/admission_decision.txt", program=program)


def decisions_for(enrolment_ids) -> dict[int, list[AdmissionDecision]]:
    """{enrolment_id: decisions, newest first}; one query."""
    ids = list(set(enrolment_ids))
    result: dict[int, list[AdmissionDecision]] = {enrolment_id: [] for enrolment_id in ids}
    if not ids:
        return result
    for record in db.session.scalars(
        select(AdmissionDecision).where(AdmissionDecision.enrolment_id.in_(ids))
        .order_by(AdmissionDecision.decided_at.desc(), AdmissionDecision.id.desc())
    ):
        result[record.enrolment_id].append(record)
    return result


def latest_decisions(enrolment_ids) -> dict[int, AdmissionDecision]:
    """{enrolment_id: the newest decision} for those that have one, with who decided; two queries."""
    ids = list(set(enrolment_ids))
    if not ids:
        return {}
    latest: dict[int, AdmissionDecision] = {}
    for record in db.session.scalars(
        select(AdmissionDecision).where(AdmissionDecision.enrolment_id.in_(ids))
        .options(selectinload(AdmissionDecision.decided_by))
        .order_by(AdmissionDecision.decided_at.desc(), AdmissionDecision.id.desc())
    ):
        latest.setdefault(record.enrolment_id, record)
    return latest
