"""The questionnaire as plain data: questions, choices, conditions and measures.

Nothing here knows about the web. Objects are immutable so one loaded
questionnaire can be shared by every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

DONT_KNOW = "dont_know"
# What a KPI measure estimates: the share giving one of its positive answers, or the mean of a number.
PROPORTION, MEAN = "proportion", "mean"
# The question types whose answers are numbers a mean can be taken of.
NUMERIC_TYPES = ("number", "decimal")
PREFER_NOT_TO_SAY = "prefer_not_to_say"

# A notice asks nothing: it is information (safety advice, where to get help).
NOTICE = "notice"
# What a notice stores once read, so the path knows it has been seen.
SEEN = "seen"

# Where a report may be shared (reports/sharing.py gives them names): the consent questions'
# choices are these, or "none".
SHARING_DESTINATIONS = (
    "police",
    "domestic_abuse_service",
    "housing_provider",
    "victim_support",
    "national_hate_crime",
    "marac",
)
# What a report's consent questions each ask about.
CONSENT_PARTS = ("contact_details", "what_happened")
NO_CONSENT = "none"
KINDS = ("survey", "report", "checklist")

# The end of the questions: the "Check your answers" page.
END = "check_answers"

# The breakdowns every estimate has besides one by each breakdown question (named by the question's
# id): by place and period, and by language. The area and breakdown questions cannot take these ids.
FIXED_BREAKDOWNS = (
    "overall",
    "quarter",
    "area_quarter",
    "rolling_four_quarters",
    "area_rolling_four_quarters",
    "language",
)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str | None = None
    # An exclusive choice cannot be combined with others in a multiple choice.
    exclusive: bool = False


@dataclass(frozen=True)
class Condition:
    """A test on earlier answers, written in the file as `show_if` or `when`.

    `op` is one of: equals, in, not_in, answered, not_answered, all, any, not.
    """

    op: str
    answer: str | None = None
    values: tuple[str, ...] = ()
    children: tuple[Condition, ...] = ()

    def referenced_answers(self) -> set[str]:
        found = {self.answer} if self.answer else set()
        for child in self.children:
            found |= child.referenced_answers()
        return found


@dataclass(frozen=True)
class Route:
    when: Condition
    goto: str


@dataclass(frozen=True)
class Measure:
    """A KPI measure declared beside its question.

    A proportion (the default): `positive` answers count towards the measure; answers in
    `excluded_from_base` are left out of the denominator, as is a skipped question. A mean
    (`statistic: mean`, on a number question): the average of the numbers given, a skipped question
    left out.
    """

    id: str
    label: str
    positive: tuple[str, ...]
    excluded_from_base: tuple[str, ...] = ()
    statistic: str = PROPORTION

    @property
    def is_mean(self) -> bool:
        return self.statistic == MEAN


@dataclass(frozen=True)
class RiskCue:
    """A sign that a report may need attention first (say, "Children in the household"): shown in
    the caseworkers' queue when the answer is one of `values`."""

    label: str
    values: tuple[str, ...]

    def shown_by(self, answer: Any) -> bool:
        given = answer if isinstance(answer, list | tuple) else [answer]
        return any(value in self.values for value in given)


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    title: str
    hint: str | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    show_if: Condition | None = None
    routes: tuple[Route, ...] = ()
    measure: Measure | None = None
    # Type-specific settings: max_length, min, max, suffix, allow_partial,
    # allow_approximate, allow_future, width.
    settings: dict[str, Any] = field(default_factory=dict)
    # Custom error messages, keyed by error code.
    errors: dict[str, str] = field(default_factory=dict)
    # Used by the weighting in analysis/: the variable of the population margins this answers.
    weighting_variable: str | None = None
    # Analysts see the estimates broken down by this question's answers.
    breakdown: bool = False
    # The place question (a town centre, say): targets and poster links name its choices, and
    # the dashboard can be narrowed to one of them. Exclusive choices are not places.
    area: bool = False
    # A short label for the check answers page and exports.
    short_label: str | None = None
    # Notices: paragraphs of text, and whether the journey ends there.
    paragraphs: tuple[str, ...] = ()
    final: bool = False
    # Answers that identify nobody, kept readable beside the encrypted report for counts and queues.
    reportable: bool = False
    # On a report: answers that put a cue beside it in the caseworkers' queue.
    risk_cue: RiskCue | None = None
    # On a report: which consent this question asks (CONSENT_PARTS), or whether its answer is one
    # of the person's contact details, shared only where they consent to share those.
    consent: str | None = None
    contact_detail: bool = False
    # On a checklist: points per answer, and answers that raise the risk level (scoring.py).
    points: Mapping[str, int] = field(default_factory=dict)
    raises_to: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_notice(self) -> bool:
        return self.type == NOTICE

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def choice(self, value: str) -> Choice | None:
        for choice in self.choices:
            if choice.value == value:
                return choice
        return None

    def label_for(self, value: str) -> str:
        choice = self.choice(value)
        return choice.label if choice else value


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: str
    description: str
    questions: tuple[Question, ...]
    # Paragraphs for the start page.
    introduction: tuple[str, ...] = ()
    # Minutes the survey is expected to take, shown on the start page.
    minutes: int | None = None
    source_file: str = ""
    # "survey" (anonymous answers for statistics), "report" (a report to caseworkers, encrypted)
    # or "checklist" (a scored risk checklist a caseworker completes with the person who reported).
    kind: str = "survey"
    # The address segment and browser title used instead of the id and title, where the
    # subject must not show in a tab or in the history (reports).
    slug: str = ""
    neutral_title: str | None = None
    # Its own translations, by language and then by the key its text has in the catalogs
    # (`police_rating.title`), for a questionnaire imported with them (a spreadsheet's
    # `label::Urdu (ur)` columns); the catalogs translate the rest.
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict, compare=False)
    # The languages residents are offered it in; empty for every language the catalogs have.
    languages: tuple[str, ...] = field(default=(), compare=False)
    # A checklist's scoring (scoring.Scoring), and the reporting forms it is for (empty: every one).
    scoring: Any = None
    for_forms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})
        object.__setattr__(self, "_index", {q.id: i for i, q in enumerate(self.questions)})

    def with_translations(
        self, translations: Mapping[str, Mapping[str, str]], languages: tuple[str, ...]
    ) -> Questionnaire:
        return replace(self, translations=translations, languages=languages)

    def offered_in(self, language: str) -> bool:
        return not self.languages or language in self.languages

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)  # type: ignore[attr-defined]

    def index_of(self, question_id: str) -> int:
        return self._index[question_id]  # type: ignore[attr-defined]

    @property
    def is_report(self) -> bool:
        return self.kind == "report"

    @property
    def is_checklist(self) -> bool:
        return self.kind == "checklist"

    @property
    def is_survey(self) -> bool:
        return self.kind == "survey"

    @property
    def contact_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.contact_detail)

    def address_of(self, question: Question) -> str:
        """The question's segment in a page address: its id, or on a report its page number,
        since an address stays in the browser's history and must not name the subject."""
        if self.is_report:
            return str(self.index_of(question.id) + 1)
        return question.id

    def question_at(self, address: str) -> Question | None:
        """The question whose address is `address` (see address_of), or None."""
        if not self.is_report:
            return self.question(address)
        if not (address.isascii() and address.isdigit()) or len(address) > 4:
            return None
        index = int(address) - 1
        return self.questions[index] if 0 <= index < len(self.questions) else None

    @property
    def area_question(self) -> Question | None:
        return next((q for q in self.questions if q.area), None)

    @property
    def places(self) -> tuple[Choice, ...]:
        """The choices of the area question that name a place (not "another", not "don't know")."""
        area = self.area_question
        return tuple(c for c in area.choices if not c.exclusive) if area else ()

    @property
    def breakdown_questions(self) -> tuple[Question, ...]:
        """The questions estimates are broken down by: the area first, then the rest in order."""
        area = self.area_question
        rest = tuple(q for q in self.questions if q.breakdown and q is not area)
        return ((area,) if area else ()) + rest

    @property
    def weighting_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.weighting_variable)

    @property
    def measures(self) -> tuple[tuple[Question, Measure], ...]:
        return tuple((q, q.measure) for q in self.questions if q.measure)

    def risk_cues_in(self, answers: dict[str, Any]) -> list[str]:
        """The ids of the questions whose risk cue these answers show, in the questionnaire's order."""
        return [
            q.id
            for q in self.questions
            if q.risk_cue is not None and q.id in answers and q.risk_cue.shown_by(answers[q.id])
        ]
