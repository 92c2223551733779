"""Hostile request headers and cookies: whatever a client puts in them, the service's own answer.

A Host header whose label is longer than DNS allows (or "a..b") makes Werkzeug refuse the request
with 400 before any route is matched, and leaves no way to build a link: the error page's layout
then failed, and the 400 became a bare 500. A proxy such as nginx passes such a Host on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import _empty_tables, make_app
from tests.pages import Page

HOSTILE_HEADERS = [
    {"Host": "a" * 64},
    {"Host": "a" * 64 + ".example"},
    {"Host": "a..b"},
    {"Host": "x:99999"},
    {"Host": "évil.example"},
    {"Accept-Language": "x" * 5000},
    {"Accept-Language": "zh-Hant;q=abc, ar;q=1e400, *;q=-1"},
    {"Accept-Language": "²;q=0.5, ٣"},
    {"X-Forwarded-For": "not-an-address, ²"},
    {"X-Forwarded-Host": "a" * 64},
    {"X-Forwarded-Proto": "gopher"},
    {"X-Request-ID": "\x00" * 10},
    {"Cookie": "sts_session=%ff%00garbage; sts_lang=²"},
    {"Cookie": "sts_session=" + "A" * 5000},
    {"Cookie": "sts_session=eyJ4Ijoi.invalid.signature"},
    {"If-Modified-Since": "Thu, 31 Dec 9999 23:59:59 GMT"},
    {"If-Modified-Since": "not a date"},
    {"Range": "bytes=9999999999999999999-"},
    {"Range": "bytes=5-1"},
]
PAGES = [
    "/",
    "/surveys/community_confidence",
    "/forms/incident",
    "/kiosk/partington",
    "/staff",
    "/staff/sign-in",
    "/healthz",
    "/s/community_confidence/altrincham",
    "/static/dist/app.css",
    "/no-such-page",
]
POSTS = ["/surveys/community_confidence/start", "/staff/sign-in", "/kiosk/partington/reset"]


@pytest.fixture
def proxied(database_url: str) -> Iterator[Flask]:
    """Behind one trusted proxy, so that the forwarded headers are read too."""
    app = make_app(database_url, TRUSTED_PROXY_COUNT=1, RATELIMIT_ENABLED=False)
    yield app
    _empty_tables(app)


def header_id(headers: dict[str, str]) -> str:
    ((name, value),) = headers.items()
    return f"{name}={value[:12]!r}"


@pytest.mark.parametrize("headers", HOSTILE_HEADERS, ids=header_id)
def test_no_header_gives_a_server_error(proxied, headers):
    client = proxied.test_client()
    for method, paths in (("GET", PAGES), ("POST", POSTS)):
        for path in paths:
            body = b"a=1" if method == "POST" else None
            response = client.open(path, method=method, headers=headers, data=body)
            assert response.status_code < 500, (method, path, response.status_code)
            if response.status_code >= 400 and response.mimetype == "text/html":
                assert Page(path, response).soup.find("h1") is not None, (method, path)


def test_a_host_that_cannot_be_bound_gets_the_400_page_with_working_links(proxied):
    response = proxied.test_client().get("/surveys/community_confidence", headers={"Host": "a" * 64})
    page = Page("/", response)
    assert page.status == 400
    assert page.heading == "Sorry, that did not work"
    assert page.link_href("Go to the Safer Trafford Surveys home page") == "/"
