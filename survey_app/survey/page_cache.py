"""Question pages drawn once per state, then reused.

Drawing a question page through the GOV.UK Frontend macros costs about ten times what the rest
of the request does (benchmarks/load_bench.py). Only the CSRF token differs between two people
who see a page in the same state. So a page is drawn once with a marker where the token goes,
kept, and the marker replaced with this request's token.

A page is drawn from one value, `QuestionPage`, and from nothing else: the template gets its
language, address, kiosk and language links from the value, not from the request. The same value
is the key the drawn page is kept under, so nothing the page shows can be left out of the key.

Only pages whose answer comes from a fixed list (or that have none) are kept: free text a
resident typed is never held in memory beyond its request. Pages with an error are drawn afresh.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_wtf.csrf import generate_csrf

from ..i18n import FORMATTING_LOCALES, html_lang, language_links, text_direction
from ..questionnaire import Question, Questionnaire
from ..questionnaire.types import TYPES
from ..registry import published_version
from .presenters import character_count_texts, error_summary, question_view

# Each page is about 8 KB: a few thousand pages covers every question in every language and
# kiosk several times over, in a few tens of megabytes per worker.
MAX_PAGES = 4096


# Random per process, so that no answer a person can type is ever mistaken for it. Like a real
# token it is plain URL-safe text, so escaping leaves it as it is.
_TOKEN_MARKER = f"csrf-{secrets.token_hex(16)}"


def _frozen(raw: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in raw.items()))


@dataclass(frozen=True)
class QuestionPage:
    """Everything a question page is drawn from; also the key it is kept under."""

    questionnaire_id: str
    version: int
    question_id: str
    question_type: str
    language: str
    # The request's path: it names the blueprint (/surveys or /forms), the form and the page.
    address: str
    changing: bool
    back_url: str
    # The answer as the form shows it, as (field, value) pairs.
    raw: tuple[tuple[str, Any], ...]
    # A kiosk's centre and timings, which its pages show.
    kiosk: tuple[Any, ...] | None
    # The field in error and its message.
    error: tuple[str, str] | None

    @classmethod
    def build(
        cls,
        questionnaire: Questionnaire,
        question: Question,
        language: str,
        address: str,
        changing: bool,
        back_url: str,
        raw: dict[str, Any],
        kiosk: tuple[Any, ...] | None,
        error: tuple[str, str] | None,
    ) -> QuestionPage:
        return cls(
            questionnaire.id,
            questionnaire.version,
            question.id,
            question.type,
            language,
            address,
            changing,
            back_url,
            _frozen(raw),
            kiosk,
            error,
        )

    @property
    def keepable(self) -> bool:
        # Pages whose answer, if any, is one of a fixed list: the only ones kept drawn.
        return self.error is None and TYPES[self.question_type].fixed_page


def draw_question_page(
    page: QuestionPage, csrf_token: Any = None, questionnaire: Questionnaire | None = None
) -> str:
    """The page for `page`, drawn from it alone (and the CSRF token); a draft being previewed,
    which is not published, is given as `questionnaire`."""
    from ..kiosk import centre_by_id

    if questionnaire is None:
        published = published_version(page.questionnaire_id, page.version)
        questionnaire = published.questionnaire if published else None
    question = questionnaire.question(page.question_id) if questionnaire else None
    if questionnaire is None or question is None:
        raise LookupError(f"{page.questionnaire_id} v{page.version} has no question {page.question_id}")
    raw = {name: list(value) if isinstance(value, tuple) else value for name, value in page.raw}
    centre = centre_by_id(page.kiosk[0]) if page.kiosk else None
    kiosk_settings = {"warning": page.kiosk[1], "countdown": page.kiosk[2]} if page.kiosk else {}
    extra = {"csrf_token": csrf_token} if csrf_token is not None else {}
    with force_locale(FORMATTING_LOCALES.get(page.language, page.language)):
        view = question_view(questionnaire, question)
        return render_template(
            "survey/question.html",
            questionnaire=questionnaire,
            question=view,
            raw=raw,
            error=page.error[1] if page.error else None,
            error_field=page.error[0] if page.error else None,
            errors=error_summary(view, [page.error] if page.error else []),
            back_url=page.back_url,
            changing=page.changing,
            page_address=page.address + ("?change=1" if page.changing else ""),
            character_count=(
                character_count_texts(question.settings["max_length"])
                if "max_length" in question.settings
                else {}
            ),
            page_language={
                "code": page.language,
                "html_lang": html_lang(page.language),
                "dir": text_direction(page.language),
            },
            language_links=lambda: language_links(page.address, page.language, page.changing),
            kiosk_centre=centre,
            kiosk_settings=kiosk_settings,
            **extra,
        )


class PageCache:
    """A bounded, least-recently-used store of drawn pages, safe across threads."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_pages

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


def _pages() -> PageCache:
    """This app's pages: one store per app, since its settings (a kiosk's timings) are drawn in."""
    return current_app.extensions.setdefault("page_cache", PageCache())


def render_cached(page: QuestionPage) -> str:
    """The drawn page for `page`, drawn the first time, with this request's CSRF token in it."""
    pages = _pages()
    drawn = pages.get(page)
    if drawn is None:
        drawn = draw_question_page(page, csrf_token=lambda: _TOKEN_MARKER)
        pages.put(page, drawn)
    return drawn.replace(_TOKEN_MARKER, generate_csrf())
