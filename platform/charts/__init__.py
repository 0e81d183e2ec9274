"""The one charting module: server-rendered, accessible SVG charts for every staff screen.

Core plumbing with no models, importable by the core, the features and the storefront alike. Every chart
is a self-contained ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (read by screen readers),
escaped labels, presentation attributes instead of CSS (so it looks the same in any admin page and under
the Content-Security-Policy) and no JavaScript.
"""

from .bars import Interval, bar_chart, interval_chart
from .frame import COLOURS, Series
from .lines import line_chart, xy_chart

__all__ = ["COLOURS", "Interval", "Series", "bar_chart", "interval_chart", "line_chart", "xy_chart"]
