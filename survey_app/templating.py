"""Jinja set-up: our templates beside the GOV.UK Frontend macros."""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from .i18n import current_language, html_lang, language_links, qtext, text_direction


def display_title(questionnaire) -> str:
    """The title for the browser tab and captions: neutral for forms whose subject must not show."""
    if questionnaire.neutral_title:
        return qtext(questionnaire.id, "neutral_title", questionnaire.neutral_title)
    return qtext(questionnaire.id, "title", questionnaire.title)


def _page_language() -> dict[str, str]:
    code = current_language()
    return {"code": code, "html_lang": html_lang(code), "dir": text_direction(code)}


def init_templating(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(qtext=qtext, display_title=display_title)
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
        }
