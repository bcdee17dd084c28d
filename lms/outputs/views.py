"""Pages of lms.outputs (being built)."""

from flask import Blueprint

bp = Blueprint("outputs", __name__)
