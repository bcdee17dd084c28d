"""Pages of lms.reports: a program's exports (coordinators only).

* ``reports.index`` ``/programs/<program_id>/exports``: the filters (GET) and a download link per
  table and format, carrying the filters.
* ``reports.export`` ``/programs/<program_id>/exports/<kind>.<fmt>``: the file (kind: progress,
  grades, attendance, eligibility, readiness; fmt: csv, xlsx; anything else is 404). A filter the
  program does not have (another program's track, an unknown status) is refused with 400. Times are
  in the ``zone`` argument's zone (an IANA name), by default the downloader's own.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from lms.core.permissions import coordinator_required, require
from lms.core.timezones import viewer_timezone
from lms.extensions import db
from lms.programs.models import Program
from lms.reports import exports, writers
from lms.reports.access import can_export
from lms.reports.filters import Filters
from lms.reports.forms import ExportFilterForm, export_zone

bp = Blueprint("reports", __name__)

_KINDS = ", ".join(exports.KINDS)
_FORMATS = ", ".join(exports.FORMATS)


@bp.get("/programs/<int:program_id>/exports")
@coordinator_required
def index(program_id):
    program = db.get_or_404(Program, program_id)
    require(can_export(current_user, "progress"))
    filters, problems = Filters.parse(request.args, program)
    zone, zone_problem = export_zone(request.args, viewer_timezone())
    if zone_problem:
        problems["zone"] = zone_problem
    form = ExportFilterForm(formdata=request.args)
    form.set_choices(program)
    form.set_zone_choices(viewer_timezone())
    form.zone.data = zone
    form.show_problems(problems)
    kinds = [(kind, exports.kind_label(kind), exports.kind_description(kind))
             for kind in exports.KINDS if can_export(current_user, kind)]
    return render_template(
        "reports/index.html",
        program=program,
        form=form,
        filters=filters,
        zone=zone,
        kinds=kinds,
        formats=exports.FORMATS,
        count=exports.count_participants(program, filters),
        cli_example=_cli_example(program, filters, zone),
    ), (400 if problems else 200)


def _cli_example(program: Program, filters: Filters, zone: str) -> str:
    """The command that writes the same progress file, for scheduled jobs."""
    options = "".join(f" --{name} {value}" for name, value in {**filters.as_args(), "timezone": zone}.items())
    return (f"flask --app wsgi lms export progress --program {program.code} --format xlsx"
            f" --output progress.xlsx{options}")


@bp.get(f"/programs/<int:program_id>/exports/<any({_KINDS}):kind>.<any({_FORMATS}):fmt>")
@coordinator_required
def export(program_id, kind, fmt):
    program = db.get_or_404(Program, program_id)
    require(can_export(current_user, kind))
    filters, problems = Filters.parse(request.args, program)
    zone, zone_problem = export_zone(request.args, viewer_timezone())
    if problems or zone_problem:
        abort(400)
    table = exports.build(kind, program, filters, zone=zone)
    body = writers.write(table, fmt)
    name = exports.filename(program, kind, fmt)
    return current_app.response_class(
        body,
        content_type=writers.MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",  # personal data: not kept by browsers or proxies
        },
    )
