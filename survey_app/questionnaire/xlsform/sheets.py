"""Reading an XLSForm workbook's cells safely, and naming where each fault is.

The workbook is hostile input: it is checked as a zip before anything parses it (size, what it
unpacks to), formulas are refused rather than trusted to their cached values, and the cells are
read by pyxform, which keeps every column (the product's own columns included).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import openpyxl
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import xlsx_to_dict

from ..messages import Message, _

MAX_FILE_BYTES = 2 * 1024 * 1024
# What the zip may unpack to: a questionnaire's sheets are a few hundred kilobytes; a "zip bomb"
# unpacks a small file into gigabytes.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 3000
MAX_CELL_CHARACTERS = 5000
SHEETS = ("survey", "choices", "settings")

_LANGUAGE_HEADER = re.compile(r"^(?P<base>[a-z_]+)::\s*(?P<language>.+?)\s*$")
_CODE_IN_BRACKETS = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\)\s*$")


@dataclass(frozen=True)
class Fault:
    """One thing wrong with the spreadsheet, where it is, and what to do."""

    sheet: str
    row: int | None
    column: str | None
    message: Message

    def __str__(self) -> str:
        where = ["the file" if self.sheet == "file" else f"{self.sheet} sheet"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class XLSFormError(ValueError):
    """A spreadsheet that cannot be imported, with every fault found."""

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        super().__init__("\n".join(str(fault) for fault in faults))


@dataclass(frozen=True)
class Row:
    sheet: str
    number: int  # as the spreadsheet shows it: the headers are row 1
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


@dataclass(frozen=True)
class Workbook:
    survey: list[Row]
    choices: list[Row]
    settings: dict[str, str]
    settings_row: int
    headers: dict[str, list[str]]


def split_header(header: str) -> tuple[str, str | None]:
    """`label::Urdu (ur)` -> ("label", "Urdu (ur)"); `label` -> ("label", None)."""
    match = _LANGUAGE_HEADER.match(header.strip())
    if not match:
        return header.strip(), None
    return match.group("base"), match.group("language")


def language_code(written: str) -> str | None:
    """The code in `Urdu (ur)` or `Chinese (Traditional) (zh-Hant)`, as the catalogs name it."""
    match = _CODE_IN_BRACKETS.search(written)
    if not match:
        return None
    code = match.group(1).replace("-", "_")
    language, _, rest = code.partition("_")
    return language.lower() + (f"_{rest[:1].upper()}{rest[1:].lower()}" if rest else "")


def _check_zip(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise XLSFormError(
            [
                Fault(
                    "file",
                    None,
                    None,
                    _(
                        "larger than %(megabytes)s MB: split the form or remove pictures",
                        megabytes=MAX_FILE_BYTES // (1024 * 1024),
                    ),
                )
            ]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise XLSFormError([_unreadable()]) from None
    if unpacked > MAX_UNPACKED_BYTES or "xl/workbook.xml" not in names:
        raise XLSFormError([_unreadable()])


def _unreadable() -> Fault:
    return Fault(
        "file",
        None,
        None,
        _("this is not an Excel workbook (.xlsx) that can be read: save it from Excel as .xlsx"),
    )


def _formula_faults(data: bytes, headers: dict[str, list[str]]) -> list[Fault]:
    """Every formula cell: its cached value may not be what the author sees, and a formula in a
    label would travel on into exports."""
    faults: list[Fault] = []
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for title in book.sheetnames:
            sheet = title.lower()
            if sheet not in SHEETS:
                continue
            names = headers.get(sheet, [])
            for number, row in enumerate(book[title].iter_rows(max_row=MAX_ROWS + 1), start=1):
                for index, cell in enumerate(row):
                    if getattr(cell, "data_type", None) == "f":
                        column = names[index] if index < len(names) else None
                        faults.append(
                            Fault(sheet, number, column, _("a formula: type the text or number itself"))
                        )
    finally:
        book.close()
    return faults


def read_workbook(data: bytes) -> Workbook:
    """The three sheets of an XLSForm as rows of text; raises XLSFormError."""
    _check_zip(data)
    try:
        raw = xlsx_to_dict(io.BytesIO(data))
    except PyXFormError as error:
        message = str(error)
        if "Duplicate column header" in message:
            column = message.split(":", 1)[-1].strip()
            raise XLSFormError(
                [Fault("file", 1, column, _("this column heading is used twice: keep one"))]
            ) from None
        raise XLSFormError([_unreadable()]) from None
    except Exception:
        raise XLSFormError([_unreadable()]) from None
    headers = {
        sheet: [str(name) for entry in raw.get(f"{sheet}_header", []) for name in entry] for sheet in SHEETS
    }
    faults = _formula_faults(data, headers)
    if "survey" not in raw:
        faults.append(Fault("survey", None, None, _("the workbook has no sheet called survey")))
    if faults:
        raise XLSFormError(faults)
    survey = _rows("survey", raw.get("survey", []), faults)
    choices = _rows("choices", raw.get("choices", []), faults)
    settings_rows = _rows("settings", raw.get("settings", []), faults)
    if len(settings_rows) > 1:
        faults.append(
            Fault("settings", 3, None, _("the settings sheet has one row of values, under its headings"))
        )
    if faults:
        raise XLSFormError(faults)
    settings = settings_rows[0].cells if settings_rows else {}
    return Workbook(survey, choices, settings, 2, headers)


def _rows(sheet: str, raw: list[dict[str, Any]], faults: list[Fault]) -> list[Row]:
    if len(raw) > MAX_ROWS:
        faults.append(Fault(sheet, None, None, _("more than %(rows)s rows: split the form", rows=MAX_ROWS)))
        return []
    rows = []
    for index, cells in enumerate(raw):
        text = {str(key).strip(): str(value) for key, value in cells.items() if value is not None}
        for column, value in text.items():
            if len(value) > MAX_CELL_CHARACTERS:
                faults.append(
                    Fault(
                        sheet,
                        index + 2,
                        column,
                        _(
                            "longer than %(characters)s characters: shorten it",
                            characters=MAX_CELL_CHARACTERS,
                        ),
                    )
                )
            if "\x00" in value:
                faults.append(
                    Fault(sheet, index + 2, column, _("holds a character that is not text: retype it"))
                )
        if any(value.strip() for value in text.values()):
            rows.append(Row(sheet, index + 2, text))
    return rows
