"""`paritrana proof CYCLE CATEGORY PROVINCE EVENT_ID`: an event's inclusion proof under a
publication's Merkle root, fetched from ranking and verified here (paritrana.proofs_verify)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from paritrana import proofs_verify
from paritrana.cli._http import JsonOutput, RankingUrl, default_url, echo_json, get


def proof(ctx: typer.Context, cycle_id: Annotated[str, typer.Argument(metavar="CYCLE")],
          category_id: Annotated[str, typer.Argument(metavar="CATEGORY")],
          province: Annotated[str, typer.Argument(metavar="PROVINCE")],
          event_id: Annotated[str, typer.Argument(metavar="EVENT_ID")],
          publication: Annotated[int | None, typer.Option(help="Which publication (default: the last).")] = None,
          root: Annotated[str | None, typer.Option(help="The root you hold (default: the publication's, as ranking "
                                                        "reports it).")] = None,
          output: Annotated[Path | None, typer.Option(help="Also write the proof here, for `python -m "
                                                           "paritrana.proofs_verify`.")] = None,
          ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """Check that an event is included, unaltered, under a publication's root: the event's own hash,
    then the path from it to the root, computed here. Exit code 1 when it does not verify."""
    path = f"/publications/{cycle_id}/{category_id}/provinces/{province}/proofs/{event_id}"
    found = get(ctx, ranking_url, path, params={"publication": publication} if publication else None).json()
    if output is not None:
        output.write_text(json.dumps(found, indent=2, ensure_ascii=False), encoding="utf-8")
    checked_root = root or found["merkle_root"]
    verified, reason = proofs_verify.verify(checked_root, found["event"], found["path"])
    result = {"verified": verified, "reason": reason, "root": checked_root, "published_root": found["merkle_root"],
              "event_id": event_id, "type": found["event"].get("type"), "index": found["index"],
              "leaves": found["leaves"], "publication": found["publication"], "board_id": found["board_id"],
              "merkle_as_of": found["merkle_as_of"]}
    if as_json:
        echo_json(result)
    else:
        console = Console(highlight=False)
        console.print("[green]verified[/green]" if verified else "[bold red]NOT verified[/bold red]", end=": ")
        console.print(reason, markup=False)
        console.print(f"leaf {found['index'] + 1} of {found['leaves']} of publication {found['publication']} of "
                      f"{found['board_id']} (events as of {found['merkle_as_of']}), {len(found['path'])} steps",
                      markup=False)
    if not verified:
        raise typer.Exit(1)
