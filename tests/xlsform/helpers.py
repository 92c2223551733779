"""Building XLSForm workbooks in tests, as a survey designer would in Excel."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xlsforms"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def workbook(
    survey: Sequence[Sequence[Any]],
    choices: Sequence[Sequence[Any]] = (("list_name", "name", "label"),),
    settings: Sequence[Sequence[Any]] = (("form_id", "form_title", "version"), ("pulse", "Pulse", "1")),
) -> bytes:
    """An .xlsx whose sheets hold these rows (headers first)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def edited(data: bytes, sheet: str, cell: str, value: Any) -> bytes:
    """The workbook with one cell changed."""
    book = load_workbook(io.BytesIO(data))
    book[sheet][cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def column_letter(data: bytes, sheet: str, header: str) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    for cell in next(book[sheet].iter_rows(max_row=1)):
        if cell.value == header:
            return cell.column_letter
    raise AssertionError(f"no column {header} on {sheet}")
