"""The audit log: one record for every look at, or change to, sensitive data, and reading it back.

Everything that records an event imports `record` from here (the report pages, the insight pages,
survey administration); the administrators' audit page reads it with `find_events`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .columns import JSONType, UTCDateTime, utcnow
from .extensions import Model, db
from .reports.models import Report
from .staff.auth import current_staff
from .staff.models import User

# What an audit record can say happened.
ACTIONS = (
    "view_report",
    "change_status",
    "add_note",
    "export_referral",
    "view_audit_log",
    "export_responses",
    "review_response",
    "upload_margins",
    "change_survey",
    "import_questionnaire",
    "publish_questionnaire",
    "discard_questionnaire",
    "release_report",
    "discard_report",
    "enter_kpi_figures",
    "import_crime",
    "change_kpi_register",
    "assign_kpi_owners",
    # After the report (issue 17): staff acts
    "write_to_reporter",
    "record_referral",
    "record_referral_outcome",
    "complete_checklist",
    "allow_checks_again",
    "view_subject_access",
    "export_subject_access",
    "erase_report",
    # and the reporter's own, through the check pages (no staff member, no address kept)
    "reporter_checked",
    "reporter_wrote",
    "reporter_changed_consent",
    "reporter_changed_contact",
)
# The acts of the person who reported: recorded without a staff member, an address or a browser.
REPORTER_ACTIONS = frozenset(
    {"reporter_checked", "reporter_wrote", "reporter_changed_consent", "reporter_changed_contact"}
)
USER_AGENT_LENGTH = 255


class AuditEvent(Model):
    """One staff action on sensitive data: who, when, what, which report, from where.

    `detail` never holds personal data: only things like the old and new status.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None for what the person who reported did themselves, through the check pages.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(USER_AGENT_LENGTH))

    user: Mapped[User | None] = relationship()
    report = relationship("Report")


def record(action: str, report: Report | None = None, **detail: Any) -> AuditEvent:
    """Add an audit record for the signed-in staff member and this request; the caller commits.

    `detail` must hold no personal data: statuses, formats, filter names, never answers or notes.
    """
    if action not in ACTIONS or action in REPORTER_ACTIONS:
        raise ValueError(f"unknown staff audit action {action!r}")
    user = current_staff()
    if user is None:
        raise RuntimeError("audited actions need a signed-in staff member")
    event = AuditEvent(
        user_id=user.id,
        action=action,
        report_id=report.id if report is not None else None,
        detail=detail,
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:USER_AGENT_LENGTH] or None,
    )
    db.session.add(event)
    return event


def record_for_reporter(action: str, report: Report, **detail: Any) -> AuditEvent:
    """Add an audit record of something the person who reported did; the caller commits.

    Their address and browser are not kept: the record says what changed, never who they are.
    """
    if action not in REPORTER_ACTIONS:
        raise ValueError(f"unknown reporter audit action {action!r}")
    event = AuditEvent(user_id=None, action=action, report_id=report.id, detail=detail)
    db.session.add(event)
    return event


def find_events(
    *, user: int | None, action: str | None, reference: str | None, page: int, per_page: int
) -> tuple[int, list[sa.Row[Any]]]:
    """How many events match, and one page of them, newest first, with who and which report."""
    query = (
        sa.select(
            AuditEvent.at,
            AuditEvent.action,
            AuditEvent.detail,
            AuditEvent.ip,
            User.display_name,
            User.email,
            Report.reference,
        )
        .outerjoin(User, AuditEvent.user_id == User.id)
        .outerjoin(Report, AuditEvent.report_id == Report.id)
    )
    if user:
        query = query.where(AuditEvent.user_id == user)
    if action:
        query = query.where(AuditEvent.action == action)
    if reference:
        query = query.where(Report.reference == reference)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    events = list(
        db.session.execute(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return total, events
