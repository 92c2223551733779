"""Recorded crime rates per 1,000 residents for the Greater Manchester districts, and Trafford's rank.

Plain Python, no Flask. A period is a quarter or the twelve months to a quarter's end. A period is
ranked only when every one of its months has been imported: a missing month would make Trafford
look safer than it is. Rank 1 is the lowest rate; districts with equal rates share the better rank.
Each rate carries the exact Poisson interval of its count, divided by the residents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from analysis.counts import poisson_intervals

from .districts import HOME, District
from .register import quarter_index, quarter_of_index

PER = 1000


@dataclass(frozen=True)
class DistrictRate:
    district: str
    crimes: int
    residents: int
    rate: float  # per 1,000 residents
    ci_low: float
    ci_high: float
    rank: int


@dataclass(frozen=True)
class PeriodRates:
    """Every district's rate over one period (all crimes, or one crime type)."""

    period: str  # "2026Q3" or "2025Q4-2026Q3"
    months: tuple[str, ...]
    missing: tuple[str, ...]  # months of the period not imported
    crime_type: str | None  # None: all crimes
    rates: tuple[DistrictRate, ...]  # lowest rate first; empty when months are missing

    @property
    def complete(self) -> bool:
        return not self.missing

    def of(self, district: str) -> DistrictRate | None:
        return next((r for r in self.rates if r.district == district), None)

    @property
    def home(self) -> DistrictRate | None:
        return self.of(HOME)


def months_of_quarter(quarter: str) -> tuple[str, ...]:
    index = quarter_index(quarter)
    year, first = index // 4, (index % 4) * 3 + 1
    return tuple(f"{year}-{m:02d}" for m in range(first, first + 3))


def months_of_year_to(quarter: str) -> tuple[str, ...]:
    """The twelve months to the end of ``quarter``."""
    last = quarter_index(quarter)
    return tuple(m for i in range(last - 3, last + 1) for m in months_of_quarter(quarter_of_index(i)))


def year_to_label(quarter: str) -> str:
    return f"{quarter_of_index(quarter_index(quarter) - 3)}-{quarter}"


def rank_rates(
    period: str,
    months: tuple[str, ...],
    counts: Mapping[str, Mapping[str, int]],
    imported: set[str],
    districts: tuple[District, ...],
    crime_type: str | None = None,
    level: float = 0.95,
) -> PeriodRates:
    """``counts``: month -> district -> crimes (of ``crime_type``, or all)."""
    missing = tuple(m for m in months if m not in imported)
    if missing:
        return PeriodRates(period, months, missing, crime_type, ())
    totals = [sum(counts.get(m, {}).get(d.name, 0) for m in months) for d in districts]
    lows, highs = poisson_intervals(np.array(totals), level)
    unranked = []
    for d, n, low, high in zip(districts, totals, lows, highs, strict=True):
        scale = PER / d.residents
        unranked.append((n * scale, n, d, float(low) * scale, float(high) * scale))
    unranked.sort(key=lambda item: (item[0], item[2].name))
    rates = []
    for rate, crimes, d, low, high in unranked:
        rank = 1 + sum(1 for other in unranked if other[0] < rate)
        rates.append(DistrictRate(d.name, crimes, d.residents, rate, low, high, rank))
    return PeriodRates(period, months, (), crime_type, tuple(rates))
