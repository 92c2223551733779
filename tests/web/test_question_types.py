"""Every question type through real pages: what is shown, what is refused, what is stored."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from tests.conftest import PROJECT_ROOT, _empty_tables, make_app
from tests.pages import Page, Visitor
from tests.web.test_journey import question_id

START = "/surveys/all_types"
LAST_YEAR = dt.date.today().year - 1


@pytest.fixture
def app(database_url):
    app = make_app(database_url, QUESTIONNAIRE_DIR=str(PROJECT_ROOT / "tests/fixtures/questionnaires"))
    yield app
    _empty_tables(app)


def begin(visitor: Visitor) -> Page:
    return visitor.submit(visitor.get(START))


def stored(app) -> dict:
    with app.app_context():
        return db.session.scalars(sa.select(Response)).one().answers


def test_every_type_is_stored_normalised(app, client):
    visitor = Visitor(client)
    page = begin(visitor)
    steps = [
        ("visited", {"visited": "yes"}),
        (
            "visit_date",
            {
                "visit_date-day": "",
                "visit_date-month": "6",
                "visit_date-year": str(LAST_YEAR),
                "visit_date-approximate": "yes",
            },
        ),
        ("feelings", {"feelings": ["worried", "safe"]}),
        ("worry_reason", {"worry_reason": "lighting"}),
        ("visits", {"visits": " 1,2 "}),
        ("rating", {}),
        ("agree", {"agree": "neither"}),
        ("comment", {"comment": "Better lights <script>alert(1)</script>\r\nplease"}),
        ("postcode", {"postcode": "wa14 1ab"}),
    ]
    for expected, answers in steps:
        assert question_id(page) == expected
        page = visitor.submit(page, answers)
        assert not page.error_summary, (expected, page.error_summary)
    assert page.url.endswith("/check-answers")
    text = page.text()
    assert f"About June {LAST_YEAR}" in text
    assert "Safe" in text and "Worried" in text
    assert "12 times" in text
    assert "Not answered" in text
    assert "WA14 1AB" in text
    # Free text is shown as text, never as markup.
    assert "<script>alert(1)</script>" in text
    assert page.soup.find("main").find("script") is None

    visitor.submit(page)
    assert stored(app) == {
        "visited": "yes",
        "visit_date": {"year": LAST_YEAR, "month": 6, "day": None, "approximate": True},
        "feelings": ["safe", "worried"],
        "worry_reason": "lighting",
        "visits": 12,
        "rating": None,
        "agree": "neither",
        "comment": "Better lights <script>alert(1)</script>\nplease",
        "postcode": "WA14 1AB",
    }


def test_route_jumps_ahead_and_leaves_no_stale_answers(app, client):
    visitor = Visitor(client)
    page = begin(visitor)
    page = visitor.submit(page, {"visited": "yes"})
    page = visitor.submit(
        page, {"visit_date-day": "1", "visit_date-month": "2", "visit_date-year": str(LAST_YEAR)}
    )
    # Go back to the first question and change the answer: the route skips to the comment.
    first = visitor.get(f"{START}/questions/visited")
    page = visitor.submit(first, {"visited": "no"})
    assert question_id(page) == "comment"
    assert page.link_href("Back").endswith("/questions/visited")
    page = visitor.submit(page, {"comment": ""})
    page = visitor.submit(page, {"postcode": ""})
    assert page.url.endswith("/check-answers")
    visitor.submit(page)
    assert stored(app) == {"visited": "no", "comment": None, "postcode": None}


def answer_up_to(visitor: Visitor, target: str) -> Page:
    answers = {
        "visited": {"visited": "yes"},
        "visit_date": {"visit_date-day": "3", "visit_date-month": "3", "visit_date-year": str(LAST_YEAR)},
        "feelings": {"feelings": "safe"},
        "visits": {"visits": "2"},
        "rating": {"rating": "good"},
        "agree": {"agree": "tend_to_agree"},
        "comment": {"comment": "fine"},
    }
    page = begin(visitor)
    while question_id(page) != target:
        page = visitor.submit(page, answers[question_id(page)])
    return page


@pytest.mark.parametrize(
    ("target", "sent", "message", "kept"),
    [
        (
            "visit_date",
            {"visit_date-day": "31", "visit_date-month": "2", "visit_date-year": "2024"},
            "The date must be a real date",
            {"visit_date-day": ["31"], "visit_date-month": ["2"]},
        ),
        (
            "visit_date",
            {"visit_date-day": "4", "visit_date-month": "", "visit_date-year": "2024"},
            "The date must include a month",
            {"visit_date-day": ["4"]},
        ),
        (
            "visit_date",
            {"visit_date-day": "1", "visit_date-month": "1", "visit_date-year": "3000"},
            "The date must be today or in the past",
            {"visit_date-year": ["3000"]},
        ),
        (
            "visit_date",
            {"visit_date-year": "24"},
            "Enter the year as 4 numbers, like 2025",
            {"visit_date-year": ["24"]},
        ),
        (
            "feelings",
            {"feelings": ["safe", "dont_know"]},
            "Select “Don't know” on its own, or choose from the other answers",
            {"feelings": ["safe", "dont_know"]},
        ),
        ("feelings", {}, "Select at least one answer", {}),
        ("visits", {"visits": "1.5"}, "Enter a whole number, like 12", {"visits": ["1.5"]}),
        ("visits", {"visits": "40"}, "Enter a number between 0 and 31", {"visits": ["40"]}),
        ("agree", {"agree": "maybe"}, "Select one of the answers shown", {}),
        (
            "comment",
            {"comment": "x" * 501},
            "Your answer must be 500 characters or fewer",
            {"comment": ["x" * 501]},
        ),
        (
            "postcode",
            {"postcode": "not a postcode"},
            "Enter a real postcode, like M33 7ZZ",
            {"postcode": ["not a postcode"]},
        ),
    ],
)
def test_bad_answers_are_refused_clearly_and_kept(app, client, target, sent, message, kept):
    visitor = Visitor(client)
    page = answer_up_to(visitor, target)
    refused = visitor.submit(page, sent)
    assert question_id(refused) == target
    assert refused.error_summary == [message]
    assert refused.inline_errors == [message]
    assert refused.title.startswith("Error: ")
    fields = refused.form_fields()
    for name, values in kept.items():
        assert fields.get(name) == values
    link = refused.soup.select_one(".govuk-error-summary__list a")["href"]
    assert refused.soup.find(id=link.removeprefix("#")) is not None


def test_error_does_not_lose_earlier_answers(app, client):
    visitor = Visitor(client)
    page = answer_up_to(visitor, "visits")
    visitor.submit(page, {"visits": "lots"})
    earlier = visitor.get(f"{START}/questions/feelings")
    assert earlier.form_fields()["feelings"] == ["safe"]
