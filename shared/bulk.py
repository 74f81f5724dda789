"""Bulk commands from CSV: streamed, every row validated first, then all sent or none.

A file with any rejected row is refused whole with a report of each row and why, so nothing
is half-imported. Each row's command id derives from the import's idempotency key, so a
retried import decides nothing twice.
"""

from __future__ import annotations

import codecs
import csv
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Any

from pydantic import ValidationError

from shared.commands import CommandBody, Rejected

MAX_ROWS = 1_000_000  # the default of PARITRANA_MAX_IMPORT_ROWS
MAX_REPORTED = 1000  # rejected rows listed in a report; all are counted
MAX_LINE = 1 << 20  # characters of one line; no row is that long (csv refuses fields past 131,072)


class BadFile(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


async def lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """Decode a UTF-8 byte stream into lines without holding the whole file (nor a line past MAX_LINE)."""
    decoder, pending, number = codecs.getincrementaldecoder("utf-8-sig")(), "", 0
    try:
        async for chunk in chunks:
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                number += 1
                yield line
            if len(pending) > MAX_LINE:
                raise BadFile(f"line {number + 1} is longer than {MAX_LINE} characters; is this a CSV file?")
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise BadFile(f"the file is not UTF-8: {exc.reason} at byte {exc.start} of a chunk") from exc
    if pending:
        yield pending


async def rows(
    text_lines: AsyncIterator[str], required: Sequence[str], optional: Sequence[str] = (), max_rows: int = MAX_ROWS
) -> AsyncIterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line; a row of the wrong width, or unreadable, carries `__error__`.
    Blank lines are skipped and not counted as rows."""
    header: list[str] | None = None
    number, counted, known = 0, 0, (*required, *optional)
    async for line in text_lines:
        number += 1
        if not line.strip():
            continue
        try:
            values, unreadable = next(csv.reader([line])), ""
        except csv.Error as exc:  # a field past csv's size limit
            if header is None:
                raise BadFile(f"the header is unreadable: {exc}") from exc
            values, unreadable = None, f"unreadable as CSV: {exc}"
        if header is None:
            header = [h.strip() for h in values]
            missing = [c for c in required if c not in header]
            if missing:
                raise BadFile(f"the header lacks the columns {', '.join(missing)}")
            continue
        counted += 1
        if counted > max_rows:
            raise BadFile(f"more than {max_rows} rows; split the file")
        if values is None or len(values) != len(header):
            yield number, {"__error__": unreadable or f"{len(values)} values for {len(header)} columns"}
            continue
        yield number, {k: v.strip() for k, v in zip(header, values, strict=True) if k in known and v.strip()}


class Validation:
    """Turns rows into commands, keeping the commands of valid rows and a report of rejected ones."""

    def __init__(self, command_type: type[CommandBody], key_field: str, fixed: dict[str, Any] | None = None) -> None:
        self._type, self.key_field, self._fixed = command_type, key_field, fixed or {}
        self.commands: list[CommandBody] = []
        self.rejected: list[dict[str, Any]] = []  # the first MAX_REPORTED
        self.rejected_total = 0
        self.done_before: list[str] = []
        self._seen: set[str] = set()

    def already(self, key: str) -> None:
        """The row was decided by an earlier try of this same import."""
        self.done_before.append(key)
        self._seen.add(key)

    def parse(self, line: int, row: dict[str, str]) -> CommandBody | None:
        if "__error__" in row:
            self.reject(line, row.get(self.key_field), "malformed_row", row["__error__"])
            return None
        try:
            command = self._type(**self._fixed, **row)
        except ValidationError as exc:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            self.reject(line, row.get(self.key_field), "invalid_field", reasons)
            return None
        key = getattr(command, self.key_field)
        if key in self._seen:
            self.reject(line, key, "duplicate_in_file", f"the {self.key_field} appears twice")
            return None
        self._seen.add(key)
        return command

    def accept(self, command: CommandBody) -> None:
        self.commands.append(command)

    def reject(self, line: int, key: str | None, rule: str, reason: str) -> None:
        self.rejected_total += 1
        if self.rejected_total <= MAX_REPORTED:
            self.rejected.append({"line": line, self.key_field: key, "rule": rule, "reason": reason})


async def run_import(
    chunks: AsyncIterator[bytes],
    runtime,
    actor,
    correlation_id: str,
    import_key: str,
    validation: Validation,
    columns: tuple[Sequence[str], Sequence[str]],
    check,
) -> dict[str, Any]:
    """Validate every row (`check(command)` raises Rejected for a rule it breaks), then send all.

    Raises BadFile for an unreadable file and RowsRejected when any row was rejected."""
    key_field = validation.key_field
    async for line, row in rows(lines(chunks), *columns, max_rows=runtime.settings.max_import_rows):
        key = row.get(key_field, "")
        if await _accepted(runtime, f"{import_key}-{key}"):
            validation.already(key)  # a retry of this same import: decided before
            continue
        command = validation.parse(line, row)
        if command is None:
            continue
        try:
            await check(command)
        except Rejected as rejection:
            validation.reject(line, key, rejection.rule, rejection.reason)
            continue
        validation.accept(command)
    if validation.rejected:
        raise RowsRejected(validation.rejected, validation.rejected_total)
    commands = [(c, f"{import_key}-{getattr(c, key_field)}") for c in validation.commands]
    progress = Progress(runtime.store, import_key, len(commands))
    await progress.report(0)
    outcomes = await runtime.submit_many(commands, actor, correlation_id, on_decided=progress.report)
    refused = [o.model_dump(include={"aggregate_id", "rule", "reason"}) for o in outcomes if o.status != "accepted"]
    return {
        "accepted": len(outcomes) - len(refused),
        "accepted_by_an_earlier_try": len(validation.done_before),
        "refused_at_decision": refused,
    }


class LineFedFile(ABC):
    """A CSV file checked line by line as it streams in (villages, membership data): the header must
    name `columns` (any order; other columns are ignored), each row must have the header's width,
    and `check` judges each row's values of `columns`. Bad rows are reported by their `key_column`
    (the first `max_reported`; all are counted)."""

    columns: tuple[str, ...]
    key_column: str
    rows_called: str  # "village rows": for the message about a file with none
    max_reported = MAX_REPORTED

    def __init__(self) -> None:
        self._wanted: list[int] | None = None
        self._width = 0
        self.line = 0
        self.rejected: list[dict[str, Any]] = []
        self.rejected_total = 0

    @property
    @abstractmethod
    def accepted(self) -> int:
        """Rows that passed."""

    @abstractmethod
    def check(self, values: list[str]) -> None:
        """Judge one row (its values of `columns`, stripped): keep it, or `reject` it."""

    def feed(self, line: str) -> None:
        self.line += 1
        if not line.strip():
            return
        values = csv_values(line)
        if isinstance(values, str):
            self.reject(None, "malformed_row", values)
        elif self._wanted is None:
            self._read_header([value.strip() for value in values])
        elif len(values) != self._width:
            self.reject(None, "malformed_row", f"{len(values)} values for {self._width} columns")
        else:
            self.check([values[i].strip() for i in self._wanted])

    def finish(self) -> None:
        """Raise BadFile for a file without a header or without a single row."""
        if self._wanted is None:
            raise BadFile(f"the file is empty: expected the header {','.join(self.columns)}")
        if not self.accepted and not self.rejected_total:
            raise BadFile(f"the file has a header but no {self.rows_called}")

    def reject(self, key: str | None, rule: str, reason: str) -> None:
        self.rejected_total += 1
        if len(self.rejected) < self.max_reported:
            self.rejected.append({"line": self.line, self.key_column: key, "rule": rule, "reason": reason})

    def _read_header(self, header: list[str]) -> None:
        missing = [c for c in self.columns if c not in header]
        if missing:
            raise BadFile(f"the header lacks the columns {', '.join(missing)}")
        self._wanted, self._width = [header.index(c) for c in self.columns], len(header)


def csv_values(line: str) -> list[str] | str:
    """One line's values, or why it is not a CSV row."""
    line = line.removesuffix("\r")
    if '"' not in line and "\r" not in line:  # the usual row: nothing quoted, so no csv machinery
        return line.split(",")
    try:
        return next(csv.reader([line]))
    except csv.Error as exc:  # e.g. a carriage return inside a field
        return f"not a CSV row: {exc}"


class RowsRejected(ValueError):
    """`report` lists the first MAX_REPORTED rejected rows; `total` counts them all."""

    def __init__(self, report: list[dict[str, Any]], total: int | None = None) -> None:
        self.total = len(report) if total is None else total
        super().__init__(f"{self.total} rows rejected")
        self.report = report


async def _accepted(runtime, command_id: str) -> bool:
    outcome = await runtime.store.get("outcomes", command_id)
    return outcome is not None and outcome["status"] == "accepted"


IMPORTS = "imports"


class Progress:
    """How far an import's decisions are, readable while it runs (`GET /imports/{key}`)."""

    def __init__(self, store, key: str, total: int) -> None:
        self._store, self._key, self._total = store, key, total

    async def report(self, decided: int) -> None:
        if decided == 0 or decided == self._total or decided % 500 == 0:
            await self._store.put(IMPORTS, self._key, {"total": self._total, "decided": decided})
