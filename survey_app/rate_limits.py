"""Rate limits on the few actions that need one: staff signing in and residents finishing a survey.

Built on the `limits` library directly, as a decorator on the limited views. An extension that
looks at every request to find whether it is limited cost a question page about a fifth of its
time (benchmarks/load_bench.py); now only the limited actions pay for a count.

Counts live where RATELIMIT_STORAGE_URI says: memory:// counts in one process; redis://host:port
shares the counts between every worker and every app instance (the production layout). Two kinds
of count are kept: attempts in a moving window (`allow`, `wait_for`), and failures that earn
growing waits (`Backoff`: the staff sign-in, ADR 0018).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, request
from limits import parse, storage, strategies
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

EXTENSION = "rate_limits"
# A Redis that does not answer must not hold a worker: each call gives up after this long.
REDIS_TIMEOUT_SECONDS = 1.0
# After a fault, the shared store is not tried again for this long (counts are kept in the process).
RETRY_SHARED_AFTER_SECONDS = 5.0
# How long an attempt let through after a wait keeps others on the same count waiting: longer than
# any one password check, short enough that a worker killed mid-check blocks no one for long.
TURN_SECONDS = 30

T = TypeVar("T")


def client_address(remote_addr: str | None) -> str:
    """The address counts are kept for: the client's own, or for IPv6 its /64.

    One IPv6 subscriber is given a whole /64 (2^64 addresses) to choose from: counting each
    address separately would give them as many fresh counts as they like.
    """
    if not remote_addr:
        return "unknown"
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Backoff:
    """Failures on one key earn growing waits before the next attempt on that key.

    The first `free` failures cost nothing; after the next one the wait is `first_wait` seconds, and
    it doubles with each further failure up to `max_wait`. Failures are forgotten `memory` seconds
    after the first of them, or when `forget` is called (a success).
    """

    name: str
    free: int
    first_wait: int
    max_wait: int
    memory: int

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after this many failures before the next attempt."""
        if failures < self.free:
            return 0
        doublings = min(failures - self.free, 32)  # the cap is reached long before; keeps the number small
        return min(self.first_wait * 2**doublings, self.max_wait)

    def failures_key(self, key: str) -> str:
        return f"{self.name}/{key}/failures"

    def wait_key(self, key: str, failures: int) -> str:
        # One key per count of failures: created (with the wait as its lifetime) by the failure, and
        # taken by the one attempt let through once it has gone. A count has one key for its life,
        # so no step ever has to replace a key's lifetime, which the stores cannot do atomically.
        return f"{self.name}/{key}/wait/{failures}"


@dataclass(frozen=True)
class Admission:
    """The answer to "may this attempt go ahead?" for one key of one Backoff."""

    backoff: Backoff
    key: str
    failures: int  # failures on the key when the attempt was let through or refused
    wait: int  # 0: go ahead; else whole seconds to wait
    holds_turn: bool = False  # this attempt took the wait key after the wait had passed


class RateLimits:
    """Counts of attempts and failures, in the shared store, or in this process when it cannot be reached."""

    def __init__(self, storage_uri: str) -> None:
        options: dict[str, Any] = {}
        if storage_uri.split(":", 1)[0].startswith(("redis", "valkey")):
            options = {
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            }
        shared = storage.storage_from_string(storage_uri, **options)
        if not isinstance(shared, storage.Storage):
            # An async+ URI gives a store whose calls return coroutines: nothing would be counted.
            raise ValueError(f"RATELIMIT_STORAGE_URI {storage_uri} names an asynchronous store")
        self._storage = shared
        self._fallback: storage.Storage | None = None
        self._shared_down_until = 0.0
        self._lock = threading.Lock()

    # The store, with a fall back to this process

    def _call(self, operation: Callable[[storage.Storage], T]) -> T:
        """Run `operation` on the shared store; if it cannot be reached, on counts kept in this process.

        Counting per process while Redis restarts lets an attacker make a few more attempts (one
        set of counts per worker) but never an unlimited number, as allowing every attempt would;
        and a resident can still finish a survey.
        """
        if time.monotonic() >= self._shared_down_until:
            try:
                return operation(self._storage)
            except Exception:
                self._shared_down_until = time.monotonic() + RETRY_SHARED_AFTER_SECONDS
                log.warning("rate limit counts unreachable; counting in this process for now", exc_info=True)
        return operation(self._local())

    def _local(self) -> storage.Storage:
        with self._lock:
            if self._fallback is None:
                self._fallback = storage.MemoryStorage()
            return self._fallback

    # Attempts in a moving window

    def allow(self, rule: str, *identifiers: str) -> bool:
        """Count one attempt. False when the rule's limit was already reached."""
        return self.wait_for(rule, *identifiers) == 0

    def wait_for(self, rule: str, *identifiers: str) -> int:
        """Count one attempt: 0 when allowed, else the whole seconds until the next one would be."""
        item = parse(rule)

        def hit(store: storage.Storage) -> int:
            strategy = strategies.MovingWindowRateLimiter(store)
            if strategy.hit(item, *identifiers):
                return 0
            reset = strategy.get_window_stats(item, *identifiers).reset_time
            return max(1, math.ceil(reset - time.time()))

        return self._call(hit)

    # Failures that earn growing waits

    def admit(self, backoff: Backoff, key: str) -> Admission:
        """Whether an attempt on `key` may go ahead now.

        Once the free failures are used up, the attempt after a wait takes that wait's key, in one
        atomic step in the store: of several attempts sent at the same moment, one goes ahead.
        """
        failures = self._call(lambda store: store.get(backoff.failures_key(key)))
        if failures < backoff.free:
            return Admission(backoff, key, failures, 0)
        gate = backoff.wait_key(key, failures)
        if self._call(lambda store: store.incr(gate, TURN_SECONDS)) == 1:
            return Admission(backoff, key, failures, 0, holds_turn=True)
        ends = self._call(lambda store: store.get_expiry(gate))
        return Admission(backoff, key, failures, max(1, math.ceil(ends - time.time())))

    def release(self, admission: Admission) -> None:
        """Give back a turn that was not used (another count refused the attempt)."""
        if admission.holds_turn:
            gate = admission.backoff.wait_key(admission.key, admission.failures)
            self._call(lambda store: store.clear(gate))

    def failed(self, admission: Admission) -> int:
        """Count a failure on an admitted attempt; the seconds the next attempt must now wait."""
        backoff, key = admission.backoff, admission.key
        expected = admission.failures + 1
        # The wait is in place before the count moves on, so no attempt can see the new count
        # without it. (Attempts let through together in the free ones can move the count further.)
        self._start_wait(backoff, key, expected)
        failures = self._call(lambda store: store.incr(backoff.failures_key(key), backoff.memory))
        if failures != expected:
            self._start_wait(backoff, key, failures)
        return backoff.wait_after(failures)

    def _start_wait(self, backoff: Backoff, key: str, failures: int) -> None:
        wait = backoff.wait_after(failures)
        if wait:
            self._call(lambda store: store.incr(backoff.wait_key(key, failures), wait))

    def forget(self, backoff: Backoff, key: str) -> None:
        """Forget the failures on `key`, and the waits they earned."""
        failures = self._call(lambda store: store.get(backoff.failures_key(key)))
        keys = [backoff.failures_key(key)] + [
            backoff.wait_key(key, count) for count in range(backoff.free, failures + 2)
        ]

        def clear(store: storage.Storage) -> None:
            for name in keys:
                store.clear(name)

        self._call(clear)

    def reset(self) -> None:
        self._call(lambda store: store.reset())


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
                limits = rate_limits()
                if not limits.allow(rule(), request.endpoint or "", client_address(request.remote_addr)):
                    raise TooManyRequests()
            return view(*args, **kwargs)

        return limited

    return decorate


def _applies(methods: tuple[str, ...], exempt_when: Callable[[], bool] | None) -> bool:
    if request.method not in methods or not enabled():
        return False
    return not (exempt_when and exempt_when())


def enabled() -> bool:
    """False only where a test turns the limits off to send many requests."""
    return bool(current_app.config["RATELIMIT_ENABLED"])


def rate_limits() -> RateLimits:
    return current_app.extensions[EXTENSION]


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.extensions[EXTENSION] = RateLimits(app.config["RATELIMIT_STORAGE_URI"])
