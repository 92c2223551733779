"""Weighted KPI estimates for the staff insight pages (issue 6, first increment).

Plain Python: no Flask, no database. The caller passes a questionnaire, the response records
(answers as codes, submission time, language) and the population margins; everything is computed
by `analysis/` and returned as dataclasses.

Weighting (see docs/decisions/0010-kpi-estimates-and-margins.md)
    * Starting weights are N/n (population total over respondents), one PSU per respondent.
    * The raking variables are the questionnaire's ``weighting_variable`` questions that have a
      margin (for the community confidence survey: age band, sex and ward; ethnic group has no 16+
      count, so no margin). A questionnaire with none, or whose weighting variables have no margin,
      is not weighted: every response keeps the same weight, and the summary lists no variables.
    * A respondent whose answer to a weighting question is missing, ``prefer_not_to_say`` or
      ``dont_know`` falls in an explicit ``unknown`` category of that variable. The unknown
      category's target is its share of the sample (n_unknown / n × N), i.e. what the starting
      weights give it; the known categories share the rest of the population in the margin's
      proportions. So unknowns are never imputed and never dropped: they keep their starting share
      of the weight for that variable, and are still raked on the variables they did answer.
      This is exactly reproducible in R: add the ``unknown`` level to the margin with that
      frequency and call ``rake(design, list(~variable, ...), list(...))`` with each raking variable.
    * A margin category with no respondents is dropped and the remaining known categories scaled up
      so all margins keep one total (R would refuse a category with no respondents). The summary
      lists every dropped category.
    * Standard errors account for the raking (``raked_design``), as ``calibrate(calfun="raking")``.

Breakdowns
    Overall; by each of the questionnaire's breakdown questions, the area question first (keyed by
    the question's id, domains its answer codes); by quarter and rolling four quarters, and by area
    and each of those when there is an area question; by language. The fixed names are
    ``FIXED_BREAKDOWNS``, which no area or breakdown question may take as its id.

Estimates
    For each KPI measure, the outcome is 1 for a ``positive`` answer, 0 for any other answer, and
    missing (out of the base) for a skipped question or an ``excluded_from_base`` answer. Intervals
    are R's ``svyciprop(method="logit")``. An estimate whose unweighted base is below the threshold
    (default 30) is suppressed: the flag is set and no number (not even the base) is given.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from analysis.change import compare_waves
from analysis.design import Design, codes_of
from analysis.means import estimate_means
from analysis.proportions import DomainEstimate, estimate_proportions
from analysis.raking import Margin, RakingError, rake, raked_design, read_margins

from ..questionnaire.model import (
    DONT_KNOW,
    FIXED_BREAKDOWNS,
    PREFER_NOT_TO_SAY,
    PROPORTION,
    Measure,
    Questionnaire,
)

DEFAULT_MARGINS_PATH = Path(__file__).resolve().parents[2] / "data" / "population_margins.csv"
DEFAULT_SUPPRESS_BELOW = 30
UNKNOWN = "unknown"  # weighting category for a missing / prefer-not-to-say / don't-know answer
NOT_ANSWERED = "not_answered"  # breakdown domain for respondents who skipped the question
LOCAL_TIME = ZoneInfo("Europe/London")

# The fixed breakdowns by name (in the order the questionnaire model lists them).
OVERALL, QUARTER, AREA_QUARTER, ROLLING, AREA_ROLLING, LANGUAGE = FIXED_BREAKDOWNS


def breakdowns(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The breakdowns of every measure, in the order the dashboard shows them."""
    by_area = (AREA_QUARTER, AREA_ROLLING) if questionnaire.area_question else ()
    by_answer = tuple(q.id for q in questionnaire.breakdown_questions)
    return (OVERALL, *by_answer, QUARTER, ROLLING, *by_area, LANGUAGE)


class InsightError(ValueError):
    """Margins that do not fit the questionnaire, or data that cannot be weighted."""


@dataclass(frozen=True)
class ResponseRecord:
    """What the statistics need from one submitted response."""

    answers: Mapping[str, Any]
    submitted_at: dt.datetime
    language: str


@dataclass(frozen=True)
class KpiEstimate:
    """One measure in one domain of one breakdown. Suppressed estimates carry no numbers."""

    measure_id: str
    breakdown: str
    domain: str
    suppressed: bool
    n: int | None = None  # unweighted base
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    n_eff: float | None = None  # Kish effective sample size
    deff: float | None = None
    df: int | None = None
    statistic: str = PROPORTION  # or MEAN: the estimate is an average, not a share


@dataclass(frozen=True)
class KpiChange:
    """Change in a measure from one quarter to the next, tested as ``analysis.compare_waves``."""

    measure_id: str
    base: str
    current: str
    difference: float
    ci_low: float
    ci_high: float
    p_value: float  # two-sided
    significant: bool
    statistic: str = PROPORTION


@dataclass(frozen=True)
class WeightingSummary:
    """How the weights were made: shown beside every figure that depends on them."""

    variables: tuple[str, ...]  # raking variables actually used
    unused_variables: tuple[str, ...]  # declared weighting variables without a margin
    population_total: float
    margins: dict[str, tuple[tuple[str, float], ...]]  # targets used, unknown category included
    unknown_counts: dict[str, int]
    dropped_categories: dict[str, tuple[str, ...]]
    converged: bool
    iterations: int
    max_abs_error: float


@dataclass(frozen=True)
class MeasureInfo:
    id: str
    label: str
    question_id: str
    statistic: str = PROPORTION


@dataclass(frozen=True)
class KpiResults:
    measures: tuple[MeasureInfo, ...]
    estimates: tuple[KpiEstimate, ...]
    weighting: WeightingSummary | None
    weights: tuple[float, ...]  # final weight of each response, in input order
    n_responses: int
    suppress_below: int
    quarters: tuple[str, ...] = field(default=())
    changes: tuple[KpiChange, ...] = field(default=())

    def change(self, measure_id: str, current: str) -> KpiChange | None:
        for c in self.changes:
            if c.measure_id == measure_id and c.current == current:
                return c
        return None

    def find(self, measure_id: str, breakdown: str) -> list[KpiEstimate]:
        return [e for e in self.estimates if e.measure_id == measure_id and e.breakdown == breakdown]

    def get(self, measure_id: str, breakdown: str, domain: str) -> KpiEstimate | None:
        for e in self.find(measure_id, breakdown):
            if e.domain == domain:
                return e
        return None


def load_margins(path: str | Path | None = None) -> dict[str, Margin]:
    """The population margins (default: ``data/population_margins.csv``), checked to share a total."""
    try:
        margins = read_margins(path or DEFAULT_MARGINS_PATH)
    except OSError as exc:
        raise InsightError(f"cannot read margins file: {exc}") from exc
    totals = {v: m.total for v, m in margins.items()}
    if totals and max(totals.values()) - min(totals.values()) > 1e-6 * max(totals.values()):
        detail = ", ".join(f"{v}={t:g}" for v, t in totals.items())
        raise InsightError(f"margins disagree on the population total ({detail})")
    return margins


def quarter_of(moment: dt.datetime) -> str:
    """Calendar quarter label (``2026Q3``) of a submission, in UK local time."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TIME)
    return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"


def _check_margins(questionnaire: Questionnaire, margins: Mapping[str, Margin]) -> dict[str, str]:
    """Weighting variable -> question id, for the variables that have margins; codes must match."""
    used: dict[str, str] = {}
    for question in questionnaire.questions:
        var = question.weighting_variable
        if not var or var not in margins:
            continue
        codes = {c for c in question.choice_values if c not in (DONT_KNOW, PREFER_NOT_TO_SAY)}
        cats = set(margins[var].categories)
        if codes != cats:
            unknown = sorted(cats - codes)
            missing = sorted(codes - cats)
            raise InsightError(
                f"margins for {var!r} do not match the question {question.id!r}: "
                f"unknown categories {unknown}, categories without a count {missing}"
            )
        used[var] = question.id
    return used


def _weight(
    questionnaire: Questionnaire, records: Sequence[ResponseRecord], margins: Mapping[str, Margin]
) -> tuple[Design, WeightingSummary]:
    """The raked design, or InsightError saying why the records cannot be weighted to the margins.

    Margins far out of line with the sample (a count of 1e300, a group of almost everyone that
    few answered for) make `analysis/` refuse the weights in several ways; each is one InsightError.
    """
    try:
        return _rake(questionnaire, records, margins)
    except InsightError:
        raise
    except (ValueError, ArithmeticError) as exc:
        raise InsightError(f"weighting failed: {exc}") from exc


def _rake(
    questionnaire: Questionnaire, records: Sequence[ResponseRecord], margins: Mapping[str, Margin]
) -> tuple[Design, WeightingSummary]:
    used = _check_margins(questionnaire, margins)
    declared = [q.weighting_variable for q in questionnaire.questions if q.weighting_variable]
    unused = tuple(v for v in declared if v not in used)
    n = len(records)
    if not used:
        design = Design.build(weights=np.ones(n))
        summary = WeightingSummary((), unused, float(n), {}, {}, {}, True, 0, 0.0)
        return design, summary
    total = next(iter(margins[v] for v in used)).total
    start = np.full(n, total / n)
    data: dict[str, np.ndarray] = {}
    targets: dict[str, Margin] = {}
    unknown_counts: dict[str, int] = {}
    dropped: dict[str, tuple[str, ...]] = {}
    variables: list[str] = []
    for var, qid in used.items():
        margin = margins[var]
        known = set(margin.categories)
        values = np.array(
            [r.answers.get(qid) if r.answers.get(qid) in known else UNKNOWN for r in records], dtype=object
        )
        n_unknown = int(np.sum(values == UNKNOWN))
        unknown_counts[var] = n_unknown
        if n_unknown == n:
            continue  # nobody answered: nothing to rake on
        present = set(values.tolist())
        kept = [
            (c, k) for c, k in zip(margin.categories, margin.counts, strict=True) if c in present or k == 0
        ]
        dropped[var] = tuple(
            c for c, k in zip(margin.categories, margin.counts, strict=True) if c not in present and k > 0
        )
        known_pop = sum(k for _, k in kept)
        share_unknown = n_unknown / n
        scale = total * (1 - share_unknown) / known_pop
        cats = [c for c, _ in kept]
        counts = [k * scale for _, k in kept]
        if n_unknown:
            cats.append(UNKNOWN)
            counts.append(total * share_unknown)
        targets[var] = Margin(var, tuple(cats), tuple(counts))
        data[var] = values.astype(str)
        variables.append(var)
    design = Design.build(weights=start)
    summary_margins = {v: tuple(zip(m.categories, m.counts, strict=True)) for v, m in targets.items()}
    if not variables:
        summary = WeightingSummary((), unused, total, {}, unknown_counts, dropped, True, 0, 0.0)
        return design, summary
    try:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # divergence: see _check_fit
            result = rake(data, targets, variables, start_weights=start)
    except RakingError as exc:
        raise InsightError(f"weighting failed: {exc}") from exc
    _check_fit(result.weights, data, targets)
    summary = WeightingSummary(
        tuple(variables),
        unused,
        total,
        summary_margins,
        unknown_counts,
        {v: d for v, d in dropped.items() if d},
        result.converged,
        result.iterations,
        result.max_abs_error,
    )
    return raked_design(design, result), summary


def weighted_design(
    questionnaire: Questionnaire, records: Sequence[ResponseRecord], margins: Mapping[str, Margin]
) -> Design:
    """The raked design every figure of the questionnaire comes from."""
    return _weight(questionnaire, records, margins)[0]


def weigh(
    questionnaire: Questionnaire, records: Sequence[ResponseRecord], margins: Mapping[str, Margin]
) -> tuple[np.ndarray, WeightingSummary]:
    """The final weight of each record and how it was made (the weighting behind ``compute_kpis``)."""
    design, summary = _weight(questionnaire, list(records), margins)
    return design.weights, summary


def _check_fit(weights: np.ndarray, data: Mapping[str, np.ndarray], targets: Mapping[str, Margin]) -> None:
    """Refuse weights that do not meet the margins.

    A sparse sample can make raking diverge (weights running to 0 or overflowing); the convergence
    flag of ``analysis.rake`` is not enough on its own then, because NaN errors compare as small.
    """
    if not np.all(np.isfinite(weights)) or np.any(weights <= 0):
        raise InsightError("weighting failed: the raking diverged (too few respondents in some categories)")
    for var, margin in targets.items():
        for cat, count in zip(margin.categories, margin.counts, strict=True):
            got = float(weights[data[var] == cat].sum())
            if abs(got - count) > 1e-6 * (1 + count):
                raise InsightError(
                    f"weighting failed: the weights do not meet the {var} margin ({cat}: {got:.1f} "
                    f"against {count:.1f}); too few respondents in some categories to rake"
                )


def outcome(records: Sequence[ResponseRecord], question_id: str, positive, excluded) -> np.ndarray:
    """1 for a positive answer, 0 for any other, NaN for none or one excluded from the base."""
    y = np.full(len(records), np.nan)
    for i, r in enumerate(records):
        answer = r.answers.get(question_id)
        if not isinstance(answer, str) or answer == "" or answer in excluded:
            continue
        y[i] = 1.0 if answer in positive else 0.0
    return y


def measure_values(records: Sequence[ResponseRecord], question_id: str, measure: Measure) -> np.ndarray:
    """What a measure averages for each record: 1 or 0 (a proportion), or the number given (a mean);
    NaN where it has none."""
    if not measure.is_mean:
        return outcome(records, question_id, set(measure.positive), set(measure.excluded_from_base))
    numbers = (number_of(r.answers.get(question_id)) for r in records)
    return np.array([math.nan if v is None else v for v in numbers], dtype=np.float64)


def number_of(answer: Any) -> float | None:
    """A number question's stored answer as a finite number, or None (not answered, or not one)."""
    if isinstance(answer, bool) or not isinstance(answer, int | float | str):
        return None
    try:
        value = float(answer)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def estimator(measure: Measure, level: float) -> Callable[..., list]:
    """``estimate_proportions`` or ``estimate_means`` for the measure, at ``level``."""
    if measure.is_mean:
        return partial(estimate_means, statistic="mean", level=level)
    return partial(estimate_proportions, level=level)


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _to_kpi(
    measure_id: str,
    breakdown: str,
    est: DomainEstimate,
    suppress_below: int,
    statistic: str = PROPORTION,
) -> KpiEstimate:
    if est.n < suppress_below:
        return KpiEstimate(measure_id, breakdown, est.domain, suppressed=True, statistic=statistic)
    return KpiEstimate(
        measure_id,
        breakdown,
        est.domain,
        suppressed=False,
        n=int(est.n),
        estimate=_clean(est.estimate),
        ci_low=_clean(est.ci_low),
        ci_high=_clean(est.ci_high),
        se=_clean(est.se),
        n_eff=_clean(est.n_eff),
        deff=_clean(est.deff),
        df=int(est.df),
        statistic=statistic,
    )


def _answer_label(records: Sequence[ResponseRecord], qid: str) -> np.ndarray:
    return np.array([str(r.answers.get(qid) or NOT_ANSWERED) for r in records], dtype=object)


def compute_kpis(
    questionnaire: Questionnaire,
    records: Iterable[ResponseRecord],
    margins: Mapping[str, Margin] | None = None,
    *,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    level: float = 0.95,
    subset: Callable[[ResponseRecord], bool] | None = None,
) -> KpiResults:
    """Every KPI measure of the questionnaire, weighted, by each of its ``breakdowns``.

    The weights always come from every record. With ``subset`` (a filter such as one place
    or one year), every estimate is for the records it accepts: a domain of the whole design, as
    R's ``svyby`` on a subset design.
    """
    records = list(records)
    margins = load_margins() if margins is None else margins
    measures = tuple(MeasureInfo(m.id, m.label, q.id, m.statistic) for q, m in questionnaire.measures)
    if not records:
        _check_margins(questionnaire, margins)
        return KpiResults(measures, (), None, (), 0, suppress_below)
    design, summary = _weight(questionnaire, records, margins)
    quarters = np.array([quarter_of(r.submitted_at) for r in records], dtype=object)
    area = questionnaire.area_question
    columns: dict[str, np.ndarray] = {
        OVERALL: np.full(len(records), "all", dtype=object),
        **{q.id: _answer_label(records, q.id) for q in questionnaire.breakdown_questions},
        QUARTER: quarters,
        LANGUAGE: np.array([r.language for r in records], dtype=object),
    }
    if area is not None:
        columns[AREA_QUARTER] = np.array(
            [f"{a}:{q}" for a, q in zip(columns[area.id], quarters, strict=True)], dtype=object
        )
    coded = {b: codes_of(col.astype(str)) for b, col in columns.items()}
    if subset is not None:
        keep = np.array([bool(subset(r)) for r in records])
        coded = {b: (np.where(keep, codes, -1), labels) for b, (codes, labels) in coded.items()}
    quarter_codes, quarter_labels = coded[QUARTER]  # sorted, so consecutive codes are consecutive quarters
    windows = [
        (quarter_codes >= k - 3) & (quarter_codes <= k) & (quarter_codes >= 0)
        for k in range(3, len(quarter_labels))
    ]
    window_labels = [f"{quarter_labels[k - 3]}..{quarter_labels[k]}" for k in range(3, len(quarter_labels))]
    estimates: list[KpiEstimate] = []
    changes: list[KpiChange] = []
    in_subset = coded[OVERALL][0] >= 0
    for question, measure in questionnaire.measures:
        y = measure_values(records, question.id, measure)
        estimate = estimator(measure, level)
        changes.extend(
            _quarter_changes(
                measure.id, design, y, quarters, in_subset, suppress_below, level, measure.statistic
            )
        )

        def add(breakdown: str, ests: list, mid: str = measure.id, stat: str = measure.statistic) -> None:
            # A domain nobody in it answered (e.g. another place when filtered to one) is left out.
            estimates.extend(_to_kpi(mid, breakdown, e, suppress_below, stat) for e in ests if e.n > 0)

        for breakdown in breakdowns(questionnaire):
            if breakdown == ROLLING:
                # as analysis.change.rolling_estimates: each window a domain of the whole design
                for mask, label in zip(windows, window_labels, strict=True):
                    add(breakdown, estimate(design, y, np.where(mask, 0, -1), [label]))
            elif breakdown == AREA_ROLLING and area is not None:
                area_codes, area_labels = coded[area.id]
                rolling: list = []
                for mask, label in zip(windows, window_labels, strict=True):
                    names = [f"{a}|{label}" for a in area_labels]
                    dom = np.where(mask, area_codes, -1)
                    rolling.extend(estimate(design, y, dom, names))
                add(breakdown, sorted(rolling, key=lambda e: e.domain))
            else:
                codes, labels = coded[breakdown]
                add(breakdown, estimate(design, y, codes, [str(x) for x in labels]))
    return KpiResults(
        measures,
        tuple(estimates),
        summary,
        tuple(float(w) for w in design.weights),
        len(records),
        suppress_below,
        tuple(sorted(set(quarters.tolist()))),
        tuple(changes),
    )


def _quarter_changes(
    measure_id: str,
    design: Design,
    y: np.ndarray,
    quarters: np.ndarray,
    in_subset: np.ndarray,
    suppress_below: int,
    level: float,
    statistic: str,
) -> list[KpiChange]:
    """Each quarter against the one before, where both are published (bases not suppressed)."""
    has = ~np.isnan(y)
    labels = sorted(set(quarters[in_subset].tolist()))
    out = []
    for base, current in itertools.pairwise(labels):
        n_base = int(np.sum(in_subset & has & (quarters == base)))
        n_current = int(np.sum(in_subset & has & (quarters == current)))
        if min(n_base, n_current) < suppress_below:
            continue
        c = compare_waves(
            design, y, quarters, base, current, where=in_subset, level=level, statistic=statistic
        )
        if not math.isfinite(c.p_value):
            continue
        out.append(
            KpiChange(
                measure_id,
                base,
                current,
                c.difference,
                c.ci_low,
                c.ci_high,
                c.p_value,
                c.p_value < 1 - level,
                statistic,
            )
        )
    return out


def records_from_responses(responses: Iterable[Any], include: Callable[[Any], bool] | None = None):
    """ResponseRecords from objects with ``answers``, ``submitted_at`` and ``language`` (e.g. ORM rows)."""
    return [
        ResponseRecord(dict(r.answers or {}), r.submitted_at, r.language)
        for r in responses
        if include is None or include(r)
    ]
