"""Retention: a closed report's answers and notes are deleted REPORT_RETENTION_DAYS after closing.

The facts (readable, identifying no one), the status and the dates stay, so the counts still add up.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from ..columns import utcnow
from ..extensions import db
from ..reports.models import Report
from .models import ReportNote


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=current_app.config["REPORT_RETENTION_DAYS"])


def purge_closed_reports(now: dt.datetime | None = None) -> int:
    """Purge every report closed before the retention cutoff and not yet purged; how many."""
    now = now or utcnow()
    cutoff = retention_cutoff(now)
    reports = db.session.scalars(
        sa.select(Report).where(
            Report.status == "closed",
            Report.closed_at.is_not(None),
            Report.closed_at < cutoff,
            Report.purged_at.is_(None),
        )
    ).all()
    for report in reports:
        report.answers = {}  # still written encrypted: the column never holds plain text
        report.purged_at = now
    if reports:
        db.session.execute(sa.delete(ReportNote).where(ReportNote.report_id.in_([r.id for r in reports])))
    db.session.commit()
    return len(reports)
