"""What the database being backed up or restored into is and holds: its kind, schema revision, rows
in each table, and whether its encrypted values open with REPORT_ENCRYPTION_KEYS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from flask import current_app

from ..columns import EncryptedJSON
from ..encryption import key_ring
from ..extensions import db
from .errors import BackupError
from .header import KINDS
from .keys import report_key_fingerprints


def database_kind(url: sa.URL) -> str:
    kind = url.get_backend_name()
    if kind not in KINDS:
        raise BackupError(f"DATABASE_URL is a {kind} database; backups know SQLite and PostgreSQL only.")
    return kind


def location(url: sa.URL) -> str:
    if database_kind(url) == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def schema_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def table_counts(connection: sa.Connection) -> dict[str, int]:
    """Rows in each of the database's tables (in the connection's schema), by table name."""
    names = sorted(name for name in sa.inspect(connection).get_table_names() if name != "alembic_version")
    return {
        name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
        for name in names
    }


def counts_text(counts: dict[str, int]) -> str:
    shown = [f"{name} {count:,}" for name, count in counts.items() if count]
    return ", ".join(shown) if shown else "no rows"


def known_revisions() -> tuple[set[str], str | None]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {revision.revision for revision in script.walk_revisions()}, script.get_current_head()


def readable_values(connection: sa.Connection) -> dict[str, tuple[int, int]]:
    """For each encrypted column: (how many values, how many do not open with REPORT_ENCRYPTION_KEYS)."""
    ring = key_ring()
    existing = set(sa.inspect(connection).get_table_names())
    found: dict[str, tuple[int, int]] = {}
    for table in db.metadata.sorted_tables:
        if table.name not in existing:
            continue
        for column in table.columns:
            if not isinstance(column.type, EncryptedJSON):
                continue
            raw = sa.column(column.name, sa.Text)
            query = sa.select(raw).select_from(sa.table(table.name)).where(raw.is_not(None))
            total = failed = 0
            for (token,) in connection.execution_options(yield_per=2000).execute(query):
                total += 1
                try:
                    ring.decrypt(token.encode("ascii"))
                except (InvalidToken, UnicodeEncodeError):
                    failed += 1
            found[f"{table.name}.{column.name}"] = (total, failed)
    return found


def backup_summary(counts: dict[str, int]) -> dict[str, Any]:
    return {
        "tables": counts,
        "report_key_fingerprints": report_key_fingerprints(current_app.config["REPORT_ENCRYPTION_KEYS"]),
    }


def check_revision_known(revision: str, say: Callable[..., None]) -> None:
    known, head = known_revisions()
    if revision not in known:
        say(
            f"note: the database's schema revision {revision} is unknown to this release (newest {head}); "
            "restore this backup with the release that made the schema, or a newer one.",
            err=True,
        )
