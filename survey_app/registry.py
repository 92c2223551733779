"""The questionnaires this service runs: the built-in files, loaded and checked once at start-up,
and the newest published version of each one imported from a spreadsheet, read from the database
and looked at again every few seconds, so that every instance serves what was published."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
import yaml
from flask import Flask, current_app

from .extensions import db
from .questionnaire import Questionnaire, QuestionnaireError, load_directory
from .questionnaire.loader import questionnaire_files

log = logging.getLogger(__name__)
# How often each process looks for a newly published questionnaire: one small query this often.
REFRESH_SECONDS = 5.0


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


def load_checklists(directory: str, others: dict[str, Published]) -> dict[str, Published]:
    """The risk checklists the partnership keeps apart from the code (CHECKLIST_DIR), since a
    licensed checklist's text may not be published with it. Each file must be a checklist."""
    if not Path(directory).is_dir():
        raise QuestionnaireError(directory, "CHECKLIST_DIR is not a folder")
    checklists = load_registry(directory)
    for published in checklists.values():
        questionnaire = published.questionnaire
        if not questionnaire.is_checklist:
            raise QuestionnaireError(
                questionnaire.source_file, "only checklists (kind: checklist) belong in CHECKLIST_DIR"
            )
        if questionnaire.id in others:
            raise QuestionnaireError(
                questionnaire.source_file,
                f"the id '{questionnaire.id}' is also used by "
                f"{others[questionnaire.id].questionnaire.source_file}",
            )
    return checklists


@dataclass
class _Served:
    """The built-in questionnaires, and with them the imported ones as last read."""

    files: dict[str, Published]
    merged: dict[str, Published]
    marker: tuple[int, int] | None = None
    # Versions no longer the newest, for the people still answering them: (id, version) ->
    # questionnaire. A published version never changes, so each is read once.
    earlier: dict[tuple[str, int], Published] = field(default_factory=dict)
    checked_at: float = float("-inf")
    lock: threading.Lock = field(default_factory=threading.Lock)


def _imported(row: Any) -> Published:
    from .library.store import questionnaire_of

    questionnaire = questionnaire_of(row)
    return Published(questionnaire, row.checksum, row.definition)


def _merge(files: dict[str, Published], rows: list[Any]) -> dict[str, Published]:
    """Each id's newest version, built-in or imported."""
    merged = dict(files)
    for row in rows:
        try:
            published = _imported(row)
        except QuestionnaireError as error:
            log.error("imported questionnaire not served: %s", error)
            continue
        built_in = files.get(published.questionnaire.id)
        if built_in is None or built_in.questionnaire.version < published.questionnaire.version:
            merged[published.questionnaire.id] = published
    return merged


def _refreshed(served: _Served) -> dict[str, Published]:
    from .library import store

    now = time.monotonic()
    if now - served.checked_at < REFRESH_SECONDS:
        return served.merged
    with served.lock:
        if now - served.checked_at < REFRESH_SECONDS:
            return served.merged
        try:
            marker = store.published_marker()
            if marker != served.marker:
                served.merged = _merge(served.files, store.newest_published()) if marker[0] else served.files
                served.marker = marker
        except sa.exc.SQLAlchemyError:
            # Not migrated yet, or the database is away: serve what was read last.
            db.session.rollback()
        served.checked_at = now
    return served.merged


def refresh_now() -> None:
    """Look for published questionnaires on the next request (after this process published one)."""
    current_app.extensions["questionnaires"].checked_at = float("-inf")


def init_registry(app: Flask) -> None:
    """Load the questionnaires, refusing to start the service if one is broken.

    Inside a `flask` command the app still loads, without questionnaires, so
    that `flask questionnaires check` can report the fault.
    """
    try:
        files = load_registry(app.config["QUESTIONNAIRE_DIR"])
        if app.config.get("CHECKLIST_DIR"):
            files = {**files, **load_checklists(app.config["CHECKLIST_DIR"], files)}
    except QuestionnaireError as error:
        if click.get_current_context(silent=True) is None:
            raise
        log.error("%s (no questionnaires are served until this is fixed)", error)
        files = {}
    app.extensions["questionnaires"] = _Served(files, dict(files))


def all_published() -> dict[str, Published]:
    return _refreshed(current_app.extensions["questionnaires"])


def built_in() -> dict[str, Published]:
    """The questionnaires of the files under questionnaires/."""
    return current_app.extensions["questionnaires"].files


def get_published(questionnaire_id: str) -> Published | None:
    return all_published().get(questionnaire_id)


def published_version(questionnaire_id: str, version: int) -> Published | None:
    """The questionnaire as it was at this version: the newest, or an earlier one someone began
    before a newer was published (an imported one, or one whose definition was kept when first
    answered); None when it is not known."""
    current = get_published(questionnaire_id)
    if current is not None and current.questionnaire.version == version:
        return current
    served: _Served = current_app.extensions["questionnaires"]
    key = (questionnaire_id, version)
    if key not in served.earlier:
        found = _earlier(questionnaire_id, version)
        if found is None:
            return None
        served.earlier[key] = found
    return served.earlier[key]


def _earlier(questionnaire_id: str, version: int) -> Published | None:
    from .library import store
    from .models import QuestionnaireVersion
    from .questionnaire.loader import load_definition

    row = store.published_version(questionnaire_id, version)
    if row is not None:
        return _imported(row)
    kept = db.session.scalar(
        sa.select(QuestionnaireVersion).filter_by(questionnaire_id=questionnaire_id, version=version)
    )
    if kept is None:
        return None
    try:
        questionnaire = load_definition(kept.definition, f"{questionnaire_id} version {version}")
    except QuestionnaireError:
        return None
    return Published(questionnaire, kept.checksum, kept.definition)


def published_at(slug: str, kind: str) -> Published | None:
    """The questionnaire of this kind whose address segment is `slug`."""
    for published in all_published().values():
        questionnaire = published.questionnaire
        if questionnaire.slug == slug and questionnaire.kind == kind:
            return published
    return None
