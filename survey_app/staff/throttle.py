"""How often someone may try to sign in, and from where (docs/decisions/0018-sign-in-slowed-not-locked.md).

No account is ever locked. Failures are counted, in the shared store, for the account at the
client's address and for the address across every account; after a few, the next attempt there
must wait, longer after each further failure, up to a cap. An attacker's failures from one
address therefore never slow the account's owner at another, and an address that tries many
accounts is slowed as a whole. A browser that has signed in to an account before carries a signed
device cookie saying so, and its attempts at that account are counted for that browser alone, so
that an attacker behind the same office address cannot stop its owner either.

Accounts are named in the counts by a keyed hash of the email address, computed the same way
whether or not an account exists: the counts hold no email, and the waits they earn say nothing
about which addresses have accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field

from flask import current_app, request, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from .. import rate_limits
from ..rate_limits import Admission, Backoff, client_address
from .models import normalise_email

log = logging.getLogger(__name__)

DAY = 24 * 60 * 60
# One account from one address (or one remembered browser): a person who has forgotten their
# password gets five tries, then waits of 30 seconds, 1, 2, 4 and 8 minutes, then 15 at most.
ACCOUNT_AT_ADDRESS = Backoff("sign-in/account-address", free=5, first_wait=30, max_wait=15 * 60, memory=DAY)
ACCOUNT_ON_DEVICE = Backoff("sign-in/account-device", free=5, first_wait=30, max_wait=15 * 60, memory=DAY)
# One address across every account: trying one password on many accounts (spraying) is slowed the
# same way once the address has failed 20 times in a day, more than an office's typing errors.
ADDRESS = Backoff("sign-in/address", free=20, first_wait=30, max_wait=15 * 60, memory=DAY)

DEVICE_COOKIE = "sts_staff_device"
DEVICE_COOKIE_DAYS = 90
# A browser shared by a few colleagues remembers each of them; the oldest is dropped beyond this.
DEVICE_COOKIE_ACCOUNTS = 5
_DEVICE_SALT = "staff-sign-in-device"


@dataclass
class Attempt:
    """One try at signing in: who it is for, where it comes from, and what it was let through on."""

    account: str  # a keyed hash of the normalised email address
    address: str  # the client's address (for IPv6, its /64)
    device: str | None  # this browser's id for the account, when it has signed in to it before
    admitted: list[Admission] = field(default_factory=list)

    def counts(self) -> list[tuple[Backoff, str]]:
        """The failure counts this attempt is judged on, broadest first."""
        if self.device is not None:
            return [(ACCOUNT_ON_DEVICE, f"{self.account}:{self.device}")]
        return [(ADDRESS, self.address), (ACCOUNT_AT_ADDRESS, f"{self.account}:{self.address}")]

    @property
    def burst_key(self) -> str:
        return f"device:{self.device}" if self.device is not None else self.address

    @property
    def described(self) -> str:
        """For the log: no email, only the start of the account's keyed hash and where from."""
        source = "a browser that has signed in to it before" if self.device is not None else self.address
        return f"account key {self.account[:8]} from {source}"


def account_key(email: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    message = b"staff-sign-in:" + normalise_email(email).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def begin(email: str) -> Attempt:
    account = account_key(email)
    address = client_address(request.remote_addr)
    return Attempt(account=account, address=address, device=_devices().get(account))


def wait_before(attempt: Attempt) -> int:
    """0 when the attempt may check its password now; else the whole seconds it must wait.

    Checked before the password, so a refused attempt costs no argon2 check and holds no worker.
    """
    if not rate_limits.enabled():
        return 0
    limits = rate_limits.rate_limits()
    # Attempts in a short while, counted whatever their outcome: of many sent at the same moment,
    # only this many are looked at, however few failures have been counted yet.
    rule = current_app.config["STAFF_SIGN_IN_RATE_LIMIT"]
    burst = limits.wait_for(rule, "staff.sign_in", attempt.burst_key)
    if burst:
        log.warning(
            "staff sign-in refused: too many attempts in a short while, %s; wait %s s",
            attempt.described,
            burst,
        )
        return burst
    for backoff, key in attempt.counts():
        admission = limits.admit(backoff, key)
        if admission.wait:
            for admitted in attempt.admitted:
                limits.release(admitted)
            attempt.admitted.clear()
            log.warning(
                "staff sign-in refused: %s failures counted on %s, %s; wait %s s",
                admission.failures,
                backoff.name,
                attempt.described,
                admission.wait,
            )
            return admission.wait
        attempt.admitted.append(admission)
    return 0


def failed(attempt: Attempt) -> None:
    """Count a refused sign-in against every count the attempt was judged on."""
    if not rate_limits.enabled():
        return
    limits = rate_limits.rate_limits()
    for admission in attempt.admitted:
        wait = limits.failed(admission)
        if wait:
            log.warning(
                "staff sign-in: the next attempt on %s, %s, must wait %s s",
                admission.backoff.name,
                attempt.described,
                wait,
            )


def succeeded(attempt: Attempt, response: Response) -> None:
    """Forget the account's failures from here, and remember this browser for the account.

    The address's count across accounts is kept: signing in to one's own account must not clear
    the failures an address has run up against others.
    """
    if rate_limits.enabled():
        limits = rate_limits.rate_limits()
        for backoff, key in attempt.counts():
            if backoff is not ADDRESS:
                limits.forget(backoff, key)
    _remember_device(attempt.account, response)


# The device cookie: which accounts this browser has signed in to


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def _devices() -> dict[str, str]:
    """Account key to this browser's id for it, from a valid device cookie; empty for anything else."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return {}
    try:
        entries = _serializer().loads(value, max_age=DEVICE_COOKIE_DAYS * DAY)
    except BadData:
        return {}
    if not isinstance(entries, list):
        return {}
    devices: dict[str, str] = {}
    for entry in entries[:DEVICE_COOKIE_ACCOUNTS]:
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) for part in entry):
            devices.setdefault(entry[0], entry[1])
    return devices


def _remember_device(account: str, response: Response) -> None:
    # A new id at each sign-in; the accounts remembered before keep theirs, newest first.
    others = [[key, device] for key, device in _devices().items() if key != account]
    entries = [[account, secrets.token_urlsafe(16)], *others][:DEVICE_COOKIE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(entries),
        max_age=dt.timedelta(days=DEVICE_COOKIE_DAYS),
        path=url_for("staff.sign_in"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
