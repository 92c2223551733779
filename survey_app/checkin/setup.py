"""Choosing a memorable word once a report is sent: the confirmation page carries a one-time
token, valid for SETUP_MINUTES, that lets its form set the report's word once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from ..columns import utcnow
from ..extensions import db
from ..reports.followup import ReportAccess, access_for
from ..reports.models import Report

SETUP_MINUTES = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def setup_token_for(report: Report) -> str:
    """A one-time token for the confirmation page's form that chooses a word (the caller commits)."""
    token = secrets.token_urlsafe(32)
    access = access_for(report.id)
    if access is None:
        access = ReportAccess(report_id=report.id)
        db.session.add(access)
    if access.word_hash is None:
        access.setup_token_hash = _hash(token)
        access.setup_expires_at = utcnow() + dt.timedelta(minutes=SETUP_MINUTES)
    return token


def access_for_setup(token: str) -> ReportAccess | None:
    if not token or len(token) > 100 or not token.isascii():
        return None
    access = db.session.scalar(sa.select(ReportAccess).where(ReportAccess.setup_token_hash == _hash(token)))
    if access is None or access.word_hash is not None:
        return None
    if access.setup_expires_at is None or access.setup_expires_at < utcnow():
        return None
    return access
