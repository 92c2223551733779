"""Shared fixtures for the unit tests of the pure questionnaire model."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from survey_app.questionnaire import (  # noqa: E402 - needs the path set above
    Question,
    Questionnaire,
    load_questionnaire,
)

QUESTIONNAIRES_DIR = PROJECT_ROOT / "questionnaires"


def questionnaire_data(questions: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A questionnaire file's content with the required top-level fields filled in."""
    return {"id": "test", "version": 1, "title": "Test", **top, "questions": questions}


@pytest.fixture
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture
def build(tmp_path: Path) -> Callable[..., Questionnaire]:
    """build([question, ...], **top) -> a Questionnaire loaded from a real file."""

    def _build(questions: list[dict[str, Any]], **top: Any) -> Questionnaire:
        path = tmp_path / "test.yaml"
        text = yaml.safe_dump(questionnaire_data(questions, **top), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return load_questionnaire(path, "test.yaml")

    return _build


@pytest.fixture
def make_question(build: Callable[..., Questionnaire]) -> Callable[..., Question]:
    """make_question(type=..., **fields) -> the one question of a loaded questionnaire."""

    def _make(**spec: Any) -> Question:
        spec.setdefault("id", "q")
        spec.setdefault("title", "A question")
        return build([spec]).questions[0]

    return _make


@pytest.fixture(scope="session")
def community() -> Questionnaire:
    """The real community confidence questionnaire."""
    return load_questionnaire(
        QUESTIONNAIRES_DIR / "community_confidence.yaml", "questionnaires/community_confidence.yaml"
    )
