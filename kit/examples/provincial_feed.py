"""A provincial feed: coverage figures from the province's own system to the evidence service.

The province keeps its own coverage figures (workers eligible and enrolled per regency/city,
village or employer); a CSV export or a table in a SQLite database stands in for that system here.
Every row is checked first, against the very model the evidence service validates with; if any
row is bad, nothing is sent. Then each figure is sent as `POST /coverage-figures` with the
province's `regional-service` token, under an Idempotency-Key made of the candidate and figure ids,
so running the feed again records nothing twice.

    python kit/examples/provincial_feed.py --province jawa-barat --csv figures.csv
    python kit/examples/provincial_feed.py --province jawa-barat --sqlite disnaker.db --table coverage

Columns: figure_id, candidate_id, period (2024 or 2024-12), workers_eligible, workers_enrolled;
optionally source (else --source), arrears_months and the breakdown BPJS Ketenagakerjaan exports
(wage_earners_enrolled, non_wage_earners_enrolled, jkk_enrolled, jkm_enrolled, jht_enrolled,
jp_enrolled, non_civil_servant_staff, non_civil_servant_staff_enrolled,
vulnerable_workers_protected, vulnerable_workers_payer, village_budget_workers).

The token comes from --token or PARITRANA_TOKEN; the evidence service's URL from --evidence-url,
PARITRANA_EVIDENCE_URL, or `make run`'s http://127.0.0.1:8102. Exit codes: 0 every figure is
recorded, 1 the service refused some (each is printed with the rule it broke), 2 the feed stopped:
before sending anything (bad rows, a token that does not fit the province) or because the service
could not be reached (run it again: what was recorded is not recorded twice).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from paritrana_kit import ApiError, KitError, ParitranaClient, principal_of
from paritrana_kit.client import SubmitCoverageFigure
from shared import bulk

REQUIRED = ("figure_id", "candidate_id", "period", "workers_eligible", "workers_enrolled")
KNOWN = frozenset(SubmitCoverageFigure.model_fields)  # other columns of the province's export are left aside
Row = tuple[int, dict[str, str]]  # (line or row number, column: value)


class BadRows(ValueError):
    """The source cannot be sent as it is; `problems` says why, row by row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_csv(path: Path) -> list[Row]:
    """The rows of a UTF-8 CSV file (a BOM is fine), numbered by their line in the file."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        _check_header(reader.fieldnames or [])
        return [(reader.line_num, _clean(row)) for row in reader if any((v or "").strip() for v in row.values())]


def read_sqlite(path: Path, table: str) -> list[Row]:
    """The rows of a table of the province's SQLite database, numbered from 1 in rowid order."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise BadRows([f"{table!r} is not a table name"])
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        cursor = db.execute(f'SELECT * FROM "{table}" ORDER BY rowid')  # noqa: S608 (checked name)
        columns = [c[0] for c in cursor.description]
        _check_header(columns)
        return [(n, _clean(dict(zip(columns, values, strict=True)))) for n, values in enumerate(cursor, start=1)]


def _check_header(columns: Iterable[str]) -> None:
    missing = [c for c in REQUIRED if c not in {c.strip() for c in columns}]
    if missing:
        raise BadRows([f"the source lacks the columns {', '.join(missing)}"])


def _clean(row: dict) -> dict[str, str]:
    """Values as text, stripped; empty cells left out (the service's defaults apply)."""
    return {k.strip(): str(v).strip() for k, v in row.items() if k and v is not None and str(v).strip()}


def figures(rows: Iterable[Row], source: str) -> list[SubmitCoverageFigure]:
    """Every row as the command the evidence service takes; BadRows names each row that is not one."""
    validation = bulk.Validation(SubmitCoverageFigure, "figure_id")
    for line, row in rows:
        command = validation.parse(line, {"source": source, **{k: v for k, v in row.items() if k in KNOWN}})
        if command is not None:
            validation.accept(command)
    if validation.rejected:
        raise BadRows([f"line {r['line']} ({r['figure_id']}): {r['rule']}: {r['reason']}" for r in validation.rejected])
    return validation.commands  # type: ignore[return-value]


async def send(client: ParitranaClient, batch: list[SubmitCoverageFigure]) -> dict[str, list[dict]]:
    """Send each figure; the report lists those recorded and those refused (with the rule and reason)."""
    report: dict[str, list[dict]] = {"recorded": [], "refused": []}
    for figure in batch:
        ids = {"figure_id": figure.figure_id, "candidate_id": figure.candidate_id}
        try:
            outcome = await client.submit_coverage_figure(figure, key=f"feed-{figure.candidate_id}-{figure.figure_id}")
            report["recorded"].append({**ids, "events": [e["event_id"] for e in outcome.events]})
        except ApiError as refused:
            if refused.status == 0:
                raise
            if refused.rule == "duplicate_figure":  # sent before under another key: recorded all the same
                report["recorded"].append({**ids, "events": [], "note": refused.reason})
                continue
            report["refused"].append({**ids, "status": refused.status, "rule": refused.rule, "reason": refused.reason})
    return report


def check_token(token: str, province: str) -> None:
    who = principal_of(token)
    if who.role != "regional-service" or not who.covers(province):
        raise KitError(f"the token is {who.id}'s as {who.role} for {', '.join(who.provinces) or 'no province'}: "
                       f"a feed needs a regional-service token for {province}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--province", required=True, help="the province this feed speaks for, e.g. jawa-barat")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--csv", type=Path, help="a CSV export of the figures")
    where.add_argument("--sqlite", type=Path, help="the province's SQLite database")
    parser.add_argument("--table", default="coverage", help="the table of figures in --sqlite (default coverage)")
    parser.add_argument("--source", default=None, help="where the figures come from, for rows without a source "
                        "(default: the province's own system)")
    parser.add_argument("--token", default=os.environ.get("PARITRANA_TOKEN"), help="default PARITRANA_TOKEN")
    parser.add_argument("--evidence-url", default=None, help="default PARITRANA_EVIDENCE_URL or make run's")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        if not args.token:
            raise KitError("no token: pass --token or set PARITRANA_TOKEN (role regional-service)")
        check_token(args.token, args.province)
        rows = read_csv(args.csv) if args.csv else read_sqlite(args.sqlite, args.table)
        batch = figures(rows, args.source or f"{args.province} provincial system")
        report = asyncio.run(_send(args.token, args.evidence_url, batch))
    except (BadRows, KitError, OSError, sqlite3.Error) as exc:
        print(f"feed stopped: {exc}", file=sys.stderr)
        return 2
    _print(report, args.json)
    return 1 if report["refused"] else 0


async def _send(token: str, evidence_url: str | None, batch: list[SubmitCoverageFigure]) -> dict[str, list[dict]]:
    async with ParitranaClient(token, {"evidence": evidence_url} if evidence_url else None) as client:
        return await send(client, batch)


def _print(report: dict[str, list[dict]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=2))
        return
    for figure in report["recorded"]:
        print(f"recorded  {figure['candidate_id']:<24} {figure['figure_id']}")
    for figure in report["refused"]:
        print(f"REFUSED   {figure['candidate_id']:<24} {figure['figure_id']}: {figure['status']} {figure['rule']}: "
              f"{figure['reason']}")
    print(f"{len(report['recorded'])} recorded, {len(report['refused'])} refused")


if __name__ == "__main__":
    sys.exit(main())
