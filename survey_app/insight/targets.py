"""Confidence targets (config/targets.yaml) and the target panel's verdict. Plain Python, no Flask.

A target names a questionnaire, one of its measures and one of its places (a choice of its area
question), or "all" for everyone who answered; `target_faults` says which targets name a measure or
a place their questionnaire does not have (a questionnaire without an area question has targets
for "all" only).

For a target (area, measure, baseline, target, dates) and the KPI results, the panel gives the
latest estimate with its interval; whether it differs significantly from the baseline (two-sided t
test against the fixed baseline on the estimate's design df); whether the target is met (the
one-sided test of ``analysis.change.above_target`` rejects "at or below the target"), not yet shown
to be met (before the target date), or missed (after it); and what would settle it, with 80% power
and inflated by the estimate's design effect:
- an estimate below the target: how many responses a quarter would detect a rise from the estimate to
  the target between two quarters (``analysis.planning.sample_size``, one-sided);
- an estimate at or above the target that the test does not yet show to be above it: how many
  responses in the period would show it, if the estimate is right
  (``analysis.planning.sample_size_above_target``, the power of the very test that decides "met").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from scipy import stats

from analysis.change import TargetTest, target_test
from analysis.planning import (
    PlanningError,
    SampleSize,
    TargetSampleSize,
    sample_size,
    sample_size_above_target,
)

from ..questionnaire import Questionnaire
from .kpis import AREA_QUARTER, AREA_ROLLING, QUARTER, ROLLING, InsightError, KpiEstimate, KpiResults

PERIODS = (QUARTER, ROLLING)
EVERYWHERE = "all"  # the area of a target for everyone who answered, wherever they are
STATUSES = ("met", "not_yet", "missed", "no_data")
ALPHA = 0.05
POWER = 0.8
_FIELDS = {
    "name",
    "questionnaire",
    "area",
    "measure",
    "baseline",
    "baseline_date",
    "target",
    "target_date",
    "period",
}


@dataclass(frozen=True)
class Target:
    name: str
    questionnaire: str
    area: str  # one of the questionnaire's places, or EVERYWHERE
    measure: str
    baseline: float
    baseline_date: dt.date
    target: float
    target_date: dt.date
    period: str = "quarter"


@dataclass(frozen=True)
class BaselineChange:
    difference: float
    t: float
    p_value: float  # two-sided
    significant: bool


@dataclass(frozen=True)
class TargetFault:
    """A target its questionnaire cannot show: `kind` is "measure" (no such measure), "mean" (a
    measure that is an average: targets are proportions), "area" (no such place) or "no_area" (a
    place named, but the questionnaire asks no place question)."""

    target: Target
    kind: str

    def __str__(self) -> str:
        t = self.target
        if self.kind == "measure":
            return f"target {t.name!r}: {t.questionnaire} has no measure {t.measure!r}"
        if self.kind == "mean":
            return f"target {t.name!r}: {t.measure!r} is an average, and targets are proportions"
        if self.kind == "area":
            return f"target {t.name!r}: {t.area!r} is not one of the places of {t.questionnaire}"
        return f"target {t.name!r}: {t.questionnaire} has no area question, so its targets are for 'all' only"


def target_faults(targets: list[Target], questionnaire: Questionnaire) -> list[TargetFault]:
    """What is wrong with each of the targets that name this questionnaire (the others are not its
    concern): a measure it does not declare, or an area that is not one of its places."""
    measures = {m.id: m for _q, m in questionnaire.measures}
    places = {c.value for c in questionnaire.places}
    faults = []
    for target in targets:
        if target.questionnaire != questionnaire.id:
            continue
        if target.measure not in measures:
            faults.append(TargetFault(target, "measure"))
        elif measures[target.measure].is_mean:
            faults.append(TargetFault(target, "mean"))
        elif target.area != EVERYWHERE and questionnaire.area_question is None:
            faults.append(TargetFault(target, "no_area"))
        elif target.area != EVERYWHERE and target.area not in places:
            faults.append(TargetFault(target, "area"))
    return faults


def targets_for(targets: list[Target], questionnaire: Questionnaire) -> list[Target]:
    """The targets of this questionnaire that it can show (see `target_faults` for the others)."""
    faulty = {fault.target for fault in target_faults(targets, questionnaire)}
    return [t for t in targets if t.questionnaire == questionnaire.id and t not in faulty]


@dataclass(frozen=True)
class TargetPanel:
    target: Target
    status: str
    period: str | None = None  # the quarter or window the latest estimate covers
    latest: KpiEstimate | None = None
    change: BaselineChange | None = None
    target_test: TargetTest | None = None
    plan: SampleSize | None = None  # the estimate is below the target
    confirm: TargetSampleSize | None = None  # the estimate is above the target, not yet shown to be
    more_per_quarter: int | None = None  # beyond the latest period's base; 0 when enough already

    @property
    def needed(self) -> int | None:
        """Responses in a period that would settle it (see the module's docstring)."""
        if self.confirm is not None:
            return self.confirm.n
        return self.plan.n_per_wave if self.plan is not None else None


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InsightError(f"{where}: {value!r} is not a date (write YYYY-MM-DD)") from None


def _proportion(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InsightError(f"{where}: {value!r} must be a proportion between 0 and 1 (e.g. 0.56)")
    return float(value)


def parse_targets(data: Any, source: str = "targets") -> list[Target]:
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise InsightError(f"{source}: expected a 'targets:' list")
    targets = []
    for i, item in enumerate(data["targets"], start=1):
        where = f"{source}: target {i}"
        if not isinstance(item, dict):
            raise InsightError(f"{where}: expected a mapping")
        unknown = sorted(set(item) - _FIELDS)
        missing = sorted(_FIELDS - {"period"} - set(item))
        if unknown or missing:
            raise InsightError(f"{where}: unknown fields {unknown}, missing fields {missing}")
        period = str(item.get("period", "quarter"))
        if period not in PERIODS:
            raise InsightError(f"{where}: period must be one of {', '.join(PERIODS)}")
        targets.append(
            Target(
                name=str(item["name"]),
                questionnaire=str(item["questionnaire"]),
                area=str(item["area"]),
                measure=str(item["measure"]),
                baseline=_proportion(item["baseline"], f"{where}: baseline"),
                baseline_date=_date(item["baseline_date"], f"{where}: baseline_date"),
                target=_proportion(item["target"], f"{where}: target"),
                target_date=_date(item["target_date"], f"{where}: target_date"),
                period=period,
            )
        )
    return targets


def load_targets(path: str | Path) -> list[Target]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InsightError(f"cannot read targets file {path}: {exc}") from exc
    return parse_targets(data, str(path))


def latest_estimate(
    target: Target, results: KpiResults, upto: str | None = None
) -> tuple[str, KpiEstimate] | None:
    """The newest period (ending no later than quarter ``upto``) with a published estimate."""
    everywhere = target.area == EVERYWHERE
    if target.period == QUARTER:
        breakdown = QUARTER if everywhere else AREA_QUARTER
    else:
        breakdown = ROLLING if everywhere else AREA_ROLLING
    candidates = []
    for est in results.find(target.measure, breakdown):
        if est.suppressed or est.estimate is None:
            continue
        if everywhere:
            candidates.append((est.domain, est))
        else:
            area, _, period = est.domain.replace("|", ":").partition(":")
            if area == target.area:
                candidates.append((period, est))
    if upto is not None:
        candidates = [(p, e) for p, e in candidates if p.rpartition("..")[2] <= upto]
    return max(candidates, key=lambda item: item[0]) if candidates else None


def _baseline_change(estimate: float, se: float, df: int, baseline: float) -> BaselineChange | None:
    if not se > 0 or not df:
        return None
    t = (estimate - baseline) / se
    p = float(2 * stats.t.sf(abs(t), df))
    return BaselineChange(estimate - baseline, t, p, p < ALPHA)


def _deff(est: KpiEstimate) -> float:
    return est.deff if est.deff and math.isfinite(est.deff) and est.deff > 0 else 1.0


def _plan(estimate: float, deff: float, target: float) -> SampleSize | None:
    try:
        return sample_size(estimate, target, power=POWER, alpha=ALPHA, one_sided=True, deff=deff)
    except PlanningError:
        return None  # estimate exactly on the target, or 0 or 1


def _confirm(estimate: float, deff: float, target: float) -> TargetSampleSize | None:
    try:
        return sample_size_above_target(estimate, target, power=POWER, alpha=ALPHA, deff=deff)
    except PlanningError:
        return None  # estimate exactly on the target (nothing could show it above), or 0 or 1


def evaluate(target: Target, results: KpiResults, today: dt.date, upto: str | None = None) -> TargetPanel:
    """The panel as of ``today``, from the latest period up to quarter ``upto`` (default: any)."""
    found = latest_estimate(target, results, upto)
    if found is None:
        return TargetPanel(target, "no_data")
    period, est = found
    estimate, se, df = est.estimate, est.se, est.df
    if estimate is None or se is None or df is None:
        # latest_estimate passes only published estimates, and those carry all three: the standard
        # error is missing only where the estimate is (analysis.proportions).
        raise RuntimeError(f"the {period} estimate of {target.measure} has no estimate, error or df")
    test = target_test(estimate, se, df, target.target, alpha=ALPHA)
    if test.above:
        status = "met"
    elif today > target.target_date:
        status = "missed"
    else:
        status = "not_yet"
    plan = confirm = None
    if not test.above and estimate < target.target:
        plan = _plan(estimate, _deff(est), target.target)
    elif not test.above:
        confirm = _confirm(estimate, _deff(est), target.target)
    change = _baseline_change(estimate, se, df, target.baseline)
    panel = TargetPanel(target, status, period, est, change, test, plan, confirm)
    needed = panel.needed
    return replace(panel, more_per_quarter=None if needed is None else max(0, needed - (est.n or 0)))
