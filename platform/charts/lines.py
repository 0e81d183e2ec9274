"""Line charts: labelled x positions (days, model versions) with several series, and numeric x-y curves."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString

from .frame import (
    AXIS,
    GRID,
    Plot,
    Series,
    colour_of,
    empty_chart,
    frame,
    legend,
    legend_width,
    number,
    partial_desc,
    partial_labels,
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
        return empty_chart(width, height, title, empty)
    column = len(series) > 1 and legend_width(series) > width - 100
    right = 16 + (max(36 + 6.5 * len(s.name) for s in series) if column else 0)
    top = 44 if len(series) > 1 and not column else 30
    plot = Plot(width, height, values, left=56, right=int(right), top=top, bottom=36)
    n = len(labels)
    xs = [plot.left + (i * plot.w / (n - 1) if n > 1 else plot.w / 2) for i in range(n)]
    names = list(point_names or labels)
    shown = partial_labels(labels, partial_last)
    parts = plot.y_axis(value_format)
    if partial_last:
        band = plot.w / max(n - 1, 1) / 2
        parts.append(
            f'<rect x="{xs[-1] - band:.1f}" y="{plot.top}" width="{band:.1f}" height="{plot.h}" fill="#f3f3f3"'
            f' class="partial"><title>{escape(shown[-1])}</title></rect>'
        )
    for i, s in enumerate(series):
        colour, dash = colour_of(s, i), ' stroke-dasharray="5,3"' if s.dashed else ""
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
        parts += legend(series, lx, ly, column=column, lines=True)
    summary = desc or f"{', '.join(s.name for s in series)} over {labels[0]} to {labels[-1]}."
    return frame(width, height, title, summary + partial_desc(labels, partial_last), parts)


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
        return empty_chart(width, height, title, "Not enough points yet")
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
            f'<polyline points="{path}" fill="none" stroke="{colour_of(s, i)}" stroke-width="2"{dash}>'
            f"<title>{escape(s.name)}</title></polyline>"
        )
    if len(series) > 1:
        parts += legend(series, left, height - 4, column=False, lines=True)
    return frame(width, height, title, desc or ", ".join(s.name for s in series), parts)
