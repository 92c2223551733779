"""Free text: a short one-line answer (up to 200 characters) or a longer one with a count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..answers import AnswerError, Form, Parsed, missing, text
from ..messages import Message, _
from ..model import Question
from .base import QuestionType, Show


class FreeText(QuestionType):
    name = "free_text"
    xlsform = "text"
    settings: ClassVar[Mapping[str, Any]] = {
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
    }
    constraint = "length"
    macro = "free_text"

    def check(self, question: Question) -> str | None:
        if "max_length" not in question.settings:
            return "a free_text question needs max_length"
        return None

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        # No keyboard types U+0000, and PostgreSQL cannot store it in a response: it is dropped.
        entered = text(form, question.id).replace("\r\n", "\n").replace("\x00", "")
        raw = {"value": entered}
        if not entered:
            return missing(question)
        limit = int(question.settings.get("max_length", 1000))
        if len(entered) > limit:
            return Parsed(error=AnswerError("too_long", question.id, {"max": limit}), raw=raw)
        return Parsed(value=entered, raw=raw)

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        if error.code == "too_long":
            return _("Your answer must be %(max)s characters or fewer", max=show.number(error.params["max"]))
        return None
