"""Confidence intervals for a proportion, by the methods of R's ``svyciprop`` and two unweighted ones.

Each design-based method takes the weighted proportion, its linearised variance and the design
degrees of freedom, and follows ``survey:::svyciprop`` (survey 4.1) line by line, including its
quirks, so that interval ends agree with R to rounding:

* ``logit``: Wald interval for logit(p) with the t quantile on the design df (R fits
  ``svyglm(y ~ 1, quasibinomial)``; the intercept is logit(p) and its variance V / (p(1-p))^2).
* ``likelihood``: R profiles the quasi-binomial deviance, scaled by the design-based dispersion,
  at nine steps each side of the estimate, interpolates with an "fmm" cubic spline and then
  linearly, and reads the interval off at the t quantile times sqrt(design effect of the
  coefficient). We do the same steps so the interpolation error is R's too.
* ``asin``, ``xlogit``, ``mean``: Wald on the transformed scale (delta method), t quantile.
  ``asin`` back-transforms with sin(x)^2 exactly as R does, without clamping.
* ``beta``: Korn and Graubard: a Clopper-Pearson interval on the effective sample size
  p(1-p)/V, adjusted by (t_{n-1} / t_df)^2.
* ``wilson`` and ``clopper-pearson``: unweighted, on the respondent counts (normal quantile for
  Wilson), for comparison with simple published tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

from .distributions import beta_ppf, norm_cdf, norm_isf, norm_ppf, t_isf, t_ppf

DESIGN_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")
UNWEIGHTED_METHODS = ("wilson", "clopper-pearson")
METHODS = DESIGN_METHODS + UNWEIGHTED_METHODS


class MethodError(ValueError):
    """An interval method or level that does not exist."""


def check_method(method: str, level: float) -> None:
    if method not in METHODS:
        raise MethodError(f"unknown interval method {method!r}; choose one of {', '.join(METHODS)}")
    check_level(level)


def check_level(level: float) -> None:
    if not 0 < level < 1:
        raise MethodError(f"level must be between 0 and 1, got {level}")


@dataclass(frozen=True)
class LikelihoodInputs:
    """What R's profile of the quasi-binomial fit depends on beyond p, V and df.

    ``rescaled_total`` is the sum, over respondents with an outcome, of the weights rescaled to mean 1
    over the rows of the (domain) design, as ``svyglm`` rescales them; ``dispersion_factor`` is
    the design-based dispersion of the Pearson residuals divided by p(1-p)/(mu(1-mu)); ``n_model`` is
    the number of rows in the fit. ``start_*`` are the sums over rows of R's first IRLS step from
    ``mustart = (w y + 0.5) / (w + 1)``: the sum of working weights, of working weight times working
    response, and the starting deviance.
    """

    rescaled_total: float
    dispersion_factor: float
    n_model: int
    start_weight: float
    start_weighted_z: float
    start_deviance: float


def glm_intercept(
    p: float, inputs: LikelihoodInputs, epsilon: float = 1e-8, maxit: int = 25
) -> tuple[float, float]:
    """Replay R's ``glm.fit`` IRLS for ``y ~ 1`` (logit link) and return (coefficient, mu of last step).

    R's model-based variance of the intercept (``naive.cov``) comes from the working weights at the
    start of the last iteration, not at convergence; the profile interval depends on it at about
    1e-5, so we need the same iterate.
    """
    w_tot = inputs.rescaled_total
    q = 1 - p

    def deviance(mu: float) -> float:
        return -2 * w_tot * (p * np.log(mu) + q * np.log(1 - mu))

    b = inputs.start_weighted_z / inputs.start_weight
    mu_prev = float("nan")
    mu = float(expit(b))
    dev_old = inputs.start_deviance
    dev = deviance(mu)
    for _ in range(maxit):
        if abs(dev - dev_old) / (abs(dev) + 0.1) < epsilon:
            return b, mu_prev if np.isfinite(mu_prev) else mu
        dev_old = dev
        mu_prev = mu
        b = b + (p - mu) / (mu * (1 - mu))
        mu = float(expit(b))
        dev = deviance(mu)
    return b, mu_prev


def _t(q: float, df: float) -> float:
    if df == np.inf:
        return norm_ppf(q)
    return t_ppf(q, df)


def wald_scale(p: float, var: float, df: float, level: float, method: str) -> tuple[float, float]:
    """Intervals that are symmetric on some scale: mean, logit, xlogit, asin."""
    q = _t(1 - (1 - level) / 2, df)
    se = np.sqrt(var)
    if method == "mean":
        return p - q * se, p + q * se
    if method in ("logit", "xlogit"):
        centre = logit(p)
        half = q * se / (p * (1 - p))
        return float(expit(centre - half)), float(expit(centre + half))
    if method == "asin":
        centre = np.arcsin(np.sqrt(p))
        half = q * se / (2 * np.sqrt(p * (1 - p)))
        return float(np.sin(centre - half) ** 2), float(np.sin(centre + half) ** 2)
    raise MethodError(method)


def korn_graubard(p: float, var: float, df: float, n_rows: int, level: float) -> tuple[float, float]:
    """R's ``method = "beta"``: Clopper-Pearson on the df-adjusted effective sample size."""
    alpha = 1 - level
    n_eff = p * (1 - p) / var
    n_eff = n_eff * (_t(alpha / 2, n_rows - 1) / _t(alpha / 2, df)) ** 2
    lo = beta_ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
    hi = beta_ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    return lo, hi


def _fmm_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients of R's ``spline(method = "fmm")`` (Forsythe, Malcolm and Moler end conditions).

    A transcription of ``fmm_spline`` in R's ``src/library/stats/src/splines.c``; the loops run over
    about twenty profile points, never over respondents.
    """
    n = x.shape[0]
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    if n < 3:
        t = (y[1] - y[0]) / (x[1] - x[0])
        b[:] = t
        return b, c, d
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    return b, c, d


def _r_spline(x: np.ndarray, y: np.ndarray, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """R's ``spline(x, y, n = n_out)``: the fmm spline evaluated on an even grid over range(x)."""
    order = np.argsort(x, kind="stable")
    x = x[order]
    y = y[order]
    b, c, d = _fmm_spline(x, y)
    u = np.linspace(x[0], x[-1], n_out)
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, x.shape[0] - 1)
    dx = u - x[i]
    return u, y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))


def profile_likelihood(
    p: float, var: float, df: float, level: float, inputs: LikelihoodInputs
) -> tuple[float, float]:
    """R's ``method = "likelihood"``: ``confint.svyglm(method = "likelihood")`` on the intercept.

    Follows ``survey:::MASSprofile_glm`` and ``survey:::confint_profile``: the profile statistic
    z(b) = sign * sqrt((D(b) - D(b_hat)) / dispersion) at b_hat +- k * (zmax / 5) * se(b_hat),
    k = 1..9 while |z| < zmax, spline-interpolated, and inverted at +-t * sqrt(lambda), where lambda
    is the design variance of the intercept over its model-based variance.
    """
    q = 1 - p
    w_tot = inputs.rescaled_total
    tq = _t((1 - level) / 2, df)
    if not np.isfinite(tq) or inputs.n_model < 2:
        return float("nan"), float("nan")
    b_hat, mu_prev = glm_intercept(p, inputs)
    mu_hat = float(expit(b_hat))
    se_b = np.sqrt(var) / (p * q)
    naive_var = 1 / (w_tot * mu_prev * (1 - mu_prev))
    lam = se_b**2 / naive_var
    dispersion = inputs.dispersion_factor * p * q / (mu_hat * (1 - mu_hat))
    alpha = norm_cdf(tq * np.sqrt(lam)) / 2
    # qf(alpha, 1, n - 1, lower.tail = FALSE) is t^2; scipy's f.isf loses accuracy in the far tail.
    zmax = t_isf(alpha / 2, inputs.n_model - 1)
    delta = zmax / 5

    def deviance(b: float) -> float:
        mu = expit(b)
        return -2 * w_tot * (p * np.log(mu) + q * np.log(1 - mu))

    dev_hat = deviance(b_hat)

    def zstat(b: float) -> float:
        return float(np.sqrt(max((deviance(b) - dev_hat) / dispersion, 0.0)))

    zs = [0.0]
    bs = [b_hat]
    for sgn in (-1, 1):
        step = 0
        z = 0.0
        while True:
            step += 1
            if not (step < 10 and abs(z) < zmax):
                break
            bi = b_hat + sgn * step * delta * se_b
            z = sgn * zstat(bi)
            zs.append(z)
            bs.append(bi)
    z_arr = np.array(zs)
    b_arr = np.array(bs)
    order = np.argsort(z_arr, kind="stable")
    sx, sy = _r_spline(b_arr[order], z_arr[order], 3 * len(bs))
    cut = np.array([norm_ppf(2 * alpha), norm_isf(2 * alpha)])
    o = np.argsort(sy, kind="stable")
    ys = sy[o]
    xs = sx[o]
    ends = np.interp(cut, ys, xs)
    ends[(cut < ys[0]) | (cut > ys[-1])] = np.nan
    return float(expit(ends[0])), float(expit(ends[1]))


def wilson(successes: float, n: float, level: float) -> tuple[float, float]:
    """Wilson score interval without continuity correction (R: ``prop.test(correct = FALSE)``)."""
    if n <= 0:
        return float("nan"), float("nan")
    z = norm_ppf(1 - (1 - level) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def clopper_pearson(successes: float, n: float, level: float) -> tuple[float, float]:
    """Exact binomial interval (R: ``binom.test``)."""
    if n <= 0:
        return float("nan"), float("nan")
    alpha = 1 - level
    lo = 0.0 if successes == 0 else beta_ppf(alpha / 2, successes, n - successes + 1)
    hi = 1.0 if successes == n else beta_ppf(1 - alpha / 2, successes + 1, n - successes)
    return lo, hi
