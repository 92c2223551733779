"""A resident answers the community confidence survey on a phone, in headless Chromium.

Set BROWSER_SCREENSHOTS to a folder to keep a full-page screenshot of each
page of the journey there (for looking at, not for committing).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, Response, expect

from survey_app.extensions import db
from survey_app.models import Response as SurveyResponse
from survey_app.security import CONTENT_SECURITY_POLICY
from tests.browser.conftest import PHONE_WIDTH, LiveServer, assert_accessible, browser_log, csp_violations
from tests.browser.journey import FINAL_ANSWERS, START, complete_survey

OTHER_PAGES = [
    pytest.param("/", 200, "Safer Trafford Surveys", id="home"),
    pytest.param("/no-such-page", 404, "Page not found", id="not-found"),
    pytest.param(f"{START}/timed-out", 200, "Your answers have been deleted", id="timed-out"),
]


def not_found(url: str) -> str:
    """What Chromium logs as an error when it shows a page sent with a 404."""
    return f"Failed to load resource: the server responded with a status of 404 (NOT FOUND) ({url})"


def web_responses(live_server: LiveServer) -> dict[str, SurveyResponse]:
    with live_server.app.app_context():
        rows = db.session.scalars(sa.select(SurveyResponse).filter_by(source="web")).all()
        return {row.reference: row for row in rows}


def test_phone_journey_is_accessible_and_stores_one_response(phone: Page, live_server: LiveServer) -> None:
    before = web_responses(live_server)
    checked: list[str] = []

    def check(page: Page, name: str) -> None:
        assert_accessible(page)
        checked.append(name)

    reference = complete_survey(phone, live_server.url, visit=check)

    assert checked[0] == "start"
    assert "question police_rating with an error" in checked
    assert {"check answers", "question police_rating, changing", "confirmation"} <= set(checked)
    assert len([name for name in checked if name.startswith("question ")]) == len(FINAL_ANSWERS) + 2

    new = {ref: row for ref, row in web_responses(live_server).items() if ref not in before}
    assert list(new) == [reference]
    response = new[reference]
    assert response.answers == FINAL_ANSWERS
    assert (response.questionnaire_id, response.questionnaire_version, response.language) == (
        "community_confidence",
        2,
        "en",
    )
    assert browser_log(phone).problems == []


def test_journey_without_javascript_reaches_confirmation(
    phone_without_js: Page, live_server: LiveServer
) -> None:
    page = phone_without_js
    reference = complete_survey(page, live_server.url)

    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    assert web_responses(live_server)[reference].answers == FINAL_ANSWERS
    assert browser_log(page).problems == []


def test_every_page_sends_a_csp_and_the_browser_reports_no_errors(
    phone: Page, live_server: LiveServer
) -> None:
    documents: list[Response] = []
    failed: list[str] = []
    phone.on("response", lambda r: documents.append(r) if r.request.resource_type == "document" else None)
    # A request cut short by leaving the page (ERR_ABORTED) is not a failure.
    phone.on(
        "requestfailed",
        lambda r: (
            None if r.failure == "net::ERR_ABORTED" else failed.append(f"{r.method} {r.url}: {r.failure}")
        ),
    )
    violations: dict[str, list[str]] = {}

    def watch(page: Page, name: str) -> None:
        # The module script ran: the CSP let it load and GOV.UK Frontend started.
        expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
        if found := csp_violations(page):
            violations[name] = found

    complete_survey(phone, live_server.url, visit=watch)
    for path, status, _ in (p.values for p in OTHER_PAGES):
        assert phone.goto(live_server.url + path).status == status
        watch(phone, path)

    assert len(documents) > len(FINAL_ANSWERS)
    without = [
        f"{r.request.method} {r.url} ({r.status})"
        for r in documents
        if r.headers.get("content-security-policy") != CONTENT_SECURITY_POLICY
    ]
    assert without == [], "pages without the Content-Security-Policy"
    assert violations == {}
    assert failed == []
    # Chromium logs every 404 page it shows; nothing else may appear.
    assert browser_log(phone).problems == [not_found(live_server.url + "/no-such-page")]


@pytest.mark.parametrize(("path", "status", "heading"), OTHER_PAGES)
def test_other_pages_are_accessible(
    phone: Page, live_server: LiveServer, path: str, status: int, heading: str
) -> None:
    response = phone.goto(live_server.url + path)
    assert response.status == status
    expect(phone.locator("h1")).to_have_text(heading)
    assert_accessible(phone)
    assert browser_log(phone).problems == ([] if status == 200 else [not_found(live_server.url + path)])


def test_no_page_scrolls_sideways_on_a_phone(phone: Page, live_server: LiveServer) -> None:
    widths: dict[str, int] = {}
    screenshots = os.environ.get("BROWSER_SCREENSHOTS")

    def measure(page: Page, name: str) -> None:
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        if screenshots:
            filename = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".png"
            page.screenshot(path=Path(screenshots) / filename, full_page=True)

    complete_survey(phone, live_server.url, visit=measure)
    for path, _, _ in (p.values for p in OTHER_PAGES):
        phone.goto(live_server.url + path)
        measure(phone, path)

    assert len(widths) > len(FINAL_ANSWERS)
    too_wide = {name: width for name, width in widths.items() if width > PHONE_WIDTH}
    assert too_wide == {}, f"pages wider than the {PHONE_WIDTH}px screen"
