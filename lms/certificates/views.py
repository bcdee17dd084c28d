"""Pages of certificates.

* ``program``: a program's participants with their completion and certificate; issue one (with an
  override reason when the person has not completed), issue all, revoke (coordinators).
* ``download``: a certificate's PDF, for its owner and coordinators. A revoked one: the owner is told
  it was revoked (410); coordinators get it marked REVOKED.
* ``verify``: public, by code: only the name, the program and the dates, and whether it is genuine.
* ``mine``: the signed-in person's certificates and where they stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.admission.eligibility import NOT_EVALUATED, program_enrolments
from lms.certificates import operations as ops
from lms.certificates.access import can_download, can_manage_certificates, is_owner
from lms.certificates.forms import IssueAllForm, IssueForm, RevokeForm, VerifyForm
from lms.certificates.models import Certificate
from lms.core.permissions import authenticated, coordinator_required, public, require
from lms.core.timezones import format_day
from lms.enrolment.models import Enrolment
from lms.extensions import db
from lms.programs.models import Module, Program

bp = Blueprint("certificates", __name__)


@bp.app_template_filter("certificate_day")
def certificate_day(value: str | None) -> str:
    """A date frozen on a certificate (ISO text), shown in the viewer's language."""
    return format_day(date.fromisoformat(value)) if value else ""


def _load_program(program_id: int) -> Program:
    program = db.session.get(Program, program_id)
    if program is None:
        abort(404)
    return program


def _load_certificate(certificate_id: int) -> Certificate:
    certificate = db.session.scalar(
        select(Certificate).where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.user), joinedload(Certificate.enrolment))
    )
    if certificate is None:
        abort(404)
    return certificate


@dataclass
class Row:
    enrolment: Enrolment
    completion: ops.Completion
    certificates: list[Certificate]  # newest first

    @property
    def valid(self) -> Certificate | None:
        return next((certificate for certificate in self.certificates if not certificate.is_revoked), None)

    @property
    def revoked(self) -> Certificate | None:
        return next((certificate for certificate in self.certificates if certificate.is_revoked), None)

    @property
    def state(self) -> str:
        if self.valid is not None:
            return "issued"
        if self.revoked is not None:
            return "revoked"
        return "none"


STATE_FILTERS = ("completed", "not_completed", "issued", "revoked", "none")


def _rows(program: Program) -> list[Row]:
    """Everyone in the program, with completion and certificates, in a constant number of queries.
    Invited and withdrawn people appear only when they have a certificate."""
    enrolments = program_enrolments(program.id, include_inactive=True)
    certificates = ops.certificates_by_enrolment(enrolment.id for enrolment in enrolments)
    enrolments = [enrolment for enrolment in enrolments
                  if enrolment.status not in NOT_EVALUATED or certificates[enrolment.id]]
    completions = ops.completion_status(enrolments)
    rows = [Row(enrolment, completions[enrolment.id], certificates[enrolment.id]) for enrolment in enrolments]
    rows.sort(key=lambda row: (row.enrolment.user.name.casefold(), row.enrolment.id))
    return rows


@bp.get("/programs/<int:program_id>/certificates")
@coordinator_required
def program(program_id):
    program = _load_program(program_id)
    require(can_manage_certificates(current_user))
    rows = _rows(program)
    counts = {
        "participants": len(rows),
        "completed": sum(row.completion.completed for row in rows),
        "issued": sum(row.state == "issued" for row in rows),
        "revoked": sum(row.state == "revoked" for row in rows),
    }
    counts["to_issue"] = sum(row.completion.completed and row.valid is None for row in rows)
    track_id = request.args.get("track", type=int)
    shown = request.args.get("show", "")
    if track_id:
        rows = [row for row in rows if row.enrolment.track_id == track_id]
    if shown in STATE_FILTERS:
        rows = [row for row in rows if {
            "completed": row.completion.completed,
            "not_completed": not row.completion.completed,
            "issued": row.state == "issued",
            "revoked": row.state == "revoked",
            "none": row.state == "none",
        }[shown]]
    return render_template(
        "certificates/program.html",
        program=program,
        rows=rows,
        counts=counts,
        tracks=program.tracks,
        track_id=track_id,
        shown=shown if shown in STATE_FILTERS else "",
        issue_all_form=IssueAllForm(),
        format_code=ops.format_code,
    )


@bp.post("/programs/<int:program_id>/certificates/issue-all")
@coordinator_required
def issue_all(program_id):
    program = _load_program(program_id)
    require(can_manage_certificates(current_user))
    form = IssueAllForm()
    if form.validate_on_submit():
        issued = ops.issue_all(program, current_user)
        db.session.commit()
        if issued:
            flash(ngettext("%(num)d certificate was issued.", "%(num)d certificates were issued.", len(issued)),
                  "success")
        else:
            flash(_("Everyone who completed already has a certificate."), "info")
    return redirect(url_for("certificates.program", program_id=program.id))


@bp.route("/programs/<int:program_id>/certificates/issue/<int:enrolment_id>", methods=["GET", "POST"])
@coordinator_required
def issue(program_id, enrolment_id):
    program = _load_program(program_id)
    require(can_manage_certificates(current_user))
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.program_id == program.id)
        .options(joinedload(Enrolment.user), joinedload(Enrolment.track),
                 joinedload(Enrolment.module).joinedload(Module.organisation), joinedload(Enrolment.program))
    )
    if enrolment is None:
        abort(404)
    back = url_for("certificates.program", program_id=program.id)
    existing = ops.valid_certificates([enrolment.id]).get(enrolment.id)
    if existing is not None:
        flash(_("%(name)s already has a valid certificate.", name=enrolment.user.name), "info")
        return redirect(back)
    completion = ops.completion_of(enrolment)
    form = IssueForm()
    if form.validate_on_submit():
        reason = (form.override_reason.data or "").strip()
        if not completion.completed and not reason:
            form.override_reason.errors.append(
                _("%(name)s has not completed: give the reason for issuing anyway.", name=enrolment.user.name))
        else:
            try:
                ops.issue_certificate(enrolment, current_user, override_reason=reason or None)
            except ops.NotCompleted as error:  # completion changed since the page was shown
                completion = error.completion
                form.override_reason.errors.append(
                    _("%(name)s has not completed: give the reason for issuing anyway.",
                      name=enrolment.user.name))
            else:
                db.session.commit()
                flash(_("A certificate was issued to %(name)s.", name=enrolment.user.name), "success")
                return redirect(back)
    status = 400 if form.errors else 200
    return render_template("certificates/issue.html", program=program, enrolment=enrolment,
                           completion=completion, form=form), status


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@coordinator_required
def revoke(certificate_id):
    certificate = _load_certificate(certificate_id)
    require(can_manage_certificates(current_user))
    back = url_for("certificates.program", program_id=certificate.program_id)
    if certificate.is_revoked:
        flash(_("This certificate was already revoked."), "info")
        return redirect(back)
    form = RevokeForm()
    if form.validate_on_submit():
        ops.revoke(certificate, current_user, form.reason.data)
        db.session.commit()
        flash(_("The certificate of %(name)s was revoked.", name=certificate.details.get("name", "")), "success")
        return redirect(back)
    status = 400 if form.is_submitted() else 200
    return render_template("certificates/revoke.html", certificate=certificate, form=form,
                           code=ops.format_code(certificate.code)), status


def _filename(certificate: Certificate) -> str:
    return f"certificate-{certificate.code}.pdf"


@bp.get("/certificates/<int:certificate_id>.pdf")
@authenticated
def download(certificate_id):
    certificate = _load_certificate(certificate_id)
    require(can_download(current_user, certificate))
    coordinator = can_manage_certificates(current_user)
    if certificate.is_revoked and not coordinator:
        return render_template("certificates/revoked.html", certificate=certificate), 410
    from lms.certificates.pdf import render_certificate  # the PDF library loads only when needed

    data = render_certificate(certificate, mark_revoked=certificate.is_revoked)
    return current_app.response_class(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{_filename(certificate)}"',
                 "Cache-Control": "private, no-store"},
    )


@bp.get("/verify")
@public
def verify_form():
    form = VerifyForm(formdata=request.args or None)
    if request.args and form.validate():
        code = ops.normalise_code(form.code.data)
        if code:
            return redirect(url_for("certificates.verify", code=code))
        form.code.errors.append(_("Enter the code printed on the certificate."))
    status = 400 if request.args and form.errors else 200
    return render_template("certificates/verify_form.html", form=form), status


@bp.get("/verify/<code>")
@public
def verify(code):
    canonical = ops.normalise_code(code)
    if canonical and canonical != code:
        return redirect(url_for("certificates.verify", code=canonical))
    certificate = ops.verify(canonical)
    if certificate is None:
        return render_template("certificates/verify_unknown.html", code=code[:64], form=VerifyForm()), 404
    details = certificate.details or {}
    return render_template("certificates/verify.html", certificate=certificate, details=details,
                           code=ops.format_code(certificate.code))


@bp.get("/my/certificates")
@authenticated
def mine():
    enrolments = list(db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == current_user.id, Enrolment.status.not_in(NOT_EVALUATED))
        .options(selectinload(Enrolment.program), selectinload(Enrolment.track), selectinload(Enrolment.module),
                 selectinload(Enrolment.group), selectinload(Enrolment.user))
        .order_by(Enrolment.id.desc())
    ))
    certificates = list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))
    valid = {certificate.enrolment_id for certificate in certificates if not certificate.is_revoked}
    pending = [enrolment for enrolment in enrolments if enrolment.id not in valid]
    completions = ops.completion_status(pending)
    return render_template("certificates/mine.html", certificates=certificates,
                           pending=[(enrolment, completions[enrolment.id]) for enrolment in pending],
                           format_code=ops.format_code, is_owner=is_owner)
