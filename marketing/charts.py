"""Small inline SVG charts for the marketing admin (no JavaScript, no chart library)."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def lift_chart(rows: list[dict], width: int = 520) -> SafeString:
    """Horizontal bars of the lift in percentage points with its 95% interval as a whisker."""
    if not rows:
        return mark_safe("")
    span = max(0.01, *(max(abs(r["lift_low"]), abs(r["lift_high"])) for r in rows))
    label_w, bar_h, pad = 130, 18, 6
    plot_w = width - label_w - 60
    mid = label_w + plot_w / 2
    height = len(rows) * (bar_h + pad) + 24

    def x(v: float) -> float:
        return mid + v / span * plot_w / 2

    parts = []
    for i, r in enumerate(rows):
        y = 4 + i * (bar_h + pad)
        x0, x1 = sorted((mid, x(r["lift"])))
        colour = "#2a9d4b" if r["lift_low"] > 0 else "#c0392b" if r["lift_high"] < 0 else "#999"
        parts.append(format_html(
            '<text x="0" y="{}" font-size="12">{}</text><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#222"/><text x="{}" y="{}" font-size="11">{} pp</text>',
            y + 13, r["label"], f"{x0:.1f}", y, f"{max(1, x1 - x0):.1f}", bar_h, colour,
            f"{x(r['lift_low']):.1f}", f"{x(r['lift_high']):.1f}", y + bar_h / 2, y + bar_h / 2,
            width - 55, y + 13, f"{100 * r['lift']:+.2f}",
        ))
    axis = format_html('<line x1="{}" x2="{}" y1="0" y2="{}" stroke="#555" stroke-dasharray="3"/>', mid, mid, height - 20)
    return format_html(
        '<svg width="{}" height="{}" role="img" aria-label="Lift over holdout with 95% intervals">{}{}'
        '<text x="{}" y="{}" font-size="11">lift in conversion rate vs holdout, 95% Newcombe interval (±{} pp)</text></svg>',
        width, height, mark_safe("".join(parts)), axis, label_w, height - 6, f"{100 * span:.1f}",
    )


def results_html(results: dict) -> SafeString:
    treated, holdout = results["treated"], results["holdout"]
    head = mark_safe(
        "<table><tr><th></th><th>assigned</th><th>sent</th><th>opened</th><th>clicked</th><th>returned to watch</th>"
        "<th>rate</th><th>lift vs holdout (95% CI)</th></tr>"
    )
    line = '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>'

    def lift(r):
        return f"{100 * r['lift']:+.2f} pp ({100 * r['lift_low']:+.2f} to {100 * r['lift_high']:+.2f})"

    body = format_html(line, "holdout", holdout["n"], "-", "-", "-", holdout["conversions"], _pct(holdout["rate"]), "")
    body += format_html(line, "all treated", treated["n"], treated["sends"], treated["opens"], treated["clicks"],
                        treated["conversions"], _pct(treated["rate"]), lift(treated))
    body += format_html_join("", line, (
        (f"offer {o['offer']}", o["n"], o["sends"], o["opens"], o["clicks"], o["conversions"], _pct(o["rate"]), lift(o))
        for o in results["offers"]
    ))
    rows = [{"label": "all treated", **treated}] + [{"label": o["offer"], **o} for o in results["offers"]]
    return format_html("{}{}</table>{}", head, body, lift_chart(rows))


def curve(points: list[tuple[float, float]], *, width: int = 260, height: int = 160, label: str = "") -> SafeString:
    """A line chart of (x, y) points scaled to the box, with the diagonal from the first to the last point."""
    if len(points) < 2:
        return mark_safe("")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    lo, hi = min(ys + [0.0]), max(ys + [0.0])
    hi = hi if hi > lo else lo + 1

    def sx(v: float) -> float:
        return 4 + (v - xs[0]) / ((xs[-1] - xs[0]) or 1) * (width - 8)

    def sy(v: float) -> float:
        return height - 16 - (v - lo) / (hi - lo) * (height - 24)

    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    return format_html(
        '<svg width="{}" height="{}"><polyline points="{}" fill="none" stroke="#e50914" stroke-width="2"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999" stroke-dasharray="3"/>'
        '<text x="4" y="{}" font-size="11">{}</text></svg>',
        width, height, path, f"{sx(xs[0]):.1f}", f"{sy(ys[0]):.1f}", f"{sx(xs[-1]):.1f}", f"{sy(ys[-1]):.1f}",
        height - 2, label,
    )


def bars(values: list[float], *, width: int = 260, height: int = 120, label: str = "") -> SafeString:
    if not values:
        return mark_safe("")
    top = max(abs(v) for v in values) or 1
    w = (width - 8) / len(values)
    mid = (height - 16) / 2
    rects = "".join(
        format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', f"{4 + i * w:.1f}",
                    f"{mid - max(v, 0) / top * mid:.1f}", f"{w - 2:.1f}", f"{abs(v) / top * mid:.1f}",
                    "#2a9d4b" if v >= 0 else "#c0392b")
        for i, v in enumerate(values)
    )
    return format_html('<svg width="{}" height="{}">{}<text x="4" y="{}" font-size="11">{}</text></svg>',
                       width, height, mark_safe(rects), height - 2, label)


def offer_model_html(metrics: dict) -> SafeString:
    """Per offer: uplift by predicted decile and the Qini curve; then the policy's value against baselines."""
    blocks = []
    for offer, m in (metrics.get("offers") or {}).items():
        blocks.append(format_html(
            "<div style='display:inline-block;margin:0 1em 1em 0'><strong>{}</strong> Qini {}<br>{}{}</div>",
            offer, f"{m.get('qini', 0):.4f}",
            bars(m.get("decile_uplift", []), label="observed uplift by predicted decile (best first)"),
            curve([tuple(p) for p in m.get("qini_curve", [])], label="Qini curve"),
        ))
    value = metrics.get("policy_value") or {}
    table = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", ((k, f"{v:.4f}") for k, v in value.items()))
    return format_html("{}<table><tr><th>policy</th><th>estimated response rate</th></tr>{}</table>",
                       mark_safe("".join(blocks)), table)


MODELS = [("gradient_boosting", "gradient boosting"), ("logistic_regression", "logistic regression"),
          ("days_since_last_view", "days since last view")]


def churn_html(metrics: dict) -> SafeString:
    """ROC AUC, PR AUC and Brier per model, and a reliability chart (predicted against observed churn)."""
    if "error" in metrics or "train_snapshots" not in metrics:
        return format_html("{}", metrics.get("error", "No evaluation yet."))

    def num(v):
        return "-" if v is None else f"{v:.3f}"

    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
        (label, num(metrics[key]["roc_auc"]), num(metrics[key]["pr_auc"]), num(metrics[key]["brier"]))
        for key, label in MODELS if key in metrics
    ))
    size, colours = 220, ["#e50914", "#1f6feb", "#999"]
    lines = []
    for (key, _label), colour in zip(MODELS, colours, strict=True):
        pts = " ".join(f"{10 + r['predicted'] * size:.1f},{10 + (1 - r['observed']) * size:.1f}"
                       for r in metrics.get(key, {}).get("reliability", []))
        lines.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', pts, colour))
    legend = format_html_join(" ", '<span style="color:{}">■ {}</span>', ((c, m[1]) for m, c in zip(MODELS, colours, strict=True)))
    chart = format_html(
        '<svg width="{}" height="{}"><rect x="10" y="10" width="{}" height="{}" fill="none" stroke="#ccc"/>'
        '<line x1="10" y1="{}" x2="{}" y2="10" stroke="#ccc" stroke-dasharray="3"/>{}</svg>',
        size + 20, size + 20, size, size, size + 10, size + 10, mark_safe("".join(lines)),
    )
    return format_html(
        "<p>Train on {} ({} rows, churn {}), test on {} ({} rows, churn {}).</p>"
        "<table><tr><th>model</th><th>ROC AUC</th><th>PR AUC</th><th>Brier</th></tr>{}</table>"
        "<p>Reliability (x predicted, y observed churn; the diagonal is perfect calibration)</p>{}<br>{}",
        ", ".join(metrics["train_snapshots"]), metrics["train_rows"], f"{metrics['train_churn_rate']:.1%}",
        metrics["test_snapshot"], metrics["test_rows"], f"{metrics['test_churn_rate']:.1%}", rows, chart, legend,
    )
