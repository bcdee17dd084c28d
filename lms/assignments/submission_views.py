"""Participants hand in work: the assignment page, drafts, versions, receipts, my assignments."""

from flask import Blueprint

bp = Blueprint("submissions", __name__)
