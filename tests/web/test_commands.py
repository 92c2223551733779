"""The flask commands and start-up checks, run as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def run(args: list[str], tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("APP_ENV", "SECRET_KEY", "REPORT_ENCRYPTION_KEYS")
    }
    environment.setdefault("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    environment.update(env)
    return subprocess.run(
        args, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


BROKEN = """\
id: broken
version: 1
title: Broken
questions:
  - id: first
    type: single_choice
    title: First?
    choices: [{value: a, label: A}, {value: b, label: B}]
  - id: second
    type: yes_no
    title: Second?
    show_if: {answer: third, equals: "yes"}
  - id: third
    type: yes_no
    title: Third?
"""


def test_check_passes_on_the_shipped_questionnaires(tmp_path):
    result = run([*FLASK, "questionnaires", "check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok: " in result.stdout and "community_confidence version 2" in result.stdout


def test_check_names_file_question_and_fault_in_one_line(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "broken.yaml").write_text(BROKEN)
    result = run([*FLASK, "questionnaires", "check"], tmp_path, QUESTIONNAIRE_DIR=str(folder))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "broken.yaml" in errors[0]
    assert "question 'second'" in errors[0]
    assert "refers to 'third', which is not a question before this one" in errors[0]
    assert "Traceback" not in result.stderr


def test_service_refuses_to_start_with_a_broken_questionnaire(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "broken.yaml").write_text(BROKEN)
    result = run([sys.executable, "-c", "import wsgi"], tmp_path, QUESTIONNAIRE_DIR=str(folder))
    assert result.returncode != 0
    assert "question 'second'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("secret", ["", "change-me", "short"])
def test_production_without_a_real_secret_refuses_to_start(tmp_path, secret):
    result = run(
        [sys.executable, "-c", "import wsgi"],
        tmp_path,
        APP_ENV="production",
        SECRET_KEY=secret,
        REPORT_ENCRYPTION_KEYS=KEY,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


KEY = "x9kOUqGKmy1Z8dB2Jv7i3u7fBqgq2Tq0V3uZt1Ww1xE="


@pytest.mark.parametrize("keys", ["", "not-a-key", f"{KEY},short"])
def test_production_without_usable_encryption_keys_refuses_to_start(tmp_path, keys):
    result = run(
        [sys.executable, "-c", "import wsgi"],
        tmp_path,
        APP_ENV="production",
        SECRET_KEY="s" * 48,
        REPORT_ENCRYPTION_KEYS=keys,
    )
    assert result.returncode != 0
    assert "REPORT_ENCRYPTION_KEYS" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_with_a_secret_and_keys_starts(tmp_path):
    result = run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['APP_ENV'])"],
        tmp_path,
        APP_ENV="production",
        SECRET_KEY="s" * 48,
        REPORT_ENCRYPTION_KEYS=KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "production"


def test_upgrade_seed_and_purge(tmp_path):
    assert run([*FLASK, "db", "upgrade"], tmp_path).returncode == 0
    seeded = run([*FLASK, "seed-demo", "--count", "50"], tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert "added 50 demo responses" in seeded.stdout
    again = run([*FLASK, "seed-demo", "--count", "50"], tmp_path)
    assert "already present" in again.stdout
    purged = run([*FLASK, "purge-expired"], tmp_path)
    assert purged.returncode == 0 and "deleted 0" in purged.stdout


def test_check_refuses_a_changed_published_version(tmp_path):
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    source = (PROJECT_ROOT / "questionnaires" / "community_confidence.yaml").read_text()
    (folder / "community_confidence.yaml").write_text(source)
    env = {"QUESTIONNAIRE_DIR": str(folder)}
    assert run([*FLASK, "db", "upgrade"], tmp_path, **env).returncode == 0
    assert run([*FLASK, "seed-demo", "--count", "1"], tmp_path, **env).returncode == 0
    (folder / "community_confidence.yaml").write_text(source.replace("Very safe", "Quite safe"))
    result = run([*FLASK, "questionnaires", "check"], tmp_path, **env)
    assert result.returncode == 1
    assert "give the changed questionnaire a new version" in result.stderr
