"""Bulk registration from CSV: every row validated first, then all registered, or none.

Rows are checked with the same pure decider as single registrations (against the owner's
own state), plus duplicates within the file. Only a file without rejected rows is sent on,
as one RegisterCandidate command per row whose id derives from the import key, so a retried
import decides nothing twice.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from services.registration.domain import Candidate, CandidateState, RegisterCandidate
from shared.commands import Rejected

COLUMNS = ("candidate_id", "category_id", "kind", "name", "province")
OPTIONAL = ("regency_code", "employer_id", "sector", "size")
MAX_ROWS = 1_000_000


class BadFile(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


async def lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """Decode a UTF-8 byte stream into lines without holding the whole file."""
    decoder, pending = codecs.getincrementaldecoder("utf-8-sig")(), ""
    try:
        async for chunk in chunks:
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise BadFile(f"the file is not UTF-8: {exc.reason} at byte {exc.start} of a chunk") from exc
    if pending:
        yield pending


async def rows(text_lines: AsyncIterator[str]) -> AsyncIterator[tuple[int, dict[str, str]]]:
    header: list[str] | None = None
    number = 0
    async for line in text_lines:
        number += 1
        if not line.strip():
            continue
        values = next(csv.reader([line]))
        if header is None:
            header = [h.strip() for h in values]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise BadFile(f"the header lacks the columns {', '.join(missing)}")
            continue
        if number > MAX_ROWS + 1:
            raise BadFile(f"more than {MAX_ROWS} rows; split the file")
        if len(values) != len(header):
            yield number, {"__error__": f"{len(values)} values for {len(header)} columns"}
            continue
        yield number, {k: v.strip() for k, v in zip(header, values, strict=True) if k in COLUMNS + OPTIONAL and v.strip()}


class Validation:
    """Accumulates the commands of valid rows and the report of rejected ones."""

    def __init__(self, cycle_id: str, context) -> None:
        self.cycle_id, self.context = cycle_id, context
        self.commands: list[RegisterCandidate] = []
        self.rejected: list[dict[str, Any]] = []
        self.done_before: list[str] = []
        self._seen: set[str] = set()

    def already(self, candidate_id: str) -> None:
        self.done_before.append(candidate_id)
        self._seen.add(candidate_id)

    def check(self, line: int, row: dict[str, str], state: CandidateState) -> None:
        if "__error__" in row:
            self._reject(line, row.get("candidate_id"), "malformed_row", row["__error__"])
            return
        try:
            command = RegisterCandidate(cycle_id=self.cycle_id, **row)
        except ValidationError as exc:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            self._reject(line, row.get("candidate_id"), "invalid_field", reasons)
            return
        if command.candidate_id in self._seen:
            self._reject(line, command.candidate_id, "duplicate_in_file", "the candidate id appears twice")
            return
        self._seen.add(command.candidate_id)
        try:
            Candidate().decide(command, state, self.context)
        except Rejected as rejection:
            self._reject(line, command.candidate_id, rejection.rule, rejection.reason)
            return
        self.commands.append(command)

    def _reject(self, line: int, candidate_id: str | None, rule: str, reason: str) -> None:
        self.rejected.append({"line": line, "candidate_id": candidate_id, "rule": rule, "reason": reason})
