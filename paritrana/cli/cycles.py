"""`paritrana cycle open FILE` and `paritrana cycle advance CYCLE STAGE` (registration)."""

from __future__ import annotations

import hashlib
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from paritrana.cli._http import JsonOutput, RegistrationUrl, default_url, echo_json, get, post
from shared.contracts.cycle_config import STAGES

app = typer.Typer(help="Award cycles: open one from its document, move it through its stages.", no_args_is_help=True)
StageName = Enum("StageName", [(s, s) for s in STAGES], type=str)  # type: ignore[misc]
Key = Annotated[str | None, typer.Option(help="Idempotency-Key (default: derived from what is sent, so a retry "
                                              "decides nothing twice).")]


@app.command("open")
def open_cycle(
    ctx: typer.Context,
    document: Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False,
                                             help="The cycle's YAML or JSON document.")],
    key: Key = None,
    registration_url: RegistrationUrl = default_url("registration"),
    as_json: JsonOutput = False,
):
    """Open a cycle from its versioned document (as shipped in services/registration/cycles/)."""
    content = document.read_bytes()
    key = key or f"cycle-document-{hashlib.sha256(content).hexdigest()[:32]}"
    outcome = post(ctx, registration_url, "/cycle-documents", key=key, content=content,
                   headers={"Content-Type": "application/yaml"}).json()  # JSON is YAML too
    cycle_id = outcome["aggregate_id"].removeprefix("cycle/")
    cycle = get(ctx, registration_url, f"/cycles/{cycle_id}").json()
    opened = {"cycle_id": cycle_id, "stage": cycle["stage"], "name": cycle["config"].get("name"),
              "categories": [c["id"] for c in cycle["config"].get("categories", [])], "outcome": outcome}
    if as_json:
        echo_json(opened)
    else:
        _print_decided(f"Opened cycle {cycle_id} ({opened['name']}), stage {opened['stage']}; categories "
                       f"{', '.join(opened['categories'])}", outcome)


@app.command("advance")
def advance(
    ctx: typer.Context,
    cycle_id: Annotated[str, typer.Argument(metavar="CYCLE")],
    stage: Annotated[StageName, typer.Argument(metavar="STAGE", help="The next stage: " + ", ".join(STAGES))],
    key: Key = None,
    registration_url: RegistrationUrl = default_url("registration"),
    as_json: JsonOutput = False,
):
    """Move a cycle on to its next stage (only forward, one stage at a time)."""
    outcome = post(ctx, registration_url, f"/cycles/{cycle_id}/stage", {"to_stage": stage.value},
                   key=key or f"{cycle_id}-to-{stage.value}").json()
    if as_json:
        echo_json({"cycle_id": cycle_id, "stage": stage.value, "outcome": outcome})
    else:
        _print_decided(f"Cycle {cycle_id} is in stage {stage.value}", outcome)


def _print_decided(summary: str, outcome: dict[str, Any]) -> None:
    events = ", ".join(f"{e['type']} {e['event_id']}" for e in outcome.get("events", []))
    Console(highlight=False).print(f"{summary}\n  recorded: {events or 'nothing new (decided before)'}", markup=False)
