"""A report leaves no trace on the device that names its subject.

Someone whose abuser checks their phone sees the tab titles, the history's addresses and,
with a little effort, the cookies. This walks both reporting forms, in English and in other
languages, down every branch the forms have, and looks at each of those.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from urllib.parse import urlsplit

import pytest

from survey_app.registry import all_published
from tests.pages import Page, Visitor
from tests.web.test_journey import question_id
from tests.web.test_reports import ABUSE, HATE, HATE_ANSWERS

ABUSE_REPORT = {
    "safe_now": "yes",
    "in_danger": "no",
    "what_to_do": "report",
    "reporter_role": "victim",
    "abuse_kinds": ["coercive_control"],
    "description": "",
    "children": "no",
    "contact": "contact",
    "safe_phone": "07700 900 123",
    "safe_times": "",
    "voicemail_safe": "no",
    "text_safe": "no",
    "interpreter": "no",
    "share_contact": ["domestic_abuse_service"],
    "share_account": ["domestic_abuse_service"],
}
# Words that would tell someone what the form is about.
TELLING = re.compile(r"abuse|hate|crime|violen|domestic|incident_|victim|report_", re.IGNORECASE)


def report_words(app) -> set[str]:
    """Every id the reporting forms use: the questionnaires' and their questions'."""
    with app.app_context():
        words = set()
        for published in all_published().values():
            questionnaire = published.questionnaire
            if questionnaire.is_report:
                words.add(questionnaire.id)
                words.update(q.id for q in questionnaire.questions)
    return words


def decoded_session(value: str) -> str:
    """What anyone can read in Flask's signed session cookie: it is signed, not encrypted."""
    payload = value.split(".")[1] if value.startswith(".") else value.split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        data = zlib.decompress(data)
    return data.decode("utf-8")


class Walk:
    """A visitor whose every page, address and cookie is kept for inspection."""

    def __init__(self, client, language: str) -> None:
        self.visitor = Visitor(client)
        self.client = client
        self.language = language
        self.pages: list[Page] = []
        self.cookies: list[tuple[str, str]] = []

    def _keep(self, page: Page) -> Page:
        self.pages.append(page)
        self.cookies.extend((cookie.key, cookie.value) for cookie in self.client._cookies.values())
        return page

    def start(self, form: str) -> Page:
        self.visitor.get(f"{form}?lang={self.language}")
        self._keep(self.visitor.get(form))
        return self._keep(self.visitor.submit(self.pages[-1]))

    def answer(self, page: Page, answers: dict) -> Page:
        for _step in range(40):
            if "/questions/" not in page.url or page.soup.select_one("main form") is None:
                return page
            qid = question_id(page)
            value = answers[qid]
            page = self._keep(self.visitor.submit(page, value if isinstance(value, dict) else {qid: value}))
        raise AssertionError("the journey did not end")

    def check_error_page(self, page: Page) -> None:
        """An empty answer, to see the error page's title and links."""
        form = page.soup.select_one("main form")
        if form is None or question_id(page) in ("description", "safe_times", "offender"):
            return
        self._keep(self.visitor.submit(page, {}))


def neutral_title(client, language: str) -> str:
    page = Visitor(client).get(f"{HATE}?lang={language}")
    return page.title


@pytest.mark.parametrize("language", ["en", "ur", "pl", "zh_Hant"])
def test_a_walk_through_both_forms_shows_one_neutral_title_and_names_nothing(app, client, language):
    words = report_words(app)
    walks = []
    hate = Walk(app.test_client(), language)
    page = hate.start(HATE)
    hate.check_error_page(page)
    hate.answer(page, HATE_ANSWERS)
    walks.append(hate)
    for answers in (
        ABUSE_REPORT,
        {"safe_now": "no"},
        {"safe_now": "yes", "in_danger": "yes"},
        {"safe_now": "yes", "in_danger": "no", "what_to_do": "information_only"},
    ):
        walk = Walk(app.test_client(), language)
        page = walk.start(ABUSE)
        walk.check_error_page(page)
        walk.answer(page, answers)
        walks.append(walk)

    title = neutral_title(app.test_client(), language)
    assert title and not TELLING.search(title)
    if language == "en":
        assert title == "Contact form"
    for walk in walks:
        for page in walk.pages:
            # One title on every page of both forms; an error page may only say it is one.
            if page.error_summary:
                assert page.title.endswith(title) and len(page.title) - len(title) <= 12, page.title
            else:
                assert page.title == title, (page.url, page.title)
            addresses = [page.url] + [
                element.get(attribute)
                for element in page.soup.find_all(["a", "form"])
                for attribute in ("href", "action")
                if element.get(attribute)
            ]
            for address in addresses:
                parts = urlsplit(address)
                if parts.netloc or parts.scheme in ("tel", "mailto"):
                    continue  # another site (the exit page) or a phone number
                segments = set(re.split(r"[/?&=#.\-]", f"{parts.path}?{parts.query}#{parts.fragment}"))
                assert not segments & words, (page.url, address)
                assert not TELLING.search(address), (page.url, address)
        for name, value in walk.cookies:
            readable = decoded_session(value) if name == "sts_session" else value
            named = {word for word in words if word in readable}
            assert not named and not TELLING.search(readable), (name, readable)


def test_a_report_in_progress_ends_with_the_browser_session(app, client):
    walk = Walk(client, "en")
    walk.visitor.submit(walk.start(HATE), {"reporter_role": "victim"})
    held = client.get_cookie("sts_form")
    assert held is not None and held.expires is None, "the report's token must not outlive the browser"
    assert held.http_only and held.same_site == "Lax"
    session_cookie = client.get_cookie("sts_session")
    assert session_cookie is None or session_cookie.expires is None


def test_a_report_left_idle_is_deleted_sooner_than_a_survey(app, client):
    import datetime as dt

    import sqlalchemy as sa

    from survey_app.extensions import db
    from survey_app.models import SurveySession

    walk = Walk(client, "en")
    page = walk.start(HATE)
    page = walk.visitor.submit(page, {"reporter_role": "witness"})
    with app.app_context():
        row = db.session.scalars(sa.select(SurveySession)).one()
        row.updated_at -= dt.timedelta(minutes=app.config["REPORT_IDLE_MINUTES"] + 1)
        db.session.commit()
    again = walk.visitor.get(page.url)
    assert again.heading == "Your answers have been deleted"
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []
    assert app.config["REPORT_IDLE_MINUTES"] < app.config["SURVEY_IDLE_MINUTES"]


def test_a_survey_keeps_its_token_under_a_key_that_names_nothing(client):
    visitor = Visitor(client)
    visitor.submit(visitor.get("/s/community_confidence/altrincham"))
    readable = json.loads(decoded_session(client.get_cookie("sts_session").value))
    assert "community_confidence" not in json.dumps(readable)
    assert readable["surveys"] and readable["channels"]


def test_the_same_form_gives_each_browser_a_different_key(app):
    cookies = []
    for _ in range(2):
        client = app.test_client()
        walk = Walk(client, "en")
        walk.visitor.submit(walk.start(ABUSE), {"safe_now": "yes"})
        cookies.append(client.get_cookie("sts_form").value)
    salts = [value.split(".")[0] for value in cookies]
    keys = [value.split(".")[1][:16] for value in cookies]
    assert salts[0] != salts[1] and keys[0] != keys[1], (
        "a key seen on one phone would name the form on another"
    )


def test_a_key_an_older_release_wrote_under_the_form_name_is_dropped(app, client):
    with client.session_transaction() as session:
        session["surveys"] = {"domestic_abuse_report": "x" * 43}
        session["channels"] = {"domestic_abuse_report": "altrincham"}
    visitor = Visitor(client)
    visitor.submit(visitor.get("/s/community_confidence/altrincham"))
    readable = decoded_session(client.get_cookie("sts_session").value)
    assert "domestic_abuse_report" not in readable
