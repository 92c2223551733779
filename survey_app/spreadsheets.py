"""Text that goes into a CSV or Excel file someone will open in a spreadsheet."""

from __future__ import annotations

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula, made plain text with a leading quote."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
