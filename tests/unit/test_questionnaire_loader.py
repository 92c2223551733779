"""Loading questionnaire files: the real ones load, and every fault is one clear message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from survey_app.questionnaire import (
    DONT_KNOW,
    END,
    PREFER_NOT_TO_SAY,
    Choice,
    Condition,
    Measure,
    QuestionnaireError,
    load_directory,
    load_questionnaire,
)
from survey_app.questionnaire.model import Route
from survey_app.questionnaire.scales import AGREEMENT, DONT_KNOW_CHOICE, RATING, YES_NO

HEAD = "id: test\nversion: 1\ntitle: Test\nquestions:\n"


def write(directory: Path, text: str, name: str = "bad.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_fault(directory: Path, text: str, name: str = "bad.yaml") -> QuestionnaireError:
    """Load `text` as a file that must be refused; return the error after checking its form."""
    path = write(directory, text, name)
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path, name)
    error = caught.value
    assert type(error) is QuestionnaireError
    assert error.file == name
    where = f"{name}: question '{error.question}': " if error.question else f"{name}: "
    assert str(error) == where + error.reason
    assert "\n" not in str(error)
    assert error.reason
    return error


def questions(*lines: str) -> str:
    """A file with the given question lines (flow-style YAML) under `questions:`."""
    return HEAD + "".join(f"  - {line}\n" for line in lines)


# --- the real questionnaires -------------------------------------------------


def test_the_real_questionnaire_directory_loads(project_root: Path) -> None:
    loaded = load_directory(project_root / "questionnaires")

    assert "community_confidence" in loaded
    community = loaded["community_confidence"]
    assert community.source_file == "questionnaires/community_confidence.yaml"
    assert community.version >= 1
    assert community.questions
    for questionnaire in loaded.values():
        assert questionnaire.source_file.startswith("questionnaires/")


def test_the_real_questionnaire_measures_name_real_choices(community) -> None:
    measure_ids = [measure.id for _, measure in community.measures]
    assert len(measure_ids) == len(set(measure_ids))
    assert "police_good_job" in measure_ids
    for question, measure in community.measures:
        for value in (*measure.positive, *measure.excluded_from_base):
            assert value in question.choice_values


def test_the_real_questionnaire_uses_the_standard_scales(community) -> None:
    police = community.question("police_rating")
    assert police.type == "rating"
    assert police.choice_values == (*(c.value for c in RATING), DONT_KNOW)
    dealing = community.question("police_council_dealing")
    assert dealing.choice_values == (*(c.value for c in AGREEMENT), DONT_KNOW)
    age = community.question("age_band")
    assert age.required is False
    assert age.choice_values[-1] == PREFER_NOT_TO_SAY


# --- what a good file turns into -------------------------------------------


def test_top_level_fields(build) -> None:
    questionnaire = build(
        [{"id": "q1", "type": "yes_no", "title": "Q1"}],
        description="About it",
        introduction=["One", "Two"],
        minutes=3,
    )
    assert questionnaire.id == "test"
    assert questionnaire.version == 1
    assert questionnaire.title == "Test"
    assert questionnaire.description == "About it"
    assert questionnaire.introduction == ("One", "Two")
    assert questionnaire.minutes == 3
    assert questionnaire.source_file == "test.yaml"


def test_optional_top_level_fields_default(build) -> None:
    questionnaire = build([{"id": "q1", "type": "yes_no", "title": "Q1"}])
    assert questionnaire.description == ""
    assert questionnaire.introduction == ()
    assert questionnaire.minutes is None


def test_file_name_defaults_to_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, questions("{id: q1, type: yes_no, title: Q, colour: red}"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    assert caught.value.file == path.as_posix()
    assert str(caught.value).startswith(f"{path.as_posix()}: question 'q1': ")


def test_question_fields(build) -> None:
    questionnaire = build(
        [
            {
                "id": "q1",
                "type": "single_choice",
                "title": "Pick one",
                "hint": "A hint",
                "short_label": "Pick",
                "required": False,
                "weighting_variable": "ward",
                "errors": {"required": "Pick something"},
                "choices": [
                    {"value": "a", "label": "A", "hint": "The first"},
                    {"value": "b", "label": "B"},
                    {"value": "none", "label": "None of these", "exclusive": True},
                ],
            },
            {"id": "q2", "type": "yes_no", "title": "Yes or no"},
        ]
    )
    q1, q2 = questionnaire.questions
    assert (q1.id, q1.type, q1.title, q1.hint, q1.short_label) == (
        "q1",
        "single_choice",
        "Pick one",
        "A hint",
        "Pick",
    )
    assert q1.required is False
    assert q1.weighting_variable == "ward"
    assert q1.errors == {"required": "Pick something"}
    assert q1.choices == (
        Choice("a", "A", hint="The first"),
        Choice("b", "B"),
        Choice("none", "None of these", exclusive=True),
    )
    assert q1.label_for("none") == "None of these"
    assert q1.label_for("unknown") == "unknown"
    assert q2.required is True
    assert q2.hint is None and q2.short_label is None and q2.show_if is None
    assert q2.routes == () and q2.measure is None
    assert questionnaire.question("q2") is q2
    assert questionnaire.question("nope") is None
    assert questionnaire.index_of("q2") == 1


def test_type_settings_are_kept(build) -> None:
    questionnaire = build(
        [
            {"id": "text", "type": "free_text", "title": "T", "max_length": 50},
            {"id": "num", "type": "number", "title": "N", "min": 0, "max": 9, "suffix": "years", "width": 2},
            {
                "id": "when",
                "type": "date",
                "title": "D",
                "allow_partial": True,
                "allow_approximate": True,
                "allow_future": True,
                "min_year": 2000,
            },
        ]
    )
    text, num, when = questionnaire.questions
    assert text.settings == {"max_length": 50}
    assert num.settings == {"min": 0, "max": 9, "suffix": "years", "width": 2}
    assert when.settings == {
        "allow_partial": True,
        "allow_approximate": True,
        "allow_future": True,
        "min_year": 2000,
    }


@pytest.mark.parametrize(
    ("question_type", "scale"),
    [("agreement", AGREEMENT), ("rating", RATING), ("yes_no", YES_NO)],
)
def test_scale_types_get_default_choices(build, question_type, scale) -> None:
    question = build([{"id": "q1", "type": question_type, "title": "Q"}]).questions[0]
    assert question.choices == scale
    assert not any(choice.exclusive for choice in question.choices)


def test_default_scales_are_the_expected_wording() -> None:
    assert [c.value for c in AGREEMENT] == [
        "strongly_agree",
        "tend_to_agree",
        "neither",
        "tend_to_disagree",
        "strongly_disagree",
    ]
    assert [c.value for c in RATING] == ["excellent", "good", "fair", "poor", "very_poor"]
    assert [(c.value, c.label) for c in YES_NO] == [("yes", "Yes"), ("no", "No")]


def test_a_scale_type_may_give_its_own_choices(build) -> None:
    question = build(
        [
            {
                "id": "q1",
                "type": "agreement",
                "title": "Q",
                "choices": [{"value": "agree", "label": "Agree"}, {"value": "disagree", "label": "Disagree"}],
            }
        ]
    ).questions[0]
    assert question.choice_values == ("agree", "disagree")


def test_dont_know_and_prefer_not_to_say_are_appended_as_exclusive_choices(build) -> None:
    question = build(
        [
            {
                "id": "q1",
                "type": "multiple_choice",
                "title": "Q",
                "dont_know": True,
                "prefer_not_to_say": True,
                "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
            }
        ]
    ).questions[0]
    assert question.choice_values == ("a", "b", DONT_KNOW, PREFER_NOT_TO_SAY)
    assert question.choice(DONT_KNOW) == Choice(DONT_KNOW, "Don't know", exclusive=True)
    assert question.choice(PREFER_NOT_TO_SAY) == Choice(
        PREFER_NOT_TO_SAY, "Prefer not to say", exclusive=True
    )
    assert not question.choice("a").exclusive


@pytest.mark.parametrize("question_type", ["agreement", "rating", "yes_no"])
def test_dont_know_is_appended_after_a_default_scale(build, question_type) -> None:
    question = build([{"id": "q1", "type": question_type, "title": "Q", "dont_know": True}]).questions[0]
    assert question.choice_values[-1] == DONT_KNOW
    scale = {"agreement": AGREEMENT, "rating": RATING, "yes_no": YES_NO}[question_type]
    assert question.choices == (*scale, DONT_KNOW_CHOICE)


def test_false_flags_add_nothing(build) -> None:
    question = build(
        [{"id": "q1", "type": "yes_no", "title": "Q", "dont_know": False, "prefer_not_to_say": False}]
    ).questions[0]
    assert question.choice_values == ("yes", "no")


def test_a_mean_measure_on_a_number_question_is_parsed(build) -> None:
    questionnaire = build(
        [
            {
                "id": "score",
                "type": "number",
                "title": "From 0 to 10, how safe do you feel?",
                "min": 0,
                "max": 10,
                "measure": {"id": "safety_score", "label": "Safety score", "statistic": "mean"},
            },
            {
                "id": "spent",
                "type": "decimal",
                "title": "Q",
                "measure": {"id": "s", "label": "S", "statistic": "mean"},
            },
        ]
    )
    score, spent = questionnaire.questions
    assert score.measure == Measure("safety_score", "Safety score", (), (), "mean")
    assert score.measure.is_mean and spent.measure.is_mean
    assert [m.id for _q, m in questionnaire.measures] == ["safety_score", "s"]


def test_conditions_routes_and_measures_are_parsed(build) -> None:
    questionnaire = build(
        [
            {
                "id": "q1",
                "type": "single_choice",
                "title": "Q1",
                "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                "routes": [{"when": {"answer": "q1", "equals": "b"}, "goto": END}],
                "measure": {"id": "m1", "label": "M", "positive": ["a"], "excluded_from_base": ["b"]},
            },
            {"id": "q2", "type": "yes_no", "title": "Q2", "show_if": {"answer": "q1", "answered": False}},
            {
                "id": "q3",
                "type": "yes_no",
                "title": "Q3",
                "show_if": {
                    "all": [
                        {"answer": "q1", "in": ["a", "b"]},
                        {
                            "any": [
                                {"answer": "q2", "not_in": ["no"]},
                                {"not": {"answer": "q2", "answered": True}},
                            ]
                        },
                    ]
                },
            },
        ]
    )
    q1, q2, q3 = questionnaire.questions
    assert q1.routes == (Route(Condition("equals", "q1", ("b",)), END),)
    assert q1.measure == Measure("m1", "M", ("a",), ("b",))
    assert questionnaire.measures == ((q1, q1.measure),)
    assert q2.show_if == Condition("not_answered", "q1")
    assert q3.show_if == Condition(
        "all",
        children=(
            Condition("in", "q1", ("a", "b")),
            Condition(
                "any",
                children=(
                    Condition("not_in", "q2", ("no",)),
                    Condition("not", children=(Condition("answered", "q2"),)),
                ),
            ),
        ),
    )
    assert q3.show_if.referenced_answers() == {"q1", "q2"}


def test_a_route_may_go_to_a_later_question(build) -> None:
    questionnaire = build(
        [
            {
                "id": "q1",
                "type": "yes_no",
                "title": "Q1",
                "routes": [{"when": {"answer": "q1", "equals": "no"}, "goto": "q3"}],
            },
            {"id": "q2", "type": "yes_no", "title": "Q2"},
            {"id": "q3", "type": "yes_no", "title": "Q3"},
        ]
    )
    assert questionnaire.questions[0].routes[0].goto == "q3"


def test_a_show_if_on_a_non_choice_question_accepts_any_value(build) -> None:
    questionnaire = build(
        [
            {"id": "n", "type": "number", "title": "N"},
            {"id": "q", "type": "yes_no", "title": "Q", "show_if": {"answer": "n", "equals": "3"}},
        ]
    )
    assert questionnaire.questions[1].show_if == Condition("equals", "n", ("3",))


# --- faults in a file as a whole ------------------------------------------


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    error = load_fault(tmp_path, "id: test\nversion: 1\ntitle: Test\n  oops: here\nquestions: []\n")
    assert error.question is None
    assert error.reason.startswith("line 4: not valid YAML (")


def test_a_tab_indent_names_the_line(tmp_path: Path) -> None:
    error = load_fault(tmp_path, "id: test\nversion: 1\n\ttitle: Test\n")
    assert error.reason.startswith("line 3: not valid YAML (")
    assert "\\t" in error.reason


def test_an_unclosed_bracket_is_invalid_yaml(tmp_path: Path) -> None:
    error = load_fault(tmp_path, HEAD + "  - {id: q1, type: yes_no, title: Q\n")
    assert error.question is None
    assert "not valid YAML" in error.reason
    assert error.reason.startswith("line ")


def test_a_control_character_is_invalid_yaml_on_one_line(tmp_path: Path) -> None:
    error = load_fault(tmp_path, "id: test\nversion: 1\ntitle: Te\x07st\n")
    assert error.reason == "line 3: not valid YAML (the character #x0007 is not allowed)"


@pytest.mark.parametrize(
    "text",
    ["- just\n- a list\n", "just a string\n", "42\n", "", "# only a comment\n"],
    ids=["list", "string", "number", "empty", "comment"],
)
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    error = load_fault(tmp_path, text)
    assert error.question is None
    assert error.reason == "the file must be a mapping with id, version, title and questions"


def test_a_duplicate_top_level_key_names_the_line(tmp_path: Path) -> None:
    error = load_fault(tmp_path, "id: test\nversion: 1\ntitle: Test\ntitle: Again\nquestions: []\n")
    assert error.reason == "line 4: not valid YAML (the key 'title' appears twice)"


def test_a_duplicate_key_inside_a_question_names_the_line(tmp_path: Path) -> None:
    text = HEAD + "  - id: q1\n    type: yes_no\n    title: Q\n    type: agreement\n"
    error = load_fault(tmp_path, text)
    assert error.reason == "line 8: not valid YAML (the key 'type' appears twice)"


@pytest.mark.parametrize(
    "text",
    ["? [a, b]\n: c\nid: test\n", questions("{id: q1, type: yes_no, title: Q, {x: 1}: 2}")],
    ids=["list-key", "mapping-key"],
)
def test_an_unhashable_key_is_invalid_yaml(tmp_path: Path, text: str) -> None:
    error = load_fault(tmp_path, text)
    assert "not valid YAML" in error.reason
    assert error.reason.startswith("line ")


def test_unsafe_tags_are_refused(tmp_path: Path) -> None:
    error = load_fault(tmp_path, "id: !!python/name:os.system test\n")
    assert "not valid YAML" in error.reason


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + "  - {id: q1, type: yes_no, title: Caf\xe9}\n").encode("latin-1"))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path, "latin1.yaml")
    assert str(caught.value) == "latin1.yaml: the file is not UTF-8 text"


def test_a_utf8_file_with_non_ascii_text_loads(tmp_path: Path) -> None:
    path = write(tmp_path, questions("{id: q1, type: yes_no, title: Café – “quoted”}"), "ok.yaml")
    assert load_questionnaire(path).questions[0].title == "Café – “quoted”"


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(tmp_path / "nowhere.yaml", "nowhere.yaml")
    assert str(caught.value).startswith("nowhere.yaml: cannot be read (")
    assert caught.value.question is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("version: 1\ntitle: T\nquestions: []\n", "'id' is missing"),
        ("id: test\ntitle: T\nquestions: []\n", "'version' is missing"),
        ("id: test\nversion: 1\nquestions: []\n", "'title' is missing"),
        ("id: test\nversion: 1\ntitle: T\n", "'questions' is missing"),
        (
            HEAD.replace("id: test", "id: Test-1") + "  - {id: q1, type: yes_no, title: Q}\n",
            "id: 'Test-1' must be lower case letters, digits and underscores",
        ),
        (
            HEAD + "  - {id: q1, type: yes_no, title: Q}\nowner: me\n",
            "unknown field ('owner' was unexpected)",
        ),
        (
            HEAD.replace("version: 1", "version: 0") + "  - {id: q1, type: yes_no, title: Q}\n",
            "version: 0 is less than the minimum of 1",
        ),
        (
            HEAD.replace("version: 1", "version: one") + "  - {id: q1, type: yes_no, title: Q}\n",
            "version: 'one' is not of type 'integer'",
        ),
    ],
)
def test_top_level_schema_faults(tmp_path: Path, text: str, reason: str) -> None:
    error = load_fault(tmp_path, text)
    assert error.question is None
    assert error.reason == reason


def test_no_questions(tmp_path: Path) -> None:
    error = load_fault(tmp_path, HEAD.replace("questions:\n", "questions: []\n"))
    assert error.question is None
    assert error.reason.startswith("questions: ")


# --- faults in one question -------------------------------------------------

QUESTION_FAULTS = [
    pytest.param(
        ["{id: q1, type: yes_no, title: Q, colour: red}"],
        "q1",
        "unknown field ('colour' was unexpected)",
        id="unknown-field",
    ),
    pytest.param(
        [
            "{id: q1, type: single_choice, title: Q, "
            "choices: [{value: a, label: A, colour: red}, {value: b, label: B}]}"
        ],
        "q1",
        "choices.0: unknown field ('colour' was unexpected)",
        id="unknown-choice-field",
    ),
    pytest.param(["{id: q1, type: yes_no}"], "q1", "'title' is missing", id="missing-title"),
    pytest.param(["{id: q1, title: Q}"], "q1", "'type' is missing", id="missing-type"),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q}", "{type: yes_no, title: Q}"],
        "#2",
        "'id' is missing",
        id="missing-id-named-by-position",
    ),
    pytest.param(
        ["{id: q1, type: choice, title: Q}"],
        "q1",
        "type: 'choice' is not one of single_choice, multiple_choice, agreement, rating, yes_no, "
        "free_text, number, decimal, date, postcode, notice",
        id="wrong-type",
    ),
    pytest.param(
        ["{id: Bad-Id, type: yes_no, title: Q}"],
        "Bad-Id",
        "id: 'Bad-Id' must be lower case letters, digits and underscores",
        id="bad-id",
    ),
    pytest.param(
        ["{id: 1st, type: yes_no, title: Q}"],
        "1st",
        "id: '1st' must be lower case letters, digits and underscores",
        id="id-starting-with-digit",
    ),
    pytest.param(
        [
            "{id: q1, type: single_choice, title: Q, "
            "choices: [{value: a, label: A}, {value: No Way, label: B}]}"
        ],
        "q1",
        "choices.1.value: 'No Way' must be lower case letters, digits and underscores",
        id="bad-choice-value",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: ''}"], "q1", "title: '' should be non-empty", id="empty-title"
    ),
    pytest.param(
        ["{id: q1, type: free_text, title: Q, max_length: 0}"],
        "q1",
        "max_length: 0 is less than the minimum of 1",
        id="max-length-zero",
    ),
    pytest.param(
        ["{id: q1, type: number, title: Q, min: one}"],
        "q1",
        "min: 'one' is not of type 'number'",
        id="min-not-a-number",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q, required: maybe}"],
        "q1",
        "required: 'maybe' is not of type 'boolean'",
        id="required-not-boolean",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q}", "{id: q1, type: yes_no, title: Q again}"],
        "q1",
        "this id is used by more than one question",
        id="duplicate-question-id",
    ),
    pytest.param(
        ["{id: q1, type: single_choice, title: Q, choices: [{value: a, label: A}, {value: a, label: B}]}"],
        "q1",
        "the choice value 'a' is used twice",
        id="duplicate-choice-value",
    ),
    pytest.param(
        [
            "{id: q1, type: single_choice, title: Q, dont_know: true, "
            "choices: [{value: a, label: A}, {value: dont_know, label: Not sure}]}"
        ],
        "q1",
        "the choice value 'dont_know' is used twice",
        id="dont-know-given-twice",
    ),
    pytest.param(
        ["{id: q1, type: single_choice, title: Q}"],
        "q1",
        "a single_choice question needs choices",
        id="single-choice-without-choices",
    ),
    pytest.param(
        ["{id: q1, type: multiple_choice, title: Q}"],
        "q1",
        "a multiple_choice question needs choices",
        id="multiple-choice-without-choices",
    ),
    pytest.param(
        ["{id: q1, type: single_choice, title: Q, dont_know: true, prefer_not_to_say: true}"],
        "q1",
        "a single_choice question needs choices",
        id="only-dont-know-and-prefer-not-to-say",
    ),
    pytest.param(
        ["{id: q1, type: single_choice, title: Q, choices: [{value: a, label: A}]}"],
        "q1",
        "choices: [{'value': 'a', 'label': 'A'}] is too short",
        id="one-choice",
    ),
    pytest.param(
        ["{id: q1, type: free_text, title: Q}"],
        "q1",
        "a free_text question needs max_length",
        id="free-text-without-max-length",
    ),
    pytest.param(
        ["{id: q1, type: number, title: Q, min: 10, max: 1}"],
        "q1",
        "min (10) is greater than max (1)",
        id="number-min-above-max",
    ),
    pytest.param(
        ["{id: q1, type: number, title: Q, choices: [{value: a, label: A}, {value: b, label: B}]}"],
        "q1",
        "a number question cannot have choices, 'dont_know' or 'prefer_not_to_say'",
        id="choices-on-number",
    ),
    pytest.param(
        ["{id: q1, type: free_text, title: Q, max_length: 10, dont_know: true}"],
        "q1",
        "a free_text question cannot have choices, 'dont_know' or 'prefer_not_to_say'",
        id="dont-know-on-free-text",
    ),
    pytest.param(
        ["{id: q1, type: date, title: Q, prefer_not_to_say: true}"],
        "q1",
        "a date question cannot have choices, 'dont_know' or 'prefer_not_to_say'",
        id="prefer-not-to-say-on-date",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, show_if: {answer: nowhere, equals: 'yes'}}",
        ],
        "q2",
        "show_if refers to 'nowhere', which is not a question before this one",
        id="show-if-unknown-question",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q, show_if: {answer: q2, equals: 'yes'}}",
            "{id: q2, type: yes_no, title: Q}",
        ],
        "q1",
        "show_if refers to 'q2', which is not a question before this one",
        id="show-if-later-question",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q, show_if: {answer: q1, answered: true}}"],
        "q1",
        "show_if refers to 'q1', which is not a question before this one",
        id="show-if-itself",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q}",
            "{id: q3, type: yes_no, title: Q, show_if: {all: [{answer: q1, equals: 'yes'}, "
            "{not: {answer: q9, answered: true}}]}}",
        ],
        "q3",
        "show_if refers to 'q9', which is not a question before this one",
        id="show-if-unknown-question-nested",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, show_if: {answer: q1, equals: maybe}}",
        ],
        "q2",
        "show_if tests 'q1' for 'maybe', which is not one of its choices",
        id="show-if-value-not-a-choice",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, show_if: {any: [{answer: q1, equals: 'no'}, "
            "{answer: q1, not_in: ['yes', dont_know]}]}}",
        ],
        "q2",
        "show_if tests 'q1' for 'dont_know', which is not one of its choices",
        id="show-if-nested-value-not-a-choice",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, show_if: {answer: q1, equals: yes}}",
        ],
        "q2",
        "show_if.equals: True is not of type 'string'",
        id="unquoted-yes-is-a-boolean",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q}", "{id: q2, type: yes_no, title: Q, show_if: {answer: q1}}"],
        "q2",
        "a condition needs exactly one of equals, in, not_in, answered, all, any, not",
        id="condition-without-a-test",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, show_if: {answer: q1, equals: 'yes', answered: true}}",
        ],
        "q2",
        "a condition needs exactly one of equals, in, not_in, answered, all, any, not",
        id="condition-with-two-tests",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q}", "{id: q2, type: yes_no, title: Q, show_if: {equals: 'yes'}}"],
        "q2",
        "a condition with 'equals' needs 'answer'",
        id="condition-without-answer",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, show_if: {answer: q1, in: []}}",
        ],
        "q2",
        "show_if.in: [] should be non-empty",
        id="condition-with-empty-in",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q, show_if: {}}"],
        "q1",
        "show_if: {} should be non-empty",
        id="empty-condition",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q, routes: [{when: {answer: q1, equals: 'no'}, goto: nowhere}]}",
            "{id: q2, type: yes_no, title: Q}",
        ],
        "q1",
        "routes: goto 'nowhere' is not a question in this file",
        id="goto-unknown-question",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q, routes: [{when: {answer: q2, equals: 'no'}, goto: q3}]}",
            "{id: q2, type: yes_no, title: Q}",
            "{id: q3, type: yes_no, title: Q}",
        ],
        "q1",
        "routes refers to 'q2', which is not a question before this one",
        id="route-tests-a-later-question",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q, routes: [{when: {answer: q1, equals: perhaps}, goto: q2}]}",
            "{id: q2, type: yes_no, title: Q}",
        ],
        "q1",
        "routes tests 'q1' for 'perhaps', which is not one of its choices",
        id="route-tests-a-value-not-a-choice",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q, routes: [{when: {answer: q1, equals: 'no'}}]}"],
        "q1",
        "routes.0: 'goto' is missing",
        id="route-without-goto",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q}",
            "{id: q3, type: yes_no, title: Q, routes: [{when: {answer: q3, equals: 'no'}, goto: q1}]}",
        ],
        "q1",
        "routes make a loop: q1 -> q2 -> q3 -> q1",
        id="backward-goto-loop",
    ),
    pytest.param(
        [
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q, routes: [{when: {answer: q2, equals: 'no'}, goto: q2}]}",
            "{id: q3, type: yes_no, title: Q}",
        ],
        "q2",
        "routes make a loop: q2 -> q2",
        id="goto-itself",
    ),
    pytest.param(
        ["{id: q1, type: rating, title: Q, measure: {id: m1, label: M, positive: [excellent, brilliant]}}"],
        "q1",
        "measure 'm1' names 'brilliant', which is not one of its choices",
        id="measure-positive-not-a-choice",
    ),
    pytest.param(
        [
            "{id: q1, type: rating, title: Q, measure: {id: m1, label: M, positive: [good], "
            "excluded_from_base: [dont_know]}}"
        ],
        "q1",
        "measure 'm1' names 'dont_know', which is not one of its choices",
        id="measure-excluded-not-a-choice",
    ),
    pytest.param(
        ["{id: q1, type: free_text, title: Q, max_length: 100, measure: {id: m1, label: M, positive: [x]}}"],
        "q1",
        "a measure can only be declared on a question with choices (or, with statistic: mean, on a number "
        "question)",
        id="measure-on-free-text",
    ),
    pytest.param(
        ["{id: q1, type: rating, title: Q, measure: {id: m1, label: M, positive: []}}"],
        "q1",
        "measure.positive: [] should be non-empty",
        id="measure-without-positive",
    ),
    pytest.param(
        ["{id: q1, type: rating, title: Q, measure: {id: m1, label: M}}"],
        "q1",
        "measure 'm1' needs the answers that count, in positive",
        id="proportion-measure-without-positive",
    ),
    pytest.param(
        ["{id: q1, type: rating, title: Q, measure: {id: m1, label: M, statistic: mean}}"],
        "q1",
        "a mean can only be declared on a number or decimal question",
        id="mean-on-choices",
    ),
    pytest.param(
        ["{id: q1, type: number, title: Q, measure: {id: m1, label: M, statistic: mean, positive: [a]}}"],
        "q1",
        "a mean counts every number given: it takes no positive or excluded_from_base answers",
        id="mean-with-positive",
    ),
    pytest.param(
        ["{id: q1, type: number, title: Q, measure: {id: m1, label: M, statistic: median}}"],
        "q1",
        "measure.statistic: 'median' is not one of proportion, mean",
        id="unknown-statistic",
    ),
    pytest.param(
        [
            "{id: q1, type: rating, title: Q, measure: {id: m1, label: M, positive: [good]}}",
            "{id: q2, type: yes_no, title: Q}",
            "{id: q3, type: agreement, title: Q,"
            " measure: {id: m1, label: M again, positive: [tend_to_agree]}}",
        ],
        "q3",
        "the measure id 'm1' is also declared by 'q1'",
        id="duplicate-measure-id",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q}", "{id: check_answers, type: yes_no, title: Q}"],
        "check_answers",
        "'check_answers' is reserved for the end of the questions",
        id="reserved-id",
    ),
    pytest.param(
        ["{id: quarter, type: yes_no, title: Q, breakdown: true}"],
        "quarter",
        "the estimates have a breakdown of their own called 'quarter': give this question another id",
        id="breakdown-named-like-a-fixed-breakdown",
    ),
    pytest.param(
        ["{id: language, type: yes_no, title: Q, area: true}"],
        "language",
        "the estimates have a breakdown of their own called 'language': give this question another id",
        id="area-named-like-a-fixed-breakdown",
    ),
    pytest.param(
        ["{id: q1, type: yes_no, title: Q, errors: {Required: Say something}}"],
        "q1",
        "errors: 'Required' must be lower case letters, digits and underscores",
        id="bad-error-code",
    ),
]


@pytest.mark.parametrize(("lines", "question", "reason"), QUESTION_FAULTS)
def test_question_faults(tmp_path: Path, lines: list[str], question: str, reason: str) -> None:
    error = load_fault(tmp_path, questions(*lines))
    assert error.question == question
    assert error.reason == reason
    assert str(error) == f"bad.yaml: question '{question}': {reason}"


def test_a_forward_goto_is_not_a_loop_but_a_backward_one_is(tmp_path: Path) -> None:
    forward = write(
        tmp_path,
        questions(
            "{id: q1, type: yes_no, title: Q, routes: [{when: {answer: q1, equals: 'no'}, goto: q3}]}",
            "{id: q2, type: yes_no, title: Q}",
            "{id: q3, type: yes_no, title: Q, "
            "routes: [{when: {answer: q3, equals: 'no'}, goto: check_answers}]}",
        ),
        "forward.yaml",
    )
    assert [q.id for q in load_questionnaire(forward).questions] == ["q1", "q2", "q3"]

    error = load_fault(
        tmp_path,
        questions(
            "{id: q1, type: yes_no, title: Q}",
            "{id: q2, type: yes_no, title: Q}",
            "{id: q3, type: yes_no, title: Q, routes: [{when: {answer: q3, equals: 'no'}, goto: q2}]}",
            "{id: q4, type: yes_no, title: Q}",
        ),
    )
    assert error.reason == "routes make a loop: q2 -> q3 -> q2"
    assert error.question == "q2"


# --- load_directory ---------------------------------------------------------


def test_two_files_with_the_same_id(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    directory.mkdir()
    write(directory, questions("{id: q1, type: yes_no, title: Q}"), "a.yaml")
    write(directory, questions("{id: q2, type: yes_no, title: Q}"), "b.yaml")
    with pytest.raises(QuestionnaireError) as caught:
        load_directory(directory)
    error = caught.value
    assert type(error) is QuestionnaireError
    assert str(error) == "surveys/b.yaml: the id 'test' is also used by surveys/a.yaml"


def test_a_bad_file_in_a_directory_is_named_by_directory_and_file(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    directory.mkdir()
    write(directory, questions("{id: q1, type: yes_no, title: Q}"), "a.yaml")
    write(directory, questions("{id: q1, type: yes_no, title: Q, colour: red}"), "b.yaml")
    with pytest.raises(QuestionnaireError) as caught:
        load_directory(directory)
    assert str(caught.value) == "surveys/b.yaml: question 'q1': unknown field ('colour' was unexpected)"


def test_load_directory_keys_by_id_and_reads_only_yaml_files(tmp_path: Path) -> None:
    directory = tmp_path / "surveys"
    directory.mkdir()
    write(directory, questions("{id: q1, type: yes_no, title: Q}"), "first.yaml")
    other = questions("{id: q1, type: yes_no, title: Q}").replace("id: test", "id: other")
    write(directory, other, "second.yaml")
    write(directory, "not: [valid\n", "notes.txt")
    loaded = load_directory(directory)
    assert sorted(loaded) == ["other", "test"]
    assert loaded["test"].source_file == "surveys/first.yaml"
    assert loaded["other"].source_file == "surveys/second.yaml"
