"""Questions and answers turned into what the templates show, in the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_date, format_number, get_locale, gettext, ngettext
from flask_babel import gettext as _

from ..i18n import qtext
from ..questionnaire import Choice, Question, Questionnaire
from ..questionnaire.messages import Message
from ..questionnaire.types import type_of


@dataclass(frozen=True)
class ChoiceView:
    value: str
    label: str
    hint: str
    exclusive: bool


@dataclass(frozen=True)
class QuestionView:
    id: str
    type: str
    title: str
    hint: str
    choices: tuple[ChoiceView, ...]
    settings: dict[str, Any]
    # Exclusive choices ("Don't know", "Prefer not to say") follow an "or" divider.
    first_exclusive: str | None
    paragraphs: tuple[str, ...] = ()
    final: bool = False
    # The id its inputs' ids start with: the question's id, or on a reporting form a word that
    # names nothing, since an error summary's link puts it in the address bar and the history.
    dom_id: str = ""
    # The template (survey/types/<macro>.html) that draws its field, and its settings residents
    # read (a number's unit), translated.
    macro: str = ""
    texts: dict[str, str] = field(default_factory=dict)


def _choice(questionnaire: Questionnaire, question: Question, choice: Choice) -> ChoiceView:
    key = f"{question.id}.choice.{choice.value}"
    return ChoiceView(
        value=choice.value,
        label=qtext(questionnaire, key, choice.label),
        hint=qtext(questionnaire, f"{key}.hint", choice.hint),
        exclusive=choice.exclusive,
    )


def question_view(questionnaire: Questionnaire, question: Question) -> QuestionView:
    kind = type_of(question)
    choices = tuple(_choice(questionnaire, question, choice) for choice in question.choices)
    # Only a trailing run of exclusive choices is set apart; an exclusive
    # choice in the middle of a scale stays where the author put it.
    first_exclusive = None
    for choice in reversed(choices):
        if not choice.exclusive:
            break
        first_exclusive = choice.value
    if first_exclusive == (choices[0].value if choices else None):
        first_exclusive = None
    return QuestionView(
        id=question.id,
        type=question.type,
        title=qtext(questionnaire, f"{question.id}.title", question.title),
        hint=qtext(questionnaire, f"{question.id}.hint", question.hint),
        choices=choices,
        settings=question.settings,
        first_exclusive=first_exclusive,
        paragraphs=tuple(
            qtext(questionnaire, f"{question.id}.paragraph.{number}", paragraph)
            for number, paragraph in enumerate(question.paragraphs, start=1)
        ),
        final=question.final,
        dom_id="answer" if questionnaire.is_report else question.id,
        macro=kind.macro,
        texts={
            name: qtext(questionnaire, f"{question.id}.{name}", question.settings[name])
            for name in kind.texts
            if question.settings.get(name)
        },
    )


def short_label(questionnaire: Questionnaire, question: Question) -> str:
    if question.short_label:
        return qtext(questionnaire, f"{question.id}.short_label", question.short_label)
    return qtext(questionnaire, f"{question.id}.title", question.title)


_MONTH_ONLY = "MMMM y"


def _date_text(value: Mapping[str, Any]) -> str:
    import datetime as dt

    year, month, day = value["year"], value.get("month"), value.get("day")
    if month and day:
        text = format_date(dt.date(year, month, day), "long")
    elif month:
        text = format_date(dt.date(year, month, 1), _MONTH_ONLY)
    else:
        text = str(year)
    if value.get("approximate"):
        return _("About %(date)s", date=text)
    return text


@dataclass(frozen=True)
class PageShow:
    """Parts of an answer in the page's language, as the question types ask for them."""

    questionnaire: Questionnaire
    question: Question

    def choice(self, value: str) -> str:
        key = f"{self.question.id}.choice.{value}"
        return qtext(self.questionnaire, key, self.question.label_for(value))

    def number(self, value: Any) -> str:
        return format_number(value)

    def setting(self, name: str) -> str:
        return qtext(self.questionnaire, f"{self.question.id}.{name}", self.question.settings.get(name))

    def date(self, value: Mapping[str, Any]) -> str:
        return _date_text(value)

    def message(self, message: Message) -> str:
        return message.render(gettext)


def answer_lines(questionnaire: Questionnaire, question: Question, value: Any) -> list[str]:
    """An answer as lines of text for the check answers page."""
    if value is None:
        return [_("Not answered")]
    return type_of(question).lines(question, value, PageShow(questionnaire, question))


def error_summary(question: QuestionView, errors: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The error summary's links, each to the input in error: (field name, message) pairs in."""
    links = []
    for name, message in errors:
        # A field is named after its question ("incident_date-day"); its input's id starts with
        # the question's dom_id instead.
        suffix = name[len(question.id) :] if name.startswith(question.id) else ""
        links.append({"text": message, "href": f"#{question.dom_id}{suffix}"})
    return links


def _plural_samples() -> dict[str, int]:
    """One number for each plural category of the page's language (CLDR: zero, one, two, few...)."""
    rule = get_locale().plural_form
    samples: dict[str, int] = {}
    # Zero last: where CLDR counts 0 as "one" (Panjabi, for one), 1 is the truer sample.
    for number in [*range(1, 1001), 0]:
        samples.setdefault(rule(number), number)
    return samples


def character_count_texts(max_length: int) -> dict[str, Any]:
    """The character count's messages in the page's language, with every plural form it needs.

    GOV.UK Frontend's script picks a form by the browser's plural rules and
    fills in %{count}; without JavaScript only the description is shown.
    """
    count = "%{count}"
    samples = _plural_samples().items()
    return {
        "textareaDescriptionText": ngettext(
            "You can enter up to %(count)s character",
            "You can enter up to %(count)s characters",
            max_length,
            count=count,
        ),
        "charactersUnderLimitText": {
            tag: ngettext(
                "You have %(count)s character remaining",
                "You have %(count)s characters remaining",
                number,
                count=count,
            )
            for tag, number in samples
        },
        "charactersAtLimitText": _("You have 0 characters remaining"),
        "charactersOverLimitText": {
            tag: ngettext(
                "You have %(count)s character too many",
                "You have %(count)s characters too many",
                number,
                count=count,
            )
            for tag, number in samples
        },
    }
