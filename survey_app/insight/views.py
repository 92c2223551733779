"""How the insight pages word and format the figures: labels, percentages, verdicts.

Flask-Babel for the words; the numbers come from `kpis`, `targets` and `service` unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from babel.lists import format_list
from flask_babel import format_decimal, format_number, format_percent, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import language_label, qtext
from ..questionnaire import Question, Questionnaire
from ..questionnaire.model import MEAN, PROPORTION
from . import charts
from .kpis import LANGUAGE, NOT_ANSWERED, OVERALL, QUARTER, ROLLING, KpiChange, KpiEstimate, KpiResults
from .service import ALL, LAST_FOUR, Filters
from .targets import EVERYWHERE, BaselineChange, Target, TargetFault, TargetPanel
from .wards import MODEL, WardEstimates, WardRow

# The names of the breakdowns that are not by a question's answers (those take its short label).
BREAKDOWN_NAMES = {
    OVERALL: _l("Trafford"),
    QUARTER: _l("Quarter"),
    ROLLING: _l("Rolling four quarters"),
    LANGUAGE: _l("Language of response"),
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


def figure(value: float | None, statistic: str = PROPORTION) -> str:
    """An estimate as a reader expects it: a percentage, or (a mean) a number to one decimal place."""
    if value is None:
        return ""
    return format_decimal(value, "#,##0.0") if statistic == MEAN else percent(value)


def difference(value: float | None, statistic: str = PROPORTION) -> str:
    """A change in an estimate: percentage points, or (a mean) a signed number."""
    if value is None:
        return ""
    return format_decimal(value, "+#,##0.0;-#,##0.0") if statistic == MEAN else points(value)


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
            return qtext(questionnaire, f"{question.id}.measure", measure.label)
    return measure_id


def quarter_label(quarter: str) -> str:
    year, _sep, number = quarter.partition("Q")
    return _("Q%(quarter)s %(year)s", quarter=number, year=year) if number else quarter


def window_label(window: str) -> str:
    start, _sep, end = window.partition("..")
    return _("%(start)s to %(end)s", start=quarter_label(start), end=quarter_label(end)) if end else window


def question_label(questionnaire: Questionnaire, question: Question) -> str:
    """A question's short label (its title if it has none), in the reader's language."""
    if question.short_label:
        return qtext(questionnaire, f"{question.id}.short_label", question.short_label)
    return qtext(questionnaire, f"{question.id}.title", question.title)


def table_breakdowns(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The breakdown tables under each measure, in order: each breakdown question's, then language."""
    return (*(q.id for q in questionnaire.breakdown_questions), LANGUAGE)


def in_a_sentence(questionnaire: Questionnaire, question: Question) -> str:
    """A question named inside a sentence ("By age", "weighted by ward and sex"): its short label in
    lower case, or, with none, its words in quotation marks ("By “How old are you?”")."""
    if question.short_label:
        return question_label(questionnaire, question).lower()
    return _("“%(question)s”", question=question_label(questionnaire, question))


def breakdown_phrase(questionnaire: Questionnaire, breakdown: str) -> str:
    """A breakdown named inside a sentence ("By %(breakdown)s")."""
    question = questionnaire.question(breakdown)
    if question is not None and breakdown not in BREAKDOWN_NAMES:
        return in_a_sentence(questionnaire, question)
    return breakdown_name(questionnaire, breakdown).lower()


def breakdown_name(questionnaire: Questionnaire, breakdown: str) -> str:
    if breakdown in BREAKDOWN_NAMES:
        return str(BREAKDOWN_NAMES[breakdown])
    question = questionnaire.question(breakdown)
    return question_label(questionnaire, question) if question else breakdown


def choice_label(questionnaire: Questionnaire, question_id: str, value: str) -> str:
    if value == NOT_ANSWERED:
        return _("Not answered")
    question = questionnaire.question(question_id)
    if question is None:
        return value
    return qtext(questionnaire, f"{question_id}.choice.{value}", question.label_for(value))


def domain_label(questionnaire: Questionnaire, breakdown: str, domain: str) -> str:
    if breakdown == OVERALL:
        return str(BREAKDOWN_NAMES[OVERALL])
    if breakdown == QUARTER:
        return quarter_label(domain)
    if breakdown == ROLLING:
        return window_label(domain)
    if breakdown == LANGUAGE:
        return language_label(domain) if domain else domain
    return choice_label(questionnaire, breakdown, domain)


def rows(questionnaire: Questionnaire, results: KpiResults, measure_id: str, breakdown: str) -> list[Row]:
    out = []
    for est in results.find(measure_id, breakdown):
        change = results.change(measure_id, est.domain) if breakdown == QUARTER else None
        out.append(Row(domain_label(questionnaire, breakdown, est.domain), est, change))
    question = next((q for q in questionnaire.breakdown_questions if q.id == breakdown), None)
    if question is not None:  # the questionnaire's order, not the alphabet's
        order = {v: i for i, v in enumerate(question.choice_values)}
        out.sort(key=lambda r: order.get(r.estimate.domain, len(order)))
    return out


def period_options(results: KpiResults) -> list[tuple[str, str]]:
    options = [(ALL, _("All quarters")), (LAST_FOUR, _("Latest four quarters"))]
    return options + [(q, quarter_label(q)) for q in reversed(results.quarters)]


def place_label(questionnaire: Questionnaire, place: str) -> str:
    """One of the questionnaire's places (a choice of its area question), in the reader's language."""
    area = questionnaire.area_question
    return choice_label(questionnaire, area.id, place) if area else place


def area_options(questionnaire: Questionnaire) -> list[tuple[str, str]]:
    """The dashboard's choice of area: everywhere, then each place; none when no question asks where."""
    if questionnaire.area_question is None:
        return []
    return [(ALL, _("All of Trafford"))] + [
        (c.value, place_label(questionnaire, c.value)) for c in questionnaire.places
    ]


def filters_label(questionnaire: Questionnaire, filters: Filters) -> str:
    area = area_name(questionnaire, filters.area)
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
    shown = difference(change.difference, getattr(change, "statistic", PROPORTION))
    if change.significant:
        return _("%(change)s: statistically significant", change=shown)
    return _("%(change)s: not statistically significant", change=shown)


def verdict(panel: TargetPanel) -> str:
    return str(STATUS_NAMES[panel.status])


def area_name(questionnaire: Questionnaire, area: str) -> str:
    return _("All of Trafford") if area in (EVERYWHERE, ALL) else place_label(questionnaire, area)


def target_fault_text(fault: TargetFault) -> str:
    """Why a target in the targets file is not shown, for the analyst who wonders where it went."""
    target = fault.target
    if fault.kind == "measure":
        return _(
            "The target “%(name)s” is not shown: this survey has no measure called %(measure)s. "
            "Correct the measure in the targets file.",
            name=target.name,
            measure=target.measure,
        )
    if fault.kind == "mean":
        return _(
            "The target “%(name)s” is not shown: %(measure)s is an average, and a target is a "
            "percentage. Name a measure that is a percentage in the targets file.",
            name=target.name,
            measure=target.measure,
        )
    if fault.kind == "no_area":
        return _(
            "The target “%(name)s” is not shown: this survey does not ask where people are, so its "
            "targets can only be for all of it (area: all). Correct the area in the targets file.",
            name=target.name,
        )
    return _(
        "The target “%(name)s” is not shown: %(area)s is not one of the places this survey asks "
        "about. Correct the area in the targets file.",
        name=target.name,
        area=target.area,
    )


def period_label(period: str | None) -> str:
    if not period:
        return ""
    return window_label(period) if ".." in period else quarter_label(period)


def weighting_question(questionnaire: Questionnaire, variable: str) -> Question | None:
    return next((q for q in questionnaire.weighting_questions if q.weighting_variable == variable), None)


def variable_name(questionnaire: Questionnaire, variable: str) -> str:
    """A weighting variable by its question's short label ("Age")."""
    question = weighting_question(questionnaire, variable)
    return question_label(questionnaire, question) if question else variable


def variable_choice_label(questionnaire: Questionnaire, variable: str, value: str) -> str:
    question = weighting_question(questionnaire, variable)
    return choice_label(questionnaire, question.id, value) if question else value


def _variable_phrase(questionnaire: Questionnaire, variable: str) -> str:
    question = weighting_question(questionnaire, variable)
    return in_a_sentence(questionnaire, question) if question else variable


def variable_names(questionnaire: Questionnaire, variables: tuple[str, ...]) -> str:
    """The weighting variables as a list in the reader's language ("ward, age and sex")."""
    names = [_variable_phrase(questionnaire, v) for v in variables]
    return format_list(names, locale=get_locale() or "en") if names else ""


def unweighted_reason(questionnaire: Questionnaire, results: KpiResults) -> str | None:
    """Why the figures are not weighted, in plain words; None when they are (or there are none)."""
    summary = results.weighting
    if summary is None or summary.variables:
        return None
    if not questionnaire.weighting_questions:
        return _(
            "These figures are not weighted: this survey asks no questions the population figures cover."
        )
    if len(summary.unused_variables) == len(questionnaire.weighting_questions):
        return _(
            "These figures are not weighted: the population figures in use cover none of the questions "
            "this survey asks about the people who answer it."
        )
    return _(
        "These figures are not weighted: nobody has yet answered the questions about themselves that "
        "the population figures cover."
    )


def trend_chart(
    results: KpiResults, measure_id: str, targets: list[Target], area: str = ALL, upto: str | None = None
) -> str:
    """The measure by quarter (up to quarter `upto`) as SVG, with the area's baseline and target."""
    mean = any(m.id == measure_id and m.statistic == MEAN for m in results.measures)
    points = [
        charts.Point(quarter_label(e.domain), e.estimate, e.ci_low, e.ci_high)
        for e in results.find(measure_id, QUARTER)
        if upto is None or e.domain <= upto
    ]
    lines = []
    for t in targets:
        if t.area == (area or EVERYWHERE) and t.measure == measure_id:
            lines.append(charts.Line(t.baseline, _("Baseline %(value)s", value=percent(t.baseline))))
            lines.append(charts.Line(t.target, _("Target %(value)s", value=percent(t.target))))
    if mean:
        return charts.trend_svg(points, y_label=_("Average"), lines=lines, kind=charts.MEAN)
    return charts.trend_svg(points, y_label=_("Per cent"), lines=lines)


# Wards ----------------------------------------------------------------------------------------


def ward_period_options(quarters: tuple[str, ...]) -> list[tuple[str, str]]:
    """A single quarter (latest first) or the latest four together."""
    return [(q, quarter_label(q)) for q in reversed(quarters)] + [(LAST_FOUR, _("Latest four quarters"))]


def ward_period_label(period: str) -> str:
    return _("the latest four quarters") if period == LAST_FOUR else quarter_label(period)


def ward_label(questionnaire: Questionnaire, estimates: WardEstimates, ward: str) -> str:
    return choice_label(questionnaire, estimates.question_id, ward)


def ward_spread(estimates: WardEstimates) -> str:
    """How much the wards' true figures differ beyond what the auxiliary variables explain: the
    square root of the model's area variance, in percentage points (for an average, in its units)."""
    spread = math.sqrt(estimates.area_variance)
    if estimates.statistic == MEAN:
        return format_decimal(spread, "#,##0.0")
    return _("%(points)s points", points=format_decimal(spread * 100, "#,##0.0"))


def ward_base(row: WardRow, suppress_below: int) -> str:
    """A ward's responses, shown only from the suppression threshold up, as on the dashboard."""
    if row.n == 0 or row.n >= suppress_below:
        return whole(row.n)
    return _("Fewer than %(n)s", n=suppress_below)


def ward_how(row: WardRow, suppress_below: int) -> str:
    """How a ward's model-based estimate was made, in words. Under the suppression threshold the
    words are the same whatever the responses were, and the share the ward's own responses carry
    is not given: with it and the model's prediction, the suppressed estimate could be worked out."""
    if row.n == 0:
        return _("The model alone: no responses")
    if row.n < suppress_below:
        return _("Mostly the model: fewer than %(n)s responses", n=suppress_below)
    if row.kind != MODEL:
        return _("The model alone: every response the same")
    if row.shrinkage < 0.005:
        # The wards differ no more than chance would make them: the estimate is the model's.
        return _("The model: its own responses add almost nothing")
    return _(
        "Its own responses and the model: %(share)s from its responses",
        share=format_percent(row.shrinkage, "#,##0%"),
    )


def ward_model_only(row: WardRow, suppress_below: int) -> bool:
    """Whether the chart marks the ward as estimated by the model alone (never for a ward whose
    responses are suppressed, which would say something about them)."""
    return row.kind != MODEL and (row.n == 0 or row.n >= suppress_below)


def ward_direct(row: WardRow, statistic: str = PROPORTION) -> str:
    """The survey's own estimate of a ward, or why it is not shown."""
    if row.direct is None:
        return _("No responses") if row.n == 0 else _("Suppressed")
    return ward_figure(row.direct, row.direct_low, row.direct_high, statistic)


def ward_figure(estimate: float | None, low: float | None, high: float | None, statistic: str) -> str:
    return _(
        "%(estimate)s (%(low)s to %(high)s)",
        estimate=figure(estimate, statistic),
        low=figure(low, statistic),
        high=figure(high, statistic),
    )


def ward_chart(questionnaire: Questionnaire, estimates: WardEstimates) -> str:
    """The wards ranked by their model-based estimate, as SVG; the table on the page is the same."""
    rows = [
        charts.Ranked(
            ward_label(questionnaire, estimates, r.ward),
            r.estimate,
            r.ci_low,
            r.ci_high,
            r.direct,
            ward_model_only(r, estimates.suppress_below),
        )
        for r in estimates.ranked
    ]
    keys = (
        _(
            "Model-based estimate, with its %(level)s interval",
            level=format_percent(estimates.level, "#,##0%"),
        ),
        _("Model-based estimate, from the model alone"),
        _("The ward's own survey estimate"),
    )
    if estimates.statistic == MEAN:
        return charts.ranked_svg(rows, x_label=_("Average"), keys=keys, kind=charts.MEAN)
    return charts.ranked_svg(rows, x_label=_("Per cent"), keys=keys)
