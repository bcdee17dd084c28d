"""Live session pages: the schedule, the room page, calendars, attendance reports."""

from flask import Blueprint

from lms.core.permissions import authenticated, require

bp = Blueprint("live", __name__)


# The live room ----------------------------------------------------------------------------------

@bp.get("/live/<int:session_id>/room")
@authenticated
def room(session_id: int):
    """The room: its record so far rendered on the server (read-only once ended); live over Socket.IO."""
    from flask import abort, redirect, render_template, url_for
    from flask_login import current_user

    from lms.extensions import db
    from lms.live import room as live_room
    from lms.live.access import can_join, can_moderate, release_lock
    from lms.live.models import LiveSession, Phase

    session = db.session.get(LiveSession, session_id)
    if session is None or session.archived_at is not None:
        abort(404)
    if session.phase != Phase.ONLINE.value:  # an offline session has no room: its own page instead
        return redirect(url_for("offline.session", session_id=session.id))
    require(can_join(current_user, session))
    if release_lock(current_user, session) is not None:  # the item's page says why and what unlocks it
        return redirect(url_for("learning.item", item_id=session.item_id))
    return render_template("live/room.html", session=session, record=live_room.room_record(session),
                           moderator=can_moderate(current_user, session),
                           muted=live_room.is_muted(session, current_user))
