"""Words the questionnaire model gives (an answer's error, a spreadsheet's fault), kept as a
catalog message and its values, so the command line can print them in English and a page in its
reader's language.

`_` here marks a message for the catalogs (`make translations` reads it as gettext) without
needing Flask: this package stays free of the web.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str]) -> str:
        """In another language: `translate` gives a catalog message's translation."""
        values = {
            name: value.render(translate) if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return translate(self.text) % values if values else translate(self.text)

    def __str__(self) -> str:
        return self.render(lambda text: text)


def _(message: str, /, **params: Any) -> Message:
    return Message(message, params)
