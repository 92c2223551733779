"""A backup file's first two lines: what it is, readable without any key (`head -2 FILE`).

    STSBACKUP\\n               the magic line
    {"format": 1, ...}\\n      the header: one line of JSON

The header's `summary` (row counts, fingerprints of the report keys in use) is sealed with a key
derived from the backup key, so `verify` shows it after reading one line. The whole header is the
associated data of every part (see parts.py): a changed header fails to open.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import BackupError
from .keys import KEY_VARIABLE, BackupKey, derive

MAGIC = b"STSBACKUP\n"
FORMAT = 1
_MAX_CHUNK_SIZE = 64 << 20
_MAX_HEADER = 64 << 10
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_CONTENT = {"sqlite": "SQLite database file", "postgresql": "pg_dump custom-format archive"}


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
            plain = AESGCM(derive(key.secret, self.salt, b"summary")).decrypt(bytes(12), sealed, MAGIC)
            summary = json.loads(plain)
        except (InvalidTag, ValueError, binascii.Error):
            raise BackupError(
                "the backup's header is damaged: its summary does not open with the right "
                "key. Use another backup."
            ) from None
        return summary


_HEADER_TYPES = {
    "format": int,
    "database": str,
    "content": str,
    "created_at": str,
    "alembic_revision": str,
    "key_fingerprint": str,
    "cipher": str,
    "chunk_size": int,
    "compression": str,
    "salt": str,
    "summary": str,
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
        raise BackupError(
            f"{name}: the backup's header is damaged (it is not readable). Use another backup."
        ) from None
    version = fields.get("format")
    if isinstance(version, int) and version > FORMAT:
        raise BackupError(
            f"{name} was made by a newer release (backup format {version}; this release reads "
            f"format {FORMAT}). Restore it with that release or a newer one."
        )
    for field, kind in _HEADER_TYPES.items():
        if not isinstance(fields.get(field), kind):
            raise BackupError(
                f"{name}: the backup's header is damaged ({field} is missing or wrong). Use another backup."
            )
    if (
        fields["database"] not in KINDS
        or fields["compression"] not in ("zlib", "none")
        or not 0 < fields["chunk_size"] <= _MAX_CHUNK_SIZE
        or fields["cipher"] != "AES-256-GCM"
    ):
        raise BackupError(f"{name}: the backup's header is damaged (unknown values). Use another backup.")
    return Header(magic + line, fields)


def header_line(
    database: str,
    revision: str,
    key: BackupKey,
    salt: bytes,
    summary: dict[str, Any],
    created_at: dt.datetime,
    tool: str,
    compression: str,
    chunk_size: int,
) -> bytes:
    sealed = AESGCM(derive(key.secret, salt, b"summary")).encrypt(
        bytes(12), json.dumps(summary, sort_keys=True).encode("utf-8"), MAGIC
    )
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
