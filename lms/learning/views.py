"""Participant pages: module outline, items, completion, progress, downloads."""

from flask import Blueprint

bp = Blueprint("learning", __name__)
