"""Server-rendered SVG charts for the staff dashboard (no chart library, no CDN)."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SERIES_COLOURS = ["#e50914", "#4e79a7", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948"]


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def line_chart(points: list[tuple[str, float]], *, title: str, width: int = 640, height: int = 220) -> SafeString:
    """One series over labelled x positions (e.g. views per day), with a min/max axis."""
    left, right, top, bottom = 48, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max((v for _, v in points), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" class="chart">',
        f'<title>{escape(title)}</title><text x="{left}" y="18" class="chart-title">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{_fmt(top_value)}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="tick">0</text>',
    ]
    if points:
        step = plot_w / max(1, len(points) - 1)
        coords = [(left + i * step, top + plot_h - plot_h * v / top_value) for i, (_, v) in enumerate(points)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{SERIES_COLOURS[0]}" stroke-width="2"/>')
        for (x, y), (label, value) in zip(coords, points, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{SERIES_COLOURS[0]}"><title>{escape(label)}: {_fmt(value)}</title></circle>')
        anchors = {0: "start", len(points) // 2: "middle", len(points) - 1: "end"}
        for i, anchor in sorted(anchors.items()):
            parts.append(f'<text x="{coords[i][0]:.1f}" y="{height - 12}" text-anchor="{anchor}" class="tick">{escape(points[i][0])}</text>')
    else:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="tick">No data yet</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  every label above is escaped


def grouped_bar_chart(
    groups: list[str], series: dict[str, list[float | None]], *, title: str, width: int = 640, height: int = 260
) -> SafeString:
    """Bars per group (e.g. model version) for each series (e.g. hybrid vs baselines), with a legend."""
    left, right, top, bottom = 48, 12, 44, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = max(values, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" class="chart">',
        f'<title>{escape(title)}</title><text x="{left}" y="18" class="chart-title">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{_fmt(top_value)}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" class="tick">0</text>',
    ]
    legend_x = left
    for i, name in enumerate(series):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{legend_x}" y="26" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="35" class="tick">{escape(name)}</text>')
        legend_x += 14 + 8 * len(name) + 16
    if groups and series:
        group_w = plot_w / len(groups)
        bar_w = max(2.0, (group_w * 0.8) / len(series))
        for g, group in enumerate(groups):
            x0 = left + g * group_w + group_w * 0.1
            for s, (name, vs) in enumerate(series.items()):
                value = vs[g]
                if value is None:
                    continue
                h = plot_h * value / top_value
                colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
                parts.append(
                    f'<rect x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(group)} · {escape(name)}: {_fmt(value)}</title></rect>"
                )
            parts.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{height - 14}" text-anchor="middle" class="tick">{escape(group)}</text>')
    else:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="tick">No model versions yet</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  every label above is escaped
