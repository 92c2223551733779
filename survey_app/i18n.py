"""Choosing the language a page is shown in, and translating questionnaire text."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from babel.core import UnknownLocaleError, get_global
from flask import Flask, Response, current_app, g, has_app_context, request
from flask_babel import get_locale, pgettext
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .formats import init_formats
from .questionnaire.model import Questionnaire
from .questionnaire.scales import STANDARD_CONTEXT, STANDARD_TEXTS

DEFAULT_LANGUAGE = "en"
# The locale Babel formats dates and numbers with, where it is not the catalog's own: Babel's `en`
# is American English ("December 31, 2024"); the partnership writes British English. The
# catalogs, `?lang=`, the cookie, `<html lang>` and the language stored with a response keep `en`.
FORMATTING_LOCALES = {"en": "en_GB"}
_CATALOG_CODES = {formatting: code for code, formatting in FORMATTING_LOCALES.items()}
TIME_ZONE = "Europe/London"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "ur", "he", "ps", "sd", "ug", "yi"})
# English first, then Trafford's most common main languages in the 2021 Census.
# A language with a catalog but not listed here follows, in code order.
CENSUS_ORDER = ("en", "ur", "pl", "ar", "zh_Hant", "zh_Hans", "pa", "fa", "ml", "es", "gu")
LANGUAGE_COOKIE = "sts_lang"


@cache
def _available(translations_dir: str) -> tuple[str, ...]:
    found = {DEFAULT_LANGUAGE}
    for catalog in Path(translations_dir).glob("*/LC_MESSAGES/messages.po"):
        found.add(catalog.parent.parent.name)
    ranked = [code for code in CENSUS_ORDER if code in found]
    return tuple(ranked + sorted(found - set(ranked)))


def available_languages() -> tuple[str, ...]:
    """Babel codes of the languages with a catalog, English first; on the pages of a questionnaire
    offered in fewer (one imported with some languages incomplete), only those."""
    every = _available(current_app.config["TRANSLATIONS_DIR"])
    offered = g.get("offered_languages") if has_app_context() else None
    return tuple(code for code in every if code in offered) if offered else every


def offer_only(languages: tuple[str, ...]) -> None:
    """This request's pages are offered in these languages alone (all of them when empty)."""
    g.offered_languages = languages


def _candidates(tag: str) -> list[str]:
    """Our codes that could serve a browser's language tag, best first.

    Babel fills in the likely script, so zh-HK and zh-TW give zh_Hant and
    zh-CN and plain zh give zh_Hans.
    """
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return []
    script = locale.script
    if not script:
        likely = get_global("likely_subtags").get(locale.language)
        script = Locale.parse(likely).script if likely else None
    candidates = [f"{locale.language}_{script}"] if script else []
    return [*candidates, locale.language]


# Phones send the same few short Accept-Language headers on every page, and working out what one
# means cost a page about a quarter of its time, so the answers are kept: for a bounded number of
# headers, and only short ones, so that long made-up headers cannot fill a worker's memory.
_KEPT_HEADER_LENGTH = 200


def _match_accept_language(languages: tuple[str, ...]) -> str | None:
    header = request.headers.get("Accept-Language", "")
    if len(header) > _KEPT_HEADER_LENGTH:
        return _best_for.__wrapped__(header, languages)
    return _best_for(header, languages)


@lru_cache(maxsize=1024)
def _best_for(accept_language: str, languages: tuple[str, ...]) -> str | None:
    """The best language we have for a browser's Accept-Language, in its order of preference."""
    for tag, _quality in parse_accept_header(accept_language, LanguageAccept):
        for candidate in _candidates(tag):
            if candidate in languages:
                return candidate
    return None


def requested_language() -> str | None:
    """The language asked for with ?lang=, if it is one we have."""
    asked = request.args.get("lang", "").replace("-", "_")
    return asked if asked in available_languages() else None


def select_language() -> str:
    """?lang= first, then the language chosen before, then the browser's preference.

    The choice is kept in a cookie of its own, so it outlives a survey that
    timed out and the session that went with it.
    """
    languages = available_languages()
    asked = requested_language()
    if asked:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in languages:
        return remembered
    return _match_accept_language(languages) or DEFAULT_LANGUAGE


def _remember_language(response: Response) -> Response:
    asked = requested_language()
    if asked and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def formatting_locale() -> str:
    """The locale Flask-Babel runs the page in: the chosen language, English as en_GB."""
    code = select_language()
    return FORMATTING_LOCALES.get(code, code)


def current_language() -> str:
    """The page's language as a catalog code (`en`, `ur`, `zh_Hant`), never en_GB."""
    code = str(get_locale() or DEFAULT_LANGUAGE)
    return _CATALOG_CODES.get(code, code)


def html_lang(code: str) -> str:
    """The BCP 47 tag for <html lang>: zh_Hant -> zh-Hant."""
    return code.replace("_", "-")


def text_direction(code: str) -> str:
    return "rtl" if code.split("_")[0] in RIGHT_TO_LEFT else "ltr"


def language_name(code: str) -> str:
    """A language's name in its own language, e.g. 'Polski' for pl."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_label(code: str | None) -> str:
    """A language as staff read it: its name in the page's language with its own name beside it,
    "Urdu (اردو)", "Chinese, Traditional (中文, 繁體)"; only one name when they are the same."""
    if not code:
        return ""
    try:
        language = Locale.parse(code)
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    reader = get_locale() or Locale.parse(FORMATTING_LOCALES[DEFAULT_LANGUAGE])
    ours = _name_with_script(language, reader)
    own = _name_with_script(language, language)
    ours, own = ours[:1].upper() + ours[1:], own[:1].upper() + own[1:]
    return ours if ours == own or language.language == reader.language else f"{ours} ({own})"


def _name_with_script(language: Locale, reader: Locale) -> str:
    # "Chinese, Traditional" rather than Babel's "Chinese (Traditional)", which would put brackets
    # inside the brackets of the own name.
    name = language.get_language_name(reader) or str(language)
    script = language.get_script_name(reader) if language.script else None
    return f"{name}, {script}" if script else name


def language_links(
    path: str | None = None, current: str | None = None, changing: bool | None = None
) -> list[dict[str, str | bool]]:
    """The language switcher: each language in its own name, linking to this page in it.

    By default "this page" is the request's; a page drawn to be kept names its own.
    """
    path = request.path if path is None else path
    current = current_language() if current is None else current
    if changing is None:
        changing = request.args.get("change") == "1"
    keep = {"change": "1"} if changing else {}
    links: list[dict[str, str | bool]] = []
    for code in available_languages():
        query = urlencode({**keep, "lang": code})
        links.append(
            {
                "code": code,
                "lang": html_lang(code),
                "name": language_name(code),
                "href": f"{path}?{query}",
                "current": code == current,
            }
        )
    return links


def qtext(questionnaire: Questionnaire, key: str, text: str | None) -> str:
    """Questionnaire text in the page's language: its own translation where it was imported with
    one, else the catalogs', under a context naming where it is used, else the standard wording's
    (the answer scales, "Don't know"), else the English."""
    if not text:
        return ""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return text
    own = questionnaire.translations.get(language, {}).get(key)
    if own:
        return own
    translated = pgettext(f"{questionnaire.id}:{key}", text)
    if translated == text and text in STANDARD_TEXTS:
        return pgettext(STANDARD_CONTEXT, text)
    return translated


def init_i18n(app: Flask) -> None:
    from .extensions import babel

    app.config.setdefault("TRANSLATIONS_DIR", str(Path(app.root_path).parent / "translations"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["TRANSLATIONS_DIR"]
    app.config["BABEL_DEFAULT_LOCALE"] = FORMATTING_LOCALES[DEFAULT_LANGUAGE]
    app.config["BABEL_DEFAULT_TIMEZONE"] = TIME_ZONE
    babel.init_app(app, locale_selector=formatting_locale)
    app.after_request(_remember_language)
    init_formats(app)
