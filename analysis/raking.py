"""Raking (iterative proportional fitting) of starting weights to population margins.

The fitted weights are the unique raking solution, the same as R's ``rake()`` and
``calibrate(..., calfun = "raking")`` reach. The fit runs on the cross-classification of the raking
variables (one ``np.bincount`` over respondents, then iterations over a table of a few hundred cells),
so it costs one pass over the data whatever the number of iterations.

The raked design carries a :class:`~analysis.design.Calibration`, so standard errors account for
the raking the way ``calibrate`` does (see ``analysis/README.md``).
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .design import Calibration, Design, factorize


class RakingError(ValueError):
    """Margins that do not fit the data, or a raking that did not converge."""


@dataclass(frozen=True)
class Margin:
    """Population counts for the categories of one raking variable."""

    variable: str
    categories: tuple[str, ...]
    counts: tuple[float, ...]

    @property
    def total(self) -> float:
        return float(sum(self.counts))


def margins_from_rows(rows: list[dict[str, str]]) -> dict[str, Margin]:
    """Margins from long-format records with keys ``variable``, ``category``, ``population_count``."""
    grouped: dict[str, dict[str, float]] = {}
    for i, row in enumerate(rows, start=2):
        try:
            var = str(row["variable"]).strip()
            cat = str(row["category"]).strip()
            count = float(row["population_count"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RakingError(
                f"margins line {i}: need variable, category and a numeric population_count"
            ) from exc
        if not np.isfinite(count) or count < 0:
            raise RakingError(f"margins line {i}: population_count must be a non-negative number")
        cats = grouped.setdefault(var, {})
        if cat in cats:
            raise RakingError(f"margins list category {cat!r} of {var!r} twice")
        cats[cat] = count
    return {var: Margin(var, tuple(cats), tuple(cats.values())) for var, cats in grouped.items()}


def read_margins(path: str | Path) -> dict[str, Margin]:
    """Read a long-format margins CSV (``variable,category,population_count``)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:  # a spreadsheet may add a BOM
        try:
            reader = csv.DictReader(fh)
            missing = {"variable", "category", "population_count"} - set(reader.fieldnames or [])
            if missing:
                raise RakingError(f"margins file lacks column(s): {', '.join(sorted(missing))}")
            rows = list(reader)
        except UnicodeDecodeError as exc:
            raise RakingError(f"cannot read margins file {path} as UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise RakingError(f"cannot read margins file {path} as CSV ({exc})") from exc
        return margins_from_rows(rows)


@dataclass(frozen=True)
class Trim:
    """Bounds for weights after raking: absolute weights, or ratios to the starting weights."""

    low: float
    high: float
    relative: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.low < self.high):
            raise RakingError("trim bounds must satisfy 0 <= low < high")


@dataclass
class RakeResult:
    """Raked weights with a convergence report."""

    weights: np.ndarray
    converged: bool
    iterations: int
    max_abs_error: float  # largest |weighted total - population count| over all margin categories
    max_rel_error: float  # the same divided by (1 + population count), R's convergence measure
    trimmed: int = 0  # respondents whose weight was trimmed in the last round
    trim_rounds: int = 0
    calibration: Calibration | None = None
    errors: dict[str, np.ndarray] = field(default_factory=dict)
    waves: int = 0  # when each wave was raked on its own: how many

    def report(self) -> str:
        state = "converged" if self.converged else "did NOT converge"
        what = f"raking each of {self.waves} waves on its own" if self.waves else "raking"
        text = (
            f"{what} {state} in {self.iterations} iterations; largest margin error "
            f"{self.max_abs_error:.3g} (relative {self.max_rel_error:.3g})"
        )
        if self.trim_rounds:
            text += f"; {self.trim_rounds} trimming round(s), {self.trimmed} weights at a bound"
        return text


def _codes_against(values: ArrayLike, margin: Margin) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Codes of each respondent's category within the margin, checking both ways."""
    raw_codes, raw_levels = factorize(values)
    if raw_codes.size and raw_codes.min() < 0:
        raise RakingError(f"raking variable {margin.variable!r} has missing values")
    seen = np.array([str(v).strip() for v in raw_levels], dtype=object)
    if any(s in ("", "nan", "None", "NA") for s in seen):
        raise RakingError(f"raking variable {margin.variable!r} has missing values")
    index = {c: k for k, c in enumerate(margin.categories)}
    unknown = [str(s) for s in seen if s not in index]
    if unknown:
        raise RakingError(
            f"category {unknown[0]!r} of {margin.variable!r} is in the data but not in the margins"
        )
    present = set(seen.tolist())
    kept: list[str] = []
    counts: list[float] = []
    for cat, count in zip(margin.categories, margin.counts, strict=True):
        if cat in present:
            if count == 0:
                raise RakingError(
                    f"category {cat!r} of {margin.variable!r} has respondents but a population count of 0"
                )
            kept.append(cat)
            counts.append(count)
        elif count > 0:
            raise RakingError(
                f"category {cat!r} of {margin.variable!r} is in the margins but has no respondents (empty)"
            )
    kept_index = {c: k for k, c in enumerate(kept)}
    lookup = np.array([kept_index[s] for s in seen], dtype=np.int64)
    return lookup[raw_codes], kept, np.array(counts)


def rake(
    data: Mapping[str, ArrayLike],
    margins: dict[str, Margin],
    variables: list[str] | None = None,
    start_weights: ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    trim: Trim | None = None,
    raise_on_failure: bool = True,
) -> RakeResult:
    """Rake ``start_weights`` so weighted counts match every margin.

    ``data`` maps each raking variable to its per-respondent categories. Convergence is R's
    measure: every |weighted total - population| / (1 + population) below ``tol``. With ``trim``,
    the raking is continued with weights capped at the bounds after every cycle until the capped
    weights fit the margins, or ``max_iter`` cycles pass (bounds that the margins cannot meet).
    """
    variables = list(margins) if variables is None else list(variables)
    if not variables:
        raise RakingError("no raking variables")
    for v in variables:
        if v not in margins:
            raise RakingError(f"no margins for raking variable {v!r}")
        if v not in data:
            raise RakingError(f"raking variable {v!r} is not in the data")
    n = len(data[variables[0]])  # type: ignore[arg-type]
    d0 = np.ones(n) if start_weights is None else np.asarray(start_weights, dtype=np.float64)
    if d0.shape[0] != n:
        raise RakingError("starting weights and data differ in length")
    if np.any(~np.isfinite(d0)) or np.any(d0 < 0):
        raise RakingError("starting weights must be present and non-negative")
    codes: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for v in variables:
        c, _, counts = _codes_against(data[v], margins[v])
        codes.append(c)
        targets.append(counts)
    totals = np.array([t.sum() for t in targets])
    if np.any(np.abs(totals - totals[0]) > 1e-6 * totals[0]):
        detail = ", ".join(f"{v}={t:g}" for v, t in zip(variables, totals, strict=True))
        raise RakingError(f"margins disagree on the population total ({detail})")
    n_levels = [len(t) for t in targets]
    calibration = Calibration.from_codes(codes, n_levels, d0)

    result = _ipf(codes, targets, d0, tol, max_iter)
    rounds = 0
    at_bound = 0
    if trim is not None:
        base = d0 if trim.relative else np.ones(n)
        lo, hi = trim.low * base, trim.high * base
        if np.any((result.weights < lo * (1 - 1e-9)) | (result.weights > hi * (1 + 1e-9))):
            result = _ipf_trimmed(codes, targets, result.weights, lo, hi, tol, max_iter)
            rounds = result.trim_rounds
            at_bound = int(np.sum((result.weights <= lo * (1 + 1e-9)) | (result.weights >= hi * (1 - 1e-9))))
    result.trim_rounds = rounds if trim is not None else 0
    result.trimmed = at_bound
    result.calibration = calibration
    if raise_on_failure and not result.converged:
        raise RakingError(result.report())
    return result


def _ipf(
    codes: list[np.ndarray], targets: list[np.ndarray], start: np.ndarray, tol: float, max_iter: int
) -> RakeResult:
    """IPF on the cross-classified cells; respondents in a cell share one adjustment factor."""
    n_levels = [len(t) for t in targets]
    size = int(np.prod(n_levels, dtype=np.float64))
    key = np.zeros(start.shape[0], dtype=np.int64)
    for c, k in zip(codes, n_levels, strict=True):
        key = key * k + c
    if size <= max(4 * start.shape[0], 1 << 20):
        cell_of_row = key
        cell_keys = np.arange(size, dtype=np.int64)
    else:
        cell_keys, cell_of_row = np.unique(key, return_inverse=True)
        cell_of_row = cell_of_row.reshape(-1)
    cell_start = np.bincount(cell_of_row, weights=start, minlength=cell_keys.shape[0])
    # Level of each variable for each cell.
    cell_levels = []
    rem = cell_keys.copy()
    for k in reversed(n_levels):
        cell_levels.append(rem % k)
        rem //= k
    cell_levels.reverse()
    factor = np.ones(cell_keys.shape[0])
    converged = False
    iterations = 0
    rel = abs_err = np.inf
    errors: dict[str, np.ndarray] = {}
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        for lev, target in zip(cell_levels, targets, strict=True):
            tot = np.bincount(lev, weights=cell_start * factor, minlength=target.shape[0])
            with np.errstate(divide="ignore", invalid="ignore"):
                adj = np.where(tot > 0, target / tot, 1.0)
            factor *= adj[lev]
        abs_err, rel = 0.0, 0.0
        for i, (lev, target) in enumerate(zip(cell_levels, targets, strict=True)):
            tot = np.bincount(lev, weights=cell_start * factor, minlength=target.shape[0])
            e = tot - target
            errors[str(i)] = e
            abs_err, rel = _worse(abs_err, rel, e, target)
        if rel < tol:
            converged = True
            break
    weights = start * factor[cell_of_row]
    return RakeResult(weights, converged, iterations, abs_err, rel, errors=errors)


def _ipf_trimmed(
    codes: list[np.ndarray],
    targets: list[np.ndarray],
    start: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    tol: float,
    max_iter: int,
) -> RakeResult:
    """Raking with weights capped to [lo, hi] after every cycle (row by row, as caps break cells).

    Stops when the capped weights meet every margin within ``tol``; when the bounds cannot be met
    together with the margins it stops at ``max_iter`` without converging.
    """
    w = np.clip(start, lo, hi)
    rel = abs_err = np.inf
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        for c, target in zip(codes, targets, strict=True):
            tot = np.bincount(c, weights=w, minlength=target.shape[0])
            with np.errstate(divide="ignore", invalid="ignore"):
                w = w * np.where(tot > 0, target / tot, 1.0)[c]
        np.clip(w, lo, hi, out=w)
        abs_err, rel = 0.0, 0.0
        for c, target in zip(codes, targets, strict=True):
            e = np.bincount(c, weights=w, minlength=target.shape[0]) - target
            abs_err, rel = _worse(abs_err, rel, e, target)
        if rel < tol:
            break
    result = RakeResult(w, rel < tol, iterations, abs_err, rel)
    result.trim_rounds = iterations
    return result


def _worse(abs_err: float, rel: float, e: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """The largest absolute and relative margin errors so far, counting NaN or infinity as infinite.

    Python's max() ignores a NaN that comes second, which would let weights that overflowed pass
    as converged.
    """
    if not np.all(np.isfinite(e)):
        return np.inf, np.inf
    return max(abs_err, float(np.max(np.abs(e)))), max(rel, float(np.max(np.abs(e) / (1 + np.abs(target)))))


def rake_each_wave(
    data: Mapping[str, ArrayLike],
    margins: dict[str, Margin],
    variables: list[str],
    start_weights: ArrayLike,
    wave: ArrayLike,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    trim: Trim | None = None,
    only: Collection[str] | None = None,
) -> RakeResult:
    """Rake each wave's respondents to the margins on their own, so every wave stands for the whole
    population, and keep one calibration for all of them. With ``only``, just those waves are raked:
    the other respondents (whatever their wave, or none) keep their starting weights and, being in
    no compared wave, add nothing to the variance of a comparison.

    The weights are those of :func:`rake` run on each wave alone. The calibration crosses every
    margin variable with the wave, which is the model of R's ``calibrate(design, ~ wave:area +
    wave:age + ..., calfun = "raking")`` with each wave's totals: the standard error of anything
    that spans waves (a change) then accounts for both rakings. Iterations and errors reported are
    the worst wave's.
    """
    labels_of_rows = np.asarray(wave, dtype=object).reshape(-1)
    if only is None:
        if pd.isna(labels_of_rows).any():
            raise RakingError("a respondent has no wave: each wave is raked on its own")
        only = labels_of_rows.tolist()
    wave_labels = sorted({str(v) for v in only})
    index = {label: k for k, label in enumerate(wave_labels)}
    wave_codes = pd.Series(labels_of_rows).astype(str).map(index).fillna(-1).to_numpy(dtype=np.int64)
    n = wave_codes.shape[0]
    d0 = np.asarray(start_weights, dtype=np.float64)
    if d0.shape[0] != n:
        raise RakingError("starting weights and waves differ in length")
    weights = d0.copy()
    # Respondents in no raked wave share a block of their own: their influence on a comparison of
    # the raked waves is zero, so the block's coefficients are too.
    crossed = [np.full(n, len(wave_labels) * len(margins[v].categories), dtype=np.int64) for v in variables]
    parts = []
    for k, label in enumerate(wave_labels):
        rows = np.flatnonzero(wave_codes == k)
        if rows.size == 0:
            raise RakingError(f"wave {str(label)!r} has no respondents")
        sub = {v: _take(data[v], rows) for v in variables}
        try:
            part = rake(sub, margins, variables, d0[rows], tol=tol, max_iter=max_iter, trim=trim)
        except RakingError as exc:
            raise RakingError(f"wave {str(label)!r}: {exc}") from exc
        weights[rows] = part.weights
        parts.append(part)
        for j, v in enumerate(variables):
            codes, kept, _ = _codes_against(sub[v], margins[v])
            full = np.array([margins[v].categories.index(c) for c in kept], dtype=np.int64)
            crossed[j][rows] = k * len(margins[v].categories) + full[codes]
    n_levels = [len(wave_labels) * len(margins[v].categories) + 1 for v in variables]
    return RakeResult(
        weights=weights,
        converged=all(p.converged for p in parts),
        iterations=max(p.iterations for p in parts),
        max_abs_error=max(p.max_abs_error for p in parts),
        max_rel_error=max(p.max_rel_error for p in parts),
        trimmed=sum(p.trimmed for p in parts),
        trim_rounds=max(p.trim_rounds for p in parts),
        calibration=Calibration.from_codes(crossed, n_levels, d0),
        waves=len(wave_labels),
    )


def _take(column: ArrayLike, rows: np.ndarray) -> ArrayLike:
    if isinstance(column, pd.Series):
        return column.iloc[rows]
    return np.asarray(column).reshape(-1)[rows]


def raked_design(design: Design, result: RakeResult) -> Design:
    """The design with raked weights and the calibration its variance must account for."""
    return design.with_weights(result.weights, result.calibration)
