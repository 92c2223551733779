"""The front page: the open surveys and the ways to report."""

from flask import Blueprint, render_template

from .registry import all_published

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    surveys = [published.questionnaire for published in all_published().values()]
    return render_template("home.html", surveys=surveys)
