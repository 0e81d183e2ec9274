"""The core charting module: escaped labels, accessible titles, gaps, partial periods, signed and faded bars."""

import re

from charts import Interval, Series, bar_chart, interval_chart, line_chart, xy_chart


def test_line_chart_escapes_labels_and_names_itself_for_screen_readers():
    svg = line_chart(
        ["<b>", "Mon"], [Series("views", [1.0, 3.0])], title="Views & more", desc="Views <per> day."
    )

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "&lt;b&gt;" in svg and "Views &amp; more" in svg and "<b>" not in svg and "&lt;per&gt;" in svg
    title_id, desc_id = re.search(r'aria-labelledby="([^ "]+) ([^"]+)"', svg).groups()
    assert f'<title id="{title_id}">Views &amp; more</title>' in svg and f'<desc id="{desc_id}">' in svg
    assert svg.count("<circle") == 2 and svg.count("<polyline") == 1


def test_two_charts_on_one_page_have_distinct_ids():
    first, second = (line_chart(["a", "b"], [Series("s", [1, 2])], title="same") for _ in range(2))

    assert re.search(r'aria-labelledby="([^"]+)"', first).group(1) != re.search(
        r'aria-labelledby="([^"]+)"', second
    ).group(1)


def test_a_missing_value_breaks_the_line_and_every_series_gets_a_legend_entry():
    svg = line_chart(
        ["d1", "d2", "d3", "d4"],
        [Series("a", [1, 2, None, 4]), Series("b", [2, 2, 2, 2], dashed=True)],
        title="gaps",
    )

    assert svg.count("<polyline") == 3  # a: two runs either side of the gap; b: one
    assert svg.count("<circle") == 7 and 'stroke-dasharray="5,3"' in svg
    assert ">a</text>" in svg and ">b</text>" in svg


def test_partial_last_period_is_marked_not_drawn_as_a_drop():
    svg = line_chart(
        ["Mon", "Tue", "today"], [Series("views", [10, 12, 3])], title="Views", partial_last=True
    )
    plain = line_chart(["Mon", "Tue", "today"], [Series("views", [10, 12, 3])], title="Views")

    assert "today (partial)" in svg and "today (partial)" not in plain
    assert "is still running: its value is partial" in svg
    # The complete days form the solid line; the partial day hangs off a dotted segment with a hollow point.
    assert (
        svg.count("<polyline") == 1 and re.search(r'<polyline points="[^"]+"', svg).group(0).count(",") == 2
    )
    assert 'stroke-dasharray="2,3"' in svg and 'fill="#fff"' in svg
    assert 'class="partial"' in svg and 'class="partial"' not in plain


def test_point_names_and_value_format_reach_the_tooltips():
    svg = line_chart(
        ["v1 ★"], [Series("Hybrid", [0.25])], point_names=["v1"], value_format=lambda v: f"{v:.4f}", title="t"
    )

    assert "<title>Hybrid v1: 0.2500</title>" in svg and "v1 ★" in svg


def test_bar_chart_draws_a_bar_per_value_with_a_legend_and_fades_muted_groups():
    svg = bar_chart(
        ["v1", "v2"],
        [Series("hybrid", [0.2, 0.3]), Series("popularity", [0.1, None])],
        title="ndcg",
        muted=[0],
        muted_note="Faded versions were rejected.",
    )

    assert svg.count("<rect") == 3 + 2  # three bars plus two legend swatches
    assert svg.count('fill-opacity="0.35"') == 2 and "Faded versions were rejected." in svg
    assert "No model versions yet" in bar_chart([], [], title="empty", empty="No model versions yet")


def test_negative_bars_hang_below_zero_in_their_own_colour():
    svg = bar_chart(
        ["1", "2"], [Series("uplift", [0.2, -0.1], "#0a0", negative_colour="#c00")], title="uplift"
    )
    bars = re.findall(r'<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)" fill="(#[0-9a-f]+)"', svg)

    (y_up, h_up, c_up), (y_down, _h_down, c_down) = bars
    assert (c_up, c_down) == ("#0a0", "#c00")
    assert float(y_down) == float(y_up) + float(h_up)  # the negative bar starts at the zero line


def test_interval_chart_colours_by_whether_the_interval_excludes_zero():
    svg = interval_chart(
        [
            Interval("up", 0.02, 0.01, 0.03),
            Interval("<flat>", 0.0, -0.01, 0.01),
            Interval("down", -0.02, -0.03, -0.01),
        ],
        title="Lift",
        caption="95% interval",
    )

    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]+)"', svg)
    assert fills == ["#2a9d4b", "#999", "#c0392b"] and "&lt;flat&gt;" in svg and "95% interval" in svg


def test_xy_chart_draws_a_reference_line_and_needs_two_points():
    svg = xy_chart(
        [Series("model", [(0.1, 0.2), (0.5, 0.4), (0.9, 0.95)])],
        title="Reliability",
        reference="diagonal",
        x_range=(0, 1),
        y_range=(0, 1),
    )

    assert svg.count("<polyline") == 1 and 'stroke-dasharray="3"' in svg
    assert "Not enough points yet" in xy_chart([Series("one", [(0, 0)])], title="t")
