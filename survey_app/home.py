"""The front page: the open surveys and the ways to report."""

from flask import Blueprint, render_template

from .registry import all_published
from .survey.availability import closed_ids

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    questionnaires = [published.questionnaire for published in all_published().values()]
    closed = closed_ids()
    return render_template(
        "home.html",
        surveys=[q for q in questionnaires if q.is_survey and q.id not in closed],
        reports=[q for q in questionnaires if q.is_report],
    )
