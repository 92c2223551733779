"""A backup's content, sealed in parts so that no database or backup is held in memory.

Each part: a 4-byte big-endian length, its top bit set on the last part, then up to CHUNK_SIZE bytes
of the content sealed with AES-256-GCM under a key derived from the backup key and the header's salt.
Each part's nonce is its number and whether it is the last, and the whole header is its associated
data: a changed header, a changed, reordered or missing part, or a file cut short fails to open, and
nothing is given out from a part that does not open.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import BackupError
from .header import Header
from .keys import BackupKey, derive

CHUNK_SIZE = 1 << 20  # plaintext bytes per part
_LAST = 0x8000_0000
_TAG = 16


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


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
            self._seal(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]

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
    aead = AESGCM(derive(key.secret, header.salt, b"content"))
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
                raise BackupError(
                    f"{name} is damaged: there is data after its last part. Use another backup."
                )
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
        raise BackupError(
            f"{name} is damaged: its content does not decompress. Use another backup."
        ) from None
    if tail:
        yield tail
    if not inflater.eof or inflater.unused_data:
        raise BackupError(f"{name} is damaged: its content is incomplete. Use another backup.")


def content(stream: IO[bytes], header: Header, key: BackupKey, name: str) -> Iterator[bytes]:
    """The database copy or dump inside the backup, checked, as it was before encryption."""
    parts = open_parts(stream, header, key, name)
    return _inflate(parts, name) if header.fields["compression"] == "zlib" else parts


class Sealer:
    """Writes the header, then seals (and, for SQLite, compresses) everything written."""

    def __init__(
        self,
        out: IO[bytes],
        header_line: bytes,
        key: BackupKey,
        salt: bytes,
        compression: str,
        chunk_size: int,
    ) -> None:
        out.write(header_line)
        self._parts = _PartWriter(out, derive(key.secret, salt, b"content"), header_line, chunk_size)
        self._deflater = zlib.compressobj(6) if compression == "zlib" else None

    def write(self, data: bytes) -> None:
        self._parts.write(self._deflater.compress(data) if self._deflater else data)

    def close(self) -> int:
        if self._deflater:
            self._parts.write(self._deflater.flush())
        self._parts.close()
        return self._parts.parts
