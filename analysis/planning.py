"""Sample sizes and power: for detecting a change in a proportion between two waves, and for showing
that a proportion is above a fixed target.

Between waves, the formulas are R's ``power.prop.test`` (non-strict, normal approximation, equal
sizes per wave); we solve for n in closed form where R uses ``uniroot`` (so R's n differs from ours
by R's root tolerance, about 1e-4 respondents). Against a target, they are R's one-sample
``power.t.test`` (the noncentral t), matching the test ``analysis.change.above_target`` makes.
A design effect multiplies the simple-random-sample size: a clustered or weighted survey needs
``deff`` times as many respondents for the same power.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from scipy import optimize, stats


class PlanningError(ValueError):
    """Impossible planning inputs (p outside (0, 1), p1 == p2, power or alpha outside (0, 1))."""


@dataclass(frozen=True)
class SampleSize:
    """Respondents needed per wave."""

    p1: float
    p2: float
    power: float
    alpha: float
    one_sided: bool
    deff: float
    n_srs: float  # per wave under simple random sampling (R's power.prop.test n)
    n_design: float  # n_srs * deff
    n_per_wave: int  # n_design rounded up

    def as_dict(self) -> dict:
        return asdict(self)


def _check(p1: float, p2: float, alpha: float, deff: float) -> None:
    if not (0 < p1 < 1 and 0 < p2 < 1):
        raise PlanningError("p1 and p2 must be between 0 and 1")
    if p1 == p2:
        raise PlanningError("p1 and p2 must differ")
    if not 0 < alpha < 1:
        raise PlanningError("alpha must be between 0 and 1")
    if not deff > 0:
        raise PlanningError("the design effect must be positive")


def sample_size(
    p1: float,
    p2: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    one_sided: bool = False,
    deff: float = 1.0,
) -> SampleSize:
    """Respondents per wave to detect a change from ``p1`` to ``p2`` (R: ``power.prop.test``)."""
    _check(p1, p2, alpha, deff)
    if not 0 < power < 1:
        raise PlanningError("power must be between 0 and 1")
    sides = 1 if one_sided else 2
    z_a = stats.norm.isf(alpha / sides)
    z_b = stats.norm.ppf(power)
    pbar_term = math.sqrt((p1 + p2) * (1 - (p1 + p2) / 2))
    sd_term = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    n = ((z_a * pbar_term + z_b * sd_term) / abs(p1 - p2)) ** 2
    n_design = n * deff
    return SampleSize(p1, p2, power, alpha, one_sided, deff, n, n_design, math.ceil(n_design - 1e-9))


def power_for(
    n: float, p1: float, p2: float, *, alpha: float = 0.05, one_sided: bool = False, deff: float = 1.0
) -> float:
    """Power with ``n`` respondents per wave (effective size n / deff), as ``power.prop.test``."""
    _check(p1, p2, alpha, deff)
    if not n > 0:
        raise PlanningError("n must be positive")
    n_eff = n / deff
    sides = 1 if one_sided else 2
    z_a = stats.norm.isf(alpha / sides)
    num = math.sqrt(n_eff * (p1 - p2) ** 2) - z_a * math.sqrt((p1 + p2) * (1 - (p1 + p2) / 2))
    return float(stats.norm.cdf(num / math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))))


@dataclass(frozen=True)
class TargetSampleSize:
    """Respondents in one period for a one-sided test that a proportion is above a fixed target."""

    p: float  # the proportion assumed true (e.g. the latest estimate)
    target: float
    power: float
    alpha: float
    deff: float
    n_srs: float  # under simple random sampling (R's power.t.test n)
    n_design: float  # n_srs * deff
    n: int  # n_design rounded up

    def as_dict(self) -> dict:
        return asdict(self)


def _above_target_power(n: float, p: float, target: float, alpha: float) -> float:
    df = n - 1
    critical = stats.t.isf(alpha, df)
    return float(stats.nct.sf(critical, df, math.sqrt(n) * abs(p - target) / math.sqrt(p * (1 - p))))


def power_above_target(n: float, p: float, target: float, *, alpha: float = 0.05, deff: float = 1.0) -> float:
    """Power of the one-sided t test of "proportion <= target" with ``n`` respondents (effective size
    n / deff) when the proportion is ``p``, as R's
    ``power.t.test(n, delta = p - target, sd = sqrt(p * (1 - p)), type = "one.sample",
    alternative = "one.sided")``."""
    _check(p, target, alpha, deff)
    if not n / deff > 1:
        raise PlanningError("n / deff must be more than 1")
    return _above_target_power(n / deff, p, target, alpha)


_MOST_RESPONDENTS = 1e8


def sample_size_above_target(
    p: float, target: float, *, power: float = 0.8, alpha: float = 0.05, deff: float = 1.0
) -> TargetSampleSize:
    """Respondents needed for the test of ``analysis.change.above_target`` (one-sided t test of
    H0: proportion <= target on the proportion scale) to reject with ``power`` when the proportion
    really is ``p``: the question "how many responses would show that an estimate above the target
    is really above it?". R: ``power.t.test(delta = p - target, sd = sqrt(p * (1 - p)),
    sig.level = alpha, power = power, type = "one.sample", alternative = "one.sided")$n``, times
    the design effect. R finds n with ``uniroot`` to about 1e-4; we solve to 1e-9.
    """
    _check(p, target, alpha, deff)
    if not 0 < power < 1:
        raise PlanningError("power must be between 0 and 1")
    if _above_target_power(_MOST_RESPONDENTS, p, target, alpha) < power:
        raise PlanningError("more than 100 million respondents would be needed")
    n = optimize.brentq(
        lambda m: _above_target_power(m, p, target, alpha) - power,
        2,
        _MOST_RESPONDENTS,
        xtol=1e-9,
        rtol=1e-12,
    )
    n_design = n * deff
    return TargetSampleSize(p, target, power, alpha, deff, n, n_design, math.ceil(n_design - 1e-9))
