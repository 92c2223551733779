"""A survey designed in a spreadsheet, in a real browser: the administrator uploads it, previews
it and publishes it; a resident answers it in Urdu, right to left; axe checks every page."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from survey_app.extensions import db
from survey_app.library.models import ImportedQuestionnaire
from survey_app.models import Response
from tests.browser.conftest import PHONE, assert_accessible
from tests.browser.test_right_to_left import check_direction, submit
from tests.browser.test_staff_triage import add_staff, sign_in
from tests.xlsform.helpers import FIXTURES

ANSWERS = {
    "feel_safe": "agree",
    "seen_patrol": "yes",
    "patrol_where": ["market", "interchange"],
    "visits": "4",
    "comments": "زیادہ روشنی چاہیے",
    "age_band": "age_45_54",
    "sex": "male",
}


def answer_page(page: Page, question: str) -> None:
    value = ANSWERS.get(question)
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            page.locator(f'input[name="{question}"][value="{item}"]').check()
    elif page.locator(f'input[type=radio][name="{question}"]').count():
        page.locator(f'input[name="{question}"][value="{value}"]').check()
    else:
        page.locator(f'[name="{question}"]').fill(value)


def walk(page: Page) -> list[str]:
    seen = []
    while "/questions/" in page.url:
        question = page.url.rsplit("/", 1)[-1].split("?")[0]
        seen.append(question)
        check_direction(page, "ur")
        assert_accessible(page)
        answer_page(page, question)
        submit(page)
        assert len(seen) < 20
    return seen


def test_uploaded_previewed_published_and_answered_in_urdu(browser: Browser, live_server):
    base, app = live_server.url, live_server.app
    with app.app_context():
        db.session.execute(sa.delete(ImportedQuestionnaire))
        db.session.commit()
    add_staff(app, "admin@trafford.example", {"admin"})
    staff = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = staff.new_page()
    sign_in(page, base, "admin@trafford.example")

    page.goto(f"{base}/staff/questionnaires")
    assert_accessible(page)
    page.locator("#spreadsheet").set_input_files(str(FIXTURES / "sale_pulse_faulty.xlsx"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".govuk-error-summary li")).to_have_count(3)
    assert_accessible(page)

    page.locator("#spreadsheet").set_input_files(str(FIXTURES / "sale_pulse.xlsx"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#drafts ~ section")).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="Preview sale_pulse").click()
    page.goto(page.url + "?lang=ur")
    assert_accessible(page)
    submit(page)
    assert walk(page)[3] == "patrol_where"
    assert page.url.endswith("/check-answers")
    assert_accessible(page)
    submit(page)
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)

    # The preview in Urdu left the language cookie at Urdu: staff pages follow it too.
    page.goto(f"{base}/staff/questionnaires?lang=en")
    page.get_by_role("button", name="Publish sale_pulse").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("sale_pulse is published")
    assert_accessible(page)
    staff.close()

    resident = browser.new_context(**PHONE)
    phone = resident.new_page()
    phone.goto(f"{base}/surveys/sale_pulse?lang=ur")
    check_direction(phone, "ur")
    assert_accessible(phone)
    submit(phone)
    seen = walk(phone)
    assert seen == [
        "welcome",
        "feel_safe",
        "seen_patrol",
        "patrol_where",
        "visits",
        "comments",
        "age_band",
        "sex",
    ]
    check_direction(phone, "ur")
    assert_accessible(phone)
    submit(phone)
    reference = phone.locator("#reference").inner_text().strip()
    assert_accessible(phone)
    resident.close()
    with app.app_context():
        stored = db.session.scalars(sa.select(Response).filter_by(reference=reference)).one()
    assert stored.language == "ur" and stored.questionnaire_id == "sale_pulse"
    assert stored.answers["patrol_where"] == ["market", "interchange"]
    assert stored.answers["comments"] == "زیادہ روشنی چاہیے"
