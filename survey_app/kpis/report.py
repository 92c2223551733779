"""Every KPI's figure, interval, comparison with its baseline and status for one quarter.

Plain Python, no Flask: the figures come through `Sources` (the database, in `sources.py`), and
every statistic from `analysis/`. The status rules are written out in `STATUS_RULES` and shown on
every page and in the board paper, so nobody has to guess what a word means.

How each unit is judged
    count      the quarter's count against the baseline's quarterly count by R's exact
               ``poisson.test`` of the rate ratio; one-sided p-values in each direction
    headcount  the figure against the baseline and the target, with no test (people in post are
               not random events)
    rank       Trafford's position over the twelve months to the quarter's end against the baseline
               position (kept, or not)
    proportion each town centre's target panel (`insight.targets.evaluate`)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from analysis.counts import poisson_interval, rate_ratio_test

from .rates import PeriodRates
from .register import Figure, Kpi, Register, quarter_index, quarter_of_index, quarters_between

MET = "met"
ON_TRACK = "on_track"
NOT_YET_SHOWN = "not_yet_shown"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
# Least favourable first: a KPI of several lines takes the least favourable line's status.
STATUSES = (OFF_TRACK, NOT_YET_SHOWN, ON_TRACK, MET, NO_DATA)
ALPHA = 0.05
LEVEL = 0.95


@dataclass(frozen=True)
class Revision:
    value: int
    revision: int
    by: str
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    revisions: tuple[Revision, ...]  # newest first; empty when nothing was entered

    @property
    def value(self) -> int | None:
        return self.revisions[0].value if self.revisions else None

    @property
    def revised(self) -> bool:
        return len(self.revisions) > 1


@dataclass(frozen=True)
class Comparison:
    """The quarter against the baseline: rate ratio (count KPIs) with R's exact test."""

    ratio: float
    ci_low: float
    ci_high: float
    p_value: float  # two-sided
    p_better: float  # one-sided, H0: no better than the baseline
    p_worse: float  # one-sided, H0: no worse than the baseline

    @property
    def shown_better(self) -> bool:
        return self.p_better < ALPHA

    @property
    def shown_worse(self) -> bool:
        return self.p_worse < ALPHA


@dataclass(frozen=True)
class Point:
    """One quarter of a trend. ``value`` None: no figure (a gap)."""

    quarter: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class SurveyLine:
    """One town centre of a survey KPI."""

    name: str
    status: str
    period: str | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    baseline: float
    baseline_date: dt.date
    target: float
    target_date: dt.date
    change: float | None  # from the baseline, in proportion points
    change_p_value: float | None
    change_significant: bool
    trend: tuple[Point, ...] = ()


@dataclass(frozen=True)
class CrimeFigures:
    quarter: PeriodRates
    year: PeriodRates
    by_type: tuple[PeriodRates, ...]  # twelve months to the quarter's end, each crime type
    left_out: dict[str, int]  # rows of the year's files not counted, by reason
    by_type_quarter: tuple[PeriodRates, ...] = ()  # the quarter alone, each crime type


@dataclass(frozen=True)
class KpiResult:
    kpi: Kpi
    quarter: str
    status: str
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    comparison: Comparison | None = None
    figures: tuple[FigureValue, ...] = ()
    lines: tuple[SurveyLine, ...] = ()
    crime: CrimeFigures | None = None
    trend: tuple[Point, ...] = ()
    previous_value: float | None = None
    previous_status: str | None = None
    missing: tuple[str, ...] = field(default=())  # figures not entered, or crime months not imported
    note: str = ""  # why there is no status, in plain words (the pages translate by `missing`)

    @property
    def revised(self) -> bool:
        return any(f.revised for f in self.figures)

    @property
    def baseline_per_quarter(self) -> float | None:
        b = self.kpi.baseline
        if b is None:
            return None
        return b.value / b.quarters if self.kpi.unit == "count" else b.value

    @property
    def target_per_quarter(self) -> float | None:
        value, b = self.kpi.target_value, self.kpi.baseline
        if value is None or b is None:
            return None
        return value / b.quarters if self.kpi.unit == "count" else value

    @property
    def status_changed(self) -> bool:
        return self.previous_status is not None and self.previous_status != self.status


class Sources(Protocol):
    def figures(self, kpi: Kpi) -> dict[tuple[str, str], list[Revision]]:
        """(figure id, quarter) -> revisions, newest first."""
        ...

    def crime(self, quarter: str, *, detail: bool = True) -> CrimeFigures:
        """The districts' rates for the quarter and the year to it; with ``detail``, by crime type."""
        ...

    def survey(self, kpi: Kpi, quarter: str, quarters: Sequence[str]) -> tuple[SurveyLine, ...]:
        """One line per town centre with a target for the KPI's measure, as of ``quarter``, with its
        trend over ``quarters``."""
        ...


def quarter_end(quarter: str) -> dt.date:
    index = quarter_index(quarter) + 1
    year, month = index // 4, (index % 4) * 3 + 1
    return dt.date(year, month, 1) - dt.timedelta(days=1)


def previous_quarter(quarter: str) -> str:
    return quarter_of_index(quarter_index(quarter) - 1)


def worst(statuses: Sequence[str]) -> str:
    known = [s for s in statuses if s != NO_DATA]
    if not known:
        return NO_DATA
    return min(known, key=STATUSES.index)


def reached(kpi: Kpi, value: float, target: float) -> bool:
    return value <= target if kpi.direction == "lower" else value >= target


def compare_count(kpi: Kpi, count: int) -> Comparison | None:
    """The quarter's count against the baseline's quarterly count (``poisson.test``, both sides)."""
    b = kpi.baseline
    if b is None or count + b.value == 0:
        return None
    base = round(b.value)
    two = rate_ratio_test(count, base, 1.0, b.quarters, alternative="two.sided", level=LEVEL)
    less = rate_ratio_test(count, base, 1.0, b.quarters, alternative="less", level=LEVEL)
    greater = rate_ratio_test(count, base, 1.0, b.quarters, alternative="greater", level=LEVEL)
    better, worse = (less, greater) if kpi.direction == "lower" else (greater, less)
    return Comparison(two.estimate, two.ci_low, two.ci_high, two.p_value, better.p_value, worse.p_value)


def count_status(kpi: Kpi, count: int, comparison: Comparison | None, quarter: str) -> str:
    target = kpi.target
    if target is None:
        return NO_DATA
    past_date = quarter_end(quarter) > target.date
    if target.kind == "maintain":
        return OFF_TRACK if comparison is not None and comparison.shown_worse else MET
    target_value, b = kpi.target_value, kpi.baseline
    shown_better = comparison is not None and comparison.shown_better
    if (
        target_value is not None
        and b is not None
        and reached(kpi, count, target_value / b.quarters)
        and shown_better
    ):
        return MET
    if past_date or (comparison is not None and comparison.shown_worse):
        return OFF_TRACK
    return ON_TRACK if shown_better else NOT_YET_SHOWN


def headcount_status(kpi: Kpi, value: int, quarter: str) -> str:
    b, target_value, target = kpi.baseline, kpi.target_value, kpi.target
    if b is None or target_value is None or target is None:
        return NO_DATA
    if reached(kpi, value, target_value):
        return MET
    if quarter_end(quarter) > target.date or kpi.better(b.value, value):
        return OFF_TRACK
    return ON_TRACK if kpi.better(value, b.value) else NOT_YET_SHOWN


def rank_status(kpi: Kpi, rank: int) -> str:
    b = kpi.baseline
    if b is None:
        return NO_DATA
    return MET if rank <= b.value else OFF_TRACK


def _entered(kpi: Kpi, quarter: str, history: dict[tuple[str, str], list[Revision]]) -> KpiResult:
    figures = tuple(FigureValue(f, tuple(history.get((f.id, quarter), ()))) for f in kpi.figures)
    missing = tuple(f.figure.id for f in figures if f.value is None)
    if missing:
        return KpiResult(kpi, quarter, NO_DATA, figures=figures, missing=missing)
    value = sum(f.value or 0 for f in figures)
    if kpi.unit == "headcount":
        return KpiResult(kpi, quarter, headcount_status(kpi, value, quarter), value, figures=figures)
    low, high = poisson_interval(value, LEVEL)
    comparison = compare_count(kpi, value)
    status = count_status(kpi, value, comparison, quarter)
    return KpiResult(kpi, quarter, status, value, low, high, comparison, figures=figures)


def _crime(kpi: Kpi, quarter: str, crime: CrimeFigures) -> KpiResult:
    home = crime.year.home
    if not crime.year.complete or home is None:
        return KpiResult(kpi, quarter, NO_DATA, crime=crime, missing=crime.year.missing)
    return KpiResult(kpi, quarter, rank_status(kpi, home.rank), home.rank, crime=crime)


def result_for(
    kpi: Kpi, quarter: str, register: Register, sources: Sources, *, with_history: bool = True
) -> KpiResult:
    """The KPI as of ``quarter``; with its trend over the strategy's quarters and the quarter before."""
    trend_quarters = quarters_between(register.first_quarter, quarter)
    if kpi.source == "survey":
        lines = sources.survey(kpi, quarter, trend_quarters if with_history else ())
        result = KpiResult(
            kpi, quarter, worst([line.status for line in lines]) if lines else NO_DATA, lines=lines
        )
    elif kpi.source == "crime":
        result = _crime(kpi, quarter, sources.crime(quarter, detail=with_history))
    else:
        result = _entered(kpi, quarter, sources.figures(kpi))
    if not with_history:
        return result
    trend = tuple(_point(result_for(kpi, q, register, sources, with_history=False)) for q in trend_quarters)
    if quarter_index(quarter) <= quarter_index(register.first_quarter):
        return replace(result, trend=trend)  # the strategy's first quarter has no quarter before
    previous = result_for(kpi, previous_quarter(quarter), register, sources, with_history=False)
    return replace(result, trend=trend, previous_value=previous.value, previous_status=previous.status)


def _point(result: KpiResult) -> Point:
    return Point(result.quarter, result.value, result.ci_low, result.ci_high)


@dataclass(frozen=True)
class Report:
    register: Register
    quarter: str
    results: tuple[KpiResult, ...]
    generated_at: dt.datetime

    def in_subgroup(self, subgroup_id: str) -> list[KpiResult]:
        return [r for r in self.results if r.kpi.subgroup == subgroup_id]

    def get(self, kpi_id: str) -> KpiResult | None:
        return next((r for r in self.results if r.kpi.id == kpi_id), None)

    @property
    def changed(self) -> list[KpiResult]:
        return [r for r in self.results if r.status_changed]


def build_report(
    register: Register, quarter: str, sources: Sources, now: dt.datetime | None = None
) -> Report:
    results = tuple(result_for(kpi, quarter, register, sources) for kpi in register.kpis)
    return Report(register, quarter, results, now or dt.datetime.now(dt.UTC))


def finite(value: float | None) -> float | None:
    """A number for JSON: infinite or missing ends become None."""
    return value if value is not None and math.isfinite(value) else None
