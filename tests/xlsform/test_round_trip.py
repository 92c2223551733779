"""Every built-in questionnaire written out as an XLSForm and read back is the same questionnaire,
with the same words in every language."""

from __future__ import annotations

import dataclasses

import pytest

from survey_app.library.catalogs import translator
from survey_app.questionnaire import load_questionnaire
from survey_app.questionnaire.extract import text_entries
from survey_app.questionnaire.xlsform.reader import LANGUAGES, read_xlsform
from survey_app.questionnaire.xlsform.writer import write_xlsform
from tests.conftest import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"


@pytest.mark.parametrize(
    "name", ["community_confidence", "hate_crime_report", "domestic_abuse_report", "risk_checklist_example"]
)
def test_built_in_questionnaire_round_trips_unchanged(name):
    original = load_questionnaire(PROJECT_ROOT / "questionnaires" / f"{name}.yaml")
    translate = translator(original, TRANSLATIONS)
    imported = read_xlsform(write_xlsform(original, translate))
    again = dataclasses.replace(imported.questionnaire, source_file=original.source_file)
    assert again == original
    for question, before in zip(again.questions, original.questions, strict=True):
        assert question == before
    assert imported.missing == []
    assert again.languages == LANGUAGES
    for language in LANGUAGES[1:]:
        for key, english, _note in text_entries(original):
            assert imported.translations[language].get(key) == translate(language, key, english), (
                language,
                key,
            )


def test_an_imported_questionnaire_round_trips_with_its_own_translations():
    from .helpers import fixture

    first = read_xlsform(fixture("sale_pulse.xlsx"))
    form = first.questionnaire
    second = read_xlsform(write_xlsform(form, translator(form, TRANSLATIONS)))
    assert second.questionnaire == form
    assert second.translations == first.translations
    assert second.questionnaire.languages == ("en", "ur", "pl")
