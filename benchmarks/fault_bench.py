"""Faults under load: a gunicorn worker killed, the PostgreSQL server restarted. Nothing may be lost.

    python benchmarks/fault_bench.py [--scenarios worker-kill,postgresql-restart] [--duration 12]

Each scenario runs the whole-journey load of benchmarks/load_bench.py (32 virtual residents) and
causes its fault a third of the way in:

- worker-kill (SQLite and PostgreSQL): one gunicorn worker is sent SIGKILL. Its request in flight
  loses its connection (the resident sends it again, as a browser's retry does); gunicorn starts a
  new worker; the other worker goes on serving.
- postgresql-restart: the PostgreSQL server is stopped and started again (about two seconds
  down). Residents meanwhile get the 503 "try again" page and try again a quarter of a second later.

Afterwards, for every scenario: every resident shown a confirmation has its response stored once
(none missing, none twice), stored responses equal confirmations shown, no response is half-stored
(each is linked from the survey it came from, with answers to every question asked of everyone),
no resident was sent back to a question already answered, no status other than 503 was seen, and
the app's log holds no unhandled error and no "database is locked". The exit status is 1 if any
of that fails. Restarting PostgreSQL disturbs anything else using the server: run it on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import (  # the benchmark beside this one
    ROOT,
    Run,
    Server,
    app_environment,
    database,
    gunicorn,
    log_problems,
    migrate,
    wrk,
)

sys.path.insert(0, str(ROOT))
from survey_app.questionnaire import first_unanswered, load_questionnaire

# A stored response is whole when its questionnaire's routing finds no question left unanswered.
SURVEY_FILE = ROOT / "questionnaires" / "community_confidence.yaml"


def workers_of(server: Server) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def kill_a_worker(server: Server) -> Callable[[], None]:
    def fault() -> None:
        victim = workers_of(server)[0]
        print(f"  SIGKILL to worker {victim}", flush=True)
        os.kill(victim, signal.SIGKILL)

    return fault


def restart_postgresql() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main"]
    started = time.monotonic()
    subprocess.run([*command, "stop", "-m", "fast"], check=True, capture_output=True)
    time.sleep(1.5)
    subprocess.run([*command, "start"], check=True, capture_output=True)
    print(f"  PostgreSQL {cluster} down and up again in {time.monotonic() - started:.1f} s", flush=True)


def stored_responses(database_url: str) -> tuple[dict[str, int], int, int]:
    """References stored (with counts), responses not linked from their survey, and responses
    missing an answer their routing asks for."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        references = connection.execute(sa.text("SELECT reference FROM response")).scalars().all()
        unlinked = connection.execute(
            sa.text(
                "SELECT count(*) FROM response r WHERE NOT EXISTS "
                "(SELECT 1 FROM survey_session s WHERE s.response_id = r.id)"
            )
        ).scalar_one()
        answers = connection.execute(sa.text("SELECT answers FROM response")).scalars().all()
    engine.dispose()
    counts: dict[str, int] = {}
    for reference in references:
        counts[reference] = counts.get(reference, 0) + 1
    questionnaire = load_questionnaire(SURVEY_FILE)
    incomplete = 0
    for stored in answers:
        values = json.loads(stored) if isinstance(stored, str) else stored
        incomplete += first_unanswered(questionnaire, values) is not None
    return counts, unlinked, incomplete


def scenario(name: str, kind: str, duration: int, workdir: Path) -> dict[str, Any]:
    print(f"{name} on {kind} ...", flush=True)
    with database(kind, workdir) as url:
        env = app_environment(url)
        migrate(env)
        with gunicorn("wsgi:app", env, workdir, "/healthz") as server:
            fault = kill_a_worker(server) if name == "worker-kill" else restart_postgresql
            run: Run = wrk(server.url, 32, duration, workdir, "journeys", fault, fault_at=duration / 3)
            workers_after = len(workers_of(server))
            log = server.log
        counts, unlinked, incomplete = stored_responses(url)
    missing = [r for r in run.references if r not in counts]
    twice = [r for r, n in counts.items() if n > 1]
    unexpected = {status: n for status, n in run.errors.items() if status != "503"}
    figures = {
        "scenario": name,
        "database": kind,
        "requests": run.requests,
        "rps": round(run.rps, 1),
        "confirmations_shown": run.completed,
        "stored_responses": sum(counts.values()),
        "missing": missing[:20],
        "stored_twice": twice[:20],
        "not_linked_to_their_survey": unlinked,
        "half_stored": incomplete,
        "answers_lost": run.lost_answers,
        "try_again_pages_503": run.retries,
        "unexpected_statuses": unexpected,
        "connections_lost": run.socket_errors,
        "workers_after": workers_after,
        "log_problems": log_problems(log),
    }
    checks = [
        ("every confirmation shown is stored once", not missing and not twice),
        ("stored responses == confirmations shown", figures["stored_responses"] == run.completed),
        ("none half-stored", unlinked == 0 and incomplete == 0),
        ("no answers lost", run.lost_answers == 0),
        ("no status but 503 'try again'", not unexpected),
        ("no unhandled error or 'database is locked' in the log", not figures["log_problems"]),
        ("journeys went on after the fault", run.completed > 0),
    ]
    if name == "worker-kill":
        checks.append(("gunicorn replaced the killed worker", workers_after >= 2))
    else:
        checks.append(("residents were shown the 503 'try again' page", run.retries > 0))
    figures["checks"] = {label: held for label, held in checks}
    return figures


def print_scenario(figures: dict[str, Any]) -> bool:
    print(f"== {figures['scenario']} on {figures['database']} ==")
    print(
        f"  {figures['requests']} requests ({figures['rps']} req/s), "
        f"{figures['confirmations_shown']} confirmations shown, {figures['stored_responses']} stored, "
        f"{len(figures['missing'])} missing, {len(figures['stored_twice'])} stored twice, "
        f"{figures['half_stored'] + figures['not_linked_to_their_survey']} half-stored"
    )
    print(
        f"  503 'try again' pages: {figures['try_again_pages_503']}, "
        f"other statuses: {figures['unexpected_statuses'] or 'none'}, "
        f"connections lost: {figures['connections_lost'] or 'none'}, "
        f"answers lost: {figures['answers_lost']}"
    )
    ok = True
    for label, held in figures["checks"].items():
        ok &= held
        print(f"  [{'ok' if held else 'FAILED'}] {label}")
    for line in figures["log_problems"][:5]:
        print(f"    log: {line}")
    print()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="worker-kill,postgresql-restart")
    parser.add_argument("--duration", type=int, default=12, help="active seconds per scenario")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "fault_bench.json")
    args = parser.parse_args(argv)

    plan = []
    for name in args.scenarios.split(","):
        kinds = ["sqlite", "postgresql"] if name == "worker-kill" else ["postgresql"]
        plan += [(name, kind) for kind in kinds]
    with tempfile.TemporaryDirectory(prefix="fault-bench-") as tmp:
        results = [scenario(name, kind, args.duration, Path(tmp)) for name, kind in plan]
    print()
    ok = all([print_scenario(figures) for figures in results])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"results": results, "all_held": ok}, indent=2) + "\n")
    print(f"written to {args.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
