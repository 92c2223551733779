"""Benchmark: the quarterly board paper as PDF, beside the confidence survey's board pack.

    .venv/bin/python benchmarks/board_paper_bench.py [--runs 3]

Makes a new SQLite database with the demo data (`flask seed-demo`: 4,000 responses, every KPI's
figures and a year and more of recorded crime), signs an analyst in, and times, in the same run:
the KPI report worked out from nothing, the board paper page, its PDF, its Excel download, and the
survey's board pack PDF for comparison. Prints the median of the runs and the paper's page count.
The target (issue 16): the PDF in seconds, not the 19 s the old pack took.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EMAIL = "bench@example.org"
PASSWORD = secrets.token_urlsafe(18)  # a new one each run


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.sqlite3"
        env = {**os.environ, "DATABASE_URL": database}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for command in (["db", "upgrade"], ["seed-demo", "--no-accounts"]):
            subprocess.run([*flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(
            [*flask, "create-user", EMAIL, "--name", "Bench", "--role", "analyst", "--password-stdin"],
            cwd=ROOT,
            env=env,
            input=PASSWORD + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
        os.environ["DATABASE_URL"] = database
        from pypdf import PdfReader

        from survey_app import create_app
        from survey_app.kpis.service import last_complete_quarter

        app = create_app()
        client = app.test_client()
        page = client.get("/staff/sign-in").get_data(as_text=True)
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/staff/sign-in", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}
        )
        assert signed.status_code == 302, signed.status_code
        quarter = last_complete_quarter()
        times: dict[str, list[float]] = {}
        pages = 0
        for _run in range(args.runs):
            app.extensions.pop("kpi_reports", None)  # the report worked out from nothing each run
            for name, url in (
                ("board paper page (report from nothing)", f"/staff/kpis/board-paper?quarter={quarter}"),
                ("board paper page (report kept)", f"/staff/kpis/board-paper?quarter={quarter}"),
                ("board paper PDF", f"/staff/kpis/board-paper.pdf?quarter={quarter}"),
                ("board paper Excel", f"/staff/kpis/board-paper.xlsx?quarter={quarter}"),
                (
                    "survey board pack PDF",
                    f"/staff/insight/community_confidence/board-pack.pdf?quarter={quarter}",
                ),
            ):
                seconds, response = _timed(lambda url=url: client.get(url))
                assert response.status_code == 200, (url, response.status_code)
                times.setdefault(name, []).append(seconds)
                if name == "board paper PDF":
                    pages = len(PdfReader(io.BytesIO(response.get_data())).pages)
    print(f"board paper for {quarter}: median of {args.runs} runs ({pages} A4 pages in the PDF)")
    for name, values in times.items():
        print(f"  {name:<42} {statistics.median(values):6.2f} s")
    paper = statistics.median(times["board paper PDF"])
    pack = statistics.median(times["survey board pack PDF"])
    print(f"  the paper's PDF takes {paper / pack:.2f} times as long as the survey's pack, measured together")


if __name__ == "__main__":
    main()
