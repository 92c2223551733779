"""Choosing a language: ?lang=, Accept-Language, remembering it, and switching mid-survey."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, START, begin, question_id


def html_attributes(page) -> tuple[str, str]:
    html = page.soup.find("html")
    return html["lang"], html["dir"]


@pytest.mark.parametrize(
    ("code", "lang", "direction"),
    [
        ("en", "en", "ltr"),
        ("ur", "ur", "rtl"),
        ("ar", "ar", "rtl"),
        ("fa", "fa", "rtl"),
        ("pl", "pl", "ltr"),
        ("zh_Hant", "zh-Hant", "ltr"),
        ("zh_Hans", "zh-Hans", "ltr"),
        ("pa", "pa", "ltr"),
        ("gu", "gu", "ltr"),
        ("ml", "ml", "ltr"),
        ("es", "es", "ltr"),
    ],
)
def test_lang_parameter_sets_lang_and_dir(client, code, lang, direction):
    page = Visitor(client).get(f"/?lang={code}")
    assert html_attributes(page) == (lang, direction)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-HK", "zh-Hant"),
        ("zh-TW,en;q=0.5", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("ur-PK", "ur"),
        ("pl-PL,pl;q=0.9,en;q=0.8", "pl"),
        ("fr-FR,es;q=0.7", "es"),
        ("de-DE", "en"),
        ("not a language", "en"),
    ],
)
def test_first_visit_follows_accept_language(client, header, lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert f'<html lang="{lang}"' in response.get_data(as_text=True)


def test_a_browser_preference_is_worked_out_once_and_a_long_one_is_never_kept(client):
    from survey_app.i18n import _best_for

    _best_for.cache_clear()
    for _ in range(3):
        assert '<html lang="pl"' in client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9"}).text
    assert (_best_for.cache_info().misses, _best_for.cache_info().hits) == (1, 2)

    # Made-up headers cannot fill a worker's memory; a long one is still understood.
    long_header = ",".join(f"x{n:04d};q=0.{n % 9 + 1}" for n in range(30)) + ",ur;q=0.05"
    assert len(long_header) > 200
    assert '<html lang="ur"' in client.get("/", headers={"Accept-Language": long_header}).text
    assert _best_for.cache_info().currsize == 1


def test_chosen_language_is_remembered_over_the_browser_preference(client):
    Visitor(client).get("/?lang=pl")
    later = client.get(START, headers={"Accept-Language": "es"})
    assert '<html lang="pl"' in later.get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    page = Visitor(client).get("/?lang=xx")
    assert html_attributes(page) == ("en", "ltr")


def test_switcher_names_each_language_in_itself_and_links_to_this_page(client):
    visitor = Visitor(client)
    page = begin(visitor)
    switcher = page.soup.select_one(".app-language-switcher")
    current = switcher.select_one("[aria-current]")
    assert current.get_text(strip=True) == "English"
    links = {a["hreflang"]: a for a in switcher.find_all("a")}
    assert links["ur"].get_text(strip=True) == "اردو"
    assert links["ur"]["lang"] == "ur"
    assert links["pl"].get_text(strip=True).lower() == "polski"
    assert links["zh-Hant"]["href"] == "/surveys/community_confidence/questions/police_rating?lang=zh_Hant"


def test_switching_mid_survey_keeps_answers_and_page_and_stores_once(app, client):
    visitor = Visitor(client)
    page = begin(visitor)
    for qid in ("police_rating", "police_council_dealing"):
        page = visitor.submit(page, {qid: ANSWERS[qid]})
    assert question_id(page) == "asb_problem"
    switched = visitor.get(page.soup.select_one('.app-language-switcher a[hreflang="ur"]')["href"])
    assert question_id(switched) == "asb_problem"
    assert html_attributes(switched) == ("ur", "rtl")
    back = visitor.get(switched.link_href(switched.soup.select_one(".govuk-back-link").get_text(strip=True)))
    assert back.form_fields()["police_council_dealing"] == [ANSWERS["police_council_dealing"]]

    page = switched
    while "/questions/" in page.url:
        page = visitor.submit(page, {question_id(page): ANSWERS[question_id(page)]})
    confirmation = visitor.submit(page)
    assert confirmation.soup.find(id="reference")
    with app.app_context():
        responses = db.session.scalars(sa.select(Response).filter_by(source="web")).all()
    assert len(responses) == 1
    assert responses[0].answers == ANSWERS
    assert responses[0].language == "ur"


def test_language_survives_a_timed_out_survey(app, client):
    visitor = Visitor(client)
    visitor.get("/?lang=es")
    begin(visitor)
    page = visitor.get(f"{START}/timed-out")
    assert html_attributes(page)[0] == "es"
    client.delete_cookie("sts_session")
    assert html_attributes(visitor.get(START))[0] == "es"
