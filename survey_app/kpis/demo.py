"""Demonstration figures for every KPI, so that `make run` shows a whole board paper.

Recorded crime for every month from two years before the strategy's first quarter to the last
quarter that has ended (counted as if imported from the police's files), and each figure entered
each quarter by its data owner, with one revision so the paper shows how a revised figure reads.
Marked as demo data: the imports' file is "demo" and the figures' source "demo".
"""

from __future__ import annotations

import random

import numpy as np
import sqlalchemy as sa

from ..extensions import db
from . import store
from .crime import CrimeTally
from .districts import districts
from .models import CrimeImport, KpiFigure
from .rates import months_of_quarter
from .register import Register, quarter_index, quarter_of_index, quarters_between
from .synthetic import CRIME_TYPES, FORCE, MONTHLY_RATE

DEMO = "demo"
# Each entered figure's value in the strategy's first quarter and the change each quarter after.
_START_AND_STEP = {
    "super_victim_repeats": (42, -1.8),
    "missing_from_home": (162, -2.2),
    "missing_from_care": (114, -1.2),
    "perpetrator_programme": (15, 0.6),
    "special_constables": (49, 1.3),
    "domestic_abuse_victims": (311, 3.5),
}
_REVISED = ("super_victim_repeats", -2, "Two cases moved to another cohort after the quarterly audit")


def _month_tally(month: str, rng: np.random.Generator) -> CrimeTally:
    tally = CrimeTally()
    names, weights = zip(*CRIME_TYPES, strict=True)
    shares = np.array(weights) / sum(weights)
    for d in districts():
        crimes = rng.poisson(MONTHLY_RATE[d.name] * d.residents / 1000)
        for name, n in zip(names, rng.multinomial(crimes, shares), strict=True):
            if n:
                tally.crimes[(month, FORCE, d.name, name)] += int(n)
        tally.left_out[(month, FORCE, "not_a_crime")] += int(rng.poisson(crimes * 0.15))
        tally.left_out[(month, FORCE, "no_location")] += int(rng.poisson(crimes * 0.01))
    tally.left_out[(month, FORCE, "outside_area")] += int(rng.poisson(250))
    return tally


def seed_kpi_demo(register: Register, last_quarter: str, seed: int = 2021) -> bool:
    """Add the demo figures once; False when demo figures are already there."""
    if db.session.scalar(sa.select(CrimeImport.id).where(CrimeImport.filename == DEMO).limit(1)) is not None:
        return False
    rng = np.random.default_rng(seed)
    first_crime = quarter_of_index(quarter_index(register.first_quarter) - 8)
    for quarter in quarters_between(first_crime, last_quarter):
        for month in months_of_quarter(quarter):
            store.save_tally(_month_tally(month, rng), DEMO, DEMO)
    noise = random.Random(seed)  # noqa: S311 - made-up data, not a secret
    quarters = quarters_between(register.first_quarter, last_quarter)
    for kpi in register.entered():
        for figure in kpi.figures:
            start, step = _START_AND_STEP.get(figure.id, (10, 0.0))
            for i, quarter in enumerate(quarters):
                value = max(0, round(start + step * i + noise.gauss(0, max(1.0, abs(start) ** 0.5 / 2))))
                if kpi.unit == "headcount":
                    value = round(start + step * i)
                db.session.add(
                    KpiFigure(
                        kpi_id=kpi.id,
                        figure_id=figure.id,
                        quarter=quarter,
                        value=value,
                        revision=1,
                        entered_by=kpi.owner,
                        reason="",
                        source=DEMO,
                    )
                )
    figure_id, change, reason = _REVISED
    revised = quarters[-2] if len(quarters) > 1 else None
    owner = next((k for k in register.entered() if figure_id in {f.id for f in k.figures}), None)
    if revised is not None and owner is not None:
        db.session.flush()
        first = store.latest_revision(figure_id, revised)
        if first is not None:
            store.record_figure(
                owner,
                figure_id,
                revised,
                max(0, first.value + change),
                owner.owner,
                reason,
                last_quarter=last_quarter,
                source=DEMO,
            )
    return True
