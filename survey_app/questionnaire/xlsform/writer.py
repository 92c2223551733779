"""Any questionnaire written out as an XLSForm, so it can be edited in Excel and imported again
with nothing lost: every choice list written out in full, the product's own settings in its own
columns, and each language's text in `label::Urdu (ur)` columns.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from babel import Locale
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from ..model import Question, Questionnaire
from ..scoring import Scoring
from ..types import CHOICE_TYPES, type_of
from .expressions import write_constraint, write_relevant
from .reader import CONSTRAINT_CODES, CONSTRAINT_SETTINGS, LANGUAGES

# (language, catalog key, English) -> the translation, or None where there is none.
Translate = Callable[[str, str, str], "str | None"]


def language_header(code: str) -> str:
    """`Urdu (ur)`, `Chinese (Traditional) (zh-Hant)`: a name people read and the code the
    reader needs."""
    return f"{Locale.parse(code).get_display_name('en')} ({code.replace('_', '-')})"


class _Sheet:
    """Rows of named cells; the columns are the ones used, in the order first used."""

    def __init__(self, first: Iterable[str]) -> None:
        self.columns: list[str] = list(first)
        self.rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        for column in row:
            if column not in self.columns:
                self.columns.append(column)
        self.rows.append(row)

    def ordered(self, languages: list[str]) -> list[str]:
        """Each translated column straight after its English one, in the languages' order."""
        plain = [column for column in self.columns if "::" not in column]
        ordered: list[str] = []
        for column in plain:
            ordered.append(column)
            for code in languages:
                header = f"{column}::{language_header(code)}"
                if header in self.columns:
                    ordered.append(header)
        return ordered


class _Writer:
    def __init__(self, questionnaire: Questionnaire, translate: Translate) -> None:
        self.questionnaire = questionnaire
        self.translate = translate
        # A language not yet offered keeps what it has, so a designer can finish it in Excel.
        self.languages = [
            code
            for code in LANGUAGES[1:]
            if questionnaire.offered_in(code) or code in questionnaire.translations
        ]
        self.multiple = frozenset(q.id for q in questionnaire.questions if q.type == "multiple_choice")

    def text(self, row: dict[str, Any], column: str, key: str, english: str | None) -> None:
        if not english:
            return
        row[column] = english
        for code in self.languages:
            translated = self.translate(code, key, english)
            if translated:
                row[f"{column}::{language_header(code)}"] = translated

    def paragraphs(self, row: dict[str, Any], column: str, key: str, paragraphs: tuple[str, ...]) -> None:
        if not paragraphs:
            return
        row[column] = "\n\n".join(paragraphs)
        for code in self.languages:
            pieces = [self.translate(code, f"{key}.{n}", text) for n, text in enumerate(paragraphs, start=1)]
            if all(pieces):
                row[f"{column}::{language_header(code)}"] = "\n\n".join(p or "" for p in pieces)

    def settings(self) -> _Sheet:
        q = self.questionnaire
        sheet = _Sheet(["form_id", "form_title", "version", "default_language"])
        row: dict[str, Any] = {"form_id": q.id, "version": str(q.version), "default_language": "English (en)"}
        self.text(row, "form_title", "title", q.title)
        self.text(row, "description", "description", q.description)
        self.paragraphs(row, "introduction", "introduction", q.introduction)
        if q.minutes:
            row["minutes"] = str(q.minutes)
        if q.kind != "survey":
            row["kind"] = q.kind
        if q.slug != q.id:
            row["slug"] = q.slug
        self.text(row, "neutral_title", "neutral_title", q.neutral_title)
        if q.for_forms:
            row["for_forms"] = " ".join(q.for_forms)
        if q.scoring is not None:
            self.scoring(row, q.scoring)
        sheet.add(row)
        return sheet

    def scoring(self, row: dict[str, Any], scoring: Scoring) -> None:
        """A checklist's thresholds and next steps, each level in columns of its own."""
        for level, threshold in scoring.thresholds.items():
            row[f"threshold_{level}"] = str(threshold)
        for level, step in scoring.next_steps.items():
            self.text(row, f"next_step_{level}", f"scoring.next_steps.{level}", step.text)
            row[f"next_step_{level}_hours"] = str(step.within_hours)
            if step.destination:
                row[f"next_step_{level}_destination"] = step.destination

    def survey_and_choices(self) -> tuple[_Sheet, _Sheet]:
        survey = _Sheet(["type", "name", "label", "hint", "required", "relevant"])
        choices = _Sheet(["list_name", "name", "label"])
        for question in self.questionnaire.questions:
            survey.add(self.question(question))
            if question.type in CHOICE_TYPES:
                for row in self.choice_rows(question):
                    choices.add(row)
        return survey, choices

    def question(self, question: Question) -> dict[str, Any]:
        name = question.id
        kind = type_of(question)
        row: dict[str, Any] = {
            "type": f"{kind.xlsform} {name}" if kind.has_choices else kind.xlsform,
            "name": name,
        }
        self.text(row, "label", f"{name}.title", question.title)
        self.text(row, "hint", f"{name}.hint", question.hint)
        row["required"] = "yes" if question.required else "no"
        if question.show_if:
            row["relevant"] = write_relevant(question.show_if, self.multiple)
        constraint = write_constraint(question.settings, kind.constraint)
        if constraint:
            row["constraint"] = constraint
        self.messages(row, question)
        self.text(row, "short_label", f"{name}.short_label", question.short_label)
        if question.measure:
            row["kpi"] = question.measure.id
            self.text(row, "kpi_label", f"{name}.measure", question.measure.label)
        for flag in ("breakdown", "area", "final", "reportable", "contact_detail"):
            if getattr(question, flag):
                row[flag] = "yes"
        if question.consent:
            row["consent"] = question.consent
        if question.weighting_variable:
            row["weighting"] = question.weighting_variable
        self.paragraphs(row, "paragraphs", f"{name}.paragraph", question.paragraphs)
        self.own_settings(row, question)
        if question.risk_cue:
            self.text(row, "risk_cue", f"{name}.risk_cue", question.risk_cue.label)
        if question.routes:
            row["routes"] = "\n".join(
                f"{route.goto} if {write_relevant(route.when, self.multiple)}" for route in question.routes
            )
        return row

    def own_settings(self, row: dict[str, Any], question: Question) -> None:
        """The type's own settings, each in a column of its name (but those the constraint holds)."""
        kind = type_of(question)
        from_constraint = CONSTRAINT_SETTINGS.get(kind.constraint or "", ())
        for setting, value in question.settings.items():
            if setting in from_constraint:
                continue
            if setting in kind.texts:
                self.text(row, setting, f"{question.id}.{setting}", value)
            elif isinstance(value, bool):
                row[setting] = "yes" if value else "no"
            else:
                row[setting] = str(value)

    def messages(self, row: dict[str, Any], question: Question) -> None:
        errors = dict(question.errors)
        name = question.id
        self.text(row, "required_message", f"{name}.error.required", errors.pop("required", None))
        codes = CONSTRAINT_CODES.get(type_of(question).constraint or "", ())
        shared = {errors.get(code) for code in codes}
        if codes and len(shared) == 1 and None not in shared:
            self.text(row, "constraint_message", f"{name}.error.{codes[0]}", errors[codes[0]])
            for code in codes:
                errors.pop(code)
        for code, message in errors.items():
            self.text(row, f"message_{code}", f"{name}.error.{code}", message)

    def choice_rows(self, question: Question) -> Iterable[dict[str, Any]]:
        measure = question.measure
        for choice in question.choices:
            row: dict[str, Any] = {"list_name": question.id, "name": choice.value}
            key = f"{question.id}.choice.{choice.value}"
            self.text(row, "label", key, choice.label)
            self.text(row, "hint", f"{key}.hint", choice.hint)
            if choice.exclusive:
                row["exclusive"] = "yes"
            if measure and choice.value in measure.positive:
                row["kpi_positive"] = "yes"
            if measure and choice.value in measure.excluded_from_base:
                row["kpi_excluded"] = "yes"
            if question.risk_cue and choice.value in question.risk_cue.values:
                row["risk_cue"] = "yes"
            if choice.value in question.points:
                row["points"] = str(question.points[choice.value])
            if choice.value in question.raises_to:
                row["raises_to"] = question.raises_to[choice.value]
            yield row


def write_xlsform(questionnaire: Questionnaire, translate: Translate) -> bytes:
    """The questionnaire as an .xlsx workbook with survey, choices and settings sheets."""
    writer = _Writer(questionnaire, translate)
    survey, choices = writer.survey_and_choices()
    book = Workbook()
    first = book.worksheets[0]
    first.title = "survey"
    for target, sheet in (
        (first, survey),
        (book.create_sheet("choices"), choices),
        (book.create_sheet("settings"), writer.settings()),
    ):
        _fill(target, sheet, writer.languages)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(target: Any, sheet: _Sheet, languages: list[str]) -> None:
    columns = sheet.ordered(languages)
    target.append(columns)
    for cell in target[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        target.append([row.get(column) for column in columns])
    # Text that starts with "=" stays text: Excel must never take a label for a formula.
    for line in target.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = TYPE_STRING
    target.freeze_panes = "C2"
