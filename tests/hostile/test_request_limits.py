"""The limits on what one request may send, at their exact edges, and that the README states them.

A body is at most 256 KiB (262,144 bytes), except a margins upload, whose route takes 1 MiB so that
a file too large gets the form's own message; a form sends at most 200 fields, whether it is
urlencoded (as every form of the service is) or multipart. One byte or one field more gets the
413 page, worded for what was sent.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.insight.admin import MAX_UPLOAD_BODY
from survey_app.security import MAX_BODY_BYTES, MAX_FORM_FIELDS
from tests.conftest import PROJECT_ROOT
from tests.pages import Page
from tests.web.test_triage import staff_client

from .support import csrf_token
from .test_form_routes import multipart, urlencode

SIGN_IN = "/staff/sign-in"
MARGINS = "/staff/margins"
URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "limits-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
TOO_LARGE = "What you sent was too large"


def urlencoded_of_size(token: str, size: int) -> bytes:
    """A sign-in form of exactly `size` bytes: the padding is one more field."""
    body = urlencode([("csrf_token", token), ("email", "nobody@example.org"), ("password", "x"), ("pad", "")])
    return body + b"x" * (size - len(body))


def multipart_of_size(token: str, size: int) -> bytes:
    """A margins upload of exactly `size` bytes: the file is padded to make it so."""

    def upload(content: bytes) -> bytes:
        parts = [("csrf_token", token.encode(), None), ("margins", content, "margins.csv")]
        return multipart(parts, BOUNDARY)

    return upload(b"x" * (size - len(upload(b""))))


def post(client: FlaskClient, url: str, body: bytes, content_type: str) -> Page:
    return Page(url, client.post(url, data=body, content_type=content_type))


@pytest.fixture
def visitor(app: Flask) -> tuple[FlaskClient, str]:
    client = app.test_client()
    return client, csrf_token(client.get(SIGN_IN))


def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(visitor):
    client, token = visitor
    at_limit = urlencoded_of_size(token, MAX_BODY_BYTES)
    assert len(at_limit) == MAX_BODY_BYTES == 262_144
    read = post(client, SIGN_IN, at_limit, URLENCODED)
    assert read.status == 200  # the sign-in page again, saying the email or password is wrong
    assert read.error_summary
    refused = post(client, SIGN_IN, urlencoded_of_size(token, MAX_BODY_BYTES + 1), URLENCODED)
    assert refused.status == 413
    assert refused.heading == TOO_LARGE
    assert "Go back, shorten your answer and try again." in refused.text()


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_of_exactly_the_most_fields_is_read_and_one_field_more_is_refused(visitor, encoding):
    client, token = visitor

    def form(fields: int) -> tuple[bytes, str]:
        pairs = [("csrf_token", token), ("email", "nobody@example.org"), ("password", "x")]
        pairs += [("extra", "1")] * (fields - len(pairs))
        if encoding == "urlencoded":
            return urlencode(pairs), URLENCODED
        return multipart([(k, v.encode(), None) for k, v in pairs], BOUNDARY), MULTIPART

    assert MAX_FORM_FIELDS == 200
    read = post(client, SIGN_IN, *form(MAX_FORM_FIELDS))
    assert read.status == 200 and read.error_summary
    refused = post(client, SIGN_IN, *form(MAX_FORM_FIELDS + 1))
    assert refused.status == 413
    assert refused.heading == TOO_LARGE


def test_fields_are_counted_not_separators(visitor):
    client, token = visitor
    # Empty pieces between ampersands are no fields: the form is read.
    body = urlencode([("csrf_token", token), ("email", "a@example.org"), ("password", "x")]) + b"&" * 1000
    assert post(client, SIGN_IN, body, URLENCODED).status == 200


def test_a_margins_upload_may_be_larger_and_a_file_too_large_gets_the_forms_message(app):
    admin = staff_client(app, "admin@example.org", "admin")
    token = csrf_token(admin.get(MARGINS))
    for size in (MAX_BODY_BYTES + 1, MAX_UPLOAD_BODY):
        page = post(admin, MARGINS, multipart_of_size(token, size), MULTIPART)
        assert page.status == 400, size
        assert page.error_summary == ["The file must be smaller than 200 KB"], size
    refused = post(admin, MARGINS, multipart_of_size(token, MAX_UPLOAD_BODY + 1), MULTIPART)
    assert refused.status == 413
    assert refused.heading == TOO_LARGE
    assert "Go back and choose a smaller file." in refused.text()


def test_the_larger_body_is_for_the_upload_route_alone(app):
    admin = staff_client(app, "admin@example.org", "admin")
    token = csrf_token(admin.get("/staff/surveys"))
    body = urlencode([("csrf_token", token), ("state", "open"), ("pad", "x" * MAX_BODY_BYTES)])
    assert post(admin, "/staff/surveys/community_confidence/state", body, URLENCODED).status == 413


def test_the_readme_states_the_limits_the_code_has():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.search(
        r"at most 256 KiB \(([\d,]+) bytes\).*?(\d+) fields"
        r".*?margins upload.*?1 MiB \(([\d,]+) bytes\)",
        readme,
        re.S,
    )
    assert stated, "the README no longer states the request limits"
    body, fields, upload = (int(group.replace(",", "")) for group in stated.groups())
    assert (body, fields, upload) == (MAX_BODY_BYTES, MAX_FORM_FIELDS, MAX_UPLOAD_BODY)
