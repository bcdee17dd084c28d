"""Pages of lms.admission (being built)."""

from flask import Blueprint

from lms.core.permissions import authenticated

bp = Blueprint("admission", __name__)


@bp.get("/programs/<int:program_id>/offline-phase")
@authenticated
def my_standing(program_id: int):
    """The participant's checklist "What you need for the offline phase" (the admission helper fills it)."""
    from flask import abort

    abort(404)
