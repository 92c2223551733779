"""The ten Greater Manchester districts and their residents: the denominators of crime rates.

Census 2021 usual residents (TS008), from `data/gm_census2021_population.csv`; its source is in
`data/README.md`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

POPULATION_FILE = Path(__file__).resolve().parents[2] / "data" / "gm_census2021_population.csv"
HOME = "Trafford"
# The force whose monthly files are counted: the ten districts' recorded crime.
FORCE = "Greater Manchester Police"


@dataclass(frozen=True)
class District:
    code: str
    name: str
    residents: int


@cache
def districts() -> tuple[District, ...]:
    with POPULATION_FILE.open(encoding="utf-8", newline="") as fh:
        rows = [
            District(r["area_code"], r["area_name"], int(r["usual_residents"])) for r in csv.DictReader(fh)
        ]
    if len(rows) != 10 or HOME not in {d.name for d in rows}:
        raise RuntimeError(f"{POPULATION_FILE} should list the ten Greater Manchester districts")
    return tuple(rows)


def district_names() -> frozenset[str]:
    return frozenset(d.name for d in districts())
