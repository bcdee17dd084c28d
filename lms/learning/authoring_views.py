"""Authoring pages for trainers and coordinators: units and items."""

from flask import Blueprint

bp = Blueprint("authoring", __name__)
