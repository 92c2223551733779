"""The few distribution functions the estimates need, straight from ``scipy.special``.

``scipy.stats`` computes these same functions (its ``t.ppf`` is ``special.stdtrit``, its
``beta.ppf`` is ``special.betaincinv``...) but takes half a second to import, which is a third of
the command line's whole run on a million respondents. Results are identical to the last bit.
"""

from __future__ import annotations

from scipy import special


def norm_cdf(x: float) -> float:
    return float(special.ndtr(x))


def norm_ppf(q: float) -> float:
    return float(special.ndtri(q))


def norm_isf(q: float) -> float:
    return -float(special.ndtri(q))


def t_ppf(q: float, df: float) -> float:
    """Quantile of Student's t; NaN unless ``df > 0``."""
    return float(special.stdtrit(df, q)) if df > 0 else float("nan")


def t_isf(q: float, df: float) -> float:
    return -float(special.stdtrit(df, q)) if df > 0 else float("nan")


def t_sf(x: float, df: float) -> float:
    return float(special.stdtr(df, -x)) if df > 0 else float("nan")


def beta_ppf(q: float, a: float, b: float) -> float:
    return float(special.betaincinv(a, b, q))
