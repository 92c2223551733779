"""Street-level crime files written in the police.uk format, row by row, for the tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from survey_app.kpis.crime import COLUMNS
from survey_app.kpis.districts import FORCE


def row(month: str, lsoa: str, crime_type: str = "Burglary", force: str = FORCE) -> list[str]:
    located = bool(lsoa)
    crime = crime_type != "Anti-social behaviour"
    return [
        "a1b2c3" if crime else "",
        month,
        force,
        force,
        "-2.35" if located else "",
        "53.42" if located else "",
        "On or near Station Road, Altrincham" if located else "No Location",
        "E01006000" if located else "",
        lsoa,
        crime_type,
        "Under investigation" if crime else "",
        "",
    ]


def street_csv(rows: Iterable[list[str]], columns: Iterable[str] = COLUMNS, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(columns))
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8")


def month_rows(month: str, per_district: dict[str, int], crime_type: str = "Burglary") -> list[list[str]]:
    rows = []
    for district, n in per_district.items():
        rows += [row(month, f"{district} {i % 90 + 1:03d}A", crime_type) for i in range(n)]
    return rows
