"""Importing, publishing and reading back the questionnaires staff design in a spreadsheet."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer

from ..columns import utcnow
from ..extensions import db
from ..questionnaire import Questionnaire
from ..questionnaire.extract import text_entries
from ..questionnaire.loader import QuestionnaireError, load_definition
from ..questionnaire.messages import Message, _
from ..questionnaire.xlsform.reader import ENGLISH, LANGUAGES, Imported, read_xlsform
from ..questionnaire.xlsform.sheets import Fault, XLSFormError
from ..questionnaire.xlsform.writer import Translate
from ..registry import all_published
from .catalogs import translator
from .models import DRAFT, PUBLISHED, ImportedQuestionnaire


@dataclass(frozen=True)
class Outcome:
    """What an import did: stored a draft or a published version, or nothing (unchanged)."""

    questionnaire: Questionnaire
    version: int | None
    published: bool
    unchanged_from: int | None
    missing: list[Fault]


def checksum(definition: dict[str, Any], translations: dict[str, Any], languages: list[str]) -> str:
    text = json.dumps([definition, translations, languages], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fault_as_data(fault: Fault) -> dict[str, Any]:
    message = fault.message
    return {
        "sheet": fault.sheet,
        "row": fault.row,
        "column": fault.column,
        "text": message.text,
        "params": {name: str(value) for name, value in message.params.items()},
    }


def fault_from_data(data: dict[str, Any]) -> Fault:
    return Fault(data["sheet"], data["row"], data["column"], Message(data["text"], data["params"]))


def questionnaire_of(row: ImportedQuestionnaire) -> Questionnaire:
    """The questionnaire a stored row holds (checked again: what is stored is still input)."""
    questionnaire = load_definition(row.definition, f"{row.questionnaire_id} version {row.version}")
    return questionnaire.with_translations(row.translations, tuple(row.languages))


def import_spreadsheet(
    data: bytes, filename: str, uploaded_by: str, translations_dir: str | Path, publish: bool = False
) -> Outcome:
    """Check a spreadsheet and keep it as the questionnaire's draft (or publish it at once).

    A spreadsheet that asks what residents are answering now, in the same words in every language
    (its own, or the catalogs' in `translations_dir`), stores nothing. Raises XLSFormError, with
    nothing stored, for any fault. The caller commits.
    """
    imported = read_xlsform(data, filename)
    questionnaire = imported.questionnaire
    published = all_published().get(questionnaire.id)
    current = published.questionnaire if published else None
    if questionnaire.is_report:
        raise XLSFormError(
            [
                Fault(
                    "settings",
                    2,
                    "kind",
                    _(
                        "reporting forms keep safety rules of their own and are changed with the "
                        "service: leave kind empty for a survey"
                    ),
                )
            ]
        )
    if current is not None and current.is_report:
        raise XLSFormError(
            [
                Fault(
                    "settings",
                    2,
                    "form_id",
                    _("“%(form_id)s” is a reporting form's id: choose another", form_id=questionnaire.id),
                )
            ]
        )
    if current is not None and _same(current, imported, translator(current, translations_dir)):
        return Outcome(current, None, False, current.version, imported.missing)
    version = _next_version(questionnaire, current)
    db.session.execute(
        sa.delete(ImportedQuestionnaire).where(
            ImportedQuestionnaire.questionnaire_id == questionnaire.id, ImportedQuestionnaire.status == DRAFT
        )
    )
    definition = {**imported.definition, "version": version}
    languages = list(questionnaire.languages)
    row = ImportedQuestionnaire(
        questionnaire_id=questionnaire.id,
        version=version,
        status=DRAFT,
        definition=definition,
        translations=imported.translations,
        languages=languages,
        missing=[fault_as_data(fault) for fault in imported.missing],
        spreadsheet=data,
        filename=filename[:255],
        checksum=checksum(definition, imported.translations, languages),
        uploaded_by=uploaded_by[:255],
    )
    db.session.add(row)
    db.session.flush()
    if publish:
        publish_draft(questionnaire.id)
    return Outcome(questionnaire_of(row), version, publish, None, imported.missing)


def _same(current: Questionnaire, imported: Imported, translate: Translate) -> bool:
    """The spreadsheet asks what residents are answering now, in the same words and languages."""
    candidate = dataclasses.replace(
        imported.questionnaire, version=current.version, source_file=current.source_file
    )
    if candidate != current:
        return False
    offered = set(current.languages or LANGUAGES)
    if offered != set(candidate.languages or LANGUAGES):
        return False
    for language in offered - {ENGLISH}:
        own = imported.translations.get(language, {})
        for key, english, _note in text_entries(current):
            if translate(language, key, english) != own.get(key):
                return False
    return True


def _next_version(questionnaire: Questionnaire, current: Questionnaire | None) -> int:
    stored = db.session.scalar(
        sa.select(sa.func.max(ImportedQuestionnaire.version)).where(
            ImportedQuestionnaire.questionnaire_id == questionnaire.id,
            ImportedQuestionnaire.status == PUBLISHED,
        )
    )
    latest = max(stored or 0, current.version if current else 0)
    # The spreadsheet's own version is kept when it is new; an old number moves on past the latest.
    return questionnaire.version if questionnaire.version > latest else latest + 1


def discard_draft(questionnaire_id: str) -> bool:
    """Delete the questionnaire's draft; False when it has none. The caller commits."""
    row = draft(questionnaire_id)
    if row is None:
        return False
    db.session.delete(row)
    return True


def drafts() -> list[ImportedQuestionnaire]:
    return list(
        db.session.scalars(
            sa.select(ImportedQuestionnaire)
            .where(ImportedQuestionnaire.status == DRAFT)
            .order_by(ImportedQuestionnaire.questionnaire_id)
        )
    )


def draft(questionnaire_id: str) -> ImportedQuestionnaire | None:
    return db.session.scalar(
        sa.select(ImportedQuestionnaire).where(
            ImportedQuestionnaire.questionnaire_id == questionnaire_id, ImportedQuestionnaire.status == DRAFT
        )
    )


def publish_draft(questionnaire_id: str) -> ImportedQuestionnaire | None:
    """Publish the questionnaire's draft; None when it has none. The caller commits."""
    row = draft(questionnaire_id)
    if row is None:
        return None
    row.status = PUBLISHED
    row.published_at = utcnow()
    db.session.flush()
    return row


def published_marker() -> tuple[int, int]:
    """Changes whenever a version is published: how many there are and the newest's row id."""
    count, newest = db.session.execute(
        sa.select(sa.func.count(ImportedQuestionnaire.id), sa.func.max(ImportedQuestionnaire.id)).where(
            ImportedQuestionnaire.status == PUBLISHED
        )
    ).one()
    return int(count or 0), int(newest or 0)


def newest_published() -> list[ImportedQuestionnaire]:
    """The newest published version of each imported questionnaire."""
    newest = (
        sa.select(
            ImportedQuestionnaire.questionnaire_id, sa.func.max(ImportedQuestionnaire.version).label("v")
        )
        .where(ImportedQuestionnaire.status == PUBLISHED)
        .group_by(ImportedQuestionnaire.questionnaire_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(ImportedQuestionnaire)
            # The spreadsheet as uploaded (up to 2 MB) is only for downloading: not read here.
            .options(defer(ImportedQuestionnaire.spreadsheet))
            .join(
                newest,
                sa.and_(
                    ImportedQuestionnaire.questionnaire_id == newest.c.questionnaire_id,
                    ImportedQuestionnaire.version == newest.c.v,
                ),
            )
        )
    )


def published_version(questionnaire_id: str, version: int) -> ImportedQuestionnaire | None:
    return db.session.scalar(
        sa.select(ImportedQuestionnaire)
        .options(defer(ImportedQuestionnaire.spreadsheet))
        .where(
            ImportedQuestionnaire.questionnaire_id == questionnaire_id,
            ImportedQuestionnaire.version == version,
            ImportedQuestionnaire.status == PUBLISHED,
        )
    )


__all__ = ["Outcome", "QuestionnaireError", "XLSFormError", "import_spreadsheet", "publish_draft"]
