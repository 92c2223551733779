"""Questions answered from a list: one answer (with the standard scales), or several."""

from __future__ import annotations

import random
from typing import Any

from ..answers import AnswerError, Form, Parsed, missing, values
from ..messages import Message, _
from ..model import DONT_KNOW, PREFER_NOT_TO_SAY, Question
from ..scales import AGREEMENT, RATING, YES_NO
from .base import ONE_CHOICE, SEVERAL_CHOICES, QuestionType, Show


def _own(question: Question) -> list[str]:
    return [c.value for c in question.choices if c.value not in (DONT_KNOW, PREFER_NOT_TO_SAY)]


class SingleChoice(QuestionType):
    name = "single_choice"
    xlsform = "select_one"
    choices = ONE_CHOICE
    macro = "choice"

    def check(self, question: Question) -> str | None:
        if not self.default_choices and not _own(question):
            return f"a {self.name} question needs choices"
        return None

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        sent = values(form, question.id)
        if not sent or sent[0] == "":
            return missing(question)
        value = sent[0]
        if value not in question.choice_values:
            return Parsed(error=AnswerError("invalid_choice", question.id), raw={"value": None})
        return Parsed(value=value, raw={"value": value})

    def required(self, question: Question) -> Message:
        return _("Select an answer")

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        if error.code == "invalid_choice":
            return _("Select one of the answers shown")
        return None

    def lines(self, question: Question, value: Any, show: Show) -> list[str]:
        return [show.choice(value)]

    def example(self, question: Question, rng: random.Random) -> Any:
        return rng.choice(_own(question))


class Agreement(SingleChoice):
    """Strongly agree … Strongly disagree, in the Crime Survey's words, unless a list is given."""

    name = "agreement"
    xlsform = "agreement"
    default_choices = AGREEMENT


class Rating(SingleChoice):
    """Excellent … Very poor, unless a list is given."""

    name = "rating"
    xlsform = "rating"
    default_choices = RATING


class YesNo(SingleChoice):
    """Yes or no (drawn side by side when those are its only answers)."""

    name = "yes_no"
    xlsform = "yes_no"
    default_choices = YES_NO


class MultipleChoice(SingleChoice):
    """Any number of answers from the list; an exclusive answer ("None of these") stands alone."""

    name = "multiple_choice"
    xlsform = "select_multiple"
    choices = SEVERAL_CHOICES

    def parse(self, question: Question, form: Form, today: Any) -> Parsed:
        chosen = [v for v in dict.fromkeys(values(form, question.id)) if v]
        if not chosen:
            return missing(question)
        known = [v for v in chosen if v in question.choice_values]
        raw = {"values": known}
        if len(known) != len(chosen):
            return Parsed(error=AnswerError("invalid_choice", question.id), raw=raw)
        exclusive = [v for v in known if question.choice(v).exclusive]  # type: ignore[union-attr]
        if exclusive and len(known) > 1:
            label = question.label_for(exclusive[0])
            params = {"choice": label, "value": exclusive[0]}
            return Parsed(error=AnswerError("exclusive", question.id, params), raw=raw)
        # Stored in the questionnaire's order, whatever order the browser sent.
        ordered = [v for v in question.choice_values if v in known]
        return Parsed(value=ordered, raw={"values": ordered})

    def raw(self, question: Question, value: Any) -> dict[str, Any]:
        return {"values": list(value)}

    def required(self, question: Question) -> Message:
        return _("Select at least one answer")

    def message(self, question: Question, error: AnswerError, show: Show) -> Message | None:
        if error.code == "exclusive":
            return _(
                "Select “%(choice)s” on its own, or choose from the other answers",
                choice=show.choice(error.params["value"]),
            )
        return super().message(question, error, show)

    def lines(self, question: Question, value: Any, show: Show) -> list[str]:
        return [show.choice(v) for v in value]

    def example(self, question: Question, rng: random.Random) -> Any:
        pool = [c.value for c in question.choices if c.value in _own(question) and not c.exclusive]
        picked = rng.sample(pool, k=rng.randint(1, min(3, len(pool))))
        return [v for v in question.choice_values if v in picked]
