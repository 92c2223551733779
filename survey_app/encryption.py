"""Encryption at rest for answers that could identify or endanger someone.

Keys come from REPORT_ENCRYPTION_KEYS: a comma-separated list of Fernet keys
(authenticated encryption: AES-128-CBC with an HMAC-SHA256, from the
`cryptography` package). New data is encrypted with the first key; every key
in the list still decrypts, so a key is rotated by putting a new one first
and removing the old one only when nothing encrypted with it remains.
The column type that stores values this way is `columns.EncryptedJSON`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

_EXTENSION = "encryption"


class EncryptionError(RuntimeError):
    """A value could not be decrypted with any configured key."""


def parse_keys(text: str) -> MultiFernet:
    """The key ring from REPORT_ENCRYPTION_KEYS; ValueError names what is wrong."""
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError("no keys given")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise ValueError(
                f"key {position} is not a Fernet key (44 characters of URL-safe base64); make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
            ) from None
    return MultiFernet(fernets)


def development_keys(instance_dir: Path) -> str:
    """A key kept under instance/ so that development data survives a restart."""
    instance_dir.mkdir(exist_ok=True)
    path = instance_dir / "report_encryption_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode("ascii"), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def key_ring() -> MultiFernet:
    return current_app.extensions[_EXTENSION]


def init_encryption(app: Any) -> None:
    app.extensions[_EXTENSION] = parse_keys(app.config["REPORT_ENCRYPTION_KEYS"])


def encrypt_json(value: Any) -> str:
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return key_ring().encrypt(plain).decode("ascii")


def decrypt_json(token: str) -> Any:
    try:
        plain = key_ring().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise EncryptionError("the data cannot be decrypted with any key in REPORT_ENCRYPTION_KEYS") from None
    return json.loads(plain)
