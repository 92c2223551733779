"""Trend charts: no label sits on another label or on the data, by matplotlib's own measure."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from survey_app.insight.charts import Line, Point, trend_figure, trend_svg

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
