"""What every chart shares: the series type, the accessible frame, the legend and the y scale.

A chart whose last period is still running (today) passes ``partial_last=True``: that point is drawn
hollow behind a dotted segment, its label says "(partial)" and the description says so, so a half-counted
day never reads as a drop.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#e50914", "#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#7f7f7f"]
TEXT, QUIET, AXIS, GRID = "#333", "#666", "#999", "#e4e4e4"
_ids = itertools.count(1)  # unique ids for aria-labelledby when several charts share a page


@dataclass(frozen=True)
class Series:
    """One named series. ``values`` are y values (None leaves a gap) or, for ``xy_chart``, (x, y) pairs."""

    name: str
    values: Sequence
    colour: str | None = None
    dashed: bool = False
    negative_colour: str | None = None  # bars below zero in this colour (e.g. red for a negative uplift)


def number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (so ticks read well)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= value * (1 - 1e-9))


def frame(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="chart-{n}-title chart-{n}-desc" class="chart" font-family="sans-serif" '
        f'font-size="11"><title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}'
        f'</desc><text x="8" y="18" font-size="14" font-weight="bold" fill="{TEXT}" class="chart-title">'
        f"{escape(title)}</text>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  every label is escaped where it is written


def empty_chart(width: int, height: int, title: str, message: str) -> SafeString:
    text = (
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{QUIET}">{escape(message)}</text>'
    )
    return frame(width, height, title, message, [text])


def colour_of(series: Series, i: int) -> str:
    return series.colour or COLOURS[i % len(COLOURS)]


def legend(series: Sequence[Series], x: float, y: float, *, column: bool, lines: bool) -> list[str]:
    """A swatch and a name per series, in a row (few series) or a column on the right (many)."""
    parts = []
    for i, s in enumerate(series):
        colour, dash = colour_of(s, i), ' stroke-dasharray="5,3"' if s.dashed else ""
        if lines:
            parts.append(
                f'<line x1="{x:.0f}" y1="{y - 4:.0f}" x2="{x + 18:.0f}" y2="{y - 4:.0f}" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
        else:
            parts.append(f'<rect x="{x:.0f}" y="{y - 9:.0f}" width="10" height="10" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + (22 if lines else 14):.0f}" y="{y:.0f}" fill="{TEXT}">{escape(s.name)}</text>'
        )
        if column:
            y += 16
        else:
            x += (22 if lines else 14) + 6.5 * len(s.name) + 14
    return parts


def legend_width(series: Sequence[Series]) -> float:
    return sum(36 + 6.5 * len(s.name) for s in series)


class Plot:
    """The plotting box of a chart with a y scale from ``low`` to ``high`` (zero always included)."""

    def __init__(
        self, width: int, height: int, values: list[float], *, left: int, right: int, top: int, bottom: int
    ):
        self.left, self.top = left, top
        self.w, self.h = width - left - right, height - top - bottom
        low, high = min([0.0, *values]), max([0.0, *values])
        # Ticks at multiples of a round step, so zero is always a tick and signed ranges read well.
        self.step = _nice_ceiling((high - low) / 4) if high > low else 1.0
        self.low = math.floor(low / self.step + 1e-9) * self.step
        self.high = math.ceil(high / self.step - 1e-9) * self.step
        if self.high <= self.low:
            self.high = self.low + self.step

    def y(self, value: float) -> float:
        return self.top + self.h - (value - self.low) / (self.high - self.low) * self.h

    def y_axis(self, fmt: Callable[[float], str]) -> list[str]:
        parts = []
        for k in range(round((self.high - self.low) / self.step) + 1):
            v = self.low + k * self.step
            y = self.y(v)
            stroke, kind = (AXIS, ' class="axis"') if abs(v) < self.step / 1e6 else (GRID, "")
            parts.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.left + self.w}" y2="{y:.1f}" stroke="{stroke}"'
                f"{kind}/>"
            )
            parts.append(
                f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{QUIET}" class="tick">'
                f"{escape(fmt(v))}</text>"
            )
        return parts

    def x_labels(
        self, labels: Sequence[str], xs: Sequence[float], *, max_labels: int = 8, flush_ends: bool = False
    ) -> list[str]:
        """Thinned tick labels (every k-th, and always the last) under the plot; ``flush_ends`` keeps the first
        and last label inside the box when points sit on its edges (line charts)."""
        n = len(labels)
        step = max(1, math.ceil(n / max_labels))
        shown = [i for i in range(n) if i % step == 0 and (n - 1 - i >= step or i == n - 1)] or [n - 1]
        if n - 1 not in shown:
            shown.append(n - 1)
        y = self.top + self.h + 16

        def anchor(i: int) -> str:
            if flush_ends and n > 1 and i in (0, n - 1):
                return "start" if i == 0 else "end"
            return "middle"

        return [
            f'<text x="{xs[i]:.1f}" y="{y}" text-anchor="{anchor(i)}" fill="{QUIET}" class="tick">'
            f"{escape(labels[i])}</text>"
            for i in shown
        ]


def partial_labels(labels: Sequence[str], partial_last: bool) -> list[str]:
    return [*labels[:-1], f"{labels[-1]} (partial)"] if partial_last and labels else list(labels)


def partial_desc(labels: Sequence[str], partial_last: bool) -> str:
    return (
        f" The last period, {labels[-1]}, is still running: its value is partial."
        if partial_last and labels
        else ""
    )
