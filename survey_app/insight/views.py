"""How the insight pages word and format the figures: labels, percentages, verdicts.

Flask-Babel for the words; the numbers come from `kpis`, `targets` and `service` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list
from flask_babel import format_decimal, format_number, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import language_label, qtext
from ..questionnaire import Questionnaire
from . import charts
from .kpis import NOT_ANSWERED, KpiChange, KpiEstimate, KpiResults
from .service import ALL, LAST_FOUR, Filters
from .targets import BaselineChange, Target, TargetPanel

# The breakdown tables under each measure, in order.
TABLE_BREAKDOWNS = ("town_centre", "ward", "age_band", "sex", "ethnic_group", "language")
BREAKDOWN_NAMES = {
    "overall": _l("Trafford"),
    "quarter": _l("Quarter"),
    "rolling_four_quarters": _l("Rolling four quarters"),
    "town_centre": _l("Town centre"),
    "ward": _l("Ward"),
    "age_band": _l("Age band"),
    "sex": _l("Sex"),
    "ethnic_group": _l("Ethnic group"),
    "language": _l("Language of response"),
}
STATUS_NAMES = {
    "met": _l("Target met"),
    "not_yet": _l("Not yet shown to be met"),
    "missed": _l("Target missed"),
    "no_data": _l("Not enough responses to say"),
}
FLAG_NAMES = {
    "fast": _l("Finished implausibly fast"),
    "duplicate": _l("Same answers as an earlier response from the same device"),
    "repeat": _l("Several responses from the same device within an hour"),
}


@dataclass(frozen=True)
class Row:
    label: str
    estimate: KpiEstimate
    change: KpiChange | None = None


def percent(value: float | None) -> str:
    return "" if value is None else format_percent(value, "#,##0.0%")


def points(value: float | None) -> str:
    """A difference of proportions in percentage points, signed."""
    if value is None:
        return ""
    return _("%(points)s points", points=format_decimal(value * 100, "+#,##0.0;-#,##0.0"))


def whole(value: float | None) -> str:
    return "" if value is None else format_number(round(value))


def measure_label(questionnaire: Questionnaire, measure_id: str) -> str:
    for question, measure in questionnaire.measures:
        if measure.id == measure_id:
            return qtext(questionnaire.id, f"{question.id}.measure", measure.label)
    return measure_id


def quarter_label(quarter: str) -> str:
    year, _sep, number = quarter.partition("Q")
    return _("Q%(quarter)s %(year)s", quarter=number, year=year) if number else quarter


def window_label(window: str) -> str:
    start, _sep, end = window.partition("..")
    return _("%(start)s to %(end)s", start=quarter_label(start), end=quarter_label(end)) if end else window


def choice_label(questionnaire: Questionnaire, question_id: str, value: str) -> str:
    if value == NOT_ANSWERED:
        return _("Not answered")
    question = questionnaire.question(question_id)
    if question is None:
        return value
    return qtext(questionnaire.id, f"{question_id}.choice.{value}", question.label_for(value))


def domain_label(questionnaire: Questionnaire, breakdown: str, domain: str) -> str:
    if breakdown == "overall":
        return str(BREAKDOWN_NAMES["overall"])
    if breakdown == "quarter":
        return quarter_label(domain)
    if breakdown == "rolling_four_quarters":
        return window_label(domain)
    if breakdown == "language":
        return language_label(domain) if domain else domain
    return choice_label(questionnaire, breakdown, domain)


def rows(questionnaire: Questionnaire, results: KpiResults, measure_id: str, breakdown: str) -> list[Row]:
    out = []
    for est in results.find(measure_id, breakdown):
        change = results.change(measure_id, est.domain) if breakdown == "quarter" else None
        out.append(Row(domain_label(questionnaire, breakdown, est.domain), est, change))
    if breakdown in ("town_centre", "ward", "age_band", "sex", "ethnic_group"):
        question = questionnaire.question(breakdown)
        if question is not None:  # the questionnaire's order, not the alphabet's
            order = {v: i for i, v in enumerate(question.choice_values)}
            out.sort(key=lambda r: order.get(r.estimate.domain, len(order)))
    return out


def period_options(results: KpiResults) -> list[tuple[str, str]]:
    options = [(ALL, _("All quarters")), (LAST_FOUR, _("Latest four quarters"))]
    return options + [(q, quarter_label(q)) for q in reversed(results.quarters)]


def area_options(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    question = questionnaire.question("town_centre")
    choices = question.choice_values if question else ()
    return [(ALL, _("All of Trafford"))] + [
        (v, choice_label(questionnaire, "town_centre", v)) for v in choices
    ]


def filters_label(questionnaire: Questionnaire, filters: Filters) -> str:
    area = choice_label(questionnaire, "town_centre", filters.area) if filters.area else _("All of Trafford")
    if filters.period == LAST_FOUR:
        period = _("latest four quarters")
    elif filters.period:
        period = quarter_label(filters.period)
    else:
        period = _("all quarters")
    return _("%(area)s, %(period)s", area=area, period=period)


def change_short(change: KpiChange | BaselineChange | None) -> str:
    """A change in words, where the table or the row already says since when."""
    if change is None:
        return ""
    if change.significant:
        return _("%(change)s: statistically significant", change=points(change.difference))
    return _("%(change)s: not statistically significant", change=points(change.difference))


def verdict(panel: TargetPanel) -> str:
    return str(STATUS_NAMES[panel.status])


def area_name(questionnaire: Questionnaire, area: str) -> str:
    return _("All of Trafford") if area in ("all", ALL) else choice_label(questionnaire, "town_centre", area)


def period_label(period: str | None) -> str:
    if not period:
        return ""
    return window_label(period) if ".." in period else quarter_label(period)


def variable_names(variables: tuple[str, ...]) -> str:
    """The weighting variables as a list in the reader's language ("age band, sex and ward")."""
    names = [str(BREAKDOWN_NAMES.get(v, v)).lower() for v in variables]
    return format_list(names, locale=get_locale() or "en") if names else ""


def trend_chart(
    results: KpiResults, measure_id: str, targets: list[Target], area: str = ALL, upto: str | None = None
) -> str:
    """The measure by quarter (up to quarter `upto`) as SVG, with the area's baseline and target."""
    points = [
        charts.Point(quarter_label(e.domain), e.estimate, e.ci_low, e.ci_high)
        for e in results.find(measure_id, "quarter")
        if upto is None or e.domain <= upto
    ]
    lines = []
    for t in targets:
        if t.area == (area or "all") and t.measure == measure_id:
            lines.append(charts.Line(t.baseline, _("Baseline %(value)s", value=percent(t.baseline))))
            lines.append(charts.Line(t.target, _("Target %(value)s", value=percent(t.target))))
    return charts.trend_svg(points, y_label=_("Per cent"), lines=lines)
