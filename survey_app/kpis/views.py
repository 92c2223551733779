"""How the KPIs read on the pages and in the board paper: every figure in words and numbers a board
member expects (percentages, whole numbers, "1st of 10", UK dates), translated, and counts below
the small-count threshold as "fewer than 5" wherever a figure leaves the partnership."""

from __future__ import annotations

import math

from babel.lists import format_list
from flask import current_app
from flask_babel import format_decimal, format_number, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..formats import date_text
from ..insight import charts
from ..insight.views import period_label, quarter_label  # noqa: F401 - the pages use them from here
from .crime import LEFT_OUT_REASONS
from .rates import PeriodRates
from .register import Kpi
from .report import (
    MET,
    NO_DATA,
    NOT_YET_SHOWN,
    OFF_TRACK,
    ON_TRACK,
    STATUSES,
    KpiResult,
    Point,
    SurveyLine,
    quarter_end,  # noqa: F401 - the pages use it from here
)

STATUS_NAMES = {
    MET: _l("Met"),
    ON_TRACK: _l("On track"),
    NOT_YET_SHOWN: _l("Not yet shown"),
    OFF_TRACK: _l("Off track"),
    NO_DATA: _l("No data"),
}
STATUS_RULES = {
    MET: _l(
        "The target has been reached, and the exact test shows the change from the baseline is more than "
        "chance. For a headcount: the figure has reached the target. For the crime position: Trafford is "
        "in its baseline position or better."
    ),
    ON_TRACK: _l(
        "The figure has moved from the baseline towards the target by more than chance, but has not "
        "reached it, and the target date has not passed."
    ),
    NOT_YET_SHOWN: _l(
        "The change from the baseline cannot yet be told from chance (the figure may even have reached "
        "the target), and the target date has not passed."
    ),
    OFF_TRACK: _l(
        "The figure has moved away from the target by more than chance, or the target date has passed "
        "without the target being met. For the crime position: Trafford has fallen below its baseline "
        "position."
    ),
    NO_DATA: _l("No figure for the quarter: a figure was not entered, or a month of crime was not imported."),
}
UNIT_NAMES = {
    "count": _l("Count in the quarter"),
    "headcount": _l("People in post"),
    "rank": _l("Position of 10 (1 = lowest crime rate)"),
    "proportion": _l("Per cent"),
}
LEFT_OUT_NAMES = {
    "not_a_crime": _l("Anti-social behaviour (not recorded crime)"),
    "no_location": _l("No location"),
    "outside_area": _l("Outside Greater Manchester"),
}
CRIME_TYPES = {
    "Violence and sexual offences": _l("Violence and sexual offences"),
    "Public order": _l("Public order"),
    "Criminal damage and arson": _l("Criminal damage and arson"),
    "Shoplifting": _l("Shoplifting"),
    "Other theft": _l("Other theft"),
    "Vehicle crime": _l("Vehicle crime"),
    "Burglary": _l("Burglary"),
    "Theft from the person": _l("Theft from the person"),
    "Drugs": _l("Drugs"),
    "Robbery": _l("Robbery"),
    "Bicycle theft": _l("Bicycle theft"),
    "Possession of weapons": _l("Possession of weapons"),
    "Other crime": _l("Other crime"),
}
assert set(LEFT_OUT_NAMES) == set(LEFT_OUT_REASONS) and set(STATUS_NAMES) == set(STATUSES)  # noqa: S101


def status_name(status: str | None) -> str:
    return str(STATUS_NAMES.get(status or NO_DATA, status or ""))


def status_rule(status: str) -> str:
    return str(STATUS_RULES[status])


def statuses() -> tuple[str, ...]:
    return (MET, ON_TRACK, NOT_YET_SHOWN, OFF_TRACK, NO_DATA)


def crime_type_name(name: str | None) -> str:
    return _("All crimes") if name is None else str(CRIME_TYPES.get(name, name))


def left_out_name(reason: str) -> str:
    return str(LEFT_OUT_NAMES.get(reason, reason))


def small_below() -> int:
    return int(current_app.config["KPI_SMALL_COUNT_BELOW"])


def count(value: float | None, *, public: bool = False) -> str:
    """A whole number; in anything that leaves the partnership, a small count as "fewer than N"."""
    if value is None:
        return ""
    if public and 0 < value < small_below():
        return _("fewer than %(n)s", n=small_below())
    return format_number(round(value))


def percent(value: float | None) -> str:
    return "" if value is None else format_percent(value, "#,##0.0%")


def rate(value: float | None) -> str:
    return "" if value is None else format_decimal(value, "#,##0.0")


def ordinal_position(rank: int) -> str:
    return _("%(rank)s of 10", rank=rank)


def value(kpi: Kpi, figure: float | None, *, public: bool = False) -> str:
    if figure is None:
        return _("No figure")
    if kpi.unit == "rank":
        return ordinal_position(round(figure))
    if kpi.unit == "proportion":
        return percent(figure)
    return count(figure, public=public)


def interval(result: KpiResult, *, public: bool = False) -> str:
    if result.ci_low is None or result.ci_high is None:
        return ""
    if public and result.value is not None and 0 < result.value < small_below():
        return ""
    return _(
        "%(low)s to %(high)s",
        low=format_decimal(result.ci_low, "#,##0.0"),
        high=format_decimal(result.ci_high, "#,##0.0"),
    )


def baseline(kpi: Kpi) -> str:
    b = kpi.baseline
    if b is None:
        return _("Each town centre's, below")
    shown = value(kpi, b.value)
    if b.first_quarter == b.last_quarter:
        return _("%(value)s in %(quarter)s", value=shown, quarter=quarter_label(b.first_quarter))
    period = _(
        "%(start)s to %(end)s", start=quarter_label(b.first_quarter), end=quarter_label(b.last_quarter)
    )
    if kpi.unit == "count":
        return _(
            "%(value)s in %(period)s (%(per_quarter)s a quarter)",
            value=shown,
            period=period,
            per_quarter=format_decimal(b.value / b.quarters, "#,##0.#"),
        )
    return _("%(value)s in %(period)s", value=shown, period=period)


def target(kpi: Kpi) -> str:
    t, goal = kpi.target, kpi.target_value
    if t is None:
        return _("Each town centre's, below")
    by = date_text(t.date)
    if t.kind == "maintain":
        return _("Keep the baseline position or better by %(date)s", date=by)
    assert goal is not None  # noqa: S101 - relative and absolute targets have a value
    b = kpi.baseline
    per_quarter = goal / b.quarters if kpi.unit == "count" and b is not None else goal
    shown = format_decimal(per_quarter, "#,##0.#")
    if t.kind == "relative" and t.value is not None:
        change = format_percent(abs(t.value), "#,##0%")
        if t.value < 0:
            return _("%(change)s fewer: %(value)s a quarter by %(date)s", change=change, value=shown, date=by)
        return _("%(change)s more: %(value)s a quarter by %(date)s", change=change, value=shown, date=by)
    if kpi.unit == "headcount":
        return _("%(value)s in post by %(date)s", value=shown, date=by)
    return _("%(value)s by %(date)s", value=shown, date=by)


def too_small(unit: str, value: float | None) -> bool:
    """Whether a count is too small to show outside the partnership."""
    return unit in ("count", "headcount") and value is not None and 0 < value < small_below()


def held_back(result: KpiResult) -> bool:
    """Whether the quarter's count is held back outside the partnership (and with it the rate ratio
    against the published baseline, which would give it away)."""
    return too_small(result.kpi.unit, result.value)


def change(result: KpiResult, *, public: bool = False) -> str:
    """The quarter against the baseline, in words, with the exact test."""
    c = result.comparison
    if c is None or not math.isfinite(c.ratio) or (public and held_back(result)):
        return ""
    direction = _("higher") if c.ratio > 1 else _("lower")
    size = format_percent(abs(c.ratio - 1), "#,##0%")
    if c.ratio == 1:
        words = _("the same as the baseline")
    else:
        words = _("%(size)s %(direction)s than the baseline", size=size, direction=direction)
    high = _("no upper limit") if not math.isfinite(c.ci_high) else format_decimal(c.ci_high, "#,##0.00")
    return _(
        "%(words)s (rate ratio %(ratio)s, 95%% confidence interval %(low)s to %(high)s; p = %(p)s)",
        words=words,
        ratio=format_decimal(c.ratio, "#,##0.00"),
        low=format_decimal(c.ci_low, "#,##0.00"),
        high=high,
        p=p_value(c.p_value),
    )


def p_value(p: float) -> str:
    return "< 0.001" if p < 0.001 else format_decimal(p, "0.000")


def since_last_quarter(result: KpiResult, *, public: bool = False) -> str:
    if result.previous_status is None:
        return ""
    before = (
        value(result.kpi, result.previous_value, public=public) if result.previous_value is not None else None
    )
    if result.status_changed:
        return _(
            "%(before)s to %(after)s",
            before=status_name(result.previous_status),
            after=status_name(result.status),
        )
    if before is None or result.previous_value == result.value:
        return _("No change")
    return _("Was %(value)s", value=before)


def line_change(line: SurveyLine) -> str:
    if line.change is None:
        return ""
    points = _("%(points)s points", points=format_decimal(line.change * 100, "+#,##0.0;-#,##0.0"))
    if line.change_significant:
        return _(
            "%(change)s from the baseline (p = %(p)s)", change=points, p=p_value(line.change_p_value or 0)
        )
    return _("%(change)s from the baseline: not statistically significant", change=points)


def trend_points(trend: tuple[Point, ...], *, hide_below: float = 0) -> list[charts.Point]:
    """The trend for a chart; a value below ``hide_below`` is left out (a gap), as in the tables."""
    return [
        charts.Point(quarter_label(p.quarter), p.value, p.ci_low, p.ci_high)
        if p.value is None or not 0 < p.value < hide_below
        else charts.Point(quarter_label(p.quarter), None)
        for p in trend
    ]


def chart_kind(kpi: Kpi) -> str:
    return {"rank": charts.RANK, "proportion": charts.PERCENT}.get(kpi.unit, charts.NUMBER)


def kpi_chart(result: KpiResult, *, public: bool = False) -> str:
    """The KPI's trend over the strategy's quarters, with its baseline and target (per quarter);
    for the board paper (``public``), without the quarters whose count is held back."""
    kpi = result.kpi
    lines = []
    base, goal = result.baseline_per_quarter, result.target_per_quarter
    if base is not None:
        lines.append(charts.Line(base, _("Baseline %(value)s", value=format_decimal(base, "#,##0.#"))))
    if goal is not None and (kpi.target is None or kpi.target.kind != "maintain"):
        lines.append(charts.Line(goal, _("Target %(value)s", value=format_decimal(goal, "#,##0.#"))))
    hide = small_below() if public and kpi.unit in ("count", "headcount") else 0
    return charts.trend_svg(
        trend_points(result.trend, hide_below=hide),
        y_label=str(UNIT_NAMES[kpi.unit]),
        lines=lines,
        kind=chart_kind(kpi),
    )


def line_chart(line: SurveyLine) -> str:
    lines = [
        charts.Line(line.baseline, _("Baseline %(value)s", value=percent(line.baseline))),
        charts.Line(line.target, _("Target %(value)s", value=percent(line.target))),
    ]
    return charts.trend_svg(trend_points(line.trend), y_label=_("Per cent"), lines=lines)


def rates_rows(rates: PeriodRates) -> list[dict[str, object]]:
    return [
        {
            "district": r.district,
            "crimes": format_number(r.crimes),
            "residents": format_number(r.residents),
            "rate": rate(r.rate),
            "interval": _("%(low)s to %(high)s", low=rate(r.ci_low), high=rate(r.ci_high)),
            "rank": r.rank,
            "home": r.district == "Trafford",
        }
        for r in rates.rates
    ]


def period_name(period: str) -> str:
    start, _sep, end = period.partition("-")
    return (
        _("%(start)s to %(end)s", start=quarter_label(start), end=quarter_label(end))
        if end
        else quarter_label(start)
    )


def status_summary(counts: list[tuple[str, int]]) -> str:
    """'Of the 7 KPIs: 1 met, 4 not yet shown and 2 on track.'"""
    total = sum(n for _s, n in counts)
    parts = [_("%(n)s %(status)s", n=n, status=status_name(s).lower()) for s, n in counts]
    return _(
        "Of the %(total)s KPIs: %(parts)s.",
        total=total,
        parts=format_list(parts, locale=get_locale() or "en"),
    )


SOURCE_NAMES = {
    "survey": _l("the survey"),
    "crime": _l("the police's recorded crime files"),
    "entered": _l("figures entered each quarter"),
}


def source_name(source: str) -> str:
    return str(SOURCE_NAMES.get(source, source))


def target_kinds(kpi: Kpi) -> list[tuple[str, str]]:
    """The kinds of target this KPI can have, in words."""
    if kpi.source == "crime":
        return [("maintain", _("Keep the baseline position or better"))]
    return [
        ("relative", _("A change from the baseline")),
        ("absolute", _("A value to reach")),
        ("maintain", _("No worse than the baseline")),
    ]
