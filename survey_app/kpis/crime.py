"""Reading the police's monthly street-level crime files (the police.uk CSV format).

Plain Python, no Flask. A file is hostile input: it is read as UTF-8 text by the csv module, checked
row by row, and either counted whole or refused whole with the line of each fault, so a month is
never stored half-counted. What is kept is the tally, not the rows: crimes by month, reporting
force, district and crime type, and the rows left out by month, force and reason.

Which rows are recorded crime in a district (see `data/README.md`):
- a row whose crime type is "Anti-social behaviour" is an incident, not a crime: left out;
- a crime with no location (an empty LSOA) cannot be placed in a district: left out;
- a crime whose LSOA lies outside the ten Greater Manchester districts: left out;
- every other row is a crime in the district its LSOA name begins with ("Trafford 012C").
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
# The columns counting needs; the others may be absent from a trimmed file.
NEEDED = ("Month", "Reported by", "LSOA name", "Crime type")
NOT_A_CRIME = "Anti-social behaviour"
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
# A Census 2021 LSOA name: the district's name, a space, three digits and a letter.
LSOA_NAME = re.compile(r"^(.+) \d{3}[A-Z]$")
MAX_FAULTS_SHOWN = 10
MAX_FIELD = 500
MAX_FORCE = 100
MAX_CRIME_TYPE = 100
# The published files have 14 crime types; many more means this is not one of them.
MAX_CRIME_TYPES = 50

# Why a row was left out of the counts.
LEFT_OUT_REASONS = ("not_a_crime", "no_location", "outside_area")


@dataclass(frozen=True)
class LineFault:
    """What is wrong with one line: ``code`` names it (see `kpis.messages.crime_fault`), ``value``
    is what was found there, shortened."""

    line: int
    code: str
    value: str = ""


class CrimeFileError(ValueError):
    """A file that is not a street-level crime file, or has rows that cannot be read.

    ``code`` names what is wrong with the file; ``faults`` are the faulty lines, at most
    `MAX_FAULTS_SHOWN` of them; ``more`` counts the rest."""

    def __init__(self, code: str, faults: Iterable[LineFault] = (), more: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.faults = list(faults)
        self.more = more


@dataclass
class CrimeTally:
    """What one file says, counted."""

    # (month, force, district, crime type) -> crimes
    crimes: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    # (month, force, reason) -> rows left out
    left_out: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    rows: int = 0

    @property
    def months(self) -> list[tuple[str, str]]:
        """The (month, force) pairs the file covers: each replaces what was imported for it before."""
        pairs = {(m, f) for m, f, _d, _t in self.crimes} | {(m, f) for m, f, _r in self.left_out}
        return sorted(pairs)

    def crimes_in(self, month: str, force: str) -> int:
        return sum(n for (m, f, _d, _t), n in self.crimes.items() if (m, f) == (month, force))

    def left_out_in(self, month: str, force: str) -> dict[str, int]:
        return {r: n for (m, f, r), n in self.left_out.items() if (m, f) == (month, force)}


def _text_lines(stream: IO[bytes]) -> Iterator[str]:
    """The file as lines of text, each decoded on its own so that bytes that are not UTF-8 are
    refused with the line they are on."""
    for line, raw in enumerate(stream, start=1):
        if line == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if b"\x00" in raw:
            raise CrimeFileError("not_text", [LineFault(line, "nul")])
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CrimeFileError("not_utf8", [LineFault(line, "not_utf8")]) from None


def read_crime_file(stream: IO[bytes], districts: frozenset[str], force: str) -> CrimeTally:
    """Count the crimes in one month's file of one force. ``districts`` are the names of the
    districts counted (the ten Greater Manchester districts); a crime in any other is left out as
    outside the area. ``force`` is the force whose files are counted: another force's file is
    refused, as is a row of another month (a monthly file holds one month, and importing it
    replaces that month)."""
    rows = csv.reader(_text_lines(stream), strict=True)
    try:
        header = next(rows)
    except StopIteration:
        raise CrimeFileError("empty") from None
    except csv.Error:
        raise CrimeFileError("not_csv") from None
    header = [h.strip() for h in header]
    if any(c not in header for c in NEEDED):
        raise CrimeFileError("columns")
    index = {name: header.index(name) for name in NEEDED}
    width = len(header)
    tally = CrimeTally()
    faults: list[LineFault] = []
    more = 0
    month_at, force_at, lsoa_at, type_at = (index[c] for c in NEEDED)
    crimes, left_out = tally.crimes, tally.left_out
    file_month: str | None = None
    crime_types: set[str] = set()
    try:
        for row in rows:
            line = rows.line_num
            fault = None
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line
                fault = LineFault(line, "columns", f"{len(row)}/{width}")
            else:
                month, reported = row[month_at], row[force_at].strip()
                lsoa, crime_type = row[lsoa_at].strip(), row[type_at].strip()
                if not MONTH.match(month):
                    fault = LineFault(line, "month", month[:20])
                elif not reported or len(reported) > MAX_FORCE:
                    fault = LineFault(line, "force")
                elif not crime_type or len(crime_type) > MAX_CRIME_TYPE:
                    fault = LineFault(line, "crime_type")
                elif len(lsoa) > MAX_FIELD:
                    fault = LineFault(line, "lsoa")
                elif file_month is not None and month != file_month:
                    fault = LineFault(line, "other_month", f"{month}/{file_month}")
                elif reported != force:
                    other = LineFault(line, "other_force", reported[:MAX_FORCE])
                    if file_month is None:  # the whole file is another force's
                        raise CrimeFileError("other_force", [other])
                    fault = other
            if fault is not None:
                if len(faults) < MAX_FAULTS_SHOWN:
                    faults.append(fault)
                else:
                    more += 1
                continue
            file_month = month
            tally.rows += 1
            if crime_type not in crime_types:
                crime_types.add(crime_type)
                if len(crime_types) > MAX_CRIME_TYPES:
                    raise CrimeFileError("crime_types")
            if crime_type == NOT_A_CRIME:
                left_out[(month, force, "not_a_crime")] += 1
                continue
            if not lsoa:
                left_out[(month, force, "no_location")] += 1
                continue
            named = LSOA_NAME.match(lsoa)
            if named is None or named.group(1) not in districts:
                left_out[(month, force, "outside_area")] += 1
                continue
            district = named.group(1)
            crimes[(month, force, district, crime_type)] += 1
    except csv.Error as exc:
        raise CrimeFileError("not_csv", [LineFault(rows.line_num, "csv", str(exc)[:80])]) from None
    if faults:
        raise CrimeFileError("lines", faults, more)
    if tally.rows == 0:
        raise CrimeFileError("no_rows")
    return tally
