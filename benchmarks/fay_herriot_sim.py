"""Simulation study: do the Fay-Herriot ward intervals cover the truth as often as they claim?

    .venv/bin/python benchmarks/fay_herriot_sim.py [--reps 1000] [--seed 18]

Trafford's 21 wards, with the auxiliary variables the dashboard uses (data/ward_auxiliary.csv).
Each replicate draws every ward's true proportion from the model, theta_d = x_d' beta + u_d with
u_d ~ N(0, A), then a survey: n_d respondents per ward (a quarter's worth: 0 to 60), each with a
weight, answering 1 with probability theta_d. The direct estimate and its design variance come from
`estimate_proportions`, exactly as on the dashboard (so the variances are estimated, as in practice,
not known as the model assumes); wards with fewer than two respondents or a zero variance get the
synthetic estimate. Reported per scenario, over all wards and replicates: coverage of the nominal
95% intervals (model-based, direct, synthetic), their mean widths, and the root mean squared error
of each estimator against the truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.design import Design
from analysis.proportions import estimate_proportions
from analysis.smallarea import MODEL, SYNTHETIC, fay_herriot

ROOT = Path(__file__).resolve().parent.parent
BANDS = {"2-9 respondents": (2, 9), "10-29": (10, 29), "30-60": (30, 60)}
COVARIATES = ["under_16_share", "adult_growth"]
# Ward sample sizes for one quarter: a few wards with nobody or almost nobody.
SIZES = np.array([0, 1, 4, 8, 10, 12, 15, 18, 20, 22, 25, 25, 28, 30, 32, 35, 40, 45, 50, 55, 60])
SCENARIOS = [  # (name, area variance A, beta for centred covariates)
    ("A = 0.002, covariates weak", 0.002, (0.55, 0.4, -0.3)),
    ("A = 0.005, covariates help", 0.005, (0.55, 3.0, -2.0)),
    ("A = 0.010, covariates help", 0.010, (0.55, 3.0, -2.0)),
]


def simulate(reps: int, seed: int, a_true: float, beta: tuple[float, ...], x: np.ndarray) -> dict:
    rng = np.random.default_rng(seed)
    m = x.shape[0]
    xc = np.hstack([np.ones((m, 1)), x - x.mean(axis=0)])
    mean = xc @ np.asarray(beta)
    hits = {MODEL: [], SYNTHETIC: [], "direct": []}
    by_size: dict[str, list[bool]] = {band: [] for band in BANDS}
    widths = {MODEL: [], SYNTHETIC: [], "direct": []}
    errors = {"fh": [], "direct": []}
    truncated = 0
    wards = np.repeat(np.arange(m), SIZES)
    labels = [str(k) for k in range(m)]
    for _ in range(reps):
        theta = np.clip(mean + rng.normal(0, np.sqrt(a_true), m), 0.02, 0.98)
        y = (rng.random(wards.shape[0]) < theta[wards]).astype(float)
        design = Design.build(weights=rng.uniform(20, 80, wards.shape[0]))
        direct = estimate_proportions(design, y, wards, labels, method="mean")
        usable = np.array([r.n >= 2 and r.se > 0 for r in direct])
        est = np.array([r.estimate for r in direct])
        var = np.array([r.se**2 for r in direct])
        fit = fay_herriot(np.where(usable, est, np.nan), np.where(usable, var, np.nan), x)
        truncated += fit.truncated
        for d, area in enumerate(fit.areas):
            covered = area.ci_low <= theta[d] <= area.ci_high
            hits[area.kind].append(covered)
            if area.kind == MODEL:
                by_size[_band(SIZES[d])].append(covered)
            widths[area.kind].append(area.ci_high - area.ci_low)
            if usable[d]:
                errors["fh"].append(area.estimate - theta[d])
                errors["direct"].append(est[d] - theta[d])
                lo, hi = direct[d].ci_low, direct[d].ci_high
                hits["direct"].append(lo <= theta[d] <= hi)
                widths["direct"].append(hi - lo)
    return {
        "coverage": {k: float(np.mean(v)) for k, v in hits.items() if v},
        "width": {k: float(np.mean(v)) for k, v in widths.items() if v},
        "rmse": {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in errors.items()},
        "truncated": truncated / reps,
        "by_size": {band: float(np.mean(v)) for band, v in by_size.items() if v},
    }


def _band(n: int) -> str:
    return next(band for band, (lo, hi) in BANDS.items() if lo <= n <= hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    aux = pd.read_csv(ROOT / "data" / "ward_auxiliary.csv")
    x = aux[COVARIATES].to_numpy(dtype=float)
    print(f"{len(aux)} wards, {SIZES.sum()} respondents a quarter, {args.reps} replicates per scenario")
    print("nominal level 95%; intervals: model = EBLUP ± 1.96 √MSE, direct = svymean Wald on the design df")
    for k, (name, a_true, beta) in enumerate(SCENARIOS):
        t0 = time.perf_counter()
        r = simulate(args.reps, args.seed + k, a_true, beta, x)
        cov, width, rmse = r["coverage"], r["width"], r["rmse"]
        print(f"\n{name} ({time.perf_counter() - t0:.1f} s; A estimated as 0 in {r['truncated']:.0%})")
        print(f"  {'estimate':<10}{'coverage':>10}{'mean width':>12}")
        for kind in (MODEL, "direct", SYNTHETIC):
            if kind in cov:
                print(f"  {kind:<10}{cov[kind]:>10.1%}{width[kind]:>12.3f}")
        bands = ", ".join(f"{band} {c:.1%}" for band, c in r["by_size"].items())
        print(f"  model coverage by ward size: {bands}")
        print(
            f"  RMSE against the truth, wards with a direct estimate: model {rmse['fh']:.4f}, "
            f"direct {rmse['direct']:.4f} ({rmse['fh'] / rmse['direct']:.0%} of direct)"
        )


if __name__ == "__main__":
    main()
