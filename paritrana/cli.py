"""`paritrana`: the organisers' command line, talking to the services' HTTP APIs.

    paritrana audit verify [--json]                          exit 1 when a hash chain is broken
    paritrana audit export CYCLE --format jsonl|csv --output FILE
    paritrana rebuild [--no-switch] [--accept-difference REASON]   exit 1 when the digests differ
    paritrana explain CANDIDATE [--json]                     exit 1 when it differs from the live board
    paritrana leaderboards export CYCLE --output FILE
    paritrana token PERSON --role ROLE [--province P]       (needs PARITRANA_JWT_SECRET)

Every command but `token` sends PARITRANA_TOKEN as its bearer token.

Each group of commands is a Typer sub-app added to `app` (`app.add_typer(group, name=...)`); a
command reaches a service through `_http(ctx).client(url)`, whose transport tests replace by
passing `Http(transport=httpx.MockTransport(...))` as CliRunner's `obj`. Exit codes: 0 done,
1 the answer is bad news (a broken chain), 2 the service could not be asked or refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shared.auth import Principal, issue_token

DEFAULT_RANKING_URL = "http://127.0.0.1:8105"  # `make run` serves ranking on the fifth port from 8101

app = typer.Typer(name="paritrana", help="Paritrana Award: organisers' commands.", no_args_is_help=True)
audit = typer.Typer(help="Tamper evidence and audit trails from the event log.", no_args_is_help=True)
app.add_typer(audit, name="audit")

RankingUrl = Annotated[str, typer.Option(
    "--ranking-url", envvar="PARITRANA_RANKING_URL", help="Base URL of the ranking service.")]
JsonOutput = Annotated[bool, typer.Option("--json", help="Machine-readable JSON instead of a rich summary.")]


@dataclass(frozen=True)
class Http:
    """How commands reach the services (tests pass one with an httpx.MockTransport)."""

    transport: httpx.BaseTransport | None = None
    timeout: float = 300.0  # verifying a large log reads all of it
    token: str | None = None  # else PARITRANA_TOKEN

    def client(self, base_url: str) -> httpx.Client:
        token = self.token or os.environ.get("PARITRANA_TOKEN")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=base_url, transport=self.transport, timeout=self.timeout, headers=headers)


def _http(ctx: typer.Context) -> Http:
    return ctx.obj if isinstance(ctx.obj, Http) else Http()


def _get(ctx: typer.Context, base_url: str, path: str) -> httpx.Response:
    """GET a path; an unreachable service or an error answer ends the command with exit code 2."""
    try:
        with _http(ctx).client(base_url) as client:
            response = client.get(path)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach {base_url}: {exc}")
    if response.status_code >= 400:
        _fail(f"GET {base_url}{path} -> {response.status_code}: {response.text[:500]}")
    return response


def _fail(message: str) -> NoReturn:
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(2)


@audit.command("verify")
def audit_verify(ctx: typer.Context, ranking_url: RankingUrl = DEFAULT_RANKING_URL, as_json: JsonOutput = False):
    """Check every stream's hash chain in the event log; exit code 1 names a broken one."""
    report = _get(ctx, ranking_url, "/audit/verify").json()
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        _print_report(report)
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


@audit.command("export")
def audit_export(
    ctx: typer.Context,
    cycle_id: Annotated[str, typer.Argument(metavar="CYCLE", help="The cycle's id, e.g. demo-2024.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write; - for stdout.")] = Path("-"),
    export_format: Annotated[ExportFormat, typer.Option("--format", "-f", help="JSON Lines or CSV.")] = (
        ExportFormat.jsonl
    ),
    ranking_url: RankingUrl = DEFAULT_RANKING_URL,
    as_json: JsonOutput = False,
):
    """Write a cycle's audit trail: every event of the cycle in canonical order, byte for byte reproducible."""
    response = _get(ctx, ranking_url, f"/audit/cycles/{cycle_id}/events.{export_format.value}")
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
        typer.echo(json.dumps(written), err=to_stderr)
    else:
        Console(stderr=to_stderr, highlight=False).print(
            f"Wrote {written['events']} events of cycle {cycle_id} ({written['bytes']} bytes, "
            f"sha256 {written['sha256']}) to {output}")


def _post(ctx: typer.Context, base_url: str, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST a body; an unreachable service or an error answer ends the command with exit code 2."""
    try:
        with _http(ctx).client(base_url) as client:
            response = client.post(path, json=body)
    except httpx.HTTPError as exc:
        _fail(f"cannot reach {base_url}: {exc}")
    if response.status_code >= 400:
        _fail(f"POST {base_url}{path} -> {response.status_code}: {response.text[:500]}")
    return response


@app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    ranking_url: RankingUrl = DEFAULT_RANKING_URL,
    as_json: JsonOutput = False,
    switch: Annotated[bool, typer.Option(help="Make the rebuilt read models live when their digests agree.")] = True,
    accept_difference: Annotated[str, typer.Option(help="Switch although the digests differ, saying why.")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the rebuild to catch up.")] = 600,
):
    """Rebuild every leaderboard from offset zero beside the live one, compare their digests and,
    when they agree, switch to the rebuilt one without downtime. Exit code 1 when they differ."""
    generation = _post(ctx, ranking_url, "/rebuilds", {}).json()["building"]
    status = _wait_caught_up(ctx, ranking_url, timeout)
    outcome = {"generation": generation, **status}
    if switch and (status["identical"] or accept_difference.strip()):
        body = {"generation": generation, "accept_difference": accept_difference}
        outcome["switched"] = _post(ctx, ranking_url, "/rebuilds/switch", body).json()
    if as_json:
        typer.echo(json.dumps(outcome, indent=2, ensure_ascii=False))
    else:
        _print_rebuild(outcome)
    if not status["identical"]:
        raise typer.Exit(1)


def _wait_caught_up(ctx: typer.Context, ranking_url: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with Console(stderr=True).status("replaying the log into the new generation ..."):
        while time.monotonic() < deadline:
            status = _get(ctx, ranking_url, "/rebuilds").json()
            if "digests" in status:
                return status
            time.sleep(0.5)
    _fail(f"the rebuild did not catch up within {timeout:g} s; it goes on (see GET /rebuilds)")


def _print_rebuild(outcome: dict[str, Any]) -> None:
    table = Table(title=f"Rebuild: generation {outcome['generation']} beside {outcome['active']}")
    table.add_column("generation")
    table.add_column("read models")
    table.add_column("leaderboards")
    for generation, digests in outcome["digests"].items():
        table.add_row(generation, digests["read_models"][:16], digests["leaderboards"][:16])
    console = Console()
    console.print(table)
    verdict = "[green]identical[/green]" if outcome["identical"] else "[red]different[/red]"
    console.print(f"digests {verdict}; " + (
        f"generation {outcome['switched']['active']} is live" if "switched" in outcome else "nothing switched"))



@app.command("explain")
def explain(ctx: typer.Context, candidate_id: str, ranking_url: RankingUrl = DEFAULT_RANKING_URL,
            as_json: JsonOutput = False):
    """Why a candidate has its rank: every event that contributed, who did it and when, and the
    total recomputed from those events. Exit code 1 when it differs from the live leaderboard."""
    explanation = _get(ctx, ranking_url, f"/candidates/{candidate_id}/explanation").json()
    if as_json:
        typer.echo(json.dumps(explanation, indent=2, ensure_ascii=False))
    else:
        _print_explanation(explanation)
    if explanation["matches_live"] is False:
        raise typer.Exit(1)


def _print_explanation(explanation: dict[str, Any]) -> None:
    console = Console()
    rubric = explanation["rubric"]
    console.print(f"[bold]{escape(str(explanation['name']))}[/bold] ({explanation['candidate_id']}), "
                  f"{explanation['category_id']} in {explanation['province']}, cycle {explanation['cycle_id']}; "
                  f"rubric v{rubric['version']}, {rubric['aggregation']}")
    events = Table(title="Events, in order")
    for column in ("when", "who", "event", "what"):
        events.add_column(column)
    for event in explanation["events"]:
        who = f"{event['who']['id']} ({event['who']['role']})"
        events.add_row(event["when"][:19], escape(who), event["type"], escape(str(event["what"])))
    console.print(events)
    indicators = Table(title="Indicators")
    for column in ("indicator", "method", "weight", "scores", "value", "contribution"):
        indicators.add_column(column)
    for row in explanation["indicators"]:
        scores = ", ".join(f"{s['by']} {s['value']:g}" for s in row["scores"])
        indicators.add_row(row["indicator_id"], row["method"], f"{row['weight']:g}", escape(scores),
                           _number(row["value"]), _number(row["contribution"]))
    console.print(indicators)
    totals, live = explanation["totals"], explanation["live"] or {}
    console.print(f"{totals['stage']} stage: total {_number(totals['total'])}, document {_number(totals['document_total'])}"
                  f", interview {_number(totals['interview_total'])}; live: {live.get('list')} rank {live.get('rank')}"
                  f"; recomputed equals live: {explanation['matches_live']}")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


leaderboards = typer.Typer(help="Leaderboards from the event log.", no_args_is_help=True)
app.add_typer(leaderboards, name="leaderboards")


@leaderboards.command("export")
def leaderboards_export(ctx: typer.Context, cycle_id: str, output: Annotated[str, typer.Option(
        "--output", help="File to write, or - for standard output.")] = "-",
        ranking_url: RankingUrl = DEFAULT_RANKING_URL):
    """Every leaderboard of a cycle as CSV, replayed from the log (the same bytes every time)."""
    content = _get(ctx, ranking_url, f"/exports/{cycle_id}/leaderboards.csv").content
    if output == "-":
        sys.stdout.buffer.write(content)
    else:
        Path(output).write_bytes(content)
        Console(stderr=True).print(f"{len(content)} bytes, sha256 {hashlib.sha256(content).hexdigest()}")



@app.command("token")
def token(person_id: str, role: Annotated[str, typer.Option(help="organiser, auditor, committee-chair, ...")],
          province: Annotated[list[str], typer.Option(help="a province acted for; repeat; * for all")] = ["*"],
          candidate: Annotated[str | None, typer.Option(help="for the candidate role: which candidate")] = None,
          hours: Annotated[int, typer.Option(help="how long the token is valid")] = 8):
    """Mint a bearer token with the services' key (PARITRANA_JWT_SECRET), for operators and the
    demo; set it as PARITRANA_TOKEN for the other commands."""
    secret = os.environ.get("PARITRANA_JWT_SECRET")
    if not secret:
        _fail("set PARITRANA_JWT_SECRET to the services' key")
    try:
        who = Principal(id=person_id, role=role, provinces=province, candidate_id=candidate)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(issue_token(secret, who, hours * 3600))


if __name__ == "__main__":
    app()
