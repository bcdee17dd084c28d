"""Program set-up operations: the rules behind the coordinator pages.

Views validate a form, call one of these, then commit. A rule that refuses
the change raises ``SetupError`` naming the form field where the message
belongs; a save over someone else's newer change raises
``lms.core.concurrency.EditConflict``.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.accounts.models import User, normalise_email
from lms.core.concurrency import check_version
from lms.core.database import utcnow
from lms.extensions import db
from lms.programs.models import Field, Group, Module, ModuleTrainer, Organisation, Program, Track

log = logging.getLogger(__name__)

UP = "up"
DOWN = "down"


class SetupError(Exception):
    """A set-up rule refused the change; ``field`` is the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# Uniqueness -------------------------------------------------------------------


def _name_taken(model, column, value, *, exclude_id=None, **scope):
    """The record (archived or not) whose ``column`` equals ``value`` ignoring case, if any."""
    query = select(model).where(func.lower(column) == (value or "").strip().lower())
    for name, scope_value in scope.items():
        query = query.where(getattr(model, name) == scope_value)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def _refuse_duplicate(existing, field: str, message_active, message_archived) -> None:
    if existing is None:
        return
    raise SetupError(field, str(message_archived if existing.is_archived else message_active))


def _apply(record, data: dict) -> None:
    for name, value in data.items():
        setattr(record, name, value)


# Choices for selects: active records, plus the current value even when archived ---------


def _label(text: str, archived: bool) -> str:
    return _("%(name)s (archived)", name=text) if archived else text


def _choices(model, order_by, label, current_id=None, *conditions):
    rows = db.session.scalars(select(model).where(*conditions).order_by(*order_by)).all()
    choices = [(row.id, _label(label(row), row.is_archived)) for row in rows if not row.is_archived or row.id == current_id]
    return choices


def host_organisation_choices(current_id=None):
    return _choices(
        Organisation, [Organisation.name], lambda org: org.name, current_id,
        (Organisation.kind == Organisation.HOST) | (Organisation.id == current_id),
    )


def organisation_choices(current_id=None):
    return _choices(Organisation, [Organisation.name], lambda org: org.name, current_id)


def field_choices(current_id=None):
    return _choices(Field, [Field.name], lambda field: field.name, current_id)


def track_choices(program: Program, current_id=None):
    return _choices(
        Track, [Track.position, Track.id], lambda track: track.name, current_id, Track.program_id == program.id
    )


# Archiving (never deleting) -----------------------------------------------------------


def archive(record, actor=None) -> bool:
    """Hide a record from new assignments; False when it already was archived."""
    if record.is_archived:
        return False
    record.archived_at = utcnow()
    log.info("%s archived %s %s", getattr(actor, "email", None), type(record).__name__, record.id)
    return True


def restore(record, actor=None) -> bool:
    """Bring an archived record back; False when it was not archived."""
    if not record.is_archived:
        return False
    record.archived_at = None
    log.info("%s restored %s %s", getattr(actor, "email", None), type(record).__name__, record.id)
    return True


def _move(record, siblings: list, direction: str) -> bool:
    """Swap ``record`` with its previous/next active sibling; False at either end."""
    if direction not in (UP, DOWN):
        raise ValueError(direction)
    for index, sibling in enumerate(siblings):  # distinct positions, in display order
        if sibling.position != index:
            sibling.position = index
    active = [sibling for sibling in siblings if not sibling.is_archived or sibling is record]
    index = active.index(record)
    neighbour_index = index - 1 if direction == UP else index + 1
    if neighbour_index < 0 or neighbour_index >= len(active):
        return False
    neighbour = active[neighbour_index]
    record.position, neighbour.position = neighbour.position, record.position
    return True


def _next_position(model, parent_column, parent_id) -> int:
    highest = db.session.scalar(select(func.max(model.position)).where(parent_column == parent_id))
    return 0 if highest is None else highest + 1


# Programs -----------------------------------------------------------------------------


def _check_program(data: dict, exclude_id=None) -> None:
    _refuse_duplicate(
        _name_taken(Program, Program.code, data["code"], exclude_id=exclude_id),
        "code",
        _l("Another program already uses this code. Choose a different one."),
        _l("An archived program already uses this code. Restore it, or choose a different code."),
    )
    if data["online_end"] < data["online_start"]:
        raise SetupError("online_end", _("The online phase cannot end before it starts."))
    host_id = data.get("host_organisation_id")
    if host_id is not None:
        host = db.session.get(Organisation, host_id)
        if host is None:
            raise SetupError("host_organisation_id", _("Choose an organisation from the list."))


def create_program(data: dict, actor=None) -> Program:
    _check_program(data)
    program = Program()
    _apply(program, data)
    db.session.add(program)
    db.session.flush()
    return program


def update_program(program: Program, data: dict, version, actor=None) -> Program:
    check_version(program, version)
    _check_program(data, exclude_id=program.id)
    _apply(program, data)
    db.session.flush()
    return program


def next_edition_defaults(program: Program) -> dict:
    """What a copy of ``program`` for its next edition starts from: the year moved on, the dates 52
    weeks later (the same weekdays), the name and code with the new year when they contain the old."""
    from datetime import timedelta

    year = program.year + 1
    shift = timedelta(weeks=52)

    def next_year(text: str | None) -> str | None:
        return text.replace(str(program.year), str(year)) if text else text

    return {
        "name": next_year(program.name),
        "code": next_year(program.code) if str(program.year) in program.code else f"{program.code}-{year}",
        "year": year,
        "description": program.description,
        "host_organisation_id": program.host_organisation_id,
        "timezone": program.timezone,
        "online_start": program.online_start + shift,
        "online_end": program.online_end + shift,
        "has_offline_phase": program.has_offline_phase,
        "participation_terms": program.participation_terms,
    }


def copy_program(source: Program, data: dict, actor=None) -> Program:
    """A new program from ``data`` with the set-up of ``source``: its active tracks (offline dates
    moved as much as the online phase moved; dates to be announced stay so) and their active modules
    with their field, organisation and trainers. People, groups and content are not copied."""
    program = create_program(data, actor)
    shift = program.online_start - source.online_start
    tracks = db.session.scalars(
        select(Track).where(Track.program_id == source.id, Track.archived_at.is_(None))
        .order_by(Track.position, Track.id)
    ).all()
    for position, track in enumerate(tracks):
        copy = Track(
            program=program, name=track.name, description=track.description, position=position,
            offline_start=track.offline_start + shift if track.offline_start else None,
            offline_end=track.offline_end + shift if track.offline_end else None,
            offline_location=track.offline_location, offline_timezone=track.offline_timezone,
            capacity=track.capacity,
        )
        db.session.add(copy)
        modules = [module for module in track.modules if not module.is_archived]
        for module_position, module in enumerate(modules):
            new_module = Module(
                track=copy, field_id=module.field_id, organisation_id=module.organisation_id, title=module.title,
                short_title=module.short_title, description=module.description, position=module_position,
            )
            db.session.add(new_module)
            for link in module.trainer_links:
                if link.user.deactivated_at is None:
                    new_module.trainer_links.append(ModuleTrainer(user_id=link.user_id))
    db.session.flush()
    log.info("%s copied program %s to %s", getattr(actor, "email", None), source.id, program.id)
    return program


# Tracks -------------------------------------------------------------------------------


def _check_track(program: Program, data: dict, exclude_id=None) -> None:
    _refuse_duplicate(
        _name_taken(Track, Track.name, data["name"], exclude_id=exclude_id, program_id=program.id),
        "name",
        _l("This program already has a track with this name."),
        _l("An archived track of this program has this name. Restore it, or choose a different name."),
    )
    start, end = data.get("offline_start"), data.get("offline_end")
    if (start is None) != (end is None):
        missing = "offline_end" if end is None else "offline_start"
        raise SetupError(missing, _("Enter both dates, or leave both empty (to be announced)."))
    if start is not None and end < start:
        raise SetupError("offline_end", _("The offline phase cannot end before it starts."))


def _offline_data(program: Program, data: dict) -> dict:
    """An online-only program ignores the offline fields (what was stored stays)."""
    if program.has_offline_phase:
        return data
    offline = ("offline_start", "offline_end", "offline_location", "offline_timezone")
    return {key: value for key, value in data.items() if key not in offline}


def create_track(program: Program, data: dict, actor=None) -> Track:
    data = _offline_data(program, data)
    _check_track(program, data)
    track = Track(program=program, position=_next_position(Track, Track.program_id, program.id))
    _apply(track, data)
    db.session.add(track)
    db.session.flush()
    return track


def update_track(track: Track, data: dict, version, actor=None) -> Track:
    check_version(track, version)
    data = _offline_data(track.program, data)
    merged = {"offline_start": track.offline_start, "offline_end": track.offline_end, **data}
    _check_track(track.program, merged, exclude_id=track.id)
    _apply(track, data)
    db.session.flush()
    return track


def move_track(track: Track, direction: str, actor=None) -> bool:
    siblings = db.session.scalars(
        select(Track).where(Track.program_id == track.program_id).order_by(Track.position, Track.id)
    ).all()
    return _move(track, list(siblings), direction)


# Modules ------------------------------------------------------------------------------


def _check_module(program: Program, data: dict, current: Module | None = None) -> None:
    track = db.session.get(Track, data["track_id"]) if data.get("track_id") is not None else None
    if track is None or track.program_id != program.id:
        raise SetupError("track_id", _("Choose a track of this program."))
    if track.is_archived and (current is None or current.track_id != track.id):
        raise SetupError("track_id", _("This track is archived. Restore it first, or choose another track."))
    field = db.session.get(Field, data["field_id"]) if data.get("field_id") is not None else None
    if field is None:
        raise SetupError("field_id", _("Choose the module's field."))
    if field.is_archived and (current is None or current.field_id != field.id):
        raise SetupError("field_id", _("This field is archived. Restore it first, or choose another field."))
    org_id = data.get("organisation_id")
    if org_id is not None:
        org = db.session.get(Organisation, org_id)
        if org is None:
            raise SetupError("organisation_id", _("Choose an organisation from the list."))
        if org.is_archived and (current is None or current.organisation_id != org.id):
            raise SetupError(
                "organisation_id", _("This organisation is archived. Restore it first, or choose another one.")
            )


def create_module(track: Track, data: dict, actor=None) -> Module:
    data = {"track_id": track.id, **data}
    _check_module(track.program, data)
    module = Module(position=_next_position(Module, Module.track_id, data["track_id"]))
    _apply(module, data)
    db.session.add(module)
    db.session.flush()
    return module


def update_module(module: Module, data: dict, version, actor=None) -> Module:
    check_version(module, version)
    data = {"track_id": module.track_id, **data}
    _check_module(module.track.program, data, current=module)
    if data["track_id"] != module.track_id:
        data["position"] = _next_position(Module, Module.track_id, data["track_id"])
    _apply(module, data)
    db.session.flush()
    db.session.expire(module, ["track"])
    return module


def move_module(module: Module, direction: str, actor=None) -> bool:
    siblings = db.session.scalars(
        select(Module).where(Module.track_id == module.track_id).order_by(Module.position, Module.id)
    ).all()
    return _move(module, list(siblings), direction)


def add_trainer(module: Module, user, actor=None) -> bool:
    """Make ``user`` a trainer of ``module``; False when they already were."""
    exists = db.session.scalar(
        select(ModuleTrainer).where(ModuleTrainer.module_id == module.id, ModuleTrainer.user_id == user.id)
    )
    if exists is not None:
        return False
    db.session.add(ModuleTrainer(module=module, user=user))
    db.session.flush()
    return True


def add_trainer_by_email(module: Module, email: str, actor=None) -> User:
    """Add the person with this email as a trainer; ``SetupError`` on "email" otherwise."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise SetupError(
            "email",
            _("No one has an account with this email yet. Invite them from the People page first, then add them here."),
        )
    if user.deactivated_at is not None:
        raise SetupError("email", _("This person's account is deactivated."))
    if not add_trainer(module, user, actor):
        raise SetupError("email", _("%(name)s is already a trainer of this module.", name=user.name))
    log.info("%s added trainer %s to module %s", getattr(actor, "email", None), user.email, module.id)
    return user


def remove_trainer(module: Module, user, actor=None) -> bool:
    """Remove ``user`` from the module's trainers; False when they were not one."""
    link = db.session.get(ModuleTrainer, (module.id, user.id))
    if link is None:
        return False
    if link in module.trainer_links:
        module.trainer_links.remove(link)  # delete-orphan: the link row goes, the person stays
    else:
        db.session.delete(link)
    db.session.flush()
    log.info("%s removed trainer %s from module %s", getattr(actor, "email", None), user.email, module.id)
    return True


# Fields -------------------------------------------------------------------------------


def _check_field(data: dict, exclude_id=None) -> None:
    _refuse_duplicate(
        _name_taken(Field, Field.name, data["name"], exclude_id=exclude_id),
        "name",
        _l("A field with this name already exists."),
        _l("An archived field has this name. Restore it instead of creating it again."),
    )


def create_field(data: dict, actor=None) -> Field:
    _check_field(data)
    field = Field(**data)
    db.session.add(field)
    db.session.flush()
    return field


def update_field(field: Field, data: dict, version, actor=None) -> Field:
    check_version(field, version)
    _check_field(data, exclude_id=field.id)
    _apply(field, data)
    db.session.flush()
    return field


# Organisations ------------------------------------------------------------------------


def _check_organisation(data: dict, exclude_id=None) -> None:
    _refuse_duplicate(
        _name_taken(Organisation, Organisation.name, data["name"], exclude_id=exclude_id),
        "name",
        _l("An organisation with this name already exists."),
        _l("An archived organisation has this name. Restore it instead of creating it again."),
    )
    if data.get("kind") not in Organisation.KINDS:
        raise SetupError("kind", _("Choose a kind from the list."))


def create_organisation(data: dict, actor=None) -> Organisation:
    _check_organisation(data)
    organisation = Organisation(**data)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(organisation: Organisation, data: dict, version, actor=None) -> Organisation:
    check_version(organisation, version)
    _check_organisation(data, exclude_id=organisation.id)
    _apply(organisation, data)
    db.session.flush()
    return organisation


# Groups -------------------------------------------------------------------------------


def _check_group(program: Program, data: dict, exclude_id=None) -> None:
    _refuse_duplicate(
        _name_taken(Group, Group.name, data["name"], exclude_id=exclude_id, program_id=program.id),
        "name",
        _l("This program already has a group with this name."),
        _l("An archived group of this program has this name. Restore it, or choose a different name."),
    )


def create_group(program: Program, data: dict, actor=None) -> Group:
    _check_group(program, data)
    group = Group(program=program, **data)
    db.session.add(group)
    db.session.flush()
    return group


def update_group(group: Group, data: dict, version, actor=None) -> Group:
    check_version(group, version)
    _check_group(group.program, data, exclude_id=group.id)
    _apply(group, data)
    db.session.flush()
    return group
