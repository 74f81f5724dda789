"""`paritrana simulate`: a seeded cycle (a province, a zone or the nation) played through a cluster of
its own (make simulate)."""

from __future__ import annotations

from typing import Annotated

import typer


def simulate(seed: Annotated[int, typer.Option(help="the same seed plays the same cycle")] = 1,
             villages: Annotated[int, typer.Option(help="village candidates per province, sampled from the "
                                                        "reference data")] = 40,
             employers: Annotated[int, typer.Option(help="employer candidates per province, most of them micro")] = 150,
             scale: Annotated[str, typer.Option(help="province, zone (the province's zone) or national (all 38)")]
             = "province",
             province: Annotated[str, typer.Option(help="the province (or, for a zone, one of its provinces)")]
             = "bali",
             clients: Annotated[int, typer.Option(min=1, max=64, help="people acting at once on the candidates "
                                                                      "(verifiers, assessors, interviewers)")] = 1):
    """Start the five services (PARITRANA_BACKEND picks the backend), play a seeded cycle through
    their APIs with progress bars, and print the summary: events per topic, candidates per stage,
    seconds per stage."""
    from paritrana import simulate as simulation

    if scale not in simulation.SCALES:
        raise typer.BadParameter(f"one of {', '.join(simulation.SCALES)}", param_hint="--scale")
    simulation.main(seed, villages, employers, scale, province, clients)
