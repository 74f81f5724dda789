"""`paritrana audit verify` and `paritrana audit export CYCLE`: tamper evidence from the event log."""

from __future__ import annotations

import hashlib
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from paritrana.cli._http import JsonOutput, RankingUrl, default_url, echo_json, get, show, working

app = typer.Typer(help="Tamper evidence and audit trails from the event log.", no_args_is_help=True)


@app.command("verify")
def audit_verify(ctx: typer.Context, ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """Check every stream's hash chain in the event log; exit code 1 names a broken one."""
    with working("checking every hash chain of the log ..."):
        report = get(ctx, ranking_url, "/audit/verify").json()
    show(report, as_json, _print_report)
    if not report["intact"]:
        raise typer.Exit(1)


def _print_report(report: dict[str, Any]) -> None:
    console = Console(highlight=False)
    topics = Table("topic", "records", title="Event topics checked")
    for topic, count in report["topics"].items():
        topics.add_row(topic, str(count))
    console.print(topics)
    summary = f"{report['events']} records, {report['streams']} streams, {report['duplicates']} exact republishes"
    if report["intact"]:
        console.print(f"[green]Every hash chain holds[/green]: {summary}.")
        return
    console.print(f"[bold red]Chain broken[/bold red]: {report['findings_total']} finding(s) in {summary}.")
    console.print(f"Findings in reading order (the first {len(report['findings'])}; "
                  "the first is the first broken link):")
    for n, f in enumerate(report["findings"], start=1):
        where = (f"at {f['topic']} partition {f['partition']} offset {f['offset']}: event {f['event_id'] or '-'} "
                 f"({f['stream'] or '-'} #{f['sequence'] or '-'})")  # what the log says is never markup
        console.print(f"{n:>3}. [bold]{f['problem']}[/bold] {escape(where)}")
        console.print(f"     {f['detail']}", markup=False)


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


@app.command("export")
def audit_export(
    ctx: typer.Context,
    cycle_id: Annotated[str, typer.Argument(metavar="CYCLE", help="The cycle's id, e.g. demo-2024.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write; - for stdout.")] = Path("-"),
    export_format: Annotated[ExportFormat, typer.Option("--format", "-f", help="JSON Lines or CSV.")] = (
        ExportFormat.jsonl
    ),
    ranking_url: RankingUrl = default_url("ranking"),
    as_json: JsonOutput = False,
):
    """Write a cycle's audit trail: every event of the cycle in canonical order, byte for byte reproducible."""
    response = get(ctx, ranking_url, f"/audit/cycles/{cycle_id}/events.{export_format.value}")
    content = response.content
    if str(output) == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(content)
    written = {"cycle_id": cycle_id, "format": export_format.value, "output": str(output),
               "events": int(response.headers.get("x-event-count", "0")), "bytes": len(content),
               "sha256": hashlib.sha256(content).hexdigest()}
    to_stderr = str(output) == "-"  # stdout holds the trail itself
    if as_json:
        echo_json(written, err=to_stderr)
    else:
        Console(stderr=to_stderr, highlight=False).print(
            f"Wrote {written['events']} events of cycle {cycle_id} ({written['bytes']} bytes, "
            f"sha256 {written['sha256']}) to {output}")
