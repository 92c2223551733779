"""Benchmark: the staff dashboard's figures for 100,000 survey responses.

    .venv/bin/python benchmarks/insight_bench.py [--n 100000] [--database-url URL]

Fills a fresh database (SQLite in a temporary folder by default) with demo responses over eight
quarters, then times, each as the median of 3 runs:
  * loading the included responses from the database;
  * weighting them and computing every KPI by every breakdown (``compute_kpis``), as a cold page does;
  * the same within one town centre and the latest four quarters (a filtered page);
  * a page when nothing has changed (``insight`` finds its cache after one version query);
  * the whole dashboard page through the app, cached.
The target (issue 6) is "well under a second in the request, or cached and refreshed when responses
arrive": the cold figures show the first cost after each new response, the cached ones every other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_time(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from survey_app import create_app
    from survey_app.demo import make_demo_responses
    from survey_app.extensions import db
    from survey_app.insight.kpis import compute_kpis
    from survey_app.insight.service import LAST_FOUR, Filters, included_responses, insight, margins_in_use
    from survey_app.registry import get_published
    from survey_app.staff.models import User
    from survey_app.staff.passwords import hash_password

    folder = tempfile.mkdtemp(prefix="insight-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "survey_app" / "migrations"))
        published = get_published("community_confidence")
        questionnaire = published.questionnaire
        started = time.perf_counter()
        for chunk in range(0, args.n, 10_000):
            db.session.add_all(
                make_demo_responses(
                    published, min(10_000, args.n - chunk), seed=chunk, today=dt.date(2026, 11, 24)
                )
            )
            db.session.commit()
        print(f"made {args.n:,} responses in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        margins = margins_in_use(questionnaire).margins
        load = median_time(lambda: included_responses(questionnaire.id))
        records = [r for _i, r in included_responses(questionnaire.id)]
        cold = median_time(lambda: compute_kpis(questionnaire, records, margins))
        filters = Filters(questionnaire.places[0].value, LAST_FOUR)
        area = questionnaire.area_question.id if questionnaire.area_question else None
        last_four = frozenset(insight(questionnaire).results.quarters[-4:])
        filtered = median_time(
            lambda: compute_kpis(
                questionnaire, records, margins, subset=lambda r: filters.accepts(r, last_four, area)
            )
        )
        insight(questionnaire)
        cached = median_time(lambda: insight(questionnaire), runs=5)
        user = User(
            email="bench@example.org", display_name="Bench", password_hash=hash_password("bench-password-1")
        )
        user.roles = {"analyst"}
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    client.post("/staff/sign-in", data={"email": "bench@example.org", "password": "bench-password-1"})
    assert client.get("/staff/insight/community_confidence").status_code == 200
    page = median_time(lambda: client.get("/staff/insight/community_confidence"), runs=5)

    print(f"{'step':<58}{'seconds':>10}")
    for label, value in (
        ("load included responses from the database", load),
        ("weight + every KPI by every breakdown (cold page)", cold),
        ("same, within Altrincham and the latest four quarters", filtered),
        ("cached figures (one version query)", cached),
        ("whole dashboard page, cached", page),
    ):
        print(f"{label:<58}{value:>10.3f}")
    print(f"cold page after a new response: {load + cold:.2f} s; every other request: {page:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
