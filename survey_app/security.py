"""Response headers that protect every page, and the limits on what a request may send."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, Response, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from .sessions import CookieSessions

# The largest request body, in bytes: answers are limited to 10,000 characters, and 256 KiB leaves
# room for any encoding of a whole page of them. Anything larger gets the 413 page unread.
MAX_BODY_BYTES = 256 * 1024
# The most fields a form may send, in either encoding a browser uses: a page has a few dozen.
MAX_FORM_FIELDS = 200

_View = TypeVar("_View", bound=Callable[..., Any])
_BODY_LIMIT_ATTRIBUTE = "max_body_bytes"

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


def allow_body(max_bytes: int) -> Callable[[_View], _View]:
    """Let a view take a body of up to `max_bytes` (an upload), so that a file a little too large
    meets the form's own message rather than the 413 page."""

    def decorator(view: _View) -> _View:
        setattr(view, _BODY_LIMIT_ATTRIBUTE, max_bytes)
        return view

    return decorator


def upload_limit(endpoint: str | None) -> int | None:
    """The larger body the route named by `endpoint` takes (see allow_body), if it takes one."""
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, _BODY_LIMIT_ATTRIBUTE, None)


def _apply_body_limit() -> None:
    # Before anything reads the form: the CSRF check does, in a hook registered after this one.
    limit = upload_limit(request.endpoint)
    if limit is not None:
        request.max_content_length = limit


class _FieldCountingParser(FormDataParser):
    """Holds urlencoded bodies to the same number of fields as multipart ones.

    Werkzeug counts the parts of a multipart body (MAX_FORM_PARTS) but not the fields of an
    urlencoded one, which within the body limit can be tens of thousands.
    """

    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[IO[bytes], Any, Any]:
        stream, form, files = super()._parse_urlencoded(stream, mimetype, content_length, options)
        if self.max_form_parts is not None and sum(len(v) for _k, v in form.lists()) > self.max_form_parts:
            raise RequestEntityTooLarge()
        return stream, form, files


class LimitedRequest(Request):
    form_data_parser_class = _FieldCountingParser


def _refuse_nameless_fields() -> None:
    """A multipart part without a name is no field of any form here: 400, not a server error."""
    if request.mimetype == "multipart/form-data" and (None in request.form or None in request.files):
        abort(400)


def init_security(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="sts_session",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        MAX_FORM_PARTS=MAX_FORM_FIELDS,
        # A page left open for hours must still submit: the token lives as
        # long as the session, not for a fixed hour.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        # The cookie is sent again only when the session changes; a survey renews it as it
        # renews the answers on the server (survey/routes.py).
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.session_interface = CookieSessions()
    app.request_class = LimitedRequest
    app.before_request(_apply_body_limit)
    # Before the CSRF check, which is registered later and fails on a field with no name.
    app.before_request(_refuse_nameless_fields)
    app.after_request(_set_headers)
