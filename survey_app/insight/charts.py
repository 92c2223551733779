"""Trend charts as SVG, drawn by matplotlib. Plain Python, no Flask.

Each chart is a picture of a table printed beside it on the page: the table is what screen readers
and the board read, so the chart carries no information of its own (no colour-only meaning; the
estimate is a line with markers, the interval a shaded band, baseline and target are labelled
dashed lines). Text stays text in the SVG so the browser's fonts draw every script.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: draw to files only

import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter

TEAL = "#106165"
INK = "#0b0c0c"
GREY = "#505a5f"


@dataclass(frozen=True)
class Point:
    label: str
    estimate: float | None  # None: suppressed or no responses (a gap in the line)
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class Line:
    value: float
    label: str


def trend_svg(
    points: Sequence[Point],
    *,
    y_label: str,
    lines: Sequence[Line] = (),
    width: float = 7.0,
    height: float = 3.2,
) -> str:
    """A line with markers for the estimates and a band for the intervals, as an SVG document."""
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 11, "font.family": "sans-serif"})
    fig, ax = plt.subplots(figsize=(width, height), dpi=96)
    try:
        xs = list(range(len(points)))
        est = [p.estimate if p.estimate is not None else float("nan") for p in points]
        low = [p.ci_low if p.estimate is not None and p.ci_low is not None else float("nan") for p in points]
        high = [
            p.ci_high if p.estimate is not None and p.ci_high is not None else float("nan") for p in points
        ]
        ax.fill_between(xs, low, high, color=TEAL, alpha=0.18, linewidth=0)
        ax.plot(xs, est, color=TEAL, marker="o", linewidth=2)
        for line in lines:
            ax.axhline(line.value, color=GREY, linestyle="--", linewidth=1)
            ax.annotate(
                line.label,
                xy=(1, line.value),
                xycoords=("axes fraction", "data"),
                xytext=(-4, 3),
                textcoords="offset points",
                ha="right",
                va="bottom",
                color=INK,
                fontsize=10,
            )
        ax.set_xticks(xs, [p.label for p in points])
        ax.tick_params(axis="x", labelrotation=0 if len(points) <= 6 else 45)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel(y_label, color=INK)
        ax.grid(axis="y", color="#b1b4b6", linewidth=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        return out.getvalue()
    finally:
        plt.close(fig)
