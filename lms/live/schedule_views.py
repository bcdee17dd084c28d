"""The schedule of live sessions, .ics downloads and personal calendar subscriptions."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.database import utcnow
from lms.core.permissions import authenticated, public, require
from lms.core.timezones import viewer_timezone
from lms.extensions import db
from lms.live import calendar as ical
from lms.live import schedule
from lms.live.access import can_join
from lms.live.models import LiveSession

bp = Blueprint("live_schedule", __name__, url_prefix="/schedule")

HOME_BOX_LIMIT = 3


def _has_room() -> bool:
    return "live.room" in current_app.view_functions


@bp.app_template_global()
def live_room_available() -> bool:
    """True once the live room page exists (templates link to it then)."""
    return _has_room()


@bp.app_template_global()
def upcoming_live_sessions(limit: int = HOME_BOX_LIMIT):
    """The home page's box: the viewer's next live sessions (a constant number of queries)."""
    if not current_user.is_authenticated:
        return []
    return schedule.build_schedule(current_user, viewer_timezone(), past_days=0, limit=limit).upcoming


@bp.app_template_global()
def live_session_of_item(item):
    """The LiveSession of a live-session item (read only; None when it has none yet)."""
    from sqlalchemy import select

    return db.session.scalar(select(LiveSession).where(LiveSession.item_id == item.id,
                                                       LiveSession.archived_at.is_(None)))


@bp.get("/")
@authenticated
def upcoming():
    zone = viewer_timezone()
    return render_template(
        "live/schedule/upcoming.html",
        schedule=schedule.build_schedule(current_user, zone),
        past_days=schedule.UPCOMING_PAST_DAYS,
        has_room=_has_room(),
        viewer_zone=zone,
    )


@bp.get("/sessions/<int:session_id>.ics")
@authenticated
def session_ics(session_id):
    session = db.session.get(LiveSession, session_id)
    if session is None or session.archived_at is not None:
        abort(404)
    require(can_join(current_user, session))
    body = ical.build_calendar([session])
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{ical.session_filename(session)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/feed/<token>.ics")
@public
def feed(token):
    """A calendar program's subscription: authenticated only by the secret token in the address."""
    user = schedule.user_for_feed_token(token)
    if user is None:
        abort(404)
    sessions = schedule.sessions_for(user, ended_since=utcnow() - timedelta(days=schedule.FEED_PAST_DAYS))
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = ical.build_calendar(sessions, name=_("Live sessions · %(name)s", name=user.name))
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="live-sessions.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _feed_urls(feed):
    if feed is None:
        return None, None
    address = ical.site_url() + url_for("live_schedule.feed", token=feed.token)
    webcal = "webcal://" + address.split("://", 1)[1]
    return address, webcal


@bp.get("/calendar")
@authenticated
def calendar():
    feed = schedule.feed_of(current_user)
    address, webcal = _feed_urls(feed)
    return render_template("live/schedule/calendar.html", feed=feed, address=address, webcal=webcal)


@bp.post("/calendar")
@authenticated
def create_calendar():
    existed = schedule.feed_of(current_user) is not None
    schedule.create_feed(current_user)
    db.session.commit()
    if not existed:
        flash(_("Your calendar address is ready. Add it to your calendar program."), "success")
    return redirect(url_for("live_schedule.calendar"))


@bp.post("/calendar/renew")
@authenticated
def renew_calendar():
    schedule.renew_feed(current_user)
    db.session.commit()
    flash(_("Your calendar address was renewed. The old address no longer works: "
            "subscribe again with the new one."), "success")
    return redirect(url_for("live_schedule.calendar"))
