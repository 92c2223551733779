"""Benchmark: rake a 1,000,000-respondent survey and estimate confidence by area and by area x quarter.

    .venv/bin/python benchmarks/analysis_bench.py [--n 1000000] [--no-r] [--method logit]

Makes a survey (5 areas, 8 quarters, 4 age bands x 2 sexes, unequal starting weights, outcome 0/1),
rakes it to age x sex x area margins and estimates by area and by area x quarter with SEs that account
for the raking. Prints wall time and peak memory of that job (the data generation is timed apart).
Where ``Rscript`` with the survey package is present it times R's ``rake`` + ``svyby(svyciprop)`` on
the same data in the same run and prints the ratio. Targets (issue 3): under 1.5 s and 1 GB, at least
50x faster than R, linear in respondents (use ``--n`` at a few sizes to see it).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.design import Design
from analysis.proportions import estimate_proportions
from analysis.raking import margins_from_rows, rake, raked_design

AREAS = np.array(["Altrincham", "Sale", "Stretford", "Urmston", "Partington"])
QUARTERS = np.array([f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)])
AGES = np.array(["16-24", "25-44", "45-64", "65+"])
SEXES = np.array(["F", "M"])

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
m <- read.csv(args[2], colClasses = "character")
areas <- c("Altrincham", "Sale", "Stretford", "Urmston", "Partington")
ages <- c("16-24", "25-44", "45-64", "65+")
d$area <- factor(areas[d$area + 1], levels = areas)
d$age <- factor(ages[d$age + 1], levels = ages)
d$sex <- factor(c("F", "M")[d$sex + 1], levels = c("F", "M"))
d$quarter <- factor(d$quarter)
pop <- function(v) {
  x <- m[m$variable == v, ]
  out <- data.frame(x$category, Freq = as.numeric(x$population_count))
  names(out)[1] <- v
  out
}
t0 <- proc.time()[["elapsed"]]
des <- svydesign(ids = ~1, weights = ~w, data = d)
rk <- rake(des, list(~age, ~sex, ~area), list(pop("age"), pop("sex"), pop("area")),
           control = list(maxit = 50, epsilon = 1e-7))
a <- svyby(~y, ~area, rk, svyciprop, method = "logit", vartype = c("se", "ci"))
b <- svyby(~y, ~area + quarter, rk, svyciprop, method = "logit", vartype = c("se", "ci"))
cat(sprintf("%.6f\n", proc.time()[["elapsed"]] - t0))
"""


def make_survey(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    """A survey with area-specific sampling rates, so the raking has real work to do."""
    rng = np.random.default_rng(seed)
    area = rng.choice(5, n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    quarter = rng.integers(0, 8, n)
    age = rng.choice(4, n, p=[0.1, 0.3, 0.35, 0.25])
    sex = rng.choice(2, n, p=[0.56, 0.44])
    w = rng.uniform(20, 80, n)
    lp = -0.2 + 0.3 * (area == 0) + 0.15 * age - 0.2 * sex + 0.03 * quarter
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(np.float64)
    return {"area": area, "quarter": quarter, "age": age, "sex": sex, "w": w, "y": y}


def make_margins(total: float) -> list[dict[str, str]]:
    """Population counts for the age, sex and area margins (long format, as the CLI reads them)."""
    shares = {
        "area": (AREAS, [0.24, 0.28, 0.22, 0.2, 0.06]),
        "age": (AGES, [0.14, 0.33, 0.32, 0.21]),
        "sex": (SEXES, [0.51, 0.49]),
    }
    rows = []
    for var, (cats, share) in shares.items():
        counts = np.round(np.array(share) * total)
        counts[-1] = total - counts[:-1].sum()
        rows += [
            {"variable": var, "category": str(c), "population_count": f"{n:.0f}"}
            for c, n in zip(cats, counts, strict=True)
        ]
    return rows


def job(
    data: dict[str, np.ndarray], margin_rows: list[dict[str, str]], method: str
) -> tuple[list, list, str]:
    """The timed work: build the design, rake, estimate by area and by area x quarter."""
    margins = margins_from_rows(margin_rows)
    columns = {"area": AREAS[data["area"]], "age": AGES[data["age"]], "sex": SEXES[data["sex"]]}
    result = rake(columns, margins, ["age", "sex", "area"], data["w"])
    design = raked_design(Design.build(weights=data["w"]), result)
    by_area = estimate_proportions(design, data["y"], data["area"], list(AREAS), method=method)
    aq = data["area"] * 8 + data["quarter"]
    aq_labels = [f"{a}:{q}" for a in AREAS for q in QUARTERS]
    by_area_quarter = estimate_proportions(design, data["y"], aq, aq_labels, method=method)
    return by_area, by_area_quarter, result.report()


def run_r(data: dict[str, np.ndarray], margin_rows: list[dict[str, str]]) -> float | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        dpath = Path(tmp) / "d.csv"
        mpath = Path(tmp) / "m.csv"
        spath = Path(tmp) / "bench.R"
        cols = np.column_stack(
            [data["area"], data["quarter"], data["age"], data["sex"], data["w"], data["y"]]
        )
        np.savetxt(
            dpath,
            cols,
            delimiter=",",
            fmt=["%d", "%d", "%d", "%d", "%.10g", "%d"],
            header="area,quarter,age,sex,w,y",
            comments="",
        )
        with open(mpath, "w", encoding="utf-8") as fh:
            fh.write("variable,category,population_count\n")
            for r in margin_rows:
                fh.write(f"{r['variable']},{r['category']},{r['population_count']}\n")
        spath.write_text(R_SCRIPT)
        proc = subprocess.run(
            ["Rscript", str(spath), str(dpath), str(mpath)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print("R failed:", proc.stderr.strip().splitlines()[-1:] or "?")
            return None
        return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--method", default="logit")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = make_survey(args.n)
    margin_rows = make_margins(total=round(args.n * 0.235) * 100.0)
    print(f"generated {args.n:,} respondents in {time.perf_counter() - t0:.2f} s")

    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        by_area, by_aq, report = job(data, margin_rows, args.method)
        times.append(time.perf_counter() - t0)
    best = min(times)
    tracemalloc.start()
    job(data, margin_rows, args.method)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(report)
    print(f"{len(by_area)} area estimates, {len(by_aq)} area x quarter estimates ({args.method})")
    a = by_area[0]
    interval = f"{a.ci_low:.4f}-{a.ci_high:.4f}"
    print(f"  e.g. {a.domain}: {a.estimate:.4f} (se {a.se:.5f}, {interval}, deff {a.deff:.3f})")
    print(f"wall time (rake + estimates, best of {args.repeat}): {best:.3f} s")
    print(f"peak memory allocated by the job: {peak / 2**20:.0f} MiB; process peak RSS: {rss:.0f} MiB")
    if not args.no_r:
        r_time = run_r(data, margin_rows)
        if r_time is None:
            print("R: not run (no Rscript with the survey package)")
        else:
            print(f"R rake + svyby(svyciprop): {r_time:.2f} s; ratio R / analysis = {r_time / best:.0f}x")


if __name__ == "__main__":
    main()
