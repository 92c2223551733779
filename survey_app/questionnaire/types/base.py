"""What a question type declares: its settings and their checks, how an answer is read from a
form and stored, how it is shown again, and its words. One module per type holds all of it, with
one template macro (templates/survey/types/<macro>.html) that draws its field.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from ..messages import Message, _
from ..model import Choice, Question

Form = Mapping[str, Sequence[str]]

NO_CHOICES = "none"
ONE_CHOICE = "one"
SEVERAL_CHOICES = "several"


class Show(Protocol):
    """How the page shows parts of an answer in the reader's language (given by the web layer)."""

    def choice(self, value: str) -> str: ...

    def number(self, value: Any) -> str: ...

    def setting(self, name: str) -> str: ...

    def date(self, value: Mapping[str, Any]) -> str: ...

    def message(self, message: Message) -> str: ...


class QuestionType:
    """A kind of question. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    # The type a spreadsheet (XLSForm) names it by; a choice type is followed by its list's name.
    xlsform: ClassVar[str]
    # Its own settings, as JSON Schema properties of a question in a questionnaire file.
    settings: ClassVar[Mapping[str, Any]] = {}
    # Settings residents read, translated like the rest of the questionnaire, with a note for
    # the translators: {"suffix": "The unit after the number box"}.
    texts: ClassVar[Mapping[str, str]] = {}
    # Whether the answer is none, one or several of a fixed list of choices.
    choices: ClassVar[str] = NO_CHOICES
    # The choices it has when a questionnaire gives none (the standard scales).
    default_choices: ClassVar[tuple[Choice, ...]] = ()
    # What a spreadsheet's `constraint` sets: "range" (min, max) or "length" (max_length).
    constraint: ClassVar[str | None] = None
    # The template (templates/survey/types/<macro>.html) whose `field` macro draws its input.
    macro: ClassVar[str]

    @property
    def has_choices(self) -> bool:
        return self.choices != NO_CHOICES

    @property
    def fixed_page(self) -> bool:
        """Its page is the same for everyone who gives the same answer: a page kept drawn."""
        return self.has_choices

    def check(self, question: Question) -> str | None:
        """The first thing wrong with this type's settings on `question`, or None."""
        return None

    def parse(self, question: Question, form: Form, today: Any) -> Any:
        """The answer in `form` (a Parsed): its stored value, or an error."""
        raise NotImplementedError

    def raw(self, question: Question, value: Any) -> dict[str, Any]:
        """The form values that show a stored answer again (the inverse of parse)."""
        return {"value": str(value)}

    def required(self, question: Question) -> Message:
        """What to say when a required question is left unanswered."""
        return _("Enter your answer")

    def message(self, question: Question, error: Any, show: Show) -> Message | None:
        """The words for one of this type's own error codes; None for an unknown code."""
        return None

    def lines(self, question: Question, value: Any, show: Show) -> list[str]:
        """A stored answer as lines of text (the "Check your answers" page)."""
        return str(value).split("\n")

    def example(self, question: Question, rng: random.Random) -> Any:
        """A made-up answer for the demonstration data; None leaves the question unanswered."""
        return None
