"""A CSV body kept in a spooled temporary file while its lines are checked, so that only a file
whose every row passed is stored (and a refused one leaves nothing behind)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import IO

from shared import bulk
from shared.blobs import TooLarge


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
