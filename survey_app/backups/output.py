"""Where a new backup is written, and what is said once it is."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from .errors import BackupError
from .header import KINDS
from .inventory import counts_text
from .keys import BackupKey


def _default_name(kind: str, created_at: dt.datetime) -> str:
    return f"safer-trafford-{kind}-{created_at.strftime('%Y%m%dT%H%M%SZ')}.stsbackup"


@contextlib.contextmanager
def open_output(output: str | None, kind: str, created_at: dt.datetime) -> Iterator[tuple[IO[bytes], str]]:
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
        raise BackupError(
            f"{partial} exists: another backup is being written there, or one failed; "
            "remove it and run again."
        ) from None
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


def report_created(
    written: str, kind: str, revision: str, counts: dict[str, int], key: BackupKey, say: Callable[..., None]
) -> None:
    size = f" ({Path(written).stat().st_size:,} bytes)" if Path(written).exists() else ""
    say(f"backed up the {KINDS[kind]} database (schema {revision}) to {written}{size}")
    say(f"  rows: {counts_text(counts)}")
    say(
        f"  encrypted with the backup key whose fingerprint is {key.fingerprint}; keep that key in the "
        "secret store, never with the backups"
    )
