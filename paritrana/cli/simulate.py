"""`paritrana simulate`: a seeded province cycle played through a cluster of its own (make simulate)."""

from __future__ import annotations

from typing import Annotated

import typer


def simulate(seed: Annotated[int, typer.Option(help="the same seed plays the same cycle")] = 1,
             villages: Annotated[int, typer.Option(help="village candidates sampled from the reference data")] = 40,
             employers: Annotated[int, typer.Option(help="employer candidates, most of them micro")] = 150):
    """Start the five services (PARITRANA_BACKEND picks the backend), play a seeded province cycle
    through their APIs with progress bars, and print the summary: events per topic, candidates per
    stage, seconds per stage."""
    from paritrana import simulate as simulation

    simulation.main(seed, villages, employers)
