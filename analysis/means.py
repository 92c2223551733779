"""Weighted means and totals of numeric answers (a 0 to 10 score, visits a month) by domain.

This is ``svyby(~x, ~by, design, svymean)`` and ``svytotal`` with ``deff = TRUE``, and their
intervals ``confint(..., df = degf(design))``: the estimate plus and minus the t quantile on the
design degrees of freedom times the standard error. As for proportions, each domain is a subset of
the whole design (its variance keeps every stratum and PSU), its degrees of freedom are those of the
subset, and a missing answer is left out as R's ``na.rm = TRUE`` does, or (``missing =
"complete_case"``) before the design is built.

Degenerate inputs (never an exception): an empty domain gives ``n = 0`` and NaN; every answer the
same gives ``se = 0`` and an interval of that one value; ``df <= 0`` gives a NaN interval, as in R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .design import Design
from .distributions import t_ppf
from .intervals import check_level
from .proportions import DomainEstimate, OutcomeError, domain_codes, drop_missing

STATISTICS = ("mean", "total")


@dataclass(frozen=True)
class MeanEstimate(DomainEstimate):
    """One domain's weighted mean or total, with its t interval."""

    statistic: str
    level: float


def check_values(values: ArrayLike) -> np.ndarray:
    """Numeric answers as floats with NaN for missing; an infinite value is an error."""
    arr = np.asarray(values, dtype=np.float64)
    if np.isinf(arr).any():
        raise OutcomeError("a numeric answer is infinite")
    # Squares of larger numbers overflow in the variance; no survey answer comes near this.
    if (np.abs(arr[~np.isnan(arr)]) > 1e100).any():
        raise OutcomeError("a numeric answer is too large to average (over 1e100)")
    return arr


def estimate_means(
    design: Design,
    values: ArrayLike,
    domain: ArrayLike | None = None,
    labels: list[str] | None = None,
    *,
    statistic: str = "mean",
    level: float = 0.95,
    missing: str = "domain",
) -> list[MeanEstimate]:
    """Weighted mean (or total) of ``values`` in each domain, as ``svymean`` (``svytotal``) does.

    ``domain`` holds integer codes 0..m-1 (or -1 for respondents in no domain) and ``labels`` the
    m domain names; without them the whole sample is one domain called "all".
    """
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(STATISTICS)}")
    check_level(level)
    y = check_values(values)
    if y.shape[0] != design.n:
        raise ValueError("values and design differ in length")
    dom, labels = domain_codes(design.n, domain, labels)
    design, y, dom = drop_missing(design, y, dom, missing)
    return _estimate(design, y, dom, labels, statistic, level)


def _estimate(
    design: Design, y: np.ndarray, dom: np.ndarray, labels: list[str], statistic: str, level: float
) -> list[MeanEstimate]:
    m = len(labels)
    w = design.weights
    in_dom = dom >= 0
    use = in_dom & ~np.isnan(y)
    d_use, w_use, y_use = dom[use], w[use], y[use]

    def by(v: np.ndarray) -> np.ndarray:
        return np.bincount(d_use, weights=v, minlength=m)

    n_base = np.bincount(d_use, minlength=m).astype(np.int64)
    n_obs = np.bincount(d_use[w_use != 0], minlength=m).astype(np.float64)
    w_sum = by(w_use)
    wy_sum = by(w_use * y_use)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = wy_sum / w_sum
        centred = y_use - mean[d_use]
        scores = np.zeros(design.n)
        if statistic == "mean":
            # Influence values of the ratio mean: (y - mean) / W in the domain, zero elsewhere.
            scores[use] = centred / w_sum[d_use]
            estimate = mean
        else:
            scores[use] = y_use
            estimate = wy_sum
        var = design.total_variance(scores, np.where(use, dom, -1), m)
        df = design.degf(np.where(in_dom, dom, -1), m)
        # svyvar: the weighted variance of the answers, times n / (n - 1).
        svyvar = by(w_use * centred * centred) / w_sum * n_obs / (n_obs - 1)
        if statistic == "mean":
            vsrs = svyvar * (w_sum - n_obs) / (w_sum * n_obs)
            vsrs_replace = svyvar / n_obs
        else:
            vsrs = svyvar * w_sum * (w_sum - n_obs) / n_obs
            vsrs_replace = svyvar * w_sum * w_sum / n_obs
        deff = np.where(w_sum >= n_obs, var / vsrs, np.nan)
        deff_replace = var / vsrs_replace
        n_eff = w_sum * w_sum / by(w_use * w_use)
        se = np.sqrt(var)
    quantile = np.array([t_ppf(1 - (1 - level) / 2, float(k)) for k in df])
    out = []
    for j in range(m):
        if n_base[j] == 0 or not w_sum[j] > 0:
            nan = float("nan")
            out.append(
                MeanEstimate(
                    labels[j],
                    0,
                    float(w_sum[j]),
                    nan,
                    nan,
                    nan,
                    nan,
                    int(df[j]),
                    nan,
                    nan,
                    nan,
                    statistic,
                    level,
                )
            )
            continue
        out.append(
            MeanEstimate(
                domain=labels[j],
                n=int(n_base[j]),
                weighted_total=float(w_sum[j]),
                estimate=float(estimate[j]),
                se=float(se[j]),
                ci_low=float(estimate[j] - quantile[j] * se[j]),
                ci_high=float(estimate[j] + quantile[j] * se[j]),
                df=int(df[j]),
                deff=float(deff[j]) if var[j] > 0 else float("nan"),
                deff_replace=float(deff_replace[j]) if var[j] > 0 else float("nan"),
                n_eff=float(n_eff[j]),
                statistic=statistic,
                level=level,
            )
        )
    return out
