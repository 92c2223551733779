"""Response quality: flags raised when a survey is submitted (issue 6).

Open-link surveys attract repeats and bots. A response is flagged, never dropped: an analyst
reviews the flagged ones and includes or excludes each with a reason (audited), and the estimates
use only the responses not excluded. Flags:

``fast``
    finished faster than a person could read the questions: fewer than
    ``min_seconds_per_answer`` seconds per answered question from start to submit.
``duplicate``
    the same answers as an earlier response from the same client within ``duplicate_hours``.
``repeat``
    the same client has already submitted ``repeat_limit`` or more responses within the last hour.

The client is a keyed hash (HMAC-SHA-256 with the app's secret) of the address and browser string,
so the table holds no address, and the hash cannot be reversed without the secret. People who share
an address (a library, a care home) share a client: that is why these are flags for review and not
automatic exclusions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FLAGS = ("fast", "duplicate", "repeat")


@dataclass(frozen=True)
class QualityRules:
    min_seconds_per_answer: float = 2.0
    duplicate_hours: float = 24.0
    repeat_limit: int = 3


@dataclass(frozen=True)
class Earlier:
    """An earlier response from the same client."""

    submitted_at: dt.datetime
    answers_hash: str | None


def client_hash(secret: str, address: str | None, user_agent: str | None) -> str:
    message = f"{address or ''}\n{user_agent or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def answers_hash(answers: Mapping[str, Any]) -> str:
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def flags_for(
    answers: Mapping[str, Any],
    started_at: dt.datetime | None,
    submitted_at: dt.datetime,
    earlier: Iterable[Earlier],
    rules: QualityRules = QualityRules(),
) -> list[str]:
    """The quality flags of a response, in the order of ``FLAGS``."""
    flags: list[str] = []
    answered = sum(1 for value in answers.values() if value not in (None, "", []))
    if started_at is not None and answered:
        seconds = (submitted_at - started_at).total_seconds()
        if seconds < rules.min_seconds_per_answer * answered:
            flags.append("fast")
    own_hash = answers_hash(answers)
    earlier = list(earlier)
    duplicate_since = submitted_at - dt.timedelta(hours=rules.duplicate_hours)
    if any(e.answers_hash == own_hash and e.submitted_at >= duplicate_since for e in earlier):
        flags.append("duplicate")
    hour_ago = submitted_at - dt.timedelta(hours=1)
    if sum(1 for e in earlier if e.submitted_at >= hour_ago) >= rules.repeat_limit:
        flags.append("repeat")
    return flags
