"""Server-rendered SVG line chart of each model version's metrics against the baselines (no JS needed)."""

from __future__ import annotations

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .baselines import BASELINE_LABELS, best_baseline

_COLOURS = {"item_knn": "#1f77b4", "popularity": "#7f7f7f", "lightfm_default": "#2ca02c", "user_knn": "#9467bd",
            "ease": "#ff7f0e"}
SERIES = [("hybrid", "Hybrid (this model)", "#e50914")] + [
    (name, label, _COLOURS.get(name, "#8c564b")) for name, label in BASELINE_LABELS.items()
]
BEST = "best_baseline"  # per version, the strongest baseline on that version's split: the bar to beat


def _with_best(history: list[dict], metric: str) -> list[dict]:
    """Each version's metrics plus a "best_baseline" series: the highest-scoring baseline on its split."""
    out = []
    for h in history:
        metrics = dict(h.get("metrics") or {})
        best = best_baseline(metrics, metric)
        if best:
            metrics[BEST] = {metric: metrics[best][metric], "name": best}
        out.append({**h, "metrics": metrics})
    return out


def metrics_chart_svg(history: list[dict], metric: str = "ndcg@10", width: int = 720, height: int = 260) -> SafeString:
    """One line per model over versions (oldest left); versions without the metric leave a gap."""
    history = _with_best(history, metric)
    points = [h for h in history if (h.get("metrics") or {}).get("hybrid", {}).get(metric) is not None]
    if not points:
        return format_html('<p class="help">{}</p>', "No evaluated model versions yet: the chart appears after a training.")
    left, right, top, bottom = 56, 170, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [
        h["metrics"][name][metric]
        for h in points
        for name, _, _ in SERIES
        if metric in (h["metrics"].get(name) or {})
    ]
    high = max(values) * 1.1 or 1.0
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(points) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - (v / high) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(metric)} per model version" style="font:11px sans-serif;background:#fff">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        v = high * frac
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{v:.3f}</text>')
        parts.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + plot_w}" y2="{y(v):.1f}" stroke="#eee"/>')
    for i, h in enumerate(points):
        label = f"v{h['version']}" + (" ★" if h.get("is_active") else "")
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#333">{escape(label)}</text>')
    series = SERIES + [(BEST, "Best baseline (the bar)", "#000000")]
    for row, (name, label, colour) in enumerate(series):
        coords = [
            (x(i), y(h["metrics"][name][metric]), h["metrics"][name][metric], h["version"])
            for i, h in enumerate(points)
            if metric in (h["metrics"].get(name) or {})
        ]
        if coords:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy, _, _ in coords)
            dash = "" if name in ("hybrid", BEST) else ' stroke-dasharray="5,3"'
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for cx, cy, value, version in coords:
                parts.append(
                    f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"><title>{escape(label)} v{version}: '
                    f"{value:.4f}</title></circle>"
                )
        ly = top + 14 + row * 18
        parts.append(f'<line x1="{left + plot_w + 14}" y1="{ly - 4}" x2="{left + plot_w + 34}" y2="{ly - 4}" '
                     f'stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{left + plot_w + 40}" y="{ly}" fill="#333">{escape(label)}</text>')
    parts.append(f'<text x="{left}" y="{top - 8}" fill="#333" font-weight="bold">{escape(metric)} '
                 "on the held-out time split, per model version</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated label above is escaped
