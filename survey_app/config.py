"""Configuration, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Secrets that are in examples and must never guard a real service.
_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}
MIN_SECRET_LENGTH = 32


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


def default_database_url() -> str:
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'surveys.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
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

    idle_minutes = _env_int("SURVEY_IDLE_MINUTES", 24 * 60)
    if idle_minutes < 1:
        raise ConfigurationError("SURVEY_IDLE_MINUTES must be at least 1.")

    return {
        "APP_ENV": environment,
        "SECRET_KEY": secret or _development_secret(),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", "").strip() or default_database_url()
        ),
        "QUESTIONNAIRE_DIR": os.environ.get("QUESTIONNAIRE_DIR", str(PROJECT_ROOT / "questionnaires")),
        "SURVEY_IDLE_MINUTES": idle_minutes,
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }
