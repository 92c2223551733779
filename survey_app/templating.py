"""Jinja set-up: our templates beside the GOV.UK Frontend macros."""

from __future__ import annotations

import re

from flask import Flask, g
from jinja2 import BaseLoader, ChoiceLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape

from .i18n import current_language, html_lang, language_links, qtext, text_direction


def display_title(questionnaire) -> str:
    """The title for the browser tab and captions: neutral for forms whose subject must not show."""
    if questionnaire.neutral_title:
        return qtext(questionnaire, "neutral_title", questionnaire.neutral_title)
    return qtext(questionnaire, "title", questionnaire.title)


def tab_title(questionnaire, page_title: str | None = None) -> str:
    """The browser tab's title. A reporting form's is its neutral title on every page, whatever
    the page says: the tab and the history are what someone checking the device sees first."""
    if questionnaire.neutral_title or not page_title:
        return display_title(questionnaire)
    return f"{page_title} - {display_title(questionnaire)}"


# The UK's emergency and short numbers, and any 11-digit number starting 0 however it is spaced
# ("0808 2000 247"). Two digits ("press 55") are an instruction, not a number.
_PHONE_NUMBER = re.compile(r"(?<![\w])(?:999|101|111|0\d(?: ?\d){9})(?![\w])", re.ASCII)


def tel_links(text: str) -> Markup:
    """The text, escaped, with each phone number in it a link that calls it when tapped.

    Someone in danger on a phone must not have to copy a number. The number is kept left to
    right in a right-to-left language.
    """

    def link(match: re.Match[str]) -> str:
        number = match.group(0)
        digits = number.replace(" ", "")
        return f'<a class="govuk-link app-phone" href="tel:{digits}" dir="ltr">{number}</a>'

    # Safe: the text is escaped first, and the links added hold only digits and spaces from it.
    return Markup(_PHONE_NUMBER.sub(link, str(escape(text))))  # noqa: S704


def _page_language() -> dict[str, str]:
    code = current_language()
    return {"code": code, "html_lang": html_lang(code), "dir": text_direction(code)}


def init_templating(app: Flask) -> None:
    govuk = PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})
    loaders: list[BaseLoader] = [govuk]
    if app.jinja_loader is not None:  # the app's own templates folder, searched first
        loaders.insert(0, app.jinja_loader)
    app.jinja_loader = ChoiceLoader(loaders)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(qtext=qtext, display_title=display_title, tab_title=tab_title)
    app.jinja_env.filters["tel_links"] = tel_links
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def page_globals() -> dict[str, object]:
        from .kiosk import current_centre, kiosk_settings

        centre = current_centre()
        return {
            "page_language": _page_language(),
            "language_links": language_links,
            "kiosk_centre": centre,
            "kiosk_settings": kiosk_settings() if centre else {},
            "previewing": bool(g.get("previewing")),
        }
