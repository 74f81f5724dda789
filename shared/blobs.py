"""Content-addressed file storage: files are kept by their SHA-256, so equal files are stored once.

Files live under one directory (`<data dir>/blobs/ab/abcdef...`); on the scale path that
directory is a volume shared by the evidence service's instances.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path


class TooLarge(ValueError):
    pass


class Corrupted(RuntimeError):
    """A stored file no longer has the hash it is stored under."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    head: bytes  # the first bytes, to tell the file's type


class BlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def path(self, sha256: str) -> Path:
        return self._root / sha256[:2] / sha256

    async def save(
        self, chunks: AsyncIterator[bytes], max_bytes: int, check: Callable[[Stored], None] | None = None
    ) -> Stored:
        """Stream a file in; refuse it past `max_bytes`, or when `check` raises on what was read
        (its type, its size): nothing is kept then."""
        self._root.mkdir(parents=True, exist_ok=True)
        digest, size, head = hashlib.sha256(), 0, b""
        fd, temp = tempfile.mkstemp(dir=self._root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"the file is larger than {max_bytes} bytes")
                    head = (head + chunk)[:16] if len(head) < 16 else head
                    digest.update(chunk)
                    out.write(chunk)
            stored = Stored(digest.hexdigest(), size, head)
            if check is not None:
                check(stored)
            target = self.path(stored.sha256)
            target.parent.mkdir(exist_ok=True)
            os.replace(temp, target)  # same content, same name: a repeat upload changes nothing
            return stored
        finally:
            if os.path.exists(temp):
                os.unlink(temp)

    def verified(self, sha256: str) -> Path:
        """The stored file's path after checking its hash; LookupError if absent."""
        path = self.path(sha256)
        if not path.is_file():
            raise LookupError(f"no stored file {sha256}")
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha256:
            raise Corrupted(f"stored file {sha256} no longer matches its hash")
        return path
