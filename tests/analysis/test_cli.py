"""The command line: outputs, and one clear line with exit status 2 for bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from analysis.cli import main

from .conftest import DATA, PROJECT_ROOT_FOR_CLI

SYN = str(DATA / "synthetic.csv")
MARGINS = str(DATA / "synthetic_margins.csv")
DESIGN = ["--weight", "base_weight", "--strata", "area", "--cluster", "psu"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_estimate_json_by_area_with_raking(capsys, expected):
    code, out, err = run(
        capsys,
        "estimate",
        SYN,
        "--outcome",
        "confident",
        *DESIGN,
        "--by",
        "area",
        "--margins",
        MARGINS,
        "--vars",
        "area,age_band,sex",
        "--format",
        "json",
    )
    assert code == 0
    assert "raking converged" in err
    rows = json.loads(out)
    assert set(rows[0]) == {
        "domain",
        "n",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "deff",
        "n_eff",
        "method",
        "level",
    }
    want = {
        r["domain"]: r for r in expected["synthetic"]["raked"]["by_area"]["rows"] if r["method"] == "logit"
    }
    for row in rows:
        assert row["se"] == pytest.approx(want[row["domain"]]["se"], rel=1e-6)
        assert row["ci_low"] == pytest.approx(want[row["domain"]]["ci_low"], rel=1e-5)


def test_estimate_csv_two_way_domains(capsys):
    code, out, _ = run(
        capsys,
        "estimate",
        str(DATA / "apiclus1.csv"),
        "--outcome",
        "confident",
        "--weight",
        "pw",
        "--cluster",
        "dnum",
        "--fpc",
        "fpc",
        "--by",
        "stype,awards",
        "--method",
        "beta",
        "--level",
        "0.9",
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "domain,n,estimate,se,ci_low,ci_high,df,deff,n_eff,method,level"
    assert len(lines) == 7 and lines[1].startswith("E:No,")


def test_estimate_rolling_four_quarters(capsys):
    code, out, _ = run(
        capsys,
        "estimate",
        SYN,
        "--outcome",
        "confident",
        *DESIGN,
        "--by",
        "area",
        "--rolling",
        "wave",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 5  # four waves make one window, for each of five areas
    assert rows[0]["domain"] == "Altrincham|2025Q1..2025Q4"
    whole_area = json.loads(
        run(capsys, "estimate", SYN, "--outcome", "confident", *DESIGN, "--by", "area", "--format", "json")[1]
    )
    assert rows[0]["estimate"] == pytest.approx(whole_area[0]["estimate"], rel=1e-12)


def test_rake_writes_weight_column(capsys, tmp_path):
    out_path = tmp_path / "raked.csv"
    code, out, _ = run(
        capsys,
        "rake",
        SYN,
        "--margins",
        MARGINS,
        "--vars",
        "area,age_band,sex",
        "--weight",
        "base_weight",
        "--trim",
        "0.3,3",
        "--trim-relative",
        "--out",
        str(out_path),
    )
    assert code == 0 and "converged" in out
    df = pd.read_csv(out_path)
    assert "weight" in df.columns
    assert df["weight"].sum() == pytest.approx(125000)


def test_compare_with_target(capsys):
    code, out, _ = run(
        capsys,
        "compare",
        SYN,
        "--outcome",
        "confident",
        *DESIGN,
        "--by",
        "wave",
        "--base",
        "2025Q1",
        "--current",
        "2025Q4",
        "--where",
        "area=Altrincham",
        "--target",
        "0.61",
    )
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"change", "current", "target"}
    assert result["target"]["target"] == 0.61
    assert result["change"]["df"] == 5


def test_samplesize(capsys):
    code, out, _ = run(capsys, "samplesize", "--p1", "0.56", "--p2", "0.61", "--deff", "1.5", "--one-sided")
    assert code == 0
    plan = json.loads(out)
    assert plan["n_per_wave"] == 1800  # 1199.73 * 1.5 rounded up


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["estimate", "missing.csv", "--outcome", "confident"], "no such file"),
        (["estimate", SYN, "--outcome", "nope"], "outcome column 'nope' is not in the data"),
        (["estimate", SYN, "--outcome", "base_weight"], "must be 0/1"),
        (["estimate", SYN, "--outcome", "confident", "--method", "wald"], "unknown method"),
        (["estimate", SYN, "--outcome", "confident", "--weight", "confident"], "missing values"),
        (["estimate", SYN, "--outcome", "confident", "--by", "county"], "'county' is not in the data"),
        (
            [
                "compare",
                SYN,
                "--outcome",
                "confident",
                "--by",
                "wave",
                "--base",
                "2019Q1",
                "--current",
                "2025Q4",
            ],
            "wave '2019Q1'",
        ),
        (["samplesize", "--p1", "0.5", "--p2", "0.5"], "must differ"),
    ],
)
def test_bad_input_is_one_line_and_status_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:")


def test_negative_weights(capsys, tmp_path):
    df = pd.read_csv(SYN)
    df.loc[3, "base_weight"] = -1
    path = tmp_path / "neg.csv"
    df.to_csv(path, index=False)
    code, _, err = run(capsys, "estimate", str(path), "--outcome", "confident", "--weight", "base_weight")
    assert code == 2 and "negative" in err


def test_module_entry_point_has_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "estimate", SYN, "--outcome", "area"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT_FOR_CLI,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error:")


def test_library_imports_neither_flask_nor_the_web_app():
    code = (
        "import sys, analysis.cli, analysis.change, analysis.planning;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'survey_app')];"
        "sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT_FOR_CLI, check=False)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["samplesize", "--p1", "0.56", "--p2", "0.61"],
        [
            "compare",
            SYN,
            "--outcome",
            "confident",
            "--weight",
            "base_weight",
            "--by",
            "wave",
            "--base",
            "2025Q1",
            "--current",
            "2025Q4",
        ],
    ],
)
def test_every_subcommand_writes_json_or_csv(capsys, argv):
    code, as_json, _ = run(capsys, *argv, "--format", "json")
    assert code == 0
    code, as_csv, _ = run(capsys, *argv, "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(as_csv))
    assert list(table.columns) == ["name", "value"]
    flat = dict(zip(table["name"], table["value"].astype(str), strict=True))
    for key, value in json.loads(as_json).items():
        if not isinstance(value, dict | list) and value is not None:
            assert flat[key] == str(value) or float(flat[key]) == pytest.approx(float(value))


def test_rake_writes_json_when_asked(capsys, tmp_path):
    out = tmp_path / "raked.json"
    code, _, _ = run(
        capsys,
        "rake",
        SYN,
        "--margins",
        str(DATA / "synthetic_margins.csv"),
        "--weight",
        "base_weight",
        "--out",
        str(out),
        "--format",
        "json",
    )
    assert code == 0
    records = json.loads(out.read_text())
    assert len(records) == len(pd.read_csv(SYN)) and "weight" in records[0]


@pytest.mark.parametrize("option", ["adjust", "average"])
def test_lonely_psu_options_on_the_command_line(capsys, tmp_path, option):
    code, out, err = run(
        capsys,
        "estimate",
        str(DATA / "apistrat_lonely.csv"),
        "--outcome",
        "confident",
        "--weight",
        "pw",
        "--strata",
        "lstrat",
        "--fpc",
        "fpc",
        "--lonely-psu",
        option,
        "--format",
        "json",
    )
    assert code == 0, err
    (row,) = json.loads(out)
    assert 0 < row["se"] < 1
    code, _, err = run(
        capsys,
        "estimate",
        str(DATA / "apistrat_lonely.csv"),
        "--outcome",
        "confident",
        "--weight",
        "pw",
        "--strata",
        "lstrat",
        "--fpc",
        "fpc",
    )
    assert code == 2 and "only one PSU" in err


def test_two_stage_design_on_the_command_line_equals_r(capsys, expected):
    rows = expected["designs"]["apiclus2"]["whole"]["rows"]
    code, out, err = run(
        capsys,
        "estimate",
        str(DATA / "apiclus2.csv"),
        "--outcome",
        "confident",
        "--cluster",
        "dnum,snum",
        "--fpc",
        "fpc1,fpc2",
        "--format",
        "json",
    )
    assert code == 0, err
    (row,) = json.loads(out)
    (r,) = [e for e in rows if e["method"] == "logit" and e["level"] == 0.95]
    assert row["se"] == pytest.approx(r["se"], rel=1e-6)
    assert row["ci_low"] == pytest.approx(r["ci_low"], rel=1e-5)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--cluster", "dnum", "--fpc", "fpc1,fpc2"], "give --cluster the two stages"),
        (["--cluster", "dnum,snum,cds", "--fpc", "fpc1,fpc2,fpc2"], "at most two stages"),
    ],
)
def test_two_stage_faults_are_one_line(capsys, extra, message):
    code, _, err = run(capsys, "estimate", str(DATA / "apiclus2.csv"), "--outcome", "confident", *extra)
    assert code == 2
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
    assert message in err


def test_a_raked_two_stage_design_on_the_command_line_equals_r(capsys, expected):
    want = expected["raked_two_stage"]
    code, out, err = run(
        capsys,
        "estimate",
        str(DATA / "apiclus2.csv"),
        "--outcome",
        "confident",
        "--cluster",
        "dnum,snum",
        "--fpc",
        "fpc1,fpc2",
        "--margins",
        str(DATA / "apipop_margins.csv"),
        "--by",
        "stype",
        "--format",
        "json",
    )
    assert code == 0, err
    got = {r["domain"]: r for r in json.loads(out)}
    rows = [r for r in want["by_stype"]["rows"] if r["method"] == "logit" and r["level"] == 0.95]
    assert len(rows) == 3
    for r in rows:
        assert got[r["domain"]]["se"] == pytest.approx(r["se"], rel=1e-6)
        assert got[r["domain"]]["ci_high"] == pytest.approx(r["ci_high"], rel=1e-5)


@pytest.mark.parametrize(("rake", "variant"), [("each-wave", "raked_each_wave"), ("pooled", "raked")])
def test_compare_rakes_each_wave_on_its_own_unless_asked_to_pool(capsys, tmp_path, expected, rake, variant):
    df = pd.read_csv(SYN, dtype=str, keep_default_na=False)
    complete = tmp_path / "complete.csv"
    df[df["confident"] != ""].to_csv(complete, index=False)  # R's change block uses complete cases
    want = expected["synthetic"]["change"][variant]
    code, out, err = run(
        capsys,
        "compare",
        str(complete),
        "--outcome",
        "confident",
        *DESIGN,
        "--margins",
        MARGINS,
        "--rake",
        rake,
        "--by",
        "wave",
        "--base",
        "2025Q1",
        "--current",
        "2025Q4",
        "--where",
        "area=Altrincham",
    )
    assert code == 0, err
    change = json.loads(out)["change"]
    assert change["difference"] == pytest.approx(want["difference"], rel=1e-6)
    assert change["se"] == pytest.approx(want["se"], rel=1e-6)
    assert ("each of 2 waves" in err) == (rake == "each-wave")


def test_waves_not_compared_neither_stop_the_raking_nor_change_the_change(capsys, tmp_path):
    df = pd.read_csv(SYN, dtype=str, keep_default_na=False)
    df = df[df["confident"] != ""]
    # A tiny wave with only women (it could not be raked) and a respondent without a wave, in PSUs
    # the sample already has: neither is compared, so neither changes the comparison.
    extra = df.head(4).copy()
    extra["wave"] = ["2019Q1", "2019Q1", "2019Q1", ""]
    extra["sex"] = "F"
    paths = {"plain": tmp_path / "plain.csv", "extra": tmp_path / "extra.csv"}
    df.to_csv(paths["plain"], index=False)
    pd.concat([df, extra]).to_csv(paths["extra"], index=False)
    changes = {}
    for name, path in paths.items():
        argv = ["compare", str(path), "--outcome", "confident", *DESIGN, "--margins", MARGINS, "--by", "wave"]
        code, out, err = run(capsys, *argv, "--base", "2025Q1", "--current", "2025Q4")
        assert code == 0, err
        changes[name] = json.loads(out)["change"]
    assert changes["extra"]["difference"] == pytest.approx(changes["plain"]["difference"], rel=1e-12)
    assert changes["extra"]["se"] == pytest.approx(changes["plain"]["se"], rel=1e-9)
