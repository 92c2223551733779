"""A kept question page is the page drawn afresh, in whatever state it is asked for.

Question pages are drawn once per state and reused (survey/page_cache.py). If anything a page
shows were left out of the key it is kept under, someone would be shown a page drawn for another
state: another language, a kiosk's bar on a phone, the wrong answer ticked, "change" links that
lead elsewhere. Random journeys through every questionnaire, in random languages, on a kiosk or
not, with answers changed and errors made, compare each page served from the kept pages with the
same page drawn from nothing.
"""

from __future__ import annotations

import random
import re

from flask import Flask

from survey_app.i18n import CENSUS_ORDER
from tests.conftest import make_app
from tests.pages import Page, Visitor

FORMS = ("/surveys/community_confidence", "/forms/incident", "/forms/support")
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"|value="[^"]*" name="csrf_token"')


def _without_token(html: str) -> str:
    return re.sub(r'(<input[^>]*name="csrf_token"[^>]*>)', "<csrf>", html)


def _drawn_afresh(fresh_app: Flask, client, url: str) -> str:
    """The page at `url` drawn by an app with no kept pages, for the same browser."""
    fresh_app.extensions.pop("page_cache", None)
    other = fresh_app.test_client()
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    response = other.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _answer(rng: random.Random, page: Page) -> dict[str, object]:
    """A random answer to the page's question: a choice, words, a date, or nothing (an error)."""
    if rng.random() < 0.15:
        return {}
    answers: dict[str, object] = {}
    form = page.soup.select("main form")[-1]
    names = {e["name"] for e in form.find_all(["input", "textarea"], attrs={"name": True})} - {"csrf_token"}
    for name in names:
        choices = page.choices(name)
        if name.endswith("-approximate"):
            continue
        if choices:
            answers[name] = rng.choice(choices)
        elif name.endswith("-year"):
            answers[name] = "2025"
        elif name.endswith("-month"):
            answers[name] = str(rng.randint(1, 12))
        elif name.endswith("-day"):
            answers[name] = ""
        elif "postcode" in name:
            answers[name] = "WA14 1EW"
        else:
            answers[name] = rng.choice(["", "Some words", "12"])
    return answers


def test_every_kept_page_is_the_page_drawn_afresh(app, database_url):
    fresh_app = make_app(database_url)
    rng = random.Random(20261202)  # noqa: S311 - repeatable journeys, not a secret
    compared = 0
    for _journey in range(24):
        client = app.test_client()
        visitor = Visitor(client)
        if rng.random() < 0.4:
            visitor.get("/kiosk/partington")
        language = rng.choice(CENSUS_ORDER)
        form = rng.choice(FORMS)
        visitor.get(f"{form}?lang={language}")
        page = visitor.submit(visitor.get(form))
        for _step in range(rng.randint(1, 8)):
            if "/questions/" not in page.url:
                break
            if page.soup.select_one("main form") is None:
                break  # a final page: nothing more to answer
            url = page.url
            for asked in {
                url,
                f"{url}?change=1" if rng.random() < 0.3 else url,
                f"{url}?lang={rng.choice(CENSUS_ORDER)}" if rng.random() < 0.3 else url,
            }:
                kept = visitor.get(asked)
                if "/questions/" not in kept.url:
                    continue
                assert _without_token(kept.response.get_data(as_text=True)) == _without_token(
                    _drawn_afresh(fresh_app, client, asked)
                ), asked
                compared += 1
            page = visitor.submit(visitor.get(url), _answer(rng, page))
            if page.error_summary:
                page = visitor.submit(page, _answer(rng, page) or {})
        # Going back shows the kept page with this person's answer chosen.
        back = page.soup.select_one(".govuk-back-link")
        if back is not None and "/questions/" in back["href"]:
            kept = visitor.get(back["href"])
            if "/questions/" in kept.url:
                assert _without_token(kept.response.get_data(as_text=True)) == _without_token(
                    _drawn_afresh(fresh_app, client, back["href"])
                )
                compared += 1
    assert compared >= 40
