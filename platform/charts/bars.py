"""Bar charts: grouped vertical bars (signed, faded groups, a partial last group) and interval whiskers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString

from .frame import (
    QUIET,
    TEXT,
    Plot,
    Series,
    colour_of,
    empty_chart,
    frame,
    legend,
    number,
    partial_desc,
    partial_labels,
)


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
        return empty_chart(width, height, title, empty)
    plot = Plot(width, height, values, left=56, right=12, top=44 if len(series) > 1 else 30, bottom=40)
    group_w = plot.w / len(groups)
    bar_w = max(2.0, group_w * 0.8 / len(series))
    shown = partial_labels(groups, partial_last)
    faded = set(muted) | ({len(groups) - 1} if partial_last else set())
    parts = plot.y_axis(value_format)
    if len(series) > 1:
        parts += legend(series, plot.left, 36, column=False, lines=False)
    centres = []
    for g in range(len(groups)):
        x0 = plot.left + g * group_w + group_w * 0.1
        centres.append(x0 + group_w * 0.4)
        opacity = ' fill-opacity="0.35"' if g in faded else ""
        for s_index, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else None
            if value is None:
                continue
            colour = s.negative_colour if value < 0 and s.negative_colour else colour_of(s, s_index)
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
    return frame(width, height, title, summary + note + partial_desc(groups, partial_last), parts)


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
        return empty_chart(width, 80, title, "No estimates yet")
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
    return frame(width, height, title, desc or caption or title, parts)
