"""Every kind of notification the platform sends, with its label and how it is emailed by default.

A person chooses per kind (``NotificationPreference``): immediately, in the
daily digest, or off (in-app only). Without a choice, the kind's default
applies. ``notify`` refuses a kind missing here in testing (so a new kind
cannot ship without a label and a default) and logs it in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

IMMEDIATELY = "immediately"
DIGEST = "digest"
OFF = "off"
MODES = (IMMEDIATELY, DIGEST, OFF)

PARTICIPANT = "participant"
TRAINER = "trainer"
COORDINATOR = "coordinator"
EVERYONE = frozenset({PARTICIPANT, TRAINER, COORDINATOR})


@dataclass(frozen=True)
class Kind:
    key: str
    label: object  # a lazy string
    description: object  # a lazy string
    default: str = IMMEDIATELY
    roles: frozenset = frozenset({PARTICIPANT})
    # Coordinators hear of some kinds for many people at once: their own default (None: ``default``).
    coordinator_default: str | None = None

    def default_for(self, user) -> str:
        if self.coordinator_default and getattr(user, "is_coordinator", False):
            return self.coordinator_default
        return self.default


GRADE_RELEASED = "grade_released"
RESUBMISSION_REQUESTED = "resubmission_requested"
DEADLINE_REMINDER = "deadline_reminder"
LIVE_REMINDER = "live_reminder"
AT_RISK_NUDGE = "at_risk_nudge"
ADMISSION = "admission"
READINESS = "readiness"
OUTPUT_HIDDEN = "output_hidden"
CERTIFICATE = "certificate"
ANNOUNCEMENT = "announcement"
MESSAGE = "message"

_ALL = (
    Kind(GRADE_RELEASED, _l("Grade released"),
         _l("A trainer released the grade of your work.")),
    Kind(RESUBMISSION_REQUESTED, _l("Resubmission requested"),
         _l("A trainer asks you for a new version of your work.")),
    Kind(DEADLINE_REMINDER, _l("Deadline reminders"),
         _l("24 hours before an assignment is due, if you have not submitted it.")),
    Kind(LIVE_REMINDER, _l("Live session reminders"),
         _l("15 minutes before a live session of yours starts.")),
    Kind(AT_RISK_NUDGE, _l("Falling behind"),
         _l("At most once a week, when you are behind what the offline phase needs.")),
    Kind(ADMISSION, _l("Admission decisions"),
         _l("Decisions on your place in the offline phase.")),
    Kind(READINESS, _l("Offline phase confirmations"),
         _l("Confirmations and declines of places in the offline phase."),
         roles=frozenset({PARTICIPANT, COORDINATOR}), coordinator_default=DIGEST),
    Kind(OUTPUT_HIDDEN, _l("Outputs taken off the showcase"),
         _l("The program office took one of your outputs off the showcase.")),
    Kind(CERTIFICATE, _l("Certificates"),
         _l("Your certificate is ready, or was revoked.")),
    Kind(ANNOUNCEMENT, _l("Announcements"),
         _l("Announcements to your program, track, module or group."), roles=EVERYONE),
    Kind(MESSAGE, _l("Messages"),
         _l("New messages in your conversations with trainers and the program office."), roles=EVERYONE),
)

KINDS: dict[str, Kind] = {kind.key: kind for kind in _ALL}


class UnknownKind(ValueError):
    """A notification of a kind missing from the registry."""


def get_kind(key: str) -> Kind | None:
    return KINDS.get(key)


def default_mode(key: str, user) -> str:
    kind = KINDS.get(key)
    return kind.default_for(user) if kind is not None else IMMEDIATELY


def kinds_for_roles(roles) -> list[Kind]:
    """The kinds that concern someone with these roles, in the registry's order."""
    roles = set(roles)
    return [kind for kind in _ALL if kind.roles & roles]


def mode_labels() -> dict[str, str]:
    return {IMMEDIATELY: _l("Immediately"), DIGEST: _l("Daily digest"), OFF: _l("Off")}
