"""Regenerate the R reference numbers live, where R and its survey package are installed.

CI has no R; there this test is skipped and the committed expected/r_expected.json is the reference.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .conftest import EXPECTED, HERE, relative_difference


def _numbers(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers(v, f"{path}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _numbers(v, f"{path}/{i}")
    else:
        yield path, obj


def _has_r_survey() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "library(survey); library(jsonlite)"], capture_output=True, check=False
    )
    return probe.returncode == 0


@pytest.mark.skipif(
    not _has_r_survey(), reason="Rscript with the survey and jsonlite packages is not installed"
)
def test_committed_expectations_are_what_r_computes(tmp_path):
    proc = subprocess.run(
        ["Rscript", str(HERE / "r" / "make_expected.R"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    fresh = dict(_numbers(json.loads((tmp_path / "expected" / "r_expected.json").read_text())))
    committed = dict(_numbers(json.loads(EXPECTED.read_text())))
    assert fresh.keys() == committed.keys()
    for key, value in committed.items():
        if isinstance(value, float):
            assert relative_difference(fresh[key], value) < 1e-9, key
        else:
            assert fresh[key] == value, key
