"""The app for hostile-input tests: rate limits off, so that a hundred hostile posts test the
route rather than the limiter (the limits have tests of their own in tests/web), and cheap password
hashing, because these tests sign staff in again and again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask import Flask

from survey_app.staff import passwords
from tests.conftest import _empty_tables, make_app


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2id's real cost (half a second a check on a small machine) is not what these tests are
    about; test_staff_accounts.py uses it. The same as tests/security does."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, RATELIMIT_ENABLED=False)
    yield app
    _empty_tables(app)
