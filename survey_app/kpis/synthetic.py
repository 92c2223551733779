"""Street-level crime files made up in the police.uk format, for the demo, the tests and the benchmark.

No real crime file is shipped. These files have the published columns and the published pitfalls:
anti-social behaviour rows, crimes with no location, crimes just outside Greater Manchester. Each
district's monthly rate is its own (Trafford lowest, as it is), so the ranks are stable.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator

from .crime import COLUMNS, NOT_A_CRIME
from .districts import FORCE, districts

# Crimes per 1,000 residents per month, roughly the published shape (Manchester highest).
MONTHLY_RATE = {
    "Bolton": 10.0,
    "Bury": 9.0,
    "Manchester": 14.0,
    "Oldham": 10.8,
    "Rochdale": 10.5,
    "Salford": 11.5,
    "Stockport": 7.6,
    "Tameside": 10.2,
    "Trafford": 6.9,
    "Wigan": 8.6,
}
CRIME_TYPES = (
    ("Violence and sexual offences", 0.36),
    ("Public order", 0.09),
    ("Criminal damage and arson", 0.08),
    ("Shoplifting", 0.09),
    ("Other theft", 0.09),
    ("Vehicle crime", 0.08),
    ("Burglary", 0.06),
    ("Theft from the person", 0.03),
    ("Drugs", 0.03),
    ("Robbery", 0.02),
    ("Bicycle theft", 0.02),
    ("Possession of weapons", 0.015),
    ("Other crime", 0.025),
)
NEIGHBOURS = ("Cheshire East", "Warrington", "High Peak", "Blackburn with Darwen", "Calderdale")
OUTCOMES = (
    "Under investigation",
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
)


def _rows(month: str, rng: random.Random, scale: float, asb_share: float) -> Iterator[list[str]]:
    types, weights = zip(*CRIME_TYPES, strict=True)
    for d in districts():
        expected = MONTHLY_RATE[d.name] * d.residents / 1000 * scale
        crimes = max(0, round(rng.gauss(expected, expected**0.5)))
        for kind in rng.choices(types, weights, k=crimes):
            lsoa = f"{d.name} {rng.randrange(1, 60):03d}{rng.choice('ABCDE')}"
            yield _row(month, rng, lsoa, kind)
        for _ in range(round(crimes * asb_share)):
            lsoa = f"{d.name} {rng.randrange(1, 60):03d}{rng.choice('ABCDE')}"
            yield _row(month, rng, lsoa, NOT_A_CRIME)
        for kind in rng.choices(types, weights, k=round(crimes * 0.01)):
            yield _row(month, rng, "", kind)
    for kind in rng.choices(types, weights, k=round(250 * scale)):
        yield _row(
            month, rng, f"{rng.choice(NEIGHBOURS)} {rng.randrange(1, 40):03d}{rng.choice('ABC')}", kind
        )


def _row(month: str, rng: random.Random, lsoa: str, kind: str) -> list[str]:
    crime = kind != NOT_A_CRIME
    located = bool(lsoa)
    return [
        f"{rng.getrandbits(64):016x}" if crime else "",
        month,
        FORCE,
        FORCE,
        f"{-2.35 + rng.random() * 0.3:.6f}" if located else "",
        f"{53.40 + rng.random() * 0.2:.6f}" if located else "",
        "On or near Park Road" if located else "No Location",
        f"E0100{rng.randrange(4000, 6000)}" if located else "",
        lsoa,
        kind,
        rng.choice(OUTCOMES) if crime else "",
        "",
    ]


def street_file(month: str, *, seed: int = 1, scale: float = 1.0, asb_share: float = 0.15) -> bytes:
    """One month's Greater Manchester street-level file, as the police publish it (UTF-8 CSV).
    ``scale`` 1.0 gives about 34,000 rows, as a real month does."""
    rng = random.Random(f"{month}:{seed}")  # noqa: S311 - made-up data, not a secret
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(month, rng, scale, asb_share))
    return out.getvalue().encode("utf-8")
