"""The WSGI entry point: `gunicorn wsgi:app`, and `flask --app wsgi ...`."""

import logging
import sys

from survey_app import create_app
from survey_app.config import ConfigurationError
from survey_app.questionnaire import QuestionnaireError

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

try:
    app = create_app()
except (ConfigurationError, QuestionnaireError) as error:
    # One clear line instead of a traceback, and a non-zero exit.
    sys.exit(f"Cannot start Safer Trafford Surveys: {error}")
