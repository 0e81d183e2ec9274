"""The marketing admin's result tables and their charts (drawn by the core `charts` module)."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from charts import Interval, Series, bar_chart, interval_chart, xy_chart


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def results_html(results: dict) -> SafeString:
    treated, holdout = results["treated"], results["holdout"]
    head = mark_safe(
        "<table><tr><th></th><th>assigned</th><th>sent</th><th>opened</th><th>clicked</th><th>returned to watch</th>"
        "<th>rate</th><th>lift vs holdout (95% CI)</th></tr>"
    )
    line = "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"

    def lift(r):
        return f"{100 * r['lift']:+.2f} pp ({100 * r['lift_low']:+.2f} to {100 * r['lift_high']:+.2f})"

    body = format_html(
        line, "holdout", holdout["n"], "-", "-", "-", holdout["conversions"], _pct(holdout["rate"]), ""
    )
    body += format_html(
        line,
        "all treated",
        treated["n"],
        treated["sends"],
        treated["opens"],
        treated["clicks"],
        treated["conversions"],
        _pct(treated["rate"]),
        lift(treated),
    )
    body += format_html_join(
        "",
        line,
        (
            (
                f"offer {o['offer']}",
                o["n"],
                o["sends"],
                o["opens"],
                o["clicks"],
                o["conversions"],
                _pct(o["rate"]),
                lift(o),
            )
            for o in results["offers"]
        ),
    )
    rows = [Interval("all treated", treated["lift"], treated["lift_low"], treated["lift_high"])] + [
        Interval(o["offer"], o["lift"], o["lift_low"], o["lift_high"]) for o in results["offers"]
    ]
    chart = interval_chart(
        rows,
        title="Lift over holdout",
        value_format=lambda v: f"{100 * v:+.2f} pp",
        caption="lift in conversion rate vs holdout, 95% Newcombe interval",
    )
    return format_html("{}{}</table>{}", head, body, chart)


def _decile_bars(uplift: list[float]) -> SafeString:
    deciles = [str(i + 1) for i in range(len(uplift))]
    series = [Series("uplift", uplift, "#2a9d4b", negative_colour="#c0392b")]
    return bar_chart(
        deciles,
        series,
        title="Observed uplift by predicted decile (best first)",
        width=300,
        height=160,
        empty="No deciles yet",
    )


def offer_model_html(metrics: dict) -> SafeString:
    """Per offer: uplift by predicted decile and the Qini curve; then the policy's value against baselines."""
    blocks = []
    for offer, m in (metrics.get("offers") or {}).items():
        blocks.append(
            format_html(
                "<div style='display:inline-block;margin:0 1em 1em 0'><strong>{}</strong> Qini {}<br>{}{}</div>",
                offer,
                f"{m.get('qini', 0):.4f}",
                _decile_bars(m.get("decile_uplift", [])),
                xy_chart(
                    [Series("Qini curve", [tuple(p) for p in m.get("qini_curve", [])])],
                    title="Qini curve",
                    reference="chord",
                    desc="Cumulative incremental responders against people targeted, best "
                    "first; the dashed chord is random targeting.",
                ),
            )
        )
    value = metrics.get("policy_value") or {}
    table = format_html_join(
        "", "<tr><td>{}</td><td>{}</td></tr>", ((k, f"{v:.4f}") for k, v in value.items())
    )
    return format_html(
        "{}<table><tr><th>policy</th><th>estimated response rate</th></tr>{}</table>",
        mark_safe("".join(blocks)),
        table,
    )


MODELS = [
    ("gradient_boosting", "gradient boosting"),
    ("logistic_regression", "logistic regression"),
    ("days_since_last_view", "days since last view"),
]


def churn_html(metrics: dict) -> SafeString:
    """ROC AUC, PR AUC and Brier per model, and a reliability chart (predicted against observed churn)."""
    if "error" in metrics or "train_snapshots" not in metrics:
        return format_html("{}", metrics.get("error", "No evaluation yet."))

    def num(v):
        return "-" if v is None else f"{v:.3f}"

    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (label, num(metrics[key]["roc_auc"]), num(metrics[key]["pr_auc"]), num(metrics[key]["brier"]))
            for key, label in MODELS
            if key in metrics
        ),
    )
    colours = ["#e50914", "#1f6feb", "#999"]
    lines = [
        Series(
            label,
            [(r["predicted"], r["observed"]) for r in metrics.get(key, {}).get("reliability", [])],
            colour,
        )
        for (key, label), colour in zip(MODELS, colours, strict=True)
        if metrics.get(key, {}).get("reliability")
    ]
    chart = xy_chart(
        lines,
        title="Reliability",
        reference="diagonal",
        x_range=(0, 1),
        y_range=(0, 1),
        width=320,
        height=300,
        desc="Predicted (x) against observed (y) churn per bin; the dashed diagonal is perfect calibration.",
    )
    return format_html(
        "<p>Train on {} ({} rows, churn {}), test on {} ({} rows, churn {}).</p>"
        "<table><tr><th>model</th><th>ROC AUC</th><th>PR AUC</th><th>Brier</th></tr>{}</table>"
        "<p>Reliability (x predicted, y observed churn; the diagonal is perfect calibration)</p>{}",
        ", ".join(metrics["train_snapshots"]),
        metrics["train_rows"],
        f"{metrics['train_churn_rate']:.1%}",
        metrics["test_snapshot"],
        metrics["test_rows"],
        f"{metrics['test_churn_rate']:.1%}",
        rows,
        chart,
    )
