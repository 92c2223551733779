"""The hate crime and domestic abuse reports: routing, safety, and encryption at rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import SurveySession
from survey_app.registry import get_published
from survey_app.reports.models import Report
from tests.pages import Page, Visitor
from tests.web.test_journey import question_id

HATE = "/forms/incident"
ABUSE = "/forms/support"
# Unusual words, so that finding them anywhere in the database file means they leaked.
SECRET_STORY = "Zebedee-marmalade shouted at me outside the Quillfeather bakery"
SECRET_PHONE = "07700 900 461"

HATE_ANSWERS = {
    "reporter_role": "victim",
    "incident_types": ["verbal_abuse", "threats"],
    "description": SECRET_STORY,
    "incident_date": {"incident_date-month": "3", "incident_date-year": "2025"},
    "ongoing": "no",
    "location": "Stamford New Road, Altrincham",
    "location_postcode": "wa14 1ew",
    "ward": "altrincham",
    "motivation": ["religion_or_belief"],
    "offender": "",
    "injured": "no",
    "police_aware": "yes",
    "crime_reference": "",
    "contact": "support",
    "contact_name": "Anna Example",
    "contact_phone": SECRET_PHONE,
    "contact_email": "",
    "contact_safety": "",
    "share_contact": ["police"],
    "share_account": ["police", "victim_support"],
    "age_band": "age_25_34",
    "ethnic_group": "prefer_not_to_say",
}


def fill(visitor: Visitor, page: Page, answers: dict) -> Page:
    """Answer whatever each page asks, from `answers`, until the journey stops asking."""
    for _ in range(40):
        if "/questions/" not in page.url:
            return page
        qid = question_id(page)
        value = answers[qid]
        sent = value if isinstance(value, dict) else {qid: value}
        next_page = visitor.submit(page, sent)
        assert not next_page.error_summary, (qid, next_page.error_summary)
        page = next_page
    raise AssertionError("the journey did not end")


def begin(visitor: Visitor, start: str) -> Page:
    return visitor.submit(visitor.get(start))


def reports(app) -> list[Report]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Report)))


def test_hate_crime_report_is_stored_once_with_only_counts_readable(app, client):
    visitor = Visitor(client)
    check = fill(visitor, begin(visitor, HATE), HATE_ANSWERS)
    assert check.url.endswith("/check-answers")
    assert SECRET_STORY in check.text() and "WA14 1EW" in check.text()
    confirmation = visitor.submit(check)
    assert confirmation.heading == "Report sent"
    reference = confirmation.soup.find(id="reference").get_text(strip=True)
    assert re.fullmatch(r"R-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", reference)

    [report] = reports(app)
    assert report.reference == reference
    assert report.status == "new"
    assert report.answers["description"] == SECRET_STORY
    assert report.answers["incident_date"] == {"year": 2025, "month": 3, "day": None, "approximate": False}
    assert report.facts == {
        "reporter_role": "victim",
        "incident_types": ["verbal_abuse", "threats"],
        "ongoing": "no",
        "ward": "altrincham",
        "motivation": ["religion_or_belief"],
        "injured": "no",
        "police_aware": "yes",
        "contact": "support",
    }


def test_nothing_a_reporter_writes_is_readable_in_the_database(app, client, database_url):
    visitor = Visitor(client)
    check = fill(visitor, begin(visitor, HATE), HATE_ANSWERS)
    visitor.submit(check)
    # A second report left half-way: answers in progress are encrypted too.
    second = Visitor(app.test_client())
    page = begin(second, HATE)
    page = second.submit(page, {"reporter_role": "witness"})
    second.submit(page, {"incident_types": "harassment"})

    with app.app_context(), db.engine.connect() as connection:
        raw_reports = connection.execute(sa.text("SELECT answers FROM report")).scalars().all()
        raw_sessions = connection.execute(sa.text("SELECT answers FROM survey_session")).scalars().all()
    for raw in [*raw_reports, *raw_sessions]:
        assert SECRET_STORY not in raw and "Zebedee" not in raw and "harassment" not in raw
        assert raw.startswith("gAAAA")  # a Fernet token
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        with app.app_context(), db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        for file in path.parent.glob(path.name + "*"):
            data = file.read_bytes()
            for secret in (SECRET_STORY, "Zebedee", "Quillfeather", SECRET_PHONE, "Anna Example"):
                assert secret.encode() not in data, f"{secret!r} found in {file.name}"


def test_reports_decrypt_after_a_key_rotation(app, client, database_url):
    from cryptography.fernet import Fernet

    from tests.conftest import make_app

    visitor = Visitor(client)
    visitor.submit(fill(visitor, begin(visitor, HATE), HATE_ANSWERS))
    old_keys = app.config["REPORT_ENCRYPTION_KEYS"]
    rotated = make_app(database_url, REPORT_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},{old_keys}")
    with rotated.app_context():
        [report] = db.session.scalars(sa.select(Report)).all()
        assert report.answers["description"] == SECRET_STORY
    without_old_key = make_app(database_url, REPORT_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    with without_old_key.app_context():
        from survey_app.encryption import EncryptionError

        with pytest.raises(EncryptionError):
            db.session.scalars(sa.select(Report)).all()


def test_anonymous_report_asks_for_no_contact_details(app, client):
    visitor = Visitor(client)
    answers = {**HATE_ANSWERS, "contact": "anonymous"}
    check = fill(visitor, begin(visitor, HATE), answers)
    assert "Anna Example" not in check.text()
    visitor.submit(check)
    [report] = reports(app)
    assert "contact_name" not in report.answers and "contact_phone" not in report.answers


@pytest.mark.parametrize(
    ("answers", "ending"),
    [
        ({"safe_now": "no"}, "Leave this page now"),
        ({"safe_now": "yes", "in_danger": "yes"}, "Call 999 now"),
        ({"safe_now": "yes", "in_danger": "no", "what_to_do": "information_only"}, "Where to get help"),
    ],
)
def test_domestic_abuse_safety_routes_end_with_help_and_store_nothing(app, client, answers, ending):
    visitor = Visitor(client)
    start = visitor.get(ABUSE)
    assert "press 55" in start.text() and "Exit this page" in start.text()
    page = visitor.submit(start)
    for qid, value in answers.items():
        assert question_id(page) == qid
        page = visitor.submit(page, {qid: value})
    assert ending in page.heading
    assert "999" in page.text()
    assert page.soup.select_one("main form") is None, "a final page accepts no answer"
    # Reaching it deleted whatever this visit had entered, on the server and in the browser.
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []
    assert client.get_cookie("sts_form") is None
    assert visitor.get(f"{ABUSE}/check-answers").url == ABUSE

    # Nothing sent to it is kept, and nothing leads from it to a report.
    csrf = visitor.get(ABUSE).form_fields()["csrf_token"]
    forged = client.post(page.url, data={"csrf_token": csrf, "safe_now": "yes", "anything": "x"})
    assert forged.status_code == 200 and ending in Page(page.url, forged).heading
    assert client.post(f"{ABUSE}/check-answers", data={"csrf_token": csrf}).location == ABUSE
    assert reports(app) == []
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []


def test_a_final_page_can_be_read_again_without_anything_in_progress(client):
    visitor = Visitor(client)
    page = visitor.submit(visitor.get(ABUSE))
    page = visitor.submit(page, {"safe_now": "yes"})
    page = visitor.submit(page, {"in_danger": "yes"})
    fresh = Visitor(client.application.test_client()).get(page.url)
    assert fresh.status == 200 and fresh.heading == "Call 999 now"
    assert fresh.soup.select_one("a[href='tel:999']") is not None


def test_domestic_abuse_report_with_safe_contact(app, client):
    visitor = Visitor(client)
    answers = {
        "safe_now": "yes",
        "in_danger": "no",
        "what_to_do": "report",
        "reporter_role": "victim",
        "abuse_kinds": ["coercive_control", "economic"],
        "description": SECRET_STORY,
        "children": "yes",
        "contact": "contact",
        "safe_phone": SECRET_PHONE,
        "safe_times": "weekday mornings",
        "voicemail_safe": "no",
        "text_safe": "yes",
        "interpreter": "yes",
        "interpreter_language": "Urdu",
        "share_contact": ["domestic_abuse_service"],
        "share_account": ["domestic_abuse_service"],
    }
    check = fill(visitor, begin(visitor, ABUSE), answers)
    assert check.url.endswith("/check-answers")
    visitor.submit(check)
    [report] = reports(app)
    assert report.answers["safe_phone"] == SECRET_PHONE
    assert report.facts["abuse_kinds"] == ["coercive_control", "economic"]
    assert "safe_phone" not in report.facts and "interpreter_language" not in report.facts


def test_report_pages_have_neutral_titles_and_addresses(app, client):
    visitor = Visitor(client)
    pages = [visitor.get(ABUSE), visitor.get(HATE)]
    page = begin(visitor, ABUSE)
    for qid, value in {"safe_now": "yes", "in_danger": "no", "what_to_do": "report"}.items():
        pages.append(page)
        page = visitor.submit(page, {qid: value})
    pages.append(page)
    for shown in pages:
        assert not re.search(r"abuse|hate|crime|violence", shown.title, re.IGNORECASE), shown.title
        assert not re.search(r"abuse|hate|crime", shown.url, re.IGNORECASE), shown.url
        assert shown.response.headers["Cache-Control"] == "no-store"
        caption = shown.soup.select_one("h1 .govuk-caption-l")
        if caption:
            assert caption.get_text(strip=True) == "Contact form"


def test_every_report_page_offers_exit_this_page(app, client):
    visitor = Visitor(client)
    page = begin(visitor, HATE)
    exit_button = page.soup.select_one(".govuk-exit-this-page a")
    assert exit_button is not None and exit_button["href"] == "/exit"
    assert "Exit this page" in exit_button.get_text(" ", strip=True)
    survey_page = visitor.get("/surveys/community_confidence")
    assert survey_page.soup.select_one(".govuk-exit-this-page") is None


def test_exit_deletes_the_answers_and_leaves_for_the_neutral_page(app, client):
    visitor = Visitor(client)
    page = begin(visitor, HATE)
    page = visitor.submit(page, {"reporter_role": "witness"})
    with app.app_context():
        assert len(db.session.scalars(sa.select(SurveySession)).all()) == 1
    response = client.get("/exit")
    assert response.status_code == 302
    assert response.location == app.config["EXIT_URL"] == "https://www.bbc.co.uk/weather"
    assert "cookies" in response.headers["Clear-Site-Data"]
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []
    again = visitor.get(page.url)
    assert again.url.endswith(HATE)
    restarted = visitor.submit(again)
    assert restarted.form_fields().get("reporter_role") is None


def test_exit_cannot_be_sent_elsewhere(client):
    response = client.get("/exit?next=https://evil.example/")
    assert response.location == "https://www.bbc.co.uk/weather"


def test_home_page_lists_the_ways_to_report(client):
    page = Visitor(client).get("/")
    assert page.link_href("Report a hate crime") == HATE
    assert page.link_href("Get help with domestic abuse") == ABUSE


@pytest.mark.parametrize(
    ("start", "before", "question", "sent", "message"),
    [
        (HATE, {}, "reporter_role", {}, "Select who you are reporting for"),
        (
            HATE,
            {"reporter_role": "witness", "incident_types": "threats"},
            "description",
            {"description": ""},
            "Tell us what happened",
        ),
        (
            HATE,
            {"reporter_role": "witness", "incident_types": "threats"},
            "description",
            {"description": "x" * 5001},
            "Your answer must be 5,000 characters or fewer",
        ),
        (
            HATE,
            {"reporter_role": "witness", "incident_types": "threats", "description": "It happened"},
            "incident_date",
            {"incident_date-year": "3000"},
            "The date must be today or in the past",
        ),
        (ABUSE, {}, "safe_now", {}, "Select if it is safe for you to answer now"),
        (
            ABUSE,
            {"safe_now": "yes", "in_danger": "no", "what_to_do": "report", "reporter_role": "victim"},
            "abuse_kinds",
            {"abuse_kinds": ["physical", "dont_know"]},
            "Select “Don't know” on its own, or choose from the other answers",
        ),
    ],
)
def test_report_forms_refuse_bad_answers_clearly_and_keep_them(
    app, client, start, before, question, sent, message
):
    visitor = Visitor(client)
    page = begin(visitor, start)
    for qid, value in before.items():
        page = visitor.submit(page, {qid: value})
    assert question_id(page) == question
    refused = visitor.submit(page, sent)
    assert question_id(refused) == question
    assert refused.error_summary == [message]
    assert refused.title.startswith("Error: ") and "Contact form" in refused.title
    if sent.get("description"):
        assert refused.form_fields()["description"] == [sent["description"]]
    assert reports(app) == []


PHONE_NUMBER = re.compile(r"(?<!\d)(?:999|101|111|0\d{2,4} ?\d{3,4} ?\d{3,4})(?!\d)")


def phone_numbers_not_linked(page: Page) -> list[str]:
    soup = page.soup
    for link in soup.select("a[href^='tel:']"):
        digits = link["href"].removeprefix("tel:")
        assert digits == link.get_text().replace(" ", ""), link
        link.decompose()
    return PHONE_NUMBER.findall(soup.body.get_text(" "))


@pytest.mark.parametrize("language", ["en", "ur"])
def test_every_phone_number_a_person_may_need_is_a_tap_to_call_link(app, client, language):
    visitor = Visitor(client)
    visitor.get(f"/?lang={language}")
    pages = [visitor.get("/"), visitor.get("/kiosk/partington"), visitor.get(HATE), visitor.get(ABUSE)]
    for answers in (
        {"safe_now": "no"},
        {"safe_now": "yes", "in_danger": "yes"},
        {"safe_now": "yes", "in_danger": "no", "what_to_do": "information_only"},
    ):
        page = begin(visitor, ABUSE)
        for qid, value in answers.items():
            page = visitor.submit(page, {qid: value})
        pages.append(page)
    pages.append(visitor.submit(fill(visitor, begin(visitor, HATE), HATE_ANSWERS)))
    assert "/confirmation" in pages[-1].url
    for page in pages:
        assert page.soup.select("a[href='tel:999']"), page.url
        assert phone_numbers_not_linked(page) == [], page.url
    helplines = {link["href"] for link in pages[6].soup.select("main a[href^='tel:']")}
    wanted = {"tel:08082000247", "tel:08088010327", "tel:08009995428", "tel:08005999247", "tel:101"}
    assert wanted <= helplines


def test_the_shift_key_is_offered_only_where_a_keyboard_is_likely(app, client):
    visitor = Visitor(client)
    start = visitor.get(ABUSE)
    soup = start.soup
    hint = soup.select_one(".app-keyboard-only")
    assert hint is not None and "Shift" in hint.get_text()
    # Everywhere else the form speaks of "Exit this page" alone: phones and kiosks have no Shift key.
    hint.decompose()
    assert "Shift" not in soup.find("main").get_text()
    page = visitor.submit(visitor.submit(start), {"safe_now": "no"})
    assert page.heading == "Leave this page now" and "Shift" not in page.text()
    css = (Path(app.static_folder) / "dist" / "app.css").read_text(encoding="utf-8")
    assert re.search(r"\.app-keyboard-only\s*\{\s*display:\s*none", css)
    mouse_only = r"@media\s*\(hover:\s*hover\)\s*and\s*\(pointer:\s*fine\)\s*\{\s*\.app-keyboard-only"
    assert re.search(mouse_only, css)
    assert re.search(r"\.app-kiosk \.app-keyboard-only\s*\{\s*display:\s*none", css)


def test_a_report_confirmation_is_shown_once(app, client):
    visitor = Visitor(client)
    confirmation = visitor.submit(
        fill(visitor, begin(visitor, HATE), {**HATE_ANSWERS, "contact": "anonymous"})
    )
    assert confirmation.heading == "Report sent"
    # Later, someone going through the device's history finds only the form's start.
    again = visitor.get(confirmation.url)
    assert again.url == HATE and "R-" not in again.text()
    assert client.get_cookie("sts_form") is None
    assert len(reports(app)) == 1


def test_opening_a_final_page_by_its_address_deletes_nothing(app, client):
    visitor = Visitor(client)
    page = visitor.submit(visitor.submit(visitor.get(ABUSE)), {"safe_now": "yes"})
    # A browser may open an address from its history in the background (prerendering).
    with app.app_context():
        form = get_published("domestic_abuse_report").questionnaire
    finals = [form.address_of(q) for q in form.questions if q.final]
    assert len(finals) == 3
    for address in finals:
        assert client.get(f"{ABUSE}/questions/{address}").status_code == 200
    with app.app_context():
        assert len(db.session.scalars(sa.select(SurveySession)).all()) == 1
    assert visitor.get(page.url).status == 200 and question_id(visitor.get(page.url)) == "in_danger"
