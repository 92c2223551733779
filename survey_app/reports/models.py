"""The report table. Everything a reporter wrote is encrypted; only counts stay readable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import EncryptedJSON, JSONType, UTCDateTime, utcnow
from ..extensions import Model, db

STATUSES = ("new", "in_review", "referred_police", "referred_support", "closed", "discarded")
# "discarded" is set only by discarding reports held as a possible flood (triage/floods.py).
CASEWORKER_STATUSES = STATUSES[:-1]


class Report(Model):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"))
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    questionnaire_version: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(16))
    # Every answer, encrypted with REPORT_ENCRYPTION_KEYS.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    # Answers to `reportable` questions only (who is reporting, kinds of incident): no one can be
    # identified from them, and the queue filters and the board's counts need them readable.
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The reporting centre whose kiosk it came from, if any.
    centre: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(24), default="new", index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the answers were deleted after REPORT_RETENTION_DAYS closed; facts and dates stay for counts.
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    session_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The questions whose risk cue the answers show (the cue alone, never the answer), for the queue.
    risk_cues: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=sa.text("'[]'"))
    # Held apart from the queue as a possible flood: over a limit per browser, client or centre
    # (see survey/flood.py). Still kept; a caseworker releases or discards it.
    held: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)
    held_reason: Mapped[str | None] = mapped_column(sa.String(16))
    # The level of the latest risk checklist completed for it (reports/risk.py): readable, like the
    # risk cues, so that the queue can put high risk first and the board can count levels.
    risk_level: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    # The partnership's next step for that level, as the checklist declares it:
    # {"destination": "marac", "due": ISO time}; None when the level has none.
    risk_step: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # The person who reported wrote a message or added information that no caseworker has opened yet.
    reporter_wrote: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Erased on the person's request (a subject access request): only the counts remain.
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def answers_gone(self) -> bool:
        """Its answers were deleted, under the retention policy or on the person's request."""
        return self.purged_at is not None or self.erased_at is not None


def counted() -> sa.ColumnElement[bool]:
    """The reports the board's figures count: not held or discarded as a possible flood."""
    return sa.and_(Report.held.is_(False), Report.status != "discarded")


def held_count() -> int:
    """How many reports are held apart as a possible flood, waiting for a caseworker."""
    return db.session.scalar(sa.select(sa.func.count()).where(Report.held.is_(True))) or 0
