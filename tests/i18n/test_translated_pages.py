"""Every page of the resident journey, in every language, with no English left on it.

Each page is rendered in English and in the language under test; any piece of
text that is the same in both is leftover English, unless the catalog keeps it
on purpose (a place name, say) or it is not words at all (a number, a
reference, a language's own name in the switcher).
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from tests.conftest import PROJECT_ROOT
from tests.pages import Page, Visitor
from tests.web.test_journey import ANSWERS, START, question_id

LANGUAGES = sorted(p.parent.parent.name for p in (PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/*.po"))


@pytest.fixture
def database_url(database_urls):
    # Text does not depend on the database: SQLite is enough here.
    return database_urls["sqlite"]


def kept_on_purpose(code: str) -> set[str]:
    """Catalog entries translated as themselves (place names and the like)."""
    with (PROJECT_ROOT / f"translations/{code}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return {m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id}


def segments(page: Page) -> list[str]:
    """The visible text of a page, piece by piece, without the language switcher."""
    soup = BeautifulSoup(page.response.get_data(as_text=True), "html.parser")
    for hidden in soup.select(".app-language-switcher, script, style"):
        hidden.decompose()
    title = soup.title.get_text(" ", strip=True)
    pieces = [title, *(s.strip() for s in soup.body.find_all(string=True))]
    return [piece for piece in pieces if re.search(r"[A-Za-z]{2}", piece)]


def journey(visitor: Visitor, lang: str) -> dict[str, Page]:
    """The pages of one complete journey, each shown in `lang`, by name."""
    pages: dict[str, Page] = {"home": visitor.get(f"/?lang={lang}")}
    pages["start"] = visitor.get(f"{START}?lang={lang}")
    page = visitor.submit(pages["start"])
    pages["error"] = visitor.submit(page)
    while "/questions/" in page.url:
        qid = question_id(page)
        pages[qid] = page
        page = visitor.submit(page, {qid: ANSWERS[qid]})
    pages["check"] = page
    pages["confirmation"] = visitor.submit(page)
    pages["not_found"] = visitor.get(f"/no-such-page?lang={lang}")
    pages["timed_out"] = visitor.get(f"{START}/timed-out?lang={lang}")
    return pages


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_every_page_is_fully_translated(app, code):
    english = journey(Visitor(app.test_client()), "en")
    translated = journey(Visitor(app.test_client()), code)
    allowed = kept_on_purpose(code)
    leftovers = []
    for name, page in translated.items():
        assert page.status in (200, 404), (name, page.status)
        same = set(segments(page)) & set(segments(english[name]))
        reference = page.soup.find(id="reference")
        for piece in sorted(same - allowed):
            if reference and piece == reference.get_text(strip=True):
                continue
            leftovers.append(f"{name}: {piece!r}")
    assert not leftovers, f"English left on {code} pages:\n" + "\n".join(leftovers)
