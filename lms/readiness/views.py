"""Pages of lms.readiness (being built)."""

from flask import Blueprint

bp = Blueprint("readiness", __name__)
