"""Loading the signed-in person from the session cookie."""

from lms.extensions import db


def load_user(session_id: str):
    """Session ids are "<user id>:<session version>": bumping the version
    (password change, sign out everywhere) ends every other session."""
    from lms.accounts.models import User

    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user
