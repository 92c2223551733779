"""BACKUP_ENCRYPTION_KEY: reading it, naming keys by fingerprint, and deriving the keys that seal a file.

The backup key is read from the environment only when a `backup` command runs, never into the app's
configuration, and must never be one of REPORT_ENCRYPTION_KEYS.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from .errors import BackupError

KEY_VARIABLE = "BACKUP_ENCRYPTION_KEY"
_NEW_KEY_COMMAND = (
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
)


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


def keys_from_environment(purpose: str, needed: str = "") -> list[BackupKey]:
    text = os.environ.get(KEY_VARIABLE, "")
    if not text.strip():
        wanted = f" (the key with fingerprint {needed})" if needed else ""
        raise BackupError(
            f"{KEY_VARIABLE} is not set: it is needed to {purpose}. Set it to the backup key{wanted} from "
            "the service's secret store; it is never kept with the backups."
        )
    return parse_backup_keys(text, current_app.config.get("REPORT_ENCRYPTION_KEYS", ""))


def derive(secret: bytes, salt: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"safer-trafford-surveys backup v1 " + purpose
    ).derive(secret)
