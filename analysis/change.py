"""Change between waves, tests against a target, and rolling four-quarter estimates.

The change between two waves is a contrast of two domain means of one design, as R's
``svycontrast(svyby(~y, ~wave, design, svymean, covmat = TRUE), c(-1, 1))``: the two waves' influence
values go into one total so any covariance (respondents of both waves sharing PSUs, or a raking that
spans both) is counted. Intervals and p-values use the t distribution on the degrees of freedom of the
two waves together (R's ``confint`` on a contrast defaults to the normal; we are deliberately a little
more conservative for small designs; with many PSUs the two agree).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from .design import Design
from .distributions import t_ppf, t_sf
from .means import check_values
from .proportions import ProportionEstimate, check_outcome, estimate_proportions


@dataclass(frozen=True)
class Change:
    """Difference ``current - base`` with its standard error, interval and two-sided p-value."""

    base: str
    current: str
    base_estimate: float
    current_estimate: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    p_value: float  # two-sided, H0: no change
    p_value_increase: float  # one-sided, H0: current <= base
    level: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TargetTest:
    """One-sided test of whether a proportion is above a target value."""

    estimate: float
    target: float
    se: float
    df: int
    t: float
    p_value: float  # H0: true proportion <= target
    above: bool  # the test rejects at the given alpha

    def as_dict(self) -> dict:
        return asdict(self)


def compare_waves(
    design: Design,
    outcome: ArrayLike,
    wave: ArrayLike,
    base: str,
    current: str,
    *,
    where: ArrayLike | None = None,
    level: float = 0.95,
    statistic: str = "proportion",
) -> Change:
    """Change in the weighted proportion (``statistic="mean"``: the weighted mean of a numeric
    outcome) from wave ``base`` to wave ``current``; the contrast is the same for both.

    ``where`` (a boolean mask, e.g. area == "Altrincham") restricts both waves to one domain; the
    variance still uses the whole design. Missing outcomes are left out as in a domain.
    """
    if statistic not in ("proportion", "mean"):
        raise ValueError(f"statistic must be proportion or mean, got {statistic!r}")
    y = check_outcome(outcome) if statistic == "proportion" else check_values(outcome)
    waves = np.asarray(wave).astype(str)
    mask = np.ones(design.n, dtype=bool) if where is None else np.asarray(where, dtype=bool)
    in_a = mask & (waves == str(base))
    in_b = mask & (waves == str(current))
    has = ~np.isnan(y)
    w = design.weights
    ua, ub = in_a & has, in_b & has
    wa, wb = w[ua].sum(), w[ub].sum()
    nan = float("nan")
    if wa <= 0 or wb <= 0:
        return Change(str(base), str(current), nan, nan, nan, nan, nan, nan, 0, nan, nan, level)
    pa = float((w[ua] * y[ua]).sum() / wa)
    pb = float((w[ub] * y[ub]).sum() / wb)
    scores = np.zeros(design.n)
    scores[ua] = -(y[ua] - pa) / wa
    scores[ub] = (y[ub] - pb) / wb
    dom = np.where(ua | ub, 0, -1)
    var = float(design.total_variance(scores, dom, 1)[0])
    df = int(design.degf(np.where(in_a | in_b, 0, -1), 1)[0])
    diff = pb - pa
    se = float(np.sqrt(var))
    q = t_ppf(1 - (1 - level) / 2, df)
    if se > 0:
        t = diff / se
        p_two = 2 * t_sf(abs(t), df)
        p_up = t_sf(t, df)
    else:
        p_two = p_up = nan
    return Change(
        str(base), str(current), pa, pb, diff, se, diff - q * se, diff + q * se, df, p_two, p_up, level
    )


def above_target(estimate: ProportionEstimate, target: float, alpha: float = 0.05) -> TargetTest:
    """One-sided t test of H0: proportion <= target, on the estimate's design df.

    The statistic is on the proportion scale, (p - target) / se, consistent with the ``mean``
    interval; it rejects exactly when the one-sided (1 - alpha) lower bound of that interval is above
    the target.
    """
    return target_test(estimate.estimate, estimate.se, estimate.df, target, alpha)


def target_test(p: float, se: float, df: int, target: float, alpha: float = 0.05) -> TargetTest:
    """``above_target`` on an estimate given as its proportion, standard error and design df."""
    if not (se > 0) or not np.isfinite(p):
        return TargetTest(p, target, se, df, float("nan"), float("nan"), False)
    t = (p - target) / se
    pv = t_sf(t, df)
    return TargetTest(p, target, se, df, t, pv, bool(pv < alpha))


def rolling_estimates(
    design: Design,
    outcome: ArrayLike,
    period: ArrayLike,
    *,
    window: int = 4,
    where: ArrayLike | None = None,
    method: str = "logit",
    level: float = 0.95,
) -> list[ProportionEstimate]:
    """Estimates over rolling windows of ``window`` consecutive periods (e.g. four quarters).

    Periods are ordered by their labels (use sortable labels such as ``2025Q1``). The result has one
    estimate per window that has a full set of periods, labelled ``first..last``. Each window is a
    domain of the whole design.
    """
    labels = np.asarray(period).astype(str)
    order = sorted(set(labels.tolist()))
    mask = np.ones(design.n, dtype=bool) if where is None else np.asarray(where, dtype=bool)
    out: list[ProportionEstimate] = []
    for k in range(window - 1, len(order)):
        span = order[k - window + 1 : k + 1]
        dom = np.where(mask & np.isin(labels, span), 0, -1)
        est = estimate_proportions(
            design, outcome, dom, [f"{span[0]}..{span[-1]}"], method=method, level=level
        )
        out.extend(est)
    return out
