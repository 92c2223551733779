"""Choosing the language a page is shown in, and translating questionnaire text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from flask import Flask, current_app, request, session
from flask_babel import get_locale, pgettext

DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "ur", "he"})


@cache
def _available(translations_dir: str) -> tuple[str, ...]:
    found = [DEFAULT_LANGUAGE]
    for catalog in sorted(Path(translations_dir).glob("*/LC_MESSAGES/messages.po")):
        found.append(catalog.parent.parent.name)
    return tuple(dict.fromkeys(found))


def available_languages() -> tuple[str, ...]:
    """Babel codes of the languages with a catalog, English first."""
    return _available(current_app.config["TRANSLATIONS_DIR"])


def _match_accept_language(languages: tuple[str, ...]) -> str | None:
    """The best supported language for the browser's Accept-Language.

    Babel negotiates with aliases, so zh-TW and zh-HK reach zh_Hant and
    zh-CN reaches zh_Hans.
    """
    preferred = [value.replace("-", "_") for value, _ in request.accept_languages]
    match = Locale.negotiate(preferred, list(languages), sep="_")
    return str(match) if match else None


def select_language() -> str:
    languages = available_languages()
    asked = request.args.get("lang", "").replace("-", "_")
    if asked in languages:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return _match_accept_language(languages) or DEFAULT_LANGUAGE


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def html_lang(code: str) -> str:
    """The BCP 47 tag for <html lang>: zh_Hant -> zh-Hant."""
    return code.replace("_", "-")


def text_direction(code: str) -> str:
    return "rtl" if code.split("_")[0] in RIGHT_TO_LEFT else "ltr"


def language_name(code: str) -> str:
    """A language's name in its own language, e.g. 'Polski' for pl."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def qtext(questionnaire_id: str, key: str, text: str | None) -> str:
    """Questionnaire text through the catalogs, with a context naming where it is used."""
    if not text:
        return ""
    return pgettext(f"{questionnaire_id}:{key}", text)


def init_i18n(app: Flask) -> None:
    from .extensions import babel

    app.config.setdefault("TRANSLATIONS_DIR", str(Path(app.root_path).parent / "translations"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = app.config["TRANSLATIONS_DIR"]
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    babel.init_app(app, locale_selector=select_language)
