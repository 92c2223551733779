"""What reporting forms add to the model: kinds, neutral titles, notices and reportable answers."""

from __future__ import annotations

import pytest

from survey_app.questionnaire import QuestionnaireError, load_questionnaire, parse_answer, path
from survey_app.questionnaire.model import SEEN

YES_NO = {
    "id": "safe",
    "type": "yes_no",
    "title": "Safe?",
    "routes": [{"when": {"answer": "safe", "equals": "no"}, "goto": "leave"}],
}
LEAVE = {"id": "leave", "type": "notice", "title": "Leave now", "final": True, "paragraphs": ["Call 999."]}
STORY = {"id": "story", "type": "free_text", "title": "What happened?", "max_length": 100}


def write(tmp_path, questions, **top):
    import yaml

    data = {"id": "form", "version": 1, "title": "A form", "questions": questions, **top}
    path_ = tmp_path / "form.yaml"
    path_.write_text(yaml.safe_dump(data, sort_keys=False))
    return path_


def test_kind_slug_and_neutral_title(tmp_path):
    form = load_questionnaire(
        write(tmp_path, [STORY], kind="report", slug="support", neutral_title="Contact form")
    )
    assert form.is_report and form.slug == "support" and form.neutral_title == "Contact form"
    survey = load_questionnaire(write(tmp_path, [STORY]))
    assert not survey.is_report and survey.slug == "form"


def test_final_notice_is_reached_only_by_its_route_and_ends_the_path(tmp_path):
    form = load_questionnaire(write(tmp_path, [YES_NO, STORY, LEAVE]))
    assert [q.id for q in path(form, {"safe": "no"})] == ["safe", "leave"]
    assert [q.id for q in path(form, {"safe": "yes", "story": "x"})] == ["safe", "story"]


def test_notice_answer_is_seen(tmp_path):
    form = load_questionnaire(write(tmp_path, [YES_NO, STORY, LEAVE]))
    assert parse_answer(form.question("leave"), {}).value == SEEN


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([STORY, {**LEAVE}], "a final notice is shown only when a route leads to it"),
        ([{**STORY, "final": True}], "only a notice can be final"),
        ([{**STORY, "reportable": True}], "only a question with choices can be reportable"),
    ],
)
def test_report_faults_are_named(tmp_path, questions, message):
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(write(tmp_path, questions))
    assert message in str(caught.value)
    assert "form.yaml: question '" in str(caught.value)


def test_shipped_report_forms_load():
    from tests.conftest import PROJECT_ROOT

    for name in ("hate_crime_report.yaml", "domestic_abuse_report.yaml"):
        form = load_questionnaire(PROJECT_ROOT / "questionnaires" / name)
        assert form.is_report and form.neutral_title
        assert "abuse" not in form.slug and "hate" not in form.slug
