"""Hostile query strings on every GET route of the URL map, for every kind of visitor: never a 500.

Every query parameter any view reads (found in the source, so a new one cannot be missed) is sent
with values chosen to break a careless parser: dates at the edges of the calendar, numbers too
large for a column or for Python's int(), digits that str.isdigit() and int() accept but a person
does not mean ("²", "٣"), zero and negative pages, parameters repeated, bytes that are not UTF-8.
Each route is asked by a signed-out visitor, by each staff role and by a staff member with no role,
with the real values of the access matrix in its address. Whatever is sent, the answer is the
service's own: a page, a redirect or a refusal, never a server error.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterator
from functools import cache
from typing import ClassVar

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict

from survey_app.demo import make_demo_responses
from survey_app.extensions import db
from survey_app.insight import routes as insight_routes
from survey_app.kpis import routes as kpi_routes
from survey_app.models import Response
from survey_app.registry import get_published
from survey_app.security import LimitedRequest
from survey_app.staff.passwords import hash_password
from tests.conftest import PROJECT_ROOT, _backends, _empty_tables, _postgresql_url, make_app
from tests.security.test_access_matrix import (
    IDENTITIES,
    PASSWORD,
    World,
    add_staff,
    app_without_data,
    requests_for,
)
from tests.web.test_triage import add_referral, add_report

# Every query parameter a view or template reads; test_every_parameter_the_code_reads_is_sent checks
# the list against the source.
PARAMETERS = (
    "action",
    "area",
    "centre",
    "change",
    "count",
    "done",
    "download",
    "form",
    "from",
    "id",
    "imported",
    "lang",
    "line",
    "measure",
    "next",
    "page",
    "period",
    "place",
    "quarter",
    "reference",
    "saved",
    "show",
    "status",
    "to",
    "unchanged",
    "upto",
    "uploaded",
    "user",
    "v",
)
# How the source reads a query parameter: request.args.get("x"), request.values.get("x"), and the
# triage filters' helpers, which are handed request.args.
_READS = re.compile(
    r"""(?:args|values)\.get\(\s*["']([\w-]+)["']|_(?:text|date)\(\s*args\s*,\s*["']([\w-]+)["']"""
)

HOSTILE_VALUES = (
    # Numbers: zero, negative, signed, decimal, too large for a column, for a float, for int().
    "0",
    "-1",
    "+1",
    " 1",
    "1.5",
    "00",
    "1e309",
    "NaN",
    "-inf",
    "2147483648",
    "9223372036854775808",
    "9" * 30,
    "9" * 5000,
    # Digits that are not ASCII: str.isdigit() says yes to all of these, int() to some.
    "²",
    "٣",
    "１２",
    "٢٠٢٦",
    "߁",
    "Ⅻ",
    "¹²³",
    # Dates at the edges of the calendar and beyond it, and ISO forms no date box sends.
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "9999-99-99",
    "10000-01-01",
    "2026-W01-1",
    "20260131",
    "٢٠٢٦-٠١-٣١",
    "2026-01-31T25:00",
    "-2026-01-01",
    # Quarters that are not, and the filters' own words in the wrong place.
    "2026Q5",
    "٢٠٢٦Q1",
    "0000Q1",
    "9999Q4",
    "last4",
    "all",
    "online",
    "excluded",
    "1",
    # Text.
    "",
    "\x00",
    "\u202eevil",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "x" * 8000,
    "R-AAAA-BBBB-CC",
    "r-aaaa-bbbb-cc",
    "//evil.example/",
    "\\\\evil.example",
    "/staff/reports",
)
# Query strings no form builds: broken percent-encoding, bare names, repeated and bracketed names.
RAW_QUERIES = (
    "page=%ff",
    "page=%00",
    "page=%",
    "page=%zz",
    "page",
    "=",
    "&&&",
    "page[]=1",
    "%ff=1",
    "from=2026-02-01&to=2026-01-01",
    "to=9999-12-31&from=9999-12-31",
    "from=0001-01-01&to=0001-01-01",
    "page=1&page=²",
    "page=²&page=1",
    "user=1&user=²",
    "user=٣",
    "page=٣",
    "period=2026Q1&period=²",
    "quarter=2026Q3&quarter=",
    "lang=ar&lang=%ff",
)


EVERY_PARAMETER = urllib.parse.urlencode([(name, "1") for name in PARAMETERS])
# Sent in each parameter alone too: with every parameter at once, the first one a page refuses can
# hide what another would have done.
ALONE = ("²", "٣", "9999-12-31", "0001-01-01", "-1", "0", "9" * 5000, "2147483648", "\x00")


@cache
def query_strings() -> tuple[str, ...]:
    """Each hostile value in every parameter at once, then some repeated after a harmless value."""
    queries = [urllib.parse.urlencode([(name, value) for name in PARAMETERS]) for value in HOSTILE_VALUES]
    for value in ("²", "٣", "9999-12-31", "-1", "9" * 5000):
        queries.append(urllib.parse.urlencode([(name, v) for name in PARAMETERS for v in ("1", value)]))
    return (*queries, *RAW_QUERIES)


def one_parameter_queries(names: set[str]) -> tuple[str, ...]:
    return tuple(urllib.parse.urlencode([(name, value)]) for name in sorted(names) for value in ALONE)


class ReadParameters(ImmutableMultiDict):
    """Request parameters that note which names the code looks up."""

    read: ClassVar[set[str]] = set()

    def __getitem__(self, key):
        ReadParameters.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        ReadParameters.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        ReadParameters.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        ReadParameters.read.add(key)
        return super().__contains__(key)


class NotingRequest(LimitedRequest):
    parameter_storage_class = ReadParameters


def get_routes() -> list[str]:
    """Every endpoint with a GET rule."""
    rules = app_without_data().url_map.iter_rules()
    return sorted({rule.endpoint for rule in rules if "GET" in (rule.methods or ())})


def test_every_parameter_the_code_reads_is_sent():
    read: ClassVar[set[str]] = set()
    for path in (PROJECT_ROOT / "survey_app").rglob("*"):
        if path.suffix in (".py", ".html"):
            for match in _READS.finditer(path.read_text(encoding="utf-8")):
                read.add(match.group(1) or match.group(2))
    assert read, "the pattern no longer finds how the code reads query parameters"
    assert read <= set(PARAMETERS), f"parameters read but never sent here: {sorted(read - set(PARAMETERS))}"


@pytest.fixture(scope="module", params=_backends())
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "postgresql":
        url = _postgresql_url(request.getfixturevalue("postgresql_schema"))
    else:
        url = request.getfixturevalue("database_urls")["sqlite"]
    app: Flask = make_app(url)
    app.request_class = NotingRequest
    _empty_tables(app)
    world = World(app)
    patch = pytest.MonkeyPatch()
    # The PDF itself is tested in tests/web/test_insight.py; WeasyPrint takes seconds a page here.
    patch.setattr(insight_routes, "render_pdf", lambda *args, **kwargs: b"%PDF-1.7 stand-in")
    patch.setattr(kpi_routes, "render_pdf", lambda *args, **kwargs: b"%PDF-1.7 stand-in")
    with app.app_context():
        published = get_published("community_confidence")
        db.session.add_all(make_demo_responses(published, 400, seed=11, today=dt.date(2026, 11, 24)))
        db.session.commit()
        world.real_values["insight"]["response_id"] = db.session.scalar(sa.select(sa.func.min(Response.id)))
    reference = add_report(app, "hate_crime_report")
    world.real_values["triage"]["reference"] = reference
    world.real_values["triage"]["referral_id"] = add_referral(app, reference)
    # A draft questionnaire, so that its preview pages are sent every query string too.
    world.fresh_draft()
    password_hash = hash_password(PASSWORD)
    for identity in IDENTITIES:
        if identity.roles is not None:
            add_staff(app, identity, password_hash)
    for identity in IDENTITIES:
        world.open_browser(identity)
    yield world
    patch.undo()
    _empty_tables(app)


def is_let_in(status: int) -> bool:
    """Not the sign-in redirect or a refusal for want of a role."""
    return status not in (302, 403)


def served_by_the_service(body: str) -> bool:
    """A page of the service's own (a heading in its layout), not a bare server error."""
    return "Traceback" not in body and ("<h1" in body or not body.lstrip().startswith("<"))


# Routes that draw something costly for every request and read their parameters through the same
# code as a cheap sibling, which is sent every query string: here a sample, and each parameter alone.
SAMPLED = {
    "insight.board_pack_pdf": "insight.board_pack",
    "insight.chart": "insight.dashboard",
    "insight.ward_chart": "insight.wards",
    "kpis.board_paper_pdf": "kpis.board_paper",
    "kpis.board_paper_csv": "kpis.board_paper",
    "kpis.board_paper_xlsx": "kpis.board_paper",
}


@pytest.mark.parametrize("endpoint", get_routes())
def test_no_query_string_gives_a_server_error_on_any_get_route(world, endpoint):
    blueprint = endpoint.rsplit(".", 1)[0]
    urls = [
        request.url
        for rule in world.app.url_map.iter_rules(endpoint)
        for request in requests_for(rule, world.real_values.get(blueprint, {}))
        if request.known and request.method == "GET"
    ]
    assert urls, f"{endpoint} has no GET address to ask"
    # A visitor the route refuses (signed out, or without the role) reads no parameter: a sample
    # shows the refusal holds whatever is sent. Each parameter the route reads is also sent alone,
    # once to every address, by the first visitor let in.
    problems = []
    alone_from = None
    for identity in IDENTITIES:
        browser = world.browser(identity)
        for url in urls:
            ReadParameters.read = set()
            let_in = is_let_in(world.send(browser, "GET", f"{url}?{EVERY_PARAMETER}", None).status_code)
            queries = query_strings() if let_in and endpoint not in SAMPLED else query_strings()[::10]
            if let_in and alone_from in (None, identity):
                alone_from = identity
                queries = (*queries, *one_parameter_queries(ReadParameters.read & set(PARAMETERS)))
            for query in queries:
                response = world.send(browser, "GET", f"{url}?{query}", None)
                body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
                if response.status_code >= 500 or not served_by_the_service(body):
                    problems.append(f"{identity.name}: GET {url}?{query[:120]}: {response.status_code}")
    assert not problems, f"{endpoint}:\n" + "\n".join(problems[:40])
