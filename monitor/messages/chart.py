"""The digest's chart: stories per watchlist entry per day, as a PNG readable on a phone.

One small panel of bars per entry (busiest first, one shared count axis), so
equal counts never hide each other as lines would; the digest's day is the
last bar of each panel, drawn solid and labelled with its count.

Drawn with matplotlib's Agg canvas directly (no pyplot, no display, no global
backend switch), 1200x700 px, DejaVu Sans (shipped with matplotlib, so Turkish
letters render the same everywhere), and saved without the PNG "Software"
metadata, so the same digest always gives the same bytes.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from monitor.messages.digest import Digest, Series, long_date, short_date

WIDTH_PX, HEIGHT_PX, DPI = 1200, 700, 100
# Okabe-Ito colours (tell-apart for colour-blind readers)
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
          "#999999")
PAST_ALPHA = 0.45  # the days before the digest's day are paler than the day itself
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 14,
    "axes.titlesize": 16,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "figure.titlesize": 20,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": False,
    "svg.hashsalt": "monitor",
}


def build_figure(digest: Digest) -> Figure:
    """The chart as a matplotlib figure: one panel per series, or one note when empty."""
    t = digest.texts
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    days_text = t["chart_title"].format(days=len(digest.days))
    fig.suptitle(f"{days_text} ({short_date(digest.days[0], digest.lang)} – "
                 f"{long_date(digest.day, digest.lang)})", x=0.01, ha="left")
    shown = [s for s in digest.series if any(s.counts)]
    if not shown:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, t["chart_empty"].format(days=len(digest.days)),
                transform=ax.transAxes, ha="center", va="center", color="#555555")
        return fig
    cols = 1 if len(shown) <= 3 else 2
    rows = math.ceil(len(shown) / cols)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).flatten()
    peak = max(max(s.counts) for s in shown)
    for i, ax in enumerate(axes):
        if i < len(shown):
            _panel(ax, shown[i], COLORS[i % len(COLORS)], digest, peak)
        else:
            ax.set_axis_off()
    return fig


def _panel(ax: Axes, series: Series, color: str, digest: Digest, peak: int) -> None:
    """One entry's bars; the last day solid with its count above it."""
    x = list(range(len(series.counts)))
    last = len(x) - 1
    colors = [color] * len(x)
    bars = ax.bar(x, series.counts, color=colors, width=0.75)
    for bar in list(bars)[:last]:
        bar.set_alpha(PAST_ALPHA)
    ax.text(last, series.counts[last] + peak * 0.04, str(series.counts[last]),
            ha="center", va="bottom", fontweight="bold", color=color)
    ax.set_title(series.name, loc="left", color=color, fontweight="bold")
    ax.set_ylim(0, max(peak, 1) * 1.35)
    ax.set_xlim(-0.6, last + 0.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=3))
    ax.grid(axis="y", color="#E5E5E5")
    ax.set_axisbelow(True)
    # every other day is named, counting back from the digest's day, which always is
    labels = [short_date(day, digest.lang) if (last - i) % 2 == 0 else ""
              for i, day in enumerate(digest.days)]
    ax.set_xticks(x, labels)


def render_chart(digest: Digest) -> bytes:
    """PNG bytes, WIDTH_PX x HEIGHT_PX, of the digest's series over its days."""
    with matplotlib.rc_context(STYLE):
        fig = build_figure(digest)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
