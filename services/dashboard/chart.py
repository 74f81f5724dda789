"""A line chart drawn on the server as SVG geometry (no script, no CDN): each series a polyline over
the x labels, the y axis from 0 to 100 (percent). Pure: values in, coordinates out."""

from __future__ import annotations

from dataclasses import dataclass

PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8c564b", "#e377c2")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    series: list[Series]


def line_chart(x_labels: list[str], values: dict[str, list[float | None]], width: int = 640,
               height: int = 320, top_value: float = 100.0) -> Chart:
    """`values`: series name -> one value (0..top_value) or None per x label; gaps are skipped."""
    left, right, top, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(x_labels) - 1, 1)
    xs = [left + (i * step if len(x_labels) > 1 else plot_w / 2) for i in range(len(x_labels))]

    def y_of(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0.0), top_value) / top_value)

    series = [
        Series(name, PALETTE[n % len(PALETTE)],
               [Point(xs[i], y_of(v), v) for i, v in enumerate(row) if v is not None])
        for n, (name, row) in enumerate(values.items())
    ]
    y_ticks = [(y_of(v), int(v)) for v in range(0, int(top_value) + 1, int(top_value) // 4 or 1)]
    return Chart(width, height, left, top, plot_w, plot_h, list(zip(xs, x_labels)), y_ticks, series)
