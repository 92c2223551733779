"""Every question type, one module each (see base.QuestionType for what each declares).

Adding a type is one module here, its entry in TYPES, and one template macro.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..answers import Form, Parsed
from ..model import Question
from .base import NO_CHOICES, ONE_CHOICE, SEVERAL_CHOICES, QuestionType, Show
from .choice import Agreement, MultipleChoice, Rating, SingleChoice, YesNo
from .date import Date
from .decimal import DecimalNumber
from .free_text import FreeText
from .notice import Notice
from .number import Number
from .postcode import Postcode

TYPES: dict[str, QuestionType] = {
    kind.name: kind
    for kind in (
        SingleChoice(),
        MultipleChoice(),
        Agreement(),
        Rating(),
        YesNo(),
        FreeText(),
        Number(),
        DecimalNumber(),
        Date(),
        Postcode(),
        Notice(),
    )
}
CHOICE_TYPES = frozenset(name for name, kind in TYPES.items() if kind.has_choices)
# The types whose answer is one choice: the only ones an estimate can be broken down or weighted by.
ONE_CHOICE_TYPES = frozenset(name for name, kind in TYPES.items() if kind.choices == ONE_CHOICE)


def type_of(question: Question) -> QuestionType:
    return TYPES[question.type]


def parse_answer(question: Question, form: Form, today: dt.date | None = None) -> Parsed:
    """Validate and normalise the answer to `question` found in `form`."""
    return type_of(question).parse(question, form, today)


def raw_from_value(question: Question, value: Any) -> dict[str, Any]:
    """The form values that show a stored answer again (the inverse of parsing)."""
    if value is None:
        return {}
    return type_of(question).raw(question, value)


__all__ = [
    "CHOICE_TYPES",
    "NO_CHOICES",
    "ONE_CHOICE",
    "ONE_CHOICE_TYPES",
    "SEVERAL_CHOICES",
    "TYPES",
    "QuestionType",
    "Show",
    "parse_answer",
    "raw_from_value",
    "type_of",
]
