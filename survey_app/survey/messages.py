"""The words of each answer error, translated for the page being shown."""

from __future__ import annotations

from flask_babel import format_number
from flask_babel import gettext as _

from ..i18n import qtext
from ..questionnaire import AnswerError, Question, Questionnaire

_TEXT_TYPES = ("free_text", "number", "date", "postcode")


def _required(question: Question) -> str:
    if question.type == "multiple_choice":
        return _("Select at least one answer")
    if question.type == "number":
        return _("Enter a number")
    if question.type == "date":
        return _("Enter a date")
    if question.type == "postcode":
        return _("Enter a postcode")
    if question.type == "free_text":
        return _("Enter your answer")
    return _("Select an answer")


def _range(error: AnswerError) -> str:
    low, high = error.params.get("min"), error.params.get("max")
    if low is not None and high is not None:
        return _(
            "Enter a number between %(min)s and %(max)s", min=format_number(low), max=format_number(high)
        )
    if error.code == "too_small":
        return _("Enter a number that is %(min)s or more", min=format_number(low))
    return _("Enter a number that is %(max)s or less", max=format_number(high))


def _date_missing(error: AnswerError) -> str:
    part = error.params.get("part")
    if part == "day":
        return _("The date must include a day")
    if part == "month":
        return _("The date must include a month")
    return _("The date must include a year")


def error_message(questionnaire: Questionnaire, question: Question, error: AnswerError) -> str:
    """The sentence shown beside the question and in the error summary."""
    custom = question.errors.get(error.code)
    if custom:
        return qtext(questionnaire, f"{question.id}.error.{error.code}", custom)
    code = error.code
    if code == "required":
        return _required(question)
    if code == "invalid_choice":
        return _("Select one of the answers shown")
    if code == "exclusive":
        return _(
            "Select “%(choice)s” on its own, or choose from the other answers",
            choice=qtext(
                questionnaire, f"{question.id}.choice.{error.params['value']}", error.params["choice"]
            ),
        )
    if code == "too_long":
        return _("Your answer must be %(max)s characters or fewer", max=format_number(error.params["max"]))
    if code == "not_whole_number":
        return _("Enter a whole number, like 12")
    if code in ("too_small", "too_large"):
        return _range(error)
    if code == "postcode_invalid":
        return _("Enter a real postcode, like M33 7ZZ")
    if code == "date_missing_part":
        return _date_missing(error)
    if code == "date_not_real":
        return _("The date must be a real date")
    if code == "date_year_format":
        return _("Enter the year as 4 numbers, like 2025")
    if code == "date_in_future":
        return _("The date must be today or in the past")
    if code == "date_too_early":
        return _("The year must be %(year)s or later", year=error.params["year"])
    return _("Check your answer and try again")
