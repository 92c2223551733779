"""Command line: ``python -m analysis rake|estimate|compare|wards|samplesize``.

Bad input (a missing file or column, an outcome that is not 0/1, negative or missing weights, an
unknown method...) prints one line starting ``error:`` on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import partial

import numpy as np
import pandas as pd

from .change import above_target, compare_waves
from .design import LONELY_PSU_OPTIONS, Design, DesignError, codes_of
from .intervals import METHODS, MethodError
from .means import STATISTICS, check_values, estimate_means
from .proportions import OutcomeError, estimate_proportions
from .raking import RakingError, Trim, rake, rake_each_wave, raked_design, read_margins
from .reading import InputError, read_table
from .smallarea import MIN_RESPONDENTS, SmallAreaError, from_direct

ESTIMATE_COLUMNS = [
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
]
MEAN_COLUMNS = [*ESTIMATE_COLUMNS[:-2], "statistic", "level"]


def _read_data(args: argparse.Namespace, margins: dict | None = None) -> pd.DataFrame:
    """The columns the command's options name: numbers as numbers, everything else as text."""
    numeric = [args.outcome, args.weight, *_split(args.fpc)]
    text = [args.strata, *_split(args.cluster), *_split(getattr(args, "by", None))]
    text += [getattr(args, "rolling", None), getattr(args, "area", None)]
    text += [c.split("=", 1)[0].strip() for c in getattr(args, "where", None) or []]
    if margins is not None:
        text += _split(args.vars) or list(margins)
    return read_table(args.data, text=[c for c in text if c], numeric=[c for c in numeric if c])


def _column(df: pd.DataFrame, name: str, what: str) -> pd.Series:
    if name not in df.columns:
        raise InputError(f"{what} column {name!r} is not in the data")
    return df[name]


def _numeric(df: pd.DataFrame, name: str, what: str) -> np.ndarray:
    col = _column(df, name, what)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    bad = col.notna().to_numpy() & np.isnan(values)
    if bad.any():
        raise InputError(f"{what} column {name!r} has a non-numeric value {col[bad].iloc[0]!r}")
    return values


def _weights(df: pd.DataFrame, name: str | None) -> np.ndarray | None:
    if name is None:
        return None
    w = _numeric(df, name, "weight")
    if np.isnan(w).any():
        raise InputError(f"weight column {name!r} has missing values")
    if (w < 0).any():
        raise InputError(f"weight column {name!r} has negative values")
    return w


def _outcome(df: pd.DataFrame, name: str) -> np.ndarray:
    y = _numeric(df, name, "outcome")
    present = ~np.isnan(y)
    if ((y[present] != 0) & (y[present] != 1)).any():
        raise InputError(f"outcome column {name!r} must be 0/1 (or empty for missing)")
    return y


def _answers(df: pd.DataFrame, name: str) -> np.ndarray:
    try:
        return check_values(_numeric(df, name, "outcome"))
    except OutcomeError as exc:
        raise InputError(f"outcome column {name!r}: {exc}") from exc


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def _trim(text: str | None, relative: bool) -> Trim | None:
    if not text:
        return None
    parts = _split(text)
    try:
        lo, hi = (float(x) for x in parts)
    except ValueError as exc:
        raise InputError("--trim takes two numbers, LO,HI") from exc
    return Trim(lo, hi, relative=relative)


def _design(df: pd.DataFrame, args: argparse.Namespace) -> Design:
    strata = _column(df, args.strata, "strata") if args.strata else None
    # One column per stage: --cluster psu,ssu --fpc fpc1,fpc2 (as svydesign's id = ~psu + ssu).
    clusters = _split(args.cluster)
    fpcs = _split(args.fpc)
    if len(clusters) > 2 or len(fpcs) > 2:
        raise InputError("--cluster and --fpc take at most two stages: psu,ssu and fpc1,fpc2")
    if len(fpcs) == 2 and len(clusters) != 2:
        raise InputError("--fpc names two stages: give --cluster the two stages' columns too")
    cluster, cluster2 = ([_column(df, c, "cluster") for c in clusters] + [None, None])[:2]
    fpc, fpc2 = ([_numeric(df, f, "fpc") for f in fpcs] + [None, None])[:2]
    for name, col in (("strata", strata), ("cluster", cluster), ("cluster", cluster2)):
        if col is not None and pd.isna(col).any():
            raise InputError(f"{name} column has missing values")
    return Design.build(
        len(df),
        weights=_weights(df, args.weight),
        strata=strata,
        cluster=cluster,
        fpc=fpc,
        lonely_psu=args.lonely_psu,
        cluster2=cluster2,
        fpc2=fpc2,
    )


def _margins(args: argparse.Namespace) -> dict | None:
    return read_margins(args.margins) if getattr(args, "margins", None) else None


def _rake_design(
    df: pd.DataFrame,
    design: Design,
    margins: dict | None,
    args: argparse.Namespace,
    waves: tuple[np.ndarray, tuple[str, str]] | None = None,
) -> tuple[Design, str | None]:
    """The design raked to the margins: all respondents together, or (``waves``: each respondent's
    wave and the two compared) each compared wave on its own."""
    if margins is None:
        return design, None
    variables = _split(args.vars) or list(margins)
    data = {v: _column(df, v, "raking") for v in variables}
    trim = _trim(args.trim, args.trim_relative)
    if waves is None:
        result = rake(data, margins, variables, design.weights, trim=trim)
    else:
        wave, compared = waves
        result = rake_each_wave(data, margins, variables, design.weights, wave, trim=trim, only=compared)
    return raked_design(design, result), result.report()


def _clean(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def _domains(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray | None, list[str] | None]:
    if not by:
        return None, None
    cols = [_column(df, b, "--by").fillna("(missing)").astype(str) for b in by]
    # pandas joins a list of Series element-wise; pandas-stubs lists only a list of str.
    key = cols[0] if len(cols) == 1 else cols[0].str.cat(cols[1:], sep=":")  # type: ignore[arg-type]
    codes, labels = codes_of(key)
    return codes, [str(x) for x in labels]


def cmd_rake(args: argparse.Namespace) -> int:
    margins = read_margins(args.margins)
    df = read_table(args.data)
    variables = _split(args.vars) or list(margins)
    data = {v: _column(df, v, "raking") for v in variables}
    start = _weights(df, args.weight)
    result = rake(
        data, margins, variables, start, trim=_trim(args.trim, args.trim_relative), raise_on_failure=False
    )
    print(result.report())
    if not result.converged:
        raise RakingError("raking did not converge; no weights written")
    out = df.copy()
    out["weight"] = result.weights
    if args.format == "json":
        out.to_json(args.out, orient="records", indent=2)
    else:
        out.to_csv(args.out, index=False)
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    estimator = _estimator(args)
    margins = _margins(args)
    df = _read_data(args, margins)
    y = (_outcome if args.statistic == "proportion" else _answers)(df, args.outcome)
    design = _design(df, args)
    design, report = _rake_design(df, design, margins, args)
    codes, labels = _domains(df, _split(args.by))
    if args.rolling:
        rows = _rolling(df, design, y, codes, labels, estimator, args)
    else:
        rows = estimator(design, y, codes, labels)
    columns = ESTIMATE_COLUMNS if args.statistic == "proportion" else MEAN_COLUMNS
    records = [{k: _clean(r.as_dict()[k]) for k in columns} for r in rows]
    if report:
        print(report, file=sys.stderr)
    if args.format == "json":
        print(json.dumps(records, indent=2))
    else:
        pd.DataFrame(records, columns=columns).to_csv(sys.stdout, index=False)
    return 0


Estimator = Callable[[Design, np.ndarray, np.ndarray | None, list[str] | None], list]


def _estimator(args: argparse.Namespace) -> Estimator:
    """The estimate ``--statistic`` asks for, with the interval options that apply to it."""
    if args.statistic == "proportion":
        method = args.method or "logit"
        return partial(estimate_proportions, method=method, level=args.level, missing=args.missing)
    if args.method is not None:
        raise InputError(
            "--method chooses a proportion's interval; a mean or total has a t interval on the "
            "design's degrees of freedom"
        )
    return partial(estimate_means, statistic=args.statistic, level=args.level, missing=args.missing)


def _rolling(df, design, y, codes, labels, estimator, args) -> list:
    """Estimates over windows of ``--window`` consecutive periods (sorted labels), per domain."""
    if args.window < 1:
        raise InputError("--window must be at least 1")
    period = _column(df, args.rolling, "--rolling").fillna("(missing)").astype(str).to_numpy()
    order = sorted(set(period.tolist()) - {"(missing)"})
    if len(order) < args.window:
        raise InputError(f"--rolling column {args.rolling!r} has fewer than {args.window} periods")
    if codes is None:
        codes, labels = np.zeros(len(df), dtype=np.int64), ["all"]
    rows = []
    for k in range(args.window - 1, len(order)):
        span = order[k - args.window + 1 : k + 1]
        in_window = np.isin(period, span)
        window_labels = [f"{lab}|{span[0]}..{span[-1]}" for lab in labels]
        rows += estimator(design, y, np.where(in_window, codes, -1), window_labels)
    return rows


WARD_COLUMNS = [
    "area",
    "n",
    "direct",
    "direct_se",
    "estimate",
    "rmse",
    "ci_low",
    "ci_high",
    "kind",
    "shrinkage",
    "synthetic",
    "level",
]


def cmd_wards(args: argparse.Namespace) -> int:
    """Direct and Fay-Herriot estimates for every area of the auxiliary file."""
    if args.method is not None:
        raise InputError(
            "--method chooses a proportion's interval; ward estimates have intervals from the model"
        )
    covariates = _split(args.covariates)
    aux = read_table(args.auxiliary, text=[args.area], numeric=covariates)
    areas = _column(aux, args.area, "--area (in the auxiliary file)")
    if areas.isna().any() or areas.duplicated().any():
        raise InputError(f"the auxiliary file needs one row per area, each with a {args.area!r}")
    x = np.column_stack([_numeric(aux, c, "auxiliary") for c in covariates]) if covariates else None
    margins = _margins(args)
    df = _read_data(args, margins)
    y = (_outcome if args.statistic == "proportion" else _answers)(df, args.outcome)
    design = _design(df, args)
    design, report = _rake_design(df, design, margins, args)
    labels = [str(a) for a in areas]
    answered = _column(df, args.area, "--area")
    unknown = sorted(set(answered.dropna().astype(str)) - set(labels))
    if unknown:
        raise InputError(f"area {unknown[0]!r} is in the data but not in the auxiliary file")
    codes = pd.Categorical(answered.astype("object"), categories=labels).codes.astype(np.int64)
    if args.statistic == "proportion":
        direct: list = estimate_proportions(design, y, codes, labels, method="mean", level=args.level)
    else:
        direct = estimate_means(design, y, codes, labels, statistic="mean", level=args.level)
    fit = from_direct(
        direct,
        x if x is not None else np.zeros((len(labels), 0)),
        labels=labels,
        covariate_names=covariates,
        min_respondents=args.min_respondents,
        level=args.level,
        bounds=(0.0, 1.0) if args.statistic == "proportion" else None,
    )
    # The direct estimate is shown for every area that has one, usable by the model or not.
    rows = [
        {**a.as_dict(), "direct": r.estimate, "direct_se": r.se}
        for a, r in zip(fit.areas, direct, strict=True)
    ]
    records = [{k: _clean(row[k]) for k in WARD_COLUMNS} for row in rows]
    model = {
        "covariates": fit.covariates,
        "beta": fit.beta.tolist(),
        "beta_se": fit.beta_se.tolist(),
        "area_variance": fit.area_variance,
        "area_variance_se": fit.area_variance_se,
        "truncated": fit.truncated,
        "areas_fitted": fit.areas_fitted,
    }
    if report:
        print(report, file=sys.stderr)
    if args.format == "json":
        print(json.dumps({"model": _clean_tree(model), "areas": records}, indent=2))
    else:
        print(
            f"model: area variance {fit.area_variance:.6g}{' (truncated at 0)' if fit.truncated else ''}, "
            f"{fit.areas_fitted} areas fitted",
            file=sys.stderr,
        )
        pd.DataFrame(records, columns=WARD_COLUMNS).to_csv(sys.stdout, index=False)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    margins = _margins(args)
    df = _read_data(args, margins)
    y = _outcome(df, args.outcome)
    design = _design(df, args)
    wave = _column(df, args.by, "--by").fillna("(missing)").astype(str).to_numpy()
    compared = (args.base, args.current)
    design, report = _rake_design(
        df, design, margins, args, (wave, compared) if args.rake == "each-wave" else None
    )
    for label in (args.base, args.current):
        if label not in set(wave.tolist()):
            raise InputError(f"wave {label!r} is not in column {args.by!r}")
    mask = np.ones(len(df), dtype=bool)
    for cond in args.where or []:
        if "=" not in cond:
            raise InputError(f"--where takes COLUMN=VALUE, got {cond!r}")
        col, value = cond.split("=", 1)
        mask &= (_column(df, col.strip(), "--where").astype(str) == value.strip()).to_numpy()
    change = compare_waves(design, y, wave, args.base, args.current, where=mask, level=args.level)
    out: dict[str, object] = {"change": change.as_dict()}
    current_dom = np.where(mask & (wave == args.current), 0, -1)
    current = estimate_proportions(
        design, y, current_dom, [args.current], method=args.method or "logit", level=args.level
    )[0]
    out["current"] = current.as_dict()
    if args.target is not None:
        out["target"] = above_target(current, args.target, alpha=1 - args.level).as_dict()
    if report:
        print(report, file=sys.stderr)
    _emit(_clean_tree(out), args.format)
    return 0


def _emit(out: object, fmt: str) -> None:
    """A result as JSON, or as CSV: one row per value, named by its path (`change.se`)."""
    if fmt == "json":
        print(json.dumps(out, indent=2))
        return
    rows = list(_flatten(out, ""))
    pd.DataFrame(rows, columns=["name", "value"]).to_csv(sys.stdout, index=False)


def _flatten(obj: object, prefix: str) -> Iterator[tuple[str, object]]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from _flatten(value, f"{prefix}.{index}")
    else:
        yield prefix, obj


def _clean_tree(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _clean_tree(v) for k, v in obj.items()}
    return _clean(obj)


def cmd_samplesize(args: argparse.Namespace) -> int:
    # Imported here: planning needs scipy.stats, whose import would double every other command's run.
    from .planning import PlanningError, power_for, sample_size

    try:
        plan = sample_size(
            args.p1, args.p2, power=args.power, alpha=args.alpha, one_sided=args.one_sided, deff=args.deff
        )
        out = plan.as_dict()
        if args.n is not None:
            out["power_at_n"] = power_for(
                args.n, args.p1, args.p2, alpha=args.alpha, one_sided=args.one_sided, deff=args.deff
            )
            out["n"] = args.n
    except PlanningError as exc:
        raise InputError(str(exc)) from exc
    _emit(out, args.format)
    return 0


def _add_design_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="respondent data, CSV")
    p.add_argument("--outcome", required=True, help="0/1 column (empty for missing)")
    p.add_argument("--weight", help="weight column")
    p.add_argument("--strata", help="stratum column")
    p.add_argument("--cluster", help="sampling unit column; psu,ssu for two stages")
    p.add_argument(
        "--fpc", help="population size (or sampling fraction) per stratum; fpc1,fpc2 for two stages"
    )
    p.add_argument("--lonely-psu", default="fail", choices=list(LONELY_PSU_OPTIONS))
    p.add_argument("--method", help=f"a proportion's interval method: {', '.join(METHODS)} (default logit)")
    p.add_argument("--level", type=float, default=0.95)
    p.add_argument("--margins", help="rake first to these margins (variable,category,population_count)")
    p.add_argument("--vars", help="raking variables, comma-separated (default: all in the margins)")
    p.add_argument("--trim", help="LO,HI bounds on raked weights")
    p.add_argument(
        "--trim-relative", action="store_true", help="--trim bounds are ratios to starting weights"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("rake", help="rake weights to population margins")
    p.add_argument("data")
    p.add_argument("--margins", required=True)
    p.add_argument("--vars")
    p.add_argument("--weight")
    p.add_argument("--trim")
    p.add_argument("--trim-relative", action="store_true")
    p.add_argument("--out", required=True)
    p.add_argument("--format", default="csv", choices=["csv", "json"], help="of the file written to --out")
    p.set_defaults(func=cmd_rake)

    p = sub.add_parser("estimate", help="weighted proportions by domain")
    _add_design_options(p)
    p.add_argument(
        "--statistic",
        default="proportion",
        choices=["proportion", *STATISTICS],
        help="proportion of a 0/1 outcome (default), or mean or total of a numeric one",
    )
    p.add_argument("--by", help="domain columns, comma-separated")
    p.add_argument("--missing", default="domain", choices=["domain", "complete_case"])
    p.add_argument("--rolling", help="period column: estimate over rolling windows of --window periods")
    p.add_argument("--window", type=int, default=4, help="periods per rolling window (default 4)")
    p.add_argument("--format", default="csv", choices=["csv", "json"])
    p.set_defaults(func=cmd_estimate)

    p = sub.add_parser("compare", help="change between two waves, and a test against a target")
    _add_design_options(p)
    p.add_argument("--by", required=True, help="wave column")
    p.add_argument("--base", required=True)
    p.add_argument("--current", required=True)
    p.add_argument("--where", action="append", help="COLUMN=VALUE (repeatable)")
    p.add_argument(
        "--rake",
        default="each-wave",
        choices=["each-wave", "pooled"],
        help="with --margins: rake each wave to the margins on its own (default), or all waves together",
    )
    p.add_argument("--target", type=float)
    p.add_argument("--format", default="json", choices=["csv", "json"])
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("wards", help="direct and Fay-Herriot (model-based) estimates for every area")
    _add_design_options(p)
    p.add_argument("--area", required=True, help="area column, in the data and in the auxiliary file")
    p.add_argument("--auxiliary", required=True, help="CSV with one row per area and its auxiliary variables")
    p.add_argument("--covariates", help="auxiliary variables for the model, comma-separated (default: none)")
    p.add_argument("--statistic", default="proportion", choices=["proportion", "mean"])
    p.add_argument(
        "--min-respondents",
        type=int,
        default=MIN_RESPONDENTS,
        help=f"an area with fewer respondents gets the synthetic estimate (default {MIN_RESPONDENTS})",
    )
    p.add_argument("--format", default="csv", choices=["csv", "json"])
    p.set_defaults(func=cmd_wards)

    p = sub.add_parser("samplesize", help="respondents per wave to detect a change")
    p.add_argument("--p1", type=float, required=True)
    p.add_argument("--p2", type=float, required=True)
    p.add_argument("--power", type=float, default=0.8)
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--deff", type=float, default=1.0)
    p.add_argument("--one-sided", action="store_true")
    p.add_argument("--n", type=float, help="also report the power with this many per wave")
    p.add_argument("--format", default="json", choices=["csv", "json"])
    p.set_defaults(func=cmd_samplesize)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its one-line usage error
        return int(exc.code or 0)
    try:
        if getattr(args, "method", None) is not None and args.method not in METHODS:
            raise MethodError(f"unknown method {args.method!r}; choose one of {', '.join(METHODS)}")
        return int(args.func(args))
    except (
        InputError,
        DesignError,
        OutcomeError,
        MethodError,
        RakingError,
        SmallAreaError,
        OSError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
