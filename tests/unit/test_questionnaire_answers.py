"""Turning what a respondent typed or chose into a stored answer, or an error code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from survey_app.questionnaire import (
    DONT_KNOW,
    PREFER_NOT_TO_SAY,
    AnswerError,
    Parsed,
    Question,
    normalise_postcode,
    parse_answer,
    raw_from_value,
)

TODAY = dt.date(2024, 6, 15)

TWO_CHOICES = [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]
THREE_CHOICES = [*TWO_CHOICES, {"value": "c", "label": "C"}]


def form(question_id: str, *values: str) -> dict[str, list[str]]:
    return {question_id: list(values)}


def date_form(
    day: str = "", month: str = "", year: str = "", approximate: str | None = None, question_id: str = "q"
) -> dict[str, list[str]]:
    fields = {f"{question_id}-day": [day], f"{question_id}-month": [month], f"{question_id}-year": [year]}
    if approximate is not None:
        fields[f"{question_id}-approximate"] = [approximate]
    return fields


def assert_error(parsed: Parsed, code: str, field: str = "q", **params: Any) -> None:
    assert parsed.value is None
    assert parsed.error == AnswerError(code, field, params)


def assert_value(parsed: Parsed, value: Any) -> None:
    assert parsed.error is None
    assert parsed.value == value


# --- single choice and the scales ------------------------------------------------

SINGLE_TYPES = [
    pytest.param({"type": "single_choice", "choices": TWO_CHOICES}, "b", id="single_choice"),
    pytest.param({"type": "agreement"}, "tend_to_agree", id="agreement"),
    pytest.param({"type": "rating"}, "very_poor", id="rating"),
    pytest.param({"type": "yes_no"}, "no", id="yes_no"),
]


@pytest.mark.parametrize(("spec", "good"), SINGLE_TYPES)
def test_single_answer_valid(make_question, spec, good) -> None:
    question = make_question(**spec)
    parsed = parse_answer(question, form("q", good))
    assert_value(parsed, good)
    assert parsed.raw == {"value": good}


@pytest.mark.parametrize(("spec", "good"), SINGLE_TYPES)
@pytest.mark.parametrize("sent", [{}, {"q": []}, {"q": [""]}, {"other": ["a"]}])
def test_single_answer_required(make_question, spec, good, sent) -> None:
    assert_error(parse_answer(make_question(**spec), sent), "required")


@pytest.mark.parametrize(("spec", "good"), SINGLE_TYPES)
def test_single_answer_optional_and_missing(make_question, spec, good) -> None:
    parsed = parse_answer(make_question(required=False, **spec), {})
    assert parsed == Parsed(value=None, error=None)


@pytest.mark.parametrize(("spec", "good"), SINGLE_TYPES)
@pytest.mark.parametrize("bad", ["zzz", "A", "YES", "b "])
def test_single_answer_unknown_value(make_question, spec, good, bad) -> None:
    assert_error(parse_answer(make_question(**spec), form("q", bad)), "invalid_choice")


@pytest.mark.parametrize(("spec", "good"), SINGLE_TYPES)
def test_single_answer_unknown_value_even_when_optional(make_question, spec, good) -> None:
    assert_error(parse_answer(make_question(required=False, **spec), form("q", "zzz")), "invalid_choice")


def test_single_answer_dont_know_and_prefer_not_to_say(make_question) -> None:
    question = make_question(type="agreement", dont_know=True, prefer_not_to_say=True)
    assert_value(parse_answer(question, form("q", DONT_KNOW)), DONT_KNOW)
    assert_value(parse_answer(question, form("q", PREFER_NOT_TO_SAY)), PREFER_NOT_TO_SAY)
    assert_error(parse_answer(make_question(type="agreement"), form("q", DONT_KNOW)), "invalid_choice")


def test_single_answer_uses_the_first_value_sent(make_question) -> None:
    question = make_question(type="yes_no")
    assert_value(parse_answer(question, form("q", "yes", "no")), "yes")


def test_single_answer_ignores_non_text_values(make_question) -> None:
    assert_error(parse_answer(make_question(type="yes_no"), {"q": [None, 3]}), "required")


# --- multiple choice -----------------------------------------------------------------


@pytest.fixture
def multiple(make_question) -> Question:
    return make_question(
        type="multiple_choice",
        choices=[*THREE_CHOICES, {"value": "none", "label": "None of these", "exclusive": True}],
        dont_know=True,
        prefer_not_to_say=True,
    )


def test_multiple_in_questionnaire_order(multiple) -> None:
    parsed = parse_answer(multiple, form("q", "c", "a"))
    assert_value(parsed, ["a", "c"])
    assert parsed.raw == {"values": ["a", "c"]}


def test_multiple_duplicates_removed(multiple) -> None:
    assert_value(parse_answer(multiple, form("q", "b", "a", "b", "a")), ["a", "b"])


def test_multiple_one_value(multiple) -> None:
    assert_value(parse_answer(multiple, form("q", "b")), ["b"])


def test_multiple_empty_values_ignored(multiple) -> None:
    assert_value(parse_answer(multiple, form("q", "", "c", "")), ["c"])


@pytest.mark.parametrize("value", [DONT_KNOW, PREFER_NOT_TO_SAY, "none"])
def test_multiple_exclusive_alone_is_fine(multiple, value) -> None:
    assert_value(parse_answer(multiple, form("q", value)), [value])


@pytest.mark.parametrize(
    ("sent", "value", "label"),
    [
        (["a", DONT_KNOW], DONT_KNOW, "Don't know"),
        ([DONT_KNOW, "a", "b"], DONT_KNOW, "Don't know"),
        (["c", PREFER_NOT_TO_SAY], PREFER_NOT_TO_SAY, "Prefer not to say"),
        (["none", "b"], "none", "None of these"),
        ([DONT_KNOW, PREFER_NOT_TO_SAY], DONT_KNOW, "Don't know"),
    ],
)
def test_multiple_exclusive_combined(multiple, sent, value, label) -> None:
    parsed = parse_answer(multiple, form("q", *sent))
    assert parsed.value is None
    assert (parsed.error.code, parsed.error.field) == ("exclusive", "q")
    assert parsed.error.params["choice"] == label
    assert parsed.error.params.get("value", value) == value
    # What was sent is shown again.
    assert sorted(parsed.raw["values"]) == sorted(sent)


@pytest.mark.parametrize("sent", [["zzz"], ["a", "zzz"], ["A"]])
def test_multiple_unknown_value(multiple, sent) -> None:
    parsed = parse_answer(multiple, form("q", *sent))
    assert_error(parsed, "invalid_choice")
    assert parsed.raw == {"values": [v for v in sent if v in multiple.choice_values]}


@pytest.mark.parametrize("sent", [{}, {"q": []}, {"q": ["", ""]}])
def test_multiple_required(multiple, sent) -> None:
    assert_error(parse_answer(multiple, sent), "required")


def test_multiple_optional_and_missing(make_question) -> None:
    question = make_question(type="multiple_choice", choices=TWO_CHOICES, required=False)
    assert parse_answer(question, {}) == Parsed(value=None, error=None)


# --- free text -------------------------------------------------------------------------


@pytest.fixture
def free_text(make_question) -> Question:
    return make_question(type="free_text", max_length=10)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("hello", "hello"),
        ("  hello \n", "hello"),
        ("a\r\nb", "a\nb"),
        ("line\r\none\r\n", "line\none"),
        ("1234567890", "1234567890"),
        # Ten characters once a CRLF counts as one.
        ("12345\r\n678", "12345\n678"),
        ("Café ☕", "Café ☕"),
    ],
)
def test_free_text_valid(free_text, sent, stored) -> None:
    parsed = parse_answer(free_text, form("q", sent))
    assert_value(parsed, stored)
    assert parsed.raw == {"value": stored}


def test_free_text_too_long(free_text) -> None:
    parsed = parse_answer(free_text, form("q", "12345678901"))
    assert_error(parsed, "too_long", max=10)
    assert parsed.raw == {"value": "12345678901"}


@pytest.mark.parametrize("sent", [{}, {"q": [""]}, {"q": ["   \r\n  "]}])
def test_free_text_required(free_text, sent) -> None:
    assert_error(parse_answer(free_text, sent), "required")


def test_free_text_optional_and_blank(make_question) -> None:
    question = make_question(type="free_text", max_length=10, required=False)
    assert parse_answer(question, form("q", "   ")) == Parsed(value=None, error=None)


# --- number -----------------------------------------------------------------------------


@pytest.fixture
def number(make_question) -> Question:
    return make_question(type="number", min=-50, max=5000)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("12", 12),
        (" 12 ", 12),
        ("1,000", 1000),
        ("1 000", 1000),
        ("5,000", 5000),
        ("-5", -5),
        ("-50", -50),
        ("+7", 7),
        ("0", 0),
        ("007", 7),
    ],
)
def test_number_valid(number, sent, stored) -> None:
    parsed = parse_answer(number, form("q", sent))
    assert_value(parsed, stored)
    assert parsed.raw == {"value": sent.strip()}


@pytest.mark.parametrize(
    "sent", ["1.5", "1.0", "abc", "12abc", "1e3", "--5", "5-", "½", "123456789012345", "9" * 200]
)
def test_number_not_whole(number, sent) -> None:
    parsed = parse_answer(number, form("q", sent))
    assert_error(parsed, "not_whole_number")
    assert parsed.raw == {"value": sent}


@pytest.mark.parametrize(
    ("sent", "code"), [("-51", "too_small"), ("5001", "too_large"), ("5,001", "too_large")]
)
def test_number_out_of_range(number, sent, code) -> None:
    parsed = parse_answer(number, form("q", sent))
    assert_error(parsed, code, min=-50, max=5000)
    assert parsed.raw == {"value": sent}


def test_number_with_only_a_minimum(make_question) -> None:
    question = make_question(type="number", min=1)
    assert_error(parse_answer(question, form("q", "0")), "too_small", min=1, max=None)
    assert_value(parse_answer(question, form("q", "999999999999")), 999999999999)


def test_number_with_only_a_maximum(make_question) -> None:
    question = make_question(type="number", max=10)
    assert_error(parse_answer(question, form("q", "11")), "too_large", min=None, max=10)
    assert_value(parse_answer(question, form("q", "-99999")), -99999)


@pytest.mark.parametrize("sent", [{}, {"q": [""]}, {"q": ["   "]}])
def test_number_required(number, sent) -> None:
    assert_error(parse_answer(number, sent), "required")


def test_number_optional_and_blank(make_question) -> None:
    assert parse_answer(make_question(type="number", required=False), form("q", "")) == Parsed()


# --- postcode ------------------------------------------------------------------------------

VALID_POSTCODES = [
    ("m33 7zz", "M33 7ZZ"),
    ("M33 7ZZ", "M33 7ZZ"),
    ("M337ZZ", "M33 7ZZ"),
    ("SW1A1AA", "SW1A 1AA"),
    ("sw1a 1aa", "SW1A 1AA"),
    ("GIR 0AA", "GIR 0AA"),
    ("gir0aa", "GIR 0AA"),
    ("  EC1A 1BB  ", "EC1A 1BB"),
    ("W1A 0AX", "W1A 0AX"),
    ("M1 1AE", "M1 1AE"),
    ("B33 8TH", "B33 8TH"),
    ("CR2 6XH", "CR2 6XH"),
    ("DN55 1PT", "DN55 1PT"),
    ("WA14  1AA", "WA14 1AA"),
]

INVALID_POSTCODES = [
    "Q1 1AA",  # Q is never a first letter
    "V1 1AA",
    "X1 1AA",
    "12345",
    "M33",
    "M33 7Z",
    "M33 7ZZZ",
    "M33 7CZ",  # C is never in the inward code
    "MM33 7ZZ Z",
    "M33-7ZZ",
    "GIR 0AB",
    "hello",
]


@pytest.mark.parametrize(("text", "normalised"), VALID_POSTCODES)
def test_normalise_postcode_valid(text, normalised) -> None:
    assert normalise_postcode(text) == normalised


@pytest.mark.parametrize("text", INVALID_POSTCODES)
def test_normalise_postcode_invalid(text) -> None:
    assert normalise_postcode(text) is None


@pytest.mark.parametrize(("text", "normalised"), VALID_POSTCODES)
def test_postcode_answer_valid(make_question, text, normalised) -> None:
    parsed = parse_answer(make_question(type="postcode"), form("q", text))
    assert_value(parsed, normalised)
    assert parsed.raw == {"value": normalised}


@pytest.mark.parametrize("text", INVALID_POSTCODES)
def test_postcode_answer_invalid(make_question, text) -> None:
    parsed = parse_answer(make_question(type="postcode"), form("q", text))
    assert_error(parsed, "postcode_invalid")
    assert parsed.raw == {"value": text.strip()}


def test_postcode_required_and_optional(make_question) -> None:
    assert_error(parse_answer(make_question(type="postcode"), form("q", " ")), "required")
    assert parse_answer(make_question(type="postcode", required=False), {}) == Parsed()


# --- date -----------------------------------------------------------------------------------


def parse_date(question: Question, today: dt.date = TODAY, **parts: Any) -> Parsed:
    return parse_answer(question, date_form(**parts), today=today)


def date_value(year: int, month: int | None = None, day: int | None = None, approximate: bool = False):
    return {"year": year, "month": month, "day": day, "approximate": approximate}


@pytest.fixture
def full_date(make_question) -> Question:
    return make_question(type="date")


@pytest.fixture
def partial_date(make_question) -> Question:
    return make_question(type="date", allow_partial=True)


def test_date_full(full_date) -> None:
    parsed = parse_date(full_date, day="15", month="6", year="2020")
    assert_value(parsed, date_value(2020, 6, 15))
    assert parsed.raw == {"day": "15", "month": "6", "year": "2020", "approximate": False}


def test_date_leading_zeros_and_spaces(full_date) -> None:
    assert_value(parse_date(full_date, day=" 05 ", month="03", year=" 2020"), date_value(2020, 3, 5))


@pytest.mark.parametrize(
    ("parts", "missing"),
    [
        ({"month": "6", "year": "2020"}, "day"),
        ({"day": "15", "year": "2020"}, "month"),
        ({"day": "15", "month": "6"}, "year"),
        ({"year": "2020"}, "day"),
    ],
)
def test_date_full_needs_every_part(full_date, parts, missing) -> None:
    assert_error(parse_date(full_date, **parts), "date_missing_part", f"q-{missing}", part=missing)


def test_date_required(full_date) -> None:
    assert_error(parse_date(full_date), "required")
    assert_error(parse_answer(full_date, {}, today=TODAY), "required")


def test_date_optional_and_blank(make_question) -> None:
    question = make_question(type="date", required=False)
    assert parse_date(question, day=" ", month="", year="") == Parsed()


def test_date_partial_year_only(partial_date) -> None:
    assert_value(parse_date(partial_date, year="2020"), date_value(2020))


def test_date_partial_year_and_month(partial_date) -> None:
    assert_value(parse_date(partial_date, month="3", year="2020"), date_value(2020, 3))


def test_date_partial_may_still_be_full(partial_date) -> None:
    assert_value(parse_date(partial_date, day="1", month="3", year="2020"), date_value(2020, 3, 1))


def test_date_partial_day_without_month(partial_date) -> None:
    assert_error(parse_date(partial_date, day="5", year="2020"), "date_missing_part", "q-month", part="month")


def test_date_partial_still_needs_a_year(partial_date) -> None:
    assert_error(parse_date(partial_date, month="5"), "date_missing_part", "q-year", part="year")


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"day": "31", "month": "2", "year": "2020"}, "day"),
        ({"day": "29", "month": "2", "year": "2023"}, "day"),
        ({"day": "31", "month": "4", "year": "2020"}, "day"),
        ({"day": "32", "month": "1", "year": "2020"}, "day"),
        ({"day": "0", "month": "1", "year": "2020"}, "day"),
        ({"day": "00", "month": "1", "year": "2020"}, "day"),
        ({"day": "99999999999999999999", "month": "1", "year": "2020"}, "day"),
        ({"day": "1", "month": "13", "year": "2020"}, "month"),
        ({"day": "1", "month": "0", "year": "2020"}, "month"),
        ({"day": "1", "month": "99999999999999999999", "year": "2020"}, "month"),
        ({"day": "1", "month": "1", "year": "0000"}, "year"),
    ],
)
def test_date_not_real(full_date, parts, field) -> None:
    assert_error(parse_date(full_date, **parts), "date_not_real", f"q-{field}")


def test_date_29_february_in_a_leap_year(full_date) -> None:
    assert_value(parse_date(full_date, day="29", month="2", year="2020"), date_value(2020, 2, 29))


@pytest.mark.parametrize(
    ("parts", "field"),
    [({"month": "13", "year": "2020"}, "month"), ({"month": "0", "year": "2020"}, "month")],
)
def test_date_partial_month_not_real(partial_date, parts, field) -> None:
    assert_error(parse_date(partial_date, **parts), "date_not_real", f"q-{field}")


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"day": "1st", "month": "6", "year": "2020"}, "day"),
        ({"day": "1", "month": "June", "year": "2020"}, "month"),
        ({"day": "1", "month": "6", "year": "twenty"}, "year"),
        ({"day": "-1", "month": "6", "year": "2020"}, "day"),
        ({"day": "1.5", "month": "6", "year": "2020"}, "day"),
        ({"day": "1", "month": "6", "year": "2020.0"}, "year"),
    ],
)
def test_date_non_digits(full_date, parts, field) -> None:
    assert_error(parse_date(full_date, **parts), "date_not_real", f"q-{field}")


@pytest.mark.parametrize("year", ["20", "202", "20201", "1"])
def test_date_year_must_have_four_digits(full_date, year) -> None:
    assert_error(parse_date(full_date, day="1", month="6", year=year), "date_year_format", "q-year")


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({"day": "16", "month": "6", "year": "2024"}, "month"),
        ({"day": "1", "month": "1", "year": "2025"}, "month"),
    ],
)
def test_date_in_future(full_date, parts, field) -> None:
    assert_error(parse_date(full_date, **parts), "date_in_future", f"q-{field}")


def test_date_today_is_not_in_the_future(full_date) -> None:
    assert_value(parse_date(full_date, day="15", month="6", year="2024"), date_value(2024, 6, 15))


def test_date_allow_future(make_question) -> None:
    question = make_question(type="date", allow_future=True)
    assert_value(parse_date(question, day="1", month="1", year="2030"), date_value(2030, 1, 1))


def test_date_partial_current_month_and_year_are_not_in_the_future(partial_date) -> None:
    assert_value(parse_date(partial_date, month="6", year="2024"), date_value(2024, 6))
    assert_value(parse_date(partial_date, year="2024"), date_value(2024))


def test_date_partial_next_month_and_next_year_are_in_the_future(partial_date) -> None:
    assert_error(parse_date(partial_date, month="7", year="2024"), "date_in_future", "q-month")
    assert_error(parse_date(partial_date, year="2025"), "date_in_future", "q-year")


def test_date_the_future_is_relative_to_today(full_date) -> None:
    parts = {"day": "1", "month": "7", "year": "2024"}
    assert parse_date(full_date, **parts).error is not None
    assert parse_date(full_date, today=dt.date(2024, 7, 1), **parts).error is None


def test_date_default_minimum_year(full_date) -> None:
    parsed = parse_date(full_date, day="31", month="12", year="1899")
    assert_error(parsed, "date_too_early", "q-year", year=1900)
    assert_value(parse_date(full_date, day="1", month="1", year="1900"), date_value(1900, 1, 1))


def test_date_min_year(make_question) -> None:
    question = make_question(type="date", min_year=2000, allow_partial=True)
    assert_error(parse_date(question, year="1999"), "date_too_early", "q-year", year=2000)
    assert_value(parse_date(question, year="2000"), date_value(2000))


@pytest.mark.parametrize("flag", ["1", "yes", "on"])
def test_date_approximate_kept_when_allowed(make_question, flag) -> None:
    question = make_question(type="date", allow_approximate=True)
    parsed = parse_date(question, day="1", month="2", year="2020", approximate=flag)
    assert_value(parsed, date_value(2020, 2, 1, approximate=True))
    assert parsed.raw["approximate"] is True


def test_date_approximate_not_ticked(make_question) -> None:
    question = make_question(type="date", allow_approximate=True)
    parsed = parse_date(question, day="1", month="2", year="2020", approximate="")
    assert_value(parsed, date_value(2020, 2, 1))
    assert_value(parse_date(question, day="1", month="2", year="2020"), date_value(2020, 2, 1))


def test_date_approximate_dropped_when_not_allowed(full_date) -> None:
    parsed = parse_date(full_date, day="1", month="2", year="2020", approximate="1")
    assert_value(parsed, date_value(2020, 2, 1, approximate=False))
    assert parsed.raw["approximate"] is False


def test_date_approximate_alone_is_not_an_answer(make_question) -> None:
    question = make_question(type="date", allow_approximate=True)
    assert_error(parse_date(question, approximate="1"), "required")


def test_date_error_keeps_what_was_typed(full_date) -> None:
    parsed = parse_date(full_date, day="31", month="2", year="2020")
    assert parsed.raw == {"day": "31", "month": "2", "year": "2020", "approximate": False}


def test_date_defaults_to_the_real_today(full_date) -> None:
    assert parse_answer(full_date, date_form("1", "1", "2000")).error is None
    next_year = str(dt.date.today().year + 1)
    assert parse_answer(full_date, date_form("1", "1", next_year)).error.code == "date_in_future"


# --- raw_from_value: showing a stored answer again ------------------------------------------


def form_from_raw(question: Question, raw: dict[str, Any]) -> dict[str, list[str]]:
    """What a browser sends back for a page filled in from `raw`."""
    if question.type == "multiple_choice":
        return {question.id: list(raw["values"])}
    if question.type == "date":
        fields = {f"{question.id}-{part}": [raw[part]] for part in ("day", "month", "year")}
        if raw["approximate"]:
            fields[f"{question.id}-approximate"] = ["1"]
        return fields
    return {question.id: [raw["value"]]}


ROUND_TRIPS = [
    pytest.param({"type": "single_choice", "choices": TWO_CHOICES}, form("q", "b"), id="single_choice"),
    pytest.param({"type": "agreement", "dont_know": True}, form("q", DONT_KNOW), id="agreement"),
    pytest.param({"type": "rating"}, form("q", "fair"), id="rating"),
    pytest.param({"type": "yes_no"}, form("q", "yes"), id="yes_no"),
    pytest.param(
        {"type": "multiple_choice", "choices": THREE_CHOICES}, form("q", "c", "a"), id="multiple_choice"
    ),
    pytest.param(
        {"type": "multiple_choice", "choices": THREE_CHOICES, "prefer_not_to_say": True},
        form("q", PREFER_NOT_TO_SAY),
        id="multiple_choice-exclusive",
    ),
    pytest.param({"type": "free_text", "max_length": 100}, form("q", "  Two\r\nlines "), id="free_text"),
    pytest.param({"type": "number"}, form("q", "1,234"), id="number"),
    pytest.param({"type": "number"}, form("q", "-7"), id="number-negative"),
    pytest.param({"type": "postcode"}, form("q", "m337zz"), id="postcode"),
    pytest.param({"type": "date"}, date_form("9", "11", "2019"), id="date"),
    pytest.param({"type": "date", "allow_partial": True}, date_form(year="2019"), id="date-year"),
    pytest.param({"type": "date", "allow_partial": True}, date_form(month="2", year="2019"), id="date-month"),
    pytest.param(
        {"type": "date", "allow_approximate": True}, date_form("9", "11", "2019", "1"), id="date-approximate"
    ),
]


@pytest.mark.parametrize(("spec", "sent"), ROUND_TRIPS)
def test_raw_from_value_round_trip(make_question, spec, sent) -> None:
    question = make_question(**spec)
    first = parse_answer(question, sent, today=TODAY)
    assert first.error is None and first.value is not None
    raw = raw_from_value(question, first.value)
    second = parse_answer(question, form_from_raw(question, raw), today=TODAY)
    assert second.error is None
    assert second.value == first.value


@pytest.mark.parametrize(("spec", "sent"), ROUND_TRIPS)
def test_raw_from_value_of_nothing_is_empty(make_question, spec, sent) -> None:
    assert raw_from_value(make_question(**spec), None) == {}


def test_raw_from_value_shapes(make_question) -> None:
    assert raw_from_value(make_question(type="number"), 1234) == {"value": "1234"}
    assert raw_from_value(make_question(type="multiple_choice", choices=TWO_CHOICES), ["a", "b"]) == {
        "values": ["a", "b"]
    }
    assert raw_from_value(make_question(type="date", allow_partial=True), date_value(2019, 2)) == {
        "day": "",
        "month": "2",
        "year": "2019",
        "approximate": False,
    }


def test_raw_of_a_good_choice_answer_matches_raw_from_value(make_question) -> None:
    question = make_question(type="multiple_choice", choices=THREE_CHOICES)
    parsed = parse_answer(question, form("q", "c", "b"))
    assert parsed.raw == raw_from_value(question, parsed.value)
