"""Grading: the queue, the grading page, release, gradebook and CSV export."""

from flask import Blueprint

bp = Blueprint("grading", __name__)
