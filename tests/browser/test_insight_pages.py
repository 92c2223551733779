"""The analyst's pages in a real browser: the dashboard, its filters and chart, the board pack in
print, response quality and the administration pages, each checked with axe; the dashboard uses a
desk's width and nothing on it is cut off, and a phone never scrolls sideways."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from survey_app.demo import make_demo_responses
from survey_app.extensions import db
from survey_app.models import Response
from survey_app.registry import get_published
from tests.browser.conftest import assert_accessible, csp_violations
from tests.browser.test_staff_triage import add_staff, sign_in


def seed_once(app) -> None:
    with app.app_context():
        demo = db.session.scalar(sa.select(sa.func.count()).select_from(Response).filter_by(source="demo"))
        if not demo:
            db.session.add_all(
                make_demo_responses(
                    get_published("community_confidence"), 1600, seed=3, today=dt.date(2026, 11, 24)
                )
            )
            db.session.commit()


DESK = {"width": 1366, "height": 900}
# A phone's page must not scroll sideways; a wide table may, inside its own scrolling box.
OVERFLOW = """() => document.documentElement.scrollWidth - document.documentElement.clientWidth"""
# Tables, cells and text that need more room than they have at a desk's width: cut off or scrolled.
CUT_OFF = """() => [...document.querySelectorAll('.app-table-wrapper, main td, main th, main p')]
  .filter(el => el.scrollWidth > el.clientWidth + 1)
  .map(el => `${el.tagName}#${el.id || el.closest('[id]')?.id}: ${el.textContent.trim().slice(0, 40)}`)"""


def test_analyst_dashboard_board_pack_and_quality_pages(browser: Browser, live_server):
    base, app = live_server.url, live_server.app
    seed_once(app)
    add_staff(app, "ana@trafford.example", {"analyst", "admin"})
    desk = browser.new_context(viewport=DESK).new_page()
    sign_in(desk, base, "ana@trafford.example")
    # An analyst starts on the dashboard, as the README says.
    expect(desk.locator("h1")).to_have_text("Confidence dashboard")
    expect(desk.locator("#target-1")).to_contain_text("Altrincham")
    chart = desk.locator("img.app-chart")
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    main = desk.locator("main").bounding_box()
    assert main["width"] >= 1200, main  # the page's width, not the residents' two-thirds column
    assert desk.evaluate(OVERFLOW) == 0
    assert desk.evaluate(CUT_OFF) == []
    assert_accessible(desk)
    assert not csp_violations(desk)

    desk.locator("#area").select_option("altrincham")
    desk.locator("#period").select_option("last4")
    desk.get_by_role("button", name="Show").click()
    desk.wait_for_load_state()
    expect(desk.locator("#by-town-centre tbody tr")).to_have_count(1)
    assert_accessible(desk)

    assert desk.evaluate(CUT_OFF) == []

    desk.get_by_role("link", name="Board pack").first.click()
    desk.wait_for_load_state()
    expect(desk.locator("#kpis")).to_be_visible()
    assert desk.evaluate(CUT_OFF) == []
    desk.emulate_media(media="print")
    expect(desk.locator(".app-staff-bar")).to_be_hidden()
    expect(desk.locator("#downloads")).to_be_hidden()
    desk.emulate_media(media="screen")
    assert_accessible(desk)

    desk.get_by_role("link", name="Wards", exact=True).first.click()
    desk.wait_for_load_state()
    expect(desk.locator("#wards tbody tr")).to_have_count(21)
    ward_chart = desk.locator("img.app-chart")
    expect(ward_chart).to_be_visible()
    assert ward_chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert desk.evaluate(CUT_OFF) == []
    assert_accessible(desk)

    for link in ("Response quality", "Exports", "Weighting"):
        desk.get_by_role("link", name=link, exact=True).first.click()
        desk.wait_for_load_state()
        assert_accessible(desk)
    for path in ("/staff/surveys", "/staff/margins"):
        desk.goto(base + path)
        assert_accessible(desk)


def test_the_staff_pages_fit_a_phone(browser: Browser, live_server):
    base, app = live_server.url, live_server.app
    seed_once(app)
    add_staff(app, "ana@trafford.example", {"analyst", "admin"})
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True
    ).new_page()
    sign_in(phone, base, "ana@trafford.example")
    survey = "/staff/insight/community_confidence"
    pages = (
        survey,
        f"{survey}?area=altrincham&period=last4",
        f"{survey}/board-pack",
        f"{survey}/wards?period=last4",
        f"{survey}/quality",
        f"{survey}/weighting",
        f"{survey}/export",
        "/staff/surveys",
        "/staff/margins",
    )
    for path in pages:
        phone.goto(base + path)
        assert phone.evaluate(OVERFLOW) == 0, path
    phone.context.close()
