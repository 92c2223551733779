"""Error pages in the service's own style. None of them shows a stack trace."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask.globals import request_ctx
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .security import upload_limit

log = logging.getLogger(__name__)


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    _bind_urls()
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _bind_urls() -> None:
    """Let the page build its links when the request's Host could not be bound (a label over 63
    characters, "a..b"): Werkzeug refuses the request with 400 and leaves no URL adapter, and
    url_for() in the layout then failed, turning the 400 into a bare 500. The links are paths, so
    the host they are bound to never shows."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = current_app.url_map.bind(
            "localhost", script_name=request.root_path or "/", url_scheme=request.scheme
        )


def _http_error(error: HTTPException) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    status = error.code or 500
    if status == 404:
        return _page(404, _("Page not found"), _("If you typed the web address, check it is correct."))
    if status == 405:
        return _page(405, _("Sorry, that did not work"), _("This page cannot be used in that way."))
    if status == 413:
        if upload_limit(request.endpoint):
            return _page(413, _("What you sent was too large"), _("Go back and choose a smaller file."))
        return _page(413, _("What you sent was too large"), _("Go back, shorten your answer and try again."))
    if status == 400:
        return _page(400, _("Sorry, that did not work"), _("Go back and try again."))
    if status == 403:
        return _page(
            403,
            _("You do not have access to this page"),
            _("Your account cannot use this page. If you need it for your work, ask an administrator."),
        )
    if status == 429:
        body, _status = _page(
            429,
            _("Too many attempts"),
            _("You have tried too many times in a short while. Wait a minute, then try again."),
        )
        return body, 429, {"Retry-After": "60"}
    if status == 503:
        return service_unavailable(error)
    return _page(status, _("Sorry, that did not work"), _("Go back and try again."))


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _page(
        400,
        _("This page has expired"),
        _(
            "For your security, the page timed out or was opened in another window. "
            "Go back, refresh the page and try again."
        ),
    )


def service_unavailable(error: Exception) -> tuple[str, int]:
    """The "try again" page, for a database that cannot be reached just now."""
    log.warning("service unavailable: %s", error)
    return _page(
        503,
        _("Sorry, the service is busy"),
        _("Your answers so far are saved. Please try again in a few minutes."),
    )


def _server_error(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error", exc_info=error)
    return _page(500, _("Sorry, there is a problem with the service"), _("Please try again later."))


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    # A database that cannot be reached is a temporary fault: say so, with a 503.
    app.register_error_handler(sa.exc.OperationalError, service_unavailable)
    app.register_error_handler(sa.exc.InterfaceError, service_unavailable)
    app.register_error_handler(Exception, _server_error)
