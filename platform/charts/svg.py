"""SVG builders: line (categorical x, several series, gaps), grouped bars (signed, faded groups), intervals, x-y.

Each builder takes plain numbers and labels, escapes every label, and returns a ``SafeString``. A chart
whose last period is still running (today) passes ``partial_last=True``: that point is drawn hollow
behind a dashed segment, its label says "(partial)" and the description says so, so a half-counted day
never reads as a drop.
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


def _frame(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="chart-{n}-title chart-{n}-desc" class="chart" font-family="sans-serif" '
        f'font-size="11"><title id="chart-{n}-title">{escape(title)}</title><desc id="chart-{n}-desc">{escape(desc)}'
        f'</desc><text x="8" y="18" font-size="14" font-weight="bold" fill="{TEXT}" class="chart-title">'
        f"{escape(title)}</text>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  every label is escaped where it is written


def _empty(width: int, height: int, title: str, message: str) -> SafeString:
    text = (
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{QUIET}">{escape(message)}</text>'
    )
    return _frame(width, height, title, message, [text])


def _colour(series: Series, i: int) -> str:
    return series.colour or COLOURS[i % len(COLOURS)]


def _legend(series: Sequence[Series], x: float, y: float, *, column: bool, lines: bool) -> list[str]:
    """A swatch and a name per series, in a row (few series) or a column on the right (many)."""
    parts = []
    for i, s in enumerate(series):
        colour, dash = _colour(s, i), ' stroke-dasharray="5,3"' if s.dashed else ""
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


def _legend_width(series: Sequence[Series]) -> float:
    return sum(36 + 6.5 * len(s.name) for s in series)


class _Plot:
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


def _partial_labels(labels: Sequence[str], partial_last: bool) -> list[str]:
    return [*labels[:-1], f"{labels[-1]} (partial)"] if partial_last and labels else list(labels)


def _partial_desc(labels: Sequence[str], partial_last: bool) -> str:
    return (
        f" The last period, {labels[-1]}, is still running: its value is partial."
        if partial_last and labels
        else ""
    )


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    partial_last: bool = False,
    point_names: Sequence[str] | None = None,
    value_format: Callable[[float], str] = number,
    width: int = 640,
    height: int = 240,
    empty: str = "No data yet",
) -> SafeString:
    """One line per series over labelled x positions (e.g. days, model versions); None values leave a gap."""
    values = [v for s in series for v in s.values if v is not None]
    if not labels or not values:
        return _empty(width, height, title, empty)
    column = len(series) > 1 and _legend_width(series) > width - 100
    right = 16 + (max(36 + 6.5 * len(s.name) for s in series) if column else 0)
    top = 44 if len(series) > 1 and not column else 30
    plot = _Plot(width, height, values, left=56, right=int(right), top=top, bottom=36)
    n = len(labels)
    xs = [plot.left + (i * plot.w / (n - 1) if n > 1 else plot.w / 2) for i in range(n)]
    names = list(point_names or labels)
    shown = _partial_labels(labels, partial_last)
    parts = plot.y_axis(value_format)
    if partial_last:
        band = plot.w / max(n - 1, 1) / 2
        parts.append(
            f'<rect x="{xs[-1] - band:.1f}" y="{plot.top}" width="{band:.1f}" height="{plot.h}" fill="#f3f3f3"'
            f' class="partial"><title>{escape(shown[-1])}</title></rect>'
        )
    for i, s in enumerate(series):
        colour, dash = _colour(s, i), ' stroke-dasharray="5,3"' if s.dashed else ""
        coords = [(xs[k], plot.y(v), v) if v is not None else None for k, v in enumerate(s.values[:n])]
        run: list[tuple[float, float, float]] = []
        complete = coords[:-1] if partial_last else coords
        for c in [*complete, None]:
            if c is None:
                if run:
                    path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in run)
                    parts.append(
                        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
                    )
                run = []
            else:
                run.append(c)
        if partial_last and len(coords) > 1 and coords[-1] and coords[-2]:
            (x0, y0, _), (x1, y1, _) = coords[-2], coords[-1]
            parts.append(
                f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="{colour}" '
                'stroke-width="2" stroke-dasharray="2,3"/>'
            )
        for k, c in enumerate(coords):
            if c is None:
                continue
            hollow = partial_last and k == n - 1
            fill = "#fff" if hollow else colour
            note = " (partial)" if hollow else ""
            parts.append(
                f'<circle cx="{c[0]:.1f}" cy="{c[1]:.1f}" r="3" fill="{fill}" stroke="{colour}">'
                f"<title>{escape(s.name)} {escape(names[k])}{note}: {escape(value_format(c[2]))}</title></circle>"
            )
    parts += plot.x_labels(shown, xs, flush_ends=True)
    if len(series) > 1:
        lx, ly = (plot.left + plot.w + 14, plot.top + 10) if column else (plot.left, 36)
        parts += _legend(series, lx, ly, column=column, lines=True)
    summary = desc or f"{', '.join(s.name for s in series)} over {labels[0]} to {labels[-1]}."
    return _frame(width, height, title, summary + _partial_desc(labels, partial_last), parts)


def bar_chart(
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    partial_last: bool = False,
    muted: Sequence[int] = (),
    muted_note: str = "",
    value_format: Callable[[float], str] = number,
    width: int = 640,
    height: int = 260,
    empty: str = "No data yet",
) -> SafeString:
    """Bars per group for each series, from zero (negative values go down); ``muted`` groups are faded."""
    values = [v for s in series for v in s.values if v is not None]
    if not groups or not series:
        return _empty(width, height, title, empty)
    plot = _Plot(width, height, values, left=56, right=12, top=44 if len(series) > 1 else 30, bottom=40)
    group_w = plot.w / len(groups)
    bar_w = max(2.0, group_w * 0.8 / len(series))
    shown = _partial_labels(groups, partial_last)
    faded = set(muted) | ({len(groups) - 1} if partial_last else set())
    parts = plot.y_axis(value_format)
    if len(series) > 1:
        parts += _legend(series, plot.left, 36, column=False, lines=False)
    centres = []
    for g in range(len(groups)):
        x0 = plot.left + g * group_w + group_w * 0.1
        centres.append(x0 + group_w * 0.4)
        opacity = ' fill-opacity="0.35"' if g in faded else ""
        for s_index, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else None
            if value is None:
                continue
            colour = s.negative_colour if value < 0 and s.negative_colour else _colour(s, s_index)
            y_top, y_zero = plot.y(max(value, 0)), plot.y(0)
            h = abs(plot.y(value) - y_zero)
            parts.append(
                f'<rect x="{x0 + s_index * bar_w:.1f}" y="{y_top:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{max(h, 0.5):.1f}" fill="{colour}"{opacity}><title>{escape(shown[g])} · '
                f"{escape(s.name)}: {escape(value_format(value))}</title></rect>"
            )
    parts += plot.x_labels(shown, centres, max_labels=12)
    note = f" {muted_note}" if muted and muted_note else ""
    summary = desc or f"{', '.join(s.name for s in series)} for {groups[0]} to {groups[-1]}."
    return _frame(width, height, title, summary + note + _partial_desc(groups, partial_last), parts)


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval, e.g. a lift and its 95% confidence interval."""

    label: str
    value: float
    low: float
    high: float


def interval_chart(
    rows: Sequence[Interval],
    *,
    title: str,
    desc: str = "",
    caption: str = "",
    value_format: Callable[[float], str] = number,
    width: int = 520,
) -> SafeString:
    """Horizontal bars from zero with the interval as a whisker; green above zero, red below, grey if it spans."""
    if not rows:
        return _empty(width, 80, title, "No estimates yet")
    span = max(1e-9, *(max(abs(r.low), abs(r.high), abs(r.value)) for r in rows))
    label_w, bar_h, pad, top = 130, 18, 6, 28
    plot_w = width - label_w - 70
    mid = label_w + plot_w / 2
    height = top + len(rows) * (bar_h + pad) + 24

    def x(v: float) -> float:
        return mid + v / span * plot_w / 2

    parts = []
    for i, r in enumerate(rows):
        y = top + i * (bar_h + pad)
        x0, x1 = sorted((mid, x(r.value)))
        colour = "#2a9d4b" if r.low > 0 else "#c0392b" if r.high < 0 else "#999"
        parts.append(
            f'<text x="8" y="{y + 13}" fill="{TEXT}">{escape(r.label)}</text><rect x="{x0:.1f}" y="{y}" '
            f'width="{max(1.0, x1 - x0):.1f}" height="{bar_h}" fill="{colour}"><title>{escape(r.label)}: '
            f"{escape(value_format(r.value))} ({escape(value_format(r.low))} to {escape(value_format(r.high))})</title>"
            f'</rect><line x1="{x(r.low):.1f}" x2="{x(r.high):.1f}" y1="{y + bar_h / 2}" y2="{y + bar_h / 2}" '
            f'stroke="#222"/><text x="{width - 62}" y="{y + 13}" fill="{TEXT}">{escape(value_format(r.value))}</text>'
        )
    parts.append(
        f'<line x1="{mid}" x2="{mid}" y1="{top - 4}" y2="{height - 20}" stroke="#555" stroke-dasharray="3"/>'
    )
    if caption:
        parts.append(f'<text x="{label_w}" y="{height - 6}" fill="{QUIET}">{escape(caption)}</text>')
    return _frame(width, height, title, desc or caption or title, parts)


def xy_chart(
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    reference: str | None = None,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    width: int = 300,
    height: int = 220,
) -> SafeString:
    """Lines through (x, y) points on numeric axes. ``reference``: "diagonal" (y = x over the ranges, e.g.
    perfect calibration) or "chord" (first to last point of the first series, e.g. a Qini curve's random line)."""
    points = [p for s in series for p in s.values]
    if len(points) < 2:
        return _empty(width, height, title, "Not enough points yet")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    (x_lo, x_hi) = x_range or (min(xs), max(xs))
    (y_lo, y_hi) = y_range or (min([0.0, *ys]), max([0.0, *ys]))
    x_hi, y_hi = (x_hi if x_hi > x_lo else x_lo + 1), (y_hi if y_hi > y_lo else y_lo + 1)
    left, top, right, bottom = 8, 26, 8, 8 + (16 if len(series) > 1 else 0)

    def sx(v: float) -> float:
        return left + (v - x_lo) / (x_hi - x_lo) * (width - left - right)

    def sy(v: float) -> float:
        return height - bottom - (v - y_lo) / (y_hi - y_lo) * (height - top - bottom)

    parts = [
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" fill="none" '
        f'stroke="{GRID}"/>'
    ]
    if reference == "diagonal":
        lo, hi = max(x_lo, y_lo), min(x_hi, y_hi)
        parts.append(
            f'<line x1="{sx(lo):.1f}" y1="{sy(lo):.1f}" x2="{sx(hi):.1f}" y2="{sy(hi):.1f}" stroke="{AXIS}" '
            'stroke-dasharray="3"/>'
        )
    elif reference == "chord" and len(series[0].values) > 1:
        (ax, ay), (bx, by) = series[0].values[0], series[0].values[-1]
        parts.append(
            f'<line x1="{sx(ax):.1f}" y1="{sy(ay):.1f}" x2="{sx(bx):.1f}" y2="{sy(by):.1f}" stroke="{AXIS}" '
            'stroke-dasharray="3"/>'
        )
    for i, s in enumerate(series):
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.values)
        dash = ' stroke-dasharray="5,3"' if s.dashed else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{_colour(s, i)}" stroke-width="2"{dash}>'
            f"<title>{escape(s.name)}</title></polyline>"
        )
    if len(series) > 1:
        parts += _legend(series, left, height - 4, column=False, lines=True)
    return _frame(width, height, title, desc or ", ".join(s.name for s in series), parts)
