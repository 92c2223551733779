"""Question pages drawn once per language and state, then reused.

Drawing a question page through the GOV.UK Frontend macros costs about ten times what the rest
of the request does (benchmarks/load_bench.py). What a page shows is fixed by the questionnaire
version, the question, the language, the address, the kiosk and the answer already chosen from a
fixed list; only the CSRF token differs from one request to the next. So a page is drawn once with
a marker where the token goes, kept, and the marker replaced with this request's token.

Only pages whose answer comes from a fixed list (or that have none) are kept: free text a
resident typed is never held in memory beyond its request. Pages with an error are drawn afresh.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, request
from flask_wtf.csrf import generate_csrf

from ..i18n import current_language

# Each page is about 8 KB: a few thousand pages covers every question in every language and
# kiosk several times over, in a few tens of megabytes per worker.
MAX_PAGES = 4096

# Random per process, so that no answer a person can type is ever mistaken for it. Like a real
# token it is plain URL-safe text, so escaping leaves it as it is.
_TOKEN_MARKER = f"csrf-{secrets.token_hex(16)}"


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


def render_cached(key: tuple[Hashable, ...], draw: Callable[..., str]) -> str:
    """The page for `key`, drawn by `draw(csrf_token=...)` the first time.

    `key` must name everything the page shows that does not follow from the language, the
    address and the kiosk (with its timings), which are added here.
    """
    from ..kiosk import current_centre, kiosk_settings

    centre = current_centre()
    # A kiosk's page carries its timings, which are settings: they are part of what it shows.
    kiosk = (centre.id, *kiosk_settings().values()) if centre else None
    full_key = (current_language(), request.path, kiosk, *key)
    pages = _pages()
    page = pages.get(full_key)
    if page is None:
        page = draw(csrf_token=lambda: _TOKEN_MARKER)
        pages.put(full_key, page)
    return page.replace(_TOKEN_MARKER, generate_csrf())
