"""A date as day, month and year: a month and year alone when allowed, marked approximate when
allowed, never in the future unless allowed, never before `min_year`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

from ..answers import AnswerError, Form, Parsed, ascii_digits, missing, text, whole_number
from ..messages import Message, _
from ..model import Question
from .base import QuestionType, Show

# The longest day or month a person types: "07", or "007" from a slip of the finger, is still 7.
_DAY_OR_MONTH_DIGITS = 2
_PARTS = ("day", "month", "year")


def _error(question: Question, code: str, input_part: str, raw: dict, **params: Any) -> Parsed:
    # `input_part` (not `part`) so that callers can pass part=... as an error parameter.
    return Parsed(error=AnswerError(code, f"{question.id}-{input_part}", params), raw=raw)


class Date(QuestionType):
    name = "date"
    xlsform = "date"
    settings: ClassVar[Mapping[str, Any]] = {
        "allow_partial": {"type": "boolean"},
        "allow_approximate": {"type": "boolean"},
        "allow_future": {"type": "boolean"},
        "min_year": {"type": "integer", "minimum": 1000, "maximum": 9999},
    }
    macro = "date"

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        today = today or dt.date.today()
        parts = {part: text(form, f"{question.id}-{part}") for part in _PARTS}
        approximate = bool(question.settings.get("allow_approximate")) and bool(
            text(form, f"{question.id}-approximate")
        )
        raw: dict[str, Any] = {**parts, "approximate": approximate}
        if not any(parts.values()):
            return missing(question)
        digits = {part: ascii_digits(entered) for part, entered in parts.items()}
        for part in _PARTS:
            if parts[part] and digits[part] is None:
                return _error(question, "date_not_real", part, raw)
        partial = bool(question.settings.get("allow_partial"))
        if not parts["year"]:
            return _error(question, "date_missing_part", "year", raw, part="year")
        if len(parts["year"]) != 4:
            return _error(question, "date_year_format", "year", raw)
        if not partial:
            for part in ("day", "month"):
                if not parts[part]:
                    return _error(question, "date_missing_part", part, raw, part=part)
        if parts["day"] and not parts["month"]:
            return _error(question, "date_missing_part", "month", raw, part="month")

        year = int(digits["year"] or "0")
        month = whole_number(parts["month"], _DAY_OR_MONTH_DIGITS) if parts["month"] else None
        day = whole_number(parts["day"], _DAY_OR_MONTH_DIGITS) if parts["day"] else None
        if year < 1:
            return _error(question, "date_not_real", "year", raw)
        if parts["month"] and (month is None or not 1 <= month <= 12):
            return _error(question, "date_not_real", "month", raw)
        if parts["day"] and day is None:  # hundreds of digits: no day of any month
            return _error(question, "date_not_real", "day", raw)
        if day is not None and month is not None:
            # Day 0 is not a day, and a huge day overflows rather than raising ValueError.
            try:
                dt.date(year, month, day)
            except (ValueError, OverflowError):
                return _error(question, "date_not_real", "day", raw)
        min_year = int(question.settings.get("min_year", 1900))
        if year < min_year:
            return _error(question, "date_too_early", "year", raw, year=min_year)
        # Compare the earliest day the answer could mean, so "November this year"
        # is not in the future on the 24th.
        first_possible = dt.date(year, month or 1, day or 1)
        if not question.settings.get("allow_future") and first_possible > today:
            return _error(question, "date_in_future", "year" if not month else "month", raw)
        value = {"year": year, "month": month, "day": day, "approximate": approximate}
        return Parsed(value=value, raw=raw)

    def raw(self, question: Question, value: Any) -> dict[str, Any]:
        return {
            "day": str(value["day"] or ""),
            "month": str(value["month"] or ""),
            "year": str(value["year"]),
            "approximate": bool(value.get("approximate")),
        }

    def required(self, question: Question) -> Message:
        return _("Enter a date")

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        code = error.code
        if code == "date_missing_part":
            part = error.params.get("part")
            if part == "day":
                return _("The date must include a day")
            if part == "month":
                return _("The date must include a month")
            return _("The date must include a year")
        if code == "date_not_real":
            return _("The date must be a real date")
        if code == "date_year_format":
            return _("Enter the year as 4 numbers, like 2025")
        if code == "date_in_future":
            return _("The date must be today or in the past")
        if code == "date_too_early":
            return _("The year must be %(year)s or later", year=error.params["year"])
        return None

    def lines(self, question: Question, value: Any, show: Show) -> list[str]:
        return [show.date(value)]
