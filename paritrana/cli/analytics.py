"""`paritrana analytics CYCLE`: per assessor and interviewer figures and flags, from the log."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from paritrana.cli._http import JsonOutput, RankingUrl, cells, default_url, get, number, show, working

COLUMNS = ("person", "duty", "scores", "amendments", "leniency", "spread", "agreement", "churn", "near deadline",
           "flags")


def analytics(ctx: typer.Context, cycle_id: Annotated[str, typer.Argument(metavar="CYCLE")],
              ranking_url: RankingUrl = default_url("ranking"), as_json: JsonOutput = False):
    """Leniency, spread, agreement with the panel, amendment churn and deadline rush of every
    assessor and interviewer of a cycle; outliers flagged with the events behind each flag."""
    with working(f"reading the events of cycle {cycle_id} ..."):
        report = get(ctx, ranking_url, f"/analytics/{cycle_id}/panellists").json()
    show(report, as_json, _print)


def _print(report: dict[str, Any]) -> None:
    console = Console(highlight=False)
    table = Table(*COLUMNS, title=f"Assessors and interviewers of {report['cycle_id']}")
    for p in report["people"]:
        table.add_row(*cells([p["person_id"], p["duty"], p["scores"], p["amendments"]]),
                      *(number(p[k]) for k in ("leniency", "spread", "agreement", "churn")),
                      *cells([p["near_deadline"], ", ".join(f["flag"] for f in p["flags"]) or "-"]))
    console.print(table)
    for p in report["people"]:
        for flag in p["flags"]:
            events = ", ".join(str(e.get("event_id")) for e in flag.get("events", []))
            console.print(f"{p['person_id']} flagged {flag['flag']}: {flag.get('reason', '')} (events: {events})",
                          markup=False)
    if not report["flagged"]:
        console.print("nobody flagged", markup=False)
