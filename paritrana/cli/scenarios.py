"""`paritrana scenarios preview|outcome|compare|list`: what-if re-scoring on ranking, the live
boards untouched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from paritrana.cli._http import JsonOutput, RankingUrl, cells, default_url, fail, get, number, post, show, working

app = typer.Typer(help="What-if scenarios: another aggregation, weights, a person excluded, a corrected figure.",
                  no_args_is_help=True)


@app.command("preview")
def preview(ctx: typer.Context, cycle_id: Annotated[str, typer.Argument(metavar="CYCLE")],
            spec: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="The scenario as JSON: aggregation, "
                                               "trim_fraction, weights, excluded, figures.")],
            ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """Run a scenario against a cycle without saving it: every board before and under it."""
    try:
        body = {"cycle_id": cycle_id, "spec": json.loads(spec.read_text(encoding="utf-8"))}
    except ValueError as bad:
        fail(f"{spec} is not JSON: {bad}")
    with working(f"replaying cycle {cycle_id} under the scenario ..."):
        outcome = post(ctx, ranking_url, "/scenarios/preview", body).json()
    show(outcome, as_json, _print_outcome)


@app.command("outcome")
def outcome(ctx: typer.Context, scenario_id: Annotated[str, typer.Argument(metavar="ID")],
            ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """A saved scenario run against the log as it is now: per board, who moves, by how much, why."""
    with working(f"replaying the cycle under scenario {scenario_id} ..."):
        found = get(ctx, ranking_url, f"/scenarios/{scenario_id}/outcome").json()
    show(found, as_json, _print_outcome)


@app.command("compare")
def compare(ctx: typer.Context, scenario_ids: Annotated[list[str], typer.Argument(metavar="ID ID...")],
            ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """Saved scenarios of one cycle side by side: each candidate's rank in the baseline and under each."""
    with working(f"replaying {len(scenario_ids)} scenarios ..."):
        compared = get(ctx, ranking_url, "/scenarios/compare", params={"ids": scenario_ids}).json()
    show(compared, as_json, _print_compared)


def _print_compared(compared: dict[str, Any]) -> None:
    console = Console(highlight=False)
    for board in compared["boards"]:
        order = "the same order" if board["same_order"] else "different orders"
        table = Table("candidate", "baseline", *compared["scenarios"],
                      title=f"{board['category_id']} in {board['province']}: {order}")
        for row in board["candidates"]:
            table.add_row(*cells([row["candidate_id"], *row["ranks"].values()]))
        console.print(table)


@app.command("list")
def list_scenarios(ctx: typer.Context, cycle: Annotated[str | None, typer.Option(help="Only this cycle's.")] = None,
                   ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """The saved scenarios and their adoptions."""
    saved = get(ctx, ranking_url, "/scenarios", params={"cycle_id": cycle} if cycle else None).json()
    show(saved, as_json, _print_saved)


def _print_saved(saved: list[dict[str, Any]]) -> None:
    table = Table("scenario", "cycle", "name", "spec", "saved by", "adopted", title="Saved scenarios")
    for s in saved:
        table.add_row(*cells([s["scenario_id"], s["cycle_id"], s.get("name"), json.dumps(_set(s["spec"])),
                              s.get("saved_by"), len(s.get("adoptions", []))]))
    Console(highlight=False).print(table)


def _set(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if v not in (None, [], {})}


def _print_outcome(found: dict[str, Any]) -> None:
    console = Console(highlight=False)
    summary = found["summary"]
    label = f"scenario {found['scenario_id']}" if "scenario_id" in found else "preview"
    console.print(f"{label} of {found['cycle_id']}: {json.dumps(_set(found['scenario']))}; "
                  f"{summary['boards_changed']} of {summary['boards']} boards change, "
                  f"{summary['candidates_moved']} candidates move ({found['events']} events replayed)", markup=False)
    for board in found["boards"]:
        table = Table("candidate", "before", "after", "moved", "total change", "causes",
                      title=f"{board['category_id']} in {board['province']} ({board['stage']} stage)")
        for change in board["changes"]:
            table.add_row(*cells([change["candidate_id"], _place(change["before"]), _place(change["after"]),
                                  _signed(change["moved"]), _signed(change["total_change"]),
                                  "; ".join(_cause(c) for c in change["causes"]) or "-"]))
        if board["changes"]:
            console.print(table)
        else:
            console.print(f"{board['category_id']} in {board['province']}: no change", markup=False)


def _place(place: dict[str, Any]) -> str:
    return f"{place['list']} #{place['rank'] or '-'} {number(place['total'])}"


def _signed(change: float | None) -> str:
    return "-" if change is None else f"+{number(change)}" if change > 0 else number(change)


def _cause(cause: dict[str, Any]) -> str:
    return f"{cause.get('by')} {cause.get('indicator_id')} {cause.get('value')}: {cause.get('because')}"
