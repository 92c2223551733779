"""Raking: convergence report, the errors for margins that do not fit, and trimming."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.raking import Margin, RakingError, Trim, margins_from_rows, rake, read_margins

from .conftest import DATA, load


def _margins(**variables: dict[str, float]) -> dict[str, Margin]:
    rows = [
        {"variable": v, "category": c, "population_count": str(n)}
        for v, cats in variables.items()
        for c, n in cats.items()
    ]
    return margins_from_rows(rows)


def _small():
    data = {"sex": np.array(["F", "M", "F", "M", "F"]), "age": np.array(["y", "y", "o", "o", "o"])}
    return data


def test_raked_weights_meet_every_margin():
    m = _margins(sex={"F": 60, "M": 40}, age={"y": 30, "o": 70})
    r = rake(_small(), m)
    assert r.converged and r.max_rel_error < 1e-10
    w = r.weights
    assert w[[0, 2, 4]].sum() == pytest.approx(60)
    assert w[[0, 1]].sum() == pytest.approx(30)
    assert "converged" in r.report()


def test_category_in_data_but_not_margins():
    m = _margins(sex={"F": 60}, age={"y": 30, "o": 30})
    with pytest.raises(RakingError, match="'M' of 'sex' is in the data but not in the margins"):
        rake(_small(), m)


def test_category_in_margins_but_not_data():
    m = _margins(sex={"F": 60, "M": 40, "X": 5}, age={"y": 30, "o": 75})
    with pytest.raises(RakingError, match="'X' of 'sex' is in the margins but has no respondents"):
        rake(_small(), m)


def test_empty_category_with_zero_population_is_dropped():
    m = _margins(sex={"F": 60, "M": 40, "X": 0}, age={"y": 30, "o": 70})
    assert rake(_small(), m).converged


def test_margins_disagree_on_total():
    m = _margins(sex={"F": 60, "M": 40}, age={"y": 30, "o": 80})
    with pytest.raises(RakingError, match="disagree on the population total"):
        rake(_small(), m)


def test_non_convergence_is_reported():
    # Two respondents, both F and y: margins that cannot both be met by scaling.
    data = {"sex": np.array(["F", "M", "F"]), "age": np.array(["y", "o", "o"])}
    m = _margins(sex={"F": 50, "M": 50}, age={"y": 90, "o": 10})
    with pytest.raises(RakingError, match="did NOT converge"):
        rake(data, m, max_iter=50)
    r = rake(data, m, max_iter=50, raise_on_failure=False)
    assert not r.converged and r.iterations == 50 and r.max_abs_error > 1


def test_missing_value_in_raking_variable():
    data = {"sex": np.array(["F", "", "F"], dtype=object)}
    with pytest.raises(RakingError, match="missing values"):
        rake(data, _margins(sex={"F": 10, "M": 5}))


def test_margins_file_needs_its_columns(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("var,cat,count\nsex,F,1\n")
    with pytest.raises(RakingError, match="lacks column"):
        read_margins(p)


def test_trimming_keeps_weights_in_bounds_and_margins_met():
    df = load("synthetic.csv")
    margins = read_margins(DATA / "synthetic_margins.csv")
    data = {v: df[v].to_numpy() for v in ("area", "age_band", "sex")}
    start = df["base_weight"].to_numpy()
    plain = rake(data, margins, start_weights=start)
    ratio = plain.weights / start
    lo, hi = 0.3, 3.0
    assert ratio.min() < lo or ratio.max() > hi  # the bounds bite
    trimmed = rake(data, margins, start_weights=start, trim=Trim(lo, hi, relative=True))
    r = trimmed.weights / start
    assert r.min() >= lo * (1 - 1e-9) and r.max() <= hi * (1 + 1e-9)
    assert trimmed.converged and trimmed.trimmed > 0
    for v in ("area", "sex"):
        m = margins[v]
        for cat, count in zip(m.categories, m.counts, strict=True):
            assert trimmed.weights[df[v].to_numpy() == cat].sum() == pytest.approx(count, rel=1e-8)


def test_impossible_trim_bounds_fail():
    df = load("synthetic.csv")
    margins = read_margins(DATA / "synthetic_margins.csv")
    data = {v: df[v].to_numpy() for v in ("area", "age_band", "sex")}
    with pytest.raises(RakingError):
        rake(
            data,
            margins,
            start_weights=df["base_weight"].to_numpy(),
            trim=Trim(0.9, 1.1, relative=True),
            max_iter=200,
        )


def test_margin_errors_that_are_not_finite_never_count_as_converged():
    import numpy as np

    from analysis.raking import _worse

    assert _worse(0.0, 0.0, np.array([np.nan, 0.0]), np.array([1.0, 1.0])) == (np.inf, np.inf)
    assert _worse(0.0, 0.0, np.array([np.inf]), np.array([1.0])) == (np.inf, np.inf)
    assert _worse(0.5, 0.1, np.array([2.0]), np.array([1.0])) == (2.0, 1.0)
