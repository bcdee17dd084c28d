"""Who may see and change outputs and a program's showcase (record rules).

* An output belongs to a participant (``user_id``) or to their group in the
  program (``group_id``). Its authors are that participant, or every member of
  that group, as long as their enrolment lets them follow the program
  (``LEARNING_STATUSES``: any status past the invitation and not withdrawn).
  Coordinators may edit any output.
* Drafts are their authors' (and coordinators') alone.
* The showcase lists published outputs that no coordinator hid. It is open to
  the program's members (participants, the program's trainers, coordinators)
  and, once a coordinator published it, to everyone, signed in or not. Files
  of listed outputs follow the showcase's rule.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.learning.access import LEARNING_STATUSES, is_program_trainer
from lms.outputs.models import Output, Showcase


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def participant_enrolment(user, program_id: int) -> Enrolment | None:
    """The user's enrolment in the program when it lets them follow it (any learning status)."""
    if not _signed_in(user):
        return None
    return db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.program_id == program_id,
            Enrolment.status.in_(LEARNING_STATUSES),
        )
    )


def is_program_member(user, program_id: int) -> bool:
    """Participants of the program, trainers of its modules, coordinators."""
    if not _signed_in(user):
        return False
    if user.is_coordinator:
        return True
    return participant_enrolment(user, program_id) is not None or is_program_trainer(user, program_id)


def can_view_outputs_page(user, program_id: int) -> bool:
    """The "outputs" page: the program's participants (their own) and coordinators (all)."""
    if not _signed_in(user):
        return False
    return user.is_coordinator or participant_enrolment(user, program_id) is not None


def can_create_output(user, program_id: int) -> bool:
    """Participants create outputs (coordinators edit them, they do not author them)."""
    return participant_enrolment(user, program_id) is not None


def is_output_author(user, output: Output, enrolment: Enrolment | None = None) -> bool:
    """The participant who owns the output, or any member of the group that owns it."""
    if not _signed_in(user):
        return False
    if enrolment is None:
        enrolment = participant_enrolment(user, output.program_id)
    if enrolment is None or enrolment.program_id != output.program_id:
        return False
    if output.group_id is not None:
        return enrolment.group_id == output.group_id
    return output.user_id == user.id


def can_edit_output(user, output: Output) -> bool:
    """Edit, publish or unpublish, add or remove files: its authors and coordinators."""
    if not _signed_in(user):
        return False
    return user.is_coordinator or is_output_author(user, output)


def can_moderate_showcase(user) -> bool:
    """Publish the showcase, edit its introduction, hide an output: the program office."""
    return _signed_in(user) and user.is_coordinator


def showcase_is_public(showcase: Showcase | None) -> bool:
    return showcase is not None and showcase.published_at is not None


def can_view_showcase(user, program_id: int, showcase: Showcase | None) -> bool:
    return showcase_is_public(showcase) or is_program_member(user, program_id)


def can_download_output_file(user, output: Output, showcase: Showcase | None) -> bool:
    """Authors and coordinators always; others when the output is on a showcase they may see."""
    if can_edit_output(user, output):
        return True
    return output.on_showcase and can_view_showcase(user, output.program_id, showcase)
