"""The pages of a survey. Each view is thin: the questionnaire model decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import rate_limits
from ..i18n import current_language
from ..kiosk import current_centre
from ..questionnaire import (
    CHOICE_TYPES,
    NOTICE,
    Question,
    Questionnaire,
    first_unanswered,
    next_question,
    parse_answer,
    path,
    previous_question,
    raw_from_value,
)
from ..registry import Published, published_at
from ..shortlinks import CHANNEL_KEY
from . import availability, store
from .messages import error_message
from .page_cache import render_cached
from .presenters import answer_lines, character_count_texts, error_summary, question_view, short_label
from .quality import client_hash

bp = Blueprint("survey", __name__, url_prefix="/surveys")

_SESSION_KEY = "surveys"
# Pages whose answer, if any, is one of a fixed list: the only ones kept drawn (page_cache.py).
_FIXED_ANSWER_TYPES = CHOICE_TYPES | {NOTICE}


def _published(slug: str) -> Published:
    """The questionnaire at this address; surveys live under /surveys, reports under /forms."""
    published = published_at(slug, "report" if request.blueprint == "report" else "survey")
    if published is None:
        abort(404)
    return published


def _token(questionnaire_id: str) -> str | None:
    return session.get(_SESSION_KEY, {}).get(questionnaire_id)


def _remember_token(questionnaire_id: str, token: str) -> None:
    session.permanent = True
    session[_SESSION_KEY] = {**session.get(_SESSION_KEY, {}), questionnaire_id: token}


def _keep_cookie_alive() -> None:
    """Renew the browser's cookie whenever the survey is renewed on the server.

    The cookie is not sent again with every page (that cost each page a signature), so it is
    renewed here: it lasts as long as the answers it leads to.
    """
    session.modified = True


Row = TypeVar("Row", store.SurveySession, store.Progress)


def _current(
    published: Published, load: Callable[[str, Questionnaire], Row | None]
) -> Row | WerkzeugResponse:
    """The respondent's survey in progress, or the page to send them to instead.

    `load` is store.read_progress for a page that shows it or saves an answer, store.load_session
    for one that turns it into a response.
    """
    questionnaire = published.questionnaire
    token = _token(questionnaire.id)
    if token is None:
        return redirect(url_for(".start", slug=questionnaire.slug))
    try:
        row = load(token, questionnaire)
    except store.Expired:
        return redirect(url_for(".timed_out", slug=questionnaire.slug))
    if row is None:
        return redirect(url_for(".timed_out", slug=questionnaire.slug))
    return row


def _saved_session(questionnaire: Questionnaire) -> store.Progress | None:
    """This browser's survey in progress, or None when there is none or it timed out."""
    token = _token(questionnaire.id)
    if token is None:
        return None
    try:
        return store.read_progress(token, questionnaire)
    except store.Expired:
        return None


def _question_url(questionnaire: Questionnaire, question: Question | None, **params: str) -> str:
    if question is None:
        return url_for(".check_answers", slug=questionnaire.slug)
    return url_for(".question", slug=questionnaire.slug, question_id=question.id, **params)


@bp.get("/<slug>")
def start(slug: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    row = _saved_session(questionnaire)
    in_progress = bool(row and not row.submitted and row.answers)
    return render_template(
        "survey/start.html",
        questionnaire=questionnaire,
        in_progress=in_progress,
        # Someone who started before the survey closed may still finish.
        is_open=bool(row and not row.submitted) or availability.is_open(questionnaire),
    )


@bp.post("/<slug>/start")
def begin(slug: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    row = _saved_session(questionnaire)
    if row is None or row.submitted:
        if not availability.is_open(questionnaire):
            return redirect(url_for(".start", slug=questionnaire.slug))
        # Clearing out surveys left idle here keeps the table small without a scheduler.
        store.purge_expired()
        centre = current_centre()
        channel = session.get(CHANNEL_KEY, {}).get(questionnaire.id)
        token = store.start_session(
            questionnaire, current_language(), centre.id if centre else None, channel
        )
        _remember_token(questionnaire.id, token)
        return redirect(_question_url(questionnaire, questionnaire.questions[0]))
    return redirect(_question_url(questionnaire, first_unanswered(questionnaire, row.answers)))


@bp.route("/<slug>/questions/<question_id>", methods=["GET", "POST"])
def question(slug: str, question_id: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    current = questionnaire.question(question_id)
    if current is None:
        abort(404)
    row = _current(published, store.read_progress)
    if isinstance(row, WerkzeugResponse):
        return row
    if row.submitted:
        return redirect(url_for(".confirmation", slug=questionnaire.slug))

    answers = row.answers
    route = path(questionnaire, answers)
    on_path = [q.id for q in route]
    pending = first_unanswered(questionnaire, answers, route)
    reachable = current.id in on_path and (
        pending is None or on_path.index(current.id) <= on_path.index(pending.id)
    )
    if not reachable:
        # Routing has moved on (or the page was reached out of order).
        return redirect(_question_url(questionnaire, pending))

    changing = (request.values.get("change") == "1")
    error_pairs = []
    if request.method == "POST":
        parsed = parse_answer(current, request.form.to_dict(flat=False))
        if parsed.error is None:
            saved = store.save_answer(row, current.id, parsed.value, current_language())
            _keep_cookie_alive()
            if changing:
                # A changed answer may open questions not yet asked: ask them,
                # still in "change" mode, then return to the check page.
                pending = first_unanswered(questionnaire, saved)
                if pending is None:
                    return redirect(_question_url(questionnaire, None))
                return redirect(_question_url(questionnaire, pending, change="1"))
            target = next_question(questionnaire, saved, current.id)
            return redirect(_question_url(questionnaire, target))
        raw = parsed.raw
        error_pairs = [(parsed.error, error_message(questionnaire, current, parsed.error))]
    else:
        if store.touch(row):
            _keep_cookie_alive()
        raw = raw_from_value(current, answers.get(current.id))

    if changing:
        back_url = url_for(".check_answers", slug=questionnaire.slug)
    else:
        previous = previous_question(questionnaire, answers, current.id, route)
        back_url = (
            _question_url(questionnaire, previous)
            if previous
            else url_for(".start", slug=questionnaire.slug)
        )

    def draw(**extra: object) -> str:
        return render_template(
            "survey/question.html",
            questionnaire=questionnaire,
            question=question_view(questionnaire, current),
            raw=raw,
            error=error_pairs[0][1] if error_pairs else None,
            error_field=error_pairs[0][0].field if error_pairs else None,
            errors=error_summary(error_pairs),
            back_url=back_url,
            changing=changing,
            character_count=(
                character_count_texts(current.settings["max_length"]) if current.type == "free_text" else {}
            ),
            **extra,
        )

    if error_pairs or current.type not in _FIXED_ANSWER_TYPES:
        return draw()
    chosen = tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in raw.items()))
    key = (questionnaire.id, questionnaire.version, current.id, changing, back_url, chosen)
    return render_cached(key, draw)


def _submit_limit() -> str:
    return current_app.config["SURVEY_SUBMIT_RATE_LIMIT"]


def _not_a_survey() -> bool:
    # People at a reporting centre share one address: reports are never limited per client.
    return request.blueprint == "report"


@bp.route("/<slug>/check-answers", methods=["GET", "POST"])
@rate_limits.limit(_submit_limit, exempt_when=_not_a_survey)
def check_answers(slug: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    row = _current(published, store.load_session if request.method == "POST" else store.read_progress)
    if isinstance(row, WerkzeugResponse):
        return row
    if row.submitted:
        return redirect(url_for(".confirmation", slug=questionnaire.slug))
    pending = first_unanswered(questionnaire, row.answers)
    if pending is not None:
        return redirect(_question_url(questionnaire, pending))

    if request.method == "POST":
        # The language the respondent finished in, which is the one they chose last.
        row.language = current_language()
        client = None
        if not questionnaire.is_report:
            client = client_hash(current_app.secret_key, request.remote_addr, request.user_agent.string)
        store.submit(row, published, client)
        return redirect(url_for(".confirmation", slug=questionnaire.slug))

    if store.touch(row):
        _keep_cookie_alive()
    route = path(questionnaire, row.answers)
    rows = [
        {
            "key": short_label(questionnaire, q),
            "lines": answer_lines(questionnaire, q, row.answers.get(q.id)),
            "href": _question_url(questionnaire, q, change="1"),
            "id": q.id,
        }
        for q in route
        if not q.is_notice
    ]
    return render_template(
        "survey/check_answers.html",
        questionnaire=questionnaire,
        rows=rows,
        back_url=_question_url(questionnaire, route[-1]),
    )


@bp.get("/<slug>/confirmation")
def confirmation(slug: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    row = _current(published, store.load_session)
    if isinstance(row, WerkzeugResponse):
        return row
    if row.submission is None:
        return redirect(url_for(".check_answers", slug=questionnaire.slug))
    return render_template(
        "survey/confirmation.html", questionnaire=questionnaire, reference=row.submission.reference
    )


@bp.get("/<slug>/timed-out")
def timed_out(slug: str):
    published = _published(slug)
    surveys = dict(session.get(_SESSION_KEY, {}))
    if surveys.pop(published.questionnaire.id, None):
        session[_SESSION_KEY] = surveys
    return render_template(
        "survey/timed_out.html",
        questionnaire=published.questionnaire,
    )

