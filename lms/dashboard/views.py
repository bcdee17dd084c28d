"""The program dashboard and the participant list behind its figures (coordinators)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from lms.core.permissions import coordinator_required
from lms.core.timezones import country_name
from lms.dashboard import charts, queries
from lms.extensions import db
from lms.programs.models import Program
from lms.reports.filters import Filters
from lms.reports.forms import ExportFilterForm

bp = Blueprint("dashboard", __name__)


@bp.app_template_filter("eligibility_label")
def eligibility_label(value: str) -> str:
    from lms.admission.eligibility import status_label

    return status_label(value)


def _filters(program):
    filters, problems = Filters.parse(request.args, program)
    form = ExportFilterForm(formdata=request.args)
    form.set_choices(program)
    form.show_problems(problems)
    return filters, form, problems


@bp.get("/programs/<int:program_id>/dashboard")
@coordinator_required
def program(program_id: int):
    program = db.get_or_404(Program, program_id)
    filters, form, problems = _filters(program)
    board = queries.build(program, filters)
    return render_template(
        "dashboard/program.html", program=program, board=board, form=form, filters=filters,
        funnel=charts.funnel_bars(program, board, filters),
        distribution=charts.distribution_bars(program, board, filters),
        by_module=charts.average_bars(program, filters, board.by_module, "module"),
        by_track=charts.average_bars(program, filters, board.by_track, "track"),
        by_country=charts.country_bars(program, filters, board.by_country),
        sessions=charts.session_bars(board),
    ), (400 if problems else 200)


@bp.get("/programs/<int:program_id>/dashboard/participants")
@coordinator_required
def participants(program_id: int):
    program = db.get_or_404(Program, program_id)
    filters, form, problems = _filters(program)
    narrowed = queries.ListFilters.from_args(request.args)
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    queries.ensure_fresh(program.id)
    db.session.commit()
    rows, total = queries.participant_list(program, filters, narrowed, page)
    pages = max(1, -(-total // queries.PER_PAGE))
    return render_template(
        "dashboard/participants.html", program=program, rows=rows, total=total, page=page, pages=pages,
        form=form, filters=filters, narrowed=narrowed, describe=charts.describe_narrowing(narrowed),
        country_name=country_name, page_args=filters.as_args() | narrowed.as_args(),
    ), (400 if problems else 200)
