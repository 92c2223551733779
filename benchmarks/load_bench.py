"""Load benchmark: virtual residents complete the survey through the real pages under gunicorn.

    python benchmarks/load_bench.py [--databases sqlite,postgresql] [--clients 32] [--duration 10]
                                    [--runs 3] [--output benchmarks/results/load_bench.json]

For each database it starts the app with the production settings (gunicorn.conf.py) on loopback
and runs wrk with benchmarks/journey.lua, one wrk thread per virtual resident:

- journeys: each resident completes the whole community confidence survey again and again (start,
  every question page GET and POST with its CSRF token, check answers, submit, confirmation);
- question pages: each resident answers once, then reads its question pages again and again;
- ceiling: a bare Flask page (benchmarks/bare_app.py) on the same gunicorn settings.

Each is run `--runs` times and the median run (by requests per second) is reported. Afterwards the
responses stored are counted and every reference a resident was shown is looked up: stored must
equal completed, exactly, with no reference missing or stored twice. The report is printed and
written as JSON; the exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
JOURNEY_SCRIPT = ROOT / "benchmarks" / "journey.lua"
SURVEY = "/surveys/community_confidence"
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/test"

# The targets of the issue that asked for this benchmark (2 cores, 32 clients).
TARGET_QUESTION_RPS = 1000
TARGET_P99_MS = 50


@dataclass
class Run:
    """One wrk run, as journey.lua wrote it."""

    seconds: float
    requests: int
    completed: int
    retries: int
    lost_answers: int
    errors: dict[str, int]
    socket_errors: dict[str, int]
    references: list[str]
    latencies: dict[str, list[float]]

    @property
    def rps(self) -> float:
        """Requests sent in the active seconds, per second (the drain after them is not counted)."""
        return self.requests / self.seconds

    def percentiles(self, kinds: list[str] | None = None) -> dict[str, float]:
        chosen = [vs for kind, vs in self.latencies.items() if kinds is None or kind in kinds]
        values = sorted(v for vs in chosen for v in vs)
        if not values:
            return {}
        return {
            name: values[min(len(values) - 1, int(len(values) * q))]
            for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
        }


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    # Every instance's log, when several serve behind a proxy.
    logs: list[Path] = field(default_factory=list)

    def all_logs(self) -> list[Path]:
        return self.logs or [self.log]


@dataclass
class DatabaseResult:
    name: str
    instances: int = 1
    ceiling: list[float] = field(default_factory=list)
    pages: list[Run] = field(default_factory=list)
    journeys: list[Run] = field(default_factory=list)
    stored: int = 0
    shown: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)


# Lines in the app's log that must never appear: an error no one handled, or SQLite refusing a
# writer (which a resident would see as an error page).
LOG_PROBLEMS = ("unhandled error", "Traceback", "database is locked")


def log_problems(log: Path) -> list[str]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return [line for line in text.splitlines() if any(problem in line for problem in LOG_PROBLEMS)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "REPORT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        # wrk talks plain HTTP on loopback; in production TLS ends at the proxy in front.
        "SESSION_COOKIE_SECURE": "false",
        # Every virtual resident comes from 127.0.0.1; real residents each have their own address.
        "SURVEY_SUBMIT_RATE_LIMIT": "1000000 per hour",
        "PYTHONPATH": str(ROOT),
    }


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped: see {log}\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds} s: see {log}")


NGINX_CONFIG = """
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/nginx-body;
  proxy_temp_path {workdir}/nginx-proxy;
  fastcgi_temp_path {workdir}/nginx-fastcgi;
  uwsgi_temp_path {workdir}/nginx-uwsgi;
  scgi_temp_path {workdir}/nginx-scgi;
  upstream instances {{ {servers} }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://instances;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id;
    }}
  }}
}}
"""


@contextmanager
def serving(app: str, env: dict[str, str], workdir: Path, health: str, instances: int) -> Iterator[Server]:
    """The app on gunicorn; with several instances, each its own gunicorn, behind nginx (round robin)."""
    if instances == 1:
        with gunicorn(app, env, workdir, health) as server:
            yield server
        return
    env = {**env, "TRUSTED_PROXY_COUNT": "1"}
    with ExitStack() as stack:
        servers = [stack.enter_context(gunicorn(app, env, workdir, health)) for _ in range(instances)]
        port = free_port()
        config = workdir / f"nginx-{port}.conf"
        upstreams = " ".join(f"server {s.url.removeprefix('http://')};" for s in servers)
        config.write_text(NGINX_CONFIG.format(workdir=workdir, servers=upstreams, port=port))
        log = workdir / f"nginx-{port}.log"
        proxy = subprocess.Popen(
            ["nginx", "-c", str(config), "-p", str(workdir)], stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url + health, proxy, log)
            yield Server(url, servers[0].process, servers[0].log, [s.log for s in servers])
        finally:
            proxy.terminate()
            proxy.wait(timeout=20)


@contextmanager
def gunicorn(app: str, env: dict[str, str], workdir: Path, health: str) -> Iterator[Server]:
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), app],
        env={**env, "BIND": f"127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + health, process, log)
        yield Server(url, process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


# Seconds wrk runs on after the active ones, for residents to finish the survey they are on.
DRAIN_SECONDS = 4


def wrk_ceiling(url: str, clients: int, duration: int) -> float:
    """Plain requests per second for one page."""
    command = ["wrk", f"-t{clients}", f"-c{clients}", f"-d{duration}s", "--timeout", "10s", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(output.split("Requests/sec:")[1].split()[0])


def wrk(
    url: str,
    clients: int,
    duration: int,
    workdir: Path,
    mode: str,
    fault: Callable[[], None] | None = None,
    fault_at: float = 0,
) -> Run:
    """One run of journey.lua: `duration` active seconds, then a drain; `fault` is called at `fault_at`."""
    out = workdir / f"journey-{uuid.uuid4().hex[:8]}.json"
    env = {
        **os.environ,
        "JOURNEY_OUT": str(out),
        "JOURNEY_MODE": mode,
        "JOURNEY_START": SURVEY,
        "JOURNEY_SECONDS": str(duration),
    }
    command = [
        "wrk",
        f"-t{clients}",
        f"-c{clients}",
        f"-d{duration + DRAIN_SECONDS}s",
        "--timeout",
        "10s",
        "-s",
        str(JOURNEY_SCRIPT),
        url + "/",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if fault is not None:
        time.sleep(fault_at)
        fault()
    output, _ = process.communicate()
    if process.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed (exit {process.returncode}):\n{output}")
    summary = json.loads(out.read_text())
    events = [Path(f"{out}-{resident}.tsv") for resident in range(1, summary["residents"] + 1)]
    return read_run(summary, events, duration)


def read_run(summary: dict[str, Any], event_files: list[Path], active_seconds: float) -> Run:
    """A run from wrk's totals and each resident's events (journey.lua writes both)."""
    run = Run(
        seconds=active_seconds,
        requests=0,
        completed=0,
        retries=0,
        lost_answers=0,
        errors={},
        socket_errors={k: v for k, v in summary["socket_errors"].items() if k != "status" and v},
        references=[],
        latencies={},
    )
    for path in event_files:
        for line in path.read_text().splitlines():
            kind, *fields = line.split("\t")
            if kind == "L":
                run.latencies.setdefault(fields[0], []).append(float(fields[1]))
                run.requests += fields[2] == "1"
            elif kind == "C":
                run.completed += 1
                run.references.append(fields[0])
            elif kind == "E":
                run.errors[fields[0]] = run.errors.get(fields[0], 0) + 1
            elif kind == "R":
                run.retries += 1
            elif kind == "X":
                run.lost_answers += 1
    return run


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.rps)[len(runs) // 2]


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A new, empty database of this kind, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRESQL
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=True,
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def count_stored(database_url: str, references: list[str]) -> tuple[int, list[str], list[str]]:
    """Responses stored, and the references shown to residents that are missing or stored twice."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT reference FROM response")).scalars().all()
    engine.dispose()
    stored: dict[str, int] = {}
    for reference in rows:
        stored[reference] = stored.get(reference, 0) + 1
    missing = [r for r in references if r not in stored]
    duplicated = [r for r, n in stored.items() if n > 1]
    return len(rows), missing, duplicated


def bench_database(
    kind: str, clients: int, duration: int, runs: int, workdir: Path, instances: int = 1
) -> DatabaseResult:
    result = DatabaseResult(kind, instances)
    with database(kind, workdir) as url:
        env = app_environment(url)
        if instances > 1:
            # The production layout: the instances share the rate limits' counts in Redis, and each
            # runs half the workers, so that the machine's two cores are shared as before.
            env.update(
                RATELIMIT_STORAGE_URI=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
                WEB_CONCURRENCY=str(max(1, (os.cpu_count() or 2) // instances)),
            )
        migrate(env)
        with serving("benchmarks.bare_app:app", env, workdir, "/", instances) as bare:
            wrk_ceiling(bare.url + "/", clients, 2)  # warm up
            result.ceiling = [wrk_ceiling(bare.url + "/", clients, duration) for _ in range(runs)]
        with serving("wsgi:app", env, workdir, "/healthz", instances) as app:
            warm_up = wrk(app.url, clients, 3, workdir, mode="journeys")
            result.pages = [wrk(app.url, clients, duration, workdir, mode="pages") for _ in range(runs)]
            result.journeys = [wrk(app.url, clients, duration, workdir, mode="journeys") for _ in range(runs)]
            logs = app.all_logs()
        result.log_problems = [line for log in logs for line in log_problems(log)]
        shown = [r for run in [warm_up, *result.journeys] for r in run.references]
        result.shown = len(shown)
        result.stored, result.missing, result.duplicated = count_stored(url, shown)
    return result


def summary(result: DatabaseResult) -> dict[str, Any]:
    pages, journeys = median_run(result.pages), median_run(result.journeys)
    ceiling = statistics.median(result.ceiling)
    errors = sum(
        sum(run.errors.values()) + sum(run.socket_errors.values())
        for run in [*result.pages, *result.journeys]
    )
    return {
        "database": result.name
        if result.instances == 1
        else f"{result.name}, {result.instances} instances behind nginx, Redis",
        "instances": result.instances,
        "ceiling_rps": round(ceiling, 1),
        "ceiling_runs": [round(v, 1) for v in result.ceiling],
        "question_pages": {
            "rps": round(pages.rps, 1),
            "ratio_to_ceiling": round(pages.rps / ceiling, 3),
            "latency_ms": {k: round(v, 1) for k, v in pages.percentiles(["question_get"]).items()},
            "runs_rps": [round(run.rps, 1) for run in result.pages],
        },
        "journeys": {
            "rps": round(journeys.rps, 1),
            "ratio_to_ceiling": round(journeys.rps / ceiling, 3),
            "journeys_per_second": round(journeys.completed / journeys.seconds, 2),
            "latency_ms": {k: round(v, 1) for k, v in journeys.percentiles().items()},
            "latency_ms_by_page": {
                kind: {k: round(v, 1) for k, v in journeys.percentiles([kind]).items()}
                for kind in (
                    "start",
                    "begin",
                    "question_get",
                    "question_post",
                    "check_get",
                    "check_post",
                    "confirmation",
                )
                if kind in journeys.latencies
            },
            "runs_rps": [round(run.rps, 1) for run in result.journeys],
        },
        "errors": errors,
        "error_detail": [
            run.errors | run.socket_errors
            for run in [*result.pages, *result.journeys]
            if run.errors or run.socket_errors
        ],
        "retries_after_503": sum(run.retries for run in [*result.pages, *result.journeys]),
        "lost_answers": sum(run.lost_answers for run in [*result.pages, *result.journeys]),
        "completed_journeys": result.shown,
        "stored_responses": result.stored,
        "log_problems": result.log_problems[:20],
        "missing_references": result.missing[:20],
        "duplicated_references": result.duplicated[:20],
    }


def targets(figures: dict[str, Any]) -> list[tuple[str, bool]]:
    """The targets for this layout. Several instances on one machine share its two cores with
    nginx: they prove that nothing is lost across instances, not a throughput."""
    pages = figures["question_pages"]
    speed = [
        (f"question pages >= {TARGET_QUESTION_RPS} req/s", pages["rps"] >= TARGET_QUESTION_RPS),
        (f"question pages p99 < {TARGET_P99_MS} ms", pages["latency_ms"].get("p99", 1e9) < TARGET_P99_MS),
    ]
    return [
        *(speed if figures["instances"] == 1 else []),
        ("zero errors", figures["errors"] == 0),
        ("no answers lost mid-journey", figures["lost_answers"] == 0),
        ("no unhandled error or 'database is locked' in the app's log", not figures["log_problems"]),
        (
            "stored responses == completed journeys, none missing or twice",
            figures["stored_responses"] == figures["completed_journeys"]
            and not figures["missing_references"]
            and not figures["duplicated_references"],
        ),
    ]


def _latency(lat: dict[str, float]) -> str:
    return " / ".join(f"{name} {lat.get(name, 0):.1f}" for name in ("p50", "p95", "p99")) + " ms"


def print_report(results: list[dict[str, Any]], settings: dict[str, Any]) -> bool:
    print(
        f"\nLoad benchmark: {settings['cpus']} CPUs, gunicorn {settings['workers']} sync workers, "
        f"{settings['clients']} clients, {settings['runs']} runs of {settings['duration']} s"
        " (median run)\n"
    )
    ok = True
    for figures in results:
        pages, journeys = figures["question_pages"], figures["journeys"]
        print(f"== {figures['database']} ==")
        print(f"  bare Flask page (ceiling)   {figures['ceiling_rps']:8.0f} req/s")
        print(
            f"  question pages              {pages['rps']:8.0f} req/s  "
            f"{pages['ratio_to_ceiling']:.2f} of ceiling  {_latency(pages['latency_ms'])}"
        )
        print(
            f"  whole journeys              {journeys['rps']:8.0f} req/s  "
            f"{journeys['ratio_to_ceiling']:.2f} of ceiling  "
            f"{journeys['journeys_per_second']:.1f} journeys/s  {_latency(journeys['latency_ms'])}"
        )
        for kind, lat in journeys["latency_ms_by_page"].items():
            print(f"    {kind:24s}  {_latency(lat)}")
        print(
            f"  errors {figures['errors']}, retries after 503: {figures['retries_after_503']}, "
            f"answers lost: {figures['lost_answers']}"
        )
        print(
            f"  completed journeys {figures['completed_journeys']}, "
            f"stored responses {figures['stored_responses']}, "
            f"missing {len(figures['missing_references'])}, "
            f"stored twice {len(figures['duplicated_references'])}"
        )
        for name, held in targets(figures):
            ok &= held
            print(f"  [{'ok' if held else 'MISSED'}] {name}")
        print()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--scale-out",
        type=int,
        default=2,
        metavar="N",
        help="also run N app instances behind nginx on PostgreSQL and Redis (0: skip)",
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "load_bench.json")
    args = parser.parse_args(argv)

    workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
    settings = {
        "cpus": os.cpu_count(),
        "workers": workers,
        "clients": args.clients,
        "duration": args.duration,
        "runs": args.runs,
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        plan = [(kind, 1) for kind in args.databases.split(",")]
        if args.scale_out > 1:
            plan.append(("postgresql", args.scale_out))
        for kind, instances in plan:
            print(f"measuring on {kind} with {instances} instance(s) ...", flush=True)
            results.append(
                summary(bench_database(kind, args.clients, args.duration, args.runs, Path(tmp), instances))
            )
    ok = print_report(results, settings)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"settings": settings, "results": results, "targets_held": ok}, indent=2) + "\n"
    )
    print(f"written to {args.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
