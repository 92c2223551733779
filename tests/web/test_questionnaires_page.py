"""The administrators' questionnaires page: upload a spreadsheet, see its faults, preview the
draft as residents will, publish it, and download questionnaires again."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from survey_app.audit import AuditEvent
from survey_app.extensions import db
from survey_app.library.models import ImportedQuestionnaire
from survey_app.models import Response, SurveySession
from tests.pages import Page, Visitor
from tests.web.test_imported_questionnaires import ANSWERS, address
from tests.web.test_triage import staff_client
from tests.xlsform.helpers import edited, fixture, workbook

PAGE = "/staff/questionnaires"


@pytest.fixture
def admin(app):
    return staff_client(app, "admin@trafford.example", "admin")


def upload(client, data: bytes, name: str = "sale_pulse.xlsx") -> Page:
    page = Visitor(client).get(PAGE)
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        PAGE,
        data={"csrf_token": token, "spreadsheet": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    if response.status_code == 302:
        return Visitor(client).get(response.location)
    return Page(PAGE, response)


def press(client, page: Page, button: str) -> Page:
    """Send the form whose button starts with `button`."""
    for form in page.soup.find("main").find_all("form"):
        found = form.find("button")
        if found and found.get_text(" ", strip=True).startswith(button):
            token = form.find("input", attrs={"name": "csrf_token"})["value"]
            response = client.post(form["action"], data={"csrf_token": token})
            return (
                Visitor(client).get(response.location) if response.status_code == 302 else Page("", response)
            )
    raise AssertionError(f"no button {button!r}")


def rows(app) -> list[ImportedQuestionnaire]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ImportedQuestionnaire)))


def count(app, table) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(table))


def test_faults_are_listed_one_a_line_and_nothing_is_stored(app, admin):
    page = upload(admin, fixture("sale_pulse_faulty.xlsx"), "sale_pulse_faulty.xlsx")
    assert page.status == 400
    assert page.title.startswith("Error: ")
    assert page.error_summary == [
        "survey sheet, row 5, column relevant: ${seen_patroll} is not the name of any question: correct the "
        "name",
        "survey sheet, row 8, column type: the choice list “ages” is not on the choices sheet: add it "
        "there, or "
        "correct the name",
        "survey sheet, row 9, column name: “age_band” is also the name of the question on row 8: give each "
        "question its own name",
    ]
    assert "sale_pulse_faulty.xlsx cannot be imported" in page.text()
    assert rows(app) == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"not a spreadsheet", "this is not an Excel workbook (.xlsx) that can be read"),
        (
            workbook([("type", "name", "label"), ("integer", "a", "=1+1")]),
            "survey sheet, row 2, column label: a formula: type the text or number itself",
        ),
        (b"PK" + b"0" * (2 * 1024 * 1024 + 10), "The file must be smaller than 2 MB"),
        (b"", "Choose an Excel spreadsheet (.xlsx)"),
    ],
)
def test_hostile_files_get_a_clear_message_and_nothing_is_stored(app, admin, data, words):
    page = upload(admin, data)
    assert page.status == 400
    assert any(words in line for line in page.error_summary), page.error_summary
    assert rows(app) == []


def test_markup_in_a_label_is_shown_as_text_in_the_preview(app, admin):
    data = workbook(
        [
            ("type", "name", "label", "required"),
            ("integer", "visits", "<b>Visits</b><script>x()</script>", "yes"),
        ],
        settings=[("form_id", "form_title", "version"), ("markup", "<i>Markup</i>", "1")],
    )
    assert upload(admin, data).status == 200
    visitor = Visitor(admin)
    question = visitor.submit(visitor.get(f"{PAGE}/preview/markup"))
    assert "<script>x()</script>" not in question.response.get_data(as_text=True)
    assert "<b>Visits</b><script>x()</script>" in question.heading


def test_upload_preview_publish_and_answer(app, admin):
    page = upload(admin, fixture("sale_pulse.xlsx"))
    assert page.status == 200
    assert "sale_pulse is saved as a draft" in page.text()
    draft = page.soup.find(id="drafts").find_next("section")
    assert "draft of version 1" in draft.get_text(" ", strip=True)
    assert "English, Urdu (اردو), Polish (Polski)" in draft.get_text(" ", strip=True)
    assert Visitor(app.test_client()).get("/surveys/sale_pulse").status == 404

    # The preview is the residents' journey, routing and checks included, and stores no response.
    visitor = Visitor(admin)
    start = visitor.get(f"{PAGE}/preview/sale_pulse?lang=ur")
    assert start.soup.find("html")["dir"] == "rtl"
    bar = start.soup.find(class_="app-preview-bar")
    assert bar is not None and bar.find("a")["href"] == f"{PAGE}#drafts"
    page = visitor.submit(start)
    seen = []
    answers = {**ANSWERS, "seen_patrol": "no", "visits": "32"}
    while "/questions/" in page.url:
        question = address(page)
        seen.append(question)
        page = visitor.submit(page, {question: answers[question]} if question in answers else {})
        if question == "visits":
            assert page.error_summary == ["0 سے 31 تک شاموں کی تعداد درج کریں"]
            page = visitor.submit(page, {"visits": "3"})
    assert "patrol_where" not in seen and seen[0] == "welcome"
    finished = visitor.submit(page)
    assert finished.status == 200 and finished.soup.find("h1")
    assert count(app, Response) == 0 and count(app, SurveySession) == 0

    # The preview in Urdu left the language cookie at Urdu: staff pages follow it too.
    page = press(admin, Visitor(admin).get(f"{PAGE}?lang=en"), "Publish")
    assert "sale_pulse is published" in page.text()
    assert [(row.status, row.version) for row in rows(app)] == [("published", 1)]
    assert Visitor(app.test_client()).get("/surveys/sale_pulse").status == 200
    with app.app_context():
        actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["import_questionnaire", "publish_questionnaire"]


def test_missing_translations_are_listed_under_the_draft(app, admin):
    data = edited(fixture("sale_pulse.xlsx"), "choices", "E4", None)  # a Polish label
    page = upload(admin, data)
    draft = page.soup.find(id="drafts").find_next("section").get_text(" ", strip=True)
    assert "1 translation is missing" in draft
    assert "choices sheet, row 4, column label::Polish (pl): empty" in draft
    assert "Polish" not in draft.split("Offered in", 1)[1].split("translation", 1)[0]


def test_a_draft_can_be_discarded(app, admin):
    upload(admin, fixture("sale_pulse.xlsx"))
    page = press(admin, Visitor(admin).get(PAGE), "Discard")
    assert "The draft of sale_pulse is discarded." in page.text()
    assert rows(app) == []


def test_downloads_import_again_unchanged(app, admin):
    response = admin.get(f"{PAGE}/community_confidence.xlsx")
    assert response.status_code == 200
    assert "community_confidence-version-2.xlsx" in response.headers["Content-Disposition"]
    page = upload(admin, response.get_data(), "community_confidence-version-2.xlsx")
    assert "asks exactly what community_confidence asks now" in page.text()
    assert rows(app) == []

    upload(admin, fixture("sale_pulse.xlsx"))
    original = admin.get(f"{PAGE}/drafts/sale_pulse.xlsx")
    assert original.get_data() == fixture("sale_pulse.xlsx")
