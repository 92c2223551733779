"""Kiosk mode at a reporting centre: nothing of one person is left for the next."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import SurveySession
from survey_app.reports.models import Report
from tests.pages import Visitor
from tests.web.test_journey import question_id
from tests.web.test_reports import HATE, HATE_ANSWERS, SECRET_STORY, fill

KIOSK = "/kiosk/partington"


def start_report_at_kiosk(visitor: Visitor):
    kiosk = visitor.get(KIOSK)
    assert kiosk.status == 200
    start = visitor.get(kiosk.link_href("Report a hate crime"))
    return visitor.submit(start)


def test_kiosk_list_and_unknown_centre(client):
    listing = Visitor(client).get("/kiosk")
    assert "Partington Library and Wellbeing Centre" in listing.text()
    assert listing.link_href("Sale Point") == "/kiosk/sale-point"
    assert client.get("/kiosk/nowhere").status_code == 404


def test_kiosk_start_screen_offers_forms_languages_and_exit(client):
    page = Visitor(client).get(KIOSK)
    assert page.heading == "How can we help?"
    assert page.link_href("Get help with domestic abuse") == "/forms/support"
    languages = page.soup.select(".app-kiosk-languages [lang]")
    assert {element["lang"] for element in languages} >= {"en", "ur", "pl", "ar", "zh-Hant"}
    assert page.soup.select_one(".govuk-exit-this-page") is not None
    assert page.soup.find("body").has_attr("data-kiosk-warning")


def test_report_made_at_a_kiosk_records_the_centre(app, client):
    visitor = Visitor(client)
    page = start_report_at_kiosk(visitor)
    assert page.soup.select_one("#kiosk-reset") is not None
    visitor.submit(fill(visitor, page, HATE_ANSWERS))
    with app.app_context():
        report = db.session.scalars(sa.select(Report)).one()
    assert report.centre == "partington"


def test_start_again_leaves_nothing_for_the_next_person(app, client):
    first = Visitor(client)
    page = start_report_at_kiosk(first)
    page = first.submit(page, {"reporter_role": "victim"})
    page = first.submit(page, {"incident_types": "threats"})
    description_page = page
    first.submit(page, {"description": SECRET_STORY})

    reset_form = description_page.soup.select_one("#kiosk-reset")
    response = client.post(reset_form["action"], data={"csrf_token": reset_form.find("input")["value"]})
    assert response.status_code == 302 and response.location == KIOSK
    assert "cookies" in response.headers["Clear-Site-Data"]
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []

    # The next person, on the same browser, going back through the history.
    following = Visitor(client)
    for url in (description_page.url, f"{HATE}/questions/1", f"{HATE}/check-answers"):
        page = following.get(url)
        assert question_id(page) != "description"
        assert SECRET_STORY not in page.response.get_data(as_text=True)
        assert "victim" not in str(page.form_fields()) if "/questions/" in page.url else True
    started = following.submit(following.get(HATE))
    assert started.form_fields().get("reporter_role") is None


def test_exit_on_a_kiosk_returns_to_its_start_screen(app, client):
    visitor = Visitor(client)
    page = start_report_at_kiosk(visitor)
    visitor.submit(page, {"reporter_role": "witness"})
    response = client.get("/exit")
    assert response.location == KIOSK
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []


def test_answers_left_on_a_kiosk_expire_sooner(app, client):
    visitor = Visitor(client)
    page = start_report_at_kiosk(visitor)
    visitor.submit(page, {"reporter_role": "witness"})
    with app.app_context():
        row = db.session.scalars(sa.select(SurveySession)).one()
        assert row.centre == "partington"
        row.updated_at -= dt.timedelta(minutes=app.config["KIOSK_IDLE_MINUTES"] + 1)
        db.session.commit()
    page = visitor.get(f"{HATE}/questions/2")
    assert page.heading == "Your answers have been deleted"


def test_a_kiosk_confirmation_leads_back_to_the_kiosk_start_clearing_everything(app, client):
    visitor = Visitor(client)
    confirmation = visitor.submit(fill(visitor, start_report_at_kiosk(visitor), HATE_ANSWERS))
    assert confirmation.heading == "Report sent"
    assert "Back to Safer Trafford Surveys" not in confirmation.text()
    finish = confirmation.soup.select("main form")[-1]
    assert finish.get_text(strip=True) == "Finish"
    after = visitor.submit(confirmation)
    assert after.url == KIOSK and after.heading == "How can we help?"
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []


def test_the_kiosk_bar_has_one_clearly_labelled_reset(client):
    page = start_report_at_kiosk(Visitor(client))
    buttons = [b.get_text(strip=True) for b in page.soup.select("#kiosk-reset button")]
    assert buttons == ["Start again"]
