"""An administrator walks a draft questionnaire exactly as residents will, in each language it
offers, routing included: the residents' own pages, served under the staff pages for
administrators alone. What is entered is kept only while the preview lasts; finishing it stores
no response."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from ..questionnaire import Questionnaire
from ..registry import Published
from ..staff.access import require_role
from ..survey import routes as survey
from . import store

bp = Blueprint(survey.PREVIEW, __name__, url_prefix="/staff/questionnaires/preview")
ADMIN = "admin"


def draft_at(slug: str) -> Published | None:
    """The draft whose address segment is `slug`."""
    for row in store.drafts():
        questionnaire = store.questionnaire_of(row)
        if questionnaire.slug == slug:
            return Published(questionnaire, row.checksum, row.definition)
    return None


def preview_finished(questionnaire: Questionnaire) -> str:
    return render_template("library/preview_finished.html", questionnaire=questionnaire)


@bp.url_value_preprocessor
def _mark_preview(endpoint: str | None, values: dict | None) -> None:
    g.previewing = True
    survey.offer_its_languages(endpoint, values)


for rule, endpoint, view, methods in (
    ("/<slug>", "start", survey.start, ["GET"]),
    ("/<slug>/start", "begin", survey.begin, ["POST"]),
    ("/<slug>/questions/<address>", "question", survey.question, ["GET", "POST"]),
    ("/<slug>/check-answers", "check_answers", survey.check_answers, ["GET", "POST"]),
    ("/<slug>/confirmation", "confirmation", survey.confirmation, ["GET"]),
    ("/<slug>/timed-out", "timed_out", survey.timed_out, ["GET"]),
):
    bp.add_url_rule(rule, endpoint, require_role(ADMIN)(view), methods=methods)
