from flask import Blueprint

from lms.core.permissions import authenticated

bp = Blueprint("home", __name__)


@bp.get("/")
@authenticated
def index():
    return "home"
