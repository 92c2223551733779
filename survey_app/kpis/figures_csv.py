"""A CSV of several quarters' figures at once, as data owners keep them in a spreadsheet.

Plain Python, no Flask. Columns (headings in any order, any case): ``kpi``, ``quarter``, ``value``,
and ``figure`` where a KPI has more than one figure, ``reason`` where a figure already held is
revised. Every row is checked before anything is stored; each bad row gets one line saying what to
correct, and nothing is stored until none is left.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..questionnaire.answers import ascii_digits
from .register import Kpi, Register, is_quarter, plain, quarter_index
from .store import MAX_FIGURE, MAX_REASON

MAX_BYTES = 200_000
MAX_ROWS = 2_000
REQUIRED = ("kpi", "quarter", "value")
OPTIONAL = ("figure", "reason")


@dataclass(frozen=True)
class FigureRow:
    line: int
    kpi: Kpi
    figure_id: str
    quarter: str
    value: int
    reason: str


@dataclass(frozen=True)
class RowFault:
    """What is wrong with one line: ``code`` names the message, ``params`` fill it."""

    line: int
    code: str
    params: dict[str, object]


class FiguresFileError(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FiguresFileError("too_large", maximum=MAX_BYTES // 1000)
    if b"\x00" in data:
        raise FiguresFileError("not_text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")  # a spreadsheet saved as "CSV" on Windows
        except UnicodeDecodeError:
            raise FiguresFileError("not_text") from None


def read_figures(
    data: bytes, register: Register, allowed: set[str] | None, last_quarter: str
) -> tuple[list[FigureRow], list[RowFault]]:
    """The rows, and the faults of the rows that cannot be stored. ``allowed``: the KPI ids the
    person may enter (None: every KPI entered each quarter); ``last_quarter``: the newest quarter
    that has ended (a figure for a later one cannot be known yet)."""
    reader = csv.reader(io.StringIO(_text(data), newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise FiguresFileError("empty") from None
    except csv.Error:
        raise FiguresFileError("not_csv") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FiguresFileError("columns", missing=", ".join(missing), columns=", ".join(REQUIRED + OPTIONAL))
    at = {name: header.index(name) for name in (*REQUIRED, *OPTIONAL) if name in header}
    rows: list[FigureRow] = []
    faults: list[RowFault] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) + len(faults) >= MAX_ROWS:
                raise FiguresFileError("too_many_rows", maximum=MAX_ROWS)

            def cell(name: str, cells: list[str] = cells) -> str:
                index = at.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            row_or_fault = _row(line, cell, register, allowed, last_quarter)
            if isinstance(row_or_fault, RowFault):
                faults.append(row_or_fault)
                continue
            key = (row_or_fault.figure_id, row_or_fault.quarter)
            if key in seen:
                faults.append(
                    RowFault(line, "repeated", {"figure": key[0], "quarter": key[1], "other": seen[key]})
                )
                continue
            seen[key] = line
            rows.append(row_or_fault)
    except csv.Error:
        raise FiguresFileError("not_csv") from None
    if not rows and not faults:
        raise FiguresFileError("no_rows")
    return rows, faults


def _row(
    line: int, cell: Callable[[str], str], register: Register, allowed: set[str] | None, last_quarter: str
) -> FigureRow | RowFault:
    kpi_id = cell("kpi")
    kpi = register.get(kpi_id)
    if kpi is None or kpi.source != "entered":
        return RowFault(line, "kpi", {"kpi": kpi_id[:64]})
    if allowed is not None and kpi.id not in allowed:
        return RowFault(line, "not_yours", {"kpi": kpi.id})
    figure_id = cell("figure") or (kpi.figures[0].id if len(kpi.figures) == 1 else "")
    if figure_id not in {f.id for f in kpi.figures}:
        names = ", ".join(f.id for f in kpi.figures)
        return RowFault(line, "figure", {"figure": figure_id[:64], "kpi": kpi.id, "figures": names})
    quarter = cell("quarter").upper().replace(" ", "")
    if not is_quarter(quarter):
        return RowFault(line, "quarter", {"quarter": cell("quarter")[:20]})
    if quarter_index(quarter) > quarter_index(last_quarter):
        return RowFault(line, "future", {"quarter": quarter})
    value = parse_whole(cell("value"))
    if value is None:
        return RowFault(line, "value", {"value": cell("value")[:20], "maximum": MAX_FIGURE})
    reason = plain(cell("reason"))
    if len(reason) > MAX_REASON:
        return RowFault(line, "reason_length", {"maximum": MAX_REASON})
    return FigureRow(line, kpi, figure_id, quarter, value, reason)


# A whole number, with or without thousands commas in their places: 1204 or 1,204.
WHOLE = re.compile(r"^([0-9]{1,3}(,[0-9]{3})*|[0-9]+)$")


def parse_whole(text: str) -> int | None:
    """A figure as a person types it, in any script's digits ("٣٤" is 34), or None. "1,5" is not
    fifteen: commas must group thousands."""
    digits = "".join(c if c == "," else (ascii_digits(c) or "x") for c in text.strip())
    if len(digits) > 12 or not WHOLE.match(digits):
        return None
    number = int(digits.replace(",", ""))
    return number if number <= MAX_FIGURE else None
