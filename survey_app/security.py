"""Response headers that protect every page."""

from __future__ import annotations

from flask import Flask, Response, abort, request

from .sessions import CookieSessions

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


# Sent with every response unless the view set its own.
_DEFAULT_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
# Pages may hold a respondent's answers: never keep them in a cache where the next person on a
# shared device could find them.
_PAGE_HEADERS = (("Vary", "Cookie"),)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    # One look at the headers already set, rather than one search per header on every response.
    present = {name.lower() for name, _value in headers.items()}
    wanted = list(_DEFAULT_HEADERS)
    if request.is_secure:
        wanted.append(_HSTS)
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
        wanted.extend(_PAGE_HEADERS)
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    return response


def _refuse_nameless_fields() -> None:
    """A multipart part without a name is no field of any form here: 400, not a server error."""
    if request.mimetype == "multipart/form-data" and (None in request.form or None in request.files):
        abort(400)


def init_security(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="sts_session",
        # Answers are limited to 10,000 characters; 256 KB leaves room for
        # any encoding and refuses anything larger with a 413.
        MAX_CONTENT_LENGTH=256 * 1024,
        MAX_FORM_PARTS=200,
        # A page left open for hours must still submit: the token lives as
        # long as the session, not for a fixed hour.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        # The cookie is sent again only when the session changes; a survey renews it as it
        # renews the answers on the server (survey/routes.py).
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.session_interface = CookieSessions()
    # Before the CSRF check, which is registered later and fails on a field with no name.
    app.before_request(_refuse_nameless_fields)
    app.after_request(_set_headers)
