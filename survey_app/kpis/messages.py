"""What each fault in a figure or a figures file says, translated, for the pages and the commands."""

from __future__ import annotations

from flask_babel import gettext as _

from .crime import COLUMNS, CrimeFileError, LineFault
from .districts import FORCE


def figure_fault(code: str, params: dict[str, object]) -> str:
    """The words for a `FigureError`, `RowFault` or `FiguresFileError` code."""
    p = params
    messages = {
        "kpi": lambda: _(
            "%(kpi)s is not a KPI whose figures are entered each quarter.", kpi=p.get("kpi", "")
        ),
        "not_yours": lambda: _("You do not enter the figures of %(kpi)s.", kpi=p.get("kpi", "")),
        "figure": lambda: _(
            "%(figure)s is not a figure of %(kpi)s: write one of %(figures)s.",
            figure=p.get("figure", "") or _("(empty)"),
            kpi=p.get("kpi", ""),
            figures=p.get("figures", ""),
        ),
        "quarter": lambda: _(
            "%(quarter)s is not a quarter: write it like 2026Q3.", quarter=p.get("quarter", "")
        ),
        "future": lambda: _("%(quarter)s has not ended yet.", quarter=p.get("quarter", "")),
        "value": lambda: _(
            "%(value)s is not a whole number from 0 to %(maximum)s.",
            value=p.get("value", "") or _("(empty)"),
            maximum=f"{p.get('maximum', 0):,}",
        ),
        "reason": lambda: _(
            "%(figure)s for %(quarter)s is already %(value)s: say why it is being revised.",
            figure=p.get("figure", ""),
            quarter=p.get("quarter", ""),
            value=p.get("value", ""),
        ),
        "reason_length": lambda: _(
            "The reason is longer than %(maximum)s characters.", maximum=p.get("maximum", 0)
        ),
        "repeated": lambda: _(
            "%(figure)s for %(quarter)s is also on line %(other)s: give each figure once.",
            figure=p.get("figure", ""),
            quarter=p.get("quarter", ""),
            other=p.get("other", ""),
        ),
        "conflict": lambda: _(
            "%(figure)s for %(quarter)s was saved by someone else a moment ago: look at it and save again.",
            figure=p.get("figure", ""),
            quarter=p.get("quarter", ""),
        ),
        "too_large": lambda: _("The file is larger than %(maximum)s KB.", maximum=p.get("maximum", 0)),
        "too_many_rows": lambda: _("The file has more than %(maximum)s rows.", maximum=p.get("maximum", 0)),
        "not_text": lambda: _("The file is not a CSV file: save the spreadsheet as CSV and try again."),
        "not_csv": lambda: _("The file is not a CSV file: save the spreadsheet as CSV and try again."),
        "empty": lambda: _("The file is empty."),
        "no_rows": lambda: _("The file has column headings but no figures."),
        "columns": lambda: _(
            "The file has no %(missing)s column. The columns are: %(columns)s.",
            missing=p.get("missing", ""),
            columns=p.get("columns", ""),
        ),
    }
    make = messages.get(code)
    return make() if make is not None else _("This figure cannot be stored.")


def crime_fault(error: CrimeFileError) -> list[str]:
    """A refused crime file in the reader's language: what is wrong, then each faulty line."""
    file_messages = {
        "empty": _("The file is empty."),
        "no_rows": _("The file has column headings but no rows."),
        "not_text": _(
            "The file is not a CSV file: choose a street-level crime file from the police data site."
        ),
        "not_csv": _(
            "The file is not a CSV file: choose a street-level crime file from the police data site."
        ),
        "not_utf8": _("The file is not UTF-8 text: download it from the police data site again, as CSV."),
        "columns": _(
            "This is not a street-level crime file: it needs the columns %(columns)s.",
            columns=", ".join(COLUMNS),
        ),
        "lines": _("Nothing was imported from this file: these lines cannot be read."),
        "other_force": _("This is another force's file: the KPI counts the files of %(force)s.", force=FORCE),
        "crime_types": _("This is not a street-level crime file: it has too many different crime types."),
    }
    lines = [file_messages.get(error.code, _("This file cannot be imported."))]
    lines += [_("Line %(line)s: %(fault)s", line=f.line, fault=_line_fault(f)) for f in error.faults]
    if error.more:
        lines.append(_("and %(n)s more lines that cannot be read", n=error.more))
    return lines


def _line_fault(fault: LineFault) -> str:
    if fault.code == "columns":
        found, expected = fault.value.partition("/")[::2]
        return _("%(found)s columns where the headings have %(expected)s", found=found, expected=expected)
    if fault.code == "month":
        return _("the month “%(month)s” is not written YYYY-MM (2026-09)", month=fault.value)
    if fault.code == "other_month":
        month, _sep, first = fault.value.partition("/")
        return _(
            "a crime of %(month)s in a file of %(first)s: each monthly file holds one month",
            month=month,
            first=first,
        )
    if fault.code == "other_force":
        return _("a crime reported by “%(force)s”", force=fault.value)
    return str(
        {
            "force": _("no force in “Reported by”"),
            "crime_type": _("no crime type"),
            "lsoa": _("the LSOA name is too long"),
            "nul": _("a NUL character, which no text file holds"),
            "not_utf8": _("characters that are not UTF-8 (on this line or soon after)"),
            "csv": _("a quotation mark that is never closed, or another break in the CSV"),
        }.get(fault.code, fault.code)
    )
