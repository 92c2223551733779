"""Ward estimates that borrow strength, for the staff ward page (issue 18). Plain Python: no Flask.

For one measure and one period, every ward's direct estimate (a domain of the raked design that
every other figure uses) and its model-based estimate from the Fay-Herriot model of
``analysis.smallarea``, with auxiliary variables for every ward from ``data/ward_auxiliary.csv``
(ONS mid-year estimates; see ``data/README.md`` and ADR 0034). A ward with fewer than two answers,
or where everyone gave the same answer, has no direct estimate the model can use: it gets the
model's synthetic estimate. Direct estimates below the dashboard's suppression threshold are not
shown (their interval is too wide to read), but the model still uses them.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from analysis.raking import Margin
from analysis.smallarea import MODEL, SYNTHETIC, SmallAreaError, from_direct

from ..questionnaire.model import DONT_KNOW, PREFER_NOT_TO_SAY, Question, Questionnaire
from .kpis import (
    DEFAULT_SUPPRESS_BELOW,
    InsightError,
    ResponseRecord,
    estimator,
    measure_values,
    quarter_of,
    weighted_design,
)

DEFAULT_AUXILIARY_PATH = Path(__file__).resolve().parents[2] / "data" / "ward_auxiliary.csv"
COVARIATES = ("under_16_share", "adult_growth")

__all__ = [
    "MODEL",
    "SYNTHETIC",
    "Auxiliary",
    "WardEstimates",
    "WardModelError",
    "WardRow",
    "estimate_wards",
    "load_auxiliary",
]


class WardModelError(InsightError):
    """Ward estimates cannot be given for this survey or period; ``reason`` says why, for the page."""

    NO_WARD_QUESTION = "no_ward_question"
    TOO_FEW_WARDS = "too_few_wards"
    AUXILIARY_FILE = "auxiliary_file"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Auxiliary:
    """Each ward's code (the questionnaire's answer value) and its auxiliary variables."""

    codes: tuple[str, ...]
    covariates: tuple[str, ...]
    values: np.ndarray  # one row per ward, one column per covariate

    def ward_question(self, questionnaire: Questionnaire) -> Question | None:
        """The question whose answers are these wards (every ward a choice, nothing else but
        "don't know" or "prefer not to say")."""
        wards = set(self.codes)
        for question in questionnaire.questions:
            values = {v for v in question.choice_values if v not in (DONT_KNOW, PREFER_NOT_TO_SAY)}
            if values and values == wards:
                return question
        return None


def load_auxiliary(path: str | Path | None = None, covariates: Sequence[str] = COVARIATES) -> Auxiliary:
    """The ward auxiliary file, checked: one row per ward, a number for every covariate."""
    path = Path(path or DEFAULT_AUXILIARY_PATH)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _unusable(f"cannot read the ward auxiliary file: {exc}") from exc
    codes = tuple(r.get("ward") or "" for r in rows)
    if not rows or "" in codes or len(set(codes)) != len(codes):
        raise _unusable("the ward auxiliary file needs one row per ward, each with a ward code")
    try:
        values = np.array([[float(r[c]) for c in covariates] for r in rows], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise _unusable(f"the ward auxiliary file needs a number in {', '.join(covariates)}") from exc
    if not np.isfinite(values).all():
        raise _unusable(f"the ward auxiliary file needs a number in {', '.join(covariates)}")
    return Auxiliary(codes, tuple(covariates), values)


def _unusable(detail: str) -> WardModelError:
    return WardModelError(WardModelError.AUXILIARY_FILE, detail)


@dataclass(frozen=True)
class WardRow:
    ward: str
    n: int  # answers in the period (the measure's base)
    direct: float | None  # None: no answers, or fewer than the suppression threshold
    direct_low: float | None
    direct_high: float | None
    estimate: float
    ci_low: float
    ci_high: float
    kind: str  # MODEL (survey and model) or SYNTHETIC (model only)
    shrinkage: float  # the share of the model-based estimate that comes from the ward's own answers


@dataclass(frozen=True)
class WardEstimates:
    measure_id: str
    statistic: str  # PROPORTION or MEAN
    question_id: str  # the ward question
    quarters: tuple[str, ...]  # the period
    rows: tuple[WardRow, ...]  # in the auxiliary file's order
    area_variance: float
    truncated: bool
    n: int  # answers in the period, every ward (and none) together
    suppress_below: int
    level: float

    @property
    def ranked(self) -> list[WardRow]:
        """Highest model-based estimate first."""
        return sorted(self.rows, key=lambda r: -r.estimate)


def estimate_wards(
    questionnaire: Questionnaire,
    records: Sequence[ResponseRecord],
    margins: Mapping[str, Margin],
    measure_id: str,
    quarters: Collection[str],
    auxiliary: Auxiliary,
    *,
    suppress_below: int = DEFAULT_SUPPRESS_BELOW,
    level: float = 0.95,
) -> WardEstimates:
    """Direct and model-based estimates of the measure in every ward, for answers in ``quarters``.

    Raises WardModelError when the questionnaire has no ward question or the model cannot be fitted
    (too few wards with answers).
    """
    question = auxiliary.ward_question(questionnaire)
    if question is None:
        raise WardModelError(WardModelError.NO_WARD_QUESTION, "no question whose answers are the wards")
    measured, measure = next((q, m) for q, m in questionnaire.measures if m.id == measure_id)
    design = weighted_design(questionnaire, records, margins)
    y = measure_values(records, measured.id, measure)
    index = {code: k for k, code in enumerate(auxiliary.codes)}
    in_period = np.array([quarter_of(r.submitted_at) in quarters for r in records], dtype=bool)
    ward = np.array([index.get(str(r.answers.get(question.id)), -1) for r in records], dtype=np.int64)
    codes = np.where(in_period, ward, -1)
    direct = estimator(measure, level)(design, y, codes, list(auxiliary.codes))
    try:
        fit = from_direct(
            direct,
            auxiliary.values,
            labels=list(auxiliary.codes),
            covariate_names=list(auxiliary.covariates),
            level=level,
            bounds=None if measure.is_mean else (0.0, 1.0),
        )
    except SmallAreaError as exc:
        raise WardModelError(WardModelError.TOO_FEW_WARDS, str(exc)) from exc
    rows = []
    for d, area in zip(direct, fit.areas, strict=True):
        shown = d.n >= suppress_below and math.isfinite(d.estimate)
        rows.append(
            WardRow(
                ward=area.area,
                n=d.n,
                direct=d.estimate if shown else None,
                direct_low=d.ci_low if shown else None,
                direct_high=d.ci_high if shown else None,
                estimate=area.estimate,
                ci_low=area.ci_low,
                ci_high=area.ci_high,
                kind=area.kind,
                shrinkage=area.shrinkage,
            )
        )
    answered = in_period & ~np.isnan(y)
    return WardEstimates(
        measure_id=measure_id,
        statistic=measure.statistic,
        question_id=question.id,
        quarters=tuple(sorted(quarters)),
        rows=tuple(rows),
        area_variance=fit.area_variance,
        truncated=fit.truncated,
        n=int(answered.sum()),
        suppress_below=suppress_below,
        level=level,
    )
