"""Pages of lms.offline (being built)."""

from flask import Blueprint

bp = Blueprint("offline", __name__)
