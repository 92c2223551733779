"""Weighted proportions by domain, with standard errors, intervals, design effects and bases.

This is ``svyby(~y, ~by, design, svyciprop, method = ...)`` plus ``svymean(..., deff = TRUE)`` in one
vectorised pass: every per-domain sum is a ``np.bincount``.

Missing outcomes
    ``missing="domain"`` (the default) is R's ``na.rm = TRUE``: respondents without an outcome are
    left out of the estimate and its variance exactly like respondents outside the domain, but the
    design (PSU counts, fpc, and the domain's degrees of freedom) is unchanged.
    ``missing="complete_case"`` drops them before the design is built, so they count nowhere.

Degenerate inputs (never an exception)
    * an empty domain (no respondent with an outcome): ``n = 0`` and every statistic NaN;
    * all 0 or all 1 (so the variance is 0): ``se = 0`` and, for every method, the Clopper-Pearson
      interval on the unweighted base, e.g. [0, 1 - (alpha/2)^(1/n)] when all are 0; ``deff`` NaN;
    * ``df <= 0`` (the domain sits in one PSU per stratum): design-based intervals are NaN, as in R.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

from .design import Design
from .intervals import (
    LikelihoodInputs,
    check_method,
    clopper_pearson,
    korn_graubard,
    profile_likelihood,
    wald_scale,
    wilson,
)

MISSING_OPTIONS = ("domain", "complete_case")


class OutcomeError(ValueError):
    """An outcome that is not coded 0/1 (with missing values allowed)."""


@dataclass(frozen=True)
class DomainEstimate:
    """One domain's weighted estimate and everything reported with it, whatever the statistic."""

    domain: str
    n: int  # unweighted base: respondents in the domain with an outcome
    weighted_total: float  # sum of weights of those respondents
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    deff: float  # R's default: against simple random sampling without replacement
    deff_replace: float  # R's deff = "replace"
    n_eff: float  # Kish: (sum w)^2 / sum w^2

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ProportionEstimate(DomainEstimate):
    """One domain's weighted proportion, with the interval method it was given."""

    method: str
    level: float


def check_outcome(y: ArrayLike) -> np.ndarray:
    """The outcome as floats with NaN for missing; anything other than 0, 1 or missing is an error."""
    arr = np.asarray(y, dtype=np.float64)
    present = ~np.isnan(arr)
    bad = present & (arr != 0) & (arr != 1)
    if np.any(bad):
        example = arr[np.argmax(bad)]
        raise OutcomeError(f"outcome must be coded 0/1 (found {example:g})")
    return arr


def domain_codes(n: int, domain: ArrayLike | None, labels: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """Each respondent's domain code (-1 for none) and the domains' names; one domain, "all", when
    no domains are given."""
    if domain is None:
        return np.zeros(n, dtype=np.int64), ["all"]
    dom = np.asarray(domain, dtype=np.int64)
    if labels is None:
        labels = [str(k) for k in range(int(dom.max()) + 1 if dom.size else 0)]
    return dom, labels


def drop_missing(
    design: Design, y: np.ndarray, dom: np.ndarray, missing: str
) -> tuple[Design, np.ndarray, np.ndarray]:
    """For complete-case analysis, the design, answers and domains without the missing answers;
    otherwise (``missing="domain"``) all three unchanged."""
    if missing not in MISSING_OPTIONS:
        raise ValueError(f"missing must be one of {', '.join(MISSING_OPTIONS)}")
    keep = ~np.isnan(y)
    if missing == "domain" or np.all(keep):
        return design, y, dom
    return design.subset_rows(keep), y[keep], dom[keep]


def estimate_proportions(
    design: Design,
    outcome: ArrayLike,
    domain: ArrayLike | None = None,
    labels: list[str] | None = None,
    *,
    method: str = "logit",
    level: float = 0.95,
    missing: str = "domain",
) -> list[ProportionEstimate]:
    """Weighted proportion of ``outcome == 1`` in each domain, as R's survey package computes it.

    ``domain`` holds integer codes 0..m-1 (or -1 for respondents in no domain) and ``labels`` the
    m domain names; without them the whole sample is one domain called "all". Variances use the
    whole design (``svyby`` semantics); degrees of freedom are those of the domain's subset.
    """
    check_method(method, level)
    y = check_outcome(outcome)
    if y.shape[0] != design.n:
        raise ValueError("outcome and design differ in length")
    dom, labels = domain_codes(design.n, domain, labels)
    m = len(labels)
    design, y, dom = drop_missing(design, y, dom, missing)
    return _estimate(design, y, dom, labels, m, method, level)


def _estimate(
    design: Design, y: np.ndarray, dom: np.ndarray, labels: list[str], m: int, method: str, level: float
) -> list[ProportionEstimate]:
    w = design.weights
    has_y = ~np.isnan(y)
    in_dom = dom >= 0
    use = in_dom & has_y
    d_use = dom[use]
    w_use = w[use]
    y_use = y[use]

    def by(values: np.ndarray, rows: np.ndarray = d_use) -> np.ndarray:
        return np.bincount(rows, weights=values, minlength=m)

    n_obs = np.bincount(d_use[w_use != 0], minlength=m).astype(np.int64)
    n_base = np.bincount(d_use, minlength=m).astype(np.int64)
    w_sum = by(w_use)
    wy_sum = by(w_use * y_use)
    w2_sum = by(w_use * w_use)
    y_count = by(y_use)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = wy_sum / w_sum
        # Influence values of the ratio mean: (y - p) / W in the domain, zero elsewhere.
        scores = np.zeros(design.n)
        idx = np.flatnonzero(use)
        scores[idx] = (y_use - p[d_use]) / w_sum[d_use]
    var = design.total_variance(scores, np.where(use, dom, -1), m)
    df = design.degf(np.where(in_dom, dom, -1), m)

    # Rows of each domain's design: R keeps all rows when the design is calibrated (weights set to 0
    # outside the domain) but drops them otherwise; this matters to "beta" and "likelihood".
    if design.calibration is not None:
        n_rows = np.full(m, design.n, dtype=np.int64)
        n_model = np.full(m, int(has_y.sum()), dtype=np.int64)
        w_data = by(w[in_dom], dom[in_dom])
    else:
        n_rows = np.bincount(dom[in_dom], minlength=m).astype(np.int64)
        n_model = n_base
        w_data = by(w[in_dom], dom[in_dom])
    with np.errstate(invalid="ignore", divide="ignore"):
        svyvar = p * (1 - p) * n_obs / (n_obs - 1)
        vsrs = svyvar * (w_sum - n_obs) / (w_sum * n_obs)
        deff = np.where(w_sum >= n_obs, var / vsrs, np.nan)
        deff_replace = var / (svyvar / n_obs)
        n_eff = w_sum * w_sum / w2_sum
        scale = n_rows / w_data  # rescaled weight = w * scale
        # sum w r and sum w r^2 with r = (y - p) sqrt(w scale) / sqrt(p q)
        # R's Pearson residuals of svyglm are (y - mu) / sqrt(mu (1 - mu)) * sqrt(c), c the ratio of the
        # glm's prior weights to the design's weights, each rescaled to mean 1 over its own rows; their
        # design-based variance (svyvar, with its n / (n - 1)) is the dispersion.
        rows_after_na = np.full(m, design.n, dtype=np.float64) if design.calibration is not None else n_base
        c_ratio = (w_sum / rows_after_na) / (w_data / n_rows)
        dispersion_factor = c_ratio * n_obs / (n_obs - 1)
        rescaled_total = scale * w_sum

    if method == "likelihood":
        start = _irls_start(w_use * scale[d_use], y_use, d_use, m)
    else:
        start = (np.full(m, np.nan),) * 3
    out = []
    for j in range(m):
        out.append(
            _one(
                labels[j],
                int(n_base[j]),
                float(w_sum[j]),
                float(p[j]),
                float(var[j]),
                int(df[j]),
                float(deff[j]),
                float(deff_replace[j]),
                float(n_eff[j]),
                float(y_count[j]),
                int(n_rows[j]),
                LikelihoodInputs(
                    float(rescaled_total[j]),
                    float(dispersion_factor[j]),
                    int(n_model[j]),
                    float(start[0][j]),
                    float(start[1][j]),
                    float(start[2][j]),
                ),
                method,
                level,
            )
        )
    return out


def _irls_start(wt: np.ndarray, y: np.ndarray, dom: np.ndarray, m: int) -> tuple[np.ndarray, ...]:
    """Per-domain sums for R's first IRLS step (binomial ``mustart``), with the rescaled weights ``wt``.

    Respondents outside the domain have weight 0 in R's fit and add nothing to these sums.
    """
    mu0 = (wt * y + 0.5) / (wt + 1)
    eta0 = np.log(mu0 / (1 - mu0))
    v0 = mu0 * (1 - mu0)
    a = wt * v0
    z = eta0 + (y - mu0) / v0
    dev = 2 * wt * np.where(y == 1, -np.log(mu0), -np.log(1 - mu0))
    return (
        np.bincount(dom, weights=a, minlength=m),
        np.bincount(dom, weights=a * z, minlength=m),
        np.bincount(dom, weights=dev, minlength=m),
    )


def _one(
    label: str,
    n: int,
    w_sum: float,
    p: float,
    var: float,
    df: int,
    deff: float,
    deff_replace: float,
    n_eff: float,
    successes: float,
    n_rows: int,
    lik: LikelihoodInputs,
    method: str,
    level: float,
) -> ProportionEstimate:
    nan = float("nan")
    if n == 0 or not w_sum > 0:
        return ProportionEstimate(label, n, w_sum, nan, nan, nan, nan, df, nan, nan, nan, method, level)
    se = float(np.sqrt(var))
    if method == "wilson":
        lo, hi = wilson(successes, n, level)
    elif method == "clopper-pearson":
        lo, hi = clopper_pearson(successes, n, level)
    elif p <= 0 or p >= 1 or var <= 0:
        lo, hi = clopper_pearson(round(p * n), n, level)
        deff = deff_replace = nan
    elif method in ("mean", "logit", "xlogit", "asin"):
        lo, hi = wald_scale(p, var, df, level, method)
    elif method == "beta":
        lo, hi = korn_graubard(p, var, df, n_rows, level)
    else:  # "likelihood"
        lo, hi = profile_likelihood(p, var, df, level, lik)
    return ProportionEstimate(label, n, w_sum, p, se, lo, hi, df, deff, deff_replace, n_eff, method, level)
