"""Benchmark: the command line on a million-row CSV, against R on the same file in the same run.

    .venv/bin/python benchmarks/analysis_cli_bench.py [--sizes 250000,500000,1000000] [--no-r]

The job (issue 18): ``python -m analysis estimate`` reads a CSV of respondents (area, quarter, age
band and sex as text, a starting weight, a 0/1 outcome), rakes to the age, sex and area margins and
estimates confidence in the five areas with logit intervals. Our time is the whole command, best of
``--repeat`` runs, less the start-up of a bare interpreter (``python -c pass``), so reading the file
and importing numpy, pandas and pyarrow count. R's time is the same job in one ``Rscript`` from
``read.csv`` to ``svyby(svyciprop)``, less nothing but R's own start-up and ``library(survey)``.
Targets: under 1.5 s for a million rows, at least 50 times faster than R, linear in rows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis_bench import AGES, AREAS, QUARTERS, SEXES, make_margins, make_survey

ROOT = Path(__file__).resolve().parent.parent

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1])
m <- read.csv(args[2], colClasses = "character")
pop <- function(v) {
  x <- m[m$variable == v, ]
  out <- data.frame(factor(x$category, levels = x$category), Freq = as.numeric(x$population_count))
  names(out)[1] <- v
  out
}
for (v in c("age", "sex", "area")) d[[v]] <- factor(d[[v]], levels = m$category[m$variable == v])
des <- svydesign(ids = ~1, weights = ~w, data = d)
rk <- rake(des, list(~age, ~sex, ~area), list(pop("age"), pop("sex"), pop("area")),
           control = list(maxit = 50, epsilon = 1e-7))
a <- svyby(~y, ~area, rk, svyciprop, method = "logit", vartype = c("se", "ci"))
cat(sprintf("%.6f\n", proc.time()[["elapsed"]] - t0))
write.csv(data.frame(area = a$area, estimate = a$y, se = a$se), args[3], row.names = FALSE)
"""


def write_files(n: int, folder: Path) -> tuple[Path, Path]:
    data = make_survey(n)
    frame = pd.DataFrame(
        {
            "area": AREAS[data["area"]],
            "quarter": QUARTERS[data["quarter"]],
            "age": AGES[data["age"]],
            "sex": SEXES[data["sex"]],
            "w": np.round(data["w"], 6),
            "y": data["y"].astype(np.int64),
        }
    )
    data_path, margins_path = folder / f"survey_{n}.csv", folder / "margins.csv"
    frame.to_csv(data_path, index=False)
    pd.DataFrame(make_margins(total=round(n * 0.235) * 100.0)).to_csv(margins_path, index=False)
    return data_path, margins_path


def timed(argv: list[str], repeat: int) -> tuple[float, subprocess.CompletedProcess]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, result


def ours(data_path: Path, margins_path: Path, repeat: int) -> tuple[float, pd.DataFrame]:
    argv = [sys.executable, "-m", "analysis", "estimate", str(data_path), "--outcome", "y"]
    argv += ["--weight", "w", "--margins", str(margins_path), "--by", "area", "--method", "logit"]
    seconds, result = timed(argv, repeat)
    startup, _ = timed([sys.executable, "-c", "pass"], repeat)
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout))
    return seconds - startup, frame


def theirs(data_path: Path, margins_path: Path, folder: Path) -> tuple[float, pd.DataFrame] | None:
    if shutil.which("Rscript") is None:
        return None
    script, out = folder / "job.R", folder / "r_out.csv"
    script.write_text(R_SCRIPT)
    proc = subprocess.run(
        ["Rscript", str(script), str(data_path), str(margins_path), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print("R failed:", (proc.stderr.strip().splitlines() or ["?"])[-1])
        return None
    return float(proc.stdout.strip().splitlines()[-1]), pd.read_csv(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250000,500000,1000000", help="rows, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our command; the best counts")
    parser.add_argument("--no-r", action="store_true", help="skip R")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'rows':>10} {'analysis (s)':>13} {'µs per row':>11}")
        times = []
        for n in sizes:
            data_path, margins_path = write_files(n, folder)
            seconds, frame = ours(data_path, margins_path, args.repeat)
            times.append(seconds)
            print(f"{n:>10,} {seconds:>13.3f} {seconds / n * 1e6:>11.2f}")
        if len(sizes) > 1:
            # Linear in rows: a straight line through the times, a fixed cost (imports) plus a rate.
            slope, fixed = np.polyfit(sizes, times, 1)
            worst = max(abs(fixed + slope * n - t) / t for n, t in zip(sizes, times, strict=True))
            print(
                f"fit: {fixed:.3f} s fixed + {slope * 1e6:.3f} µs per row; "
                f"farthest point {worst:.0%} off the line"
            )
        if args.no_r:
            return
        r = theirs(data_path, margins_path, folder)
        if r is None:
            print("R: not run (no Rscript with the survey package)")
            return
        r_seconds, r_frame = r
        merged = frame.merge(r_frame, left_on="domain", right_on="area", suffixes=("", "_r"))
        worst = float(
            np.max(np.abs(merged[["estimate", "se"]].to_numpy() - merged[["estimate_r", "se_r"]].to_numpy()))
        )
        print(f"R read.csv + rake + svyby(svyciprop) on {sizes[-1]:,} rows: {r_seconds:.2f} s")
        print(f"ratio R / analysis: {r_seconds / seconds:.0f}x (target 50x)")
        print(f"largest difference from R in an estimate or SE: {worst:.1e} (R rakes to epsilon 1e-7)")


if __name__ == "__main__":
    main()
