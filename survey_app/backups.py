"""Encrypted backups of the database, checked and restored: `flask --app wsgi backup create|verify|restore`.

SQLite is copied with SQLite's online backup API, a consistent copy while the service writes.
PostgreSQL is dumped with `pg_dump --format=custom` from an exported snapshot, the same snapshot the
schema revision and row counts are read from, and restored with `pg_restore` in one transaction.
Either way the file is encrypted with BACKUP_ENCRYPTION_KEY, a key of its own that is never one of
REPORT_ENCRYPTION_KEYS, in parts of at most 1 MiB, so no database or backup is held in memory. Report
answers and notes stay encrypted inside with REPORT_ENCRYPTION_KEYS, as they are in the database.
See docs/decisions/0013-backups.md.

A backup file:

    STSBACKUP\\n               what it is
    {"format": 1, ...}\\n      the header: one line of JSON, readable without any key (`head -2 FILE`)
    parts                     each: a 4-byte big-endian length, its top bit set on the last part,
                              then up to 1 MiB of the content sealed with AES-256-GCM

The content key is derived (HKDF-SHA256) from BACKUP_ENCRYPTION_KEY and the header's random salt.
Each part's nonce is its number and whether it is the last, and the whole header line is its
associated data: a changed header, a changed, reordered or missing part, or a file cut short fails
to open, and nothing is restored from a part that does not open. The header's `summary` (row counts,
fingerprints of the report keys in use) is sealed the same way, so `verify` shows it without
reading the whole file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.pool import NullPool

from .database import dispose_engines, sqlite_file
from .encryption import EncryptedJSON, key_ring
from .extensions import db

backup_cli = AppGroup("backup", help="Back up the database to an encrypted file, check one, restore one.")

KEY_VARIABLE = "BACKUP_ENCRYPTION_KEY"
MAGIC = b"STSBACKUP\n"
FORMAT = 1
CHUNK_SIZE = 1 << 20  # plaintext bytes per part
_MAX_CHUNK_SIZE = 64 << 20
_MAX_HEADER = 64 << 10
_LAST = 0x8000_0000
_TAG = 16
_NEW_KEY_COMMAND = (
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
)
_KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_CONTENT = {"sqlite": "SQLite database file", "postgresql": "pg_dump custom-format archive"}


class BackupError(click.ClickException):
    """A backup cannot be made, read or restored; the message says why and what to do."""


# Keys


@dataclass(frozen=True)
class BackupKey:
    secret: bytes
    fingerprint: str


def key_fingerprint(secret: bytes) -> str:
    """Names a key without revealing it: the first 64 bits of an HMAC keyed with it."""
    return hmac.new(secret, b"safer-trafford-surveys backup key", hashlib.sha256).hexdigest()[:16]


def report_key_fingerprints(report_keys: str) -> list[str]:
    """The same kind of name for each of REPORT_ENCRYPTION_KEYS, in order."""
    keys = [part.strip() for part in report_keys.split(",") if part.strip()]
    return [
        hmac.new(key.encode("ascii"), b"safer-trafford-surveys report key", hashlib.sha256).hexdigest()[:16]
        for key in keys
    ]


def parse_backup_keys(text: str, report_keys: str = "") -> list[BackupKey]:
    """BACKUP_ENCRYPTION_KEY: one key, or several newest first (the first makes new backups)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise BackupError(
            f"{KEY_VARIABLE} is not set. Backups are encrypted with it: set it from the service's secret "
            f"store (a key of its own, never one of REPORT_ENCRYPTION_KEYS); make a new one with "
            f"{_NEW_KEY_COMMAND}."
        )
    report_secrets = set()
    for part in report_keys.split(","):
        with contextlib.suppress(binascii.Error, ValueError):
            report_secrets.add(base64.urlsafe_b64decode(part.strip().encode("ascii")))
    keys = []
    for position, part in enumerate(parts, start=1):
        try:
            secret = base64.b64decode(part.encode("ascii"), altchars=b"-_", validate=True)
        except (binascii.Error, UnicodeEncodeError):
            secret = b""
        if len(secret) != 32:
            raise BackupError(
                f"{KEY_VARIABLE}: key {position} is not a key (44 characters of URL-safe base64, 32 bytes); "
                f"make one with {_NEW_KEY_COMMAND}."
            )
        if secret in report_secrets:
            raise BackupError(
                f"{KEY_VARIABLE}: key {position} is also in REPORT_ENCRYPTION_KEYS. The backup key must be "
                "a key of its own, so that a leaked backup and its key still cannot open the reports."
            )
        keys.append(BackupKey(secret, key_fingerprint(secret)))
    return keys


def _keys_from_environment(purpose: str, needed: str = "") -> list[BackupKey]:
    text = os.environ.get(KEY_VARIABLE, "")
    if not text.strip():
        wanted = f" (the key with fingerprint {needed})" if needed else ""
        raise BackupError(
            f"{KEY_VARIABLE} is not set: it is needed to {purpose}. Set it to the backup key{wanted} from "
            "the service's secret store; it is never kept with the backups."
        )
    return parse_backup_keys(text, current_app.config.get("REPORT_ENCRYPTION_KEYS", ""))


def _derive(secret: bytes, salt: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"safer-trafford-surveys backup v1 " + purpose).derive(secret)


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# The file


@dataclass(frozen=True)
class Header:
    raw: bytes  # the magic line and the header line, exactly as in the file
    fields: dict[str, Any]

    @property
    def database(self) -> str:
        return self.fields["database"]

    @property
    def revision(self) -> str:
        return self.fields["alembic_revision"]

    @property
    def fingerprint(self) -> str:
        return self.fields["key_fingerprint"]

    @property
    def created_at(self) -> str:
        return self.fields["created_at"]

    @property
    def salt(self) -> bytes:
        return base64.b64decode(self.fields["salt"])

    @property
    def chunk_size(self) -> int:
        return self.fields["chunk_size"]

    def key_for(self, keys: list[BackupKey]) -> BackupKey:
        for key in keys:
            if key.fingerprint == self.fingerprint:
                return key
        given = ", ".join(key.fingerprint for key in keys)
        raise BackupError(
            f"{KEY_VARIABLE} does not open this backup: it was made with the backup key whose fingerprint "
            f"is {self.fingerprint}, and the key(s) given have {given}. Set {KEY_VARIABLE} to the key used "
            "when the backup was made (after a rotation, keep the old key listed after the new one for as "
            "long as backups made with it are kept)."
        )

    def summary(self, key: BackupKey) -> dict[str, Any]:
        try:
            sealed = base64.b64decode(self.fields["summary"])
            plain = AESGCM(_derive(key.secret, self.salt, b"summary")).decrypt(bytes(12), sealed, MAGIC)
            summary = json.loads(plain)
        except (InvalidTag, ValueError, binascii.Error):
            raise BackupError("the backup's header is damaged: its summary does not open with the right "
                              "key. Use another backup.") from None
        return summary


_HEADER_TYPES = {
    "format": int, "database": str, "content": str, "created_at": str, "alembic_revision": str,
    "key_fingerprint": str, "cipher": str, "chunk_size": int, "compression": str, "salt": str, "summary": str,
}


def read_header(stream: IO[bytes], name: str) -> Header:
    magic = stream.read(len(MAGIC))
    if not magic:
        raise BackupError(f"{name} is empty: it is not a backup (or its copy failed).")
    if magic != MAGIC:
        if MAGIC.startswith(magic):
            raise BackupError(f"{name} is incomplete: it ends inside its header. Use another backup.")
        raise BackupError(f"{name} is not a Safer Trafford Surveys backup (it does not begin STSBACKUP).")
    line = stream.readline(_MAX_HEADER)
    if not line.endswith(b"\n"):
        if len(line) < _MAX_HEADER:
            raise BackupError(f"{name} is incomplete: it ends inside its header. Use another backup.")
        raise BackupError(f"{name}: the backup's header is damaged (it has no end). Use another backup.")
    try:
        fields = json.loads(line)
        if not isinstance(fields, dict):
            raise ValueError
    except ValueError:
        raise BackupError(f"{name}: the backup's header is damaged (it is not readable). "
                          "Use another backup.") from None
    version = fields.get("format")
    if isinstance(version, int) and version > FORMAT:
        raise BackupError(f"{name} was made by a newer release (backup format {version}; this release reads "
                          f"format {FORMAT}). Restore it with that release or a newer one.")
    for field, kind in _HEADER_TYPES.items():
        if not isinstance(fields.get(field), kind):
            raise BackupError(f"{name}: the backup's header is damaged ({field} is missing or wrong). "
                              "Use another backup.")
    if (fields["database"] not in _KINDS or fields["compression"] not in ("zlib", "none")
            or not 0 < fields["chunk_size"] <= _MAX_CHUNK_SIZE or fields["cipher"] != "AES-256-GCM"):
        raise BackupError(f"{name}: the backup's header is damaged (unknown values). Use another backup.")
    return Header(magic + line, fields)


class _PartWriter:
    """Seals what is written into parts of chunk_size bytes; close() seals the last one."""

    def __init__(self, out: IO[bytes], key: bytes, header: bytes, chunk_size: int) -> None:
        self._out = out
        self._aead = AESGCM(key)
        self._header = header
        self._chunk_size = chunk_size
        self._buffer = bytearray()
        self._number = 0
        self.parts = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        # Keep the tail back: the last part must be sealed as the last.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[:self._chunk_size]), last=False)
            del self._buffer[:self._chunk_size]

    def close(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._number, last), plain, self._header)
        self._out.write(struct.pack(">I", len(sealed) | (_LAST if last else 0)) + sealed)
        self._number += 1
        self.parts = self._number


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        piece = stream.read(size - len(data))
        if not piece:
            break
        data += piece
    return bytes(data)


def open_parts(stream: IO[bytes], header: Header, key: BackupKey, name: str) -> Iterator[bytes]:
    """The content, part by part, each opened and checked before it is given out."""
    aead = AESGCM(_derive(key.secret, header.salt, b"content"))
    number = 0
    while True:
        prefix = _read_exactly(stream, 4)
        if len(prefix) < 4:
            raise BackupError(
                f"{name} is incomplete: it ends after {number} part(s), before its last part. It was cut "
                "short while it was written or copied; nothing was restored from it. Use another backup."
            )
        (word,) = struct.unpack(">I", prefix)
        last, size = bool(word & _LAST), word & ~_LAST
        if not _TAG <= size <= header.chunk_size + _TAG:
            raise BackupError(f"{name} is damaged at part {number + 1}. Use another backup.")
        sealed = _read_exactly(stream, size)
        if len(sealed) < size:
            raise BackupError(
                f"{name} is incomplete: it ends inside part {number + 1}. It was cut short while it was "
                "written or copied; nothing was restored from it. Use another backup."
            )
        try:
            plain = aead.decrypt(_nonce(number, last), sealed, header.raw)
        except InvalidTag:
            where = "its header or part 1" if number == 0 else f"part {number + 1}"
            raise BackupError(
                f"{name} is damaged: {where} does not match what was written (the file was changed or "
                "corrupted after the backup was made). Nothing was restored from it. Use another backup."
            ) from None
        if last:
            # Checked before the last part is given out: pg_restore may commit as soon as it has it.
            if stream.read(1):
                raise BackupError(f"{name} is damaged: there is data after its last part. "
                                  "Use another backup.")
            yield plain
            return
        yield plain
        number += 1


def _inflate(parts: Iterable[bytes], name: str) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        for part in parts:
            data = part
            while data:
                # A bounded output size: a part of zeros must not become a gigabyte in memory.
                out = inflater.decompress(data, CHUNK_SIZE)
                if out:
                    yield out
                data = inflater.unconsumed_tail
        tail = inflater.flush()
    except zlib.error:
        raise BackupError(f"{name} is damaged: its content does not decompress. Use another backup.") \
            from None
    if tail:
        yield tail
    if not inflater.eof or inflater.unused_data:
        raise BackupError(f"{name} is damaged: its content is incomplete. Use another backup.")


def content(stream: IO[bytes], header: Header, key: BackupKey, name: str) -> Iterator[bytes]:
    """The database copy or dump inside the backup, checked, as it was before encryption."""
    parts = open_parts(stream, header, key, name)
    return _inflate(parts, name) if header.fields["compression"] == "zlib" else parts


def _header_line(database: str, revision: str, key: BackupKey, salt: bytes, summary: dict[str, Any],
                 created_at: dt.datetime, tool: str, compression: str, chunk_size: int) -> bytes:
    sealed = AESGCM(_derive(key.secret, salt, b"summary")).encrypt(
        bytes(12), json.dumps(summary, sort_keys=True).encode("utf-8"), MAGIC)
    fields = {
        "format": FORMAT,
        "service": "safer-trafford-surveys",
        "database": database,
        "content": _CONTENT[database],
        "made_with": tool,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "alembic_revision": revision,
        "key_fingerprint": key.fingerprint,
        "cipher": "AES-256-GCM",
        "kdf": "HKDF-SHA256",
        "chunk_size": chunk_size,
        "compression": compression,
        "salt": base64.b64encode(salt).decode("ascii"),
        "summary": base64.b64encode(sealed).decode("ascii"),
    }
    return MAGIC + json.dumps(fields).encode("ascii") + b"\n"


class _Sealer:
    """Writes the header, then seals (and, for SQLite, compresses) everything written."""

    def __init__(self, out: IO[bytes], header_line: bytes, key: BackupKey, salt: bytes,
                 compression: str, chunk_size: int) -> None:
        out.write(header_line)
        self._parts = _PartWriter(out, _derive(key.secret, salt, b"content"), header_line, chunk_size)
        self._deflater = zlib.compressobj(6) if compression == "zlib" else None

    def write(self, data: bytes) -> None:
        self._parts.write(self._deflater.compress(data) if self._deflater else data)

    def close(self) -> int:
        if self._deflater:
            self._parts.write(self._deflater.flush())
        self._parts.close()
        return self._parts.parts


# The database


def _kind(url: sa.URL) -> str:
    kind = url.get_backend_name()
    if kind not in _KINDS:
        raise BackupError(f"DATABASE_URL is a {kind} database; backups know SQLite and PostgreSQL only.")
    return kind


def _where(url: sa.URL) -> str:
    if _kind(url) == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def _sqlite_path(url: sa.URL) -> Path:
    path = sqlite_file(url)
    if path is None:
        raise BackupError("DATABASE_URL names no SQLite file (an in-memory database cannot be backed up).")
    return path.resolve()


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


def _revision(connection: sa.Connection) -> str | None:
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


def _counts_text(counts: dict[str, int]) -> str:
    shown = [f"{name} {count:,}" for name, count in counts.items() if count]
    return ", ".join(shown) if shown else "no rows"


def _known_revisions() -> tuple[set[str], str | None]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    return {revision.revision for revision in script.walk_revisions()}, script.get_current_head()


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


def _sqlite_engine(path: Path) -> sa.Engine:
    # Like the app's engine: an error names its statement, never the answers in its values.
    return sa.create_engine(f"sqlite:///{path}", poolclass=NullPool, hide_parameters=True)


def _quick_check(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("PRAGMA quick_check").fetchall()
    finally:
        connection.close()
    return "; ".join(str(row[0]) for row in rows[:5])


def _readable(connection: sa.Connection) -> dict[str, tuple[int, int]]:
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


# Making a backup


def _default_name(kind: str, created_at: dt.datetime) -> str:
    return f"safer-trafford-{kind}-{created_at.strftime('%Y%m%dT%H%M%SZ')}.stsbackup"


@contextlib.contextmanager
def _output(output: str | None, kind: str, created_at: dt.datetime) -> Iterator[tuple[IO[bytes], str]]:
    """The file to write: made owner-only, written as FILE.partial and renamed when complete."""
    if output == "-":
        yield sys.stdout.buffer, "standard output"
        return
    path = Path(output) if output else Path(_default_name(kind, created_at))
    if path.is_dir():
        path = path / _default_name(kind, created_at)
    if path.exists():
        raise BackupError(f"{path} already exists: backups are never overwritten; give another name.")
    partial = path.with_name(path.name + ".partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{partial} exists: another backup is being written there, or one failed; "
                          "remove it and run again.") from None
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror}.") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            yield stream, str(path)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
        _sync_directory(path.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _sync_directory(folder: Path) -> None:
    """So that the rename survives a power cut, not only the file's bytes."""
    descriptor = os.open(folder if str(folder) else ".", os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _summary(counts: dict[str, int]) -> dict[str, Any]:
    return {"tables": counts,
            "report_key_fingerprints": report_key_fingerprints(current_app.config["REPORT_ENCRYPTION_KEYS"])}


def _check_revision_known(revision: str, say: Callable[..., None]) -> None:
    known, head = _known_revisions()
    if revision not in known:
        say(f"note: the database's schema revision {revision} is unknown to this release (newest {head}); "
            "restore this backup with the release that made the schema, or a newer one.", err=True)


def _create_sqlite(path: Path, output: str | None, key: BackupKey, say: Callable[..., None]) -> None:
    created_at = dt.datetime.now(dt.UTC)
    # The plain copy lives only for the backup, beside the database (where that data already is).
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as scratch:
        copy = Path(scratch) / "copy.sqlite3"
        _copy_sqlite(path, copy)
        check = _quick_check(copy)
        if check != "ok":
            raise BackupError(f"the database at {path} fails SQLite's quick_check ({check}); no backup was "
                              "made. Stop the service and keep a plain copy of the file before repairing it.")
        engine = _sqlite_engine(copy)
        try:
            with engine.connect() as connection:
                revision = _revision(connection)
                counts = table_counts(connection)
        finally:
            engine.dispose()
        if revision is None:
            raise BackupError(f"the database at {path} has no schema yet (run `flask --app wsgi db "
                              "upgrade`): nothing to back up.")
        _check_revision_known(revision, say)
        salt = secrets.token_bytes(32)
        header = _header_line("sqlite", revision, key, salt, _summary(counts), created_at,
                              f"SQLite {sqlite3.sqlite_version} backup API", "zlib", CHUNK_SIZE)
        with _output(output, "sqlite", created_at) as (stream, written), copy.open("rb") as source:
            sealer = _Sealer(stream, header, key, salt, "zlib", CHUNK_SIZE)
            for block in iter(lambda: source.read(CHUNK_SIZE), b""):
                sealer.write(block)
            sealer.close()
    _report_created(written, "sqlite", revision, counts, key, say)


def _create_postgresql(url: sa.URL, output: str | None, key: BackupKey, say: Callable[..., None]) -> None:
    pg_dump = _tool("pg_dump")
    version = subprocess.run(  # noqa: S603 - the installed pg_dump, no shell
        [pg_dump, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    conninfo, environment = _libpq(url)
    created_at = dt.datetime.now(dt.UTC)
    # One snapshot for the revision, the counts and the dump: what the header says is what is inside.
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, \
            connection.begin():
        snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
        revision = _revision(connection)
        if revision is None:
            raise BackupError(f"the database at {_where(url)} has no schema yet (run `flask --app wsgi db "
                              "upgrade`): nothing to back up.")
        _check_revision_known(revision, say)
        counts = table_counts(connection)
        salt = secrets.token_bytes(32)
        header = _header_line("postgresql", revision, key, salt, _summary(counts), created_at, version,
                              "none", CHUNK_SIZE)
        with _output(output, "postgresql", created_at) as (stream, written), \
                tempfile.TemporaryFile() as errors:
            sealer = _Sealer(stream, header, key, salt, "none", CHUNK_SIZE)
            # Custom format is compressed by pg_dump itself.
            command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password",
                       f"--dbname={conninfo}"]
            process = subprocess.Popen(  # noqa: S603 - the installed pg_dump, no shell
                command, stdout=subprocess.PIPE, stderr=errors, env=environment)
            dump = process.stdout
            if dump is None:  # pragma: no cover - stdout=PIPE always gives one
                raise BackupError("pg_dump could not be started")
            try:
                for block in iter(lambda: dump.read(CHUNK_SIZE), b""):
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
    _report_created(written, "postgresql", revision, counts, key, say)


def _report_created(written: str, kind: str, revision: str, counts: dict[str, int], key: BackupKey,
                    say: Callable[..., None]) -> None:
    size = f" ({Path(written).stat().st_size:,} bytes)" if Path(written).exists() else ""
    say(f"backed up the {_KINDS[kind]} database (schema {revision}) to {written}{size}")
    say(f"  rows: {_counts_text(counts)}")
    say(f"  encrypted with the backup key whose fingerprint is {key.fingerprint}; keep that key in the "
        "secret store, never with the backups")


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
@click.option("--output", "-o", metavar="FILE",
              help="Where to write the backup: a file, a folder (named by date), or - for standard output. "
                   "Default: safer-trafford-<database>-<time>.stsbackup here.")
def create_command(output: str | None) -> None:
    """Back up the database (DATABASE_URL) to a file encrypted with BACKUP_ENCRYPTION_KEY."""
    def say(message: str, err: bool = False) -> None:
        click.echo(message, err=err or output == "-")

    with _plain_errors("make a backup"):
        key = _keys_from_environment("make a backup")[0]
        url = db.engine.url
        if _kind(url) == "sqlite":
            _create_sqlite(_sqlite_path(url), output, key, say)
        else:
            _create_postgresql(url, output, key, say)


# Checking a backup


def _describe(header: Header, name: str) -> None:
    fields = header.fields
    click.echo(f"{name}: a Safer Trafford Surveys backup (format {fields['format']})")
    click.echo(f"  database: {_KINDS[header.database]} ({fields['content']}, made with "
               f"{fields.get('made_with', 'unknown')})")
    click.echo(f"  made: {header.created_at}")
    known, head = _known_revisions()
    if header.revision == head:
        state = "the same as this release's"
    elif header.revision in known:
        state = f"older than this release's {head}: run `flask --app wsgi db upgrade` after restoring"
    else:
        state = f"unknown to this release (newest {head}): it was made by a newer release"
    click.echo(f"  schema revision: {header.revision} ({state})")
    click.echo(f"  backup key fingerprint: {header.fingerprint}")


def _describe_summary(summary: dict[str, Any]) -> None:
    click.echo(f"  rows: {_counts_text(summary.get('tables', {}))}")
    used = summary.get("report_key_fingerprints", [])
    have = report_key_fingerprints(current_app.config["REPORT_ENCRYPTION_KEYS"])
    missing = [fingerprint for fingerprint in used if fingerprint not in have]
    click.echo(f"  report keys in use then: {', '.join(used) or 'none'}"
               + (f" (not in REPORT_ENCRYPTION_KEYS here: {', '.join(missing)})" if missing else
                  " (all in REPORT_ENCRYPTION_KEYS here)"))


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
        key = header.key_for(_keys_from_environment("check the backup", header.fingerprint))
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
            f"the database at {_where(url)} already holds data ({_counts_text(counts)}). Restoring replaces "
            "it with the backup's. To restore into it anyway, stop the service and run again with --yes; to "
            "test a backup, restore it into a new, empty database instead."
        )


def _restore_sqlite(path: Path, stream: IO[bytes], header: Header, key: BackupKey, name: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".restore-") as scratch:
        copy = Path(scratch) / "restore.sqlite3"
        with copy.open("wb") as out:
            for block in content(stream, header, key, name):
                out.write(block)
        check = _quick_check(copy)
        if check != "ok":
            raise BackupError(f"{name} is damaged: the database inside fails SQLite's quick_check ({check}). "
                              "Nothing was restored. Use another backup.")
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


def _restore_postgresql(url: sa.URL, stream: IO[bytes], header: Header, key: BackupKey, name: str) -> None:
    pg_restore = _tool("pg_restore")
    conninfo, environment = _libpq(url)
    # One transaction: a restore that fails half-way (a damaged backup, a lost connection) leaves the
    # database exactly as it was.
    command = [pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
               "--no-password", f"--dbname={conninfo}"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - the installed pg_restore, no shell
            command, stdin=subprocess.PIPE, stdout=errors, stderr=errors, env=environment)
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
            raise BackupError(f"pg_restore failed (exit {returncode}); the restore ran in one transaction, "
                              f"so the database is as it was:\n{shown}")


def _check_restored(header: Header, summary: dict[str, Any], url: sa.URL) -> None:
    with db.engine.connect() as connection:
        counts = table_counts(connection)
        revision = _revision(connection)
        readable = _readable(connection)
    dispose_engines(current_app)
    expected = summary.get("tables", {})
    different = [f"{name}: {count:,} in the backup, {counts.get(name, 0):,} now"
                 for name, count in expected.items() if counts.get(name) != count]
    if different or revision != header.revision:
        raise BackupError(
            f"restored into {_where(url)}, but the database does not match the backup "
            f"(schema {revision}, backup {header.revision}; {'; '.join(different) or 'rows match'}). "
            "Check that DATABASE_URL's schema (search_path) is the one the backup was made from."
        )
    click.echo(f"  rows: {_counts_text(counts)} (the same as when the backup was made)")
    unreadable = {column: found for column, found in readable.items() if found[1]}
    if unreadable:
        details = ", ".join(f"{failed:,} of {total:,} in {column}"
                            for column, (total, failed) in unreadable.items())
        used = ", ".join(summary.get("report_key_fingerprints", [])) or "unknown"
        raise BackupError(
            f"restored, but encrypted answers and notes do not open with REPORT_ENCRYPTION_KEYS ({details}). "
            "Set REPORT_ENCRYPTION_KEYS to the keys the service used when the backup was made (fingerprints "
            f"{used}), newest first, keeping every older key that data may still be encrypted with."
        )
    opened = sum(total for total, _ in readable.values())
    if opened:
        click.echo(f"  all {opened:,} encrypted answers and notes open with REPORT_ENCRYPTION_KEYS")
    _known, head = _known_revisions()
    if revision != head:
        click.echo(f"  the backup's schema is {revision}; this release's is {head}: run "
                   "`flask --app wsgi db upgrade` before starting the service")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace a database that already holds data.")
def restore_command(file: Path, yes: bool) -> None:
    """Restore a backup into the database named by DATABASE_URL (stop the service first)."""
    with _plain_errors("restore the backup"), _open_backup(file) as stream:
        name = str(file)
        header = read_header(stream, name)
        url = db.engine.url
        kind = _kind(url)
        if header.database != kind:
            raise BackupError(
                f"{name} is a backup of a {_KINDS[header.database]} database, and DATABASE_URL names a "
                f"{_KINDS[kind]} database. Restore it into {_KINDS[header.database]} (set DATABASE_URL to "
                "one); backups do not move data between SQLite and PostgreSQL."
            )
        known, head = _known_revisions()
        if header.revision not in known:
            raise BackupError(
                f"{name} holds schema revision {header.revision}, which this release does not know (its "
                f"newest is {head}): the backup was made by a newer release. Restore it with that release or "
                "a newer one."
            )
        key = header.key_for(_keys_from_environment("restore the backup", header.fingerprint))
        summary = header.summary(key)
        _refuse_if_in_use(url, yes)
        click.echo(f"restoring the {_KINDS[kind]} backup made {header.created_at} (schema {header.revision}) "
                   f"into {_where(url)}")
        if kind == "sqlite":
            _restore_sqlite(_sqlite_path(url), stream, header, key, name)
        else:
            _restore_postgresql(url, stream, header, key, name)
        click.echo("restored")
        _check_restored(header, summary, url)
