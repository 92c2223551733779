"""The check pages (/forms/check) in a real browser, on a phone and at a kiosk, in English and
Urdu: neutral title, the exit button and axe on every page of the journey."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from survey_app.checkin.words import hash_word
from survey_app.extensions import db
from survey_app.reports.followup import CASEWORKER, ReportAccess, ReportMessage
from tests.browser.conftest import assert_accessible
from tests.browser.test_kiosk import KIOSK, answer_hate_crime, submit
from tests.web.test_triage import add_report

WORD = "harbour lantern"
FOR_THEM = "We have read your report and will call you on Tuesday."


def report_with_word(live_server) -> str:
    reference = add_report(live_server.app, "hate_crime_report", answers={"description": "A private story"})
    with live_server.app.app_context():
        from survey_app.reports.models import Report

        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        db.session.add(ReportAccess(report_id=report.id, word_hash=hash_word(WORD)))
        db.session.add(ReportMessage(report_id=report.id, sender=CASEWORKER, body={"text": FOR_THEM}))
        db.session.commit()
    return reference


def neutral_title(page: Page, live_server, lang: str) -> str:
    """The reporting forms' own tab title in this language."""
    page.goto(f"{live_server.url}/forms/incident?lang={lang}")
    return page.title()


def assert_safe_page(page: Page, title: str) -> None:
    # An error page adds only "Error:" (translated) before it.
    assert page.title().endswith(title)
    expect(page.locator(".govuk-exit-this-page")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "ur"])
@pytest.mark.parametrize("kiosk", [False, True], ids=["phone", "kiosk"])
def test_every_check_page_is_neutral_has_the_exit_and_passes_axe(phone: Page, live_server, lang, kiosk):
    reference = report_with_word(live_server)
    title = neutral_title(phone, live_server, lang)
    if kiosk:
        phone.goto(f"{live_server.url}{KIOSK}?lang={lang}")
        phone.locator('.app-kiosk-choice[href="/forms/check"]').click()
        phone.wait_for_load_state()
    else:
        phone.goto(f"{live_server.url}/forms/check?lang={lang}")
    assert phone.title() == title
    assert_safe_page(phone, title)

    phone.fill("#reference", reference)
    phone.fill("#word", "not the word")
    submit(phone)
    expect(phone.locator(".govuk-error-summary")).to_be_visible()
    assert title in phone.title()
    assert_safe_page(phone, title)

    phone.fill("#reference", reference.lower())
    phone.fill("#word", WORD.upper())
    phone.locator("main form").first.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/forms/check/view")
    assert phone.title() == title
    expect(phone.locator("main")).to_contain_text(FOR_THEM)
    assert_safe_page(phone, title)

    phone.fill("#message", "The van was white")
    phone.locator("form[action$='/forms/check/send'] button").click()
    phone.wait_for_load_state()
    expect(phone.locator(".govuk-notification-banner")).to_be_visible()
    assert_safe_page(phone, title)

    phone.locator("form[action$='/forms/check/finish'] button").click()
    phone.wait_for_load_state()
    assert phone.url.endswith(KIOSK if kiosk else "/forms/check?done=finished")
    phone.goto(f"{live_server.url}/forms/check/view")
    assert "/forms/check/view" not in phone.url


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_a_word_chosen_on_the_confirmation_page(phone: Page, live_server, lang):
    title = neutral_title(phone, live_server, lang)
    submit(phone)
    answer_hate_crime(phone)
    submit(phone)  # send the report
    reference = phone.locator("#reference").inner_text().strip()
    expect(phone.locator("#word")).to_be_visible()
    assert_safe_page(phone, title)
    phone.fill("#word", "sea")
    phone.fill("#word_again", "sea")
    phone.locator("form[action$='/forms/check/word'] button").click()
    phone.wait_for_load_state()
    expect(phone.locator(".govuk-error-summary")).to_be_visible()
    expect(phone.locator("main")).to_contain_text(reference)
    assert_safe_page(phone, title)
    phone.fill("#word", "sea glass")
    phone.fill("#word_again", "sea glass")
    phone.locator("form[action$='/forms/check/word'] button").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/forms/check?done=ready")
    assert_safe_page(phone, title)
    phone.fill("#reference", reference)
    phone.fill("#word", "sea glass")
    phone.locator("main form").first.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/forms/check/view")
