"""Degenerate inputs, missing outcomes, unweighted intervals and the checks on input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.design import Design, DesignError
from analysis.intervals import MethodError
from analysis.proportions import OutcomeError, estimate_proportions

from .conftest import RTOL_INTERVAL, load, relative_difference

ALL_METHODS = ["logit", "likelihood", "asin", "beta", "mean", "xlogit", "wilson", "clopper-pearson"]


@pytest.mark.parametrize("method", [m for m in ALL_METHODS if m != "wilson"])
@pytest.mark.parametrize("value", [0, 1])
def test_all_same_outcome_gives_exact_binomial_interval(method, value):
    y = np.full(20, value)
    design = Design.build(weights=np.linspace(1, 3, 20))
    r = estimate_proportions(design, y, method=method)[0]
    assert r.estimate == value
    assert r.se == 0
    bound = 1 - 0.025 ** (1 / 20)
    if value == 0:
        assert r.ci_low == 0 and r.ci_high == pytest.approx(bound)
    else:
        assert r.ci_high == 1 and r.ci_low == pytest.approx(1 - bound)


@pytest.mark.parametrize("method", [m for m in ALL_METHODS if m != "wilson"])
def test_single_respondent_is_defined(method):
    design = Design.build(weights=[2.0])
    r = estimate_proportions(design, [1], method=method)[0]
    assert r.n == 1 and r.estimate == 1 and r.se == 0
    assert r.ci_low == pytest.approx(0.025) and r.ci_high == 1
    assert r.df == 0


@pytest.mark.parametrize("method", ALL_METHODS)
def test_empty_domain_gives_nan_not_an_error(method):
    design = Design.build(weights=np.ones(6))
    y = [0, 1, 1, 0, 1, 0]
    dom = [0, 0, 0, 0, 0, 0]
    r0, r1 = estimate_proportions(design, y, dom, ["a", "b"], method=method)
    assert r0.n == 6 and r0.estimate == 0.5
    assert r1.n == 0 and math.isnan(r1.estimate) and math.isnan(r1.se) and math.isnan(r1.ci_low)


def test_domain_of_missing_outcomes_only_is_empty():
    design = Design.build(weights=np.ones(4))
    r = estimate_proportions(design, [np.nan, np.nan, 1, 0], [0, 0, 1, 1], ["a", "b"])
    assert r[0].n == 0 and math.isnan(r[0].estimate)
    assert r[1].estimate == 0.5


def test_missing_domain_versus_complete_case():
    """Missing outcomes as a domain keep the PSU in the design; complete cases drop it."""
    y = np.array([1, 0, 1, np.nan, 0, 1, 1, 0])
    strata = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    cluster = np.array([1, 1, 2, 3, 4, 4, 5, 5])
    design = Design.build(weights=np.ones(8), strata=strata, cluster=cluster)
    as_domain = estimate_proportions(design, y, method="mean")[0]
    complete = estimate_proportions(design, y, method="mean", missing="complete_case")[0]
    assert as_domain.estimate == complete.estimate
    assert as_domain.n == complete.n == 7
    assert as_domain.df == 3  # PSU 3 holds only a missing outcome but is still in the design
    assert complete.df == 2
    assert as_domain.se != complete.se


def test_unweighted_intervals_match_r(expected):
    for case in expected["unweighted"]:
        df = load(f"{case['dataset']}.csv")
        design = Design.build(weights=df["pw"].to_numpy())
        for method, key in (("wilson", "wilson"), ("clopper-pearson", "clopper_pearson")):
            r = estimate_proportions(design, df["confident"].to_numpy(), method=method, level=case["level"])[
                0
            ]
            assert r.n == case["n"]
            assert relative_difference(r.ci_low, case[key][0]) < RTOL_INTERVAL
            assert relative_difference(r.ci_high, case[key][1]) < RTOL_INTERVAL


def test_kish_effective_size_and_weighted_total():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    r = estimate_proportions(Design.build(weights=w), [1, 0, 1, 0])[0]
    assert r.weighted_total == 8.0
    assert r.n_eff == pytest.approx(64 / 22)
    assert r.estimate == pytest.approx(3 / 8)


def test_outcome_must_be_zero_one():
    with pytest.raises(OutcomeError):
        estimate_proportions(Design.build(weights=np.ones(3)), [0, 1, 2])


def test_unknown_method_and_level():
    design = Design.build(weights=np.ones(3))
    with pytest.raises(MethodError):
        estimate_proportions(design, [0, 1, 1], method="wald")
    with pytest.raises(MethodError):
        estimate_proportions(design, [0, 1, 1], level=95)


def test_bad_weights_and_fpc():
    with pytest.raises(DesignError):
        Design.build(weights=[1.0, -1.0])
    with pytest.raises(DesignError):
        Design.build(weights=[1.0, np.nan])
    with pytest.raises(DesignError):
        Design.build(strata=["a", "a", "b"], fpc=[10, 11, 5])
    with pytest.raises(DesignError):
        Design.build(strata=["a", "a"], fpc=[1.5, 1.5])


def test_lonely_psu_fails_unless_asked():
    design = Design.build(weights=np.ones(3), strata=["a", "b", "b"])
    with pytest.raises(DesignError, match="only one PSU"):
        estimate_proportions(design, [1, 0, 1])
    lenient = Design.build(weights=np.ones(3), strata=["a", "b", "b"], lonely_psu="remove")
    r = estimate_proportions(lenient, [1, 0, 1])[0]
    assert r.estimate == pytest.approx(2 / 3)


def test_fpc_as_fraction_equals_population_size():
    df = load("apisrs.csv")
    by_size = Design.build(weights=df["pw"].to_numpy(), fpc=df["fpc"].to_numpy())
    by_fraction = Design.build(weights=df["pw"].to_numpy(), fpc=200 / df["fpc"].to_numpy())
    y = df["confident"].to_numpy()
    a = estimate_proportions(by_size, y)[0]
    b = estimate_proportions(by_fraction, y)[0]
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_weights_default_from_fpc():
    df = load("apisrs.csv")
    design = Design.build(fpc=df["fpc"].to_numpy())
    assert np.allclose(design.weights, df["fpc"].to_numpy() / 200)
