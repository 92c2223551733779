"""Logs: one JSON object per line in production, each naming the request it came from.

Every request gets an id, sent back in the X-Request-ID header and put on every log line written
while it is handled, so one resident's fault can be followed across workers and app instances.
Behind a trusted proxy (TRUSTED_PROXY_COUNT) the proxy's id is kept, so its log and ours join up.

A log line never holds what people wrote: answers, report text and passwords travel in request
bodies, which are never logged, and the request line names the path without its query string.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is kept only if it looks like one: it goes into every log line.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

requests_log = logging.getLogger("survey_app.requests")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (or None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    """Send every log record to standard error, as JSON lines or as plain text."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        ))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _assign_request_id() -> None:
    from flask import current_app

    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    trusted = current_app.config.get("TRUSTED_PROXY_COUNT") and _INCOMING_ID.match(incoming)
    g.request_id = incoming if trusted else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started", time.perf_counter())
    requests_log.info(
        "%s %s %s", request.method, request.path, response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response


def init_logs(app: Flask) -> None:
    app.before_request(_assign_request_id)
    app.after_request(_log_request)
