"""The caseworker's side in a real browser: a kiosk report reaches the queue, reads are audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from survey_app.audit import AuditEvent
from survey_app.extensions import db
from survey_app.reports.models import Report
from survey_app.staff.models import User
from survey_app.staff.passwords import hash_password
from tests.browser.conftest import assert_accessible
from tests.browser.journey import question_id
from tests.browser.test_kiosk import submit

PASSWORD = "a long enough test password"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
UK_MOMENT = re.compile(rf"\d{{1,2}} (?:{MONTHS}) \d{{4}}, \d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:am|pm)")
STORY = "Quillfeather domestic abuse browser test"


def add_staff(app, email: str, roles: set[str]) -> None:
    with app.app_context():
        if db.session.scalars(sa.select(User).filter_by(email=email)).first() is None:
            user = User(email=email, display_name=email.split("@")[0], password_hash=hash_password(PASSWORD))
            user.roles = roles
            db.session.add(user)
            db.session.commit()


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/staff")
    assert_accessible(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def report_domestic_abuse_at_kiosk(page: Page, base: str, lang: str) -> str:
    page.goto(f"{base}/kiosk/sale-point?lang={lang}")
    page.locator('.app-kiosk-choice[href="/forms/support"]').click()
    submit(page)
    choices = {
        "safe_now": "yes",
        "in_danger": "no",
        "what_to_do": "report",
        "reporter_role": "victim",
        "abuse_kinds": "emotional",
        "children": "no",
        "contact": "no_contact",
        "share_account": "domestic_abuse_service",
    }
    for _ in range(20):
        if "/questions/" not in page.url:
            break
        qid = question_id(page)
        assert_accessible(page)
        if qid == "description":
            page.locator('[name="description"]').fill(STORY)
        else:
            page.locator(f'input[name="{qid}"][value="{choices[qid]}"]').check()
        submit(page)
    assert page.url.endswith("/check-answers")
    submit(page)
    reference = page.locator("#reference").inner_text().strip()
    page.locator("#kiosk-reset button").last.click()
    page.wait_for_load_state()
    return reference


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_kiosk_report_reaches_the_queue_and_each_read_is_audited(
    phone: Page, browser: Browser, live_server, lang
):
    base, app = live_server.url, live_server.app
    reference = report_domestic_abuse_at_kiosk(phone, base, lang)

    add_staff(app, "casey@trafford.example", {"caseworker"})
    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(desk, base, "casey@trafford.example")
    desk.goto(f"{base}/staff/reports")
    assert_accessible(desk)
    row = desk.locator("tr", has_text=reference)
    expect(row).to_contain_text("Sale Point")
    expect(row).to_contain_text(UK_MOMENT)  # "2 December 2026, 2:05pm", in UK time
    expect(desk.locator("main")).not_to_contain_text(STORY)  # the queue shows no answers
    row.get_by_role("link").first.click()
    desk.wait_for_load_state()
    expect(desk.locator("main")).to_contain_text(STORY)
    expect(desk.locator("#report-details")).to_contain_text(UK_MOMENT)
    expect(desk.locator("#report-details")).to_contain_text("Urdu (اردو)" if lang == "ur" else "English")
    assert_accessible(desk)
    with app.app_context():
        report = db.session.scalars(sa.select(Report).filter_by(reference=reference)).one()
        views = db.session.scalars(
            sa.select(AuditEvent).filter_by(report_id=report.id, action="view_report")
        ).all()
    assert len(views) == 1
    assert report.centre == "sale-point"
    assert report.language == lang

    # A referral the person agreed to, recorded on the report page, then its printable export.
    desk.locator("#new-referral summary").click()
    desk.locator("#destination").select_option("domestic_abuse_service")
    desk.locator("#shared-what_happened").check()
    assert_accessible(desk)
    desk.get_by_role("button", name="Record referral").click()
    desk.wait_for_load_state()
    expect(desk.locator("#referral-history")).to_contain_text("Domestic abuse support service")
    assert_accessible(desk)
    desk.locator("#referral-history").get_by_role("link", name="Printable referral").click()
    desk.wait_for_load_state()
    expect(desk.locator("body")).to_contain_text(reference)
    expect(desk.locator("#basis")).to_contain_text("Domestic abuse support service")
    assert_accessible(desk)
    desk.go_back()

    desk.locator("#status").select_option("in_review")
    desk.get_by_role("button", name="Save status").click()
    desk.wait_for_load_state()
    assert_accessible(desk)
    desk.goto(f"{base}/staff/counts")
    assert_accessible(desk)
    desk.context.close()


def test_an_administrator_reads_the_audit_log(browser: Browser, live_server):
    base, app = live_server.url, live_server.app
    add_staff(app, "ada@trafford.example", {"admin"})
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ada@trafford.example")
    page.goto(f"{base}/staff/audit")
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("Viewed a report")
    expect(page.locator("main")).not_to_contain_text(STORY)
    expect(page.locator("#audit-events tbody tr").first).to_contain_text(UK_MOMENT)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    # the wide log scrolls inside its own box; the phone's page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.context.close()


def test_an_analyst_sees_no_report_content(browser: Browser, live_server):
    base, app = live_server.url, live_server.app
    with app.app_context():
        reference = db.session.scalars(sa.select(Report.reference)).first()
    add_staff(app, "ana@trafford.example", {"analyst"})
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, base, "ana@trafford.example")
    for url in ("/staff/reports", f"/staff/reports/{reference}", f"/staff/reports/{reference}/referrals/1"):
        response = page.goto(base + url)
        assert response.status == 403, url
        expect(page.locator("main")).not_to_contain_text(STORY)
    assert_accessible(page)
    page.context.close()
