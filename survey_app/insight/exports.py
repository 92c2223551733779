"""Respondent-level data for analysts, with a codebook; tables as CSV and Excel. No Flask.

The data holds survey responses only, never report content. Each row is one included response:
its answers as codes and as labels, when and in which language it was given, the category it was
weighted in for each weighting variable, each KPI outcome (1, 0, or blank when out of the base), the
design weight (population over respondents) and the final raked weight. With the margins file that
comes with it, ``python -m analysis estimate`` gives the same figures as the dashboard, standard
errors included (the codebook prints the command).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from ..questionnaire import Question, Questionnaire
from ..spreadsheets import neutralise
from .kpis import LOCAL_TIME, ResponseRecord, WeightingSummary, number_of, quarter_of


def weighting_column(variable: str) -> str:
    return f"weighting_{variable}"


def outcome_column(measure_id: str) -> str:
    return f"kpi_{measure_id}"


@dataclass(frozen=True)
class CodebookEntry:
    column: str
    description: str
    codes: str = ""


@dataclass(frozen=True)
class Export:
    data: pd.DataFrame
    codebook: list[CodebookEntry]
    margins: pd.DataFrame  # the targets the weights were raked to, unknown categories included
    command: str  # how to reproduce an estimate with python -m analysis


def _uk_date(moment: dt.datetime) -> dt.date:
    # The UK date, as the quarter is worked out: 00:30 BST on 1 July is in July and in Q3.
    return (moment.astimezone(LOCAL_TIME) if moment.tzinfo is not None else moment).date()


def _answer_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def build_export(
    questionnaire: Questionnaire,
    ids: Sequence[int],
    records: Sequence[ResponseRecord],
    weights: Sequence[float],
    summary: WeightingSummary,
    label: Callable[[Question, str], str],
    language_label: Callable[[str], str] = str,
) -> Export:
    """``label(question, code)`` gives a code's label in the reader's language, and
    ``language_label(code)`` a language's name ("Urdu (اردو)")."""
    n = len(records)
    design_weight = summary.population_total / n if n else 0.0
    questions = [q for q in questionnaire.questions if not q.is_notice]
    weighting_questions = {q.weighting_variable: q.id for q in questions if q.weighting_variable}
    rows = []
    for rid, record, weight in zip(ids, records, weights, strict=True):
        row: dict[str, object] = {
            "response_id": rid,
            "submitted_date": _uk_date(record.submitted_at).isoformat(),
            "quarter": quarter_of(record.submitted_at),
            "language": record.language,
            "language_label": language_label(record.language) if record.language else "",
        }
        for q in questions:
            value = record.answers.get(q.id)
            row[q.id] = _answer_text(value)
            if q.choices:
                values = value if isinstance(value, list) else ([value] if value else [])
                row[f"{q.id}_label"] = ";".join(label(q, v) for v in values)
        for var in summary.variables:
            qid = weighting_questions[var]
            known = {c for c, _ in summary.margins[var] if c != "unknown"}
            answer = record.answers.get(qid)
            row[weighting_column(var)] = answer if answer in known else "unknown"
        for q, measure in questionnaire.measures:
            answer = record.answers.get(q.id)
            if measure.is_mean:
                value = number_of(answer)
                row[outcome_column(measure.id)] = "" if value is None else value
            elif not isinstance(answer, str) or not answer or answer in measure.excluded_from_base:
                row[outcome_column(measure.id)] = ""
            else:
                row[outcome_column(measure.id)] = 1 if answer in measure.positive else 0
        row["design_weight"] = design_weight
        row["weight"] = weight
        rows.append(row)
    data = pd.DataFrame(rows)
    for column in data.columns:
        # pandas 3 gives text columns its own string dtype, no longer object.
        if pd.api.types.is_string_dtype(data[column].dtype):
            data[column] = data[column].map(lambda v: neutralise(v) if isinstance(v, str) else v)
    margins = pd.DataFrame(
        [
            {"variable": weighting_column(var), "category": cat, "population_count": count}
            for var, targets in summary.margins.items()
            for cat, count in targets
        ],
        columns=["variable", "category", "population_count"],
    )
    languages = sorted({r.language for r in records if r.language})
    codebook = _codebook(questionnaire, questions, summary, label)
    codebook.insert(
        4,
        CodebookEntry(
            "language_label",
            "language as text: its name, with its own name",
            "; ".join(f"{c} = {language_label(c)}" for c in languages),
        ),
    )
    return Export(data, codebook, margins, estimate_command(questionnaire, summary.variables))


def estimate_command(questionnaire: Questionnaire, variables: Sequence[str]) -> str:
    """The command line that gives the dashboard's figures for the first measure from the exported
    data: raked on `variables` (none: not weighted), by the area question when there is one."""
    first = questionnaire.measures[0][1] if questionnaire.measures else None
    mean = first is not None and first.is_mean
    words = [
        "python -m analysis estimate responses.csv",
        f"--outcome {outcome_column(first.id if first else '<measure>')}",
    ]
    if mean:
        words.append("--statistic mean")
    words.append("--weight design_weight")
    if variables:
        words.append("--margins margins_used.csv --vars " + ",".join(weighting_column(v) for v in variables))
    if not mean:
        words.append("--method logit")
    area = questionnaire.area_question
    if area is not None:
        words.append(f"--by {area.id}")
    return " ".join(words)


def _codebook(questionnaire, questions, summary: WeightingSummary, label) -> list[CodebookEntry]:
    entries = [
        CodebookEntry("response_id", "Number of the response in this service"),
        CodebookEntry("submitted_date", "Date the response was submitted, UK time (YYYY-MM-DD)"),
        CodebookEntry("quarter", "Calendar quarter of submission, UK time (e.g. 2026Q3)"),
        CodebookEntry("language", "Language the response was given in (Babel code, e.g. ur, zh_Hant)"),
    ]
    for q in questions:
        codes = "; ".join(f"{c.value} = {label(q, c.value)}" for c in q.choices)
        kind = "codes, several separated by ';'" if q.type == "multiple_choice" else "code"
        entries.append(
            CodebookEntry(q.id, f"{q.title} ({q.type}; {kind if q.choices else 'as entered'})", codes)
        )
        if q.choices:
            entries.append(CodebookEntry(f"{q.id}_label", f"{q.id} as text"))
    for var in summary.variables:
        cats = "; ".join(c for c, _ in summary.margins[var])
        entries.append(
            CodebookEntry(
                weighting_column(var),
                f"Category used to weight on {var}: the answer, or 'unknown' when not given",
                cats,
            )
        )
    for _question, measure in questionnaire.measures:
        if measure.is_mean:
            entries.append(
                CodebookEntry(
                    outcome_column(measure.id),
                    f"{measure.label}: the number given (the measure is its average); blank = not answered",
                    "a number; blank",
                )
            )
            continue
        excluded = ", ".join(measure.excluded_from_base) or "none"
        entries.append(
            CodebookEntry(
                outcome_column(measure.id),
                f"{measure.label}: 1 = {', '.join(measure.positive)}; 0 = any other answer; blank = not "
                f"answered or out of the base ({excluded})",
                "1; 0; blank",
            )
        )
    if not summary.variables:
        entries.append(CodebookEntry("design_weight", "The same for every response: not weighted"))
        entries.append(CodebookEntry("weight", "The same as design_weight: the figures are not weighted"))
        return entries
    entries.append(CodebookEntry("design_weight", "Starting weight: population aged 16+ / responses"))
    entries.append(
        CodebookEntry(
            "weight",
            "Final weight, raked to the margins in margins_used.csv on " + ", ".join(summary.variables),
        )
    )
    return entries


def codebook_frame(export: Export) -> pd.DataFrame:
    return pd.DataFrame(
        [(e.column, e.description, e.codes) for e in export.codebook],
        columns=["column", "description", "codes"],
    )


def to_csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return out.getvalue().encode("utf-8-sig")  # a BOM, so Excel reads the UTF-8 text as UTF-8


def to_excel(
    sheets: dict[str, pd.DataFrame],
    percent_columns: frozenset[str] = frozenset(),
    integer_columns: frozenset[str] = frozenset(),
) -> bytes:
    """A workbook; proportions in ``percent_columns`` stay numbers (0.567) that Excel shows as 56.7%,
    and counts in ``integer_columns`` are shown as whole numbers (1,234). In a sheet with a
    ``statistic`` column, a row whose statistic is "mean" shows an average (6.4), not a percentage."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            means = {
                i + 2 for i, s in enumerate(frame.get("statistic", pd.Series(dtype=object))) if s == "mean"
            }
            for column in sheet.columns:
                if column[0].value in percent_columns:
                    for cell in column[1:]:
                        cell.number_format = "0.0" if cell.row in means else "0.0%"
                elif column[0].value in integer_columns:
                    for cell in column[1:]:
                        cell.number_format = "#,##0"
                width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    return out.getvalue()
