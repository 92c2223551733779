"""The strategy KPI pages in a real browser, each checked with axe: the overview, both sub-group
dashboards with their charts, the board paper on screen and in print, entering figures as a data
owner, importing crime files, and the register; at a desk nothing is cut off, on a phone nothing
makes the page scroll sideways."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from survey_app.extensions import db
from survey_app.kpis.demo import seed_kpi_demo
from survey_app.kpis.models import CrimeImport, KpiOwner
from survey_app.kpis.service import current_register, last_complete_quarter
from survey_app.kpis.synthetic import street_file
from survey_app.staff.models import User
from tests.browser.conftest import assert_accessible, csp_violations
from tests.browser.test_insight_pages import CUT_OFF, DESK, OVERFLOW, seed_once
from tests.browser.test_staff_triage import add_staff, sign_in

PHONE = {"width": 390, "height": 844}


def seed_kpis(app) -> None:
    with app.app_context():
        if db.session.scalar(sa.select(sa.func.count()).select_from(CrimeImport)) == 0:
            seed_kpi_demo(current_register(), last_complete_quarter())
            db.session.commit()


def test_overview_dashboards_and_board_paper(browser: Browser, live_server):
    base, app = live_server.url, live_server.app
    seed_once(app)
    seed_kpis(app)
    add_staff(app, "board@trafford.example", {"analyst"})
    for viewport in (DESK, PHONE):
        page = browser.new_context(viewport=viewport).new_page()
        sign_in(page, base, "board@trafford.example")
        page.goto(f"{base}/staff/kpis")
        expect(page.locator("h1")).to_contain_text("Strategy KPIs")
        expect(page.locator("tr[data-kpi]")).to_have_count(7)
        assert page.evaluate(OVERFLOW) == 0
        if viewport is DESK:
            assert page.evaluate(CUT_OFF) == []
        assert_accessible(page)
        assert not csp_violations(page)

        for group in ("Managing Crime and Community Confidence", "Protecting Vulnerable People"):
            page.get_by_role("link", name=group, exact=True).first.click()
            page.wait_for_load_state()
            expect(page.locator("h1")).to_contain_text(group)
            charts = page.locator("img.app-chart")
            assert charts.count() >= 3
            for i in range(charts.count()):
                charts.nth(i).scroll_into_view_if_needed()
                assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            assert page.evaluate(OVERFLOW) == 0
            assert_accessible(page)

        page.get_by_role("link", name="Board paper", exact=True).first.click()
        page.wait_for_load_state()
        expect(page.locator("#glance tbody tr")).to_have_count(7)
        assert page.evaluate(OVERFLOW) == 0
        assert_accessible(page)
        page.emulate_media(media="print")
        expect(page.locator(".app-staff-bar")).to_be_hidden()
        expect(page.locator("#downloads")).to_be_hidden()
        page.emulate_media(media="screen")
        page.context.close()


def test_a_data_owner_enters_a_figure_and_an_analyst_imports_a_month(browser: Browser, live_server, tmp_path):
    base, app = live_server.url, live_server.app
    add_staff(app, "owner@trafford.example", {"data_owner"})
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "owner@trafford.example"))
        db.session.add(KpiOwner(user_id=user_id, kpi_id="perpetrator_programme"))
        db.session.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    sign_in(page, base, "owner@trafford.example")
    expect(page.locator("h1")).to_contain_text("Enter KPI figures")  # a data owner lands here
    assert_accessible(page)
    field = page.get_by_label("Perpetrators completing the programme")
    field.fill("twenty")
    page.get_by_role("button", name="Save figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not a whole number")
    expect(field).to_have_value("twenty")
    assert_accessible(page)
    field.fill("21")
    page.get_by_label("Why a figure is being corrected").fill("Late completions added")
    page.get_by_role("button", name="Save figures").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    assert page.evaluate(OVERFLOW) == 0
    page.context.close()

    add_staff(app, "crime@trafford.example", {"analyst", "admin"})
    desk = browser.new_context(viewport=DESK).new_page()
    sign_in(desk, base, "crime@trafford.example")
    desk.goto(f"{base}/staff/kpis/crime")
    assert_accessible(desk)
    month = tmp_path / "2026-09-greater-manchester-street.csv"
    month.write_bytes(street_file("2026-09", scale=0.01))
    desk.set_input_files("#crime_files", str(month))
    desk.get_by_role("button", name="Import").click()
    expect(desk.locator(".govuk-notification-banner")).to_contain_text("1 month imported")
    expect(desk.locator("#imports")).to_contain_text("2026-09-greater-manchester-street.csv")
    assert desk.evaluate(CUT_OFF) == []
    assert_accessible(desk)

    desk.goto(f"{base}/staff/kpis/register")
    assert_accessible(desk)
    desk.get_by_role("link", name="Change Special constables in post").click()
    expect(desk.locator("h1")).to_have_text("Change KPI 6")
    assert_accessible(desk)
    desk.get_by_role("button", name="Save the change").click()
    expect(desk.locator(".govuk-error-summary")).to_contain_text("Say why the KPI is being changed")
    assert_accessible(desk)
    desk.goto(f"{base}/staff/kpis/owners")
    assert_accessible(desk)
