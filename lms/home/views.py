"""Each role's home page: one page whose sections follow what the person is."""

from flask import Blueprint, render_template
from flask_babel import format_timedelta
from flask_login import current_user

from lms.core.permissions import authenticated
from lms.core.timezones import viewer_timezone
from lms.home import queries

bp = Blueprint("home", __name__)


@bp.context_processor
def inject_home_helpers():
    return {"format_timedelta": format_timedelta}


@bp.get("/")
@authenticated
def index():
    user = current_user._get_current_object()
    enrolments = queries.participant_programs(user)
    modules = queries.trainer_modules(user)
    programs = queries.coordinator_programs() if user.is_coordinator else None
    has_role = bool(enrolments or modules or user.is_coordinator)
    contacts = [] if has_role else queries.program_office_contacts()
    return render_template(
        "home/index.html",
        enrolments=enrolments,
        modules=modules,
        programs=programs,
        has_role=has_role,
        contacts=contacts,
        viewer_zone=viewer_timezone(),
    )
