"""Reports held apart as a possible flood (survey/flood.py): releasing them, or discarding them.

A caseworker decides for many reports at once. Each decision is written to the audit log, one
event per report. Discarding closes the report as discarded and deletes its answers at once:
a flood's answers are not kept for the retention period.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import sqlalchemy as sa

from ..audit import record
from ..columns import utcnow
from ..extensions import db
from ..reports.models import Report
from .retention import delete_personal_data

RELEASE, DISCARD = "release", "discard"
DECISIONS = (RELEASE, DISCARD)


def held_reports(limit: int) -> list[Report]:
    """Held reports, oldest first: a flood is easiest to see in the order it came."""
    query = (
        sa.select(Report).where(Report.held.is_(True)).order_by(Report.submitted_at, Report.id).limit(limit)
    )
    return list(db.session.scalars(query))


def newest_held_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(Report.id)).where(Report.held.is_(True))) or 0


def select_held(references: Iterable[str] | None, up_to: int | None = None) -> list[Report]:
    """The held reports among these references, or every held report when `references` is None
    (only those up to the report id `up_to`, if given: the ones held when the page was drawn)."""
    query = sa.select(Report).where(Report.held.is_(True))
    if references is not None:
        query = query.where(Report.reference.in_(list(references)))
    if up_to is not None:
        query = query.where(Report.id <= up_to)
    return list(db.session.scalars(query.order_by(Report.submitted_at, Report.id)))


def decide(reports: list[Report], decision: str) -> int:
    """Release or discard these reports, those still held, each audited; the caller commits.

    Each is changed only if it is still held, in one statement, so that two caseworkers deciding
    at the same moment never both act on one report. Returns how many were changed.
    """
    now = utcnow()
    changes: dict[str, Any] = {"held": False}
    if decision == DISCARD:
        changes.update(status="discarded", closed_at=now, answers={}, purged_at=now)
    done = 0
    for report in reports:
        result = db.session.execute(
            sa.update(Report).where(Report.id == report.id, Report.held.is_(True)).values(**changes)
        )
        if cast(sa.CursorResult[Any], result).rowcount != 1:
            continue
        if decision == DISCARD:
            # Everything written about it goes with the answers: notes, messages, the word...
            delete_personal_data([report.id])
        record(
            "discard_report" if decision == DISCARD else "release_report", report, reason=report.held_reason
        )
        done += 1
    return done
