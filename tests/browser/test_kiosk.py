"""A reporting-centre kiosk in a real browser: reports in English and Urdu, and the inactivity reset."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.models import SurveySession
from survey_app.reports.models import Report
from tests.browser.conftest import assert_accessible
from tests.browser.journey import question_id

KIOSK = "/kiosk/partington"
SECRET = "Quillfeather kiosk test description"


def submit(page: Page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def answer_hate_crime(page: Page) -> None:
    """Answer the hate crime form by answer codes, so it works in any language."""
    plan = {
        "reporter_role": ("radio", "witness"),
        "incident_types": ("checkbox", "harassment"),
        "description": ("text", SECRET),
        "incident_date": ("date", "2025"),
        "ongoing": ("radio", "no"),
        "location": ("text", "Partington shopping centre"),
        "location_postcode": ("text", ""),
        "ward": ("radio", "dont_know"),
        "motivation": ("checkbox", "disability"),
        "offender": ("text", ""),
        "injured": ("radio", "no"),
        "police_aware": ("radio", "no"),
        "contact": ("radio", "anonymous"),
        "share_account": ("checkbox", "none"),
        "age_band": ("radio", "prefer_not_to_say"),
        "ethnic_group": ("radio", "prefer_not_to_say"),
    }
    for _ in range(30):
        if "/questions/" not in page.url:
            return
        qid = question_id(page)
        kind, value = plan[qid]
        # Checked as the page first appears: once scrolled, the sticky "Exit this page"
        # button covers the back link, which axe counts as too small a target.
        assert_accessible(page)
        if kind in ("radio", "checkbox"):
            page.locator(f'input[name="{qid}"][value="{value}"]').check()
        elif kind == "date":
            page.locator(f'input[name="{qid}-year"]').fill(value)
        else:
            page.locator(f'[name="{qid}"]').fill(value)
        submit(page)


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_report_on_a_kiosk_reaches_the_queue_with_its_centre(phone: Page, live_server, lang):
    phone.goto(f"{live_server.url}{KIOSK}?lang={lang}")
    assert_accessible(phone)
    phone.locator('.app-kiosk-choice[href="/forms/incident"]').click()
    assert_accessible(phone)
    submit(phone)  # the start page's button
    answer_hate_crime(phone)
    assert phone.url.endswith("/check-answers")
    assert_accessible(phone)
    submit(phone)
    reference = phone.locator("#reference").inner_text().strip()
    assert_accessible(phone)
    with live_server.app.app_context():
        report = db.session.scalars(sa.select(Report).filter_by(reference=reference)).one()
    assert report.centre == "partington"
    assert report.language == lang
    assert report.answers["description"] == SECRET

    phone.locator("#kiosk-reset button").last.click()  # "Finish"
    phone.wait_for_load_state()
    assert phone.url.endswith(KIOSK)
    expect(phone.locator("main")).not_to_contain_text(reference)


def test_inactivity_warns_then_resets_to_the_start_screen(phone: Page, live_server):
    config = live_server.app.config
    saved = config["KIOSK_WARNING_SECONDS"], config["KIOSK_COUNTDOWN_SECONDS"]
    config["KIOSK_WARNING_SECONDS"], config["KIOSK_COUNTDOWN_SECONDS"] = 1, 5
    try:
        phone.goto(f"{live_server.url}{KIOSK}")
        phone.locator('.app-kiosk-choice[href="/forms/incident"]').click()
        submit(phone)
        phone.locator('input[name="reporter_role"][value="victim"]').check()
        submit(phone)
        phone.locator('input[name="incident_types"][value="threats"]').check()
        question_url = phone.url

        dialog = phone.locator("#kiosk-warning")
        expect(dialog).to_be_visible(timeout=5000)
        phone.locator("[data-kiosk-continue]").click()
        expect(dialog).to_be_hidden()
        assert phone.url == question_url  # "Continue" keeps the person where they were

        # Left alone again: the warning comes back (checked while its countdown runs), then the reset.
        expect(dialog).to_be_visible(timeout=5000)
        assert_accessible(phone)
        phone.wait_for_url(f"{live_server.url}{KIOSK}", timeout=15000)
        with live_server.app.app_context():
            rows = db.session.scalars(sa.select(SurveySession).filter_by(centre="partington")).all()
            assert all(row.submission is not None for row in rows), "answers in progress were left"

        # The back button shows nothing of what was chosen before the reset.
        phone.go_back()
        phone.wait_for_load_state()
        expect(phone.locator("input:checked")).to_have_count(0)
    finally:
        config["KIOSK_WARNING_SECONDS"], config["KIOSK_COUNTDOWN_SECONDS"] = saved
