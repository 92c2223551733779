"""Which questions a respondent sees, given the answers they have given."""

from __future__ import annotations

from typing import Any

import pytest

from survey_app.questionnaire import (
    END,
    Questionnaire,
    first_unanswered,
    next_question,
    path,
    previous_question,
    relevant_answers,
)


def ids(questions) -> list[str]:
    return [question.id for question in questions]


def yes_no(question_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": question_id, "type": "yes_no", "title": question_id.upper(), **extra}


def goto(answer: str, value: str, target: str) -> dict[str, Any]:
    return {"when": {"answer": answer, "equals": value}, "goto": target}


@pytest.fixture
def shown_if(build) -> Questionnaire:
    """q2 is asked only if q1 is yes."""
    return build(
        [
            yes_no("q1"),
            yes_no("q2", show_if={"answer": "q1", "equals": "yes"}),
            yes_no("q3"),
        ]
    )


@pytest.fixture
def branching(build) -> Questionnaire:
    """q1 'no' skips to q4; q2 'a' ends the questions; q3 is asked if q2 is 'b'."""
    return build(
        [
            yes_no("q1", routes=[goto("q1", "no", "q4")]),
            {
                "id": "q2",
                "type": "single_choice",
                "title": "Q2",
                "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                "routes": [goto("q2", "a", END)],
            },
            yes_no("q3", show_if={"answer": "q2", "equals": "b"}),
            yes_no("q4"),
            yes_no("q5", show_if={"answer": "q2", "in": ["a", "b"]}),
        ]
    )


# --- show_if ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, ["q1", "q3"]),
        ({"q1": "yes"}, ["q1", "q2", "q3"]),
        ({"q1": "no"}, ["q1", "q3"]),
        ({"q1": None}, ["q1", "q3"]),
    ],
)
def test_show_if_skips_a_question(shown_if, answers, expected) -> None:
    assert ids(path(shown_if, answers)) == expected


def test_a_hidden_question_does_not_follow_its_routes(build) -> None:
    questionnaire = build(
        [
            yes_no("q1"),
            yes_no("q2", show_if={"answer": "q1", "equals": "yes"}, routes=[goto("q1", "no", END)]),
            yes_no("q3"),
        ]
    )
    assert ids(path(questionnaire, {"q1": "no"})) == ["q1", "q3"]


def test_show_if_on_the_first_question(build) -> None:
    questionnaire = build([yes_no("q1"), yes_no("q2", show_if={"answer": "q1", "answered": True})])
    assert ids(path(questionnaire, {})) == ["q1"]
    assert ids(path(questionnaire, {"q1": "no"})) == ["q1", "q2"]


# --- routes ------------------------------------------------------------------------


def test_goto_skips_forward(branching) -> None:
    assert ids(path(branching, {"q1": "no"})) == ["q1", "q4"]


def test_no_route_taken_goes_to_the_next_question(branching) -> None:
    assert ids(path(branching, {"q1": "yes"})) == ["q1", "q2", "q4"]
    assert ids(path(branching, {"q1": "yes", "q2": "b"})) == ["q1", "q2", "q3", "q4", "q5"]


def test_goto_check_answers_ends_the_questions(branching) -> None:
    answers = {"q1": "yes", "q2": "a"}
    assert ids(path(branching, answers)) == ["q1", "q2"]
    assert first_unanswered(branching, answers) is None
    assert next_question(branching, answers, "q2") is None


def test_the_first_route_that_matches_wins(build) -> None:
    questionnaire = build(
        [
            yes_no(
                "q1",
                routes=[goto("q1", "yes", "q3"), {"when": {"answer": "q1", "answered": True}, "goto": "q4"}],
            ),
            yes_no("q2"),
            yes_no("q3"),
            yes_no("q4"),
        ]
    )
    assert ids(path(questionnaire, {"q1": "yes"})) == ["q1", "q3", "q4"]
    assert ids(path(questionnaire, {"q1": "no"})) == ["q1", "q4"]
    assert ids(path(questionnaire, {})) == ["q1", "q2", "q3", "q4"]


def test_a_route_may_test_an_earlier_answer(build) -> None:
    questionnaire = build(
        [
            yes_no("q1"),
            yes_no("q2", routes=[goto("q1", "no", END)]),
            yes_no("q3"),
        ]
    )
    assert ids(path(questionnaire, {"q1": "no"})) == ["q1", "q2"]
    assert ids(path(questionnaire, {"q1": "yes"})) == ["q1", "q2", "q3"]


# --- answers left on an abandoned branch --------------------------------------------


def test_answers_on_an_abandoned_branch_do_not_steer_the_path(branching) -> None:
    # The respondent answered q1 yes, q2 a (which ended the questions), then went back
    # and changed q1 to no. q2's stale answer must neither end the questions nor show q5.
    answers = {"q1": "no", "q2": "a", "q4": "yes"}
    assert ids(path(branching, answers)) == ["q1", "q4"]
    assert "q5" not in ids(path(branching, answers))


def test_a_route_ignores_a_stale_answer_to_a_skipped_question(build) -> None:
    questionnaire = build(
        [
            yes_no("q1", routes=[goto("q1", "no", "q3")]),
            yes_no("q2"),
            yes_no("q3", routes=[goto("q2", "yes", END)]),
            yes_no("q4"),
        ]
    )
    assert ids(path(questionnaire, {"q1": "yes", "q2": "yes", "q3": "no"})) == ["q1", "q2", "q3"]
    # q1 changed to no: q2 is skipped, so its old "yes" must not end the questions at q3.
    answers = {"q1": "no", "q2": "yes", "q3": "no"}
    assert ids(path(questionnaire, answers)) == ["q1", "q3", "q4"]
    assert first_unanswered(questionnaire, answers).id == "q4"


def test_stale_answers_are_not_relevant(branching) -> None:
    answers = {"q1": "no", "q2": "b", "q3": "yes", "q4": "no"}
    assert relevant_answers(branching, answers) == {"q1": "no", "q4": "no"}


def test_relevant_answers_follow_the_current_path(branching) -> None:
    answers = {"q1": "yes", "q2": "b", "q3": "no", "q4": "yes", "q5": "no"}
    assert relevant_answers(branching, answers) == answers
    changed = {**answers, "q2": "a"}
    assert relevant_answers(branching, changed) == {"q1": "yes", "q2": "a"}


def test_relevant_answers_keep_a_skipped_optional_answer(build) -> None:
    questionnaire = build([yes_no("q1", required=False), yes_no("q2")])
    assert relevant_answers(questionnaire, {"q1": None, "q2": "yes", "other": "x"}) == {
        "q1": None,
        "q2": "yes",
    }


# --- first_unanswered -----------------------------------------------------------------


def test_first_unanswered(branching) -> None:
    assert first_unanswered(branching, {}).id == "q1"
    assert first_unanswered(branching, {"q1": "yes"}).id == "q2"
    assert first_unanswered(branching, {"q1": "no"}).id == "q4"
    assert first_unanswered(branching, {"q1": "yes", "q2": "b"}).id == "q3"
    assert first_unanswered(branching, {"q1": "no", "q4": "yes"}) is None


def test_a_skipped_optional_question_counts_as_answered(build) -> None:
    questionnaire = build([yes_no("q1", required=False), yes_no("q2")])
    assert first_unanswered(questionnaire, {"q1": None}).id == "q2"


def test_first_unanswered_ignores_answers_off_the_path(branching) -> None:
    assert first_unanswered(branching, {"q1": "yes", "q4": "no"}).id == "q2"


# --- next_question and previous_question ---------------------------------------------


def test_next_and_previous_along_the_path(branching) -> None:
    answers = {"q1": "yes", "q2": "b"}
    assert next_question(branching, answers, "q1").id == "q2"
    assert next_question(branching, answers, "q2").id == "q3"
    assert previous_question(branching, answers, "q3").id == "q2"
    assert previous_question(branching, answers, "q2").id == "q1"


def test_next_and_previous_across_a_skip(branching) -> None:
    answers = {"q1": "no"}
    assert next_question(branching, answers, "q1").id == "q4"
    assert previous_question(branching, answers, "q4").id == "q1"


def test_no_previous_question_before_the_first(branching) -> None:
    assert previous_question(branching, {}, "q1") is None
    assert previous_question(branching, {"q1": "no"}, "q1") is None


def test_no_next_question_after_the_last(branching) -> None:
    answers = {"q1": "no", "q4": "yes"}
    assert next_question(branching, answers, "q4") is None


def test_previous_from_check_answers_is_the_last_question_on_the_path(branching) -> None:
    assert previous_question(branching, {"q1": "no", "q4": "yes"}, END).id == "q4"
    assert previous_question(branching, {"q1": "yes", "q2": "a"}, END).id == "q2"


def test_next_from_a_question_off_the_path_is_the_first_unanswered(branching) -> None:
    answers = {"q1": "no"}
    assert next_question(branching, answers, "q2").id == "q4"
    assert next_question(branching, {"q1": "no", "q4": "no"}, "q3") is None


# --- the real questionnaire --------------------------------------------------------

START = {
    "police_rating": "good",
    "police_council_dealing": "tend_to_agree",
    "asb_problem": "not_a_problem",
    "safe_day": "very_safe",
    "safe_dark": "fairly_safe",
}


def test_community_town_centre_other_hides_partnership_confidence(community) -> None:
    answers = {**START, "town_centre": "other"}
    assert "partnership_confidence" not in ids(path(community, answers))
    assert first_unanswered(community, answers).id == "ward"
    assert next_question(community, answers, "town_centre").id == "ward"
    assert previous_question(community, {**answers, "ward": "hale"}, "ward").id == "town_centre"


def test_community_a_town_centre_shows_partnership_confidence(community) -> None:
    answers = {**START, "town_centre": "sale"}
    assert "partnership_confidence" in ids(path(community, answers))
    assert first_unanswered(community, answers).id == "partnership_confidence"


def test_community_changing_town_centre_drops_the_partnership_answer(community) -> None:
    answers = {**START, "town_centre": "sale", "partnership_confidence": "fairly_confident"}
    assert relevant_answers(community, answers)["partnership_confidence"] == "fairly_confident"
    answers["town_centre"] = "other"
    assert "partnership_confidence" not in relevant_answers(community, answers)


def background_questions(community, answers) -> list[str]:
    return [qid for qid in ids(path(community, answers)) if qid.startswith("ethnic_background_")]


@pytest.mark.parametrize(
    ("group", "shown"),
    [
        ("asian", ["ethnic_background_asian"]),
        ("white", ["ethnic_background_white"]),
        ("mixed", ["ethnic_background_mixed"]),
        ("black", ["ethnic_background_black"]),
        ("other", ["ethnic_background_other"]),
        ("prefer_not_to_say", []),
        (None, []),
    ],
)
def test_community_ethnic_group_shows_only_its_background_question(community, group, shown) -> None:
    answers = {**START, "town_centre": "other", "ward": "hale", "ethnic_group": group}
    assert background_questions(community, answers) == shown


def test_community_complete_journey(community) -> None:
    answers = {
        **START,
        "town_centre": "other",
        "ward": "dont_know",
        "age_band": None,
        "sex": "female",
        "ethnic_group": "asian",
    }
    assert first_unanswered(community, answers).id == "ethnic_background_asian"
    answers["ethnic_background_asian"] = "indian"
    assert first_unanswered(community, answers) is None
    assert previous_question(community, answers, END).id == "ethnic_background_asian"
    assert next_question(community, answers, "ethnic_background_asian") is None
    # A background answer left over from another group is not kept.
    answers["ethnic_background_white"] = "irish"
    assert "ethnic_background_white" not in relevant_answers(community, answers)
