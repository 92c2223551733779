"""Column types shared by every table: times in UTC, JSON, and JSON encrypted at rest.

Every model module imports its column types from here, and this module imports no models, so the
model modules never need to import one another for a type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.dialects.postgresql import JSONB

from .encryption import EncryptionError, decrypt_json, encrypt_json

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.TypeDecorator):
    """A moment in UTC, stored without a zone and always read back as aware.

    SQLite has no time zones; storing naive UTC everywhere keeps comparisons
    the same on both databases.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes stored must be timezone-aware")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


class EncryptedJSON(sa.TypeDecorator):
    """A JSON value stored encrypted, as text. Needs an app context to read or write."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if not has_app_context():
            raise EncryptionError("encrypted columns need the application's keys")
        return encrypt_json(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else decrypt_json(value)
