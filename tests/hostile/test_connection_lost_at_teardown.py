"""A database connection lost after the page was made, while the request's session is ended.

The session's closing rollback once ran in Flask's teardown, after the response had been handed to
the server: the lost connection raised out of it, the server sent a bare 500, and the request log
said 200. Now the person gets the service's "try again" page (503), the request log has the status
that was sent, and the next request works. On PostgreSQL the connection is really ended, by the
server; on SQLite (which has no server to lose) the driver's rollback fails as it would.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, Response

from survey_app.extensions import db
from survey_app.logs import REQUEST_ID_HEADER
from survey_app.reports.models import Report
from tests.conftest import _empty_tables, make_app
from tests.pages import Page
from tests.web.test_triage import add_report, staff_client

QUEUE = "/staff/reports"


class Breaker:
    """Loses the database connection of the next request it is armed for, once its page is made."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.armed = False
        self.broke = 0
        app.after_request(self.after_the_page)  # registered last, so it runs before the session ends

    def after_the_page(self, response: Response) -> Response:
        if self.armed:
            self.armed = False
            self.break_connection()
            self.broke += 1
        return response

    def break_connection(self) -> None:
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            server = sa.create_engine(db.engine.url)
            with server.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            server.dispose()
            return
        # SQLite: the driver's next rollback fails, as a lost connection's would.
        dialect = connection.dialect
        real = dialect.do_rollback

        def lost(dbapi_connection) -> None:
            dialect.do_rollback = real
            raise dialect.loaded_dbapi.OperationalError("the connection was lost")

        dialect.do_rollback = lost


@pytest.fixture
def broken(database_url: str) -> Iterator[tuple[Flask, Breaker]]:
    app = make_app(database_url)
    breaker = Breaker(app)
    yield app, breaker
    _empty_tables(app)


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "survey_app.requests"]


def test_a_connection_lost_at_the_end_of_a_page_gives_the_try_again_page_and_the_log_says_so(broken, caplog):
    app, breaker = broken
    reference = add_report(app, "hate_crime_report")
    caseworker = staff_client(app, "case@example.org", "caseworker")
    assert caseworker.get(QUEUE).status_code == 200
    caplog.clear()
    caplog.set_level(logging.INFO, logger="survey_app.requests")

    breaker.armed = True
    response = caseworker.get(QUEUE)
    assert breaker.broke == 1
    page = Page(QUEUE, response)
    assert page.status == 503
    assert page.heading == "Sorry, the service is busy"
    assert "Please try again in a few minutes." in page.text()
    (line,) = request_lines(caplog)
    assert line.status == 503
    assert line.request_id == response.headers[REQUEST_ID_HEADER]

    # The pool let the lost connection go: the next page is the queue again.
    again = Page(QUEUE, caseworker.get(QUEUE))
    assert again.status == 200
    assert reference in again.text()


def test_a_lost_connection_after_a_form_was_saved_keeps_what_was_saved(broken):
    app, breaker = broken
    reference = add_report(app, "hate_crime_report")
    caseworker = staff_client(app, "case@example.org", "caseworker")
    page = Page(f"{QUEUE}/{reference}", caseworker.get(f"{QUEUE}/{reference}"))
    token = page.form_fields()["csrf_token"][0]
    breaker.armed = True
    response = caseworker.post(f"{QUEUE}/{reference}/status", data={"csrf_token": token, "status": "closed"})
    assert response.status_code == 503
    with app.app_context():
        assert db.session.scalar(sa.select(Report.status).where(Report.reference == reference)) == "closed"


@pytest.mark.parametrize("failure", ["teardown", "after_request"])
def test_the_request_log_has_the_status_sent_when_the_app_itself_fails(database_url, caplog, failure):
    app = make_app(database_url)

    def fail(*_args: object) -> object:
        raise RuntimeError("a fault after the page was made")

    if failure == "teardown":
        app.teardown_appcontext(fail)
    else:
        app.after_request(fail)

    @app.get("/test-fault")
    def fault() -> str:
        return "made"

    caplog.set_level(logging.INFO, logger="survey_app.requests")
    client = app.test_client()
    try:
        status = client.get("/test-fault").status_code
    except RuntimeError:
        status = 500  # the server's own bare answer to an app that raised
    (line,) = request_lines(caplog)
    assert line.status == status == 500
