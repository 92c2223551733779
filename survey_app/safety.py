"""Quick exit: delete everything this browser was answering, then leave for a neutral page."""

from __future__ import annotations

from flask import Blueprint, current_app, url_for

from .kiosk import current_centre, reset_browser

bp = Blueprint("safety", __name__)


@bp.get("/exit")
def exit_page():
    """Where "Exit this page" goes first. A GET, so that it works as a plain link without JavaScript.

    It deletes only the answers of the browser that asks, and sends it only to
    the configured page (or, on a kiosk, back to the kiosk's start screen), so
    it cannot be used to send anyone anywhere else.
    """
    centre = current_centre()
    if centre:
        return reset_browser(url_for("kiosk.start", centre_id=centre.id), forget_language=True)
    return reset_browser(current_app.config["EXIT_URL"])
