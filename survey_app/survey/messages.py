"""The words of each answer error, translated for the page being shown."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import gettext as _

from ..i18n import qtext
from ..questionnaire import AnswerError, Question, Questionnaire
from ..questionnaire.types import type_of
from .presenters import PageShow


def error_message(questionnaire: Questionnaire, question: Question, error: AnswerError) -> str:
    """The sentence shown beside the question and in the error summary: the questionnaire's own
    words for this error if it gives them, else its question type's."""
    custom = question.errors.get(error.code)
    if custom:
        return qtext(questionnaire, f"{question.id}.error.{error.code}", custom)
    kind = type_of(question)
    show = PageShow(questionnaire, question)
    message = kind.required(question) if error.code == "required" else kind.message(question, error, show)
    if message is None:
        return _("Check your answer and try again")
    return message.render(gettext)
