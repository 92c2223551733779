"""Database connection settings that differ between SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app

from .extensions import db

_ONE_STATEMENT = "one_statement_engine"


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


def sqlite_file(url: sa.URL) -> Path | None:
    """The file a SQLite URL names, or None for an in-memory or URI-style database."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def keep_sqlite_file_private(url: sa.URL) -> None:
    """Create a new SQLite database file readable and writable by its owner alone.

    It holds residents' answers and reports. SQLite gives its -wal and -shm files the database
    file's permissions; left to itself it would create the file readable by every local user.
    An existing file is left as it is: its permissions are the operator's choice.
    """
    path = sqlite_file(url)
    if path is None:
        return
    # If it exists already, or cannot be made here, SQLite reports the latter on first use.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _end_session(response: Response) -> Response:
    """Give the request's connection back (rolling back whatever was not committed) while the
    response can still change.

    Flask-SQLAlchemy does this in the app context's teardown, after the response has been handed
    to the server: a connection that died by then (PostgreSQL restarting) raised out of the
    teardown, the server sent a bare 500 and the request log had already written the status the
    page would have had. Here the same failure gets the "try again" page (503), and the log the
    status sent. Everything the view committed stays committed; what it did not is rolled back on
    the server with the connection. The teardown still runs, and finds nothing left to do.
    """
    try:
        db.session.remove()
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        # The failed close left the session in place: a second one lets it go without the
        # connection, which the pool has already discarded.
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            db.session.remove()
        from .errors import service_unavailable

        return current_app.make_response(service_unavailable(error))
    return response


def init_database(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url))
    db.init_app(app)
    # After-request functions run last registered first: the session ends after every view and
    # page hook registered later, and before the request log (logs.py) writes the status.
    app.after_request(_end_session)
    with app.app_context():
        if url.startswith("sqlite"):
            # The engine's URL, with a relative path resolved as Flask-SQLAlchemy resolves it.
            keep_sqlite_file_private(db.engine.url)
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)
            # SQLite's driver already runs a lone SELECT outside a transaction and begins one
            # for a write: its connections serve one_statement() as they are.
            app.extensions[_ONE_STATEMENT] = db.engine
        else:
            # A pool of its own whose connections stay in autocommit. Borrowing the main pool's
            # connections meant switching each one to autocommit and back, and rolling it back, on
            # every page: about a tenth of a question page's time.
            app.extensions[_ONE_STATEMENT] = sa.create_engine(
                db.engine.url, isolation_level="AUTOCOMMIT", **app.config["SQLALCHEMY_ENGINE_OPTIONS"]
            )


def dispose_engines(app: Flask, close: bool = True) -> None:
    """Let go of every pooled connection: after a fork (close=False, as the parent still uses
    them), and before the database is emptied, restored or dropped."""
    with app.app_context():
        db.engine.dispose(close=close)
        if app.extensions[_ONE_STATEMENT] is not db.engine:
            app.extensions[_ONE_STATEMENT].dispose(close=close)


def one_statement() -> sa.Connection:
    """A connection on which a statement is its own transaction (commit() after a write).

    A page that reads or saves one row needs no transaction around it. On PostgreSQL this sends
    one statement where a session sent BEGIN, the statement and ROLLBACK or COMMIT, which cost a
    question page more than drawing it did.
    """
    return current_app.extensions[_ONE_STATEMENT].connect()


def database_is_up() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
