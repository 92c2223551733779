"""PostgreSQL: dumped with `pg_dump --format=custom` from an exported snapshot, restored with
`pg_restore` in one transaction."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from typing import IO

import sqlalchemy as sa

from ..extensions import db
from . import parts
from .errors import BackupError
from .header import Header, header_line
from .inventory import backup_summary, check_revision_known, location, schema_revision, table_counts
from .keys import BackupKey
from .output import open_output, report_created
from .parts import Sealer, content


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A connection string for pg_dump/pg_restore, with the password in the environment, where
    the process list does not show it."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (Debian: "
            "`apt-get install postgresql-client`), the same major version as the server or newer."
        )
    return path


def create_postgresql(url: sa.URL, output: str | None, key: BackupKey, say: Callable[..., None]) -> None:
    pg_dump = _tool("pg_dump")
    version = subprocess.run(  # noqa: S603 - the installed pg_dump, no shell
        [pg_dump, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    conninfo, environment = _libpq(url)
    created_at = dt.datetime.now(dt.UTC)
    # One snapshot for the revision, the counts and the dump: what the header says is what is inside.
    with (
        db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
        connection.begin(),
    ):
        snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        revision = schema_revision(connection)
        if revision is None:
            raise BackupError(
                f"the database at {location(url)} has no schema yet (run `flask --app wsgi db "
                "upgrade`): nothing to back up."
            )
        check_revision_known(revision, say)
        counts = table_counts(connection)
        salt = secrets.token_bytes(32)
        header = header_line(
            "postgresql",
            revision,
            key,
            salt,
            backup_summary(counts),
            created_at,
            version,
            "none",
            parts.CHUNK_SIZE,
        )
        with (
            open_output(output, "postgresql", created_at) as (stream, written),
            tempfile.TemporaryFile() as errors,
        ):
            sealer = Sealer(stream, header, key, salt, "none", parts.CHUNK_SIZE)
            # Custom format is compressed by pg_dump itself.
            command = [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
                f"--dbname={conninfo}",
            ]
            process = subprocess.Popen(  # noqa: S603 - the installed pg_dump, no shell
                command, stdout=subprocess.PIPE, stderr=errors, env=environment
            )
            dump = process.stdout
            if dump is None:  # pragma: no cover - stdout=PIPE always gives one
                raise BackupError("pg_dump could not be started")
            try:
                for block in iter(lambda: dump.read(parts.CHUNK_SIZE), b""):
                    sealer.write(block)
            except BaseException:
                process.kill()
                raise
            finally:
                dump.close()
                returncode = process.wait()
            if returncode != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()
                raise BackupError(f"pg_dump failed (exit {returncode}); no backup was written: {message}")
            sealer.close()
    report_created(written, "postgresql", revision, counts, key, say)


def restore_postgresql(url: sa.URL, stream: IO[bytes], header: Header, key: BackupKey, name: str) -> None:
    pg_restore = _tool("pg_restore")
    conninfo, environment = _libpq(url)
    # One transaction: a restore that fails half-way (a damaged backup, a lost connection) leaves the
    # database exactly as it was.
    command = [
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--no-password",
        f"--dbname={conninfo}",
    ]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - the installed pg_restore, no shell
            command, stdin=subprocess.PIPE, stdout=errors, stderr=errors, env=environment
        )
        archive = process.stdin
        if archive is None:  # pragma: no cover - stdin=PIPE always gives one
            raise BackupError("pg_restore could not be started")
        try:
            for block in content(stream, header, key, name):
                archive.write(block)
            archive.close()
        except BrokenPipeError:
            pass  # pg_restore stopped; its own message says why
        except BaseException:
            # Killed before it reads the end: its transaction is never committed.
            process.kill()
            process.wait()
            raise
        returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
            lines = message.splitlines()
            shown = "\n".join(lines[:8]) + ("\n..." if len(lines) > 8 else "")
            raise BackupError(
                f"pg_restore failed (exit {returncode}); the restore ran in one transaction, "
                f"so the database is as it was:\n{shown}"
            )
