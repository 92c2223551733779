"""The table of imported questionnaires: every version, as uploaded, draft or published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import JSONType, UTCDateTime, utcnow
from ..extensions import Model

DRAFT = "draft"
PUBLISHED = "published"


class ImportedQuestionnaire(Model):
    """One version of a questionnaire imported from a spreadsheet.

    Kept in the database, not written to the app's folders, so every instance serves the same ones.
    A draft can be replaced by another upload; a published version never changes (responses name
    it), and a changed spreadsheet is published as the next version.
    """

    __tablename__ = "imported_questionnaire"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), default=DRAFT)
    # The questionnaire in the shape of a questionnaire file, and its own translations.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    translations: Mapped[dict[str, Any]] = mapped_column(JSONType)
    languages: Mapped[list[str]] = mapped_column(JSONType)
    # Each empty translation cell, as the staff page shows it (its language is not yet offered).
    missing: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    # The spreadsheet as uploaded, to download again.
    spreadsheet: Mapped[bytes] = mapped_column(sa.LargeBinary)
    filename: Mapped[str] = mapped_column(sa.String(255))
    checksum: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[str] = mapped_column(sa.String(255))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
