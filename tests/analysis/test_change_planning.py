"""Change between waves and target tests (against R's svycontrast), rolling estimates, planning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.change import above_target, compare_waves, rolling_estimates
from analysis.design import Design
from analysis.planning import (
    PlanningError,
    power_above_target,
    power_for,
    sample_size,
    sample_size_above_target,
)
from analysis.proportions import ProportionEstimate, estimate_proportions
from analysis.raking import Margin, RakingError, rake_each_wave, raked_design, read_margins

from .conftest import DATA, RTOL_ESTIMATE, design_from_spec, load, rake_synthetic, relative_difference


def _rake_each_wave(df, design):
    margins = read_margins(DATA / "synthetic_margins.csv")
    variables = ["area", "age_band", "sex"]
    data = {v: df[v].to_numpy() for v in variables}
    result = rake_each_wave(data, margins, variables, df["base_weight"].to_numpy(), df["wave"].to_numpy())
    return raked_design(design, result), result


@pytest.mark.parametrize("variant", ["unraked", "raked", "raked_each_wave"])
def test_change_matches_svycontrast(expected, variant):
    spec = expected["synthetic"]
    want = spec["change"][variant]
    df = load(spec["data"])
    df = df[df["confident"].notna()].reset_index(drop=True)  # R's block uses complete cases
    design = design_from_spec(df, spec["spec"])
    if variant == "raked":
        design, _ = rake_synthetic(df, design)
    if variant == "raked_each_wave":
        design, result = _rake_each_wave(df, design)
        worst = max(relative_difference(g, w) for g, w in zip(result.weights, want["weights"], strict=True))
        assert worst < 1e-9 and result.converged and result.waves == 4
    c = compare_waves(
        design,
        df["confident"].to_numpy(),
        df["wave"].to_numpy(),
        "2025Q1",
        "2025Q4",
        where=(df["area"] == "Altrincham").to_numpy(),
    )
    assert relative_difference(c.base_estimate, want["base_estimate"]) < RTOL_ESTIMATE
    assert relative_difference(c.current_estimate, want["current_estimate"]) < RTOL_ESTIMATE
    assert relative_difference(c.difference, want["difference"]) < RTOL_ESTIMATE
    assert relative_difference(c.se, want["se"]) < RTOL_ESTIMATE
    assert c.ci_low < c.difference < c.ci_high
    assert 0 < c.p_value < 1 and c.p_value_increase > 0.5  # confidence fell


def test_each_wave_raked_alone_gives_the_weights_of_raking_that_wave_by_itself(expected):
    df = load("synthetic.csv")
    df = df[df["confident"].notna()].reset_index(drop=True)
    design = design_from_spec(df, expected["synthetic"]["spec"])
    raked, result = _rake_each_wave(df, design)
    want = expected["synthetic"]["change"]["raked_each_wave"]["rake_alone_weights"]
    assert max(relative_difference(g, w) for g, w in zip(result.weights, want, strict=True)) < 1e-9
    margins = read_margins(DATA / "synthetic_margins.csv")
    for wave in df["wave"].unique():
        rows = (df["wave"] == wave).to_numpy()
        for variable, margin in margins.items():
            totals = df[rows].assign(w=result.weights[rows]).groupby(variable)["w"].sum()
            assert totals.to_dict() == pytest.approx(dict(zip(margin.categories, margin.counts, strict=True)))
    assert "raking each of 4 waves on its own converged" in result.report()
    # Raking each wave on its own is not raking the pooled sample: the two SEs of a change differ.
    pooled, _ = rake_synthetic(df, design)
    args = (df["confident"].to_numpy(), df["wave"].to_numpy(), "2025Q1", "2025Q4")
    assert compare_waves(raked, *args).se != pytest.approx(compare_waves(pooled, *args).se, rel=1e-3)


def test_a_wave_that_cannot_be_raked_is_named():
    data = {"sex": np.array(["F", "M", "F", "F"])}
    margins = {"sex": Margin("sex", ("F", "M"), (50.0, 50.0))}
    with pytest.raises(RakingError, match=r"wave 'B'.*'M'.*no respondents"):
        rake_each_wave(data, margins, ["sex"], np.ones(4), np.array(["A", "A", "B", "B"]))


def test_change_of_independent_waves_is_root_sum_of_squares():
    rng = np.random.default_rng(1)
    n = 400
    wave = np.repeat(["A", "B"], n // 2)
    y = rng.integers(0, 2, n)
    design = Design.build(weights=rng.uniform(1, 3, n))
    c = compare_waves(design, y, wave, "A", "B")
    ests = estimate_proportions(design, y, (wave == "B").astype(int), ["A", "B"], method="mean")
    assert c.se == pytest.approx(math.hypot(ests[0].se, ests[1].se), rel=1e-12)


def test_above_target():
    est = ProportionEstimate("x", 500, 1.0, 0.65, 0.02, 0.6, 0.7, 100, 1, 1, 500, "logit", 0.95)
    t = above_target(est, 0.61)
    assert t.t == pytest.approx(2.0)
    assert t.above and t.p_value == pytest.approx(0.024, abs=1e-3)
    assert not above_target(est, 0.64).above


def test_empty_wave_gives_nan():
    design = Design.build(weights=np.ones(4))
    c = compare_waves(design, [1, 0, 1, 0], ["A", "A", "A", "A"], "A", "B")
    assert math.isnan(c.difference)


def test_rolling_four_quarters():
    quarters = np.array([f"2025Q{q}" for q in (1, 2, 3, 4)] + [f"2026Q{q}" for q in (1, 2)])
    period = np.repeat(quarters, 10)
    y = np.tile([1, 0, 1, 1, 0, 1, 0, 1, 1, 0], 6)
    design = Design.build(weights=np.ones(60))
    rolls = rolling_estimates(design, y, period)
    assert [r.domain for r in rolls] == ["2025Q1..2025Q4", "2025Q2..2026Q1", "2025Q3..2026Q2"]
    assert all(r.n == 40 for r in rolls)
    assert rolls[0].estimate == pytest.approx(0.6)


def test_planning_matches_power_prop_test(expected):
    for case in expected["planning"]:
        one = case["alternative"] == "one.sided"
        if "n" in case and "power" in case and case.get("n") == 800:
            got = power_for(800, case["p1"], case["p2"], alpha=case["alpha"], one_sided=one)
            assert relative_difference(got, case["power"]) < RTOL_ESTIMATE
        else:
            got = sample_size(case["p1"], case["p2"], power=case["power"], alpha=case["alpha"], one_sided=one)
            assert relative_difference(got.n_srs, case["n"]) < RTOL_ESTIMATE


def test_design_effect_inflates_sample_size():
    plain = sample_size(0.56, 0.61)
    inflated = sample_size(0.56, 0.61, deff=1.5)
    assert inflated.n_design == pytest.approx(1.5 * plain.n_srs)
    assert inflated.n_per_wave == math.ceil(inflated.n_design)
    assert power_for(inflated.n_design, 0.56, 0.61, deff=1.5) == pytest.approx(0.8)


def test_planning_rejects_impossible_inputs():
    with pytest.raises(PlanningError):
        sample_size(0.56, 0.56)
    with pytest.raises(PlanningError):
        sample_size(0.56, 1.2)
    with pytest.raises(PlanningError):
        power_for(0, 0.5, 0.6)


def test_sample_size_above_a_target_matches_one_sample_power_t_test(expected):
    for case in expected["planning_above_target"]:
        got = sample_size_above_target(case["p"], case["target"], power=case["power"], alpha=case["alpha"])
        # R's uniroot stops within about 1e-4 respondents of the root
        assert got.n_srs == pytest.approx(case["n"], abs=1e-3)
        assert got.n == math.ceil(got.n_srs)
        power = power_above_target(500, case["p"], case["target"], alpha=case["alpha"])
        assert relative_difference(power, case["power_at_500"]) < RTOL_ESTIMATE


def test_sample_size_above_a_target_scales_with_the_design_effect_and_refuses_the_impossible():
    plain = sample_size_above_target(0.642, 0.61)
    inflated = sample_size_above_target(0.642, 0.61, deff=1.3)
    assert inflated.n_design == pytest.approx(1.3 * plain.n_srs)
    assert power_above_target(inflated.n_design, 0.642, 0.61, deff=1.3) == pytest.approx(0.8)
    with pytest.raises(PlanningError):
        sample_size_above_target(0.61, 0.61)
    with pytest.raises(PlanningError):
        sample_size_above_target(0.6100001, 0.61)  # more than anyone could ask
