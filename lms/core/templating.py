"""What every template can use: navigation for the viewer's roles, form helpers."""

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# (endpoint, label, who sees it). Features add their pages here.
NAVIGATION = [
    ("home.index", _l("Home"), "authenticated"),
    ("programs.list_programs", _l("Programs"), "coordinator"),
    ("programs.list_organisations", _l("Organisations"), "coordinator"),
    ("programs.list_fields", _l("Fields"), "coordinator"),
    ("enrolment.people", _l("People"), "coordinator"),
    ("submissions.my_assignments", _l("Assignments"), "authenticated"),
    ("live_schedule.upcoming", _l("Live sessions"), "authenticated"),
    ("announcements.threads", _l("Messages"), "authenticated"),
]


def navigation_links():
    if not current_user.is_authenticated:
        return []
    links = []
    for endpoint, label, audience in NAVIGATION:
        if endpoint not in current_app.view_functions:
            continue
        if audience == "coordinator" and not current_user.is_coordinator:
            continue
        url = url_for(endpoint)
        links.append({"url": url, "label": label, "active": request.path.startswith(url) and url != "/"
                      or request.path == url})
    return links


def register_template_context(app) -> None:
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale

    @app.context_processor
    def inject_navigation():
        from lms.notifications.operations import unread_count_for_viewer

        # Called once by base.html: one query per page, none for signed-out visitors.
        return {"navigation_links": navigation_links, "unread_notifications": unread_count_for_viewer}
