"""The dashboard's figures as bars with labels and links; the SVG is drawn by templates/dashboard/_charts.html.

Each bar links to the participant list narrowed to what it counts, so every
figure opens the list behind it.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from lms.admission.eligibility import status_label
from lms.core.timezones import country_name
from lms.dashboard.queries import BUCKETS, FUNNEL, Bar, Dashboard, ListFilters
from lms.reports.filters import Filters


def stage_label(stage: str) -> str:
    return {
        "active": _("Active"),
        "at_risk": _("At risk"),
        "eligible": _("Eligible"),
        "admitted": _("Admitted"),
        "confirmed": _("Confirmed"),
        "completed": _("Completed"),
        "withdrawn": _("Withdrawn"),
    }[stage]


def _list_url(program, filters: Filters, **narrowing) -> str:
    args = filters.as_args() | {key: value for key, value in narrowing.items() if value is not None}
    return url_for("dashboard.participants", program_id=program.id, **args)


def funnel_bars(program, board: Dashboard, filters: Filters) -> list[Bar]:
    bars = []
    for stage in FUNNEL:
        if not program.has_offline_phase and stage in ("admitted", "confirmed"):
            continue
        count = board.funnel.get(stage, 0)
        bars.append(Bar(stage_label(stage), count, count, _list_url(program, filters, stage=stage)))
    return bars


def distribution_bars(program, board: Dashboard, filters: Filters) -> list[Bar]:
    step = 100 // BUCKETS
    bars = []
    for index, count in enumerate(board.distribution):
        low = index * step
        high = 100 if index == BUCKETS - 1 else low + step - 1
        bars.append(Bar(f"{low}–{high}%", count, count, _list_url(program, filters, min=low, max=high)))
    return bars


def average_bars(program, filters: Filters, rows, kind: str) -> list[Bar]:
    bars = []
    for row_id, title, average, count in rows:
        narrowing = {kind: row_id}
        link = url_for("dashboard.participants", program_id=program.id, **(filters.as_args() | narrowing))
        bars.append(Bar(title, round(average), count, link,
                        note=_("%(num)d participants", num=count)))
    return bars


def country_bars(program, filters: Filters, rows) -> list[Bar]:
    bars = []
    for code, average, count in rows:
        label = country_name(code) if code else _("Country not set")
        link = url_for("dashboard.participants", program_id=program.id,
                       **(filters.as_args() | ({"country": code} if code else {})))
        bars.append(Bar(label, round(average), count, link, note=_("%(num)d participants", num=count)))
    return bars


def session_bars(board: Dashboard) -> list[Bar]:
    bars = []
    for session, attended, expected in board.sessions:
        percent = round(100 * attended / expected) if expected else 0
        bars.append(Bar(session.title, percent, attended,
                        url_for("attendance.report", session_id=session.id),
                        note=_("%(attended)d of %(expected)d", attended=attended, expected=expected)))
    return bars


def describe_narrowing(narrowed: ListFilters) -> list[str]:
    """What the list is narrowed to, in words, for its heading."""
    parts = []
    if narrowed.stage:
        parts.append(stage_label(narrowed.stage))
    if narrowed.eligibility:
        parts.append(status_label(narrowed.eligibility))
    if narrowed.min_percent is not None or narrowed.max_percent is not None:
        parts.append(_("progress %(low)d–%(high)d%%", low=narrowed.min_percent or 0,
                       high=100 if narrowed.max_percent is None else narrowed.max_percent))
    if narrowed.overdue:
        parts.append(_("with overdue items"))
    return parts
