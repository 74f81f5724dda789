"""`paritrana leaderboards show|export`: provincial, zone and national boards from the log."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from paritrana.cli._http import JsonOutput, RankingUrl, cells, default_url, fail, get, number, show

app = typer.Typer(help="Leaderboards from the event log.", no_args_is_help=True)
TOTAL = {"document": "document_total"}  # every other stage ranks by `total`


@app.command("show")
def show_board(
    ctx: typer.Context,
    cycle_id: Annotated[str, typer.Argument(metavar="CYCLE")],
    category_id: Annotated[str, typer.Argument(metavar="CATEGORY")],
    province: Annotated[str | None, typer.Option(help="A province's board (document stage, then final).")] = None,
    zone: Annotated[str | None, typer.Option(help="A zone's board of its provinces' nominees.")] = None,
    national: Annotated[bool, typer.Option("--national", help="The national board of every nominee.")] = False,
    ranking_url: RankingUrl = default_url("ranking"),
    as_json: JsonOutput = False,
):
    """One leaderboard: a province's (--province), a zone's (--zone) or the national one (--national)."""
    chosen = [f"provinces/{province}" if province else None, f"zones/{zone}" if zone else None,
              "national" if national else None]
    where = [c for c in chosen if c]
    if len(where) != 1:
        fail("name one board: --province P, --zone Z or --national")
    board = get(ctx, ranking_url, f"/leaderboards/{cycle_id}/{category_id}/{where[0]}").json()
    show(board, as_json, lambda shown: _print_board(shown, where[0]))


def _print_board(board: dict[str, Any], where: str) -> None:
    console = Console(highlight=False)
    by = TOTAL.get(board["stage"], "total")
    indicators = sorted({i for row in board["ranked"] for i in row.get("indicators", {})})
    regional = board["stage"] in ("zone", "national")
    table = Table(title=f"{board['cycle_id']} {board['category_id']} {where}: {board['stage']} stage, "
                        f"rubric v{board['rubric_version']}" + (f" ({board['aggregation']})" if "aggregation" in board
                                                               else ""))
    for column in ("rank", "candidate", "name", *(("province", "zone") if regional else ()), by, *indicators):
        table.add_column(column, justify="right" if column in (by, "rank", *indicators) else "left")
    for row in board["ranked"]:
        place = [row.get("province"), row.get("zone")] if regional else []
        table.add_row(*cells([row["rank"], row["candidate_id"], row.get("name"), *place]), number(row[by]),
                      *(number(row.get("indicators", {}).get(i)) for i in indicators))
    console.print(table)
    for row in board.get("incomplete", []):
        console.print(f"  incomplete: {row['candidate_id']} (missing {', '.join(row.get('missing', [])) or '-'})",
                      markup=False)
    for row in board.get("not_shortlisted", []):
        console.print(f"  not shortlisted: {row['candidate_id']} (document stage "
                      f"{number(row.get('document_total'))})", markup=False)
    for listed in ("withdrawn", "disqualified"):
        if board.get(listed):
            console.print(f"  {listed}: {', '.join(board[listed])}", markup=False)
    if board.get("best_in_zone"):
        console.print("  best in zone: " + ", ".join(f"{z} {c}" for z, c in board["best_in_zone"].items()),
                      markup=False)


@app.command("export")
def export(ctx: typer.Context, cycle_id: str, output: Annotated[str, typer.Option(
        "--output", help="File to write, or - for standard output.")] = "-",
        ranking_url: RankingUrl = default_url("ranking")):
    """Every leaderboard of a cycle as CSV, replayed from the log (the same bytes every time)."""
    content = get(ctx, ranking_url, f"/exports/{cycle_id}/leaderboards.csv").content
    if output == "-":
        sys.stdout.buffer.write(content)
    else:
        Path(output).write_bytes(content)
        Console(stderr=True).print(f"{len(content)} bytes, sha256 {hashlib.sha256(content).hexdigest()}")
