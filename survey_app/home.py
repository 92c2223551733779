"""The front page: the open surveys and the ways to report."""

from flask import Blueprint, render_template

from .registry import all_published

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    questionnaires = [published.questionnaire for published in all_published().values()]
    return render_template(
        "home.html",
        surveys=[q for q in questionnaires if not q.is_report],
        reports=[q for q in questionnaires if q.is_report],
    )
