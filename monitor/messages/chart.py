"""The digest's chart: mentions per watchlist entry per day, as a PNG readable on a phone.

Drawn with matplotlib's Agg canvas directly (no pyplot, no display, no global
backend switch), 1200x700 px, DejaVu Sans (shipped with matplotlib, so Turkish
letters render the same everywhere), and saved without the PNG "Software"
metadata, so the same digest always gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from monitor.messages.digest import Digest, long_date, short_date

WIDTH_PX, HEIGHT_PX, DPI = 1200, 700, 100
# Okabe-Ito colours (tell-apart for colour-blind readers) with a marker each
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
          "#999999")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 16,
    "axes.titlesize": 20,
    "axes.labelsize": 16,
    "xtick.labelsize": 14,
    "ytick.labelsize": 14,
    "legend.fontsize": 15,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": False,
    "svg.hashsalt": "monitor",
}


def render_chart(digest: Digest) -> bytes:
    """PNG bytes, WIDTH_PX x HEIGHT_PX, of the digest's series over its days."""
    t = digest.texts
    labels = [short_date(day, digest.lang) for day in digest.days]
    x = list(range(len(digest.days)))
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        days_text = t["chart_title"].format(days=len(digest.days))
        ax.set_title(f"{days_text} ({short_date(digest.days[0], digest.lang)} – "
                     f"{long_date(digest.day, digest.lang)})", loc="left")
        ax.axvspan(len(x) - 1.5, len(x) - 0.5, color="#FFF3C4", zorder=0)  # the digest's day
        peak = 0
        for i, series in enumerate(digest.series):
            peak = max(peak, *series.counts)
            ax.plot(x, series.counts, label=series.name, color=COLORS[i % len(COLORS)],
                    marker=MARKERS[i % len(MARKERS)], linewidth=2.5, markersize=7)
        if not digest.series or peak == 0:
            ax.text(0.5, 0.5, t["chart_empty"].format(days=len(digest.days)),
                    transform=ax.transAxes, ha="center", va="center", color="#555555")
        ax.set_xticks(x, labels)
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_ylim(0, max(peak, 1) * 1.15)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(t["chart_y"])
        ax.grid(axis="y", color="#DDDDDD")
        if digest.series:
            fig.legend(loc="outside lower center", ncols=min(len(digest.series), 4),
                       frameon=False)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
