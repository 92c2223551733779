"""Survey administration (role admin): open and close surveys, versions and response counts,
poster short links with QR codes, and the population margins used for weighting."""

from __future__ import annotations

import hashlib
import io
import unicodedata

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..extensions import db
from ..models import QuestionnaireSetting, QuestionnaireVersion
from ..models import Response as SurveyResponse
from ..questionnaire import Questionnaire
from ..registry import all_published, get_published
from ..security import allow_body
from ..shortlinks import poster_places
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from ..survey import availability
from . import views
from .margins import MAX_BYTES, Problem, check_margins, check_weighting
from .models import MarginsFile
from .routes import svg_response
from .service import first_measured_questionnaire, included_responses, margins_in_use

bp = Blueprint("surveys_admin", __name__, url_prefix="/staff")

ADMIN = "admin"
# The body a margins upload may send: well beyond the largest file taken (MAX_BYTES), so that a
# file too large still gets the form's message, which says how large a file may be.
MAX_UPLOAD_BODY = 1024 * 1024


def _survey_or_404(questionnaire_id: str) -> Questionnaire:
    published = get_published(questionnaire_id)
    if published is None or not published.questionnaire.is_survey:
        abort(404)
    return published.questionnaire


@bp.get("/surveys")
@require_role(ADMIN)
def surveys():
    versions = db.session.execute(
        sa.select(
            QuestionnaireVersion.questionnaire_id,
            QuestionnaireVersion.version,
            QuestionnaireVersion.published_at,
            sa.func.count(SurveyResponse.id),
        )
        .outerjoin(SurveyResponse, SurveyResponse.questionnaire_version_id == QuestionnaireVersion.id)
        .group_by(QuestionnaireVersion.id)
        .order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version)
    ).all()
    settings = {s.questionnaire_id: s for s in db.session.scalars(sa.select(QuestionnaireSetting))}
    items = []
    for published in all_published().values():
        q = published.questionnaire
        if q.is_checklist:
            continue  # a caseworker's tool, with no address of its own (triage/checklists.py)
        items.append(
            {
                "questionnaire": q,
                "open": True if q.is_report else availability.is_open(q),
                "setting": settings.get(q.id),
                "versions": [(v, at, n) for qid, v, at, n in versions if qid == q.id],
                "links": [] if q.is_report else _links(q),
            }
        )
    return render_template("insight/surveys.html", items=items, views=views)


def _links(questionnaire: Questionnaire) -> list[dict[str, str]]:
    links = [
        {
            "place": "",
            "label": _("Anywhere"),
            "url": url_for("short.survey", slug=questionnaire.slug, _external=True),
        }
    ]
    for code, _label in poster_places(questionnaire):
        links.append(
            {
                "place": code,
                "label": views.place_label(questionnaire, code),
                "url": url_for("short.place", slug=questionnaire.slug, place=code, _external=True),
            }
        )
    return links


@bp.post("/surveys/<questionnaire_id>/state")
@require_role(ADMIN)
def change_state(questionnaire_id: str):
    questionnaire = _survey_or_404(questionnaire_id)
    wanted = request.form.get("state")
    if wanted not in ("open", "closed"):
        abort(400)
    availability.set_open(questionnaire, wanted == "open", signed_in_staff().id)
    record("change_survey", None, questionnaire=questionnaire.id, state=wanted)
    db.session.commit()
    return redirect(url_for(".surveys") + f"#survey-{questionnaire.id}")


@bp.get("/surveys/<questionnaire_id>/qr.svg")
@require_role(ADMIN)
def qr_code(questionnaire_id: str):
    questionnaire = _survey_or_404(questionnaire_id)
    place = request.args.get("place", "")
    if place and place not in dict(poster_places(questionnaire)):
        abort(404)
    url = (
        url_for("short.place", slug=questionnaire.slug, place=place, _external=True)
        if place
        else url_for("short.survey", slug=questionnaire.slug, _external=True)
    )
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=4, title=url)
    name = f"qr-{questionnaire.slug}{'-' + place if place else ''}.svg"
    return svg_response(out.getvalue(), name if request.args.get("download") else None)


# Margins ------------------------------------------------------------------------------------


def problem_text(problem: Problem) -> str:
    items = ", ".join(problem.items)
    if problem.kind == "columns":
        return _(
            "The file needs the columns variable, category and population_count. Missing: %(items)s.",
            items=items,
        )
    if problem.kind == "row":
        return _("A line of the file cannot be read: %(detail)s.", detail=problem.detail)
    if problem.kind == "unreadable":
        return _("The file cannot be read as UTF-8 CSV text.")
    if problem.kind == "missing_variable":
        return _(
            "The file has no figures for %(variable)s, which the estimates are weighted on.",
            variable=problem.variable,
        )
    if problem.kind == "unknown_variable":
        return _("%(variable)s is not a weighting variable of the survey.", variable=problem.variable)
    if problem.kind == "unknown_category":
        return _(
            "%(variable)s has categories the survey does not use: %(items)s.",
            variable=problem.variable,
            items=items,
        )
    if problem.kind == "missing_category":
        return _("%(variable)s has no figure for: %(items)s.", variable=problem.variable, items=items)
    if problem.kind == "weighting":
        return _(
            "The responses so far cannot be weighted to these figures (%(detail)s). Check that each "
            "figure is the number of residents in its group, as in the figures in use now, and "
            "correct the file before uploading it again.",
            detail=problem.detail,
        )
    if problem.kind == "zero_count":
        return _(
            "%(variable)s has a population of 0 for: %(items)s. Every group needs a figure above 0.",
            variable=problem.variable,
            items=items,
        )
    return _("The variables do not add up to the same population: %(items)s.", items=items)


def _shown_filename(filename: str) -> str:
    """The uploaded file's name as pages show it: control characters (which PostgreSQL may refuse,
    and which no file chooser sends) removed, at most 255 characters."""
    shown = "".join(char for char in filename if unicodedata.category(char) != "Cc").strip()
    return shown[:255] or "margins.csv"


@bp.route("/margins", methods=["GET", "POST"])
@allow_body(MAX_UPLOAD_BODY)
@require_role(ADMIN)
def margins():
    questionnaire = first_measured_questionnaire()
    if questionnaire is None:
        abort(404)
    in_use = margins_in_use(questionnaire)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.files.get("margins")
        content = upload.read(MAX_BYTES + 1) if upload else b""
        if not upload or not upload.filename or not content:
            errors.append(_("Choose a CSV file of population margins"))
        elif len(content) > MAX_BYTES:
            errors.append(_("The file must be smaller than %(size)s KB", size=MAX_BYTES // 1000))
        else:
            checked = check_margins(content, questionnaire, in_use.margins.keys())
            if checked.ok:
                records = [record for _id, record in included_responses(questionnaire.id)]
                problem = check_weighting(checked, questionnaire, records)
                checked.problems.extend([problem] if problem else [])
            errors = [problem_text(p) for p in checked.problems]
            if not errors:
                text = content.decode("utf-8-sig")
                db.session.execute(sa.update(MarginsFile).values(active=False))
                filename = _shown_filename(upload.filename)
                db.session.add(
                    MarginsFile(
                        filename=filename,
                        content=text,
                        checksum=hashlib.sha256(content).hexdigest(),
                        uploaded_by_id=signed_in_staff().id,
                        active=True,
                    )
                )
                record("upload_margins", None, filename=filename)
                db.session.commit()
                return redirect(url_for(".margins", uploaded="1"))
    uploads = db.session.scalars(sa.select(MarginsFile).order_by(MarginsFile.id.desc()).limit(20)).all()
    return render_template(
        "insight/margins.html",
        questionnaire=questionnaire,
        in_use=in_use,
        errors=errors,
        uploads=uploads,
        views=views,
        uploaded=request.args.get("uploaded") == "1",
    ), (400 if errors else 200)


@bp.post("/margins/default")
@require_role(ADMIN)
def margins_default():
    db.session.execute(sa.update(MarginsFile).values(active=False))
    record("upload_margins", None, filename="data/population_margins.csv")
    db.session.commit()
    return redirect(url_for(".margins"))
