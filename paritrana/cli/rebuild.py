"""`paritrana rebuild`: rebuild ranking's read models beside the live ones, compare, switch."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from paritrana.cli._http import JsonOutput, RankingUrl, default_url, fail, get, post, show


def rebuild(
    ctx: typer.Context,
    ranking_url: RankingUrl = default_url("ranking"),
    as_json: JsonOutput = False,
    switch: Annotated[bool, typer.Option(help="Make the rebuilt read models live when their digests agree.")] = True,
    accept_difference: Annotated[str, typer.Option(help="Switch although the digests differ, saying why.")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the rebuild to catch up.")] = 600,
):
    """Rebuild every leaderboard from offset zero beside the live one, compare their digests and,
    when they agree, switch to the rebuilt one without downtime. Exit code 1 when they differ."""
    generation = post(ctx, ranking_url, "/rebuilds", {}).json()["building"]
    status = _wait_caught_up(ctx, ranking_url, timeout)
    outcome = {"generation": generation, **status}
    if switch and (status["identical"] or accept_difference.strip()):
        body = {"generation": generation, "accept_difference": accept_difference}
        outcome["switched"] = post(ctx, ranking_url, "/rebuilds/switch", body).json()
    show(outcome, as_json, _print_rebuild)
    if not status["identical"]:
        raise typer.Exit(1)


def _wait_caught_up(ctx: typer.Context, ranking_url: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with Console(stderr=True).status("replaying the log into the new generation ..."):
        while time.monotonic() < deadline:
            status = get(ctx, ranking_url, "/rebuilds").json()
            if "digests" in status:
                return status
            time.sleep(0.5)
    fail(f"the rebuild did not catch up within {timeout:g} s; it goes on (see GET /rebuilds)")


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
