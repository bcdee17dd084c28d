"""Coordinator pages for people: enrolment, invitations, CSV import."""

from flask import Blueprint

bp = Blueprint("enrolment", __name__)
