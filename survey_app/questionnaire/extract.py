"""A Babel extractor for questionnaire files.

Every piece of questionnaire text becomes a catalog entry whose `msgctxt`
names the questionnaire and the place it is used
(`community_confidence:police_rating.choice.good`), with a translator
comment giving the question type, so one English word can be translated
differently in different places. Defaults the loader adds (the agreement
and rating scales, "Don't know", "Prefer not to say") are extracted too.

Registered in babel.cfg under [extractors] and used for
`questionnaires/**.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from .loader import load_questionnaire
from .model import Question, Questionnaire
from .types import type_of

Entry = tuple[int, str, tuple[str, str], list[str]]


def text_entries(questionnaire: Questionnaire) -> Iterator[tuple[str, str, str]]:
    """(key, English text, translator note) for every string a respondent can read."""
    yield "title", questionnaire.title, "The questionnaire's title"
    if questionnaire.neutral_title:
        yield (
            "neutral_title",
            questionnaire.neutral_title,
            "A title that does not say what the form is about, for the browser tab and history",
        )
    if questionnaire.description:
        yield "description", questionnaire.description, "What the questionnaire is for, on the front page"
    for number, paragraph in enumerate(questionnaire.introduction, start=1):
        yield f"introduction.{number}", paragraph, "A paragraph of the start page"
    for question in questionnaire.questions:
        yield from _question_entries(question)
    if questionnaire.scoring is not None:
        for level, step in questionnaire.scoring.next_steps.items():
            note = f"A checklist's next step at {level} risk, for staff"
            yield f"scoring.next_steps.{level}", step.text, note


def _question_entries(question: Question) -> Iterator[tuple[str, str, str]]:
    kind = f"Question type: {question.type}"
    yield f"{question.id}.title", question.title, f"{kind}. The question, shown as the page heading"
    if question.hint:
        yield f"{question.id}.hint", question.hint, f"{kind}. Help text under the question"
    if question.measure:
        yield (
            f"{question.id}.measure",
            question.measure.label,
            f"{kind}. The name of the statistic staff see: the share giving the answers that count",
        )
    if question.risk_cue:
        yield (
            f"{question.id}.risk_cue",
            question.risk_cue.label,
            f"{kind}. A few words caseworkers see in their queue when the answer needs attention first",
        )
    if question.short_label:
        yield (
            f"{question.id}.short_label",
            question.short_label,
            f"{kind}. A short name for the question on the 'Check your answers' page",
        )
    for choice in question.choices:
        yield f"{question.id}.choice.{choice.value}", choice.label, f"{kind}. An answer to choose"
        if choice.hint:
            key = f"{question.id}.choice.{choice.value}.hint"
            yield key, choice.hint, f"{kind}. Help text under an answer"
    for name, note in type_of(question).texts.items():
        if question.settings.get(name):
            yield f"{question.id}.{name}", question.settings[name], f"{kind}. {note}"
    for number, paragraph in enumerate(question.paragraphs, start=1):
        yield f"{question.id}.paragraph.{number}", paragraph, f"{kind}. A paragraph of information"
    for code, message in question.errors.items():
        yield f"{question.id}.error.{code}", message, f"{kind}. The error message when the answer is {code}"


def _line_numbers(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*-?\s*id:\s*([a-z][a-z0-9_]*)\s*$", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def extract_questionnaire(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Entry]:
    """The Babel extraction method (see the Babel docs, "Writing Extraction Methods")."""
    name = getattr(fileobj, "name", "questionnaire")
    questionnaire = load_questionnaire(name)
    lines = _line_numbers(fileobj.read().decode("utf-8"))
    for key, text, note in text_entries(questionnaire):
        lineno = lines.get(key.split(".", 1)[0], 1)
        yield lineno, "pgettext", (f"{questionnaire.id}:{key}", text), [note]
