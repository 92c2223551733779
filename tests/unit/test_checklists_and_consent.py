"""Scored checklists and consent questions as files declare them: what loads, what is refused and
why, and the level a set of answers reaches."""

from __future__ import annotations

import pytest

from survey_app.questionnaire import QuestionnaireError, load_questionnaire
from survey_app.questionnaire.scoring import outcome
from tests.conftest import PROJECT_ROOT
from tests.unit.test_questionnaire_reports import STORY, write

SCORING = {
    "thresholds": {"medium": 3, "high": 5},
    "next_steps": {"high": {"text": "Refer", "within_hours": 24, "destination": "marac"}},
}
FEAR = {"id": "fear", "type": "yes_no", "title": "Afraid?", "points": {"yes": 2}}
THREAT = {
    "id": "threat",
    "type": "yes_no",
    "title": "Threatened?",
    "points": {"yes": 1},
    "raises_to": {"yes": "high"},
}
KINDS = {
    "id": "kinds",
    "type": "multiple_choice",
    "title": "Which?",
    "required": False,
    "choices": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    "points": {"a": 1, "b": 2},
}
REPORT = {"kind": "report", "slug": "form", "neutral_title": "Contact form"}
CONSENT = {
    "id": "share",
    "type": "multiple_choice",
    "title": "Who may we tell?",
    "consent": "what_happened",
    "choices": [
        {"value": "police", "label": "Police"},
        {"value": "none", "label": "No one", "exclusive": True},
    ],
}


def checklist(tmp_path, questions=(FEAR, THREAT, KINDS), **scoring):
    return load_questionnaire(
        write(tmp_path, list(questions), kind="checklist", scoring={**SCORING, **scoring})
    )


def test_points_add_up_to_a_level_and_answers_or_judgement_can_raise_it(tmp_path):
    form = checklist(tmp_path)
    levels = [
        ({}, ("standard", 0)),
        ({"fear": "yes"}, ("standard", 2)),
        ({"fear": "yes", "kinds": ["a"]}, ("medium", 3)),
        ({"fear": "yes", "kinds": ["a", "b"]}, ("high", 5)),
        ({"threat": "yes"}, ("high", 1)),
    ]
    for answers, (level, score) in levels:
        result = outcome(form.questions, form.scoring, answers)
        assert (result.level, result.score) == (level, score), answers
    raised = outcome(form.questions, form.scoring, {}, ("medium", "A bruise she hid"))
    assert raised.level == "medium" and raised.judgement == ("medium", "A bruise she hid")
    kept = outcome(form.questions, form.scoring, {"threat": "yes"}, ("medium", "Lower?"))
    assert kept.level == "high" and kept.judgement is None


@pytest.mark.parametrize(
    ("questions", "scoring", "message"),
    [
        ([{**FEAR, "points": {"maybe": 1}}], {}, "points names 'maybe', which is not one of its choices"),
        ([{**FEAR, "points": {"yes": -1}}], {}, "whole number from 0 to 1000"),
        ([{**FEAR, "raises_to": {"yes": "extreme"}}], {}, "'extreme' is not a level above standard"),
        ([{**STORY, "points": {"x": 1}}], {}, "only be declared on a question with choices"),
        ([FEAR], {"thresholds": {"medium": 5, "high": 5}}, "higher than the level below"),
        ([FEAR], {"thresholds": {"urgent": 5}}, "'urgent' is not a level above standard"),
        (
            [FEAR],
            {"next_steps": {"high": {"text": "Go", "within_hours": 1, "destination": "moon"}}},
            "unknown destination 'moon'",
        ),
    ],
)
def test_checklist_faults_are_named(tmp_path, questions, scoring, message):
    with pytest.raises(QuestionnaireError) as caught:
        checklist(tmp_path, questions, **scoring)
    assert message in str(caught.value)


def test_declarations_belong_to_their_kind(tmp_path):
    with pytest.raises(QuestionnaireError, match="only a checklist's questions can declare points"):
        load_questionnaire(write(tmp_path, [FEAR]))
    with pytest.raises(QuestionnaireError, match="a checklist needs scoring"):
        load_questionnaire(write(tmp_path, [{**FEAR, "points": {}}], kind="checklist"))
    with pytest.raises(QuestionnaireError, match="only a reporting form's questions can declare consent"):
        load_questionnaire(write(tmp_path, [CONSENT]))
    with pytest.raises(QuestionnaireError, match="only a checklist can declare scoring"):
        load_questionnaire(write(tmp_path, [STORY], scoring=SCORING))


def test_consent_questions_offer_known_organisations_only(tmp_path):
    form = load_questionnaire(write(tmp_path, [STORY, CONSENT], **REPORT))
    assert form.question("share").consent == "what_happened"
    odd = {**CONSENT, "choices": [*CONSENT["choices"], {"value": "the_press", "label": "The newspapers"}]}
    with pytest.raises(QuestionnaireError, match="not 'the_press'"):
        load_questionnaire(write(tmp_path, [STORY, odd], **REPORT))
    marac = {**CONSENT, "choices": [*CONSENT["choices"], {"value": "marac", "label": "MARAC"}]}
    with pytest.raises(QuestionnaireError, match="not 'marac'"):
        load_questionnaire(write(tmp_path, [STORY, marac], **REPORT))
    twice = {**CONSENT, "id": "share_again"}
    with pytest.raises(QuestionnaireError, match="only one question can ask consent for what_happened"):
        load_questionnaire(write(tmp_path, [STORY, CONSENT, twice], **REPORT))
    with pytest.raises(QuestionnaireError, match="is the service's own"):
        load_questionnaire(write(tmp_path, [STORY], **{**REPORT, "slug": "check"}))


def test_shipped_forms_ask_consent_for_both_parts_and_mark_contact_details():
    for name in ("hate_crime_report.yaml", "domestic_abuse_report.yaml"):
        form = load_questionnaire(PROJECT_ROOT / "questionnaires" / name)
        assert sorted(q.consent for q in form.questions if q.consent) == ["contact_details", "what_happened"]
        assert form.contact_questions
    example = load_questionnaire(PROJECT_ROOT / "questionnaires" / "risk_checklist_example.yaml")
    assert example.is_checklist and example.scoring.next_steps["high"].destination == "marac"
