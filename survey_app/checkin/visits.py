"""A browser that has given a report's reference and memorable word: one opaque token in a
cookie with no expiry (the browser forgets it when it closes), its hash on the server, and the
visit deleted after CHECK_IDLE_MINUTES idle, on "Finish", on quick exit and on a kiosk reset."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import Response, current_app, g, request

from ..columns import utcnow
from ..extensions import db
from ..reports.followup import CheckVisit
from ..reports.models import Report

COOKIE = "sts_check"
_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["CHECK_IDLE_MINUTES"])


def _token() -> str | None:
    token = request.cookies.get(COOKIE, "")
    return token if len(token) == _TOKEN_LENGTH and token.isascii() else None


def start(report: Report) -> None:
    """Begin a visit to this report for this browser (the caller commits)."""
    end()
    token = secrets.token_urlsafe(32)
    db.session.add(CheckVisit(token_hash=_hash(token), report_id=report.id))
    g.check_cookie = token


def current_report() -> Report | None:
    """The report this browser is visiting, renewing the visit; None if none or it went idle."""
    token = _token()
    if token is None:
        return None
    now = utcnow()
    visit = db.session.scalar(sa.select(CheckVisit).where(CheckVisit.token_hash == _hash(token)))
    if visit is None:
        return None
    if now - visit.last_seen_at > idle_limit():
        db.session.delete(visit)
        db.session.commit()
        g.check_cookie = ""
        return None
    visit.last_seen_at = now
    report = db.session.get(Report, visit.report_id)
    db.session.commit()
    return report


def end() -> None:
    """End this browser's visit, on the server and in the browser (the caller commits)."""
    token = _token()
    if token is not None:
        db.session.execute(sa.delete(CheckVisit).where(CheckVisit.token_hash == _hash(token)))
    if token is not None or g.get("check_cookie"):
        g.check_cookie = ""


def end_all_for(report_id: int) -> None:
    db.session.execute(sa.delete(CheckVisit).where(CheckVisit.report_id == report_id))


def purge_idle(now: dt.datetime | None = None) -> int:
    cutoff = (now or utcnow()) - idle_limit()
    result = db.session.execute(sa.delete(CheckVisit).where(CheckVisit.last_seen_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def write_cookie(response: Response) -> Response:
    token = g.get("check_cookie")
    if token is None:
        return response
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    if token:
        # No max_age or expires: the browser forgets it when it closes.
        response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=secure)
    else:
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax", secure=secure)
    return response
