"""The benchmark's pure parts: summaries of repeated runs, latency percentiles, and the Markdown
that bench/RESULTS.md is rendered from."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Median of several runs, with min and max (and how many runs)."""

    median: float
    low: float
    high: float
    runs: int

    def text(self, unit: str = "", digits: int = 0) -> str:
        fmt = lambda v: f"{v:,.{digits}f}"
        if self.runs == 1:
            return f"{fmt(self.median)}{unit} (1 run)"
        return f"{fmt(self.median)}{unit} (min {fmt(self.low)}, max {fmt(self.high)}; {self.runs} runs)"


def summarise(values: Sequence[float]) -> Summary:
    if not values:
        raise ValueError("nothing to summarise")
    ordered = sorted(values)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return Summary(median, ordered[0], ordered[-1], n)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method: a value that was observed."""
    if not values:
        raise ValueError("no values")
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(measured: float, target: float, higher_is_better: bool) -> str:
    """'met' or how far off: 'missed by 12.5x' (a rate) / 'missed by 3.2 s (+40%)' style."""
    met = measured >= target if higher_is_better else measured <= target
    if met:
        return "met"
    if higher_is_better:
        return f"missed: {target / measured:,.1f}x below target" if measured > 0 else "missed: nothing measured"
    return f"missed: {measured / target:,.1f}x the target"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; cells are str()-ed and pipes escaped."""
    cell = lambda v: str(v).replace("|", "\\|")
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def extrapolate(seconds: float, measured_units: float, target_units: float) -> float:
    """Linear extrapolation (labelled as such wherever it is shown)."""
    if measured_units <= 0:
        raise ValueError("nothing measured")
    return seconds * target_units / measured_units
