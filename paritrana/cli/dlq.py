"""`paritrana dlq list SERVICE` and `paritrana dlq replay SERVICE PARTITION OFFSET`: the records a
service parked in its dead-letter topic, and handing one to its handler again after a fix."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from paritrana.cli._http import JsonOutput, cells, echo_json, get, post, show, url_of
from shared.topics import SERVICES

app = typer.Typer(help="Dead letters: records a service could not handle, listed and replayed.",
                  no_args_is_help=True)
ServiceName = Enum("ServiceName", [(s, s) for s in SERVICES], type=str)  # type: ignore[misc]
Service = Annotated[ServiceName, typer.Argument(metavar="SERVICE", help=", ".join(SERVICES))]
Url = Annotated[str | None, typer.Option("--url", help="The service's base URL (else PARITRANA_<SERVICE>_URL, "
                                                       "else the port `make run` gives it).")]
SHOWN_CHARS = 60


@app.command("list")
def list_dead_letters(ctx: typer.Context, service: Service, url: Url = None,
                      since: Annotated[int, typer.Option(help="From this offset of the dead-letter topic.")] = 0,
                      limit: Annotated[int, typer.Option(help="At most this many.")] = 200,
                      as_json: JsonOutput = False):
    """The records SERVICE parked: where they came from, why, their bytes, and any replay."""
    listed = get(ctx, url_of(service.value, url), "/dead-letters", params={"since": since, "limit": limit}).json()
    show(listed, as_json, _print_letters)


def _print_letters(listed: dict[str, Any]) -> None:
    console = Console(highlight=False)
    table = Table("position", "source", "reason", "value", "replay",
                  title=f"Dead letters of {listed['service']} ({listed['total']} in {listed['topic']})")
    for letter in listed["dead_letters"]:
        source = letter["source"]
        text = letter["value"]["text"]
        value = (text[:SHOWN_CHARS] + " ...") if len(text) > SHOWN_CHARS else text
        table.add_row(*cells([f"{letter['partition']}:{letter['offset']}",
                              f"{source['topic']} {source['partition']}:{source['offset']}", letter["reason"],
                              f"{value} ({letter['value']['bytes']} bytes)", _replay_state(letter)]))
    console.print(table)
    if listed["more"]:
        console.print("more follow: list again with --since", markup=False)


def _replay_state(letter: dict[str, Any]) -> str:
    replay = letter["replay"]
    if replay is not None:
        return f"{replay['outcome']} ({replay['attempts']}x, last {replay['at'][:19]} by {replay['by']})"
    return "not replayed" if letter["replayable"] else f"not replayable: {letter['not_replayable']}"


@app.command("replay")
def replay(ctx: typer.Context, service: Service, partition: int, offset: int, url: Url = None,
           as_json: JsonOutput = False):
    """Hand the dead letter at PARTITION:OFFSET to SERVICE's handler again (after a fix). Exit code 1
    when it is parked again (the new reason is shown), 2 when refused (handled already, or not a
    record SERVICE can replay)."""
    done = post(ctx, url_of(service.value, url), f"/dead-letters/{partition}/{offset}/replay").json()
    if as_json:
        echo_json(done)
    else:
        source = done["source"]
        where = escape(f"{source['topic']} {source['partition']}:{source['offset']}")
        if done["outcome"] == "handled":
            Console(highlight=False).print(f"[green]handled[/green]: dead letter {partition}:{offset} ({where}) "
                                           f"on attempt {done['attempts']}")
        else:
            Console(highlight=False).print(f"[red]parked again[/red]: dead letter {partition}:{offset} ({where}) "
                                           f"on attempt {done['attempts']}")
            Console(highlight=False).print(f"  reason: {done['reason']}", markup=False)
    if done["outcome"] != "handled":
        raise typer.Exit(1)
