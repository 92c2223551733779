"""What reading an answer gives (a stored value, or an error code), and the helpers the question
types (types/) share to read one.

Input arrives as a mapping of field name to the list of values sent (as a
browser sends repeated fields). Errors are codes with parameters; each type says in words what
its codes mean, and the web layer translates them, so this module stays pure.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Question

Form = Mapping[str, Sequence[str]]

# The UK postcode format (outward code, then inward code), as published by
# the Office for National Statistics; spaces are optional on input.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)[0-9][ABD-HJLNP-UW-Z]{2})$"
)


@dataclass(frozen=True)
class AnswerError:
    code: str
    # The input to link to from the error summary (a field name).
    field: str
    # Named in full: inside this class mypy takes `field` for the attribute above.
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """A parsed answer. `value` is None for a skipped optional question."""

    value: Any = None
    error: AnswerError | None = None
    # What was sent, so a page with an error shows it again unchanged.
    raw: dict[str, Any] = field(default_factory=dict)


def ascii_digits(text: str) -> str | None:
    """`text` with every decimal digit written 0-9, or None if anything in it is not a digit.

    A phone's keyboard in Arabic, Persian, Urdu or Gujarati types that script's digits ("٣"), a
    Chinese one full-width digits ("３"): each means its number. Superscripts ("²") and other
    characters that str.isdigit() accepts but int() does not are not digits here. Checking the
    length of what this returns, before int() sees it, keeps a number thousands of digits long
    from raising rather than being refused.
    """
    if not text:
        return None
    digits = [unicodedata.decimal(char, None) for char in text]
    if any(digit is None for digit in digits):
        return None
    return "".join(str(digit) for digit in digits)


def whole_number(text: str, max_digits: int) -> int | None:
    """A whole number of at most `max_digits` digits (leading zeros aside, any script's digits,
    no sign), or None."""
    digits = ascii_digits(text.strip())
    if digits is None:
        return None
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= max_digits else None


def values(form: Form, name: str) -> list[str]:
    return [v for v in form.get(name, ()) if isinstance(v, str)]


def text(form: Form, name: str) -> str:
    found = values(form, name)
    return found[0].strip() if found else ""


def normalise_postcode(entered: str) -> str | None:
    """'m33 7zz' -> 'M33 7ZZ'; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", entered).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def missing(question: Question) -> Parsed:
    """Nothing given: an error if the question must be answered, else a skipped answer."""
    if question.required:
        return Parsed(error=AnswerError("required", question.id))
    return Parsed(value=None)
