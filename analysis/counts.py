"""Exact inference for counts of events: R's ``poisson.test``, one- and two-sample.

A KPI such as "repeat victims in a cohort of 43" is a small count. A normal approximation would give
intervals below zero and p-values that are too small, so every count carries the exact (Garwood)
interval and every comparison with a baseline the exact conditional test of a rate ratio:

- one sample, ``poisson.test(x, T, r)``: is the rate ``x / T`` equal to ``r``? The interval is the
  exact Poisson interval from the gamma quantiles, divided by ``T``;
- two samples, ``poisson.test(c(x1, x2), c(T1, T2), r)``: given ``x1 + x2`` events, ``x1`` is
  binomial with ``p = r T1 / (r T1 + T2)``; the test is ``binom.test`` and the interval for the rate
  ratio is the Clopper-Pearson interval for ``p`` turned into ``p T2 / ((1 - p) T1)``.

The two-sided p-values sum the probabilities of every outcome no more likely than the one seen,
with R's relative tolerance of 1e-7 for ties, so they equal R's to rounding.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy import stats

Alternative = Literal["two.sided", "less", "greater"]
ALTERNATIVES: tuple[str, ...] = ("two.sided", "less", "greater")
# R's tolerance for "as likely as the observed outcome" in the two-sided exact p-values.
_RELATIVE_ERROR = 1 + 1e-7


class CountError(ValueError):
    """A count, exposure, ratio or level that the tests cannot take."""


@dataclass(frozen=True)
class PoissonTest:
    """A count (or a ratio of two rates) with its exact interval and test, as ``poisson.test``."""

    estimate: float  # the rate x / T, or the rate ratio (x1 / T1) / (x2 / T2)
    ci_low: float
    ci_high: float
    p_value: float
    null: float  # the rate (one sample) or rate ratio (two samples) tested against
    alternative: str
    level: float

    def as_dict(self) -> dict:
        return asdict(self)


def _check_count(x: float, name: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise CountError(f"{name} must be a whole number of events, not {x!r}")
    if not math.isfinite(float(x)) or x < 0 or float(x) != round(float(x)):
        raise CountError(f"{name} must be a whole number of events (0 or more), not {x}")
    return round(float(x))


def _check_positive(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise CountError(f"{name} must be a number above 0, not {value!r}")
    if not math.isfinite(float(value)) or value <= 0:
        raise CountError(f"{name} must be a number above 0, not {value}")
    return float(value)


def _check(alternative: str, level: float) -> None:
    if alternative not in ALTERNATIVES:
        raise CountError(f"alternative must be one of {', '.join(ALTERNATIVES)}, not {alternative!r}")
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise CountError(f"level must be between 0 and 1, not {level!r}")


def poisson_interval(x: int, level: float = 0.95) -> tuple[float, float]:
    """The exact two-sided interval for the mean of a Poisson count ``x`` (R: ``poisson.test(x)``)."""
    x = _check_count(x, "count")
    _check("two.sided", level)
    alpha = (1 - level) / 2
    return _gamma_lower(x, alpha), _gamma_upper(x, alpha)


def poisson_intervals(counts: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """`poisson_interval` for many counts at once (a table of districts): the same numbers, in one
    pass of the gamma quantiles."""
    x = np.asarray(counts, dtype=np.float64)
    if x.ndim != 1 or not np.all(np.isfinite(x)) or np.any(x < 0) or np.any(x != np.round(x)):
        raise CountError("counts must be whole numbers of events (0 or more)")
    _check("two.sided", level)
    alpha = (1 - level) / 2
    with np.errstate(invalid="ignore"):
        low = np.where(x == 0, 0.0, stats.gamma.ppf(alpha, np.where(x == 0, 1, x)))
    high = stats.gamma.isf(alpha, x + 1)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _gamma_lower(x: int, alpha: float) -> float:
    return 0.0 if x == 0 else float(stats.gamma.ppf(alpha, x))


def _gamma_upper(x: int, alpha: float) -> float:
    return float(stats.gamma.isf(alpha, x + 1))


def _poisson_two_sided(x: int, m: float) -> float:
    if m == 0:
        return float(x == 0)
    if x == m:
        return 1.0
    d = stats.poisson.pmf(x, m)
    if x < m:
        # Far enough above the mean that every count beyond is less likely than x.
        n = math.ceil(2 * m - x)
        while stats.poisson.pmf(n, m) > d:
            n *= 2
        upper = np.arange(math.ceil(m), n + 1)
        y = int(np.sum(stats.poisson.pmf(upper, m) <= d * _RELATIVE_ERROR))
        p = stats.poisson.cdf(x, m) + stats.poisson.sf(n - y, m)
    else:
        lower = np.arange(0, math.floor(m) + 1)
        y = int(np.sum(stats.poisson.pmf(lower, m) <= d * _RELATIVE_ERROR))
        p = stats.poisson.cdf(y - 1, m) + stats.poisson.sf(x - 1, m)
    return float(min(1.0, p))


def poisson_test(
    x: int,
    exposure: float = 1.0,
    rate: float = 1.0,
    *,
    alternative: Alternative = "two.sided",
    level: float = 0.95,
) -> PoissonTest:
    """Exact test that the event rate is ``rate`` (R: ``poisson.test(x, T = exposure, r = rate)``)."""
    x = _check_count(x, "count")
    exposure = _check_positive(exposure, "exposure")
    rate = _check_positive(rate, "rate")
    _check(alternative, level)
    m = rate * exposure
    if alternative == "less":
        p = float(stats.poisson.cdf(x, m))
        low, high = 0.0, _gamma_upper(x, 1 - level)
    elif alternative == "greater":
        p = float(stats.poisson.sf(x - 1, m))
        low, high = _gamma_lower(x, 1 - level), math.inf
    else:
        p = _poisson_two_sided(x, m)
        low, high = poisson_interval(x, level)
    return PoissonTest(x / exposure, low / exposure, high / exposure, p, rate, alternative, level)


def _binomial_two_sided(x: int, n: int, p: float) -> float:
    m = n * p
    if x == m:
        return 1.0
    d = stats.binom.pmf(x, n, p) * _RELATIVE_ERROR
    if x < m:
        upper = np.arange(math.ceil(m), n + 1)
        y = int(np.sum(stats.binom.pmf(upper, n, p) <= d))
        value = stats.binom.cdf(x, n, p) + stats.binom.sf(n - y, n, p)
    else:
        lower = np.arange(0, math.floor(m) + 1)
        y = int(np.sum(stats.binom.pmf(lower, n, p) <= d))
        value = stats.binom.cdf(y - 1, n, p) + stats.binom.sf(x - 1, n, p)
    return float(min(1.0, value))


def _beta_lower(x: int, n: int, alpha: float) -> float:
    return 0.0 if x == 0 else float(stats.beta.ppf(alpha, x, n - x + 1))


def _beta_upper(x: int, n: int, alpha: float) -> float:
    return 1.0 if x == n else float(stats.beta.isf(alpha, x + 1, n - x))


def _ratio(p: float, exposure: float, base_exposure: float) -> float:
    """The rate ratio that binomial proportion ``p`` stands for."""
    if p >= 1:
        return math.inf
    return p * base_exposure / ((1 - p) * exposure)


def rate_ratio_test(
    x: int,
    base: int,
    exposure: float = 1.0,
    base_exposure: float = 1.0,
    ratio: float = 1.0,
    *,
    alternative: Alternative = "two.sided",
    level: float = 0.95,
) -> PoissonTest:
    """Exact test that ``(x / exposure) / (base / base_exposure)`` equals ``ratio``
    (R: ``poisson.test(c(x, base), c(exposure, base_exposure), r = ratio)``).

    With no events at all there is nothing to compare (R stops with an error): the estimate and
    interval are NaN and the p-value is 1."""
    x = _check_count(x, "count")
    base = _check_count(base, "baseline count")
    exposure = _check_positive(exposure, "exposure")
    base_exposure = _check_positive(base_exposure, "baseline exposure")
    ratio = _check_positive(ratio, "rate ratio")
    _check(alternative, level)
    n = x + base
    estimate = (x / exposure) / (base / base_exposure) if base else (math.inf if x else math.nan)
    if n == 0:
        return PoissonTest(estimate, math.nan, math.nan, 1.0, ratio, alternative, level)
    p = ratio * exposure / (ratio * exposure + base_exposure)
    if alternative == "less":
        p_value = float(stats.binom.cdf(x, n, p))
        low, high = 0.0, _beta_upper(x, n, 1 - level)
    elif alternative == "greater":
        p_value = float(stats.binom.sf(x - 1, n, p))
        low, high = _beta_lower(x, n, 1 - level), 1.0
    else:
        p_value = _binomial_two_sided(x, n, p)
        alpha = (1 - level) / 2
        low, high = _beta_lower(x, n, alpha), _beta_upper(x, n, alpha)
    return PoissonTest(
        estimate,
        _ratio(low, exposure, base_exposure),
        _ratio(high, exposure, base_exposure),
        p_value,
        ratio,
        alternative,
        level,
    )
