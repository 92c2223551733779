"""Trend charts: no label sits on another label or on the data, by matplotlib's own measure."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from survey_app.insight.charts import MEAN, Line, Point, Ranked, ranked_svg, trend_figure, trend_svg

# Eight quarters of an estimate rising through the baseline and the target, as Altrincham's does.
QUARTERS = [f"Q{q} {year}" for year in (2025, 2026) for q in (1, 2, 3, 4)]
RISING = [Point(label, 0.50 + 0.02 * i, 0.45 + 0.02 * i, 0.55 + 0.02 * i) for i, label in enumerate(QUARTERS)]
LINES = [Line(0.56, "Baseline 56.0%"), Line(0.61, "Target 61.0%")]


def text_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """Every visible piece of text and the box matplotlib draws it in, in pixels."""
    renderer = fig.canvas.get_renderer()
    texts = {id(t): t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()}
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts.values()]


def data_points(fig: Figure) -> list[tuple[float, float]]:
    ax = fig.axes[0]
    points = []
    for line in ax.get_lines():
        if line.get_marker() not in (None, "None", ""):
            points += [tuple(p) for p in ax.transData.transform(line.get_xydata())]
    return points


@pytest.mark.parametrize(
    "points",
    [RISING, [Point(f"Q{q} {year}", 0.6, 0.55, 0.65) for year in (2025, 2026, 2027) for q in (1, 2, 3, 4)]],
    ids=["eight quarters", "twelve quarters"],
)
def test_no_label_overlaps_another_label_or_the_data(points):
    fig = trend_figure(points, y_label="Per cent", lines=LINES)
    try:
        fig.canvas.draw()
        boxes = text_boxes(fig)
        assert {"Baseline 56.0%", "Target 61.0%"} <= {text for text, _box in boxes}
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"
        for text, box in boxes:
            for x, y in data_points(fig):
                assert not box.contains(x, y), f"{text!r} covers an estimate"
        width, _height = fig.canvas.get_width_height()
        for text, box in boxes:
            assert box.x0 >= 0 and box.x1 <= width, f"{text!r} is cut off"
    finally:
        plt.close(fig)


def test_the_svg_keeps_its_text_as_text():
    svg = trend_svg(RISING, y_label="Per cent", lines=LINES)
    assert "Target 61.0%" in svg and "Q1" in svg


def test_the_value_axis_shows_a_five_point_change_not_the_whole_range():
    fig = trend_figure(RISING[:4], y_label="Per cent", lines=LINES)
    low, high = fig.axes[0].get_ylim()
    plt.close(fig)
    assert 0 < low < 0.45 and 0.61 < high < 0.75
    assert high - low < 0.35


def test_counts_stay_above_zero_and_ranks_run_from_the_last_up_to_first():
    from survey_app.insight.charts import NUMBER, RANK, axis_limits

    low, high = axis_limits([3, 4, 2, 5], NUMBER)
    assert low == 0 and 5 < high < 20
    low, high = axis_limits([300, 340, 320], NUMBER)
    assert 250 < low < 300 and 340 < high < 400
    assert axis_limits([1, 1, 2], RANK) == (10.5, 0.5)
    assert axis_limits([], "percent") == (0.0, 1.0)
    assert axis_limits([0.97, 0.99], "percent")[1] == 1.0


@pytest.mark.parametrize(
    "values",
    [(15.1, 14.6, 15.7), (6.42, 6.1, 6.8), (0.31, 0.05, 0.62), (-1.2, -2.0, 0.4), (112.0, 95.0, 131.0)],
)
def test_an_averages_axis_is_labelled_with_ticks_one_decimal_place_shows_exactly(values):
    estimate, low, high = values
    points = [Point("Q1", estimate, low, high), Point("Q2", estimate + 0.1, low + 0.1, high + 0.1)]
    fig = trend_figure(points, y_label="Average", kind=MEAN)
    ax = fig.axes[0]
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    labels = [ax.yaxis.get_major_formatter()(t, k) for k, t in enumerate(ticks)]
    plt.close(fig)
    assert [float(label.replace(",", "")) for label in labels] == pytest.approx(ticks, abs=1e-9)
    assert ax.get_ylim()[0] <= low and ax.get_ylim()[1] >= high + 0.1
    assert (ax.get_ylim()[0] < 0) == (low < 0)  # an average of numbers never below 0 starts at 0 or above


def test_a_ranked_chart_names_every_ward_and_reads_averages_without_a_percent_sign():
    rows = [
        Ranked(f"Ward {k}", 6 + k / 10, 5 + k / 10, 7 + k / 10, 6.2 if k % 2 else None, k == 3)
        for k in range(5)
    ]
    svg = ranked_svg(rows, x_label="Average", keys=("a", "b", "c"), kind=MEAN)
    assert all(f"Ward {k}" in svg for k in range(5)) and "%" not in svg.split("<svg", 1)[1].replace(
        "100%", ""
    )
