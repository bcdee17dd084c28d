"""Coordinator pages for programs, tracks, modules, fields, organisations and groups."""

from flask import Blueprint

bp = Blueprint("programs", __name__, url_prefix="/programs")
