"""Pages of lms.announcements (being built)."""

from flask import Blueprint

bp = Blueprint("announcements", __name__)
