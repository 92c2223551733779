"""Checking a population margins file before it is used for weighting. Plain Python, no Flask.

A margins file is long-format CSV: ``variable,category,population_count`` and, optionally,
``source`` and ``notes`` for each row. To be usable for a questionnaire it must give every
weighting variable the questionnaire declares a margin for today (no variable may go missing),
use only the question's answer codes as categories, give each category a count, and agree on one
population total across variables. Then the responses already in must be weighted to it: figures
that pass every check above can still be ones no weights meet (a group of almost everyone that
few answered for), and once in use they would stop every insight page. Problems come back as
data; the page words them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from analysis.raking import Margin, RakingError, margins_from_rows

from ..questionnaire.model import DONT_KNOW, PREFER_NOT_TO_SAY, Questionnaire
from .kpis import InsightError, ResponseRecord, weigh

REQUIRED_COLUMNS = ("variable", "category", "population_count")
TOTAL_TOLERANCE = 1e-6  # relative: totals must agree to a rounding error
MAX_BYTES = 200_000


@dataclass(frozen=True)
class Problem:
    kind: str  # unreadable | columns | row | missing_variable | unknown_variable | unknown_category
    #            | missing_category | zero_count | totals | weighting
    variable: str = ""
    items: tuple[str, ...] = ()
    detail: str = ""


@dataclass
class CheckedMargins:
    margins: dict[str, Margin] = field(default_factory=dict)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # variable -> distinct sources
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def weighting_questions(questionnaire: Questionnaire) -> dict[str, set[str]]:
    """Weighting variable -> the answer codes its question offers (don't know / prefer not excluded)."""
    out: dict[str, set[str]] = {}
    for q in questionnaire.questions:
        if q.weighting_variable:
            out[q.weighting_variable] = {
                c for c in q.choice_values if c not in (DONT_KNOW, PREFER_NOT_TO_SAY)
            }
    return out


def check_margins(
    content: bytes | str, questionnaire: Questionnaire, required_variables: Iterable[str]
) -> CheckedMargins:
    """Read and check a margins file for a questionnaire.

    ``required_variables`` are the variables the margins in use today weight on: a new file may add
    a variable the questionnaire declares, but may not drop one.
    """
    result = CheckedMargins()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.problems.append(Problem("unreadable", detail="not UTF-8 text"))
            return result
    if "\x00" in content:  # not text, whatever the encoding says; PostgreSQL cannot store it either
        result.problems.append(Problem("unreadable", detail="a NUL character"))
        return result
    reader = csv.DictReader(io.StringIO(content))
    try:
        rows = list(reader)
    except csv.Error as exc:
        result.problems.append(Problem("unreadable", detail=str(exc)))
        return result
    missing_columns = tuple(c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or []))
    if missing_columns:
        result.problems.append(Problem("columns", items=missing_columns))
        return result
    try:
        margins = margins_from_rows(rows)
    except RakingError as exc:
        result.problems.append(Problem("row", detail=str(exc).removeprefix("margins ")))
        return result
    declared = weighting_questions(questionnaire)
    for var in required_variables:
        if var not in margins:
            result.problems.append(Problem("missing_variable", var))
    for var, margin in margins.items():
        if var not in declared:
            result.problems.append(Problem("unknown_variable", var))
            continue
        cats = set(margin.categories)
        unknown = tuple(sorted(cats - declared[var]))
        absent = tuple(sorted(declared[var] - cats))
        if unknown:
            result.problems.append(Problem("unknown_category", var, unknown))
        if absent:
            result.problems.append(Problem("missing_category", var, absent))
        # Respondents in a group of no one cannot be weighted: every estimate would fail.
        empty = tuple(c for c, n in zip(margin.categories, margin.counts, strict=True) if n == 0)
        if empty:
            result.problems.append(Problem("zero_count", var, empty))
    totals = {v: m.total for v, m in margins.items() if v in declared}
    # Counts near the largest float add up to infinity, and infinity minus infinity compares as
    # small as anything: such totals never agree.
    if totals and (
        not all(math.isfinite(t) for t in totals.values())
        or max(totals.values()) - min(totals.values()) > TOTAL_TOLERANCE * max(totals.values())
    ):
        result.problems.append(
            Problem("totals", items=tuple(f"{v}: {t:,.0f}" for v, t in sorted(totals.items())))
        )
    result.margins = margins
    for row in rows:
        source = (row.get("source") or "").strip()
        var = (row.get("variable") or "").strip()
        if source and source not in result.sources.get(var, ()):
            result.sources[var] = (*result.sources.get(var, ()), source)
    return result


def weighting_margins(checked: CheckedMargins, questionnaire: Questionnaire) -> dict[str, Margin]:
    """The margins of the questionnaire's weighting variables (a file may hold others)."""
    variables = weighting_questions(questionnaire)
    return {v: m for v, m in checked.margins.items() if v in variables}


def check_weighting(
    checked: CheckedMargins, questionnaire: Questionnaire, records: Sequence[ResponseRecord]
) -> Problem | None:
    """Weight `records` (the responses the pages count) to checked margins, as the pages would.

    None when they can be weighted, or when there are no responses to try them on yet.
    """
    if not records:
        return None
    try:
        weigh(questionnaire, records, weighting_margins(checked, questionnaire))
    except InsightError as exc:
        return Problem("weighting", detail=str(exc).removeprefix("weighting failed: "))
    return None
