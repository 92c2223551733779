"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...`."""

import os
import sys

from survey_app import create_app
from survey_app.config import ConfigurationError
from survey_app.logs import configure_logging
from survey_app.questionnaire import QuestionnaireError

# JSON lines in production (for the log collector), plain text on a developer's screen.
_default_format = "json" if os.environ.get("APP_ENV", "").strip().lower() == "production" else "text"
configure_logging(json_lines=os.environ.get("LOG_FORMAT", _default_format).strip().lower() == "json")

try:
    app = create_app()
except (ConfigurationError, QuestionnaireError) as error:
    # One clear line instead of a traceback, and a non-zero exit.
    sys.exit(f"Cannot start Safer Trafford Surveys: {error}")
