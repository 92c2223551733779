"""Rate limits on the few actions that need one: staff signing in and residents finishing a survey.

Built on the `limits` library directly, as a decorator on the limited views. An extension that
looks at every request to find whether it is limited cost a question page about a fifth of its
time (benchmarks/load_bench.py); now only the limited actions pay for a count.

Counts live where RATELIMIT_STORAGE_URI says: memory:// counts in one process; redis://host:port
shares the counts between every worker and every app instance (the production layout).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from limits import parse, storage, strategies
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

EXTENSION = "rate_limits"


class RateLimits:
    """Counts of attempts per action and client address, in a moving window."""

    def __init__(self, storage_uri: str) -> None:
        self._storage = storage.storage_from_string(storage_uri)
        self._strategy = strategies.MovingWindowRateLimiter(self._storage)

    def allow(self, rule: str, *identifiers: str) -> bool:
        """Count one attempt. False when the rule's limit was already reached.

        When the counts cannot be reached (Redis restarting), the attempt is allowed and the
        fault logged: a resident must still be able to finish a survey, and staff accounts are
        still locked after repeated wrong passwords, which is counted in the database.
        """
        try:
            return self._strategy.hit(parse(rule), *identifiers)
        except Exception:
            log.warning("rate limit counts unreachable; attempt allowed", exc_info=True)
            return True

    def reset(self) -> None:
        self._storage.reset()


def limit(
    rule: Callable[[], str],
    methods: tuple[str, ...] = ("POST",),
    exempt_when: Callable[[], bool] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Refuse a view with 429 once a client address has used up `rule()` (e.g. "10 per minute")."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if _applies(methods, exempt_when):
                limits: RateLimits = current_app.extensions[EXTENSION]
                if not limits.allow(rule(), request.endpoint or "", request.remote_addr or "unknown"):
                    raise TooManyRequests()
            return view(*args, **kwargs)

        return limited

    return decorate


def _applies(methods: tuple[str, ...], exempt_when: Callable[[], bool] | None) -> bool:
    if request.method not in methods or not current_app.config["RATELIMIT_ENABLED"]:
        return False
    return not (exempt_when and exempt_when())


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.extensions[EXTENSION] = RateLimits(app.config["RATELIMIT_STORAGE_URI"])
