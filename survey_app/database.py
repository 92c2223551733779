"""Database connection settings that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from .extensions import db


def engine_options(url: str) -> dict[str, Any]:
    # A database error names its statement; its values (a resident's answers, an email address
    # typed at sign-in) must not follow it into the logs.
    private = {"hide_parameters": True}
    if url.startswith("sqlite"):
        # Each request opens and closes quickly; a busy timeout makes a second
        # writer wait for the first instead of failing with "database is locked".
        return {**private, "connect_args": {"timeout": 15}}
    # No ping before each use: it cost every page a round trip. A connection that died while the
    # server restarted fails its next statement instead; SQLAlchemy then discards every pooled
    # connection opened before the failure, and that one request gets the "try again" page (503).
    return {**private, "pool_size": 5, "max_overflow": 5}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def init_database(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url))
    db.init_app(app)
    if url.startswith("sqlite"):
        with app.app_context():
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)


def database_is_up() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
