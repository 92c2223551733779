"""Repeated sign-in failures are slowed where they come from, and no one can lock staff out.

- Failures are counted for an account at the client's address: an attacker's failures elsewhere
  never stop the account's owner, and after five at one address the next attempts there wait 30
  seconds, then twice as long each time, never more than 15 minutes.
- An address failing against many accounts (password spraying) is slowed as a whole.
- A browser that has signed in to an account before is counted on its own, so an attacker behind
  the same office address stops neither it nor its owner.
- The waits say nothing about whether an account exists; spellings and IPv6 neighbours of one
  address do not earn fresh counts; when the shared store is down, counts are kept per process.
- In production, per-process counts refuse to start where several processes would serve.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from survey_app.config import ConfigurationError, load_config
from survey_app.rate_limits import RateLimits
from survey_app.staff import passwords
from survey_app.staff.throttle import DEVICE_COOKIE
from tests.conftest import PROJECT_ROOT, _empty_tables, make_app
from tests.pages import Page, Visitor
from tests.web.test_staff_accounts import EMAIL, GENERIC_ERROR, PASSWORD, TOO_MANY, add_user

WRONG = "not the password at all"
OFFICE = "203.0.113.10"
HOME = "198.51.100.20"
ATTACKER = "192.0.2.66"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheap argon2 parameters: these tests try dozens of passwords, and argon2id's real cost is not
    what they are about (tests/web/test_staff_accounts.py uses it)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Moves the time the counts kept in memory see forward, as waiting would."""
    offset = [0.0]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


@pytest.fixture
def roomy_app(database_url: str) -> Iterator[Flask]:
    """The app with room for many attempts a minute: the slowing of failures is what is tested."""
    app = make_app(database_url, STAFF_SIGN_IN_RATE_LIMIT="1000 per minute")
    yield app
    _empty_tables(app)


def attempt(client: FlaskClient, email: str, password: str, address: str):
    token = Visitor(client).get("/staff/sign-in").form_fields()["csrf_token"][0]
    return client.post(
        "/staff/sign-in",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def error(response) -> str:
    (message,) = Page("/staff/sign-in", response).error_summary
    return message


def waits(response) -> int:
    assert response.status_code == 429, response.status_code
    return int(response.headers["Retry-After"])


def signs_in(response) -> bool:
    return response.status_code == 302 and response.location == "/staff"


# One account at one address


def test_an_attackers_failures_never_stop_the_owner_at_another_address(roomy_app):
    add_user(roomy_app)
    attacker = roomy_app.test_client()
    outcomes = [attempt(attacker, EMAIL, f"guess number {n}", ATTACKER).status_code for n in range(30)]
    assert outcomes[:5] == [200] * 5
    assert set(outcomes[5:]) == {429}, "after five failures the attacker waits"
    # The real person, at home and at the office, signs in at once, and again later.
    for address in (HOME, OFFICE):
        owner = roomy_app.test_client()
        assert signs_in(attempt(owner, EMAIL, PASSWORD, address))
    # Even with a couple of typing errors of their own first.
    owner = roomy_app.test_client()
    assert error(attempt(owner, EMAIL, WRONG, "198.51.100.21")) == GENERIC_ERROR
    assert signs_in(attempt(owner, EMAIL, PASSWORD, "198.51.100.21"))


def test_waits_grow_after_five_failures_up_to_fifteen_minutes(roomy_app, clock):
    add_user(roomy_app)
    client = roomy_app.test_client()
    for _attempt in range(5):
        assert error(attempt(client, EMAIL, WRONG, HOME)) == GENERIC_ERROR

    expected = [30, 60, 120, 240, 480, 900, 900, 900]
    for wait in expected:
        refused = attempt(client, EMAIL, WRONG, HOME)
        assert waits(refused) == wait
        clock(wait - 2)
        # Not yet: the time left is counted down, and the right password is not even looked at.
        assert waits(attempt(client, EMAIL, PASSWORD, HOME)) == 2
        clock(2.5)
        assert error(attempt(client, EMAIL, WRONG, HOME)) == GENERIC_ERROR

    shown = error(attempt(client, EMAIL, WRONG, HOME))
    assert shown == f"{TOO_MANY} Wait 15 minutes, then try again."
    clock(900.5)
    # After the wait the right password works, and the failures are forgotten: five more are free.
    assert signs_in(attempt(client, EMAIL, PASSWORD, HOME))
    other = roomy_app.test_client()
    for _attempt in range(5):
        assert error(attempt(other, EMAIL, WRONG, HOME)) == GENERIC_ERROR
    assert waits(attempt(other, EMAIL, WRONG, HOME)) == 30


def test_the_wait_is_shown_in_whole_minutes_rounded_up(roomy_app, clock):
    add_user(roomy_app)
    client = roomy_app.test_client()
    for _attempt in range(5):
        attempt(client, EMAIL, WRONG, HOME)
    clock(30.5)
    attempt(client, EMAIL, WRONG, HOME)  # the sixth failure: a minute to wait
    clock(1)
    refused = attempt(client, EMAIL, WRONG, HOME)
    assert waits(refused) == 59
    assert error(refused) == f"{TOO_MANY} Wait 59 seconds, then try again."
    clock(59.5)
    attempt(client, EMAIL, WRONG, HOME)  # the seventh: two minutes
    clock(10)
    refused = attempt(client, EMAIL, WRONG, HOME)
    assert waits(refused) == 110
    assert error(refused) == f"{TOO_MANY} Wait 2 minutes, then try again."


def test_spellings_of_one_email_are_counted_as_one_account(roomy_app):
    add_user(roomy_app)
    client = roomy_app.test_client()
    spellings = [EMAIL, EMAIL.upper(), f"  {EMAIL}", EMAIL.title(), f"{EMAIL} "]
    for spelling in spellings:
        assert error(attempt(client, spelling, WRONG, HOME)) == GENERIC_ERROR
    assert waits(attempt(client, "Sam.Patel@TRAFFORD.example", PASSWORD, HOME)) == 30


def test_addresses_in_one_ipv6_64_are_counted_as_one(roomy_app):
    add_user(roomy_app)
    client = roomy_app.test_client()
    for host in range(1, 6):
        assert error(attempt(client, EMAIL, WRONG, f"2001:db8:7:1::{host:x}")) == GENERIC_ERROR
    assert waits(attempt(client, EMAIL, PASSWORD, "2001:db8:7:1:ffff:ffff:ffff:ffff")) == 30
    # The next /64 is another subscriber.
    assert signs_in(attempt(client, EMAIL, PASSWORD, "2001:db8:7:2::1"))


def test_the_waits_say_nothing_about_whether_an_account_exists(roomy_app):
    add_user(roomy_app)
    known, unknown = roomy_app.test_client(), roomy_app.test_client()
    for _attempt in range(5):
        assert error(attempt(known, EMAIL, WRONG, HOME)) == error(
            attempt(unknown, "nobody@trafford.example", WRONG, OFFICE)
        )
    known_refused = attempt(known, EMAIL, WRONG, HOME)
    unknown_refused = attempt(unknown, "nobody@trafford.example", WRONG, OFFICE)
    assert known_refused.status_code == unknown_refused.status_code == 429
    assert known_refused.headers["Retry-After"] == unknown_refused.headers["Retry-After"]
    assert error(known_refused) == error(unknown_refused)


# One address against many accounts


def test_an_address_trying_many_accounts_is_slowed_as_a_whole(roomy_app, clock):
    add_user(roomy_app)
    sprayer = roomy_app.test_client()
    for number in range(20):
        refused = attempt(sprayer, f"guess{number}@trafford.example", "Spring2026!", ATTACKER)
        assert error(refused) == GENERIC_ERROR
    # The 21st account is refused before its password is checked, whichever account it is.
    assert waits(attempt(sprayer, "guess20@trafford.example", "Spring2026!", ATTACKER)) == 30
    assert waits(attempt(sprayer, EMAIL, PASSWORD, ATTACKER)) == 30
    clock(30.5)
    assert error(attempt(sprayer, "guess21@trafford.example", "Spring2026!", ATTACKER)) == GENERIC_ERROR
    assert waits(attempt(sprayer, "guess22@trafford.example", "Spring2026!", ATTACKER)) == 60
    # Signing in to one's own account does not clear what the address ran up against the others.
    clock(60.5)
    assert signs_in(attempt(roomy_app.test_client(), EMAIL, PASSWORD, ATTACKER))
    assert waits(attempt(sprayer, "guess23@trafford.example", "Spring2026!", ATTACKER))
    clock(30.5)
    assert error(attempt(sprayer, "guess23@trafford.example", "Spring2026!", ATTACKER)) == GENERIC_ERROR
    assert waits(attempt(sprayer, "guess24@trafford.example", "Spring2026!", ATTACKER)) == 120
    # Another address is not slowed.
    assert signs_in(attempt(roomy_app.test_client(), EMAIL, PASSWORD, HOME))


# A browser that has signed in before


def test_a_browser_that_signed_in_before_is_not_stopped_by_an_attacker_at_the_same_address(app):
    """The office's one public address is shared: the attacker is in the building's network too."""
    add_user(app)
    owners_browser = app.test_client()
    assert signs_in(attempt(owners_browser, EMAIL, PASSWORD, OFFICE))
    cookie = owners_browser.get_cookie(DEVICE_COOKIE, path="/staff/sign-in")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    token = Visitor(owners_browser).get("/staff").form_fields()["csrf_token"][0]
    owners_browser.post("/staff/sign-out", data={"csrf_token": token})

    attacker = app.test_client()
    for number in range(30):
        attempt(attacker, EMAIL, f"guess number {number}", OFFICE)
        attempt(attacker, f"colleague{number}@trafford.example", WRONG, OFFICE)
    assert attempt(attacker, EMAIL, PASSWORD, OFFICE).status_code == 429
    # A browser that has not signed in before waits like the attacker: they share the address.
    assert attempt(app.test_client(), EMAIL, PASSWORD, OFFICE).status_code == 429
    # The owner's own browser signs in at once, even after a typing error.
    assert error(attempt(owners_browser, EMAIL, WRONG, OFFICE)) == GENERIC_ERROR
    assert signs_in(attempt(owners_browser, EMAIL, PASSWORD, OFFICE))


def test_a_remembered_browser_is_trusted_for_its_own_accounts_and_slowed_like_any_other(roomy_app):
    add_user(roomy_app)
    add_user(roomy_app, email="alex@trafford.example")
    browser = roomy_app.test_client()
    assert signs_in(attempt(browser, EMAIL, PASSWORD, HOME))
    # Another account from this browser is counted at the address, as from any browser.
    for _attempt in range(5):
        attempt(browser, "alex@trafford.example", WRONG, HOME)
    assert waits(attempt(browser, "alex@trafford.example", PASSWORD, HOME)) == 30
    # A copied cookie gives five tries and then the same waits, counted for that browser alone.
    copied = roomy_app.test_client()
    copied.set_cookie(
        DEVICE_COOKIE, browser.get_cookie(DEVICE_COOKIE, path="/staff/sign-in").value, path="/staff/sign-in"
    )
    for _attempt in range(5):
        assert error(attempt(copied, EMAIL, WRONG, ATTACKER)) == GENERIC_ERROR
    assert waits(attempt(copied, EMAIL, WRONG, ATTACKER)) == 30


@pytest.mark.parametrize("value", ["rubbish", "", "W10.abc.def", "eyJhIjoxfQ.Zz9x.forged", "\x00" * 40])
def test_a_forged_device_cookie_is_ignored(roomy_app, value):
    add_user(roomy_app)
    client = roomy_app.test_client()
    client.set_cookie(DEVICE_COOKIE, value, path="/staff/sign-in")
    for _attempt in range(5):
        assert error(attempt(client, EMAIL, WRONG, HOME)) == GENERIC_ERROR
    assert waits(attempt(client, EMAIL, PASSWORD, HOME)) == 30


# Where the counts are kept


def test_with_the_shared_store_unreachable_failures_are_still_slowed(database_url, caplog):
    caplog.set_level(logging.WARNING, logger="survey_app")
    # Nothing listens on port 9: every call to the store fails at once.
    app = make_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    try:
        add_user(app)
        client = app.test_client()
        for _attempt in range(5):
            assert error(attempt(client, EMAIL, WRONG, HOME)) == GENERIC_ERROR
        assert waits(attempt(client, EMAIL, PASSWORD, HOME)) == 30
        assert signs_in(attempt(app.test_client(), EMAIL, PASSWORD, OFFICE))
        assert any("counting in this process" in record.getMessage() for record in caplog.records)
    finally:
        _empty_tables(app)


# Start-up: per-process counts only where one process serves

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 48,
    "REPORT_ENCRYPTION_KEYS": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    for name in ("RATELIMIT_STORAGE_URI", "WEB_CONCURRENCY", "APP_INSTANCES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("workers", "instances"), [("4", None), ("2", "1"), ("1", "2"), (None, "3")])
def test_production_refuses_per_process_counts_with_several_processes(production, workers, instances):
    if workers:
        production.setenv("WEB_CONCURRENCY", workers)
    if instances:
        production.setenv("APP_INSTANCES", instances)
    with pytest.raises(ConfigurationError) as refused:
        load_config()
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("RATELIMIT_STORAGE_URI is memory://")
    assert "multiplying an attacker's tries" in message
    assert "redis://" in message


def test_production_starts_with_shared_counts_or_a_single_process(production):
    production.setenv("WEB_CONCURRENCY", "1")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "memory://"
    production.setenv("WEB_CONCURRENCY", "8")
    production.setenv("APP_INSTANCES", "3")
    production.setenv("RATELIMIT_STORAGE_URI", "redis://redis.internal:6379/0")
    config = load_config()
    assert (config["RATELIMIT_STORAGE_URI"], config["APP_INSTANCES"]) == ("redis://redis.internal:6379/0", 3)
    production.setenv("APP_ENV", "development")
    production.delenv("RATELIMIT_STORAGE_URI")
    assert load_config()["RATELIMIT_STORAGE_URI"] == "memory://"


def test_an_asynchronous_store_is_refused_rather_than_counting_nothing():
    # Its calls would return coroutines, never run: no attempt would ever be counted.
    with pytest.raises(ValueError, match="asynchronous store"):
        RateLimits("async+memory://")
    assert RateLimits("memory://") is not None


def test_app_instances_must_be_a_positive_whole_number(production):
    production.setenv("APP_INSTANCES", "0")
    with pytest.raises(ConfigurationError, match="APP_INSTANCES must be at least 1"):
        load_config()
    production.setenv("APP_INSTANCES", "two")
    with pytest.raises(ConfigurationError, match="APP_INSTANCES must be a whole number"):
        load_config()


def test_gunicorn_refuses_more_workers_than_the_app_was_told_of(tmp_path):
    """WEB_CONCURRENCY says one worker, the command line asks for two: gunicorn's own count decides."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RATELIMIT_STORAGE_URI", "APP_INSTANCES", "GUNICORN_CMD_ARGS")
    }
    environment.update(
        PRODUCTION,
        WEB_CONCURRENCY="1",
        BIND="127.0.0.1:0",
        DATABASE_URL=f"sqlite:///{tmp_path}/start.sqlite3",
    )
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "2", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode != 0
    line = "Cannot start Safer Trafford Surveys: RATELIMIT_STORAGE_URI is memory://"
    assert line in started.stderr
    assert "2 worker(s) on each of 1 instance(s)" in started.stderr
    assert "Traceback" not in started.stderr
