"""The pages of a survey. Each view is thin: the questionnaire model decides.

The same pages serve the reporting forms under /forms, where nothing may name the subject: the
tab title is the form's neutral title, question addresses are page numbers, and the browser holds
only an opaque token (held.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import rate_limits
from ..extensions import db
from ..i18n import current_language, offer_only
from ..kiosk import current_centre
from ..questionnaire import (
    Question,
    Questionnaire,
    first_unanswered,
    next_question,
    parse_answer,
    path,
    previous_question,
    raw_from_value,
)
from ..registry import Published, published_at, published_version
from ..reports.models import Report
from ..shortlinks import CHANNEL_KEY
from . import availability, flood, held, store
from .messages import error_message
from .page_cache import QuestionPage, draw_question_page, render_cached
from .presenters import answer_lines, short_label
from .quality import client_hash

bp = Blueprint("survey", __name__, url_prefix="/surveys")
PREVIEW = "preview"
log = logging.getLogger(__name__)


def previewing() -> bool:
    """An administrator walking a draft (library/preview.py serves these views for it)."""
    return request.blueprint == PREVIEW


def _served(slug: str) -> Published | None:
    """The questionnaire at this address: surveys live under /surveys, reports under /forms, and
    a draft being previewed under the staff pages."""
    if g.get("served_slug") != slug:
        if previewing():
            from ..library.preview import draft_at

            g.served = draft_at(slug)
        else:
            g.served = published_at(slug, "report" if request.blueprint == "report" else "survey")
        g.served_slug = slug
    return g.served


@bp.url_value_preprocessor
def offer_its_languages(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A questionnaire offered in some languages only is shown in one of them, and its pages'
    language links name those alone. (This runs before anything chooses the page's language.)"""
    slug = (values or {}).get("slug")
    published = _served(slug) if isinstance(slug, str) else None
    if published is not None and published.questionnaire.languages:
        offer_only(published.questionnaire.languages)


def _published(slug: str) -> Published:
    published = _served(slug)
    if published is None:
        abort(404)
    return published


def _render(page: QuestionPage, questionnaire: Questionnaire) -> str:
    # A draft's pages are drawn afresh: another upload may change it under the same version.
    return draw_question_page(page, questionnaire=questionnaire) if previewing() else render_cached(page)


def _as_begun(published: Published, progress: store.InProgress) -> Published:
    """The version this survey in progress was begun on: someone part-way through when a newer
    version is published finishes the one they began."""
    if progress.questionnaire_version == published.questionnaire.version:
        return published
    return published_version(published.questionnaire.id, progress.questionnaire_version) or published


def _keep_cookie_alive() -> None:
    """Renew the browser's cookie whenever the survey is renewed on the server.

    The cookie is not sent again with every page (that cost each page a signature), so it is
    renewed here: it lasts as long as the answers it leads to.
    """
    session.modified = True


def _current(questionnaire: Questionnaire) -> store.InProgress | WerkzeugResponse:
    """The respondent's survey in progress, or the page to send them to instead."""
    token = held.token_for(questionnaire)
    if token is None:
        return redirect(url_for(".start", slug=questionnaire.slug))
    try:
        progress = store.load(token, questionnaire)
    except store.Expired:
        progress = None
    if progress is None:
        return redirect(url_for(".timed_out", slug=questionnaire.slug))
    return progress


def _saved(questionnaire: Questionnaire) -> store.InProgress | None:
    """This browser's survey in progress, or None when there is none or it timed out."""
    token = held.token_for(questionnaire)
    if token is None:
        return None
    try:
        return store.load(token, questionnaire)
    except store.Expired:
        return None


def _question_url(questionnaire: Questionnaire, question: Question | None, **params: Any) -> str:
    if question is None:
        return url_for(".check_answers", slug=questionnaire.slug)
    return url_for(".question", slug=questionnaire.slug, address=questionnaire.address_of(question), **params)


@bp.get("/<slug>")
def start(slug: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    progress = _saved(questionnaire)
    in_progress = bool(progress and not progress.submitted and progress.answers)
    return render_template(
        "survey/start.html",
        questionnaire=questionnaire,
        in_progress=in_progress,
        # Someone who started before the survey closed may still finish.
        is_open=bool(progress and not progress.submitted)
        or availability.is_open(questionnaire)
        or previewing(),
    )


@bp.post("/<slug>/start")
def begin(slug: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    progress = _saved(questionnaire)
    if progress is None or progress.submitted:
        if not (availability.is_open(questionnaire) or previewing()):
            return redirect(url_for(".start", slug=questionnaire.slug))
        # Clearing out surveys left idle here keeps the table small without a scheduler.
        store.purge_expired()
        centre = current_centre()
        channel = session.get(CHANNEL_KEY, {}).get(held.key_for(questionnaire.id))
        token = store.start(questionnaire, current_language(), centre.id if centre else None, channel)
        db.session.commit()
        held.hold(questionnaire, token)
        return redirect(_question_url(questionnaire, questionnaire.questions[0]))
    questionnaire = _as_begun(published, progress).questionnaire
    return redirect(_question_url(questionnaire, first_unanswered(questionnaire, progress.answers)))


def _final_page(questionnaire: Questionnaire, current: Question) -> str:
    """A page where the journey ends with nothing stored (say, "Call 999 now"). It accepts no
    answer, needs nothing in progress and touches no data, so it shows whatever else fails."""
    start_url = url_for(".start", slug=questionnaire.slug)
    page = _page_inputs(questionnaire, current, {}, start_url, changing=False)
    return _render(page, questionnaire)


def _forget(questionnaire: Questionnaire, progress: store.InProgress) -> None:
    """Delete this visit's answers on the server and its token in the browser. The browser's
    token goes even if the database cannot be reached: the answers then go when idle."""
    try:
        store.forget([progress.token_hash])
    except SQLAlchemyError:
        log.warning("answers in progress could not be deleted now; they go when idle", exc_info=True)
    held.release(questionnaire)


def _leave_for(questionnaire: Questionnaire, progress: store.InProgress, final: Question) -> WerkzeugResponse:
    """Go to a final page, deleting whatever this visit had entered: nothing leads on from it."""
    _forget(questionnaire, progress)
    return redirect(_question_url(questionnaire, final))


@bp.route("/<slug>/questions/<address>", methods=["GET", "POST"])
def question(slug: str, address: str):
    published = _published(slug)
    questionnaire = published.questionnaire
    current = questionnaire.question_at(address)
    if current is not None and current.final:
        return _final_page(questionnaire, current)
    progress = _current(questionnaire)
    if isinstance(progress, WerkzeugResponse):
        return progress if current is not None else abort(404)
    questionnaire = _as_begun(published, progress).questionnaire
    current = questionnaire.question_at(address)
    if current is None:
        abort(404)
    if progress.submitted:
        return redirect(url_for(".confirmation", slug=questionnaire.slug))

    answers = progress.answers
    route = path(questionnaire, answers)
    on_path = [q.id for q in route]
    pending = first_unanswered(questionnaire, answers, route)
    reachable = current.id in on_path and (
        pending is None or on_path.index(current.id) <= on_path.index(pending.id)
    )
    if not reachable:
        # Routing has moved on (or the page was reached out of order).
        return redirect(_question_url(questionnaire, pending))

    changing = request.values.get("change") == "1"
    error = None
    if request.method == "POST":
        parsed = parse_answer(current, request.form.to_dict(flat=False))
        if parsed.error is None:
            # A changed answer may open questions not yet asked: ask them, still in "change"
            # mode, then return to the check page.
            given = {**answers, current.id: parsed.value}
            target = (
                first_unanswered(questionnaire, given)
                if changing
                else next_question(questionnaire, given, current.id)
            )
            if target is not None and target.final:
                return _leave_for(questionnaire, progress, target)
            try:
                store.save_answer(progress, questionnaire, current.id, parsed.value, current_language())
            except store.Expired:
                return redirect(url_for(".timed_out", slug=questionnaire.slug))
            except store.Submitted:
                return redirect(url_for(".confirmation", slug=questionnaire.slug))
            _keep_cookie_alive()
            if changing and target is not None:
                return redirect(_question_url(questionnaire, target, change="1"))
            return redirect(_question_url(questionnaire, target))
        raw = parsed.raw
        error = (parsed.error.field, error_message(questionnaire, current, parsed.error))
    else:
        if store.touch(progress):
            _keep_cookie_alive()
        raw = raw_from_value(current, answers.get(current.id))

    if changing:
        back_url = url_for(".check_answers", slug=questionnaire.slug)
    else:
        previous = previous_question(questionnaire, answers, current.id, route)
        back_url = (
            _question_url(questionnaire, previous) if previous else url_for(".start", slug=questionnaire.slug)
        )
    page = _page_inputs(questionnaire, current, raw, back_url, changing, error)
    if error is not None or not page.keepable:
        return draw_question_page(page, questionnaire=questionnaire)
    return _render(page, questionnaire)


def _page_inputs(
    questionnaire: Questionnaire,
    current: Question,
    raw: dict,
    back_url: str,
    changing: bool,
    error: tuple[str, str] | None = None,
) -> QuestionPage:
    from ..kiosk import kiosk_settings

    centre = current_centre()
    return QuestionPage.build(
        questionnaire=questionnaire,
        question=current,
        language=current_language(),
        address=request.path,
        changing=changing,
        back_url=back_url,
        raw=raw,
        kiosk=(centre.id, *kiosk_settings().values()) if centre else None,
        error=error,
    )


def _submit_limit() -> str:
    return current_app.config["SURVEY_SUBMIT_RATE_LIMIT"]


def _not_a_survey() -> bool:
    # People at a reporting centre share one address: reports are never limited per client.
    return request.blueprint in ("report", PREVIEW)


@bp.route("/<slug>/check-answers", methods=["GET", "POST"])
@rate_limits.limit(_submit_limit, exempt_when=_not_a_survey)
def check_answers(slug: str):
    published = _published(slug)
    progress = _current(published.questionnaire)
    if isinstance(progress, WerkzeugResponse):
        return progress
    published = _as_begun(published, progress)
    questionnaire = published.questionnaire
    if progress.submitted:
        return redirect(url_for(".confirmation", slug=questionnaire.slug))
    # A journey that ends on a final page is never complete: nothing is sent from it.
    pending = first_unanswered(questionnaire, progress.answers)
    if pending is not None and pending.final:
        return _leave_for(questionnaire, progress, pending)
    if pending is not None:
        return redirect(_question_url(questionnaire, pending))

    if request.method == "POST" and previewing():
        from ..library.preview import preview_finished

        _forget(questionnaire, progress)
        return preview_finished(questionnaire)
    if request.method == "POST":
        client = None
        if not questionnaire.is_report:
            client = client_hash(str(current_app.secret_key), request.remote_addr, request.user_agent.string)
        try:
            # The language the respondent finished in, which is the one they chose last.
            store.submit(
                progress,
                published,
                current_language(),
                client,
                hold=(lambda: flood.hold_reason(progress.centre)) if questionnaire.is_report else None,
            )
        except store.Changed:
            # Another page changed an answer since this one was read: show them all again.
            db.session.rollback()
            return redirect(url_for(".check_answers", slug=questionnaire.slug))
        db.session.commit()
        return redirect(url_for(".confirmation", slug=questionnaire.slug))

    if store.touch(progress):
        _keep_cookie_alive()
    route = path(questionnaire, progress.answers)
    rows = [
        {
            "key": short_label(questionnaire, q),
            "lines": answer_lines(questionnaire, q, progress.answers.get(q.id)),
            "href": _question_url(questionnaire, q, change="1"),
            "id": questionnaire.address_of(q),
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
    progress = _current(questionnaire)
    if isinstance(progress, WerkzeugResponse):
        return progress
    submission = store.submission_of(progress)
    if submission is None:
        return redirect(url_for(".check_answers", slug=questionnaire.slug))
    setup_token = None
    if isinstance(submission, Report) and not previewing():
        from ..checkin import contacts, setup

        setup_token = setup.setup_token_for(submission)
        db.session.commit()
    page = render_template(
        "survey/confirmation.html",
        questionnaire=questionnaire,
        reference=submission.reference,
        setup_token=setup_token,
        errors={},
        email="",
        notifications=setup_token is not None and contacts.enabled(),
    )
    if questionnaire.is_report:
        # Shown once: someone going through this device's history later finds only the start.
        _forget(questionnaire, progress)
    return page


@bp.get("/<slug>/timed-out")
def timed_out(slug: str):
    published = _published(slug)
    # Only a token whose answers are gone is forgotten: this address can be opened at any time.
    if _saved(published.questionnaire) is None:
        held.release(published.questionnaire)
    return render_template("survey/timed_out.html", questionnaire=published.questionnaire)
