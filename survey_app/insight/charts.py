"""Trend charts as SVG, drawn by matplotlib. Plain Python, no Flask.

Each chart is a picture of a table printed beside it on the page: the table is what screen readers
and the board read, so the chart carries no information of its own (no colour-only meaning; the
estimate is a line with markers, the interval a shaded band, baseline and target are lines with
different dashes, named in a key below the plot). Text stays text in the SVG so the browser's fonts
draw every script. Labels never overlap each other or the data: tick labels are wrapped or turned
when matplotlib's own measure of them says they would touch.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import matplotlib

matplotlib.use("Agg")  # no display: draw to files only

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

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


# Baseline, target, and any further reference lines: told apart by their dashes, not only colour.
_LINE_STYLES = ((GREY, (0, (2, 2))), (INK, (0, (6, 3))), (GREY, (0, (1, 3))))
# Space (in pixels) left between neighbouring tick labels before they are wrapped or turned.
_LABEL_GAP = 6
# What the values are: proportions (shown as per cent), numbers (counts), averages (a 0 to 10 score,
# to one decimal place), or ranks (1 at the top).
PERCENT, NUMBER, MEAN, RANK = "percent", "number", "mean", "rank"
# The least an axis spans, so that noise is not blown up into a cliff: 10 points, 10 people, 1 unit.
_LEAST_SPAN = {PERCENT: 0.10, NUMBER: 10.0, MEAN: 1.0}


def axis_limits(values: Sequence[float], kind: str = PERCENT, ranks: int = 10) -> tuple[float, float]:
    """Where the value axis starts and ends: around the data and the reference lines, padded, so a
    5-point change looks like one (never the whole 0 to 100%). Proportions stay within 0 and 1 and
    counts above 0, as do averages of numbers that are never negative; ranks run from the last
    (bottom) to 1 (top)."""
    if kind == RANK:
        return ranks + 0.5, 0.5
    finite = [v for v in values if v == v]
    if not finite:
        return (0.0, 1.0) if kind == PERCENT else (0.0, _LEAST_SPAN[NUMBER])
    low, high = min(finite), max(finite)
    floor = float("-inf") if kind == MEAN and low < 0 else 0.0
    span = max(high - low, _LEAST_SPAN[kind])
    centre = (low + high) / 2
    low, high = centre - span / 2, centre + span / 2
    pad = span * 0.12
    low, high = low - pad, high + pad
    ceiling = 1.0 if kind == PERCENT else float("inf")
    if low < floor:
        low, high = floor, min(ceiling, high + (floor - low))
    if high > ceiling:
        low, high = max(floor, low - (high - ceiling)), ceiling
    return low, high


def trend_figure(
    points: Sequence[Point],
    *,
    y_label: str,
    lines: Sequence[Line] = (),
    width: float = 7.0,
    height: float = 3.6,
    kind: str = PERCENT,
) -> Figure:
    """The chart as a matplotlib figure, laid out: the estimates as a line with markers, the intervals
    as a band, and the reference lines named in a key below the plot, where no label can sit on the
    data or on another label. The value axis spans the data (see `axis_limits`)."""
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 11, "font.family": "sans-serif"})
    fig, ax = plt.subplots(figsize=(width, height), dpi=96)
    xs = list(range(len(points)))
    est = [p.estimate if p.estimate is not None else float("nan") for p in points]
    low = [p.ci_low if p.estimate is not None and p.ci_low is not None else float("nan") for p in points]
    high = [p.ci_high if p.estimate is not None and p.ci_high is not None else float("nan") for p in points]
    ax.fill_between(xs, low, high, color=TEAL, alpha=0.18, linewidth=0)
    ax.plot(xs, est, color=TEAL, marker="o", linewidth=2)
    for line, (colour, dashes) in zip(lines, _LINE_STYLES, strict=False):
        ax.axhline(line.value, color=colour, linestyle=dashes, linewidth=1.5, label=line.label)
    ax.set_xticks(xs, [p.label for p in points])
    ax.set_xlim(-0.5, max(len(points) - 0.5, 0.5))
    shown = [v for v in (*est, *low, *high, *(line.value for line in lines)) if v == v]
    ax.set_ylim(*axis_limits(shown, kind))
    if kind == PERCENT:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    elif kind == MEAN:
        _one_decimal(ax.yaxis)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=10 if kind == RANK else 6))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
    ax.set_ylabel(y_label, color=INK)
    ax.grid(axis="y", color="#b1b4b6", linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    key_height = 0.0
    if lines:
        fig.legend(loc="lower center", ncols=len(lines), frameon=False, fontsize=10, handlelength=3)
        key_height = 0.3 / height  # a line of the key, in figure heights
    _fit_tick_labels(fig, ax, (0, key_height, 1, 1))
    return fig


def _one_decimal(axis: Axis) -> None:
    """Ticks at steps of 1, 2 or 5 (times a power of ten), so one decimal place shows them exactly:
    a tick at 15.75 labelled 15.8 would mislead."""
    axis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.1f}"))


def _fit_tick_labels(fig: Figure, ax: Axes, rect: tuple[float, float, float, float]) -> None:
    """Quarter labels side by side if they fit; else on two lines; else turned. The plot keeps
    ``rect`` (figure fractions) clear of everything but the key."""
    fig.tight_layout(rect=rect)
    if not _labels_collide(fig, ax):
        return
    ticks, labels = ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()]
    ax.set_xticks(ticks, [label.replace(" ", "\n", 1) for label in labels])
    fig.tight_layout(rect=rect)
    if _labels_collide(fig, ax):
        ax.set_xticks(ticks, labels)
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
        fig.tight_layout(rect=rect)


def _labels_collide(fig: Figure, ax: Axes) -> bool:
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        raise TypeError(f"charts are drawn on Agg, not {type(canvas).__name__}")
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    return any(a.x1 + _LABEL_GAP > b.x0 for a, b in pairwise(boxes))


def svg_of(fig: Figure) -> str:
    try:
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        return out.getvalue()
    finally:
        plt.close(fig)


def trend_svg(
    points: Sequence[Point],
    *,
    y_label: str,
    lines: Sequence[Line] = (),
    width: float = 7.0,
    height: float = 3.6,
    kind: str = PERCENT,
) -> str:
    """The chart as an SVG document (text kept as text)."""
    return svg_of(trend_figure(points, y_label=y_label, lines=lines, width=width, height=height, kind=kind))


@dataclass(frozen=True)
class Ranked:
    """One ward of a ranked chart: the model-based estimate and interval, and the survey's own
    estimate where it is shown (None otherwise)."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    direct: float | None
    model_only: bool  # no usable answers: the estimate is the model's alone


def ranked_svg(
    rows: Sequence[Ranked],
    *,
    x_label: str,
    keys: tuple[str, str, str],
    width: float = 5.6,
    kind: str = PERCENT,
) -> str:
    """Wards ranked top to bottom by estimate, each with its interval as a line and the survey's
    own estimate as an open diamond; a ward estimated by the model alone has an open circle.
    ``keys`` name the three marks, in a key below the plot."""
    # Narrower than the trend chart and larger type: 21 ward names must stay legible on a phone.
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 12, "font.family": "sans-serif"})
    height = 1.5 + 0.34 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(width, height), dpi=96)
    ys = list(range(len(rows)))
    for y, row in zip(ys, rows, strict=True):
        ax.plot([row.ci_low, row.ci_high], [y, y], color=TEAL, linewidth=2, solid_capstyle="butt")
    with_answers = [(y, r) for y, r in zip(ys, rows, strict=True) if not r.model_only]
    model_only = [(y, r) for y, r in zip(ys, rows, strict=True) if r.model_only]
    ax.plot(
        [r.estimate for _y, r in with_answers], [y for y, _r in with_answers], "o", color=TEAL, label=keys[0]
    )
    ax.plot(
        [r.estimate for _y, r in model_only],
        [y for y, _r in model_only],
        "o",
        markerfacecolor="white",
        markeredgecolor=TEAL,
        markeredgewidth=2,
        label=keys[1],
    )
    shown = [(y, r.direct) for y, r in zip(ys, rows, strict=True) if r.direct is not None]
    ax.plot(
        [d for _y, d in shown],
        [y for y, _d in shown],
        "D",
        markerfacecolor="none",
        markeredgecolor=INK,
        markersize=6,
        label=keys[2],
    )
    values = [v for r in rows for v in (r.ci_low, r.ci_high, r.direct) if v is not None]
    ax.set_xlim(*axis_limits(values, kind))
    if kind == PERCENT:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        _one_decimal(ax.xaxis)
    ax.set_yticks(ys, [r.label for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the highest estimate at the top
    ax.set_xlabel(x_label, color=INK)
    ax.grid(axis="x", color="#b1b4b6", linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.legend(loc="lower center", ncols=1, frameon=False, fontsize=11)
    fig.tight_layout(rect=(0, 0.95 / height, 1, 1))
    return svg_of(fig)
