"""Retention: a closed report's answers, and everything written about it, are deleted
REPORT_RETENTION_DAYS after closing; an administrator can erase one at once on the person's
request. Either way the same things go and the same things stay.

What goes: the answers (the column stays, encrypted and empty), caseworkers' notes, the messages
with the person, the risk checklists' answers and scores, the memorable word and safe contact, any
visit or queued notification, the reasons recorded for sharing without consent, and the history of
the person's consent. What stays, so that the counts still add up: the facts (readable, identifying
no one), the status and dates, the risk level, and each referral's destination, date and outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from flask import current_app

from ..columns import utcnow
from ..extensions import db
from ..reports.followup import CheckVisit, ReportAccess, ReporterNotification, ReportMessage
from ..reports.models import Report
from ..reports.risk import ChecklistResult
from ..reports.sharing import Referral, ReportConsent
from .models import ReportNote


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=current_app.config["REPORT_RETENTION_DAYS"])


def delete_personal_data(report_ids: Sequence[int]) -> None:
    """Delete everything held about these reports that is not a count (the caller commits and
    clears the answers themselves)."""
    if not report_ids:
        return
    ids = list(report_ids)
    for table in (ReportNote, ReportMessage, ChecklistResult, ReportAccess, CheckVisit, ReporterNotification):
        db.session.execute(sa.delete(table).where(table.report_id.in_(ids)))
    db.session.execute(
        sa.update(Referral).where(Referral.report_id.in_(ids)).values(without_consent=None, consent_id=None)
    )
    db.session.execute(sa.delete(ReportConsent).where(ReportConsent.report_id.in_(ids)))


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
    delete_personal_data([report.id for report in reports])
    db.session.commit()
    return len(reports)


def erase_report(report: Report, now: dt.datetime | None = None) -> None:
    """Erase a report on the person's request (the caller audits and commits)."""
    now = now or utcnow()
    report.answers = {}
    report.erased_at = now
    report.reporter_wrote = False
    delete_personal_data([report.id])
