"""Caseworkers' notes on reports, encrypted like the answers (the audit log is survey_app/audit.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import EncryptedJSON, UTCDateTime, utcnow
from ..extensions import Model
from ..staff.models import User


class ReportNote(Model):
    """A caseworker's note on a report. The text is encrypted like the report's answers."""

    __tablename__ = "report_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"text": "..."}, encrypted with REPORT_ENCRYPTION_KEYS.
    text: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)

    author: Mapped[User] = relationship()
