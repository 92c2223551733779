"""Scored risk checklists: the levels, thresholds and next steps a checklist file declares, and
the level a set of answers reaches.

A checklist (`kind: checklist`) declares at its top

    scoring:
      thresholds: {medium: 10, high: 14}     # the least score at each level above standard
      next_steps:
        high: {text: Refer to the MARAC, destination: marac, within_hours: 48}

and on its questions `points: {yes: 1}` (per answer; a multiple choice adds its answers' points)
and `raises_to: {yes: high}` (an answer that sets the level at least that high whatever the
score). Professional judgement can raise the level further, never lower it, with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The levels, lowest first. One vocabulary for every checklist, so that the queue and the board's
# counts mean the same thing whichever checklist a partner uses.
LEVELS = ("standard", "medium", "high")
HIGHEST = LEVELS[-1]
MAX_POINTS = 1000


def rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class NextStep:
    """What the partnership does next at a level, and within how long."""

    text: str
    within_hours: int
    # The referral destination (reports/sharing.py) that completes the step, if it is a referral.
    destination: str | None = None


@dataclass(frozen=True)
class Scoring:
    # The least score at each level above standard, in increasing order.
    thresholds: Mapping[str, int]
    next_steps: Mapping[str, NextStep]

    def level_for(self, score: int) -> str:
        level = LEVELS[0]
        for candidate in LEVELS[1:]:
            threshold = self.thresholds.get(candidate)
            if threshold is not None and score >= threshold:
                level = candidate
        return level


@dataclass(frozen=True)
class Outcome:
    """What a completed checklist comes to."""

    score: int
    score_level: str
    # Questions whose answer raised the level whatever the score, and the level they raised it to.
    raised_by: tuple[str, ...]
    answers_level: str
    # A caseworker's own higher level and why; None when they kept the checklist's level.
    judgement: tuple[str, str] | None
    level: str

    def as_record(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "answers": dict(answers),
            "score": self.score,
            "score_level": self.score_level,
            "raised_by": list(self.raised_by),
            "answers_level": self.answers_level,
            "judgement": {"level": self.judgement[0], "reason": self.judgement[1]}
            if self.judgement
            else None,
            "level": self.level,
        }


def _chosen(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def outcome(
    questions: Any, scoring: Scoring, answers: Mapping[str, Any], judgement: tuple[str, str] | None = None
) -> Outcome:
    """The score and level of these answers; a judgement at or below that level is not kept."""
    score = 0
    answers_level = LEVELS[0]
    raised_by: list[str] = []
    for question in questions:
        chosen = _chosen(answers.get(question.id))
        score += sum(question.points.get(value, 0) for value in chosen)
        raises = [question.raises_to[value] for value in chosen if value in question.raises_to]
        if raises:
            raised_by.append(question.id)
            answers_level = max([answers_level, *raises], key=rank)
    score_level = scoring.level_for(score)
    level = max(score_level, answers_level, key=rank)
    if judgement is not None and rank(judgement[0]) > rank(level):
        level = judgement[0]
    else:
        judgement = None
    return Outcome(score, score_level, tuple(raised_by), answers_level, judgement, level)


def parse_scoring(raw: Mapping[str, Any]) -> Scoring:
    """The scoring a checklist declares; ValueError naming the fault."""
    thresholds = dict(raw.get("thresholds") or {})
    for level, value in thresholds.items():
        if level not in LEVELS[1:]:
            raise ValueError(f"scoring: '{level}' is not a level above standard ({', '.join(LEVELS[1:])})")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_POINTS:
            raise ValueError(
                f"scoring: the threshold for {level} must be a whole number from 1 to {MAX_POINTS}"
            )
    ordered = [thresholds[level] for level in LEVELS if level in thresholds]
    if ordered != sorted(set(ordered)):
        raise ValueError("scoring: each level's threshold must be higher than the level below's")
    steps: dict[str, NextStep] = {}
    for level, step in (raw.get("next_steps") or {}).items():
        if level not in LEVELS:
            raise ValueError(
                f"scoring: next_steps names '{level}', which is not a level ({', '.join(LEVELS)})"
            )
        steps[level] = NextStep(step["text"], step["within_hours"], step.get("destination"))
    return Scoring(thresholds, steps)


def check_question_scoring(question: Any) -> str | None:
    """What is wrong with a question's points and raises_to, if anything."""
    values = set(question.choice_values)
    for value, points in question.points.items():
        if value not in values:
            return f"points names '{value}', which is not one of its choices"
        if not isinstance(points, int) or isinstance(points, bool) or not 0 <= points <= MAX_POINTS:
            return f"the points for '{value}' must be a whole number from 0 to {MAX_POINTS}"
    for value, level in question.raises_to.items():
        if value not in values:
            return f"raises_to names '{value}', which is not one of its choices"
        if level not in LEVELS[1:]:
            return f"raises_to: '{level}' is not a level above standard ({', '.join(LEVELS[1:])})"
    return None
