"""An XLSForm turned into the product's questionnaire: the same shape as a questionnaire file,
checked by the same rules, with its translations beside it.

The columns this reads, the product's own among them, are listed in docs/xlsform.md; that list is
a contract the partnership's spreadsheets rely on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyxform.aliases import yes_no

from ..extract import text_entries
from ..loader import QuestionnaireError, load_definition
from ..messages import Message, _
from ..model import CONSENT_PARTS, MEAN, NUMERIC_TYPES, Questionnaire
from ..scales import DONT_KNOW_CHOICE, PREFER_NOT_TO_SAY_CHOICE
from ..scoring import LEVELS
from ..types import CHOICE_TYPES, TYPES
from .expressions import ExpressionError, read_constraint, read_relevant
from .sheets import Fault, Row, Workbook, XLSFormError, language_code, read_workbook, split_header

ENGLISH = "en"
# The languages residents can be offered, as the catalogs name them.
LANGUAGES = ("en", "ur", "pl", "ar", "zh_Hant", "zh_Hans", "pa", "fa", "ml", "es", "gu")

# What a spreadsheet may write for a type: each type's own name for it (types/), and XLSForm's
# other spellings of the list types.
_WRITTEN = {kind.xlsform: kind.name for kind in TYPES.values()}
_ALIASES = {
    "select one": "select_one",
    "select multiple": "select_multiple",
    "select all that apply": "select_multiple",
}
# Types always followed by a list's name; the product's scales may be, or may stand alone.
_NEEDS_LIST = ("select_one", "select_multiple")
_UNSUPPORTED_COLUMNS = ("calculation", "choice_filter", "repeat_count", "default", "read_only", "trigger")
_FLAGS = (
    "required",
    "breakdown",
    "area",
    "dont_know",
    "prefer_not_to_say",
    "final",
    "reportable",
    "contact_detail",
)
# What a constraint sets, and the errors its message is for.
CONSTRAINT_SETTINGS = {"range": ("min", "max"), "length": ("max_length",)}
CONSTRAINT_CODES = {"range": ("too_small", "too_large"), "length": ("too_long",)}
_ROUTE = re.compile(r"^\s*(?P<goto>[a-z][a-z0-9_]*)\s+if\s+(?P<when>.+?)\s*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Imported:
    """A spreadsheet read: the questionnaire, and what residents will not be offered and why."""

    questionnaire: Questionnaire
    definition: dict[str, Any]
    translations: dict[str, dict[str, str]]
    # Every missing translation, one per cell; their languages are withheld from residents.
    missing: list[Fault] = field(default_factory=list)


@dataclass
class _Text:
    """Where each piece of English text came from, so a missing translation names its cell."""

    english: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # key -> sheet, row, column


class _Reader:
    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.faults: list[Fault] = []
        self.translations: dict[str, dict[str, str]] = {}
        self.sources: dict[str, tuple[str, int, str]] = {}
        self.rows_by_question: dict[str, Row] = {}
        self.languages = self._languages()

    # Headers and languages

    def _languages(self) -> dict[str, dict[str, str]]:
        """Each sheet's translated columns: header -> language code (faults for unknown ones)."""
        found: dict[str, dict[str, str]] = {}
        for sheet, headers in self.book.headers.items():
            for header in headers:
                _base, written = split_header(header)
                if written is None:
                    continue
                code = language_code(written)
                if code not in LANGUAGES:
                    self.faults.append(
                        Fault(
                            sheet,
                            1,
                            header,
                            _(
                                "the language “%(written)s” is not one the product offers: name it like "
                                "“Urdu (ur)”, with one of the codes %(codes)s",
                                written=written,
                                codes=", ".join(LANGUAGES),
                            ),
                        )
                    )
                    continue
                found.setdefault(sheet, {})[header] = code
        return found

    def text(self, row: Row, base: str) -> str:
        """The English text of a translatable column (`label`, or `label::English (en)`)."""
        plain = row.get(base)
        if plain:
            return plain
        for header, code in self.languages.get(row.sheet, {}).items():
            if code == ENGLISH and split_header(header)[0] == base:
                return row.get(header)
        return ""

    def translated(self, row: Row, base: str, key: str, english: str, parts: int | None = None) -> None:
        """Keep the translations of one cell under the catalog key its English text has."""
        if not english:
            return
        self.sources.setdefault(key, (row.sheet, row.number, base))
        for header, code in self.languages.get(row.sheet, {}).items():
            if code == ENGLISH or split_header(header)[0] != base:
                continue
            text = row.get(header)
            if not text:
                continue
            if parts is None:
                self.translations.setdefault(code, {})[key] = text
                continue
            pieces = _paragraphs(text)
            if len(pieces) != parts:
                self.faults.append(
                    Fault(
                        row.sheet,
                        row.number,
                        header,
                        _(
                            "has %(count)s paragraphs where the English has %(parts)s: separate paragraphs "
                            "with an empty line, as the English does",
                            count=len(pieces),
                            parts=parts,
                        ),
                    )
                )
                continue
            for number, piece in enumerate(pieces, start=1):
                self.translations.setdefault(code, {})[f"{key}.{number}"] = piece

    def flag(self, row: Row, column: str) -> bool | None:
        value = row.get(column)
        if not value:
            return None
        if value in yes_no:
            return yes_no[value]
        self.faults.append(
            Fault(
                row.sheet, row.number, column, _("“%(value)s” is not yes or no: write yes or no", value=value)
            )
        )
        return None

    def number(self, row: Row, column: str) -> int | None:
        value = row.get(column)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            self.faults.append(
                Fault(row.sheet, row.number, column, _("“%(value)s” is not a whole number", value=value))
            )
            return None

    # Sheets

    def choice_lists(self) -> dict[str, list[Row]]:
        lists: dict[str, list[Row]] = {}
        seen: dict[tuple[str, str], int] = {}
        for row in self.book.choices:
            list_name, name = row.get("list_name"), row.get("name")
            if not list_name:
                self.faults.append(
                    Fault("choices", row.number, "list_name", _("empty: name the list this choice is in"))
                )
                continue
            if not _NAME.match(name):
                self.faults.append(
                    Fault(
                        "choices",
                        row.number,
                        "name",
                        _(
                            "“%(name)s” cannot be a choice's name: use lower-case letters, digits and "
                            "underscores, starting with a letter",
                            name=name,
                        ),
                    )
                )
                continue
            if (list_name, name) in seen:
                self.faults.append(
                    Fault(
                        "choices",
                        row.number,
                        "name",
                        _(
                            "“%(name)s” is already in the list %(list_name)s (row %(row)s): give each "
                            "choice in a list its own name",
                            name=name,
                            list_name=list_name,
                            row=seen[list_name, name],
                        ),
                    )
                )
                continue
            seen[list_name, name] = row.number
            if not self.text(row, "label"):
                self.faults.append(Fault("choices", row.number, "label", _("empty: give the choice a label")))
            lists.setdefault(list_name, []).append(row)
        return lists

    def settings(self) -> dict[str, Any]:
        cells = self.book.settings
        row = Row("settings", self.book.settings_row, cells)
        definition: dict[str, Any] = {}
        form_id = row.get("form_id")
        if not form_id:
            self.faults.append(
                Fault("settings", row.number, "form_id", _("empty: give the form an id, like sale_pulse"))
            )
        elif not _NAME.match(form_id):
            self.faults.append(
                Fault(
                    "settings",
                    row.number,
                    "form_id",
                    _(
                        "“%(form_id)s” cannot be an id: use lower-case letters, digits and underscores, "
                        "starting with a letter",
                        form_id=form_id,
                    ),
                )
            )
        definition["id"] = form_id
        title = self.text(row, "form_title")
        if not title:
            self.faults.append(Fault("settings", row.number, "form_title", _("empty: give the form a title")))
        definition["title"] = title
        version = row.get("version") or "1"
        if not (version.isascii() and version.isdigit()) or int(version) < 1 or len(version) > 9:
            self.faults.append(
                Fault(
                    "settings",
                    row.number,
                    "version",
                    _("“%(version)s” is not a version: write a whole number, like 3", version=version),
                )
            )
        else:
            definition["version"] = int(version)
        default = row.get("default_language")
        if default and language_code(default) != ENGLISH and default.lower() not in ("english", "en"):
            self.faults.append(
                Fault(
                    "settings",
                    row.number,
                    "default_language",
                    _(
                        "the questions must be written in English first: write English (en), and give the "
                        "other languages in columns such as label::Urdu (ur)"
                    ),
                )
            )
        for column in ("description", "neutral_title", "slug", "kind"):
            value = self.text(row, column) if column in ("description", "neutral_title") else row.get(column)
            if value:
                definition[column] = value
        introduction = self.text(row, "introduction")
        if introduction:
            definition["introduction"] = _paragraphs(introduction)
        minutes = self.number(row, "minutes")
        if minutes is not None:
            definition["minutes"] = minutes
        for_forms = row.get("for_forms")
        if for_forms:
            definition["for_forms"] = for_forms.replace(",", " ").split()
        scoring = self.scoring(row)
        if scoring:
            definition["scoring"] = scoring
        self.translated(row, "form_title", "title", title)
        self.translated(row, "description", "description", definition.get("description", ""))
        self.translated(row, "neutral_title", "neutral_title", definition.get("neutral_title", ""))
        if introduction:
            self.translated(
                row, "introduction", "introduction", introduction, len(definition["introduction"])
            )
        return definition

    def questions(self, lists: dict[str, list[Row]]) -> list[dict[str, Any]]:
        questions: list[dict[str, Any]] = []
        names: dict[str, int] = {}
        for row in self.book.survey:
            question = self.question(row, lists, names)
            if question is not None:
                questions.append(question)
        self.check_conditions(questions)
        return questions

    def question(self, row: Row, lists: dict[str, list[Row]], names: dict[str, int]) -> dict[str, Any] | None:
        kind, list_name = self.question_type(row, lists)
        name = row.get("name")
        if not _NAME.match(name):
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "name",
                    _(
                        "“%(name)s” cannot be a question's name: use lower-case letters, digits and "
                        "underscores, starting with a letter",
                        name=name,
                    )
                    if name
                    else _("empty: give the question a name"),
                )
            )
            return None
        if name in names:
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "name",
                    _(
                        "“%(name)s” is also the name of the question on row %(row)s: give each question its "
                        "own name",
                        name=name,
                        row=names[name],
                    ),
                )
            )
            return None
        names[name] = row.number
        self.rows_by_question[name] = row
        for column in _UNSUPPORTED_COLUMNS:
            if row.get(column):
                self.faults.append(
                    Fault(
                        "survey",
                        row.number,
                        column,
                        _("the product does not use this column: leave it empty"),
                    )
                )
        if kind is None:
            return None
        question: dict[str, Any] = {"id": name, "type": kind}
        label = self.text(row, "label")
        if not label:
            self.faults.append(Fault("survey", row.number, "label", _("empty: write the question")))
        question["title"] = label
        self.translated(row, "label", f"{name}.title", label)
        for column in ("hint", "short_label"):
            text = self.text(row, column)
            if text:
                question[column] = text
                self.translated(row, column, f"{name}.{column}", text)
        required = self.flag(row, "required")
        question["required"] = bool(required) if kind != "notice" else True
        for column in _FLAGS[1:]:
            value = self.flag(row, column)
            if value:
                question[column] = True
        self.settings_of(row, question)
        consent = row.get("consent")
        if consent:
            if consent in CONSENT_PARTS:
                question["consent"] = consent
            else:
                self.faults.append(
                    Fault(
                        "survey",
                        row.number,
                        "consent",
                        _("write contact_details or what_happened, or leave it empty"),
                    )
                )
        weighting = row.get("weighting")
        if weighting:
            if _NAME.match(weighting):
                question["weighting_variable"] = weighting
            else:
                self.faults.append(
                    Fault(
                        "survey",
                        row.number,
                        "weighting",
                        _(
                            "“%(weighting)s” is not a margins variable's name, like age_band",
                            weighting=weighting,
                        ),
                    )
                )
        paragraphs = self.text(row, "paragraphs")
        if paragraphs:
            question["paragraphs"] = _paragraphs(paragraphs)
            self.translated(row, "paragraphs", f"{name}.paragraph", paragraphs, len(question["paragraphs"]))
        if kind in CHOICE_TYPES:
            self.choices(row, question, lists.get(list_name) if list_name else None)
        elif row.get("kpi"):
            self.measure(row, question, row.get("kpi"), [], [])
        self.constraint(row, question)
        self.messages(row, question)
        self.routing(row, question)
        return question

    def settings_of(self, row: Row, question: dict[str, Any]) -> None:
        """The type's own settings, each in a column of its name (those a constraint sets aside)."""
        kind = TYPES[question["type"]]
        from_constraint = CONSTRAINT_SETTINGS.get(kind.constraint or "", ())
        for setting, spec in kind.settings.items():
            if setting in from_constraint:
                continue
            if setting in kind.texts:
                text = self.text(row, setting)
                if text:
                    question[setting] = text
                    self.translated(row, setting, f"{question['id']}.{setting}", text)
            elif spec.get("type") == "boolean":
                flag = self.flag(row, setting)
                if flag is not None:
                    question[setting] = flag
            else:
                number = self.number(row, setting)
                if number is not None:
                    question[setting] = number

    def question_type(self, row: Row, lists: dict[str, list[Row]]) -> tuple[str | None, str | None]:
        written = " ".join(row.get("type").split())
        if not written:
            self.faults.append(
                Fault(
                    "survey", row.number, "type", _("empty: give the question a type, like select_one agree")
                )
            )
            return None, None
        if written in ("begin group", "end group", "begin repeat", "end repeat", "begin_group", "end_group"):
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "type",
                    _("groups are not used: each question is its own page; remove this row"),
                )
            )
            return None, None
        first, _space, list_name = written.partition(" ")
        for alias, name in _ALIASES.items():
            if written == alias or written.startswith(alias + " "):
                first, list_name = name, written[len(alias) :].strip()
        kind = TYPES.get(_WRITTEN.get(first, ""))
        if kind is not None and not list_name:
            if first in _NEEDS_LIST:
                self.faults.append(
                    Fault(
                        "survey",
                        row.number,
                        "type",
                        _("%(written)s needs a choice list's name after it", written=written),
                    )
                )
                return None, None
            return kind.name, None
        if kind is not None and kind.has_choices:
            if list_name not in lists:
                self.faults.append(
                    Fault(
                        "survey",
                        row.number,
                        "type",
                        _(
                            "the choice list “%(list_name)s” is not on the choices sheet: add it there, "
                            "or correct the name",
                            list_name=list_name,
                        ),
                    )
                )
                return None, None
            return kind.name, list_name
        known = ", ".join(
            f"{kind.xlsform} LIST" if kind.xlsform in _NEEDS_LIST else kind.xlsform for kind in TYPES.values()
        )
        self.faults.append(
            Fault(
                "survey",
                row.number,
                "type",
                _(
                    "“%(written)s” is not a type the product asks: use one of %(known)s",
                    written=written,
                    known=known,
                ),
            )
        )
        return None, None

    def scoring(self, row: Row) -> dict[str, Any]:
        """A checklist's thresholds (`threshold_medium`) and next steps (`next_step_high`, with
        `_hours` and `_destination`), from the settings row; the loader checks what they say."""
        thresholds = {}
        steps: dict[str, dict[str, Any]] = {}
        for level in LEVELS:
            threshold = self.number(row, f"threshold_{level}")
            if threshold is not None:
                thresholds[level] = threshold
            text = self.text(row, f"next_step_{level}")
            if not text:
                continue
            hours = self.number(row, f"next_step_{level}_hours")
            if hours is None:
                self.faults.append(
                    Fault(
                        "settings",
                        row.number,
                        f"next_step_{level}_hours",
                        _("empty: say within how many hours the next step is due, like 48"),
                    )
                )
                continue
            steps[level] = {"text": text, "within_hours": hours}
            destination = row.get(f"next_step_{level}_destination")
            if destination:
                steps[level]["destination"] = destination
            self.translated(row, f"next_step_{level}", f"scoring.next_steps.{level}", text)
        if not thresholds and not steps:
            return {}
        return {"thresholds": thresholds, "next_steps": steps}

    def choices(self, row: Row, question: dict[str, Any], rows: list[Row] | None) -> None:
        name = question["id"]
        kpi = row.get("kpi")
        positive: list[str] = []
        excluded: list[str] = []
        cue: list[str] = []
        if rows is not None:
            question["choices"] = []
            for choice_row in rows:
                value = choice_row.get("name")
                label = self.text(choice_row, "label")
                choice: dict[str, Any] = {"value": value, "label": label}
                hint = self.text(choice_row, "hint")
                if hint:
                    choice["hint"] = hint
                if self.flag(choice_row, "exclusive"):
                    choice["exclusive"] = True
                if self.flag(choice_row, "kpi_positive"):
                    positive.append(value)
                if self.flag(choice_row, "kpi_excluded"):
                    excluded.append(value)
                if self.flag(choice_row, "risk_cue"):
                    cue.append(value)
                points = self.number(choice_row, "points")
                if points is not None:
                    question.setdefault("points", {})[value] = points
                raises_to = choice_row.get("raises_to")
                if raises_to:
                    question.setdefault("raises_to", {})[value] = raises_to
                question["choices"].append(choice)
                self.translated(choice_row, "label", f"{name}.choice.{value}", label)
                self.translated(choice_row, "hint", f"{name}.choice.{value}.hint", hint)
        if kpi:
            self.measure(row, question, kpi, positive, excluded)
        cue_label = self.text(row, "risk_cue")
        if cue_label:
            question["risk_cue"] = {"label": cue_label, "when": cue}
            self.translated(row, "risk_cue", f"{name}.risk_cue", cue_label)

    def measure(
        self, row: Row, question: dict[str, Any], kpi: str, positive: list[str], excluded: list[str]
    ) -> None:
        """The question's KPI measure: a proportion of the answers marked kpi_positive on a list, or,
        on a number question, the mean of the numbers given."""
        name = question["id"]
        label = self.text(row, "kpi_label")
        if not _NAME.match(kpi):
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "kpi",
                    _(
                        "“%(kpi)s” cannot be a measure id: use lower-case letters, digits and underscores",
                        kpi=kpi,
                    ),
                )
            )
        elif not label:
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "kpi_label",
                    _("empty: name the measure staff will see, like “Feel safe in the town centre”"),
                )
            )
        elif question["type"] in NUMERIC_TYPES:
            # A measure on a number question is the mean of the numbers given.
            question["measure"] = {"id": kpi, "label": label, "statistic": MEAN}
            self.translated(row, "kpi_label", f"{name}.measure", label)
        elif question["type"] not in CHOICE_TYPES:
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "kpi",
                    _(
                        "a measure needs a question with a list of answers, or a number question for an "
                        "average"
                    ),
                )
            )
        elif not positive:
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "kpi",
                    _(
                        "no choice of its list is marked yes in kpi_positive on the choices sheet: mark "
                        "the answers that count"
                    ),
                )
            )
        else:
            question["measure"] = {"id": kpi, "label": label, "positive": positive}
            if excluded:
                question["measure"]["excluded_from_base"] = excluded
            self.translated(row, "kpi_label", f"{name}.measure", label)

    def constraint(self, row: Row, question: dict[str, Any]) -> None:
        written = row.get("constraint")
        if not written:
            return
        kind = TYPES[question["type"]]
        if kind.constraint is None:
            self.faults.append(
                Fault(
                    "survey",
                    row.number,
                    "constraint",
                    _("only a number or a text question can have a constraint here"),
                )
            )
            return
        try:
            whole = kind.settings.get("min", {}).get("type") == "integer"
            question.update(read_constraint(written, kind.constraint, whole))
        except ExpressionError as error:
            self.faults.append(Fault("survey", row.number, "constraint", error.message))

    def messages(self, row: Row, question: dict[str, Any]) -> None:
        name = question["id"]
        errors: dict[str, str] = {}
        required = self.text(row, "required_message")
        if required:
            errors["required"] = required
            self.translated(row, "required_message", f"{name}.error.required", required)
        constraint = self.text(row, "constraint_message")
        if constraint:
            for code in CONSTRAINT_CODES.get(TYPES[question["type"]].constraint or "", ()):
                errors[code] = constraint
                self.translated(row, "constraint_message", f"{name}.error.{code}", constraint)
        for header in self.book.headers.get("survey", []):
            base = split_header(header)[0]
            if base.startswith("message_") and split_header(header)[1] is None:
                code = base.removeprefix("message_")
                text = row.get(header)
                if text:
                    errors[code] = text
                    self.translated(row, header, f"{name}.error.{code}", text)
        if errors:
            question["errors"] = errors

    def routing(self, row: Row, question: dict[str, Any]) -> None:
        relevant = row.get("relevant")
        if relevant:
            try:
                question["show_if"] = read_relevant(relevant)
            except ExpressionError as error:
                self.faults.append(Fault("survey", row.number, "relevant", error.message))
        routes = []
        for line in row.get("routes").splitlines():
            if not line.strip():
                continue
            match = _ROUTE.match(line)
            try:
                if not match:
                    raise ExpressionError(_("write one route a line, as: emergency if ${in_danger} = 'yes'"))
                routes.append({"when": read_relevant(match.group("when")), "goto": match.group("goto")})
            except ExpressionError as error:
                self.faults.append(Fault("survey", row.number, "routes", error.message))
        if routes:
            question["routes"] = routes

    def check_conditions(self, questions: list[dict[str, Any]]) -> None:
        """A `relevant` may only name a question before its own, by a name that exists."""
        order = {question["id"]: index for index, question in enumerate(questions)}
        everything = set(self.rows_by_question)
        for index, question in enumerate(questions):
            row = self.rows_by_question[question["id"]]
            for column, condition in (("relevant", question.get("show_if")),):
                if condition is None:
                    continue
                for name, values in _references(condition):
                    if name not in everything:
                        self.faults.append(
                            Fault(
                                "survey",
                                row.number,
                                column,
                                _("${%(name)s} is not the name of any question: correct the name", name=name),
                            )
                        )
                    elif name not in order or order[name] >= index:
                        self.faults.append(
                            Fault(
                                "survey",
                                row.number,
                                column,
                                _(
                                    "${%(name)s} comes at or after this question: a question can only "
                                    "depend on earlier answers",
                                    name=name,
                                ),
                            )
                        )
                    else:
                        known = _choice_values(questions[order[name]])
                        for value in values:
                            if known is not None and value not in known:
                                self.faults.append(
                                    Fault(
                                        "survey",
                                        row.number,
                                        column,
                                        _(
                                            "'%(value)s' is not one of the choices of ${%(name)s}: use a "
                                            "choice's name, not its label",
                                            value=value,
                                            name=name,
                                        ),
                                    )
                                )


def _choice_values(question: dict[str, Any]) -> set[str] | None:
    if question["type"] not in CHOICE_TYPES:
        return None
    values = {choice["value"] for choice in question.get("choices", ())} or {
        choice.value for choice in TYPES[question["type"]].default_choices
    }
    if question.get("dont_know"):
        values.add(DONT_KNOW_CHOICE.value)
    if question.get("prefer_not_to_say"):
        values.add(PREFER_NOT_TO_SAY_CHOICE.value)
    return values


def _references(condition: dict[str, Any]) -> Iterable[tuple[str, list[str]]]:
    for group in ("all", "any"):
        for child in condition.get(group, ()):
            yield from _references(child)
    if "not" in condition:
        yield from _references(condition["not"])
    if "answer" in condition:
        values = condition.get("in") or condition.get("not_in") or []
        if "equals" in condition:
            values = [condition["equals"]]
        yield condition["answer"], list(values)


def _place(fault: Fault) -> tuple[int, int]:
    order = ("file", "settings", "survey", "choices")
    return (order.index(fault.sheet) if fault.sheet in order else len(order), fault.row or 0)


def _paragraphs(text: str) -> list[str]:
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]


# Where a fault the shared checks find is, by the words its message starts with.
_COLUMN_OF = (
    ("measure", "kpi"),
    ("show_if", "relevant"),
    ("routes", "routes"),
    ("the choice value", "name"),
    ("a free_text question needs max_length", "constraint"),
    ("min (", "constraint"),
    ("a risk cue", "risk_cue"),
    ("the risk cue", "risk_cue"),
    ("only one question can be the area", "area"),
    ("only a question with one answer", "type"),
    ("a notice needs", "paragraphs"),
)


def _shared_check_fault(error: QuestionnaireError, rows: dict[str, Row]) -> Fault:
    row = rows.get(error.question or "")
    if row is None:
        return Fault("settings", 2, None, Message(error.reason))
    column = next((column for start, column in _COLUMN_OF if error.reason.startswith(start)), None)
    if error.reason.startswith("a free_text question needs max_length"):
        return Fault(
            "survey",
            row.number,
            column,
            _("a text question needs a length limit: write a constraint such as string-length(.) <= 500"),
        )
    # The questionnaire files' own checks speak English: they are written for the developers.
    return Fault("survey", row.number, column, Message(error.reason))


def _missing_translations(
    reader: _Reader, questionnaire: Questionnaire
) -> tuple[list[Fault], tuple[str, ...]]:
    declared = {code for columns in reader.languages.values() for code in columns.values()} - {ENGLISH}
    # What staff alone read (a measure's name, a risk cue) does not hold a language back.
    keys = [
        key
        for key, _text, _note in text_entries(questionnaire)
        if key in reader.sources and not key.endswith((".measure", ".risk_cue"))
    ]
    missing: list[Fault] = []
    complete = []
    for code in [language for language in LANGUAGES if language in declared]:
        own = reader.translations.get(code, {})
        gaps = [key for key in keys if key not in own and f"{key}.1" not in own]
        for key in gaps:
            sheet, row, base = reader.sources[key]
            header = next(
                (
                    h
                    for h, c in reader.languages.get(sheet, {}).items()
                    if c == code and split_header(h)[0] == base
                ),
                f"{base}::{code}",
            )
            missing.append(
                Fault(
                    sheet,
                    row,
                    header,
                    _("empty: until it is filled, residents are not offered this language"),
                )
            )
        if not gaps:
            complete.append(code)
    seen: set[tuple[str, int | None, str | None]] = set()
    unique = []
    for fault in missing:
        if (fault.sheet, fault.row, fault.column) not in seen:
            seen.add((fault.sheet, fault.row, fault.column))
            unique.append(fault)
    return unique, (ENGLISH, *complete)


def read_xlsform(data: bytes, name: str = "spreadsheet") -> Imported:
    """Read and check an XLSForm; raise XLSFormError with every fault found, or return it."""
    book = read_workbook(data)
    reader = _Reader(book)
    definition = reader.settings()
    lists = reader.choice_lists()
    definition["questions"] = reader.questions(lists)
    if not definition["questions"] and not reader.faults:
        reader.faults.append(
            Fault("survey", None, None, _("there are no questions: add a row for each question"))
        )
    if reader.faults:
        raise XLSFormError(sorted(reader.faults, key=_place))
    try:
        questionnaire = load_definition(definition, name)
    except QuestionnaireError as error:
        raise XLSFormError([_shared_check_fault(error, reader.rows_by_question)]) from None
    missing, languages = _missing_translations(reader, questionnaire)
    questionnaire = questionnaire.with_translations(reader.translations, languages)
    return Imported(questionnaire, definition, reader.translations, missing)
