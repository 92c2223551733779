"""Evaluating `show_if` and routing conditions against the answers so far."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import Condition


def _chosen(answer: Any) -> set[str]:
    """The choice values in an answer, whatever its type."""
    if answer is None:
        return set()
    if isinstance(answer, list | tuple | set):
        return {str(item) for item in answer}
    return {str(answer)}


def evaluate(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """True when `condition` holds for `answers`.

    A question that was skipped or never reached has no answer, so `equals`
    and `in` are false for it and `not_in` is true.
    """
    op = condition.op
    if op == "all":
        return all(evaluate(child, answers) for child in condition.children)
    if op == "any":
        return any(evaluate(child, answers) for child in condition.children)
    if op == "not":
        return not evaluate(condition.children[0], answers)

    chosen = _chosen(answers.get(condition.answer or ""))
    if op == "answered":
        return bool(chosen)
    if op == "not_answered":
        return not chosen
    if op in ("equals", "in"):
        return bool(chosen & set(condition.values))
    if op == "not_in":
        return not chosen & set(condition.values)
    raise ValueError(f"unknown condition operator {op!r}")
