"""Staff insight pages (role analyst): the dashboard, charts, target panel, board pack, exports and
response quality. Every figure comes from `analysis/` through `service` and `kpis`.

Exports of respondent-level data and every include/exclude decision write an audit record.
"""

from __future__ import annotations

import base64
import datetime as dt
import re

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..columns import utcnow
from ..extensions import db
from ..i18n import language_label
from ..models import Response as SurveyResponse
from ..questionnaire import Questionnaire
from ..registry import get_published
from ..staff.access import require_role
from ..staff.auth import current_staff, signed_in_staff
from . import boardpack, views
from .exports import build_export, codebook_frame, estimate_command, to_csv, to_excel
from .kpis import InsightError, weigh
from .models import REASON_MAX_LENGTH, ResponseReview
from .pdf import render_pdf
from .service import (
    ALL,
    LAST_FOUR,
    Filters,
    InsightUnavailable,
    first_measured_questionnaire,
    included_responses,
    insight,
    margins_in_use,
    unavailable,
    ward_estimates,
)
from .targets import Target, TargetFault, evaluate, load_targets, target_faults, targets_for
from .wards import WardModelError

bp = Blueprint("insight", __name__, url_prefix="/staff/insight")

ANALYST = "analyst"
QUARTER = re.compile(r"[0-9]{4}Q[1-4]")
PER_PAGE = 50
# The largest id an integer column holds on PostgreSQL: a larger one in an address names nothing.
LARGEST_ID = 2**31 - 1


def _questionnaire_or_404(questionnaire_id: str) -> Questionnaire:
    published = get_published(questionnaire_id)
    if published is None or not published.questionnaire.measures:
        abort(404)
    return published.questionnaire


@bp.errorhandler(InsightUnavailable)
def figures_unavailable(error: InsightUnavailable) -> tuple[str, int]:
    """The page that explains, for every page whose figures could not be worked out.

    503: the service cannot give these figures until the margins (or the fault) are put right.
    """
    published = get_published((request.view_args or {}).get("questionnaire_id", ""))
    staff = current_staff()
    return render_template(
        "insight/unavailable.html",
        error=error,
        questionnaire=published.questionnaire if published else None,
        can_fix=bool(staff and "admin" in staff.roles),
    ), 503


def _filters(questionnaire: Questionnaire) -> Filters:
    """The area and period asked for; anything else (a quarter with no responses, a made-up
    one) is ignored, as a filter that matches nothing would only show an empty page."""
    area = request.args.get("area", ALL)
    period = request.args.get("period", ALL)
    if area not in {place.value for place in questionnaire.places}:
        area = ALL
    if period not in (ALL, LAST_FOUR) and period not in insight(questionnaire).results.quarters:
        period = ALL
    return Filters(area, period)


def _measure(questionnaire: Questionnaire) -> str:
    ids = [m.id for _q, m in questionnaire.measures]
    chosen = request.args.get("measure", "")
    return chosen if chosen in ids else ids[0]


def _targets_and_faults(questionnaire: Questionnaire) -> tuple[list[Target], list[TargetFault]]:
    """The questionnaire's targets that it can show, and what is wrong with the others (logged)."""
    try:
        targets = load_targets(current_app.config["TARGETS_FILE"])
    except InsightError as error:
        current_app.logger.error("targets not shown: %s", error)
        return [], []
    faults = target_faults(targets, questionnaire)
    for fault in faults:
        current_app.logger.error("target not shown: %s", fault)
    return targets_for(targets, questionnaire), faults


def _targets(questionnaire: Questionnaire) -> list[Target]:
    return _targets_and_faults(questionnaire)[0]


def _today() -> dt.date:
    return utcnow().date()


@bp.get("")
@require_role(ANALYST)
def index():
    questionnaire = first_measured_questionnaire()
    if questionnaire is None:  # nothing to show yet: an analyst signing in gets the staff home
        return redirect(url_for("staff.home"))
    return redirect(url_for(".dashboard", questionnaire_id=questionnaire.id))


@bp.get("/<questionnaire_id>")
@require_role(ANALYST)
def dashboard(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    filters = _filters(questionnaire)
    measure = _measure(questionnaire)
    data = insight(questionnaire, filters)
    overall = insight(questionnaire)
    targets, faults = _targets_and_faults(questionnaire)
    panels = [evaluate(t, overall.results, _today()) for t in targets]
    return render_template(
        "insight/dashboard.html",
        questionnaire=questionnaire,
        data=data,
        filters=filters,
        measure=measure,
        panels=panels,
        target_faults=faults,
        views=views,
        period_options=views.period_options(overall.results),
        area_options=views.area_options(questionnaire),
    )


def svg_response(body: str | bytes, filename: str | None = None) -> Response:
    """An SVG picture, with a policy of its own that runs nothing; `filename` makes it a download."""
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<questionnaire_id>/chart.svg")
@require_role(ANALYST)
def chart(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    filters = _filters(questionnaire)
    measure = _measure(questionnaire)
    upto = request.args.get("upto")
    upto = upto if upto and QUARTER.fullmatch(upto) else None
    data = insight(questionnaire, Filters(area=filters.area))
    return svg_response(views.trend_chart(data.trend, measure, _targets(questionnaire), filters.area, upto))


@bp.get("/<questionnaire_id>/weighting")
@require_role(ANALYST)
def weighting(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    return render_template(
        "insight/weighting.html", questionnaire=questionnaire, data=insight(questionnaire), views=views
    )


# Wards ----------------------------------------------------------------------------------------


def _ward_period(quarters: tuple[str, ...]) -> str:
    chosen = request.args.get("period", "")
    return chosen if chosen in quarters or (chosen == LAST_FOUR and quarters) else quarters[-1]


@bp.get("/<questionnaire_id>/wards")
@require_role(ANALYST)
def wards(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    measure = _measure(questionnaire)
    quarters = insight(questionnaire).results.quarters
    period = _ward_period(quarters) if quarters else None
    estimates, problem = None, None
    if period is not None:
        try:
            estimates = ward_estimates(questionnaire, measure, period)
        except WardModelError as error:
            problem = error.reason
    return render_template(
        "insight/wards.html",
        questionnaire=questionnaire,
        measure=measure,
        period=period,
        period_options=views.ward_period_options(quarters),
        estimates=estimates,
        problem=problem,
        views=views,
    )


@bp.get("/<questionnaire_id>/wards/chart.svg")
@require_role(ANALYST)
def ward_chart(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    quarters = insight(questionnaire).results.quarters
    if not quarters:
        abort(404)
    try:
        estimates = ward_estimates(questionnaire, _measure(questionnaire), _ward_period(quarters))
    except WardModelError:
        abort(404)
    return svg_response(views.ward_chart(questionnaire, estimates))


# Board pack ---------------------------------------------------------------------------------


def _quarter(questionnaire: Questionnaire) -> str:
    quarters = insight(questionnaire).results.quarters
    if not quarters:
        abort(404)
    chosen = request.args.get("quarter", "")
    return chosen if chosen in quarters else quarters[-1]


def _pack(questionnaire: Questionnaire) -> boardpack.BoardPack:
    quarter = _quarter(questionnaire)
    return boardpack.build(questionnaire, insight(questionnaire), quarter, _targets(questionnaire))


@bp.get("/<questionnaire_id>/board-pack")
@require_role(ANALYST)
def board_pack(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    pack = _pack(questionnaire)
    return render_template(
        "insight/board_pack.html",
        questionnaire=questionnaire,
        pack=pack,
        views=views,
        charts_inline=None,
        quarters=list(reversed(insight(questionnaire).results.quarters)),
    )


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/<questionnaire_id>/board-pack.pdf")
@require_role(ANALYST)
def board_pack_pdf(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    pack = _pack(questionnaire)
    targets = _targets(questionnaire)
    inline = {}
    for m in pack.measures:
        svg = views.trend_chart(pack.insight.results, m.id, targets, upto=pack.quarter)
        inline[m.id] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    html = render_template(
        "insight/board_pack.html",
        questionnaire=questionnaire,
        pack=pack,
        views=views,
        charts_inline=inline,
        quarters=[],
        for_pdf=True,
    )
    static_folder = current_app.static_folder
    if static_folder is None:
        raise RuntimeError("the board pack's styles and fonts come from the static folder, and there is none")
    pdf = render_pdf(html, request.url_root, static_folder, url_for("static", filename=""))
    return _download(pdf, "application/pdf", f"board-pack-{pack.quarter}.pdf")


@bp.get("/<questionnaire_id>/board-pack.csv")
@require_role(ANALYST)
def board_pack_csv(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    pack = _pack(questionnaire)
    return _download(to_csv(boardpack.combined_table(pack)), "text/csv", f"board-pack-{pack.quarter}.csv")


@bp.get("/<questionnaire_id>/board-pack.xlsx")
@require_role(ANALYST)
def board_pack_xlsx(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    pack = _pack(questionnaire)
    workbook = to_excel(boardpack.sheets(pack), boardpack.PERCENT_COLUMNS)
    return _download(workbook, XLSX, f"board-pack-{pack.quarter}.xlsx")


# Exports ------------------------------------------------------------------------------------


def _export(questionnaire: Questionnaire):
    rows = included_responses(questionnaire.id)
    ids = [rid for rid, _r in rows]
    records = [r for _rid, r in rows]
    margins = margins_in_use(questionnaire)
    if not records:
        abort(404)
    try:
        weights, summary = weigh(questionnaire, records, margins.margins)
    except InsightError as error:
        raise unavailable(error, margins.name) from error
    return build_export(
        questionnaire,
        ids,
        records,
        list(weights),
        summary,
        lambda q, code: views.choice_label(questionnaire, q.id, code),
        language_label,
    )


@bp.get("/<questionnaire_id>/export")
@require_role(ANALYST)
def export_page(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    data = insight(questionnaire)
    weighting = data.results.weighting
    return render_template(
        "insight/export.html",
        questionnaire=questionnaire,
        data=data,
        views=views,
        command=estimate_command(questionnaire, weighting.variables if weighting else ()),
    )


@bp.get("/<questionnaire_id>/export/<kind>")
@require_role(ANALYST)
def export_download(questionnaire_id: str, kind: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    if kind not in ("responses.csv", "responses.xlsx", "codebook.csv", "margins_used.csv"):
        abort(404)
    export = _export(questionnaire)
    stamp = utcnow().strftime("%Y%m%d")
    name = f"{questionnaire.id}-{stamp}-{kind}"
    record("export_responses", None, questionnaire=questionnaire.id, file=kind, rows=len(export.data))
    db.session.commit()
    if kind == "responses.csv":
        return _download(to_csv(export.data), "text/csv", name)
    if kind == "codebook.csv":
        return _download(to_csv(codebook_frame(export)), "text/csv", name)
    if kind == "margins_used.csv":
        return _download(to_csv(export.margins), "text/csv", name)
    sheets = {"responses": export.data, "codebook": codebook_frame(export), "margins_used": export.margins}
    return _download(to_excel(sheets), XLSX, name)


# Response quality ---------------------------------------------------------------------------


@bp.get("/<questionnaire_id>/quality")
@require_role(ANALYST)
def quality(questionnaire_id: str):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    show = request.args.get("show", "flagged")
    query = sa.select(SurveyResponse).where(SurveyResponse.questionnaire_id == questionnaire.id)
    if show == "excluded":
        query = query.where(SurveyResponse.excluded.is_(True))
    else:
        show = "flagged"
        query = query.where(SurveyResponse.flagged.is_(True))
    responses = db.session.scalars(query.order_by(SurveyResponse.id.desc()).limit(PER_PAGE)).all()
    latest: dict[int, ResponseReview] = {}
    if responses:
        for review in db.session.scalars(
            sa.select(ResponseReview)
            .where(ResponseReview.response_id.in_([r.id for r in responses]))
            .order_by(ResponseReview.id)
        ):
            latest[review.response_id] = review
    return render_template(
        "insight/quality.html",
        questionnaire=questionnaire,
        responses=responses,
        latest=latest,
        show=show,
        views=views,
        data=insight(questionnaire),
        reason_max=REASON_MAX_LENGTH,
        errors={},
        values={},
    )


@bp.post(f"/<questionnaire_id>/quality/<int(max={LARGEST_ID}):response_id>")
@require_role(ANALYST)
def review(questionnaire_id: str, response_id: int):
    questionnaire = _questionnaire_or_404(questionnaire_id)
    response = db.session.get(SurveyResponse, response_id)
    if response is None or response.questionnaire_id != questionnaire.id:
        abort(404)
    decision = request.form.get("decision", "")
    # U+0000 is never typed, and PostgreSQL cannot store it: it is dropped.
    reason = request.form.get("reason", "").replace("\x00", "").strip()
    errors = {}
    if decision not in ("include", "exclude"):
        errors["decision"] = _("Select include or exclude")
    if not reason:
        errors["reason"] = _("Enter the reason for your decision")
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = _("The reason must be %(max)s characters or fewer", max=REASON_MAX_LENGTH)
    if errors:
        return render_template(
            "insight/review_error.html",
            questionnaire=questionnaire,
            response=response,
            errors=errors,
            values={"decision": decision, "reason": reason},
            reason_max=REASON_MAX_LENGTH,
            views=views,
        ), 400
    user = signed_in_staff()
    response.excluded = decision == "exclude"
    db.session.add(ResponseReview(response_id=response.id, decision=decision, reason=reason, user_id=user.id))
    record("review_response", None, response_id=response.id, decision=decision)
    db.session.commit()
    return redirect(
        url_for(".quality", questionnaire_id=questionnaire.id, show=request.args.get("show", "flagged"))
        + f"#response-{response.id}"
    )
