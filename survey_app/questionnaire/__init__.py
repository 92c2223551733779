"""The questionnaire model: loading, checking, routing and answer parsing.

Pure Python with no web framework, so it can be tested and reused (by the
statistics and by the translation extractor) on its own.
"""

from .answers import AnswerError, Parsed, normalise_postcode
from .loader import QuestionnaireError, load_directory, load_questionnaire
from .model import (
    DONT_KNOW,
    END,
    NOTICE,
    PREFER_NOT_TO_SAY,
    Choice,
    Condition,
    Measure,
    Question,
    Questionnaire,
)
from .routing import first_unanswered, next_question, path, previous_question, relevant_answers
from .types import CHOICE_TYPES, parse_answer, raw_from_value

__all__ = [
    "CHOICE_TYPES",
    "DONT_KNOW",
    "END",
    "NOTICE",
    "PREFER_NOT_TO_SAY",
    "AnswerError",
    "Choice",
    "Condition",
    "Measure",
    "Parsed",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "first_unanswered",
    "load_directory",
    "load_questionnaire",
    "next_question",
    "normalise_postcode",
    "parse_answer",
    "path",
    "previous_question",
    "raw_from_value",
    "relevant_answers",
]
