"""Turning what a respondent typed or chose into a stored answer, or an error.

Input arrives as a mapping of field name to the list of values sent (as a
browser sends repeated fields). Errors are codes with parameters; the web
layer turns them into translated sentences, so this module stays pure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import SEEN, Question

Form = Mapping[str, Sequence[str]]

# The UK postcode format (outward code, then inward code), as published by
# the Office for National Statistics; spaces are optional on input.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)[0-9][ABD-HJLNP-UW-Z]{2})$"
)
# The longest day or month a person types: "07", or "007" from a slip of the finger, is still 7.
_DAY_OR_MONTH_DIGITS = 2


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


def _values(form: Form, name: str) -> list[str]:
    return [v for v in form.get(name, ()) if isinstance(v, str)]


def _text(form: Form, name: str) -> str:
    values = _values(form, name)
    return values[0].strip() if values else ""


def normalise_postcode(text: str) -> str | None:
    """'m33 7zz' -> 'M33 7ZZ'; None when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", text).upper()
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def _missing(question: Question) -> Parsed:
    if question.required:
        return Parsed(error=AnswerError("required", question.id))
    return Parsed(value=None)


def _parse_single(question: Question, form: Form) -> Parsed:
    values = _values(form, question.id)
    if not values or values[0] == "":
        return _missing(question)
    value = values[0]
    if value not in question.choice_values:
        return Parsed(error=AnswerError("invalid_choice", question.id), raw={"value": None})
    return Parsed(value=value, raw={"value": value})


def _parse_multiple(question: Question, form: Form) -> Parsed:
    chosen = [v for v in dict.fromkeys(_values(form, question.id)) if v]
    if not chosen:
        return _missing(question)
    known = [v for v in chosen if v in question.choice_values]
    raw = {"values": known}
    if len(known) != len(chosen):
        return Parsed(error=AnswerError("invalid_choice", question.id), raw=raw)
    exclusive = [v for v in known if question.choice(v).exclusive]  # type: ignore[union-attr]
    if exclusive and len(known) > 1:
        label = question.label_for(exclusive[0])
        params = {"choice": label, "value": exclusive[0]}
        return Parsed(error=AnswerError("exclusive", question.id, params), raw=raw)
    # Store in the questionnaire's order, whatever order the browser sent.
    ordered = [v for v in question.choice_values if v in known]
    return Parsed(value=ordered, raw={"values": ordered})


def _parse_free_text(question: Question, form: Form) -> Parsed:
    # No keyboard types U+0000, and PostgreSQL cannot store it in a response: it is dropped.
    text = _text(form, question.id).replace("\r\n", "\n").replace("\x00", "")
    raw = {"value": text}
    if not text:
        return _missing(question)
    limit = int(question.settings.get("max_length", 1000))
    if len(text) > limit:
        return Parsed(error=AnswerError("too_long", question.id, {"max": limit}), raw=raw)
    return Parsed(value=text, raw=raw)


def _parse_number(question: Question, form: Form) -> Parsed:
    text = _text(form, question.id).replace(",", "").replace(" ", "")
    raw = {"value": _text(form, question.id)}
    if not text:
        return _missing(question)
    sign = -1 if text[0] == "-" else 1
    magnitude = whole_number(text[1:] if text[0] in "+-" else text, 12)
    if magnitude is None:
        return Parsed(error=AnswerError("not_whole_number", question.id), raw=raw)
    number = sign * magnitude
    low, high = question.settings.get("min"), question.settings.get("max")
    if low is not None and number < low:
        return Parsed(error=AnswerError("too_small", question.id, {"min": low, "max": high}), raw=raw)
    if high is not None and number > high:
        return Parsed(error=AnswerError("too_large", question.id, {"min": low, "max": high}), raw=raw)
    return Parsed(value=number, raw=raw)


def _parse_postcode(question: Question, form: Form) -> Parsed:
    text = _text(form, question.id)
    raw = {"value": text}
    if not text:
        return _missing(question)
    postcode = normalise_postcode(text)
    if postcode is None:
        return Parsed(error=AnswerError("postcode_invalid", question.id), raw=raw)
    return Parsed(value=postcode, raw={"value": postcode})


def _date_error(question: Question, code: str, input_part: str, raw: dict, **params: Any) -> Parsed:
    # `input_part` (not `part`) so that callers can pass part=... as an error parameter.
    return Parsed(error=AnswerError(code, f"{question.id}-{input_part}", params), raw=raw)


def _parse_date(question: Question, form: Form, today: dt.date) -> Parsed:
    parts = {part: _text(form, f"{question.id}-{part}") for part in ("day", "month", "year")}
    approximate = bool(question.settings.get("allow_approximate")) and bool(
        _text(form, f"{question.id}-approximate")
    )
    raw: dict[str, Any] = {**parts, "approximate": approximate}
    if not any(parts.values()):
        return _missing(question)
    digits = {part: ascii_digits(text) for part, text in parts.items()}
    for part in ("day", "month", "year"):
        if parts[part] and digits[part] is None:
            return _date_error(question, "date_not_real", part, raw)
    partial = bool(question.settings.get("allow_partial"))
    if not parts["year"]:
        return _date_error(question, "date_missing_part", "year", raw, part="year")
    if len(parts["year"]) != 4:
        return _date_error(question, "date_year_format", "year", raw)
    if not partial:
        for part in ("day", "month"):
            if not parts[part]:
                return _date_error(question, "date_missing_part", part, raw, part=part)
    if parts["day"] and not parts["month"]:
        return _date_error(question, "date_missing_part", "month", raw, part="month")

    year = int(digits["year"] or "0")
    month = whole_number(parts["month"], _DAY_OR_MONTH_DIGITS) if parts["month"] else None
    day = whole_number(parts["day"], _DAY_OR_MONTH_DIGITS) if parts["day"] else None
    if year < 1:
        return _date_error(question, "date_not_real", "year", raw)
    if parts["month"] and (month is None or not 1 <= month <= 12):
        return _date_error(question, "date_not_real", "month", raw)
    if parts["day"] and day is None:  # hundreds of digits: no day of any month
        return _date_error(question, "date_not_real", "day", raw)
    if day is not None and month is not None:
        # Day 0 is not a day, and a huge day overflows rather than raising ValueError.
        try:
            dt.date(year, month, day)
        except (ValueError, OverflowError):
            return _date_error(question, "date_not_real", "day", raw)
    min_year = int(question.settings.get("min_year", 1900))
    if year < min_year:
        return _date_error(question, "date_too_early", "year", raw, year=min_year)
    # Compare the earliest day the answer could mean, so "November this year"
    # is not in the future on the 24th.
    first_possible = dt.date(year, month or 1, day or 1)
    if not question.settings.get("allow_future") and first_possible > today:
        return _date_error(question, "date_in_future", "year" if not month else "month", raw)
    value = {"year": year, "month": month, "day": day, "approximate": approximate}
    return Parsed(value=value, raw=raw)


_PARSERS: dict[str, Callable[[Question, Form], Parsed]] = {
    "single_choice": _parse_single,
    "agreement": _parse_single,
    "rating": _parse_single,
    "yes_no": _parse_single,
    "multiple_choice": _parse_multiple,
    "free_text": _parse_free_text,
    "number": _parse_number,
    "postcode": _parse_postcode,
}


def parse_answer(question: Question, form: Form, today: dt.date | None = None) -> Parsed:
    """Validate and normalise the answer to `question` found in `form`."""
    if question.is_notice:
        return Parsed(value=SEEN)
    if question.type == "date":
        return _parse_date(question, form, today or dt.date.today())
    return _PARSERS[question.type](question, form)


def raw_from_value(question: Question, value: Any) -> dict[str, Any]:
    """The form values that show a stored answer again (the inverse of parsing)."""
    if value is None:
        return {}
    if question.type == "multiple_choice":
        return {"values": list(value)}
    if question.type == "date":
        return {
            "day": str(value["day"] or ""),
            "month": str(value["month"] or ""),
            "year": str(value["year"]),
            "approximate": bool(value.get("approximate")),
        }
    return {"value": str(value)}
