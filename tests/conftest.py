"""Fixtures shared by the whole suite: the app on each database, and a client.

Database tests run on SQLite always and on PostgreSQL when TEST_DATABASE_URL
is set. Each PostgreSQL run works in a schema of its own, so runs on the same
server do not meet.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from survey_app import create_app
from survey_app.database import dispose_engines
from survey_app.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(
        pytest.param(
            "postgresql",
            id="postgresql",
            marks=pytest.mark.skipif(
                not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set"
            ),
        )
    )
    return params


def _postgresql_url(schema: str) -> str:
    base = os.environ["TEST_DATABASE_URL"]
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgresql_schema() -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(_normalise(os.environ["TEST_DATABASE_URL"]))
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _normalise(url: str) -> str:
    from survey_app.config import normalise_database_url

    return normalise_database_url(url)


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"}


_migrated: set[str] = set()


def make_app(database_url: str, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _normalise(database_url),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        if database_url not in _migrated:
            upgrade(directory=str(PROJECT_ROOT / "survey_app" / "migrations"))
            _migrated.add(database_url)
    return app


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    dispose_engines(app)


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, database_urls: dict[str, str]) -> str:
    if request.param == "postgresql":
        schema = request.getfixturevalue("postgresql_schema")
        return _postgresql_url(schema)
    return database_urls["sqlite"]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    _empty_tables(app)


@pytest.fixture
def client(app: Flask):
    return app.test_client()
