"""Tries at a reference's memorable word: slowed down, then stopped for that reference.

Counted under a keyed hash of the reference as typed (normalised), whether or not such a report
exists, so a made-up reference earns exactly the answers a real one does. A try is taken, in one
statement, before its word is checked (`take`), so tries sent at the same moment each count and
none slips past the limit; a right word gives its try back (`succeeded`). After FREE_FAILURES the
next try must wait, twice as long after each further wrong word; after CHECK_MAX_FAILURES no try
on that reference is checked again until a caseworker lets the person try again (audited). Wrong
words are never forgotten with time: a reference can only be guessed at so often, ever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from ..columns import utcnow
from ..extensions import db
from ..reports.followup import CheckAttempt

FREE_FAILURES = 3
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 10 * 60
_table = CheckAttempt.__table__


def key_for(reference: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = b"report-check:" + reference.strip().upper().encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def max_failures() -> int:
    return int(current_app.config["CHECK_MAX_FAILURES"])


def wait_after(failures: int) -> int:
    """Seconds the next try waits after this many wrong words: the first FREE_FAILURES cost nothing."""
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


def _refusal(key: str, now: dt.datetime) -> Admission:
    row = db.session.execute(
        sa.select(_table.c.failures, _table.c.next_try_at).where(_table.c.key == key)
    ).one_or_none()
    if row is None:
        return Admission(False, 0)
    failures, next_try_at = row
    if failures >= max_failures():
        return Admission(True, 0)
    if next_try_at is not None:
        next_try_at = next_try_at.replace(tzinfo=dt.UTC) if next_try_at.tzinfo is None else next_try_at
        return Admission(False, max(1, int((next_try_at - now).total_seconds() + 0.999)))
    return Admission(False, 0)


def take(reference: str, now: dt.datetime | None = None) -> Admission:
    """Take a try at this reference's word, or say why not; the caller commits at once, before
    checking the word, so that the try counts for every request that comes after."""
    now = now or utcnow()
    key = key_for(reference)
    if db.session.get(CheckAttempt, key) is None:
        try:
            with db.session.begin_nested():
                db.session.add(CheckAttempt(key=key, failures=0, last_failure_at=now))
        except sa.exc.IntegrityError:
            pass  # another try at the same reference at the same moment made the row
    taken = db.session.execute(
        _table.update()
        .where(
            _table.c.key == key,
            _table.c.failures < max_failures(),
            sa.or_(_table.c.next_try_at.is_(None), _table.c.next_try_at <= now),
        )
        .values(failures=_table.c.failures + 1, last_failure_at=now)
    )
    if cast(sa.CursorResult[Any], taken).rowcount == 1:
        return Admission(False, 0)
    return _refusal(key, now)


def failed(reference: str, now: dt.datetime | None = None) -> Admission:
    """The word was wrong: the try stays counted and the next one waits; what the next try faces."""
    now = now or utcnow()
    key = key_for(reference)
    failures = db.session.scalar(sa.select(_table.c.failures).where(_table.c.key == key)) or 0
    wait = wait_after(failures)
    db.session.execute(
        _table.update()
        .where(_table.c.key == key)
        .values(next_try_at=now + dt.timedelta(seconds=wait) if wait else None)
    )
    if failures >= max_failures():
        return Admission(True, 0)
    return Admission(False, wait)


def succeeded(reference: str) -> None:
    db.session.execute(sa.delete(CheckAttempt).where(CheckAttempt.key == key_for(reference)))


def is_stopped(reference: str) -> bool:
    row = db.session.get(CheckAttempt, key_for(reference))
    return row is not None and row.failures >= max_failures()


def allow_again(reference: str) -> None:
    """A caseworker lets the person try their word again (the caller audits and commits)."""
    succeeded(reference)
