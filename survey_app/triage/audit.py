"""Writing the audit trail: one record for every look at, or change to, a report."""

from __future__ import annotations

from typing import Any

from flask import request

from ..extensions import db
from ..reports.models import Report
from ..staff.auth import current_staff
from .models import ACTIONS, USER_AGENT_LENGTH, AuditEvent


def record(action: str, report: Report | None = None, **detail: Any) -> AuditEvent:
    """Add an audit record for the signed-in staff member and this request; the caller commits.

    `detail` must hold no personal data: statuses, formats, filter names, never answers or notes.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
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
