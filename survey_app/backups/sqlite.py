"""SQLite: backed up and restored through SQLite's online backup API, checked with quick_check."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ..database import sqlite_file
from . import parts
from .errors import BackupError
from .header import Header, header_line
from .inventory import backup_summary, check_revision_known, schema_revision, table_counts
from .keys import BackupKey
from .output import open_output, report_created
from .parts import Sealer, content


def sqlite_path(url: sa.URL) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError("DATABASE_URL names no SQLite file (an in-memory database cannot be backed up).")
    return path.resolve()


def _copy_sqlite(path: Path, copy: Path) -> None:
    """A consistent copy while the service writes: SQLite's online backup API, in one step, reads
    the whole database in one read transaction (WAL: writers carry on meanwhile)."""
    if not path.exists():
        raise BackupError(f"there is no database at {path}: nothing to back up.")
    source = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            # One self-contained file: no -wal beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()


def sqlite_engine(path: Path) -> sa.Engine:
    # Like the app's engine: an error names its statement, never the answers in its values.
    return sa.create_engine(f"sqlite:///{path}", poolclass=NullPool, hide_parameters=True)


def quick_check(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows[:5])


def create_sqlite(path: Path, output: str | None, key: BackupKey, say: Callable[..., None]) -> None:
    created_at = dt.datetime.now(dt.UTC)
    # The plain copy lives only for the backup, beside the database (where that data already is).
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as scratch:
        copy = Path(scratch) / "copy.sqlite3"
        _copy_sqlite(path, copy)
        check = quick_check(copy)
        if check != "ok":
            raise BackupError(
                f"the database at {path} fails SQLite's quick_check ({check}); no backup was "
                "made. Stop the service and keep a plain copy of the file before repairing it."
            )
        engine = sqlite_engine(copy)
        try:
            with engine.connect() as connection:
                revision = schema_revision(connection)
                counts = table_counts(connection)
        finally:
            engine.dispose()
        if revision is None:
            raise BackupError(
                f"the database at {path} has no schema yet (run `flask --app wsgi db "
                "upgrade`): nothing to back up."
            )
        check_revision_known(revision, say)
        salt = secrets.token_bytes(32)
        header = header_line(
            "sqlite",
            revision,
            key,
            salt,
            backup_summary(counts),
            created_at,
            f"SQLite {sqlite3.sqlite_version} backup API",
            "zlib",
            parts.CHUNK_SIZE,
        )
        with open_output(output, "sqlite", created_at) as (stream, written), copy.open("rb") as source:
            sealer = Sealer(stream, header, key, salt, "zlib", parts.CHUNK_SIZE)
            for block in iter(lambda: source.read(parts.CHUNK_SIZE), b""):
                sealer.write(block)
            sealer.close()
    report_created(written, "sqlite", revision, counts, key, say)


def restore_sqlite(path: Path, stream: IO[bytes], header: Header, key: BackupKey, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".restore-") as scratch:
        copy = Path(scratch) / "restore.sqlite3"
        with copy.open("wb") as out:
            for block in content(stream, header, key, name):
                out.write(block)
        check = quick_check(copy)
        if check != "ok":
            raise BackupError(
                f"{name} is damaged: the database inside fails SQLite's quick_check ({check}). "
                "Nothing was restored. Use another backup."
            )
        # Into the database through SQLite itself, not by replacing the file: a -wal file beside it
        # must never be replayed onto a different database.
        source = sqlite3.connect(copy)
        try:
            target = sqlite3.connect(path, timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
