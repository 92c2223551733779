"""Reports held apart as a possible flood (survey/flood.py): releasing them, or discarding them.

A caseworker decides for many reports at once. Each decision is written to the audit log, one
event per report. Discarding closes the report as discarded and deletes its answers at once:
a flood's answers are not kept for the retention period.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..audit import record
from ..columns import utcnow
from ..extensions import db
from ..reports.models import Report

RELEASE, DISCARD = "release", "discard"
DECISIONS = (RELEASE, DISCARD)


def held_reports(limit: int, offset: int = 0) -> list[Report]:
    """Held reports, oldest first: a flood is easiest to see in the order it came."""
    query = (
        sa.select(Report)
        .where(Report.held.is_(True))
        .order_by(Report.submitted_at, Report.id)
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.scalars(query))


def select_held(references: Iterable[str] | None, up_to: int | None = None) -> list[Report]:
    """The held reports among these references, or every held report when `references` is None
    (only those up to the report id `up_to`, if given: the ones a caseworker was shown)."""
    query = sa.select(Report).where(Report.held.is_(True))
    if references is not None:
        query = query.where(Report.reference.in_(list(references)))
    if up_to is not None:
        query = query.where(Report.id <= up_to)
    return list(db.session.scalars(query.order_by(Report.submitted_at, Report.id)))


def decide(reports: list[Report], decision: str) -> int:
    """Release or discard these held reports, each audited; the caller commits. How many."""
    now = utcnow()
    for report in reports:
        report.held = False
        if decision == DISCARD:
            report.status = "discarded"
            report.closed_at = now
            report.answers = {}
            report.purged_at = now
            record("discard_report", report, reason=report.held_reason)
        else:
            record("release_report", report, reason=report.held_reason)
    return len(reports)
