"""Holding a flood of reports apart from the queue, without ever turning a real report away.

A report is never refused: someone in danger may share an address with whoever is flooding the
form (a library's kiosk, a phone network's shared address). So a report over a limit is still
stored, and its reference shown as usual, but it is held apart from the caseworkers' queue, for a
caseworker to release or discard (triage), and administrators are alerted.

The limits are per browser session, per client address and per reporting centre. A report made
on a kiosk is not counted per address: everyone at a centre shares one. The counts live in the
rate-limit storage (RATELIMIT_STORAGE_URI: Redis in production), so every worker and instance
sees the same ones; only keyed hashes are counted, never an address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import current_app, request, session

from ..rate_limits import EXTENSION, RateLimits, client_address

log = logging.getLogger(__name__)

# Why a report was held, as stored in report.held_reason.
SESSION, CLIENT, CENTRE = "session", "client", "centre"


def _keyed(kind: str, value: str) -> str:
    secret = str(current_app.secret_key).encode("utf-8")
    return hmac.new(secret, f"flood:{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def _browser_session() -> str:
    """What identifies this browser's session: the CSRF secret it was given with its first form."""
    raw = session.get("csrf_token")
    return raw if isinstance(raw, str) else ""


def hold_reason(centre: str | None) -> str | None:
    """Count one report against each limit that applies; the first limit it goes over, or None.

    Every limit is counted even when an earlier one is over, so each count stays true.
    """
    config = current_app.config
    limits: RateLimits = current_app.extensions[EXTENSION]
    checks = [(SESSION, config["REPORT_LIMIT_PER_SESSION"], _browser_session())]
    if centre:
        checks.append((CENTRE, config["REPORT_LIMIT_PER_CENTRE"], centre))
    else:
        checks.append((CLIENT, config["REPORT_LIMIT_PER_CLIENT"], client_address(request.remote_addr)))
    over = [
        kind
        for kind, rule, value in checks
        if value and not limits.allow(rule, "report", _keyed(kind, value))
    ]
    if over:
        log.warning("report held apart as a possible flood: over the limit per %s", over[0])
        return over[0]
    return None
