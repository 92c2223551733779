"""Which questions a respondent sees, given the answers they have given.

The path is worked out afresh from the answers every time, so changing an
earlier answer can never leave the journey in a stale state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .conditions import evaluate
from .model import END, Question, Questionnaire


def _is_shown(question: Question, answers: Mapping[str, Any]) -> bool:
    return question.show_if is None or evaluate(question.show_if, answers)


def _next_index(
    questionnaire: Questionnaire, question: Question, answers: Mapping[str, Any]
) -> tuple[int, bool]:
    """Where to go after `question`, and whether a route (rather than the file's order) sent us."""
    for route in question.routes:
        if evaluate(route.when, answers):
            if route.goto == END:
                return len(questionnaire.questions), True
            return questionnaire.index_of(route.goto), True
    return questionnaire.index_of(question.id) + 1, False


def path(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """The questions on the respondent's route, in order.

    Routing only reads answers to questions already on the path, so answers
    left over from a branch the respondent has since left do not steer it.
    A final notice (say, emergency contacts) is reached only by a route that
    names it, and the journey ends there. The loader rejects routing loops;
    the visited set is a second guard.
    """
    on_path: list[Question] = []
    seen_answers: dict[str, Any] = {}
    visited: set[int] = set()
    index, routed = 0, False
    while index < len(questionnaire.questions) and index not in visited:
        visited.add(index)
        question = questionnaire.questions[index]
        if (question.final and not routed) or not _is_shown(question, seen_answers):
            index, routed = index + 1, False
            continue
        on_path.append(question)
        if question.final:
            break
        if question.id in answers:
            seen_answers[question.id] = answers[question.id]
        index, routed = _next_index(questionnaire, question, seen_answers)
    return on_path


def relevant_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to the questions on the path: what a submission stores."""
    return {q.id: answers[q.id] for q in path(questionnaire, answers) if q.id in answers}


def first_unanswered(
    questionnaire: Questionnaire, answers: Mapping[str, Any], route: list[Question] | None = None
) -> Question | None:
    """The first question on the path not yet answered, or None when complete.

    A final notice is never answered: a journey that ends on one is never complete, so nothing
    is ever sent from it. `route`, when given, is path(questionnaire, answers), already worked out.
    """
    for question in path(questionnaire, answers) if route is None else route:
        if question.final or question.id not in answers:
            return question
    return None


def previous_question(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    question_id: str,
    route: list[Question] | None = None,
) -> Question | None:
    """The question before `question_id` on the path (for the back link)."""
    route = path(questionnaire, answers) if route is None else route
    ids = [q.id for q in route]
    if question_id not in ids:
        return route[-1] if route else None
    position = ids.index(question_id)
    return route[position - 1] if position > 0 else None


def next_question(
    questionnaire: Questionnaire, answers: Mapping[str, Any], question_id: str
) -> Question | None:
    """The question after `question_id` on the path, or None at the end."""
    route = path(questionnaire, answers)
    ids = [q.id for q in route]
    if question_id not in ids:
        return first_unanswered(questionnaire, answers)
    position = ids.index(question_id)
    return route[position + 1] if position + 1 < len(route) else None
