"""Means and totals of numeric answers against R: svymean / svytotal with deff, and
confint(df = degf(design)), whole and by domain, on every api design, with lonely PSUs, and on the
synthetic survey stratified and clustered, raked, and raked without a design."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from analysis.cli import main
from analysis.design import Design
from analysis.means import estimate_means
from analysis.proportions import OutcomeError

from .conftest import (
    DATA,
    RTOL_ESTIMATE,
    RTOL_INTERVAL,
    design_from_spec,
    domain_codes,
    load,
    rake_synthetic,
    relative_difference,
)

CASES = [
    "apisrs",
    "apisrs_nofpc",
    "apistrat",
    "apiclus1",
    "apiclus1_nofpc",
    "apiclus2",
    "apiclus2_onestage",
    "apistrat_lonely_adjust",
    "apistrat_lonely_average",
    "synthetic",
    "synthetic_raked",
    "synthetic_raked_unclustered",
]
CHECKED = (
    ("estimate", RTOL_ESTIMATE),
    ("se", RTOL_ESTIMATE),
    ("deff", RTOL_ESTIMATE),
    ("deff_replace", RTOL_ESTIMATE),
    ("ci_low", RTOL_INTERVAL),
    ("ci_high", RTOL_INTERVAL),
)


def _design(case: dict):
    df = load(case["data"])
    design = design_from_spec(df, case["spec"])
    if case.get("raked"):
        design, _ = rake_synthetic(df, design)
    return df, design


@pytest.mark.parametrize("name", CASES)
def test_means_and_totals_equal_r(expected, name):
    case = expected["means"][name]
    df, design = _design(case)
    by = "area" if name.startswith("synthetic") else "stype"
    codes, labels = domain_codes(df, [by])
    failures = []
    for row in case["rows"]:
        y = df[row["variable"]].to_numpy(dtype=float)
        domain, names = (None, None) if row["domain"] == "all" else (codes, labels)
        got = {
            r.domain: r
            for r in estimate_means(design, y, domain, names, statistic=row["statistic"], level=row["level"])
        }[row["domain"]]
        where = f"{name} {row['variable']} {row['statistic']} {row['domain']} {row['level']}"
        if got.df != row["df"]:
            failures.append(f"{where} df: {got.df} vs R {row['df']}")
        for key, tol in CHECKED:
            diff = relative_difference(getattr(got, key), float(row[key]))
            if diff > tol:
                failures.append(f"{where} {key}: {getattr(got, key)!r} vs R {row[key]!r} (rel {diff:.2g})")
        if row["domain"] != "all":  # svyby gives each domain the same estimate and SE as its subset
            assert relative_difference(got.estimate, row["svyby_estimate"]) < RTOL_ESTIMATE
            assert relative_difference(got.se, row["svyby_se"]) < RTOL_ESTIMATE
    assert not failures, "\n".join(failures)


def test_the_r_cases_cover_missing_answers_domains_and_both_statistics(expected):
    rows = [r for case in expected["means"].values() for r in case["rows"]]
    assert {r["statistic"] for r in rows} == {"mean", "total"}
    assert {r["variable"] for r in rows} >= {"api00", "enroll", "avg_ed", "score"}
    assert load("apiclus2.csv")["enroll"].isna().any() and load("apisrs.csv")["avg_ed"].isna().any()
    assert sum(r["domain"] != "all" for r in rows) > len(rows) / 2


def test_complete_case_drops_missing_answers_from_the_design():
    df = load("apiclus1.csv")
    design = Design.build(weights=df["pw"], cluster=df["dnum"])
    y = df["avg_ed"].to_numpy(dtype=float)
    keep = ~np.isnan(y)
    by_domain = estimate_means(design, y)[0]
    cc = estimate_means(design, y, missing="complete_case")[0]
    direct = estimate_means(Design.build(weights=df["pw"][keep], cluster=df["dnum"][keep]), y[keep])[0]
    assert cc.estimate == pytest.approx(by_domain.estimate, rel=1e-12)
    assert cc.se == pytest.approx(direct.se, rel=1e-12) and cc.df == direct.df
    assert cc.n == by_domain.n == int(keep.sum())


def test_degenerate_domains_are_defined():
    design = Design.build(weights=[1.0, 2.0, 3.0, 1.0])
    y = np.array([4.0, 4.0, np.nan, 7.0])
    dom = np.array([0, 0, 1, 2])
    same, empty, single = estimate_means(design, y, dom, ["same", "empty", "single"])
    assert same.estimate == 4 and same.se == 0 and same.ci_low == same.ci_high == 4
    assert math.isnan(same.deff)
    assert empty.n == 0 and math.isnan(empty.estimate) and math.isnan(empty.ci_low)
    assert single.n == 1 and single.df == 0 and math.isnan(single.ci_low)


def test_an_infinite_answer_is_refused():
    with pytest.raises(OutcomeError, match="infinite"):
        estimate_means(Design.build(weights=[1.0, 1.0]), [1.0, np.inf])


@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_the_command_line_gives_the_library_figures(capsys, expected, statistic):
    row = next(
        r
        for r in expected["means"]["apiclus2"]["rows"]
        if r["statistic"] == statistic
        and r["variable"] == "enroll"
        and r["level"] == 0.95
        and r["domain"] == "E"
    )
    argv = ["estimate", str(DATA / "apiclus2.csv"), "--outcome", "enroll", "--statistic", statistic]
    argv += ["--cluster", "dnum,snum", "--fpc", "fpc1,fpc2", "--by", "stype", "--format", "json"]
    assert main(argv) == 0
    got = {r["domain"]: r for r in json.loads(capsys.readouterr().out)}["E"]
    assert got["statistic"] == statistic and got["df"] == row["df"]
    for key, tol in CHECKED:
        if key == "deff_replace":  # the library's, not printed
            continue
        assert relative_difference(got[key], row[key]) < tol, key


def test_a_proportions_interval_method_is_refused_for_a_mean(capsys):
    argv = ["estimate", str(DATA / "apisrs.csv"), "--outcome", "api00", "--statistic", "mean"]
    assert main([*argv, "--method", "beta"]) == 2
    assert "t interval" in capsys.readouterr().err
    assert main([*argv, "--outcome", "stype", "--weight", "pw"]) == 2
    assert "non-numeric" in capsys.readouterr().err


def test_rolling_means_are_means_over_each_window(capsys):
    df = load("synthetic.csv")
    argv = ["estimate", str(DATA / "synthetic.csv"), "--outcome", "score", "--statistic", "mean"]
    argv += ["--weight", "base_weight", "--rolling", "wave", "--window", "2", "--format", "json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["domain"] for r in rows] == ["all|2025Q1..2025Q2", "all|2025Q2..2025Q3", "all|2025Q3..2025Q4"]
    inside = df[df["wave"].isin(["2025Q3", "2025Q4"]) & df["score"].notna()]
    want = (inside["score"] * inside["base_weight"]).sum() / inside["base_weight"].sum()
    assert rows[2]["estimate"] == pytest.approx(want, rel=1e-12)


def test_complete_cases_of_a_two_stage_design_equal_r_building_it_again(expected):
    # R: svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw) on the schools with an
    # enrolment; here the same design, with the others dropped from both stages.
    df = load("apiclus2.csv")
    design = Design.build(
        weights=df["pw"], cluster=df["dnum"], cluster2=df["snum"], fpc=df["fpc1"], fpc2=df["fpc2"]
    )
    codes, labels = domain_codes(df, ["stype"])
    y = df["enroll"].to_numpy(dtype=float)
    assert np.isnan(y).any()
    for row in expected["complete_case_two_stage"]["rows"]:
        domain, names = (None, None) if row["domain"] == "all" else (codes, labels)
        got = {
            r.domain: r
            for r in estimate_means(
                design,
                y,
                domain,
                names,
                statistic=row["statistic"],
                level=row["level"],
                missing="complete_case",
            )
        }[row["domain"]]
        assert got.df == row["df"]
        for key, tol in CHECKED:
            assert relative_difference(getattr(got, key), float(row[key])) < tol, (row, key)
