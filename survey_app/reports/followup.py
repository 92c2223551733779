"""What lets the person who reported follow their report: their memorable word and safe contact,
the checks made with it, and the messages between them and the caseworkers.

Nothing here names the person or their report in a readable column: the word is kept only as a
slow salted hash, the contact and the messages are encrypted like the report, and a check on a
reference is counted under a keyed hash of the reference, whether or not such a report exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import EncryptedJSON, UTCDateTime, utcnow
from ..extensions import Model, db
from ..staff.models import User

CASEWORKER = "caseworker"
REPORTER = "reporter"
MESSAGE_MAX_LENGTH = 5000


class ReportAccess(Model):
    """How the person who reported can come back to it, if they chose to."""

    __tablename__ = "report_access"

    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    # argon2id of the normalised memorable word; None until one is chosen.
    word_hash: Mapped[str | None] = mapped_column(sa.String(255))
    word_set_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # {"kind": "email" | "mobile", "value": "..."}: a contact the person said is safe, encrypted.
    contact: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    # The one-time token the confirmation page's form carries to choose a word (sha256).
    setup_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    setup_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CheckAttempt(Model):
    """Failed checks on one reference, under a keyed hash of it (never the reference itself)."""

    __tablename__ = "check_attempt"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    # Tries taken (a try is counted before its word is checked, and forgotten when it was right).
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No try is checked before this moment (the growing wait after each wrong word).
    next_try_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CheckVisit(Model):
    """A browser that gave a report's reference and word, for as long as it stays (CHECK_IDLE_MINUTES)."""

    __tablename__ = "check_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportMessage(Model):
    """A message a caseworker wrote for the person who reported, or one the person sent back."""

    __tablename__ = "report_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(sa.String(16))  # CASEWORKER or REPORTER
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"text": "..."}, encrypted with REPORT_ENCRYPTION_KEYS.
    body: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)

    author: Mapped[User | None] = relationship()


class ReporterNotification(Model):
    """A neutral "you have a new message" to send to the person's safe contact (notifications.py)."""

    __tablename__ = "reporter_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Why the last try failed, in the sender's words (never the address).
    last_error: Mapped[str | None] = mapped_column(sa.String(200))


def access_for(report_id: int) -> ReportAccess | None:
    return db.session.get(ReportAccess, report_id)


def messages_of(report_id: int) -> list[ReportMessage]:
    return list(
        db.session.scalars(
            sa.select(ReportMessage)
            .where(ReportMessage.report_id == report_id)
            .order_by(ReportMessage.created_at, ReportMessage.id)
        )
    )
