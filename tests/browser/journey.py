"""The community confidence survey, answered in a browser the way a resident would.

The answers are the ones the test-client journey uses (tests/web/test_journey.py);
here each is chosen by the words on its label.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.web.test_journey import ANSWERS, START

# The label a resident reads for each answer in ANSWERS.
LABELS = {
    "police_rating": "Good",
    "police_council_dealing": "Tend to agree",
    "asb_problem": "Not a very big problem",
    "safe_day": "Very safe",
    "safe_dark": "A bit unsafe",
    "town_centre": "Altrincham",
    "partnership_confidence": "Fairly confident",
    "ward": "Hale",
    "age_band": "35 to 44",
    "sex": "Female",
    "ethnic_group": "Asian or Asian British",
    "ethnic_background_asian": "Pakistani",
}
assert LABELS.keys() == ANSWERS.keys()

# The answer changed from the check answers page: (question, short label, new label, new value).
CHANGE = ("police_rating", "Police in this area", "Excellent", "excellent")
FINAL_ANSWERS = {**ANSWERS, CHANGE[0]: CHANGE[3]}
FINAL_LABELS = {**LABELS, CHANGE[0]: CHANGE[2]}

# Called on every page the journey shows, with a name for it.
Visit = Callable[[Page, str], None]


def _ignore(page: Page, name: str) -> None:
    return None


def question_id(page: Page) -> str:
    """The question a page asks: the end of its address, or on a reporting form (whose addresses
    are page numbers) the name of its answer's fields."""
    address = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    if not address.isdigit():
        return address
    names = page.eval_on_selector_all(
        "main form [name]", "fields => fields.map(field => field.name.split('-')[0])"
    )
    asked = set(names) - {"csrf_token"}
    return asked.pop() if len(asked) == 1 else address


def choose(page: Page, label: str, value: str) -> None:
    """Tap the words of an answer's label, as a person does, and check that it chose `value`."""
    radio = page.get_by_role("radio", name=label, exact=True)
    page.locator(f'label[for="{radio.get_attribute("id")}"]').click()
    expect(radio).to_be_checked()
    expect(radio).to_have_value(value)


def press(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def complete_survey(page: Page, base_url: str, visit: Visit = _ignore) -> str:
    """Answer every question, see a validation error, change one answer, send; return the reference."""
    page.goto(base_url + START)
    expect(page.locator("h1")).to_have_text("Community confidence survey")
    visit(page, "start")
    press(page, "Start now")

    seen: list[str] = []
    while "/questions/" in page.url:
        qid = question_id(page)
        assert qid in LABELS, f"unexpected question {qid}"
        assert qid not in seen, f"{qid} asked twice"
        seen.append(qid)
        show_heading(page)
        visit(page, f"question {qid}")
        if len(seen) == 1:
            press(page, "Continue")  # nothing chosen yet
            show_error(page, qid)
            visit(page, f"question {qid} with an error")
        choose(page, LABELS[qid], ANSWERS[qid])
        press(page, "Continue")
    assert seen == list(ANSWERS), f"asked {seen}"

    expect(page).to_have_url(re.compile(r"/check-answers$"))
    expect(page.locator("h1")).to_have_text("Check your answers")
    check_answers_show(page, LABELS)
    visit(page, "check answers")

    qid, short_label, new_label, new_value = CHANGE
    page.get_by_role("link", name=f"Change {short_label}", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/questions/{qid}\?change=1$"))
    expect(page.get_by_role("radio", name=LABELS[qid], exact=True)).to_be_checked()
    expect(page.get_by_role("link", name="Back")).to_have_attribute("href", re.compile(r"/check-answers$"))
    visit(page, f"question {qid}, changing")
    choose(page, new_label, new_value)
    press(page, "Continue")
    expect(page).to_have_url(re.compile(r"/check-answers$"))
    check_answers_show(page, FINAL_LABELS)
    visit(page, "check answers after a change")

    press(page, "Send answers")
    expect(page).to_have_url(re.compile(r"/confirmation$"))
    expect(page.locator("h1")).to_have_text("Answers sent")
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"TS-[A-Z2-9]{4}-[A-Z2-9]{4}", reference), reference
    visit(page, "confirmation")
    return reference


def show_heading(page: Page) -> None:
    """The question is the page's heading, under the survey's name as a caption (not as markup)."""
    heading = page.locator("legend h1")
    expect(heading.locator(".govuk-caption-l")).to_have_text("Community confidence survey")
    expect(heading).not_to_contain_text("<")


def show_error(page: Page, qid: str) -> None:
    """The page explains what is missing, above the form and beside the question."""
    message = "Select how good a job you think the police in this area are doing"
    assert qid == "police_rating", "the error text here is the first question's"
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text([message])
    expect(summary.get_by_role("link")).to_have_attribute("href", f"#{qid}")
    expect(page.locator(".govuk-error-message")).to_have_text(f"Error: {message}")
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    if "js-enabled" in (page.locator("body").get_attribute("class") or ""):
        # GOV.UK Frontend moves focus to the summary, and from its link to the first answer.
        expect(summary).to_be_focused()
        summary.get_by_role("link").click()
        expect(page.get_by_role("radio", name="Excellent", exact=True)).to_be_focused()


def check_answers_show(page: Page, labels: dict[str, str]) -> None:
    for qid, label in labels.items():
        expect(page.locator(f"#answer-{qid}")).to_have_text(label)
