"""Every number a person types: in a date or number answer, and in the staff pages' filters.

Python's int() turns "٣" into 3 but raises on "²" (which str.isdigit() accepts) and on more than
4,300 digits; dt.date raises past 9999-12-31. Each of these once reached a resident or a
caseworker as a server error. Digits of any script mean their number; anything else is refused
with the page's own message, or ignored where a filter would be.
"""

from __future__ import annotations

import datetime as dt

import pytest

from survey_app.questionnaire import AnswerError, load_questionnaire, parse_answer
from tests.conftest import PROJECT_ROOT
from tests.pages import Visitor
from tests.web.test_reports import HATE, begin, question_id
from tests.web.test_triage import add_report, get, queue_references, staff_client

TODAY = dt.date(2026, 12, 2)
LONG = "9" * 5000  # longer than int() reads (4,300 digits)


@pytest.fixture(scope="module")
def incident_date():
    questionnaire = load_questionnaire(
        PROJECT_ROOT / "questionnaires" / "hate_crime_report.yaml", "questionnaires/hate_crime_report.yaml"
    )
    return questionnaire.question("incident_date")


def date(day: str = "", month: str = "", year: str = "") -> dict[str, list[str]]:
    return {"incident_date-day": [day], "incident_date-month": [month], "incident_date-year": [year]}


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        (date(LONG, "3", "2025"), "day"),
        (date("1", LONG, "2025"), "month"),
        (date("0" * 5000 + "1" * 5000, "3", "2025"), "day"),
        (date("1", "3", LONG), "year"),
        (date("²", "3", "2025"), "day"),
        (date("1", "¹²", "2025"), "month"),
        (date("1", "3", "2⁰2⁵"), "year"),
        (date("100", "3", "2025"), "day"),
        (date("1", "013", "2025"), "month"),
    ],
)
def test_a_date_part_that_is_no_number_of_days_or_months_is_refused(incident_date, sent, field):
    parsed = parse_answer(incident_date, sent, TODAY)
    assert parsed.value is None
    assert parsed.error is not None and parsed.error.field == f"incident_date-{field}"
    assert parsed.error.code in ("date_not_real", "date_year_format")


@pytest.mark.parametrize(
    "sent",
    [
        date("١٥", "٣", "٢٠٢٥"),  # Arabic-Indic digits, as an Arabic phone keyboard types them
        date("۱۵", "۳", "۲۰۲۵"),  # Persian (extended Arabic-Indic) digits
        date("１５", "３", "２０２５"),  # full-width digits, from a Chinese keyboard
        date("015", "03", "2025"),
    ],
)
def test_digits_of_any_script_mean_their_number(incident_date, sent):
    parsed = parse_answer(incident_date, sent, TODAY)
    assert parsed.error is None
    assert parsed.value == {"year": 2025, "month": 3, "day": 15, "approximate": False}


def test_a_day_thousands_of_digits_long_on_the_incident_form_is_shown_again_with_a_message(app, client):
    visitor = Visitor(client)
    page = begin(visitor, HATE)
    for qid, value in {
        "reporter_role": "witness",
        "incident_types": "threats",
        "description": "It happened",
    }.items():
        page = visitor.submit(page, {qid: value})
    assert question_id(page) == "incident_date"
    refused = visitor.submit(
        page, {"incident_date-day": LONG, "incident_date-month": "3", "incident_date-year": "2025"}
    )
    assert refused.status == 200
    assert question_id(refused) == "incident_date"
    assert refused.error_summary == ["The date must be a real date"]


@pytest.fixture(scope="module")
def number_question():
    questionnaire = load_questionnaire(
        PROJECT_ROOT / "tests/fixtures/questionnaires/all_types.yaml", "all_types.yaml"
    )
    return questionnaire.question("visits")


@pytest.mark.parametrize(
    ("typed", "value"), [("٣", 3), ("３", 3), ("٣١", 31), ("-0", 0), ("007", 7), ("1,000", None)]
)
def test_a_number_in_any_script_is_read_as_its_value(number_question, typed, value):
    parsed = parse_answer(number_question, {"visits": [typed]}, TODAY)
    if value is None:  # above the question's maximum
        assert parsed.error is not None and parsed.error.code == "too_large"
    else:
        assert parsed.error is None and parsed.value == value


@pytest.mark.parametrize("typed", ["²", "3²", LONG, "-" + LONG, "+-3", "-", "1.5", "1e3", "Ⅻ", "0x10"])
def test_a_number_that_is_not_one_is_refused(number_question, typed):
    parsed = parse_answer(number_question, {"visits": [typed]}, TODAY)
    assert parsed.value is None
    assert parsed.error == AnswerError("not_whole_number", "visits")


# The staff pages' filters ---------------------------------------------------------------------


@pytest.fixture
def caseworker(app):
    return staff_client(app, "case@example.org", "caseworker")


def test_the_queue_to_the_last_day_of_the_calendar_has_no_end(app, caseworker):
    reference = add_report(app, "hate_crime_report")
    for query in ("to=9999-12-31", "from=2020-01-01&to=9999-12-31", "from=0001-01-01&to=9999-12-31"):
        page = get(caseworker, f"/staff/reports?{query}")
        assert page.status == 200, query
        assert queue_references(page) == [reference], query
    last_day = get(caseworker, "/staff/reports?from=9999-12-31&to=9999-12-31")
    assert last_day.status == 200
    assert "No reports match these filters." in last_day.text()


@pytest.mark.parametrize("page_number", ["²", "¹", "0", "-1", "100001", LONG, "1.0", "١e٣"])
def test_a_page_that_is_no_page_number_is_refused_with_the_message(app, caseworker, page_number):
    add_report(app, "hate_crime_report")
    admin = staff_client(app, "admin@example.org", "admin")
    for client, address in ((caseworker, "/staff/reports"), (admin, "/staff/audit")):
        page = get(client, f"{address}?page={page_number}")
        assert page.status == 400, (address, page_number)
        assert page.error_summary == ["The page number must be a whole number from 1 to 100,000"]


def test_a_page_number_in_another_script_is_that_page(app, caseworker):
    reference = add_report(app, "hate_crime_report")
    page = get(caseworker, "/staff/reports?page=١")
    assert page.status == 200
    assert queue_references(page) == [reference]


@pytest.mark.parametrize(
    "typed",
    [
        "31-01-2026",
        "2026-1-31",
        "2026/01/31",
        "20260131",
        "2026-W05-6",
        "0000-01-01",
        "2026-02-30",
        "²⁰²⁶-01-31",
        "%2B2026-01-31",
    ],
)
def test_a_date_filter_that_is_no_date_is_refused_with_the_message(app, caseworker, typed):
    page = get(caseworker, f"/staff/reports?from={typed}")
    assert page.status == 400
    assert page.error_summary == ["Enter the start date as a real date, like 27 3 2025"]


def test_a_date_filter_in_another_script_is_that_date(app, caseworker):
    reference = add_report(app, "hate_crime_report")
    page = get(caseworker, "/staff/reports?from=٢٠٢٠-٠١-٠١")
    assert page.status == 200
    assert queue_references(page) == [reference]


@pytest.mark.parametrize("user", ["²", "٣٣٣", LONG, "-1", "1.0"])
def test_an_audit_log_staff_member_that_is_none_is_refused_with_the_message(app, user):
    admin = staff_client(app, "admin@example.org", "admin")
    page = get(admin, f"/staff/audit?user={user}")
    assert page.status == 400
    assert page.error_summary == ["Select a staff member from the list"]
