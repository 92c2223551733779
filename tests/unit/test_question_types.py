"""The question types: each declares what the product needs of it in one place, and a decimal
number is one more such module."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from survey_app.questionnaire import AnswerError, QuestionnaireError, parse_answer, raw_from_value
from survey_app.questionnaire.schema import QUESTIONNAIRE_SCHEMA
from survey_app.questionnaire.types import CHOICE_TYPES, TYPES
from survey_app.questionnaire.types.decimal import read_decimal

TEMPLATES = Path(__file__).resolve().parents[2] / "survey_app" / "templates" / "survey" / "types"


def test_every_type_has_its_template_macro_and_is_in_the_schema():
    question = QUESTIONNAIRE_SCHEMA["properties"]["questions"]["items"]["properties"]
    assert question["type"]["enum"] == list(TYPES)
    for name, kind in TYPES.items():
        assert kind.name == name
        template = TEMPLATES / f"{kind.macro}.html"
        assert template.exists(), f"{name} has no template {template.name}"
        assert "{% macro field(question, f) %}" in template.read_text()
        assert set(kind.settings) <= set(question), f"{name}'s settings are not in the schema"
    assert {"single_choice", "multiple_choice", "agreement", "rating", "yes_no"} == CHOICE_TYPES


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("2.5", 2.5),
        ("2,5", 2.5),
        ("2,500", 2500),
        ("1,234.75", 1234.75),
        ("-0.25", -0.25),
        (".5", 0.5),
        ("3", 3),
        ("٢٫٥", 2.5),
        ("３.２５", 3.25),
        (" 12 ", 12),
    ],
)
def test_decimal_numbers_are_read_as_people_type_them(typed, number):
    assert read_decimal(typed) == number
    assert isinstance(read_decimal(typed), type(number))


@pytest.mark.parametrize("typed", ["two", "2.", "1.2.3", "2.1234567", "9" * 13, "1e5", "--1", "2,5,6", "½"])
def test_what_is_not_a_decimal_number_is_refused(typed):
    assert read_decimal(typed) is None


def test_a_decimal_question_checks_its_range_and_shows_the_answer_again(make_question):
    question = make_question(type="decimal", min=0, max=37.5, suffix="hours")
    assert parse_answer(question, {"q": ["37.5"]}).value == 37.5
    assert parse_answer(question, {"q": ["40"]}).error == AnswerError(
        "too_large", "q", {"min": 0, "max": 37.5}
    )
    assert parse_answer(question, {"q": ["lots"]}).error == AnswerError("not_a_number", "q")
    assert parse_answer(question, {"q": [""]}).error == AnswerError("required", "q")
    assert raw_from_value(question, 2.5) == {"value": "2.5"}


def test_a_whole_number_question_refuses_fractional_limits(make_question):
    with pytest.raises(QuestionnaireError) as caught:
        make_question(type="number", min=0.5)
    assert "min and max of a number question are whole numbers" in str(caught.value)


def test_a_setting_of_another_type_is_refused(make_question):
    with pytest.raises(QuestionnaireError) as caught:
        make_question(type="postcode", max_length=8)
    assert "max_length is not a setting of a postcode question" in str(caught.value)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_each_type_makes_demo_answers_it_would_accept(make_question, name):
    spec: dict = {"type": name}
    if name in ("single_choice", "multiple_choice"):
        spec["choices"] = [{"value": v, "label": v.upper()} for v in ("a", "b", "c", "d")]
    if name == "free_text":
        spec["max_length"] = 100
    if name == "notice":
        spec["paragraphs"] = ["Read this."]
    question = make_question(**spec)
    rng = random.Random(3)  # noqa: S311 - made-up answers, not a secret
    for _ in range(20):
        value = TYPES[name].example(question, rng)
        if value is None:
            continue
        again = parse_answer(question, _form_for(question, raw_from_value(question, value)))
        assert again.error is None and again.value == value, (name, value, again)


def _form_for(question, raw: dict) -> dict[str, list[str]]:
    if "values" in raw:
        return {question.id: list(raw["values"])}
    if "year" in raw:
        return {f"{question.id}-{part}": [raw[part]] for part in ("day", "month", "year")}
    return {question.id: [raw["value"]]} if "value" in raw else {}
