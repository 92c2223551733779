"""The questionnaire model is pure Python: importing it must not load Flask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_questionnaire_model_does_not_load_flask() -> None:
    code = (
        "import survey_app.questionnaire, sys; "
        "assert 'flask' not in sys.modules, 'flask was imported'; "
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
