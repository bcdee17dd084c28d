"""Assignment settings for trainers: points, rubric, submission rules, late policy, extensions."""

from flask import Blueprint

bp = Blueprint("assignment_settings", __name__)
