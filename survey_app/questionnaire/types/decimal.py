"""A number that may have a fractional part (hours a week, a distance in miles), optionally
between a least and a most, with a unit after the box.

A point marks the fraction ("2.5"), as does the Arabic decimal separator ("٢٫٥"); a comma does
when one or two digits follow it ("2,5", as Polish and Spanish write it), and otherwise separates
thousands ("2,500").
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from ..answers import AnswerError, Form, Parsed, missing, text
from ..messages import Message, _
from ..model import Question
from .base import Show
from .number import Number, bounds_in_order, in_range

MAX_WHOLE_DIGITS = 12
MAX_FRACTION_DIGITS = 6
_DECIMAL_COMMA = re.compile(r"^[^,.]*,\d{1,2}$")
# A sign, the whole part (thousands separated by commas in threes, or not at all), a fraction.
_NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<fraction>\d+))?")


def read_decimal(entered: str) -> int | float | None:
    """The number typed, or None; a whole number comes back as an int."""
    # Any script's digits are digits ("٣", "３"), as on a phone's keyboard in that language.
    digits = "".join(
        str(unicodedata.decimal(char)) if unicodedata.decimal(char, None) is not None else char
        for char in entered.replace(" ", "")
    )
    compact = digits.replace("\u066b", ".").replace("\u066c", ",")
    if _DECIMAL_COMMA.match(compact):
        compact = compact.replace(",", ".")
    found = _NUMBER.fullmatch(compact)
    if not found or not (found.group("whole") or found.group("fraction")):
        return None
    whole = found.group("whole").replace(",", "")
    fraction = found.group("fraction") or ""
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
        return None
    number = Decimal(f"{found.group('sign')}{whole or '0'}.{fraction or '0'}")
    return int(number) if number == number.to_integral_value() else float(number)


class DecimalNumber(Number):
    """As a whole number, but read with its fraction, and with limits that may have one."""

    name = "decimal"
    xlsform = "decimal"
    settings: ClassVar[Mapping[str, Any]] = {
        **Number.settings,
        "min": {"type": "number"},
        "max": {"type": "number"},
    }
    macro = "decimal"

    def check(self, question: Question) -> str | None:
        return bounds_in_order(question)

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        entered = text(form, question.id)
        raw = {"value": entered}
        if not entered.replace(" ", ""):
            return missing(question)
        number = read_decimal(entered)
        if number is None:
            return Parsed(error=AnswerError("not_a_number", question.id), raw=raw)
        return in_range(question, number, raw)

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        if error.code == "not_a_number":
            return _("Enter a number, like 2.5")
        return super().message(question, error, show)

    def example(self, question: Question, rng: random.Random) -> Any:
        low = question.settings.get("min", 0)
        return round(rng.uniform(low, question.settings.get("max", low + 10)), 1)
