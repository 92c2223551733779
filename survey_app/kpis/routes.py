"""The board's KPI pages: the overview, the two sub-group dashboards, the charts and the board paper
(page, PDF, CSV and Excel). Entering figures and importing crime are in `entry.py`.

Every figure comes from `report` (and so from `analysis/`); these views only choose the quarter and
draw. Who may see what: analysts, administrators and data owners see the dashboards; the board paper
is the analysts' and administrators'.
"""

from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from ..insight.exports import to_csv, to_excel
from ..insight.pdf import render_pdf
from ..insight.routes import svg_response
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from . import paper, views
from .register import Register, RegisterError
from .report import Report, result_for
from .service import current_register, last_complete_quarter, report_for, reportable_quarters, valid_quarter
from .sources import DatabaseSources

bp = Blueprint("kpis", __name__, url_prefix="/staff/kpis")

VIEWERS = ("analyst", "admin", "data_owner")
PAPER_READERS = ("analyst", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegisterUnusable(Exception):
    """The register in use cannot be read: the page says so instead of failing."""


def register_unusable(error: RegisterUnusable):
    """Every KPI page (the entry and register pages too) says the register cannot be read."""
    return render_template("kpis/unavailable.html", detail=str(error)), 503


def register_in_use() -> Register:
    """The register every KPI page works from; one that cannot be read gets the page saying so."""
    try:
        return current_register()
    except RegisterError as error:
        current_app.logger.error("the KPI register cannot be read: %s", error)
        raise RegisterUnusable(str(error)) from None


def _chosen_quarter(register: Register) -> str:
    """The quarter asked for, if it is one of the strategy's that have ended; else the last one."""
    asked = request.args.get("quarter")
    return valid_quarter(asked, register) or last_complete_quarter()


def _report() -> Report:
    register = register_in_use()
    return report_for(_chosen_quarter(register), register)


def _can_enter() -> bool:
    return bool(signed_in_staff().roles & {"data_owner", "admin"})


def _can_import() -> bool:
    return bool(signed_in_staff().roles & {"analyst", "admin"})


def _page(template: str, report: Report, **context: object) -> str:
    return render_template(
        template,
        report=report,
        views=views,
        quarters=reportable_quarters(report.register),
        can_enter=_can_enter(),
        can_import=_can_import(),
        can_read_paper=bool(signed_in_staff().roles & set(PAPER_READERS)),
        **context,
    )


@bp.get("")
@require_role(*VIEWERS)
def overview():
    return _page("kpis/overview.html", _report())


@bp.get("/groups/<subgroup_id>")
@require_role(*VIEWERS)
def subgroup(subgroup_id: str):
    report = _report()
    group = report.register.subgroup(subgroup_id)
    if group is None:
        abort(404)
    return _page("kpis/subgroup.html", report, group=group, results=report.in_subgroup(group.id))


@bp.get("/charts/<kpi_id>.svg")
@require_role(*VIEWERS)
def chart(kpi_id: str):
    register = register_in_use()
    kpi = register.get(kpi_id)
    if kpi is None:
        abort(404)
    result = result_for(kpi, _chosen_quarter(register), register, DatabaseSources())
    line = request.args.get("line", "")
    if kpi.source == "survey":
        index = int(line) if line.isascii() and line.isdigit() and len(line) < 4 else -1
        if not 0 <= index < len(result.lines):
            abort(404)
        return svg_response(views.line_chart(result.lines[index]))
    return svg_response(views.kpi_chart(result))


# The board paper --------------------------------------------------------------------------------


def _paper_context(report: Report, for_pdf: bool) -> dict[str, object]:
    charts: dict[str, str] = {}
    if for_pdf:
        for key, svg in paper.charts(report).items():
            charts[key] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return {
        "paper": paper.build(report),
        "charts_inline": charts,
        "for_pdf": for_pdf,
    }


@bp.get("/board-paper")
@require_role(*PAPER_READERS)
def board_paper():
    report = _report()
    return _page("kpis/board_paper.html", report, **_paper_context(report, for_pdf=False))


@bp.get("/board-paper.pdf")
@require_role(*PAPER_READERS)
def board_paper_pdf():
    report = _report()
    html = _page("kpis/board_paper.html", report, **_paper_context(report, for_pdf=True))
    static_folder = current_app.static_folder
    if static_folder is None:
        raise RuntimeError("the board paper's styles come from the static folder, and there is none")
    pdf = render_pdf(html, request.url_root, static_folder, url_for("static", filename=""))
    return _download(pdf, "application/pdf", f"board-paper-{report.quarter}.pdf")


@bp.get("/board-paper.csv")
@require_role(*PAPER_READERS)
def board_paper_csv():
    report = _report()
    return _download(to_csv(paper.combined_table(report)), "text/csv", f"board-paper-{report.quarter}.csv")


@bp.get("/board-paper.xlsx")
@require_role(*PAPER_READERS)
def board_paper_xlsx():
    report = _report()
    workbook = to_excel(paper.sheets(report), paper.percent_columns(), paper.integer_columns())
    return _download(workbook, XLSX, f"board-paper-{report.quarter}.xlsx")


def _download(content: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
