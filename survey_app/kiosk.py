"""Kiosk mode for reporting centres: a start screen, and a full reset between people.

A kiosk is a shared screen in a library or community centre. Whatever one
person entered must be gone, on the server and in the browser, before the
next person touches it: "Finish", "Start again", "Exit this page" and the
inactivity timer all end in the same reset.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, g, redirect, render_template, session, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .centres import Centre, all_centres
from .extensions import db
from .i18n import LANGUAGE_COOKIE
from .registry import all_published
from .survey import held, store

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
log = logging.getLogger(__name__)

SESSION_KEY = "kiosk"


def current_centre() -> Centre | None:
    """The centre whose kiosk this browser is, if it is one."""
    centre_id = session.get(SESSION_KEY)
    return all_centres().get(centre_id) if centre_id else None


def centre_by_id(centre_id: str) -> Centre | None:
    return all_centres().get(centre_id)


def _centre(centre_id: str) -> Centre:
    centre = all_centres().get(centre_id)
    if centre is None:
        abort(404)
    return centre


def reset_browser(target: str, forget_language: bool = False) -> Response:
    """Delete everything this browser began here, on the server and in the browser.

    Its surveys and reports in progress, and any staff session signed in on it (a caseworker who
    used a kiosk, or a phone that is handed over, must not stay signed in for whoever comes
    next). On a kiosk the language chosen is forgotten too: the next person starts afresh.
    """
    from .checkin import visits
    from .staff.auth import end_browser_session

    try:
        store.forget([store.hash_token(token) for token in held.all_tokens()])
        visits.end()
        end_browser_session()
        db.session.commit()
    except SQLAlchemyError:
        # Leaving comes first, whatever the database is doing: the answers left behind are
        # deleted when they go idle, and the browser forgets the tokens to them now.
        db.session.rollback()
        log.warning("quick exit or reset: the answers in progress could not be deleted now", exc_info=True)
    held.release_all()
    g.check_cookie = ""
    session.clear()
    response = redirect(target)
    if forget_language:
        response.delete_cookie(
            LANGUAGE_COOKIE, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"]
        )
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.get("")
def centres():
    return render_template("kiosk/centres.html", centres=list(all_centres().values()))


@bp.get("/<centre_id>")
def start(centre_id: str):
    centre = _centre(centre_id)
    session[SESSION_KEY] = centre.id
    forms = [p.questionnaire for p in all_published().values() if p.questionnaire.is_report]
    return render_template("kiosk/start.html", centre=centre, forms=forms)


@bp.post("/<centre_id>/reset")
def reset(centre_id: str):
    centre = _centre(centre_id)
    return reset_browser(url_for(".start", centre_id=centre.id), forget_language=True)


def kiosk_settings() -> dict[str, int]:
    config = current_app.config
    return {"warning": config["KIOSK_WARNING_SECONDS"], "countdown": config["KIOSK_COUNTDOWN_SECONDS"]}
