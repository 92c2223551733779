"""Benchmark: import a year of Greater Manchester street-level crime files (about 400,000 rows).

    .venv/bin/python benchmarks/crime_import_bench.py [--months 12] [--scale 1.0] [--database URL]

Writes twelve monthly files in the police.uk format (made up, with the published pitfalls), then
times `flask kpis import-crime` on all twelve as a person runs it (a new process, app start-up
included), importing them a second time (each month replaced), and reading alone (the parser
without the database). Prints rows, seconds and rows a second; peak memory of the reading. The
target (issue 16): seconds, not minutes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_app.kpis.crime import read_crime_file  # noqa: E402
from survey_app.kpis.districts import FORCE, district_names  # noqa: E402
from survey_app.kpis.synthetic import street_file  # noqa: E402


def _months(count: int) -> list[str]:
    months = []
    year, month = 2025, 10
    for _ in range(count):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _flask(args: list[str], database: str) -> float:
    env = {**os.environ, "DATABASE_URL": database}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--database", help="DATABASE_URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = args.database or f"sqlite:///{folder}/bench.sqlite3"
        paths = []
        rows = 0
        for month in _months(args.months):
            data = street_file(month, scale=args.scale)
            rows += data.count(b"\n") - 1
            path = Path(folder) / f"{month}-greater-manchester-street.csv"
            path.write_bytes(data)
            paths.append(str(path))
        megabytes = sum(Path(p).stat().st_size for p in paths) / 1e6

        names = district_names()
        started = time.perf_counter()
        for path in paths:
            with open(path, "rb") as handle:
                read_crime_file(handle, names, FORCE)
        reading = time.perf_counter() - started
        # Memory apart from time: tracing allocations slows the reading several times over.
        tracemalloc.start()
        with open(paths[0], "rb") as handle:
            read_crime_file(handle, names, FORCE)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()

        startup = _flask(["kpis", "--help"], database)
        _flask(["db", "upgrade"], database)
        first = _flask(["kpis", "import-crime", *paths], database)
        again = _flask(["kpis", "import-crime", *paths], database)
        report = _flask(["kpis", "report", "--quarter", "2026Q3", "--format", "json"], database)

    print(f"crime import: {len(paths)} monthly files, {rows:,} rows, {megabytes:.0f} MB")
    print(f"  reading alone (parser):          {reading:6.2f} s  {rows / reading:9,.0f} rows/s")
    print(f"  peak memory reading one month:   {peak:6.2f} MB (the rows are counted, never held)")
    print(f"  flask start-up alone:            {startup:6.2f} s")
    print(
        f"  kpis import-crime, first time:   {first:6.2f} s  {rows / first:9,.0f} rows/s (start-up included)"
    )
    print(f"  kpis import-crime, again:        {again:6.2f} s  (every month replaced)")
    print(f"  kpis report --format json:       {report:6.2f} s")


if __name__ == "__main__":
    main()
