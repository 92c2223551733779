"""The audit trail of every look at a report, and caseworkers' notes (encrypted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import EncryptedJSON, JSONType, UTCDateTime, utcnow
from ..extensions import db
from ..staff.models import User

# What an audit record can say happened.
ACTIONS = (
    "view_report", "change_status", "add_note", "export_referral", "view_audit_log",
    "export_responses", "review_response", "upload_margins", "change_survey",
)
USER_AGENT_LENGTH = 255


class AuditEvent(db.Model):
    """One staff action on sensitive data: who, when, what, which report, from where.

    `detail` never holds personal data: only things like the old and new status.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(USER_AGENT_LENGTH))

    user: Mapped[User] = relationship()
    report = relationship("Report")


class ReportNote(db.Model):
    """A caseworker's note on a report. The text is encrypted like the report's answers."""

    __tablename__ = "report_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"text": "..."}, encrypted with REPORT_ENCRYPTION_KEYS.
    text: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)

    author: Mapped[User] = relationship()
