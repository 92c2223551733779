"""A questionnaire designed in a spreadsheet, imported with the command line and answered by
residents at its own address, in English and in Urdu."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.library.models import ImportedQuestionnaire
from survey_app.models import Response
from tests.pages import Page, Visitor
from tests.xlsform.helpers import FIXTURES

START = "/surveys/sale_pulse"
ANSWERS = {
    "feel_safe": "agree",
    "seen_patrol": "yes",
    "patrol_where": ["market", "waterside"],
    "visits": "12",
    "comments": "More lighting by the tram stop, please.",
    "age_band": "age_25_34",
    "sex": "female",
}


def imported(app, *args: str):
    return app.test_cli_runner().invoke(args=["questionnaires", "import", *args])


def stored(app) -> list[ImportedQuestionnaire]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ImportedQuestionnaire)))


def responses(app) -> list[Response]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Response).filter_by(source="web")))


def address(page: Page) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


def answer(visitor: Visitor, answers: dict, start: str = START) -> tuple[Page, list[str]]:
    page = visitor.submit(visitor.get(start))
    seen = []
    while "/questions/" in page.url:
        question = address(page)
        seen.append(question)
        page = visitor.submit(page, {question: answers[question]} if question in answers else {})
        assert page.status == 200 and len(seen) < 20
    return page, seen


def test_the_faulty_spreadsheet_is_refused_with_a_line_per_fault_and_nothing_stored(app):
    result = imported(app, str(FIXTURES / "sale_pulse_faulty.xlsx"))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert [line.split(":")[2].strip() for line in errors] == [
        "survey sheet, row 5, column relevant",
        "survey sheet, row 8, column type",
        "survey sheet, row 9, column name",
    ]
    assert "nothing was stored" in result.output
    assert stored(app) == []
    assert app.test_client().get(START).status_code == 404


def test_a_draft_is_not_served_until_it_is_published(app):
    result = imported(app, str(FIXTURES / "sale_pulse.xlsx"))
    assert result.exit_code == 0, result.output
    assert "sale_pulse version 1" in result.output and "draft" in result.output
    assert app.test_client().get(START).status_code == 404
    [row] = stored(app)
    assert (row.status, row.version, row.languages) == ("draft", 1, ["en", "ur", "pl"])


def test_the_sale_pulse_is_answered_end_to_end_in_english(app, client):
    result = imported(app, str(FIXTURES / "sale_pulse.xlsx"), "--publish")
    assert result.exit_code == 0, result.output
    visitor = Visitor(client)
    check, seen = answer(visitor, ANSWERS)
    assert seen == [
        "welcome",
        "feel_safe",
        "seen_patrol",
        "patrol_where",
        "visits",
        "comments",
        "age_band",
        "sex",
    ]
    assert "Sale Market" in check.text() and "25 to 34" in check.text()
    confirmation = visitor.submit(check)
    assert confirmation.status == 200
    [response] = responses(app)
    assert (response.questionnaire_id, response.questionnaire_version, response.language) == (
        "sale_pulse",
        1,
        "en",
    )
    assert response.answers == {
        "welcome": "seen",
        **{k: v for k, v in ANSWERS.items() if k != "visits"},
        "visits": 12,
    }


def test_no_skips_the_follow_up_and_32_visits_is_refused_in_urdu(app, client):
    imported(app, str(FIXTURES / "sale_pulse.xlsx"), "--publish")
    visitor = Visitor(client)
    start = visitor.get(f"{START}?lang=ur")
    assert start.soup.find("html")["lang"] == "ur" and start.soup.find("html")["dir"] == "rtl"
    assert "سیل ٹاؤن سینٹر حفاظتی سروے" in start.text()
    page = visitor.submit(start)
    seen = []
    answers = {**ANSWERS, "seen_patrol": "no", "visits": "32"}
    while "/questions/" in page.url:
        question = address(page)
        seen.append(question)
        page = visitor.submit(page, {question: answers[question]} if question in answers else {})
        if question == "visits":
            assert page.error_summary == ["0 سے 31 تک شاموں کی تعداد درج کریں"]
            assert "پچھلے مہینے آپ کتنی شاموں کو سیل ٹاؤن سینٹر گئے؟" in page.heading
            page = visitor.submit(page, {"visits": "31"})
        assert len(seen) < 20
    assert "patrol_where" not in seen
    assert "ہاں" not in page.text() and "نہیں" in page.text()  # the Urdu "No" on the check page
    visitor.submit(page)
    [response] = responses(app)
    assert response.language == "ur" and "patrol_where" not in response.answers
    assert response.answers["visits"] == 31


def test_languages_the_spreadsheet_does_not_complete_are_not_offered(app, client):
    imported(app, str(FIXTURES / "sale_pulse.xlsx"), "--publish")
    page = Visitor(client).get(f"{START}?lang=gu")
    assert page.soup.find("html")["lang"] == "en"
    links = {link.get("lang") for link in page.soup.select("a[lang]")}
    assert {"ur", "pl"} <= links and "gu" not in links


def test_the_built_in_survey_exported_and_imported_again_is_unchanged(app, tmp_path):
    path = tmp_path / "community_confidence.xlsx"
    result = app.test_cli_runner().invoke(
        args=["questionnaires", "export", "community_confidence", "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    result = imported(app, str(path))
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output and stored(app) == []


def test_a_changed_spreadsheet_is_published_as_the_next_version(app, tmp_path):
    from tests.xlsform.helpers import edited, fixture

    imported(app, str(FIXTURES / "sale_pulse.xlsx"), "--publish")
    path = tmp_path / "sale_pulse_2.xlsx"
    path.write_bytes(
        edited(fixture("sale_pulse.xlsx"), "survey", "C3", "I feel safe in Sale in the evening.")
    )
    result = imported(app, str(path), "--publish")
    assert result.exit_code == 0, result.output
    assert "sale_pulse version 2" in result.output
    assert sorted((row.version, row.status) for row in stored(app)) == [(1, "published"), (2, "published")]
    visitor = Visitor(app.test_client())
    check, _seen = answer(visitor, ANSWERS)
    assert "I feel safe in Sale in the evening." in check.text()
    visitor.submit(check)
    [response] = responses(app)
    assert response.questionnaire_version == 2


def test_export_names_the_known_ids_when_one_is_unknown(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["questionnaires", "export", "nope", "--output", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code != 0
    assert "no questionnaire has the id 'nope'" in result.output and "community_confidence" in result.output


def test_someone_part_way_through_finishes_the_version_they_began(app, tmp_path):
    from tests.xlsform.helpers import edited, fixture

    imported(app, str(FIXTURES / "sale_pulse.xlsx"), "--publish")
    early = Visitor(app.test_client())
    page = early.submit(early.get(START))  # the welcome note
    page = early.submit(page)
    assert address(page) == "feel_safe"
    path = tmp_path / "sale_pulse_2.xlsx"
    changed = edited(fixture("sale_pulse.xlsx"), "survey", "C3", "I feel safe in Sale in the evening.")
    path.write_bytes(changed)
    assert imported(app, str(path), "--publish").exit_code == 0

    page = early.get(page.url)
    assert page.heading.endswith("I feel safe in Sale town centre in the evening.")
    while "/questions/" in page.url:
        question = address(page)
        page = early.submit(page, {question: ANSWERS[question]} if question in ANSWERS else {})
    assert "I feel safe in Sale town centre in the evening." in page.text()
    early.submit(page)

    late = Visitor(app.test_client())
    check, _seen = answer(late, ANSWERS)
    assert "I feel safe in Sale in the evening." in check.text()
    late.submit(check)
    assert sorted(r.questionnaire_version for r in responses(app)) == [1, 2]


def test_a_decimal_question_from_a_spreadsheet_is_answered_with_a_decimal_comma(app, tmp_path):
    from tests.xlsform.helpers import workbook

    path = tmp_path / "volunteering.xlsx"
    path.write_bytes(
        workbook(
            [
                ("type", "name", "label", "required", "constraint", "suffix"),
                (
                    "decimal",
                    "hours",
                    "How many hours a week do you volunteer?",
                    "yes",
                    ". >= 0 and . <= 37.5",
                    "hours",
                ),
            ],
            settings=[("form_id", "form_title", "version"), ("volunteering", "Volunteering", "1")],
        )
    )
    assert imported(app, str(path), "--publish").exit_code == 0
    visitor = Visitor(app.test_client())
    page = visitor.submit(visitor.get("/surveys/volunteering"))
    assert page.soup.find("input", attrs={"name": "hours"})["inputmode"] == "decimal"
    page = visitor.submit(page, {"hours": "40"})
    assert page.error_summary == ["Enter a number between 0 and 37.5"]
    page = visitor.submit(page, {"hours": "12,5"})
    assert "12.5 hours" in page.text()
    visitor.submit(page)
    [response] = responses(app)
    assert response.answers == {"hours": 12.5}


def test_the_imported_kpi_is_on_the_dashboard_with_its_breakdowns_weighted_by_age_and_sex(app):
    import datetime as dt

    from survey_app.demo import make_demo_responses
    from survey_app.registry import get_published
    from tests.web.test_triage import get, staff_client

    imported(app, str(FIXTURES / "sale_pulse.xlsx"), "--publish")
    with app.app_context():
        published = get_published("sale_pulse")
        db.session.add_all(make_demo_responses(published, 600, seed=5, today=dt.date(2026, 11, 24)))
        db.session.commit()
    analyst = staff_client(app, "analyst@trafford.example", "analyst")
    page = get(analyst, "/staff/insight/sale_pulse")
    assert page.status == 200
    text = page.text()
    assert "Feel safe in Sale town centre in the evening" in text
    captions = [c.get_text(" ", strip=True) for c in page.soup.select("caption")]
    assert "By “How old are you?”: All of Trafford, all quarters" in captions
    assert "By “What is your sex?”: All of Trafford, all quarters" in captions
    assert "Weighted to the population" in text and "not weighted" not in text
    quality = get(analyst, "/staff/insight/sale_pulse/quality")
    assert quality.status == 200 and quality.soup.find("h1")
