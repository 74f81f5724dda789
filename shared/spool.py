"""A CSV body kept in a spooled temporary file while its lines are checked, so that only a file
whose every row passed is stored (and a refused one leaves nothing behind)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from typing import IO, Any, Protocol

from fastapi import HTTPException

from shared import bulk
from shared.blobs import BlobStore, Stored, TooLarge


class RowCheck(Protocol):
    """Reads a CSV line by line and reports its bad rows (e.g. VillageFile, MembershipFile)."""

    line: int
    rejected_total: int
    rejected: list[dict[str, Any]]

    def feed(self, line: str) -> None: ...

    def finish(self) -> None: ...


async def keep_checked(body: AsyncIterator[bytes], check: RowCheck, blobs: BlobStore, max_bytes: int) -> tuple[Stored, int]:
    """Store the body (and return it with its size) only if every row passed `check`; otherwise the
    refusal: 413 file_too_large, 422 unreadable_file, or 422 rows_rejected with the rows and why."""
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        try:
            size = await spool_lines(body, spool, check.feed, max_bytes)
            check.finish()
        except TooLarge as large:
            raise HTTPException(413, {"rule": "file_too_large", "reason": str(large)}) from large
        except bulk.BadFile as bad:
            raise HTTPException(422, {"rule": "unreadable_file", "reason": str(bad)}) from bad
        if check.rejected_total:
            raise HTTPException(422, {"rule": "rows_rejected", "accepted": 0, "rows": check.line,
                                      "rejected_total": check.rejected_total, "rejected": check.rejected})
        return await blobs.save(chunks_of(spool), max_bytes), size


async def spool_lines(body: AsyncIterator[bytes], spool: IO[bytes], feed: Callable[[str], None], max_bytes: int) -> int:
    """Write the body to `spool` while feeding its lines to `feed`; returns its size. Raises
    TooLarge past `max_bytes` and bulk.BadFile when it is not UTF-8 text (or `feed` says so)."""
    size = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in body:
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"the file is larger than {max_bytes} bytes")
            spool.write(chunk)
            yield chunk

    async for line in bulk.lines(chunks()):
        feed(line)
    return size


async def chunks_of(spool: IO[bytes]) -> AsyncIterator[bytes]:
    """The spooled file again, from its start, in blocks of 1 MiB."""
    spool.seek(0)
    while block := spool.read(1 << 20):
        yield block
