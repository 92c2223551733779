"""Questionnaire text in each language, for writing a questionnaire out: its own translations
first, then the catalogs' (read from the compiled catalogs, with no request needed)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations

from ..questionnaire.model import Questionnaire
from ..questionnaire.scales import STANDARD_CONTEXT
from ..questionnaire.xlsform.writer import Translate


@cache
def _catalog(directory: str, language: str) -> dict[str, str]:
    loaded = Translations.load(directory, [language])
    # gettext keeps a context and its text as "context\x04text"; an entry the translators left
    # the same as the English (a place name) is still a translation.
    return {str(key): str(value) for key, value in getattr(loaded, "_catalog", {}).items() if value}


def translator(questionnaire: Questionnaire, directory: str | Path) -> Translate:
    def translate(language: str, key: str, english: str) -> str | None:
        own = questionnaire.translations.get(language, {}).get(key)
        if own:
            return own
        catalog = _catalog(str(directory), language)
        for context in (f"{questionnaire.id}:{key}", STANDARD_CONTEXT):
            found = catalog.get(f"{context}\x04{english}")
            if found:
                return found
        return None

    return translate
