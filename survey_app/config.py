"""Configuration, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from limits import parse

from .encryption import development_keys, parse_keys
from .survey.quality import QualityRules

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Secrets that are in examples and must never guard a real service.
_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}
MIN_SECRET_LENGTH = 32
# Where "Exit this page" sends someone: a page that gives nothing away.
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"


class ConfigurationError(RuntimeError):
    """The service cannot start as configured; the message says how to fix it."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None


def _env_rule(name: str, default: str) -> str:
    """A rate written as the `limits` library reads it ("3 per hour")."""
    value = os.environ.get(name, "").strip() or default
    try:
        parse(value)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a rate such as '3 per hour' or '10/minute', not {value!r}."
        ) from None
    return value


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def _development_secret() -> str:
    """A secret kept under instance/ so that sessions survive a restart in development."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def per_process_counts_problem(
    environment: str, storage_uri: str, workers: int, instances: int
) -> str | None:
    """Why the service must not start with these rate-limit counts, or None when it may.

    memory:// keeps the counts in each process. With several processes serving the site each
    counts sign-in attempts on its own: an attacker gets as many tries as there are processes,
    and whether someone is told to wait depends on which worker answers.
    """
    if environment != "production" or storage_uri.split(":", 1)[0] != "memory":
        return None
    if workers <= 1 and instances <= 1:
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {storage_uri}, which keeps the sign-in and other rate-limit counts "
        f"in each process, but {workers} worker(s) on each of {instances} instance(s) are configured: "
        "each would count attempts on its own, multiplying an attacker's tries and making the limits "
        "differ between workers. "
        "Set RATELIMIT_STORAGE_URI to the shared Redis, e.g. redis://redis.internal:6379/0."
    )


def default_database_url() -> str:
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'surveys.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config() -> dict[str, Any]:
    """The settings from the environment. Raises ConfigurationError when unusable."""
    environment = os.environ.get("APP_ENV", "development").strip().lower()
    if environment not in ("development", "production"):
        raise ConfigurationError(f"APP_ENV must be 'development' or 'production', not {environment!r}.")
    production = environment == "production"

    secret = os.environ.get("SECRET_KEY", "").strip()
    if production and (secret.lower() in _PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH):
        raise ConfigurationError(
            "SECRET_KEY is missing or too short. In production set SECRET_KEY to a random value of at "
            f"least {MIN_SECRET_LENGTH} characters, for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )

    keys = os.environ.get("REPORT_ENCRYPTION_KEYS", "").strip()
    if production and not keys:
        raise ConfigurationError(
            "REPORT_ENCRYPTION_KEYS is missing. In production set it to one or more Fernet keys, "
            "newest first, separated by commas; make one with `python -c 'from cryptography.fernet "
            "import Fernet; print(Fernet.generate_key().decode())'`."
        )
    keys = keys or development_keys(INSTANCE_DIR)
    try:
        parse_keys(keys)
    except ValueError as error:
        raise ConfigurationError(f"REPORT_ENCRYPTION_KEYS: {error}.") from None

    exit_url = os.environ.get("EXIT_URL", "").strip() or DEFAULT_EXIT_URL
    if not exit_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"EXIT_URL must be a full http(s) address, not {exit_url!r}.")

    idle_minutes = _env_int("SURVEY_IDLE_MINUTES", 24 * 60)
    if idle_minutes < 1:
        raise ConfigurationError("SURVEY_IDLE_MINUTES must be at least 1.")
    report_idle_minutes = _env_int("REPORT_IDLE_MINUTES", 60)
    if report_idle_minutes < 1:
        raise ConfigurationError("REPORT_IDLE_MINUTES must be at least 1.")
    staff_idle_minutes = _env_int("STAFF_IDLE_MINUTES", 30)
    if staff_idle_minutes < 1:
        raise ConfigurationError("STAFF_IDLE_MINUTES must be at least 1.")
    storage_uri = os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://"
    instances = _env_int("APP_INSTANCES", 1)
    if instances < 1:
        raise ConfigurationError("APP_INSTANCES must be at least 1 (how many app instances serve the site).")
    # gunicorn.conf.py checks again with the number of workers gunicorn really starts.
    problem = per_process_counts_problem(environment, storage_uri, _env_int("WEB_CONCURRENCY", 1), instances)
    if problem:
        raise ConfigurationError(problem)

    retention_days = _env_int("REPORT_RETENTION_DAYS", 365)
    if retention_days < 1:
        raise ConfigurationError("REPORT_RETENTION_DAYS must be at least 1 (days a closed report is kept).")

    notifications = os.environ.get("REPORTER_NOTIFICATIONS", "").strip() or ("off" if production else "log")
    if notifications not in ("off", "log", "smtp"):
        raise ConfigurationError("REPORTER_NOTIFICATIONS must be off, log or smtp.")
    if notifications == "smtp" and not (
        os.environ.get("SMTP_HOST", "").strip() and os.environ.get("SMTP_FROM", "").strip()
    ):
        raise ConfigurationError("REPORTER_NOTIFICATIONS=smtp needs SMTP_HOST and SMTP_FROM.")
    check_failures = _env_int("CHECK_MAX_FAILURES", 10)
    if check_failures < 1:
        raise ConfigurationError("CHECK_MAX_FAILURES must be at least 1.")

    return {
        "APP_ENV": environment,
        "SECRET_KEY": secret or _development_secret(),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", "").strip() or default_database_url()
        ),
        "QUESTIONNAIRE_DIR": os.environ.get("QUESTIONNAIRE_DIR", str(PROJECT_ROOT / "questionnaires")),
        "SURVEY_IDLE_MINUTES": idle_minutes,
        # A report in progress is deleted sooner: a phone left unlocked must not keep it for a day.
        "REPORT_IDLE_MINUTES": report_idle_minutes,
        # A staff member left idle this long is signed out.
        "STAFF_IDLE_MINUTES": staff_idle_minutes,
        # A closed report's answers and notes are purged this many days after it was closed.
        "REPORT_RETENTION_DAYS": retention_days,
        # Where the rate limiter keeps its counts: memory:// (one process) or e.g. redis://host:6379.
        "RATELIMIT_STORAGE_URI": storage_uri,
        # How many app instances serve the site, each with its own workers (README, production).
        "APP_INSTANCES": instances,
        "REPORT_ENCRYPTION_KEYS": keys,
        "EXIT_URL": exit_url,
        # How many reverse proxies in front of the service add X-Forwarded-For: the rate limits
        # and the audit log need the client's own address, not the proxy's.
        "TRUSTED_PROXY_COUNT": _env_int("TRUSTED_PROXY_COUNT", 0),
        "REPORTING_CENTRES_FILE": os.environ.get("REPORTING_CENTRES_FILE", "").strip() or None,
        # A kiosk warns after this long without a touch, then resets after the countdown.
        "KIOSK_WARNING_SECONDS": _env_int("KIOSK_WARNING_SECONDS", 120),
        "KIOSK_COUNTDOWN_SECONDS": _env_int("KIOSK_COUNTDOWN_SECONDS", 30),
        # Answers begun on a kiosk are deleted after this long idle, even if the page is left open.
        "KIOSK_IDLE_MINUTES": _env_int("KIOSK_IDLE_MINUTES", 5),
        # Response quality flags (survey_app/survey/quality.py) and the per-client limit on
        # finishing a survey: an open link attracts repeats and bots.
        "QUALITY_RULES": QualityRules(
            min_seconds_per_answer=_env_int("QUALITY_MIN_SECONDS_PER_ANSWER", 2),
            duplicate_hours=_env_int("QUALITY_DUPLICATE_HOURS", 24),
            repeat_limit=_env_int("QUALITY_REPEAT_LIMIT", 3),
        ),
        "SURVEY_SUBMIT_RATE_LIMIT": os.environ.get("SURVEY_SUBMIT_RATE_LIMIT", "").strip() or "20 per hour",
        # Reports over these are still stored, but held apart from the queue as a possible flood.
        "REPORT_LIMIT_PER_SESSION": _env_rule("REPORT_LIMIT_PER_SESSION", "3 per hour"),
        "REPORT_LIMIT_PER_CLIENT": _env_rule("REPORT_LIMIT_PER_CLIENT", "10 per hour"),
        "REPORT_LIMIT_PER_CENTRE": _env_rule("REPORT_LIMIT_PER_CENTRE", "30 per hour"),
        # Above this many responses, the insight pages show the previous figures while newer ones
        # are computed in the background (about 4 s at 100,000; see benchmarks/insight_bench.py).
        "INSIGHT_BACKGROUND_ABOVE": _env_int("INSIGHT_BACKGROUND_ABOVE", 20_000),
        # Auxiliary variables for every ward, for the model-based ward estimates (data/ by default).
        "WARD_AUXILIARY_FILE": os.environ.get("WARD_AUXILIARY_FILE", "").strip()
        or str(PROJECT_ROOT / "data" / "ward_auxiliary.csv"),
        # Confidence targets per area and measure (config/targets.yaml by default).
        "TARGETS_FILE": os.environ.get("TARGETS_FILE", "").strip()
        or str(PROJECT_ROOT / "config" / "targets.yaml"),
        # The strategy's KPI register an administrator has not yet changed in the app.
        "KPI_REGISTER_FILE": os.environ.get("KPI_REGISTER_FILE", "").strip()
        or str(PROJECT_ROOT / "config" / "kpis.yaml"),
        # Counts below this are shown as "fewer than N" in anything that leaves the partnership.
        "KPI_SMALL_COUNT_BELOW": _env_int("KPI_SMALL_COUNT_BELOW", 5),
        # The check pages (/forms/check): a visit ends after this long idle, and a reference is
        # stopped after this many wrong memorable words.
        "CHECK_IDLE_MINUTES": _env_int("CHECK_IDLE_MINUTES", 15),
        "CHECK_MAX_FAILURES": check_failures,
        # Tries at any reference from one address (each costs a slow hash): beyond it, the 429 page.
        "CHECK_RATE_LIMIT": _env_rule("CHECK_RATE_LIMIT", "30 per 10 minutes"),
        # Telling a person of a new message at the contact they marked safe: off, log or smtp.
        "REPORTER_NOTIFICATIONS": notifications,
        "SMTP_HOST": os.environ.get("SMTP_HOST", "").strip(),
        "SMTP_PORT": _env_int("SMTP_PORT", 587),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "").strip(),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", "").strip(),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", True),
        # Risk checklists the partnership holds a licence for, kept outside the code (README).
        "CHECKLIST_DIR": os.environ.get("CHECKLIST_DIR", "").strip() or None,
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
