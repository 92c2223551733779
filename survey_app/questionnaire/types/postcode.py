"""A UK postcode, stored as the Office for National Statistics writes it ("M33 7ZZ")."""

from __future__ import annotations

from typing import Any

from ..answers import AnswerError, Form, Parsed, missing, normalise_postcode, text
from ..messages import Message, _
from ..model import Question
from .base import QuestionType, Show


class Postcode(QuestionType):
    name = "postcode"
    xlsform = "postcode"
    macro = "postcode"

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        entered = text(form, question.id)
        raw = {"value": entered}
        if not entered:
            return missing(question)
        postcode = normalise_postcode(entered)
        if postcode is None:
            return Parsed(error=AnswerError("postcode_invalid", question.id), raw=raw)
        return Parsed(value=postcode, raw={"value": postcode})

    def required(self, question: Question) -> Message:
        return _("Enter a postcode")

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        if error.code == "postcode_invalid":
            return _("Enter a real postcode, like M33 7ZZ")
        return None
