"""The survey in Urdu, Arabic and Persian at phone size: right to left, and accessible."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from survey_app.extensions import db
from survey_app.models import Response
from tests.browser.conftest import assert_accessible
from tests.browser.journey import question_id
from tests.web.test_journey import ANSWERS, START


def submit(page: Page) -> None:
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()


def check_direction(page: Page, lang: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


@pytest.mark.parametrize("lang", ["ur", "ar", "fa"])
def test_journey_right_to_left_is_accessible_and_stored_once(phone: Page, live_server, lang):
    phone.goto(f"{live_server.url}{START}?lang={lang}")
    check_direction(phone, lang)
    assert_accessible(phone)
    submit(phone)

    submit(phone)  # nothing chosen: the error page, in this language
    expect(phone.locator(".govuk-error-summary")).to_be_visible()
    check_direction(phone, lang)
    assert_accessible(phone)

    first = True
    while "/questions/" in phone.url:
        qid = question_id(phone)
        if first:
            # Radios sit on the right of their labels when the page runs right to left.
            radio = phone.locator(f"input[name={qid}]").first.bounding_box()
            label = phone.locator(f"label[for={qid}]").bounding_box()
            assert radio["x"] > label["x"], "radio should be to the right of its label"
            first = False
        else:
            assert_accessible(phone)
        phone.locator(f'input[name="{qid}"][value="{ANSWERS[qid]}"]').check()
        submit(phone)

    assert phone.url.endswith("/check-answers")
    check_direction(phone, lang)
    assert_accessible(phone)
    submit(phone)
    reference = phone.locator("#reference").inner_text().strip()
    assert_accessible(phone)
    with live_server.app.app_context():
        stored = db.session.scalars(sa.select(Response).filter_by(reference=reference)).one()
    assert stored.answers == ANSWERS
    assert stored.language == lang
