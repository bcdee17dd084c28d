"""Live session pages: the schedule, the room page, calendars, attendance reports."""

from flask import Blueprint

bp = Blueprint("live", __name__)
