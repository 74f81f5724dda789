"""`paritrana explain CANDIDATE`: why a candidate has its rank."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from paritrana.cli._http import JsonOutput, RankingUrl, default_url, get, number, show


def explain(ctx: typer.Context, candidate_id: str, ranking_url: RankingUrl = default_url("ranking"),
            as_json: JsonOutput = False):
    """Why a candidate has its rank: every event that contributed, who did it and when, and the
    total recomputed from those events. Exit code 1 when it differs from the live leaderboard."""
    explanation = get(ctx, ranking_url, f"/candidates/{candidate_id}/explanation").json()
    show(explanation, as_json, _print_explanation)
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
                           number(row["value"]), number(row["contribution"]))
    console.print(indicators)
    totals, live = explanation["totals"], explanation["live"] or {}
    console.print(f"{totals['stage']} stage: total {number(totals['total'])}, "
                  f"document {number(totals['document_total'])}, interview {number(totals['interview_total'])}; "
                  f"live: {live.get('list')} rank {live.get('rank')}; "
                  f"recomputed equals live: {explanation['matches_live']}")
