"""Sign in and out, invitations, password reset, profile."""

from flask import Blueprint, redirect, url_for
from flask_login import logout_user

from lms.core.permissions import authenticated, public

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    return "login"  # filled in by the accounts work


@bp.post("/logout")
@authenticated
def logout():
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.get("/profile")
@authenticated
def profile():
    return "profile"


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token):
    return "invitation"
