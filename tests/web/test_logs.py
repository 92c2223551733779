"""Structured logs: every request has an id, in its response and on every log line it wrote."""

from __future__ import annotations

import io
import json
import logging

import pytest

from survey_app.logs import REQUEST_ID_HEADER, configure_logging
from tests.conftest import make_app


@pytest.fixture
def json_log():
    """The root logger writing JSON lines into a buffer, as in production; restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging(json_lines=True)
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def _lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_each_request_has_an_id_on_its_response_and_log_lines(database_url, json_log):
    app = make_app(database_url)

    @app.get("/test-logs")
    def writes_a_line():
        logging.getLogger("survey_app.test").warning("something to follow up")
        return "ok"

    client = app.test_client()
    first = client.get("/test-logs")
    second = client.get("/test-logs")
    ids = [first.headers[REQUEST_ID_HEADER], second.headers[REQUEST_ID_HEADER]]
    assert ids[0] != ids[1]
    lines = _lines(json_log)
    warning = [line for line in lines if line["message"] == "something to follow up"]
    assert [line["request_id"] for line in warning] == ids
    requests = [line for line in lines if line["logger"] == "survey_app.requests"]
    assert [line["request_id"] for line in requests] == ids
    assert requests[0]["status"] == 200 and requests[0]["path"] == "/test-logs"
    assert requests[0]["level"] == "INFO" and "duration_ms" in requests[0]


def test_the_request_line_never_holds_the_query_string(database_url, json_log):
    client = make_app(database_url).test_client()
    client.get("/surveys/community_confidence?lang=pl&note=private-words")
    assert "private-words" not in json_log.getvalue()


@pytest.mark.parametrize(
    ("proxies", "incoming", "kept"),
    [
        (1, "proxy-id-12345678", True),
        (0, "proxy-id-12345678", False),  # anyone could send the header: make our own
        (1, "<script>not an id</script>", False),
    ],
)
def test_a_proxys_request_id_is_kept_only_from_a_trusted_proxy(database_url, proxies, incoming, kept):
    client = make_app(database_url, TRUSTED_PROXY_COUNT=proxies).test_client()
    answer = client.get("/healthz", headers={REQUEST_ID_HEADER: incoming})
    assert (answer.headers[REQUEST_ID_HEADER] == incoming) is kept
