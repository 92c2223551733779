"""Survey designs and the Taylor-linearised variance of domain totals, as R's survey package does it.

A design holds, per respondent, a weight and the codes of its stratum and primary sampling unit (PSU),
with the finite population correction per stratum. The variance of a linearised statistic is the
one-stage "ultimate cluster" variance of R's ``svyrecvar``: PSU totals of the influence values,
centred within each stratum, scaled by ``(1 - f_h) n_h / (n_h - 1)``.

Domains (subgroups) are estimated the way ``svyby`` does: the whole design is kept and the influence
values of respondents outside the domain are zero, so every stratum keeps its full count of PSUs.

When the weights were calibrated (raked), the influence values are first replaced by their residuals
from a weighted least-squares fit on the calibration variables, as R's ``calibrate`` records in its
``greg_calibration`` object. That is what makes the standard error account for the raking.

Everything is computed with grouped sums (``np.bincount``) so the cost is linear in respondents.
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# What a stratum with one PSU contributes, as R's options(survey.lonely.psu = ...): fail; nothing
# (remove, certainty); its PSU's deviation from the population average, zero, rather than from its
# own stratum's (adjust); or nothing, with the other strata's variance scaled up to stand for every
# stratum (average).
LONELY_PSU_OPTIONS = ("fail", "remove", "certainty", "adjust", "average")


class DesignError(ValueError):
    """A design that cannot be built from the data given (bad weights, fpc, lonely PSU...)."""


def codes_of(values: ArrayLike) -> tuple[IntArray, NDArray]:
    """Integer codes 0..k-1 for any labels, with the sorted distinct labels they stand for.

    Hash-based (pandas' factorize), so linear in respondents even for text labels.
    """
    codes, levels = factorize(values, sort=True)
    if codes.size and codes.min() < 0:
        raise DesignError("a design or domain column has missing values")
    return codes.astype(np.int64), np.asarray(levels)


def factorize(values: ArrayLike, sort: bool = False) -> tuple[IntArray, NDArray]:
    """``pd.factorize`` on a column as given: a pandas column of text (read by pyarrow) is encoded
    by pyarrow itself, several times faster than the Python strings ``np.asarray`` would make."""
    column = values if isinstance(values, pd.Series | pd.Index) else np.asarray(values).reshape(-1)
    codes, levels = pd.factorize(column, sort=sort)
    return np.asarray(codes, dtype=np.int64), np.asarray(levels)


@dataclass(frozen=True)
class Calibration:
    """What the variance needs to know about a raking: the margin variables and the starting weights.

    Respondents are grouped into the cells of the cross-classification of the raking variables;
    ``cells`` holds each respondent's cell and ``cell_matrix`` the model-matrix row of each cell
    (full-rank coding with an intercept, as ``model.matrix(~a + b + c)``: every category of the first
    variable, all but the first of the others). ``start_weights`` are the weights before raking.
    Working per cell keeps the regression on the margins to a handful of grouped sums.
    """

    cells: IntArray
    cell_matrix: FloatArray
    start_weights: FloatArray

    @property
    def n_columns(self) -> int:
        return int(self.cell_matrix.shape[1])

    @staticmethod
    def from_codes(codes: list[IntArray], n_levels: list[int], start_weights: ArrayLike) -> Calibration:
        key = np.zeros(len(codes[0]), dtype=np.int64)
        for c, levels in zip(codes, n_levels, strict=True):
            key = key * levels + np.asarray(c, dtype=np.int64)
        size = int(np.prod(n_levels, dtype=np.float64))
        if size <= max(4 * key.shape[0], 1 << 16):
            cell_keys = np.arange(size, dtype=np.int64)
            cells = key
        else:
            cell_keys, cells = np.unique(key, return_inverse=True)
            cells = cells.reshape(-1).astype(np.int64)
        blocks = []
        rem = cell_keys.copy()
        levels_of_cell = []
        for levels in reversed(n_levels):
            levels_of_cell.append(rem % levels)
            rem //= levels
        levels_of_cell.reverse()
        for k, (lev, levels) in enumerate(zip(levels_of_cell, n_levels, strict=True)):
            block = (lev[:, None] == np.arange(levels)[None, :]).astype(np.float64)
            blocks.append(block if k == 0 else block[:, 1:])
        return Calibration(cells, np.hstack(blocks), np.asarray(start_weights, dtype=np.float64))


@dataclass(frozen=True)
class SecondStage:
    """The units sampled within each PSU of a two-stage design with an fpc at both stages, as
    ``svydesign(id = ~psu + ssu, fpc = ~fpc1 + fpc2)``."""

    ssu: IntArray  # per respondent, its SSU (unique across the design)
    ssu_psu: IntArray  # per SSU, its PSU
    n_ssu: IntArray  # per PSU, the SSUs sampled in it
    fpc_factor: FloatArray  # per PSU, 1 - n2 / N2
    first_fraction: FloatArray  # per PSU, its stratum's stage-1 sampling fraction n1 / N1


@dataclass(frozen=True)
class Design:
    """A survey design, possibly stratified, clustered in one or two stages, and calibrated.

    Build it with :meth:`Design.build`. ``psu`` codes are unique across strata (R's ``nest = TRUE``).
    Without a second stage (or without an fpc for it), the design is one-stage: ultimate cluster.
    """

    weights: FloatArray
    strata: IntArray
    psu: IntArray
    psu_stratum: IntArray
    n_psu: IntArray  # PSUs per stratum in the full design
    fpc_factor: FloatArray  # (1 - f_h) per stratum; 1 when there is no fpc
    clustered: bool
    lonely_psu: str = "fail"
    calibration: Calibration | None = None
    strata_labels: NDArray = field(default_factory=lambda: np.array([]))
    second_stage: SecondStage | None = None

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])

    @staticmethod
    def build(
        n: int | None = None,
        *,
        weights: ArrayLike | None = None,
        strata: ArrayLike | None = None,
        cluster: ArrayLike | None = None,
        fpc: ArrayLike | None = None,
        lonely_psu: str = "fail",
        cluster2: ArrayLike | None = None,
        fpc2: ArrayLike | None = None,
    ) -> Design:
        """Make a design from per-respondent columns, checking them the way ``svydesign`` does.

        ``fpc`` is, per respondent, either the population size of its stratum (in PSUs) or, when
        every value is at most 1, the sampling fraction. Without weights but with an fpc, weights
        are population size over sample size in the stratum; without either, every weight is 1.
        ``cluster2`` and ``fpc2`` make it two-stage: the units sampled within each PSU and, per
        respondent, how many such units its PSU has (or the fraction sampled). As in R, without
        ``fpc2`` the second stage changes nothing.
        """
        lengths = [_length(a) for a in (weights, strata, cluster, fpc, cluster2, fpc2) if a is not None]
        if n is None:
            if not lengths:
                raise DesignError("a design needs a respondent count or at least one column")
            n = lengths[0]
        if any(length != n for length in lengths):
            raise DesignError("design columns differ in length")
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise DesignError(f"lonely_psu must be one of {', '.join(LONELY_PSU_OPTIONS)}")
        if strata is None:
            s_codes = np.zeros(n, dtype=np.int64)
            s_labels = np.array(["all"])
        else:
            s_codes, s_labels = codes_of(strata)
        n_strata = len(s_labels)
        if cluster is None:
            psu = np.arange(n, dtype=np.int64)
            clustered = False
        else:
            c_codes, c_labels = codes_of(cluster)
            pair = s_codes * len(c_labels) + c_codes
            _, psu = np.unique(pair, return_inverse=True)
            psu = psu.astype(np.int64).reshape(-1)
            clustered = True
        n_psu_total = int(psu.max()) + 1 if n else 0
        psu_stratum = np.zeros(n_psu_total, dtype=np.int64)
        psu_stratum[psu] = s_codes
        n_psu = np.bincount(psu_stratum, minlength=n_strata).astype(np.int64)

        fpc_factor = np.ones(n_strata)
        popsize = None
        if fpc is not None:
            popsize = _population_sizes(
                fpc, s_codes, n_psu, ("fpc", "a stratum", "the number of sampled PSUs")
            )
            fpc_factor = (popsize - n_psu) / popsize

        second = None
        if fpc2 is not None:
            if cluster is None or cluster2 is None or popsize is None:
                raise DesignError(
                    "a second-stage fpc needs the clusters of both stages and the first stage's fpc"
                )
            second = _second_stage(psu, cluster2, fpc2, n_psu_total, 1.0 - fpc_factor[psu_stratum])
        if weights is None:
            w = (popsize / n_psu)[s_codes] if popsize is not None else np.ones(n)
            if second is not None:
                sampled = second.n_ssu / (1.0 - second.fpc_factor)  # N2 per PSU
                w = w * (sampled / second.n_ssu)[psu]
        else:
            w = np.asarray(weights, dtype=np.float64)
            if np.any(~np.isfinite(w)):
                raise DesignError("weights must be present (no missing values) and finite")
            if np.any(w < 0):
                raise DesignError("weights must not be negative")
        return Design(
            weights=np.ascontiguousarray(w, dtype=np.float64),
            strata=s_codes,
            psu=psu,
            psu_stratum=psu_stratum,
            n_psu=n_psu,
            fpc_factor=fpc_factor,
            clustered=clustered,
            lonely_psu=lonely_psu,
            strata_labels=s_labels,
            second_stage=second,
        )

    def with_weights(self, weights: ArrayLike, calibration: Calibration | None = None) -> Design:
        """The same design with new weights (and, after raking, the calibration it came from)."""
        w = np.asarray(weights, dtype=np.float64)
        return Design(
            weights=w,
            strata=self.strata,
            psu=self.psu,
            psu_stratum=self.psu_stratum,
            n_psu=self.n_psu,
            fpc_factor=self.fpc_factor,
            clustered=self.clustered,
            lonely_psu=self.lonely_psu,
            calibration=calibration,
            strata_labels=self.strata_labels,
            second_stage=self.second_stage,
        )

    def subset_rows(self, keep: NDArray[np.bool_]) -> Design:
        """A design built only from the kept respondents (complete-case analysis).

        Unlike a domain, the dropped respondents no longer count towards PSUs or the fpc's sample size.
        """
        if self.calibration is not None:
            raise DesignError("complete-case subsetting of a raked design: rake after dropping rows")
        fh = self.fpc_factor
        fpc = None
        if np.any(fh < 1) or self.second_stage is not None:
            popsize = self.n_psu / (1 - fh)
            fpc = popsize[self.strata[keep]]
        cluster2 = fpc2 = None
        stage = self.second_stage
        if stage is not None:
            # Each PSU keeps its number of units in the population; its sample is what is left.
            cluster2 = stage.ssu[keep]
            fpc2 = (stage.n_ssu / (1 - stage.fpc_factor))[self.psu[keep]]
        return Design.build(
            int(keep.sum()),
            weights=self.weights[keep],
            strata=self.strata[keep],
            cluster=self.psu[keep] if self.clustered else None,
            fpc=fpc,
            lonely_psu=self.lonely_psu,
            cluster2=cluster2,
            fpc2=fpc2,
        )

    def degf(self, domain: IntArray | None = None, n_domains: int = 1) -> IntArray:
        """Design degrees of freedom per domain, as R's ``degf()`` on ``subset(design)``.

        PSUs with at least one respondent of non-zero weight in the domain, minus the strata those
        PSUs are in. ``domain`` holds a code per respondent (-1 outside every domain).
        """
        dom = np.zeros(self.n, dtype=np.int64) if domain is None else np.asarray(domain, dtype=np.int64)
        inset = (dom >= 0) & (self.weights != 0)
        d = dom[inset]
        n_str = self.n_psu.shape[0]
        if self.clustered:
            n_psu_total = self.psu_stratum.shape[0]
            psu_key = np.unique(d * n_psu_total + self.psu[inset])
            psus = np.bincount(psu_key // n_psu_total, minlength=n_domains)
        else:  # every respondent is its own PSU
            psus = np.bincount(d, minlength=n_domains)
        seen = np.bincount(d * n_str + self.strata[inset], minlength=n_domains * n_str).reshape(
            n_domains, n_str
        )
        strata = (seen > 0).sum(axis=1)
        return (psus - strata).astype(np.int64)

    def total_variance(self, scores: FloatArray, domain: IntArray, n_domains: int) -> FloatArray:
        """Variance of the domain totals of ``weight * score``, with any calibration accounted for.

        ``scores`` are the unweighted influence values (zero outside the domain or where the outcome
        is missing); respondent i contributes ``weights[i] * scores[i]`` to the total of domain
        ``domain[i]``. Returns one variance per domain.
        """
        w = self.weights
        dom = np.asarray(domain, dtype=np.int64)
        inside = dom >= 0
        m = n_domains
        n_strata = self.n_psu.shape[0]
        a_row = np.where(inside, w * scores, 0.0)

        # Stratum x domain sums of PSU totals (A) and of their squares.
        if self.clustered:
            key = self.psu[inside] * m + dom[inside]
            uniq, inv = np.unique(key, return_inverse=True)
            a_pair = np.bincount(inv.reshape(-1), weights=a_row[inside], minlength=uniq.shape[0])
            pair_psu = uniq // m
            pair_dom = uniq % m
            pair_stratum = self.psu_stratum[pair_psu]
        else:
            a_pair = a_row[inside]
            pair_psu = self.psu[inside]
            pair_dom = dom[inside]
            pair_stratum = self.strata[inside]
        hj = pair_stratum * m + pair_dom
        s_a = np.bincount(hj, weights=a_pair, minlength=n_strata * m).reshape(n_strata, m)
        s_aa = np.bincount(hj, weights=a_pair * a_pair, minlength=n_strata * m).reshape(n_strata, m)

        cal = self.calibration
        if cal is not None:
            mm = cal.cell_matrix  # cells x p
            n_cells = mm.shape[0]
            cells = cal.cells
            d0 = cal.start_weights
            # beta_j = (sum d mm mm')^-1 sum d mm e  (weighted least squares on the start weights)
            d_cell = np.bincount(cells, weights=d0, minlength=n_cells)
            xtx = mm.T @ (mm * d_cell[:, None])
            de_cell = np.bincount(
                dom[inside] * n_cells + cells[inside], weights=(d0 * scores)[inside], minlength=m * n_cells
            ).reshape(m, n_cells)
            beta = np.linalg.lstsq(xtx, (de_cell @ mm).T, rcond=None)[0].T  # m x p
            # Stratum sums of the PSU totals of w * mm (C): s_c, s_cc = sum C C', s_ca = sum A C.
            hc = self.strata * n_cells + cells
            s_c = np.bincount(hc, weights=w, minlength=n_strata * n_cells).reshape(n_strata, n_cells) @ mm
            if self.clustered:
                n_psu_total = self.psu_stratum.shape[0]
                key = self.psu * n_cells + cells
                uniq, inv = np.unique(key, return_inverse=True)
                pw = np.bincount(inv.reshape(-1), weights=w, minlength=uniq.shape[0])
                pair_cell = uniq % n_cells
                pair_p = uniq // n_cells
                c_psu = np.zeros((n_psu_total, mm.shape[1]))
                for k in range(mm.shape[1]):
                    c_psu[:, k] = np.bincount(pair_p, weights=pw * mm[pair_cell, k], minlength=n_psu_total)
                s_cc = np.zeros((n_strata, mm.shape[1], mm.shape[1]))
                for h in range(n_strata):
                    ch = c_psu[self.psu_stratum == h]
                    s_cc[h] = ch.T @ ch
                contrib = c_psu[pair_psu] * a_pair[:, None]
                s_ca = np.zeros((n_strata * m, mm.shape[1]))
                for k in range(mm.shape[1]):
                    s_ca[:, k] = np.bincount(hj, weights=contrib[:, k], minlength=n_strata * m)
                s_ca = s_ca.reshape(n_strata, m, mm.shape[1])
            else:
                w2_cell = np.bincount(hc, weights=w * w, minlength=n_strata * n_cells).reshape(
                    n_strata, n_cells
                )
                s_cc = np.einsum("ck,hc,cl->hkl", mm, w2_cell, mm)
                ca_cell = np.bincount(
                    (hc[inside] * m + dom[inside]),
                    weights=(w * a_row)[inside],
                    minlength=n_strata * n_cells * m,
                ).reshape(n_strata, n_cells, m)
                s_ca = np.einsum("hcj,ck->hjk", ca_cell, mm)
            # sum U = s_a - beta.s_c ; sum U^2 = s_aa - 2 beta.s_ca + beta' s_cc beta
            s_a = s_a - np.einsum("jk,hk->hj", beta, s_c)
            s_aa = (
                s_aa - 2 * np.einsum("jk,hjk->hj", beta, s_ca) + np.einsum("jk,hkl,jl->hj", beta, s_cc, beta)
            )

        n_h = self.n_psu.astype(np.float64)[:, None]
        centred = s_aa - s_a * s_a / np.maximum(n_h, 1.0)
        lonely = self.n_psu == 1
        if np.any(lonely):
            # Like R's lonely.psu = "fail", except that a stratum whose influence values are all zero
            # (e.g. n = 1, or an outcome that is all 0) needs no variance and so raises nothing.
            if self.lonely_psu == "fail" and np.any(lonely[self.strata] & (a_row != 0)):
                raise DesignError(
                    f"{int(lonely.sum())} stratum has only one PSU; set lonely_psu to 'remove', "
                    "'certainty', 'adjust' or 'average'"
                )
            # Influence values sum to zero over the sample, so the population average is zero.
            centred[lonely] = s_aa[lonely] if self.lonely_psu == "adjust" else 0.0
        scale = self.fpc_factor[:, None] * n_h / np.maximum(n_h - 1.0, 1.0)
        per_stratum = scale * np.maximum(centred, 0.0)
        if self.lonely_psu == "average" and np.any(lonely):
            var = self._averaged(per_stratum, lonely, dom, inside, m)
        else:
            var = per_stratum.sum(axis=0)
        stage = self.second_stage
        if stage is not None:
            n_ssu_total = stage.ssu_psu.shape[0]
            totals: FloatArray = (
                np.bincount(
                    stage.ssu[inside] * m + dom[inside], weights=a_row[inside], minlength=n_ssu_total * m
                )
                .reshape(n_ssu_total, m)
                .astype(np.float64)
            )
            if cal is None:
                # A PSU with no respondent in the domain is not visited by R's subset: it adds nothing.
                visited = np.zeros((stage.n_ssu.shape[0], m), dtype=bool)
                visited[self.psu[inside], dom[inside]] = True
            else:
                # The raking residuals go through both stages (R's svyrecvar corrects the influence
                # values before its multistage recursion), and a calibrated domain keeps every row.
                totals = totals - _unit_totals(stage.ssu, n_ssu_total, cal, w) @ beta.T
                visited = np.ones((stage.n_ssu.shape[0], m), dtype=bool)
            var = var + self._second_stage_variance(stage, totals, visited, m)
        return var

    def _second_stage_variance(
        self, stage: SecondStage, totals: FloatArray, visited: NDArray, m: int
    ) -> FloatArray:
        """What sampling within the PSUs adds (R's ``multistage``): in each PSU, the variance of its
        SSU totals (``totals``, SSU x domain) about their mean, with that PSU's fpc, times its
        stratum's stage-1 fraction. Only PSUs ``visited`` in a domain count towards it."""
        n_psu_total = stage.n_ssu.shape[0]
        s_b = np.zeros((n_psu_total, m))
        s_bb = np.zeros((n_psu_total, m))
        np.add.at(s_b, stage.ssu_psu, totals)
        np.add.at(s_bb, stage.ssu_psu, totals * totals)
        n2 = stage.n_ssu.astype(np.float64)[:, None]
        centred = s_bb - s_b * s_b / n2
        # R leaves out a PSU whose SSUs were all sampled (fpc factor below 1e-7) before anything else.
        active = stage.fpc_factor >= 1e-7
        lonely = (stage.n_ssu == 1) & active
        if np.any(lonely[:, None] & visited):
            if self.lonely_psu == "fail":
                raise DesignError(
                    "a PSU has only one unit sampled at the second stage; set lonely_psu to 'remove', "
                    "'certainty' or 'adjust'"
                )
            if self.lonely_psu == "average":
                # R averages over the PSU's own second-stage strata, of which it has none left.
                return np.where((lonely[:, None] & visited).any(axis=0), np.nan, 0.0)
            centred[lonely] = s_bb[lonely] if self.lonely_psu == "adjust" else 0.0
        scale = stage.fpc_factor[:, None] * n2 / np.maximum(n2 - 1.0, 1.0)
        per_psu = stage.first_fraction[:, None] * scale * np.maximum(centred, 0.0)
        return np.where(active[:, None] & visited, per_psu, 0.0).sum(axis=0)

    def _averaged(
        self, per_stratum: FloatArray, lonely: NDArray, dom: IntArray, inside: NDArray, m: int
    ) -> FloatArray:
        """lonely_psu = "average": each domain's variance over its strata with more than one PSU,
        scaled up to stand for all of its strata. As in R, a domain's strata are those it has
        respondents in (R subsets an uncalibrated design to the domain), or every stratum of a
        calibrated design (whose subsets keep every row). NaN where every one is lonely, as R."""
        n_strata = per_stratum.shape[0]
        if self.calibration is None:
            present = np.zeros((n_strata, m), dtype=bool)
            present[self.strata[inside], dom[inside]] = True
        else:
            present = np.ones((n_strata, m), dtype=bool)
        counted = present & ~lonely[:, None]
        n_present = present.sum(axis=0)
        n_counted = counted.sum(axis=0)
        total = np.where(counted, per_stratum, 0.0).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n_counted > 0, total * n_present / np.maximum(n_counted, 1), np.nan)


def _unit_totals(unit: IntArray, n_units: int, cal: Calibration, w: FloatArray) -> FloatArray:
    """Per unit (an SSU), the total of ``w`` times each respondent's row of the calibration model
    matrix, summed by cell first so the matrix is never built per respondent."""
    mm = cal.cell_matrix
    n_cells = mm.shape[0]
    uniq, inv = np.unique(unit * n_cells + cal.cells, return_inverse=True)
    pw = np.bincount(inv.reshape(-1), weights=w, minlength=uniq.shape[0])
    pair_unit, pair_cell = uniq // n_cells, uniq % n_cells
    out = np.zeros((n_units, mm.shape[1]))
    for k in range(mm.shape[1]):
        out[:, k] = np.bincount(pair_unit, weights=pw * mm[pair_cell, k], minlength=n_units)
    return out


def _length(column: ArrayLike) -> int:
    # len() first: np.asarray would copy a pandas column of text into Python strings just to count.
    return len(column) if isinstance(column, Sized) else int(np.asarray(column).reshape(-1).shape[0])


def _second_stage(
    psu: IntArray, cluster2: ArrayLike, fpc2: ArrayLike, n_psu_total: int, first_fraction: FloatArray
) -> SecondStage:
    """The second stage of a design, checked the way ``svydesign`` checks it."""
    c_codes, c_labels = codes_of(cluster2)
    _, ssu = np.unique(psu * len(c_labels) + c_codes, return_inverse=True)
    ssu = ssu.astype(np.int64).reshape(-1)
    n_ssu_total = int(ssu.max()) + 1 if ssu.size else 0
    ssu_psu = np.zeros(n_ssu_total, dtype=np.int64)
    ssu_psu[ssu] = psu
    n_ssu = np.bincount(ssu_psu, minlength=n_psu_total).astype(np.int64)
    popsize = _population_sizes(fpc2, psu, n_ssu, ("the second-stage fpc", "a PSU", "the units sampled"))
    return SecondStage(ssu, ssu_psu, n_ssu, (popsize - n_ssu) / popsize, first_fraction)


def _population_sizes(
    fpc: ArrayLike, group: IntArray, n_sampled: IntArray, words: tuple[str, str, str]
) -> FloatArray:
    """Each group's population size from a per-respondent fpc: the size itself, or the sampling
    fraction when every value is at most 1. ``words`` name the fpc, a group and what was sampled."""
    name, a_group, sampled = words
    f = np.asarray(fpc, dtype=np.float64)
    if np.any(~np.isfinite(f)) or np.any(f <= 0):
        raise DesignError(f"{name} must be positive and present for every respondent")
    lowest = np.full(n_sampled.shape[0], np.inf)
    highest = np.full(n_sampled.shape[0], -np.inf)
    np.minimum.at(lowest, group, f)
    np.maximum.at(highest, group, f)
    if np.any(highest - lowest > 1e-9 * np.maximum(1.0, highest)):
        raise DesignError(f"{name} differs within {a_group}")
    popsize = n_sampled / highest if np.all(f <= 1) else highest
    if np.any(popsize < n_sampled * (1 - 1e-12)):
        raise DesignError(f"{name} is smaller than {sampled} in {a_group}")
    return popsize
