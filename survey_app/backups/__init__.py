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

The modules, each using only those above it:

    errors      BackupError, the one fault the commands report
    keys        BACKUP_ENCRYPTION_KEY: parsing, fingerprints, key derivation
    header      the file's plain header line: reading and writing it
    parts       the content sealed in parts: writing, opening and checking them
    inventory   the database's kind, schema revision, rows and encrypted values
    output      where a new backup is written
    sqlite      SQLite: copy, check, back up, restore
    postgresql  PostgreSQL: pg_dump from a snapshot, pg_restore in one transaction
    commands    the `flask backup` commands
"""

from .commands import backup_cli
from .errors import BackupError
from .header import MAGIC, Header, read_header
from .keys import KEY_VARIABLE, BackupKey, key_fingerprint, parse_backup_keys
from .parts import content

__all__ = [
    "KEY_VARIABLE",
    "MAGIC",
    "BackupError",
    "BackupKey",
    "Header",
    "backup_cli",
    "content",
    "key_fingerprint",
    "parse_backup_keys",
    "read_header",
]
