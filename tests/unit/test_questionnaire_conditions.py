"""Evaluating show_if and route conditions against the answers so far."""

from __future__ import annotations

import pytest

from survey_app.questionnaire import Condition
from survey_app.questionnaire.conditions import evaluate


def equals(answer: str, value: str) -> Condition:
    return Condition("equals", answer, (value,))


def in_(answer: str, *values: str) -> Condition:
    return Condition("in", answer, values)


def not_in(answer: str, *values: str) -> Condition:
    return Condition("not_in", answer, values)


def answered(answer: str) -> Condition:
    return Condition("answered", answer)


def not_answered(answer: str) -> Condition:
    return Condition("not_answered", answer)


def all_(*children: Condition) -> Condition:
    return Condition("all", children=children)


def any_(*children: Condition) -> Condition:
    return Condition("any", children=children)


def not_(child: Condition) -> Condition:
    return Condition("not", children=(child,))


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"colour": "red"}, True),
        ({"colour": "blue"}, False),
        ({}, False),
        ({"colour": None}, False),
        ({"colour": ["red", "green"]}, True),
        ({"colour": ["green"]}, False),
        ({"colour": []}, False),
        ({"other": "red"}, False),
    ],
)
def test_equals(answers, expected) -> None:
    assert evaluate(equals("colour", "red"), answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"colour": "red"}, True),
        ({"colour": "blue"}, True),
        ({"colour": "green"}, False),
        ({}, False),
        ({"colour": None}, False),
        ({"colour": ["green", "blue"]}, True),
        ({"colour": ["green", "yellow"]}, False),
        ({"colour": []}, False),
    ],
)
def test_in(answers, expected) -> None:
    assert evaluate(in_("colour", "red", "blue"), answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"colour": "green"}, True),
        ({"colour": "red"}, False),
        ({"colour": "blue"}, False),
        # A question that was skipped or never reached is not any of the values.
        ({}, True),
        ({"colour": None}, True),
        ({"colour": []}, True),
        ({"colour": ["green", "yellow"]}, True),
        ({"colour": ["green", "red"]}, False),
    ],
)
def test_not_in(answers, expected) -> None:
    assert evaluate(not_in("colour", "red", "blue"), answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"q": "yes"}, True),
        ({"q": ["a"]}, True),
        ({"q": 0}, True),
        ({"q": {"year": 2020, "month": None, "day": None, "approximate": False}}, True),
        ({"q": None}, False),
        ({"q": []}, False),
        ({}, False),
    ],
)
def test_answered_and_not_answered(answers, expected) -> None:
    assert evaluate(answered("q"), answers) is expected
    assert evaluate(not_answered("q"), answers) is (not expected)


def test_numbers_are_compared_as_text() -> None:
    assert evaluate(equals("count", "3"), {"count": 3}) is True
    assert evaluate(equals("count", "3"), {"count": 30}) is False


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"a": "yes", "b": "yes"}, True),
        ({"a": "yes", "b": "no"}, False),
        ({"a": "no", "b": "yes"}, False),
        ({"a": "yes"}, False),
        ({}, False),
    ],
)
def test_all(answers, expected) -> None:
    assert evaluate(all_(equals("a", "yes"), equals("b", "yes")), answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"a": "yes", "b": "yes"}, True),
        ({"a": "yes", "b": "no"}, True),
        ({"a": "no", "b": "yes"}, True),
        ({"a": "no", "b": "no"}, False),
        ({"b": "yes"}, True),
        ({}, False),
    ],
)
def test_any(answers, expected) -> None:
    assert evaluate(any_(equals("a", "yes"), equals("b", "yes")), answers) is expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [({"a": "yes"}, False), ({"a": "no"}, True), ({}, True), ({"a": ["yes", "no"]}, False)],
)
def test_not(answers, expected) -> None:
    assert evaluate(not_(equals("a", "yes")), answers) is expected


def test_not_answered_is_not_the_same_as_not_equals_for_a_missing_answer() -> None:
    condition = all_(answered("a"), not_(equals("a", "yes")))
    assert evaluate(condition, {}) is False
    assert evaluate(condition, {"a": "no"}) is True
    assert evaluate(condition, {"a": "yes"}) is False


def test_nested_conditions() -> None:
    # (a is yes and b is not answered) or (c includes x but not y)
    condition = any_(
        all_(equals("a", "yes"), not_answered("b")),
        all_(in_("c", "x"), not_(in_("c", "y"))),
    )
    assert evaluate(condition, {"a": "yes"}) is True
    assert evaluate(condition, {"a": "yes", "b": "no"}) is False
    assert evaluate(condition, {"c": ["x", "z"]}) is True
    assert evaluate(condition, {"c": ["x", "y"]}) is False
    assert evaluate(condition, {"a": "no", "c": ["z"]}) is False


def test_multiple_choice_answers_as_tuples_and_sets() -> None:
    assert evaluate(in_("c", "x"), {"c": ("w", "x")}) is True
    assert evaluate(in_("c", "x"), {"c": {"w"}}) is False


def test_an_unknown_operator_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown condition operator 'between'"):
        evaluate(Condition("between", "a", ("1", "2")), {"a": "1"})
