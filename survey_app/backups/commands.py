"""`flask --app wsgi backup create|verify|restore`: each says what it did, and a fault is one line and
exit 1, never a traceback."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..database import dispose_engines
from ..extensions import db
from .errors import BackupError
from .header import KINDS, Header, read_header
from .inventory import (
    counts_text,
    database_kind,
    known_revisions,
    location,
    readable_values,
    schema_revision,
    table_counts,
)
from .keys import KEY_VARIABLE, keys_from_environment, report_key_fingerprints
from .parts import content
from .postgresql import create_postgresql, restore_postgresql
from .sqlite import create_sqlite, restore_sqlite, sqlite_path

backup_cli = AppGroup("backup", help="Back up the database to an encrypted file, check one, restore one.")


@contextlib.contextmanager
def _plain_errors(action: str) -> Iterator[None]:
    """Expected faults as one clear message and exit 1, never a traceback."""
    try:
        yield
    except click.ClickException:
        raise
    except sa.exc.OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        hint = " Create it first (`createdb NAME`) and run again." if "does not exist" in reason else ""
        raise BackupError(f"cannot {action}: the database cannot be used: {reason}.{hint}") from None
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(f"cannot {action}: database error: {str(error).splitlines()[0]}") from None
    except sqlite3.Error as error:
        raise BackupError(f"cannot {action}: SQLite: {error}") from None
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        raise BackupError(f"cannot {action}: {error.strerror or error}{where}") from None


@backup_cli.command("create")
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Where to write the backup: a file, a folder (named by date), or - for standard output. "
    "Default: safer-trafford-<database>-<time>.stsbackup here.",
)
def create_command(output: str | None) -> None:
    """Back up the database (DATABASE_URL) to a file encrypted with BACKUP_ENCRYPTION_KEY."""

    def say(message: str, err: bool = False) -> None:
        click.echo(message, err=err or output == "-")

    with _plain_errors("make a backup"):
        key = keys_from_environment("make a backup")[0]
        url = db.engine.url
        if database_kind(url) == "sqlite":
            create_sqlite(sqlite_path(url), output, key, say)
        else:
            create_postgresql(url, output, key, say)


# Checking a backup


def _describe(header: Header, name: str) -> None:
    fields = header.fields
    click.echo(f"{name}: a Safer Trafford Surveys backup (format {fields['format']})")
    click.echo(
        f"  database: {KINDS[header.database]} ({fields['content']}, made with "
        f"{fields.get('made_with', 'unknown')})"
    )
    click.echo(f"  made: {header.created_at}")
    known, head = known_revisions()
    if header.revision == head:
        state = "the same as this release's"
    elif header.revision in known:
        state = f"older than this release's {head}: run `flask --app wsgi db upgrade` after restoring"
    else:
        state = f"unknown to this release (newest {head}): it was made by a newer release"
    click.echo(f"  schema revision: {header.revision} ({state})")
    click.echo(f"  backup key fingerprint: {header.fingerprint}")


def _describe_summary(summary: dict[str, Any]) -> None:
    click.echo(f"  rows: {counts_text(summary.get('tables', {}))}")
    used = summary.get("report_key_fingerprints", [])
    have = report_key_fingerprints(current_app.config["REPORT_ENCRYPTION_KEYS"])
    missing = [fingerprint for fingerprint in used if fingerprint not in have]
    click.echo(
        f"  report keys in use then: {', '.join(used) or 'none'}"
        + (
            f" (not in REPORT_ENCRYPTION_KEYS here: {', '.join(missing)})"
            if missing
            else " (all in REPORT_ENCRYPTION_KEYS here)"
        )
    )


def _open_backup(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise BackupError(f"there is no file {path}.") from None
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}.") from None


@backup_cli.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--quick", is_flag=True, help="Check the header and the key only, not every part.")
def verify_command(file: Path, quick: bool) -> None:
    """Say what a backup is, whether BACKUP_ENCRYPTION_KEY opens it, and whether every part is intact."""
    with _plain_errors("check the backup"), _open_backup(file) as stream:
        header = read_header(stream, str(file))
        _describe(header, str(file))
        key = header.key_for(keys_from_environment("check the backup", header.fingerprint))
        click.echo(f"  {KEY_VARIABLE} opens it (fingerprint {key.fingerprint})")
        _describe_summary(header.summary(key))
        if quick:
            click.echo("header and key OK (parts not read: --quick)")
            return
        size = 0
        for block in content(stream, header, key, str(file)):
            size += len(block)
        click.echo(f"OK: every part is intact ({size:,} bytes of {header.fields['content']})")


# Restoring


def _refuse_if_in_use(url: sa.URL, yes: bool) -> None:
    with db.engine.connect() as connection:
        counts = table_counts(connection)
    dispose_engines(current_app)
    if any(counts.values()) and not yes:
        raise BackupError(
            f"the database at {location(url)} already holds data ({counts_text(counts)}). Restoring replaces "
            "it with the backup's. To restore into it anyway, stop the service and run again with --yes; to "
            "test a backup, restore it into a new, empty database instead."
        )


def _check_restored(header: Header, summary: dict[str, Any], url: sa.URL) -> None:
    with db.engine.connect() as connection:
        counts = table_counts(connection)
        revision = schema_revision(connection)
        readable = readable_values(connection)
    dispose_engines(current_app)
    expected = summary.get("tables", {})
    different = [
        f"{name}: {count:,} in the backup, {counts.get(name, 0):,} now"
        for name, count in expected.items()
        if counts.get(name) != count
    ]
    if different or revision != header.revision:
        raise BackupError(
            f"restored into {location(url)}, but the database does not match the backup "
            f"(schema {revision}, backup {header.revision}; {'; '.join(different) or 'rows match'}). "
            "Check that DATABASE_URL's schema (search_path) is the one the backup was made from."
        )
    click.echo(f"  rows: {counts_text(counts)} (the same as when the backup was made)")
    unreadable = {column: found for column, found in readable.items() if found[1]}
    if unreadable:
        details = ", ".join(
            f"{failed:,} of {total:,} in {column}" for column, (total, failed) in unreadable.items()
        )
        used = ", ".join(summary.get("report_key_fingerprints", [])) or "unknown"
        raise BackupError(
            f"restored, but encrypted answers and notes do not open with REPORT_ENCRYPTION_KEYS ({details}). "
            "Set REPORT_ENCRYPTION_KEYS to the keys the service used when the backup was made (fingerprints "
            f"{used}), newest first, keeping every older key that data may still be encrypted with."
        )
    opened = sum(total for total, _ in readable.values())
    if opened:
        click.echo(f"  all {opened:,} encrypted answers and notes open with REPORT_ENCRYPTION_KEYS")
    _known, head = known_revisions()
    if revision != head:
        click.echo(
            f"  the backup's schema is {revision}; this release's is {head}: run "
            "`flask --app wsgi db upgrade` before starting the service"
        )


@backup_cli.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace a database that already holds data.")
def restore_command(file: Path, yes: bool) -> None:
    """Restore a backup into the database named by DATABASE_URL (stop the service first)."""
    with _plain_errors("restore the backup"), _open_backup(file) as stream:
        name = str(file)
        header = read_header(stream, name)
        url = db.engine.url
        kind = database_kind(url)
        if header.database != kind:
            raise BackupError(
                f"{name} is a backup of a {KINDS[header.database]} database, and DATABASE_URL names a "
                f"{KINDS[kind]} database. Restore it into {KINDS[header.database]} (set DATABASE_URL to "
                "one); backups do not move data between SQLite and PostgreSQL."
            )
        known, head = known_revisions()
        if header.revision not in known:
            raise BackupError(
                f"{name} holds schema revision {header.revision}, which this release does not know (its "
                f"newest is {head}): the backup was made by a newer release. Restore it with that release or "
                "a newer one."
            )
        key = header.key_for(keys_from_environment("restore the backup", header.fingerprint))
        summary = header.summary(key)
        _refuse_if_in_use(url, yes)
        click.echo(
            f"restoring the {KINDS[kind]} backup made {header.created_at} (schema {header.revision}) "
            f"into {location(url)}"
        )
        if kind == "sqlite":
            restore_sqlite(sqlite_path(url), stream, header, key, name)
        else:
            restore_postgresql(url, stream, header, key, name)
        click.echo("restored")
        _check_restored(header, summary, url)
