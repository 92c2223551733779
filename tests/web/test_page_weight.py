"""The page-weight budget of the confidence survey, on a cheap phone on a weak signal.

A resident lands on the survey's start page with nothing cached. Everything that
page makes the phone fetch (its HTML, and every stylesheet, script, module the
scripts import, image, icon and manifest it leads to) must come to at most
40 KB compressed with gzip -6, as a web server would send it. After that, each
page (every question, check answers, confirmation) may cost at most 8 KB of
compressed HTML and nothing else: it may refer only to files the first page
already loaded, each under the same fingerprinted URL (`?v=<hash>`), which the
phone keeps for a year without asking again (survey_app/assets.py).

The journey is walked in English, in the three right-to-left languages and in
Polish, since translated text is longer. `pytest -s` prints the sizes.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.assets import static_version
from tests.conftest import make_app
from tests.pages import Page, Visitor
from tests.web.test_journey import ANSWERS, START, question_id

FIRST_PAGE_BUDGET = 40 * 1024  # the start page with every file it loads, gzipped
LATER_PAGE_BUDGET = 8 * 1024  # each later page's HTML alone, gzipped
ONE_YEAR = 365 * 24 * 60 * 60
LANGUAGES = ["en", "ur", "ar", "fa", "pl"]
RIGHT_TO_LEFT = {"ur", "ar", "fa"}
FONT_FILE = re.compile(r"\.(woff2?|ttf|otf|eot)$", re.IGNORECASE)


def gzipped(data: bytes) -> int:
    """Bytes on the wire when a web server compresses the response (gzip level 6)."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


# ---------------------------------------------------------------------------
# What a browser would fetch for a page
# ---------------------------------------------------------------------------
FETCHED_LINKS = frozenset({"stylesheet", "icon", "apple-touch-icon", "manifest", "modulepreload", "preload"})


class _References(HTMLParser):
    """The URLs a page's HTML makes the browser fetch (not links it merely shows)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and FETCHED_LINKS & set(values.get("rel", "").lower().split()):
            self.urls.append(values["href"])
        elif tag in ("script", "img", "source", "iframe", "video", "audio", "input") and values.get("src"):
            self.urls.append(values["src"])
        if values.get("srcset"):
            self.urls += [part.split()[0] for part in values["srcset"].split(",") if part.strip()]
        if tag == "video" and values.get("poster"):
            self.urls.append(values["poster"])


def html_references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


CSS_URL = re.compile(r"""url\(\s*(['"]?)(?P<url>[^'")]+)\1\s*\)|@import\s+(['"])(?P<import>[^'"]+)\3""")
# Static and dynamic module imports, and re-exports, with a relative or absolute path.
JS_IMPORT = re.compile(
    r"""(?:\bimport\s*\(?\s*|\bfrom\s*|\bimport\s+)(['"])(?P<url>(?:\.{1,2}/|/)[^'"]+)\1"""
)


def css_references(css: str) -> list[str]:
    found = []
    for match in CSS_URL.finditer(css):
        url = (match.group("url") or match.group("import")).strip()
        if not url.startswith(("data:", "#")):
            found.append(url)
    return found


@dataclass
class Asset:
    url: str  # path and query, as the browser would ask for it
    content_type: str
    raw: int
    gzip: int
    cache_control: str
    body: bytes = field(repr=False)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class AssetFetcher:
    """Fetches each referenced file once, following stylesheets, modules and manifests."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.fetched: dict[str, Asset] = {}

    def closure(self, page: Page) -> set[str]:
        """Every URL (path and query) the page makes a browser fetch, at any depth."""
        base = "http://localhost" + page.url
        queue = [urljoin(base, ref) for ref in html_references(page.response.get_data(as_text=True))]
        seen: set[str] = set()
        while queue:
            absolute = queue.pop()
            parts = urlsplit(absolute)
            assert parts.netloc == "localhost", f"{page.url} loads {absolute} from another site"
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local in seen:
                continue
            seen.add(local)
            asset = self.fetch(local)
            queue += [urljoin(absolute, ref) for ref in self._references(asset)]
        return seen

    def fetch(self, url: str) -> Asset:
        if url not in self.fetched:
            response = self.client.get(url)
            assert response.status_code == 200, f"{url} answered {response.status_code}"
            body = response.get_data()
            self.fetched[url] = Asset(
                url,
                response.mimetype,
                len(body),
                gzipped(body),
                response.headers.get("Cache-Control", ""),
                body,
            )
        return self.fetched[url]

    @staticmethod
    def _references(asset: Asset) -> list[str]:
        text = asset.body.decode("utf-8", errors="replace")
        if asset.content_type == "text/css":
            return css_references(text)
        if asset.content_type in ("text/javascript", "application/javascript"):
            return [match.group("url") for match in JS_IMPORT.finditer(text)]
        if asset.content_type == "application/manifest+json" or asset.path.endswith(".webmanifest"):
            return [icon["src"] for icon in json.loads(text).get("icons", [])]
        return []


# ---------------------------------------------------------------------------
# A resident's whole survey, measured
# ---------------------------------------------------------------------------
@dataclass
class Measured:
    name: str
    url: str
    html_raw: int
    html_gzip: int
    assets: set[str]


@dataclass
class Journey:
    language: str
    first: Measured
    later: list[Measured]
    fetched: dict[str, Asset]  # every file any page of the journey loads, by URL

    @property
    def first_assets(self) -> list[Asset]:
        return [self.fetched[url] for url in sorted(self.first.assets)]

    @property
    def first_total(self) -> int:
        return self.first.html_gzip + sum(asset.gzip for asset in self.first_assets)

    @property
    def largest_later(self) -> Measured:
        return max(self.later, key=lambda page: page.html_gzip)


def _measure(name: str, page: Page, language: str, fetcher: AssetFetcher) -> Measured:
    assert page.status == 200, f"{name} ({page.url}) answered {page.status}"
    html = page.soup.find("html")
    assert html["lang"] == language, f"{name} is in {html['lang']}, not {language}"
    assert html["dir"] == ("rtl" if language in RIGHT_TO_LEFT else "ltr")
    body = page.response.get_data()
    return Measured(name, page.url, len(body), gzipped(body), fetcher.closure(page))


def walk(app: Flask, language: str) -> Journey:
    """Start page, every question (the first also with its error), check answers, confirmation."""
    client = app.test_client()
    visitor = Visitor(client)
    fetcher = AssetFetcher(client)
    start = visitor.get(f"{START}?lang={language}")
    first = _measure("start", start, language, fetcher)

    later: list[Measured] = []
    page = visitor.submit(start)
    while "/questions/" in page.url:
        qid = question_id(page)
        later.append(_measure(qid, page, language, fetcher))
        if len(later) == 1:
            later.append(_measure(f"{qid} (error)", visitor.submit(page), language, fetcher))
        page = visitor.submit(page, {qid: ANSWERS[qid]})
        assert len(later) < 40, "the survey does not end"
    assert page.url.endswith("/check-answers"), page.url
    later.append(_measure("check answers", page, language, fetcher))
    confirmation = visitor.submit(page)
    assert confirmation.url.endswith("/confirmation"), confirmation.url
    assert confirmation.soup.find(id="reference") is not None, "the answers were not sent"
    later.append(_measure("confirmation", confirmation, language, fetcher))
    assert [p.name for p in later if "(" not in p.name][: len(ANSWERS)] == list(ANSWERS)
    return Journey(language, first, later, fetcher.fetched)


def _table(journeys: list[Journey]) -> str:
    english = journeys[0]
    lines = [
        "",
        "Page weight (bytes; gzip = compressed with gzip -6, as sent by a web server)",
        "",
        f"  {'the start page (en) loads':<58}{'raw':>8}{'gzip':>8}",
    ]
    for asset in english.first_assets:
        lines.append(f"  {asset.url:<58}{asset.raw:>8}{asset.gzip:>8}")
    lines += [
        "",
        f"  {'lang':<5}{'start HTML':>11}{'first total':>12}{'of 40 KB':>9}{'left':>7}"
        f"   {'largest later page':<26}{'gzip':>6}{'of 8 KB':>8}{'left':>6}{'pages':>6}",
    ]
    for journey in journeys:
        largest = journey.largest_later
        lines.append(
            f"  {journey.language:<5}{journey.first.html_gzip:>11}{journey.first_total:>12}"
            f"{journey.first_total / FIRST_PAGE_BUDGET:>9.0%}{FIRST_PAGE_BUDGET - journey.first_total:>7}"
            f"   {largest.name:<26}{largest.html_gzip:>6}{largest.html_gzip / LATER_PAGE_BUDGET:>8.0%}"
            f"{LATER_PAGE_BUDGET - largest.html_gzip:>6}{len(journey.later):>6}"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the module (sizes do not depend on the database), walked once in each language."""
    database = tmp_path_factory.mktemp("page-weight") / "weight.sqlite3"
    return make_app(f"sqlite:///{database}")


@pytest.fixture(scope="module")
def journeys(app: Flask) -> Iterator[dict[str, Journey]]:
    walked = {language: walk(app, language) for language in LANGUAGES}
    print(_table(list(walked.values())))
    yield walked


# ---------------------------------------------------------------------------
# The budget
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_first_page_with_everything_it_loads_is_within_40_kb(journeys, language):
    journey = journeys[language]
    kinds = {asset.content_type for asset in journey.first_assets}
    assert "text/css" in kinds and "text/javascript" in kinds, f"found only {kinds}: is the parser blind?"
    listing = ", ".join(f"{a.name} {a.gzip}" for a in journey.first_assets)
    assert journey.first_total <= FIRST_PAGE_BUDGET, (
        f"{language}: the start page and its files come to {journey.first_total} bytes gzipped, "
        f"over the {FIRST_PAGE_BUDGET} budget (HTML {journey.first.html_gzip}, {listing})"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_later_page_is_within_8_kb(journeys, language):
    over = [
        f"{page.name} {page.html_gzip}"
        for page in journeys[language].later
        if page.html_gzip > LATER_PAGE_BUDGET
    ]
    assert not over, f"{language}: pages over {LATER_PAGE_BUDGET} bytes gzipped: {', '.join(over)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_later_pages_load_nothing_the_first_page_did_not(journeys, language):
    journey = journeys[language]
    for page in journey.later:
        new = page.assets - journey.first.assets
        assert not new, f"{language}: {page.name} ({page.url}) makes the phone fetch {sorted(new)}"


def test_every_file_is_fingerprinted_and_cached_for_a_year(app, journeys):
    assets = {url: asset for journey in journeys.values() for url, asset in journey.fetched.items()}
    by_path: dict[str, set[str]] = {}
    for url, asset in assets.items():
        query = parse_qs(urlsplit(url).query)
        assert "v" in query, f"{url} has no ?v= fingerprint, so phones must ask for it again on every page"
        filename = asset.path.removeprefix(app.static_url_path + "/")
        assert query["v"] == [static_version(app.static_folder, filename)], (
            f"{url}: the fingerprint is not the file's current hash (a stale build?)"
        )
        directives = {part.strip().split("=")[0]: part.strip() for part in asset.cache_control.split(",")}
        assert "immutable" in directives, f"{url}: Cache-Control is {asset.cache_control!r}"
        max_age = int(directives.get("max-age", "max-age=0").split("=")[1])
        assert max_age >= ONE_YEAR, f"{url}: Cache-Control is {asset.cache_control!r}"
        by_path.setdefault(asset.path, set()).add(url)
    twice = {path: urls for path, urls in by_path.items() if len(urls) > 1}
    assert not twice, f"files fetched under more than one URL, so downloaded more than once: {twice}"


def test_no_web_font_is_loaded(journeys):
    """System fonts only: the stylesheets declare no @font-face and nothing fetches a font file."""
    for journey in journeys.values():
        for asset in journey.first_assets:
            assert not FONT_FILE.search(asset.path), f"{journey.language}: the start page loads {asset.url}"
            if asset.content_type == "text/css":
                assert b"@font-face" not in asset.body, f"{asset.url} declares a web font (@font-face)"
    built = Path(__file__).resolve().parents[2] / "survey_app" / "static"
    fonts = [str(path.relative_to(built)) for path in built.rglob("*") if FONT_FILE.search(path.name)]
    assert not fonts, f"font files are shipped in static/: {fonts}"
