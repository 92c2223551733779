"""Wrong memorable words for a reference: slowed down, then stopped for that reference.

Counted under a keyed hash of the reference as typed (normalised), whether or not such a report
exists, so a made-up reference earns exactly the answers a real one does. After FREE_FAILURES
the next try must wait, twice as long after each further failure; after CHECK_MAX_FAILURES no
try on that reference is checked again until a caseworker lets the person try again (audited).
A reference whose failures stop short of that is forgotten a day after its last failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from ..columns import utcnow
from ..extensions import db
from ..reports.followup import CheckAttempt

FREE_FAILURES = 3
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 10 * 60
FORGET_AFTER = dt.timedelta(days=1)


def key_for(reference: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = b"report-check:" + reference.strip().upper().encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def max_failures() -> int:
    return int(current_app.config["CHECK_MAX_FAILURES"])


def wait_after(failures: int) -> int:
    """Seconds the next try waits after this many failures: the first FREE_FAILURES cost nothing."""
    if failures <= FREE_FAILURES:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** min(failures - FREE_FAILURES - 1, 20), MAX_WAIT_SECONDS)


@dataclass(frozen=True)
class Admission:
    stopped: bool
    wait_seconds: int

    @property
    def allowed(self) -> bool:
        return not self.stopped and self.wait_seconds == 0


def admission(reference: str, now: dt.datetime | None = None) -> Admission:
    """May a word be checked for this reference now?"""
    now = now or utcnow()
    row = db.session.get(CheckAttempt, key_for(reference))
    if row is None:
        return Admission(False, 0)
    if row.failures >= max_failures():
        return Admission(True, 0)
    if now - row.last_failure_at > FORGET_AFTER:
        return Admission(False, 0)
    waited = (now - row.last_failure_at).total_seconds()
    remaining = wait_after(row.failures) - waited
    return Admission(False, max(0, int(remaining + 0.999)))


def failed(reference: str, now: dt.datetime | None = None) -> Admission:
    """Count a wrong word (in the caller's transaction); what the next try faces.

    One statement adds the failure, so two wrong words at the same moment both count.
    """
    now = now or utcnow()
    key = key_for(reference)
    if db.session.get(CheckAttempt, key) is None:
        try:
            with db.session.begin_nested():
                db.session.add(CheckAttempt(key=key, failures=0, last_failure_at=now))
        except sa.exc.IntegrityError:
            pass  # another wrong word for the same reference at the same moment made the row
    table = CheckAttempt.__table__
    forgotten = sa.and_(table.c.last_failure_at < now - FORGET_AFTER, table.c.failures < max_failures())
    db.session.execute(
        table.update()
        .where(table.c.key == key)
        .values(
            failures=sa.case((forgotten, 1), else_=table.c.failures + 1),
            last_failure_at=now,
        )
    )
    failures = db.session.scalar(sa.select(table.c.failures).where(table.c.key == key)) or 0
    if failures >= max_failures():
        return Admission(True, 0)
    return Admission(False, wait_after(failures))


def succeeded(reference: str) -> None:
    db.session.execute(sa.delete(CheckAttempt).where(CheckAttempt.key == key_for(reference)))


def is_stopped(reference: str) -> bool:
    row = db.session.get(CheckAttempt, key_for(reference))
    return row is not None and row.failures >= max_failures()


def allow_again(reference: str) -> None:
    """A caseworker lets the person try their word again (the caller audits and commits)."""
    succeeded(reference)
