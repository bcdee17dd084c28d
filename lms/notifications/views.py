"""In-app notifications: the person's list, mark all read, open one (marks it read, follows its link);
the person's email preferences per kind (immediately, daily digest, off)."""

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


@bp.route("/preferences", methods=["GET", "POST"])
@authenticated
def preferences():
    """How the signed-in person hears of each kind that concerns them: immediately, daily digest or off."""
    from sqlalchemy.exc import IntegrityError

    from lms.notifications.forms import chosen_modes, preferences_form
    from lms.notifications.kinds import mode_labels

    shown = operations.preference_kinds(current_user)
    current = operations.current_modes(current_user, [kind.key for kind in shown])
    form = preferences_form(shown, current)
    if form.validate_on_submit():
        modes = chosen_modes(form, shown)
        try:
            operations.save_preferences(current_user, modes)
            db.session.commit()
        except IntegrityError:  # the same person saved in another tab at this very moment: once more
            db.session.rollback()
            operations.save_preferences(current_user, modes)
            db.session.commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    status = 400 if request.method == "POST" else 200
    return render_template("notifications/preferences.html", form=form, kinds=shown,
                           mode_labels=mode_labels()), status
