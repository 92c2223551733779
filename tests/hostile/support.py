"""Settings and helpers shared by the hostile-input tests."""

from __future__ import annotations

from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from werkzeug.test import TestResponse

from survey_app.registry import published_at
from tests.pages import Page

# The same examples on every run, so that a failure in CI can be reproduced on a laptop; no example
# database, so that running the tests leaves nothing behind in the working tree.
HOSTILE = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    # The app fixture is deliberately shared by every example of a test: state built up by earlier
    # hostile requests is part of what must survive.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Markup and spreadsheet formulas that must only ever come back as inert text.
MARKUP = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "{{7*7}}",
    "{% raw %}",
    "javascript:alert(1)",
    "</textarea><script>alert(2)</script>",
)
FORMULAS = (
    '=HYPERLINK("http://evil.example","Click")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
)


def answer_every_question(client: FlaskClient, start: str, answers: dict) -> tuple[str, str]:
    """Start a survey or report and answer each question it asks from `answers` (a dict of fields
    for a question with several, as for a date). Returns the check answers address and the CSRF token.

    Posts straight to each page the journey leads to rather than reading each form (as
    tests/pages.py does): much faster, and those forms are tested through their pages elsewhere.
    """
    token = csrf_token(client.get(start))
    location = client.post(f"{start}/start", data={"csrf_token": token}).location
    kind, slug = start.strip("/").split("/")
    with client.application.app_context():
        questionnaire = published_at(slug, "report" if kind == "forms" else "survey").questionnaire
    while "/questions/" in location:
        # A report's addresses are page numbers.
        question = questionnaire.question_at(location.rsplit("/", 1)[-1].split("?")[0]).id
        value = answers.get(question, {})
        fields = value if isinstance(value, dict) else {question: value}
        response = client.post(location, data={"csrf_token": token, **fields})
        assert response.status_code == 302, (question, Page(location, response).error_summary)
        location = response.location
    assert location.endswith("/check-answers"), location
    return location, token


def csrf_token(response: TestResponse) -> str:
    found = Page("/", response).soup.find("input", attrs={"name": "csrf_token"})
    assert found is not None, f"no CSRF token on the page (status {response.status_code})"
    return found["value"]
