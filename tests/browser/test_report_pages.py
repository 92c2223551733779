"""Pages of the reporting side not walked by the journeys elsewhere, each checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_kiosk import submit


@pytest.mark.parametrize(
    ("answers", "heading"),
    [
        ({"safe_now": "no"}, "Leave this page now"),
        ({"safe_now": "yes", "in_danger": "yes"}, "Call 999 now"),
        ({"safe_now": "yes", "in_danger": "no", "what_to_do": "information_only"}, "Where to get help"),
    ],
)
def test_domestic_abuse_help_pages_are_accessible(phone: Page, live_server, answers, heading):
    phone.goto(f"{live_server.url}/forms/support")
    assert_accessible(phone)
    submit(phone)
    for qid, value in answers.items():
        phone.locator(f'input[name="{qid}"][value="{value}"]').check()
        submit(phone)
    expect(phone.locator("h1")).to_contain_text(heading)
    expect(phone.locator(".govuk-exit-this-page")).to_be_visible()
    assert_accessible(phone)


def test_kiosk_list_home_and_staff_home_are_accessible(phone: Page, live_server):
    for path in ("/kiosk", "/"):
        phone.goto(live_server.url + path)
        assert_accessible(phone)


@pytest.fixture
def neutral_page(live_server):
    """The machine has no outside network: point the exit at a page of our own for these tests."""
    config = live_server.app.config
    saved = config["EXIT_URL"]
    config["EXIT_URL"] = f"{live_server.url}/healthz"
    yield config["EXIT_URL"]
    config["EXIT_URL"] = saved


def test_exit_this_page_leaves_for_the_neutral_page(phone: Page, live_server, neutral_page):
    phone.goto(f"{live_server.url}/forms/incident")
    submit(phone)
    phone.locator('input[name="reporter_role"][value="victim"]').check()
    submit(phone)
    phone.locator(".govuk-exit-this-page a").click()
    phone.wait_for_url(neutral_page)
    phone.goto(f"{live_server.url}/forms/incident/questions/2")
    expect(phone).to_have_url(f"{live_server.url}/forms/incident")


def test_pressing_shift_three_times_exits(phone: Page, live_server, neutral_page):
    phone.goto(f"{live_server.url}/forms/incident")
    phone.locator("h1").click()
    for _ in range(3):
        phone.keyboard.press("Shift")
    phone.wait_for_url(neutral_page, timeout=10000)
