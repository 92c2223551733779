"""Signing staff in and out: checking passwords, server-side sessions, idle expiry.

The browser holds a random session id inside Flask's signed session cookie;
the database holds only its SHA-256, so the table alone cannot be used to
take over a staff member's session. How often someone may try a password, and
from where, is throttle.py's concern: no account is ever locked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app, g, request, session

from ..columns import utcnow
from ..extensions import db
from .models import StaffSession, User, normalise_email
from .passwords import verify_password

log = logging.getLogger(__name__)

SESSION_KEY = "staff_session"
# Why the last staff session ended, shown once on the sign-in page.
NOTICE_KEY = "staff_notice"
USER_AGENT_LENGTH = 255


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])


def authenticate(email: str, password: str) -> User | None:
    """The account these details sign in to, or None.

    Every refusal looks the same to the person signing in (wrong email, wrong
    password or deactivated account), so accounts cannot be discovered; the
    reason is logged.
    """
    address = normalise_email(email)
    # No account's address holds U+0000, and PostgreSQL refuses to compare text that does.
    user = None if "\x00" in address else db.session.scalar(sa.select(User).where(User.email == address))
    if user is None:
        verify_password(None, password)  # take as long as a real check
        log.info("staff sign-in refused: no such account")
        return None
    matches, new_hash = verify_password(user.password_hash, password)
    if not user.active:
        log.warning("staff sign-in refused: account %s is deactivated", user.id)
        return None
    if not matches:
        log.info("staff sign-in refused: wrong password for account %s", user.id)
        return None
    if new_hash:
        user.password_hash = new_hash
        log.info("staff account %s: password rehashed with the current parameters", user.id)
    return user


def sign_in(user: User) -> None:
    """Start a new staff session; whatever session id the browser had before stops working."""
    end_browser_session()
    now = utcnow()
    session_id = secrets.token_urlsafe(32)
    db.session.add(
        StaffSession(
            id_hash=hash_session_id(session_id),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=(request.remote_addr or "")[:45] or None,
            user_agent=(request.user_agent.string or "")[:USER_AGENT_LENGTH] or None,
        )
    )
    user.last_sign_in_at = now
    db.session.commit()
    # A new CSRF token too: nothing from before signing in carries over.
    session.pop("csrf_token", None)
    session[SESSION_KEY] = session_id
    g.staff_user = user
    log.info("staff account %s signed in", user.id)


def sign_out() -> None:
    user = current_staff()
    end_browser_session()
    db.session.commit()
    session.pop("csrf_token", None)
    session[NOTICE_KEY] = "signed_out"
    g.staff_user = None
    if user is not None:
        log.info("staff account %s signed out", user.id)


def end_browser_session() -> None:
    """End the staff session this browser holds, if any, on the server too. The caller commits."""
    session_id = session.pop(SESSION_KEY, None)
    if isinstance(session_id, str):
        db.session.execute(sa.delete(StaffSession).where(StaffSession.id_hash == hash_session_id(session_id)))


def current_staff() -> User | None:
    """The signed-in staff member, or None. Touching the session keeps it alive."""
    if "staff_user" not in g:
        g.staff_user = _load_staff_user()
    return g.staff_user


def signed_in_staff() -> User:
    """The signed-in staff member, in a view that require_role guards, so there always is one."""
    user = current_staff()
    if user is None:
        raise RuntimeError(f"{request.endpoint} needs a signed-in staff member: guard it with require_role")
    return user


def _load_staff_user() -> User | None:
    session_id = session.get(SESSION_KEY)
    if not isinstance(session_id, str):
        return None
    row = db.session.get(StaffSession, hash_session_id(session_id))
    if row is None:
        session.pop(SESSION_KEY, None)
        return None
    now = utcnow()
    user = row.user
    if row.last_seen_at + _idle_limit() < now or not user.active:
        db.session.delete(row)
        db.session.commit()
        session.pop(SESSION_KEY, None)
        if user.active:
            session[NOTICE_KEY] = "timed_out"
        log.info("staff session for account %s ended (idle or deactivated)", user.id)
        return None
    row.last_seen_at = now
    db.session.commit()
    return user


def purge_idle_sessions() -> int:
    """Delete staff sessions idle past STAFF_IDLE_MINUTES; the number deleted."""
    cutoff = utcnow() - _idle_limit()
    # A DELETE gives a CursorResult, which has the row count; Session.execute is typed for any statement.
    result = cast(
        sa.CursorResult[Any],
        db.session.execute(sa.delete(StaffSession).where(StaffSession.last_seen_at < cutoff)),
    )
    db.session.commit()
    return result.rowcount or 0
