"""Logs: one JSON object per line in production, each naming the request it came from.

Every request gets an id, sent back in the X-Request-ID header and put on every log line written
while it is handled, so one resident's fault can be followed across workers and app instances.
Behind a trusted proxy (TRUSTED_PROXY_COUNT) the proxy's id is kept, so its log and ours join up.

A log line never holds what people wrote: answers, report text and passwords travel in request
bodies, which are never logged, and the request line names the path without its query string.

The request line is written around the app, where the server is handed the status: a fault after
Flask's last hook (in its teardown, say) once made the server send a bare 500 while the log said
200. Now the line has the status that went out, and 500 for an answer the app never gave.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from werkzeug.wsgi import get_path_info

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is kept only if it looks like one: it goes into every log line.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

requests_log = logging.getLogger("survey_app.requests")


_ENVIRON_KEY = "survey_app.request_id"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None outside a request) to every record that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    """Send every log record to standard error, as JSON lines or as plain text."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class RequestLog:
    """WSGI middleware: gives each request its id and writes its request line with the status the
    server was given, whatever happened inside the app."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.config = app.config
        self.wsgi_app = wsgi_app

    def request_id(self, environ: dict[str, Any]) -> str:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        trusted = self.config.get("TRUSTED_PROXY_COUNT") and _INCOMING_ID.match(incoming)
        return incoming if trusted else uuid.uuid4().hex

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = environ[_ENVIRON_KEY] = self.request_id(environ)
        sent: list[int] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [int(status.split(" ", 1)[0])]
            headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower()]
            return start_response(status, [*headers, (REQUEST_ID_HEADER, request_id)], exc_info)

        try:
            body = self.wsgi_app(environ, start)
        except BaseException:
            # The server answers a request whose app raised with a bare 500 of its own.
            _write(environ, 500, request_id, started, logging.ERROR)
            raise
        _write(environ, sent[0] if sent else 500, request_id, started)
        return body


def _write(
    environ: dict[str, Any], status: int, request_id: str, started: float, level: int = logging.INFO
) -> None:
    method, path = environ.get("REQUEST_METHOD", ""), get_path_info(environ)
    requests_log.log(
        level,
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )


def _assign_request_id() -> None:
    g.request_id = request.environ.get(_ENVIRON_KEY) or uuid.uuid4().hex


def init_logs(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.wsgi_app = RequestLog(app, app.wsgi_app)  # type: ignore[method-assign]
