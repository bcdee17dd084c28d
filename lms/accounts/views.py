"""Sign in and out, invitations, password reset, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm.exc import StaleDataError

from lms.accounts import operations, tokens
from lms.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EndOtherSessionsForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    language_name,
)
from lms.accounts.models import AccountToken
from lms.core.concurrency import EditConflict, check_version
from lms.core.permissions import authenticated, public
from lms.extensions import db

bp = Blueprint("accounts", __name__)

# A link state beside those of ``tokens``: the invitation's person already chose a password.
ACCEPTED = "accepted"


# Helpers -----------------------------------------------------------------


def safe_next_url(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    if any(ord(char) < 32 or char == "\\" for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _too_many(minutes: int) -> str:
    return ngettext(
        "Too many failed attempts. Try again in %(num)d minute.",
        "Too many failed attempts. Try again in %(num)d minutes.",
        minutes,
    )


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _start_session(user, remember: bool = False) -> None:
    """A fresh session for ``user``: nothing from before signing in survives."""
    session.clear()
    login_user(user, remember=remember)


def _other_person_signed_in(token: AccountToken) -> bool:
    return current_user.is_authenticated and current_user.id != token.user_id


def _link_problem(kind: str, state: str):
    """The page shown for a link that cannot be used, with a fitting status."""
    status = 404 if state == tokens.UNKNOWN else 410
    return render_template("accounts/token_invalid.html", kind=kind, state=state), status


def _flash_for(user, message_factory, category: str = "success") -> None:
    """Flash a message in ``user``'s language: the page it shows on is rendered in it
    (the request began anonymous, or in the language the person just changed)."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        flash(message_factory(), category)


def _sign_out_first(token: AccountToken, kind: str):
    return render_template("accounts/sign_out_first.html", kind=kind)


# Signing in and out ------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
    status = 200
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data, _client_address())
        except operations.TooManyAttempts as refused:
            form.form_errors.append(_too_many(refused.minutes))
            status = 429
        else:
            db.session.commit()
            if user is not None:
                _start_session(user, remember=form.remember.data)
                return redirect(safe_next_url(form.next.data) or url_for("home.index"))
            form.form_errors.append(_("Email or password is incorrect."))
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@authenticated
def logout():
    session.clear()
    logout_user()  # after clearing: it also asks for the remember-me cookie to be removed
    flash(_("You have signed out."), "success")
    return redirect(url_for("accounts.login"))


# Invitations -------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token):
    record, state = tokens.lookup_token(token, AccountToken.INVITATION)
    if state != tokens.VALID:
        return _link_problem("invitation", state)
    person = record.user
    if person.deactivated_at is not None:
        return _link_problem("invitation", tokens.USED)
    if person.has_accepted_invitation:
        return _link_problem("invitation", ACCEPTED)
    if _other_person_signed_in(record):
        return _sign_out_first(record, "invitation")

    form = AcceptInvitationForm()
    form.person_email, form.person_name = person.email, person.name
    if request.method == "GET":
        form.timezone.data = person.timezone
        form.locale.data = person.locale if person.locale in current_app.config["LANGUAGES"] else "en"
    if form.validate_on_submit():
        try:
            user = operations.accept_invitation(record, form.new_password.data, form.timezone.data,
                                                form.locale.data, _client_address())
        except operations.LinkAlreadyUsed:
            db.session.rollback()
            return _link_problem("invitation", tokens.USED)
        db.session.commit()
        _start_session(user)
        _flash_for(user, lambda: _("Welcome, %(name)s! Your account is ready.", name=user.name))
        return redirect(url_for("home.index"))
    return render_template("accounts/accept_invitation.html", form=form, person=person,
                           expires_at=record.expires_at)


# Password reset ----------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _("If an account uses %(email)s, we have sent it a link to choose a new password. "
              "Check your mailbox (and the spam folder). The link works for %(n)d minutes.",
              email=form.email.data, n=current_app.config["PASSWORD_RESET_TTL_MINUTES"]),
            "info",
        )
        return redirect(url_for("accounts.forgot_password", sent=1))
    return render_template("accounts/forgot_password.html", form=form, sent=request.args.get("sent") == "1")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    record, state = tokens.lookup_token(token, AccountToken.PASSWORD_RESET)
    if state != tokens.VALID:
        return _link_problem("reset", state)
    person = record.user
    if not person.is_active:
        return _link_problem("reset", tokens.USED)
    if _other_person_signed_in(record):
        return _sign_out_first(record, "reset")

    form = ResetPasswordForm()
    form.person_email, form.person_name = person.email, person.name
    if form.validate_on_submit():
        try:
            user = operations.reset_password(record, form.new_password.data, _client_address())
        except operations.LinkAlreadyUsed:
            db.session.rollback()
            return _link_problem("reset", tokens.USED)
        db.session.commit()
        _start_session(user)
        _flash_for(user, lambda: _("Your password has been changed. You are signed in; every other session has "
                                   "been signed out."))
        return redirect(url_for("home.index"))
    return render_template("accounts/reset_password.html", form=form, person=person)


# Profile -----------------------------------------------------------------


def _render_profile(profile_form=None, password_form=None, conflict=None, status=200):
    user = current_user._get_current_object()
    if profile_form is None:
        profile_form = ProfileForm(obj=user, formdata=None)
        profile_form.country.data = user.country or ""
        profile_form.version.data = user.version
    return render_template(
        "accounts/profile.html",
        form=profile_form,
        password_form=password_form or ChangePasswordForm(formdata=None),
        roles=operations.roles_of(user),
        conflict=conflict,
        conflict_message=EditConflict.message,
        language_name=language_name,
    ), status


@bp.route("/profile", methods=["GET", "POST"])
@authenticated
def profile():
    if request.method == "GET":
        return _render_profile()
    user = current_user._get_current_object()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render_profile(profile_form=form)
    try:
        check_version(user, form.version.data)
        operations.update_profile(
            user,
            name=form.name.data,
            country=form.country.data,
            timezone=form.timezone.data,
            organisation=form.organisation.data,
            job_title=form.job_title.data,
            locale=form.locale.data,
        )
        db.session.commit()
    except (EditConflict, StaleDataError):
        db.session.rollback()
        db.session.refresh(user)
        # Saving again from the re-rendered form applies the typed values on top of theirs.
        form.version.data = user.version
        return _render_profile(profile_form=form, conflict=user)
    _flash_for(user, lambda: _("Your profile has been saved."))
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/password")
@authenticated
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    form.person_email, form.person_name = user.email, user.name
    if not form.validate_on_submit():
        return _render_profile(password_form=form)
    try:
        correct = operations.check_current_password(user, form.current_password.data, _client_address())
    except operations.TooManyAttempts as refused:
        form.current_password.errors.append(_too_many(refused.minutes))
        db.session.commit()
        return _render_profile(password_form=form, status=429)
    if not correct:
        db.session.commit()  # the failed attempt counts
        form.current_password.errors.append(_("This is not your current password."))
        return _render_profile(password_form=form)
    remember = _has_remember_cookie()
    operations.set_password(user, form.new_password.data)
    db.session.commit()
    _start_session(user, remember=remember)
    flash(_("Your password has been changed. Every other session has been signed out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.post("/profile/sessions/end-others")
@authenticated
def end_other_sessions():
    form = EndOtherSessionsForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.profile"))
    user = current_user._get_current_object()
    remember = _has_remember_cookie()
    operations.end_all_sessions(user)
    db.session.commit()
    _start_session(user, remember=remember)
    flash(_("You have been signed out everywhere else. This session stays signed in."), "success")
    return redirect(url_for("accounts.profile"))
