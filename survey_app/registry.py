"""The questionnaires this service runs, loaded and checked once at start-up."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml
from flask import Flask, current_app

from .questionnaire import Questionnaire, QuestionnaireError, load_directory
from .questionnaire.loader import questionnaire_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """A questionnaire with the exact file content it came from."""

    questionnaire: Questionnaire
    checksum: str
    definition: dict[str, Any]


def load_registry(directory: str) -> dict[str, Published]:
    questionnaires = load_directory(directory)
    published: dict[str, Published] = {}
    for path in questionnaire_files(directory):
        text = Path(path).read_bytes()
        definition = yaml.safe_load(text)
        questionnaire = questionnaires[definition["id"]]
        published[questionnaire.id] = Published(questionnaire, hashlib.sha256(text).hexdigest(), definition)
    return published


def init_registry(app: Flask) -> None:
    """Load the questionnaires, refusing to start the service if one is broken.

    Inside a `flask` command the app still loads, without questionnaires, so
    that `flask questionnaires check` can report the fault.
    """
    try:
        app.extensions["questionnaires"] = load_registry(app.config["QUESTIONNAIRE_DIR"])
    except QuestionnaireError as error:
        if click.get_current_context(silent=True) is None:
            raise
        log.error("%s (no questionnaires are served until this is fixed)", error)
        app.extensions["questionnaires"] = {}


def all_published() -> dict[str, Published]:
    return current_app.extensions["questionnaires"]


def get_published(questionnaire_id: str) -> Published | None:
    return all_published().get(questionnaire_id)


def published_at(slug: str, kind: str) -> Published | None:
    """The questionnaire of this kind whose address segment is `slug`."""
    for published in all_published().values():
        questionnaire = published.questionnaire
        if questionnaire.slug == slug and questionnaire.kind == kind:
            return published
    return None
