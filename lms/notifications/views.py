"""In-app notifications: the person's list, mark all read, open one (marks it read, follows its link)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.core.permissions import authenticated
from lms.extensions import db
from lms.notifications import operations
from lms.notifications.access import can_open_notification
from lms.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@authenticated
def index():
    page = request.args.get("page", 1, type=int) or 1
    pagination = operations.notifications_page(current_user, page=max(page, 1))
    unread_on_page = sum(1 for notification in pagination.items if notification.read_at is None)
    return render_template("notifications/index.html", pagination=pagination, unread_on_page=unread_on_page)


@bp.post("/read-all")
@authenticated
def mark_all_read():
    changed = operations.mark_read(current_user)
    db.session.commit()
    if changed:
        flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", changed),
              "success")
    else:
        flash(_("You have no unread notifications."), "info")
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/open", endpoint="open")
@authenticated
def open_notification(notification_id):
    notification = db.session.get(Notification, notification_id)
    # Another person's notification does not exist for you (404, not 403: ids reveal nothing).
    if not can_open_notification(current_user, notification):
        abort(404)
    link = operations.open_notification(notification)
    db.session.commit()
    if link:
        return redirect(link)
    if notification.link:  # not a path inside the site: never follow it
        return redirect(url_for("home.index"))
    return redirect(url_for("notifications.index"))
