"""Dates, times and language names as people read them: UK style in English, UK time, every staff
page and the resident's check-answers page; `en` stays the language's code everywhere else."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from survey_app import formats
from survey_app.audit import AuditEvent
from survey_app.extensions import db
from survey_app.i18n import current_language, language_label
from survey_app.insight.models import ResponseReview
from survey_app.models import Response
from survey_app.reports.models import Report
from tests.pages import Visitor
from tests.web.test_insight import DASHBOARD, seed
from tests.web.test_journey import question_id
from tests.web.test_question_types import LAST_YEAR, begin
from tests.web.test_question_types import app as all_types_app  # noqa: F401 - a fixture
from tests.web.test_triage import add_report, get, staff_client

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
US_DATE = re.compile(rf"\b(?:{MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{{1,2}}, \d{{4}}")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
UK_DATE = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}\b")
# 11:21 UTC on 2 July 2026 is 12:21 in London (British Summer Time).
SUMMER_MOMENT = dt.datetime(2026, 7, 2, 11, 21, tzinfo=dt.UTC)


def test_english_reads_the_uk_way_in_uk_time(app):
    with app.test_request_context("/?lang=en"):
        assert current_language() == "en"  # the catalog's code: only the formatting is en_GB
        assert formats.date_text(dt.date(2024, 12, 31)) == "31 December 2024"
        winter = dt.datetime(2026, 12, 2, 12, 21, tzinfo=dt.UTC)  # London is on UTC in winter
        assert formats.datetime_text(winter) == "2 December 2026, 12:21pm"
        assert formats.datetime_text(SUMMER_MOMENT) == "2 July 2026, 12:21pm"
        assert formats.datetime_text(SUMMER_MOMENT, seconds=True) == "2 July 2026, 12:21:00pm"
        # 23:30 UTC on 30 June is 00:30 on 1 July in London
        assert formats.date_text(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)) == "1 July 2026"
        assert formats.month_text("2026-01") == "January 2026"
    with app.test_request_context("/?lang=pl"):
        assert formats.date_text(dt.date(2024, 12, 31)) == "31 grudnia 2024"
        assert formats.datetime_text(SUMMER_MOMENT) == "2 lipca 2026, 12:21"


def test_the_page_language_is_still_en(app, client):
    page = client.get("/?lang=en")
    assert '<html lang="en"' in page.get_data(as_text=True)
    assert client.get("/").headers.get("Content-Language", "en") == "en"


def test_a_language_is_named_in_the_readers_language_with_its_own_name_beside_it(app):
    with app.test_request_context("/?lang=en"):
        assert language_label("ur") == "Urdu (اردو)"
        assert language_label("pl") == "Polish (Polski)"
        assert language_label("zh_Hant") == "Chinese, Traditional (中文, 繁體)"
        assert language_label("en") == "English"
        assert language_label("xx-not-a-language") == "xx-not-a-language"


def test_the_check_answers_page_gives_a_date_the_uk_way(all_types_app):  # noqa: F811
    visitor = Visitor(all_types_app.test_client())
    page = begin(visitor)
    steps = [
        {"visited": "yes"},
        {
            "visit_date-day": "14",
            "visit_date-month": "11",
            "visit_date-year": str(LAST_YEAR),
            "visit_date-approximate": "yes",
        },
        {"feelings": ["safe"]},
        {"visits": "2"},
        {},
        {"agree": "neither"},
        {"comment": ""},
        {"postcode": ""},
    ]
    for answers in steps:
        if page.url.endswith("/check-answers"):
            break
        page = visitor.submit(page, answers)
        assert not page.error_summary, (question_id(page), page.error_summary)
    assert page.url.endswith("/check-answers")
    text = page.text()
    assert f"About 14 November {LAST_YEAR}" in text
    assert not US_DATE.search(text)


def _no_us_or_iso_dates(text: str, where: str) -> None:
    assert not US_DATE.search(text), f"{where}: {US_DATE.search(text).group(0)}"
    assert not ISO_DATE.search(text), f"{where}: {ISO_DATE.search(text).group(0)}"


def test_every_staff_page_gives_dates_the_uk_way_in_uk_time(app):
    seed(app, 400)
    reference = add_report(
        app, submitted_at=SUMMER_MOMENT, status="closed", closed_at=SUMMER_MOMENT + dt.timedelta(days=1)
    )
    with app.app_context():
        db.session.execute(sa.update(Report).values(language="ur"))
        flagged = db.session.scalar(sa.select(Response.id).where(Response.flagged.is_(True)))
        if flagged is None:
            flagged = db.session.scalar(sa.select(sa.func.min(Response.id)))
        db.session.execute(
            sa.update(Response).where(Response.id == flagged).values(flagged=True, submitted_at=SUMMER_MOMENT)
        )
        db.session.commit()
    with app.app_context():
        from survey_app.reports.sharing import Referral

        report_id = db.session.scalar(sa.select(Report.id).where(Report.reference == reference))
        referral = Referral(
            report_id=report_id,
            destination="marac",
            referred_on=SUMMER_MOMENT.date(),
            shared=["what_happened"],
            without_consent={"reason": "A risk to life"},
        )
        db.session.add(referral)
        db.session.commit()
        referral_id = referral.id
    client = staff_client(app, "every.role@trafford.example", "caseworker", "analyst", "admin")
    token = Visitor(client).get(f"{DASHBOARD}/quality").form_fields()["csrf_token"]
    client.post(
        f"{DASHBOARD}/quality/{flagged}",
        data={"csrf_token": token, "decision": "include", "reason": "Looked at it"},
    )
    with app.app_context():
        db.session.execute(sa.update(ResponseReview).values(at=SUMMER_MOMENT))
        db.session.execute(sa.update(AuditEvent).values(at=SUMMER_MOMENT))
        db.session.commit()

    pages = {
        "dashboard": DASHBOARD,
        "board pack": f"{DASHBOARD}/board-pack",
        "quality": f"{DASHBOARD}/quality",
        "weighting": f"{DASHBOARD}/weighting",
        "exports": f"{DASHBOARD}/export",
        "surveys": "/staff/surveys",
        "margins": "/staff/margins",
        "queue": "/staff/reports",
        "report": f"/staff/reports/{reference}",
        "referral": f"/staff/reports/{reference}/referrals/{referral_id}",
        "subject access": f"/staff/reports/{reference}/subject-access",
        "audit": "/staff/audit",
        "counts": "/staff/counts",
    }
    texts = {}
    for name, url in pages.items():
        page = get(client, url)
        assert page.status == 200, name
        texts[name] = page.text()
        _no_us_or_iso_dates(texts[name], name)
    assert "56.0% on 31 December 2024" in texts["dashboard"]
    assert "61.0% by 31 March 2027" in texts["dashboard"]
    for name in ("dashboard", "board pack", "weighting", "exports", "surveys"):
        assert UK_DATE.search(texts[name]), name
    # Moments are in UK time: 11:21 UTC in July is 12:21pm in London.
    for name in ("queue", "report", "referral", "quality", "audit"):
        assert "2 July 2026, 12:21" in texts[name], name
    assert "3 July 2026, 12:21pm" in texts["report"]  # closed
    assert "July 2026" in texts["counts"]
    assert "Urdu (اردو)" in texts["report"]


def test_the_queue_filters_by_uk_days_with_day_month_and_year_boxes(app):
    # 23:30 UTC on 30 June is 1 July in London: a caseworker asking for 1 July expects it.
    late = add_report(app, submitted_at=dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))
    client = staff_client(app, "casey@trafford.example", "caseworker")
    page = get(
        client, "/staff/reports?from-day=1&from-month=7&from-year=2026&to-day=1&to-month=7&to-year=2026"
    )
    assert late in page.text()
    fieldset = page.soup.find("input", attrs={"name": "from-day"}).find_parent("fieldset")
    assert "For example, 27 3 2025." in fieldset.get_text(" ", strip=True)
    assert page.soup.find("input", attrs={"name": "from-year"})["value"] == "2026"
    assert page.soup.find("input", attrs={"type": "date"}) is None  # the browser's own format, not ours
    wrong = get(client, "/staff/reports?from-day=31&from-month=2&from-year=2026")
    assert "Enter the start date as a real date, like 27 3 2025" in wrong.text()
    assert wrong.soup.find("input", attrs={"name": "from-day"})["value"] == "31"  # kept to correct
    for year in ("9999999999", "-1", "twenty"):  # never a 500
        page = get(client, f"/staff/reports?to-day=1&to-month=1&to-year={year}")
        assert page.status == 400 and "Enter the end date as a real date" in page.text()
