"""gunicorn settings for production (README, "Production layout"); `make bench` measures with them.

Run: gunicorn -c gunicorn.conf.py wsgi:app, with BIND and WEB_CONCURRENCY from the environment.
"""

import gc
import os
import sys

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers, one per core: on this service's pages they gave the best throughput and the
# steadiest tail (threads only added contention on the GIL; more workers than cores, queueing).
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Load the app once in the master and fork it: workers start at once and share its memory.
preload_app = True


def on_starting(server):
    # The app checked WEB_CONCURRENCY; this is the number of workers gunicorn will really start,
    # after any --workers on the command line or in GUNICORN_CMD_ARGS.
    from survey_app.config import per_process_counts_problem

    config = server.app.wsgi().config
    problem = per_process_counts_problem(
        config["APP_ENV"], config["RATELIMIT_STORAGE_URI"], server.cfg.workers, config["APP_INSTANCES"]
    )
    if problem:
        sys.exit(f"Cannot start Safer Trafford Surveys: {problem}")


def when_ready(server):
    # Objects made while loading the app are never freed: keep the collector from walking them
    # on every collection, and from touching (and so copying) the memory workers share.
    gc.freeze()


def post_fork(server, worker):
    # A connection pool must never be shared across a fork: each worker opens its own.
    app = server.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):
        from survey_app.database import dispose_engines

        dispose_engines(app, close=False)
