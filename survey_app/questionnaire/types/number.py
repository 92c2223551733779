"""A whole number, optionally between a least and a most, with a unit after the box."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, ClassVar

from ..answers import AnswerError, Form, Parsed, missing, text, whole_number
from ..messages import Message, _
from ..model import Question
from .base import QuestionType, Show

# Digits a whole number may have: more is a slip of the finger, not a count.
MAX_DIGITS = 12


def range_message(error: AnswerError, show: Show) -> Message:
    """ "Enter a number between 0 and 31", or the one bound there is."""
    low, high = error.params.get("min"), error.params.get("max")
    if low is not None and high is not None:
        return _("Enter a number between %(min)s and %(max)s", min=show.number(low), max=show.number(high))
    if error.code == "too_small":
        return _("Enter a number that is %(min)s or more", min=show.number(low))
    return _("Enter a number that is %(max)s or less", max=show.number(high))


def bounds_in_order(question: Question) -> str | None:
    low, high = question.settings.get("min"), question.settings.get("max")
    if low is not None and high is not None and low > high:
        return f"min ({low}) is greater than max ({high})"
    return None


def in_range(question: Question, number: Any, raw: dict[str, Any]) -> Parsed:
    low, high = question.settings.get("min"), question.settings.get("max")
    if low is not None and number < low:
        return Parsed(error=AnswerError("too_small", question.id, {"min": low, "max": high}), raw=raw)
    if high is not None and number > high:
        return Parsed(error=AnswerError("too_large", question.id, {"min": low, "max": high}), raw=raw)
    return Parsed(value=number, raw=raw)


class Number(QuestionType):
    name = "number"
    xlsform = "integer"
    settings: ClassVar[Mapping[str, Any]] = {
        "min": {"type": "integer"},
        "max": {"type": "integer"},
        "suffix": {"type": "string", "minLength": 1},
        "width": {"enum": [2, 3, 4, 5, 10, 20, 30]},
    }
    texts: ClassVar[Mapping[str, str]] = {"suffix": "The unit after the number box"}
    constraint = "range"
    macro = "number"

    def check(self, question: Question) -> str | None:
        low, high = question.settings.get("min"), question.settings.get("max")
        if any(bound is not None and not isinstance(bound, int) for bound in (low, high)):
            return "min and max of a number question are whole numbers (a decimal question takes others)"
        return bounds_in_order(question)

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        entered = text(form, question.id)
        raw = {"value": entered}
        compact = entered.replace(",", "").replace(" ", "")
        if not compact:
            return missing(question)
        sign = -1 if compact[0] == "-" else 1
        magnitude = whole_number(compact[1:] if compact[0] in "+-" else compact, MAX_DIGITS)
        if magnitude is None:
            return Parsed(error=AnswerError("not_whole_number", question.id), raw=raw)
        return in_range(question, sign * magnitude, raw)

    def required(self, question: Question) -> Message:
        return _("Enter a number")

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        if error.code == "not_whole_number":
            return _("Enter a whole number, like 12")
        if error.code in ("too_small", "too_large"):
            return range_message(error, show)
        return None

    def lines(self, question: Question, value: Any, show: Show) -> list[str]:
        number = show.number(value)
        return [f"{number} {show.setting('suffix')}" if question.settings.get("suffix") else number]

    def example(self, question: Question, rng: random.Random) -> Any:
        low = question.settings.get("min", 0)
        return rng.randint(low, question.settings.get("max", low + 10))
