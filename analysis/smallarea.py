"""Ward estimates that borrow strength: the area-level Fay-Herriot model (Rao and Molina, *Small
Area Estimation*, 2nd ed., 2015, chapter 6; R's ``sae::eblupFH`` and ``sae::mseFH``).

Each area d with a usable direct survey estimate y_d has a design variance psi_d, taken as known:

    y_d = theta_d + e_d,   e_d ~ N(0, psi_d)
    theta_d = x_d' beta + u_d,   u_d ~ N(0, A)

``A``, the variance of the areas' true values about the regression on the auxiliary variables x_d,
is fitted by REML (the root of the restricted score, truncated at zero when the score is negative
there). The EBLUP is ``gamma_d y_d + (1 - gamma_d) x_d' beta``, with ``gamma_d = A / (A + psi_d)``:
an area whose survey estimate is precise keeps it; a small one leans on the regression. Its mean
squared error is Prasad and Rao's second-order approximation with Datta and Lahiri's REML term:
``g1 + g2 + 2 g3``. An area without a usable direct estimate gets the synthetic estimate
``x_d' beta`` with MSE ``A + x_d' (X' V^-1 X)^-1 x_d``. Intervals are estimate +- z * sqrt(MSE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from .distributions import norm_ppf

MODEL = "model"  # EBLUP: the direct estimate shrunk towards the regression
SYNTHETIC = "synthetic"  # no usable direct estimate: the regression alone
# Fewer respondents, or a design variance of 0 (everyone gave the same answer), and an area's direct
# estimate tells the model nothing it can weigh: the area gets the synthetic estimate.
MIN_RESPONDENTS = 2


class SmallAreaError(ValueError):
    """A model that cannot be fitted from the areas given (too few, bad variances...)."""


@dataclass(frozen=True)
class AreaEstimate:
    """One area's direct and model-based estimates, side by side."""

    area: str
    n: int  # respondents behind the direct estimate
    direct: float  # NaN when there is none
    direct_se: float
    estimate: float  # the EBLUP, or the synthetic estimate
    mse: float
    rmse: float
    ci_low: float
    ci_high: float
    kind: str  # MODEL or SYNTHETIC
    shrinkage: float  # gamma_d: the weight on the direct estimate (0 for synthetic)
    synthetic: float  # x_d' beta
    level: float

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FayHerriotFit:
    """The fitted model and every area's estimates, in the order the areas were given."""

    covariates: list[str]  # "(intercept)" first
    beta: np.ndarray
    beta_se: np.ndarray
    area_variance: float  # A, REML
    area_variance_se: float  # sqrt(2 / sum 1/(A + psi)^2), its asymptotic SE
    truncated: bool  # the REML score was negative at A = 0, so A was set to 0
    areas_fitted: int
    areas: list[AreaEstimate]

    def as_dict(self) -> dict:
        out = asdict(self)
        out["beta"] = self.beta.tolist()
        out["beta_se"] = self.beta_se.tolist()
        out["areas"] = [a.as_dict() for a in self.areas]
        return out


def fay_herriot(
    direct: ArrayLike,
    variance: ArrayLike,
    covariates: ArrayLike,
    *,
    labels: list[str] | None = None,
    covariate_names: list[str] | None = None,
    n: ArrayLike | None = None,
    level: float = 0.95,
    bounds: tuple[float, float] | None = None,
) -> FayHerriotFit:
    """Fit the model to the areas with a usable direct estimate (finite, with a positive variance)
    and estimate every area. ``covariates`` is one row per area, without the intercept (added here).
    ``bounds`` (0, 1 for a proportion) clips the estimate and its interval ends to a possible value.
    """
    y = np.asarray(direct, dtype=np.float64).reshape(-1)
    psi = np.asarray(variance, dtype=np.float64).reshape(-1)
    m = y.shape[0]
    x_raw = np.asarray(covariates, dtype=np.float64)
    x_raw = x_raw.reshape(m, -1) if x_raw.size else np.zeros((m, 0))
    if psi.shape[0] != m or x_raw.shape[0] != m:
        raise SmallAreaError("direct estimates, variances and covariates differ in number of areas")
    if not np.isfinite(x_raw).all():
        raise SmallAreaError("every area needs a value for every auxiliary variable")
    if not 0 < level < 1:
        raise SmallAreaError(f"level must be between 0 and 1, got {level}")
    x = np.hstack([np.ones((m, 1)), x_raw])
    names = ["(intercept)", *(covariate_names or [f"x{k + 1}" for k in range(x_raw.shape[1])])]
    labels = labels or [str(k) for k in range(m)]
    counts = np.zeros(m, dtype=np.int64) if n is None else np.asarray(n, dtype=np.int64)
    fitted = np.isfinite(y) & np.isfinite(psi) & (psi > 0)
    p = x.shape[1]
    if fitted.sum() <= p:
        raise SmallAreaError(
            f"{int(fitted.sum())} areas have a usable direct estimate; the model needs more than {p}"
        )
    if np.linalg.matrix_rank(x[fitted]) < p:
        raise SmallAreaError("the auxiliary variables are collinear over the areas with estimates")
    a, truncated = _reml(y[fitted], psi[fitted], x[fitted])
    beta, q = _gls(y[fitted], psi[fitted], x[fitted], a)
    var_a = 2.0 / np.sum(1.0 / (a + psi[fitted]) ** 2)
    z = norm_ppf(1 - (1 - level) / 2)
    synthetic = x @ beta
    leverage = np.einsum("ij,jk,ik->i", x, q, x)  # x_d' Q x_d
    areas = []
    for d in range(m):
        if fitted[d]:
            gamma = a / (a + psi[d])
            b = psi[d] / (a + psi[d])
            g1 = psi[d] * (1 - b)
            g2 = b * b * leverage[d]
            g3 = b * b * var_a / (a + psi[d])
            mse = g1 + g2 + 2 * g3
            est = gamma * y[d] + (1 - gamma) * synthetic[d]
            kind = MODEL
        else:
            gamma = 0.0
            mse = a + leverage[d]
            est = synthetic[d]
            kind = SYNTHETIC
        rmse = float(np.sqrt(mse))
        lo, hi = est - z * rmse, est + z * rmse
        if bounds is not None:
            est, lo, hi = (min(max(v, bounds[0]), bounds[1]) for v in (est, lo, hi))
        direct_se = float(np.sqrt(psi[d])) if np.isfinite(psi[d]) and psi[d] >= 0 else float("nan")
        areas.append(
            AreaEstimate(
                labels[d],
                int(counts[d]),
                float(y[d]),
                direct_se,
                float(est),
                float(mse),
                rmse,
                float(lo),
                float(hi),
                kind,
                float(gamma),
                float(synthetic[d]),
                level,
            )
        )
    return FayHerriotFit(
        names, beta, np.sqrt(np.diag(q)), float(a), float(np.sqrt(var_a)), truncated, int(fitted.sum()), areas
    )


def from_direct(
    direct: Sequence[DirectEstimate],
    covariates: ArrayLike,
    *,
    labels: list[str],
    covariate_names: list[str] | None = None,
    min_respondents: int = MIN_RESPONDENTS,
    level: float = 0.95,
    bounds: tuple[float, float] | None = None,
) -> FayHerriotFit:
    """The model fitted to a survey's direct estimates by area (``estimate_proportions`` or
    ``estimate_means`` results, one per area): each is used when it rests on at least
    ``min_respondents`` respondents and has a positive variance; the other areas get the synthetic
    estimate."""
    usable = np.array([d.n >= min_respondents and d.se > 0 for d in direct], dtype=bool)
    return fay_herriot(
        np.where(usable, [d.estimate for d in direct], np.nan),
        np.where(usable, [d.se**2 for d in direct], np.nan),
        covariates,
        labels=labels,
        covariate_names=covariate_names,
        n=[d.n for d in direct],
        level=level,
        bounds=bounds,
    )


class DirectEstimate(Protocol):
    """What the model needs of a direct estimate: its base, value and standard error."""

    @property
    def n(self) -> int: ...
    @property
    def estimate(self) -> float: ...
    @property
    def se(self) -> float: ...


def _gls(y: np.ndarray, psi: np.ndarray, x: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray]:
    """Generalised least squares at area variance ``a``: beta and Q = (X' V^-1 X)^-1."""
    vi = 1.0 / (a + psi)
    q = np.linalg.inv(x.T @ (x * vi[:, None]))
    return q @ (x.T @ (vi * y)), q


def _score(y: np.ndarray, psi: np.ndarray, x: np.ndarray, a: float) -> float:
    """The restricted (REML) score in A: -tr(P)/2 + y'PPy/2, P = V^-1 - V^-1 X Q X' V^-1."""
    vi = 1.0 / (a + psi)
    vx = x * vi[:, None]
    q = np.linalg.inv(x.T @ vx)
    p_mat = np.diag(vi) - vx @ q @ vx.T
    py = p_mat @ y
    return float(-0.5 * np.trace(p_mat) + 0.5 * py @ py)


def _reml(y: np.ndarray, psi: np.ndarray, x: np.ndarray) -> tuple[float, bool]:
    """REML estimate of A: zero when the score is not positive there, else the score's root."""
    if _score(y, psi, x, 0.0) <= 0:
        return 0.0, True
    high = float(np.var(y) + psi.max())
    for _ in range(200):
        if _score(y, psi, x, high) < 0:
            break
        high *= 2
    else:  # pragma: no cover - the score falls like -1/A for large A
        raise SmallAreaError("the area variance could not be bracketed")
    root = brentq(lambda a: _score(y, psi, x, a), 0.0, high, xtol=1e-15, rtol=1e-14, maxiter=500)
    return float(root), False
