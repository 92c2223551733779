"""Information with nothing to answer (safety advice, where to get help); "final" ends the journey."""

from __future__ import annotations

from typing import Any

from ..answers import Form, Parsed
from ..model import SEEN, Question
from .base import QuestionType


class Notice(QuestionType):
    name = "notice"
    xlsform = "note"
    macro = "notice"

    @property
    def fixed_page(self) -> bool:
        return True

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        # What a notice stores once read, so the path knows it has been seen.
        return Parsed(value=SEEN)

    def raw(self, question: Question, value: Any) -> dict[str, Any]:
        return {}

    def lines(self, question: Question, value: Any, show: Any) -> list[str]:
        return []

    def example(self, question: Question, rng: Any) -> Any:
        return SEEN
