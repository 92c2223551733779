"""Kiosk mode for reporting centres: a start screen, and a full reset between people.

A kiosk is a shared screen in a library or community centre. Whatever one
person entered must be gone, on the server and in the browser, before the
next person touches it: "Finish", "Start again", "Exit this page" and the
inactivity timer all end in the same reset.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from .centres import Centre, all_centres
from .registry import all_published
from .survey import store

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

SESSION_KEY = "kiosk"


def current_centre() -> Centre | None:
    """The centre whose kiosk this browser is, if it is one."""
    centre_id = session.get(SESSION_KEY)
    return all_centres().get(centre_id) if centre_id else None


def _centre(centre_id: str) -> Centre:
    centre = all_centres().get(centre_id)
    if centre is None:
        abort(404)
    return centre


def reset_browser(target: str) -> Response:
    """Delete this browser's answers on the server and ask the browser to forget us too."""
    tokens = list(session.get("surveys", {}).values())
    store.forget_browser_sessions([store.hash_token(token) for token in tokens])
    session.clear()
    response = redirect(target)
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
    return reset_browser(url_for(".start", centre_id=centre.id))


def kiosk_settings() -> dict[str, int]:
    config = current_app.config
    return {"warning": config["KIOSK_WARNING_SECONDS"], "countdown": config["KIOSK_COUNTDOWN_SECONDS"]}
