"""XLSForm `relevant` and `constraint` expressions, read into the product's conditions."""

from __future__ import annotations

import pytest

from survey_app.questionnaire.loader import _condition
from survey_app.questionnaire.xlsform.expressions import (
    ExpressionError,
    read_constraint,
    read_relevant,
    write_relevant,
)


@pytest.mark.parametrize(
    ("written", "condition"),
    [
        ("${seen} = 'yes'", {"answer": "seen", "equals": "yes"}),
        ('${seen}="yes"', {"answer": "seen", "equals": "yes"}),
        ("${town} != 'other'", {"answer": "town", "not_in": ["other"]}),
        ("${town} != 'a' and ${town} != 'b'", {"answer": "town", "not_in": ["a", "b"]}),
        ("${town} = 'a' or ${town} = 'b'", {"answer": "town", "in": ["a", "b"]}),
        ("selected(${where}, 'market')", {"answer": "where", "equals": "market"}),
        ("${comments} != ''", {"answer": "comments", "answered": True}),
        ("${comments} = ''", {"answer": "comments", "answered": False}),
        (
            "${a} = 'x' and not(selected(${b}, 'y') or ${c} = 'z')",
            {
                "all": [
                    {"answer": "a", "equals": "x"},
                    {"not": {"any": [{"answer": "b", "equals": "y"}, {"answer": "c", "equals": "z"}]}},
                ]
            },
        ),
        ("(${a} = 'x')", {"answer": "a", "equals": "x"}),
    ],
)
def test_relevant_forms_are_read(written, condition):
    assert read_relevant(written) == condition


@pytest.mark.parametrize(
    "written",
    ["${visits} > 3", "${a} = 'x' and", "count(${a}) = 1", "${a = 'x'", "${a} = 'x')", "", "${a} = yes"],
)
def test_relevant_that_cannot_be_evaluated_is_refused_with_the_forms_to_use(written):
    with pytest.raises(ExpressionError) as caught:
        read_relevant(written)
    assert "selected(${question}, 'value')" in str(caught.value)


@pytest.mark.parametrize(
    "written",
    [
        "${a} = 'x'",
        "${a} != 'x' and ${a} != 'y'",
        "${a} = 'x' or ${a} = 'y'",
        "not(${a} = 'x')",
        "(${a} = 'x' or ${b} = 'y') and ${c} != ''",
        "selected(${m}, 'v')",
    ],
)
def test_written_relevant_reads_back_as_the_same_condition(written):
    condition = _condition(read_relevant(written))
    again = write_relevant(condition, frozenset({"m"}))
    assert _condition(read_relevant(again)) == condition


@pytest.mark.parametrize(
    ("written", "kind", "settings"),
    [
        (". >= 0 and . <= 31", "range", {"min": 0, "max": 31}),
        (". > 0", "range", {"min": 1}),
        (".<100", "range", {"max": 99}),
        ("(. >= -5) and (. <= 5)", "range", {"min": -5, "max": 5}),
        ("string-length(.) <= 500", "length", {"max_length": 500}),
        ("string-length( . ) < 501", "length", {"max_length": 500}),
    ],
)
def test_range_and_length_constraints_become_settings(written, kind, settings):
    assert read_constraint(written, kind) == settings


def test_a_decimal_range_keeps_its_fractions_and_refuses_strict_bounds():
    assert read_constraint(". >= 0.5 and . <= 2.75", "range", whole=False) == {"min": 0.5, "max": 2.75}
    assert read_constraint(". >= 0 and . <= 10", "range", whole=False) == {"min": 0, "max": 10}
    with pytest.raises(ExpressionError):
        read_constraint(". > 0.5", "range", whole=False)
    with pytest.raises(ExpressionError):
        read_constraint(". <= 2.5", "range", whole=True)


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("regex(., '^[0-9]+$')", "length"),
        (". >= 0 and . >= 2", "range"),
        ("string-length(.) <= 500", "range"),
        (". <= 31", "length"),
        (". != 3", "range"),
    ],
)
def test_other_constraints_are_refused(written, kind):
    with pytest.raises(ExpressionError):
        read_constraint(written, kind)
