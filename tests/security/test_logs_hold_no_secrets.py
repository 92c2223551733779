"""Nothing people write, and no password or token, ever reaches a log line.

Whole journeys run through the test client with every log record kept (root, the app's loggers and
werkzeug, all at DEBUG): a resident's survey, a hate crime report and a domestic abuse report with
a distinctive marker in every free-text answer, a staff member signing in (and failing to), and a
caseworker reading both reports and adding a note. Then no record may hold any of those markers,
passwords, CSRF tokens, session cookies or the ids inside them: not in its message, its arguments,
its extra fields or its exception text. The self-checks at the end show that the capture would
see such a value if one were logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, request
from flask.testing import FlaskClient

from survey_app.extensions import db
from tests.pages import Page, Visitor
from tests.web.test_journey import ANSWERS as SURVEY_ANSWERS
from tests.web.test_journey import answer_all
from tests.web.test_reports import ABUSE, HATE, HATE_ANSWERS, begin, fill
from tests.web.test_staff_accounts import add_user

# One marker per free-text answer: unusual enough that finding one anywhere means it leaked.
HATE_MARKERS = {
    "description": "Quibblethorn-Larkspur shouted at me by the Wendlebury tram stop",
    "location": "Outside 14 Pemberthwaite Gardens, Sale",
    "offender": "Tall man in a Zorblatt FC scarf",
    "contact_name": "Orinthia Vexwell-Amberley",
    "contact_phone": "07700 900 257",
    "contact_email": "orinthia.vexwell.7731@example.org",
    "contact_safety": "Only call after six; Dravenholt must not know",
    "share_contact": ["police"],
    "share_account": ["police", "victim_support"],
    "crime_reference": "GMP-Mossgiel-44719",
}
ABUSE_MARKERS = {
    "description": "Marchpane-Hollowell controls the Thrushcombe bank card",
    "safe_phone": "07700 900 664",
    "safe_times": "Tuesdays when Quenby-Starling is at the allotment",
    "interpreter_language": "Kestrelish (Brackenmoor dialect)",
}
TOO_LONG_MARKER = "Snorkelwaite-overflow "  # sent back with an error, never accepted
NOTE_TEXT = "Spoke to Orinthia; Ferndragon Housing will move her by Friday"
TOO_LONG_NOTE_MARKER = "Gallowglass-unsaved-note "
# Choice codes from the survey that appear in no address and no question id.
SURVEY_CODES = ("pakistani", "fairly_confident", "tend_to_agree", "not_very_big", "bit_unsafe")

STAFF_EMAIL = "casey.logtest@trafford.example"
STAFF_PASSWORD = "Velvet-Kumquat-Orbit-7731"
WRONG_PASSWORD = "Pangolin-Sextant-Mistake-4420"
UNKNOWN_EMAIL = "nobody.wrenfeather.5512@trafford.example"
UNKNOWN_PASSWORD = "Lanternfish-Guess-Attempt-9083"
FORGED_CSRF = "Forged-Csrf-Token-Bramblequist-6618"

# Long enough to be a token, not a word such as "en" or "partington".
TOKEN_LENGTH = 16
TOKEN_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
_STANDARD_RECORD_FIELDS = set(vars(logging.makeLogRecord({})))


# Capturing every log record, and looking through them


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture, app: Flask) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("survey_app", app.logger.name, "werkzeug", "flask_wtf", "flask_wtf.csrf"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def record_texts(record: logging.LogRecord) -> Iterator[str]:
    """Everything a log record could put in a log file."""
    yield record.getMessage()
    yield str(record.msg)
    yield repr(record.args)
    for name, value in vars(record).items():
        if name not in _STANDARD_RECORD_FIELDS:
            yield f"{name}={value!r}"
    if record.exc_info and record.exc_info[1] is not None:
        yield "".join(traceback.format_exception(*record.exc_info))
        yield repr(record.exc_info[1].args)
    yield record.exc_text or ""
    yield record.stack_info or ""


def leaks(records: Iterable[logging.LogRecord], secrets: Iterable[str]) -> list[str]:
    secrets = [secret for secret in secrets if secret]
    found = []
    for record in records:
        texts = list(record_texts(record))
        for secret in secrets:
            if any(secret in text for text in texts):
                found.append(
                    f"{record.name} {record.levelname} {record.getMessage()[:120]!r} holds {secret[:40]!r}"
                )
    return found


@pytest.fixture
def tokens(app: Flask) -> set[str]:
    """Every CSRF token, session cookie and id inside a session that the app's test clients are given."""
    seen: set[str] = set()
    serializer = app.session_interface.get_signing_serializer(app)

    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from strings(item)

    class RecordingClient(FlaskClient):
        def open(self, *args, **kwargs):
            response = super().open(*args, **kwargs)
            if response.mimetype == "text/html":
                seen.update(TOKEN_INPUT.findall(response.get_data(as_text=True)))
            cookie = self.get_cookie("sts_session")
            if cookie is not None and cookie.value:
                seen.add(cookie.value)
                seen.update(s for s in strings(serializer.loads(cookie.value)) if len(s) >= TOKEN_LENGTH)
            return response

    app.test_client_class = RecordingClient
    return seen


# The journeys


def resident_answers_the_survey(app: Flask) -> None:
    visitor = Visitor(app.test_client())
    confirmation = visitor.submit(answer_all(visitor, SURVEY_ANSWERS))
    assert confirmation.heading == "Answers sent"


def resident_reports_a_hate_crime(app: Flask) -> None:
    visitor = Visitor(app.test_client())
    page = begin(visitor, HATE)
    page = visitor.submit(page, {"reporter_role": "victim"})
    page = visitor.submit(page, {"incident_types": ["verbal_abuse", "threats"]})
    # An answer sent back with an error is handled too: it must not be logged either.
    refused = visitor.submit(page, {"description": TOO_LONG_MARKER * 300})
    assert refused.error_summary
    answers = {**HATE_ANSWERS, **HATE_MARKERS, "contact": "support"}
    confirmation = visitor.submit(fill(visitor, refused, answers))
    assert confirmation.heading == "Report sent"


def resident_reports_domestic_abuse(app: Flask) -> None:
    visitor = Visitor(app.test_client())
    answers = {
        "safe_now": "yes",
        "in_danger": "no",
        "what_to_do": "report",
        "reporter_role": "victim",
        "abuse_kinds": ["coercive_control", "economic"],
        "children": "yes",
        "contact": "contact",
        "voicemail_safe": "no",
        "text_safe": "yes",
        "interpreter": "yes",
        "share_contact": ["domestic_abuse_service"],
        "share_account": ["domestic_abuse_service"],
        **ABUSE_MARKERS,
    }
    confirmation = visitor.submit(fill(visitor, begin(visitor, ABUSE), answers))
    assert confirmation.heading == "Report sent"


def sign_in_page(visitor: Visitor, email: str, password: str) -> Page:
    page = visitor.get("/staff/sign-in")
    return visitor.submit(page, {"email": email, "password": password})


def form_with_action(page: Page, ending: str):
    return next(form for form in page.soup.find_all("form") if form.get("action", "").endswith(ending))


def post_form(visitor: Visitor, page: Page, ending: str, fields: dict[str, str]) -> Page:
    form = form_with_action(page, ending)
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = visitor.client.post(form["action"], data={"csrf_token": token, **fields})
    if response.status_code in (302, 303):
        return visitor.get(response.location)
    return Page(form["action"], response)


def caseworker_reads_both_reports_and_adds_a_note(app: Flask) -> None:
    visitor = Visitor(app.test_client())
    refused = sign_in_page(visitor, STAFF_EMAIL, WRONG_PASSWORD)
    assert refused.error_summary
    # Five failures for one email address from here, and the sixth attempt is told to wait.
    for _attempt in range(5):
        assert sign_in_page(visitor, UNKNOWN_EMAIL, UNKNOWN_PASSWORD).error_summary
    assert sign_in_page(visitor, UNKNOWN_EMAIL, UNKNOWN_PASSWORD).status == 429
    forged = visitor.client.post(
        "/staff/sign-in",
        data={
            "csrf_token": FORGED_CSRF,
            "email": STAFF_EMAIL,
            "password": STAFF_PASSWORD,
        },
    )
    assert forged.status_code == 400
    home = sign_in_page(visitor, STAFF_EMAIL, STAFF_PASSWORD)
    assert home.heading == "Staff home"

    queue = visitor.get("/staff/reports")
    links = [a["href"] for a in queue.soup.find(id="reports").select("tbody a")]
    assert len(links) == 2
    for link in links:
        report = visitor.get(link)
        assert report.status == 200
    hate_report = visitor.get(links[-1])  # the queue is newest first
    assert HATE_MARKERS["description"] in hate_report.text()
    refused_note = post_form(visitor, hate_report, "/notes", {"note": TOO_LONG_NOTE_MARKER * 300})
    assert refused_note.status == 400
    with_note = post_form(visitor, hate_report, "/notes", {"note": NOTE_TEXT})
    assert NOTE_TEXT in with_note.text()
    post_form(visitor, with_note, "/status", {"status": "in_review"})
    referral = post_form(
        visitor,
        visitor.get(links[-1]),
        "/referrals",
        {
            "destination": "marac",
            "shared": ["what_happened"],
            "without_consent": "yes",
            "reason": NOTE_TEXT,
            **{
                f"referred_on-{part}": str(getattr(dt.date.today(), part))
                for part in ("day", "month", "year")
            },
        },
    )
    assert referral.status == 200
    export = referral.soup.select_one("#referral-history a")["href"]
    assert visitor.client.get(export + ".csv").status_code == 200
    signed_out = post_form(visitor, visitor.get("/staff"), "/sign-out", {})
    assert "You have signed out." in signed_out.text()


def test_no_answer_password_or_token_reaches_the_logs(app, all_logs, tokens):
    add_user(app, email=STAFF_EMAIL, password=STAFF_PASSWORD, roles=("caseworker",))

    resident_answers_the_survey(app)
    resident_reports_a_hate_crime(app)
    resident_reports_domestic_abuse(app)
    caseworker_reads_both_reports_and_adds_a_note(app)

    records = all_logs.records
    assert any(r.name == "survey_app.requests" for r in records), "the request log lines were not captured"
    assert any("signed in" in r.getMessage() for r in records), "the sign-in was not captured"
    assert any("must wait" in r.getMessage() for r in records), "the slowed sign-in was not captured"
    assert len(tokens) >= 4, "the CSRF tokens and session ids were not collected"
    secrets = [
        *HATE_MARKERS.values(),
        *ABUSE_MARKERS.values(),
        TOO_LONG_MARKER.strip(),
        NOTE_TEXT,
        TOO_LONG_NOTE_MARKER.strip(),
        *SURVEY_CODES,
        STAFF_PASSWORD,
        WRONG_PASSWORD,
        UNKNOWN_PASSWORD,
        UNKNOWN_EMAIL,
        STAFF_EMAIL,
        FORGED_CSRF,
        *tokens,
    ]
    # Only typed text can leak: the choices of a list (who may be told, say) are codes, not secrets.
    secrets = [secret for secret in secrets if isinstance(secret, str)]
    found = leaks(records, secrets)
    assert not found, "\n".join(found)
    assert not [secret for secret in secrets if secret in all_logs.text]


@contextmanager
def database_fails(app: Flask, *statement_parts: str) -> Iterator[None]:
    """The connection drops whenever a statement holding one of these parts is sent, as when the
    database server restarts: the driver's own OperationalError, which SQLAlchemy wraps with the
    statement (and, unless told not to, its parameters)."""

    def drop(connection, cursor, statement, parameters, context, executemany):
        if any(part in statement for part in statement_parts):
            raise connection.dialect.loaded_dbapi.OperationalError("server closed the connection")

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", drop)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", drop)


def test_a_database_fault_logs_neither_the_answers_nor_the_email_being_saved(app, all_logs):
    # A finished survey's answers (ethnic group, sex, age, ward) are stored readable, and the sign-in
    # looks accounts up by email: both are bound parameters of the statement that fails.
    visitor = Visitor(app.test_client())
    check = answer_all(visitor, SURVEY_ANSWERS)
    staff = Visitor(app.test_client())
    with database_fails(app, "INSERT INTO response", "WHERE staff_user.email"):
        assert visitor.submit(check).status == 503
        assert sign_in_page(staff, UNKNOWN_EMAIL, UNKNOWN_PASSWORD).status == 503

    faults = [r for r in all_logs.records if r.name == "survey_app.errors"]
    assert len(faults) == 2, "each fault should be logged, so that someone can look into it"
    assert all("INSERT INTO response" in r.getMessage() or "staff_user" in r.getMessage() for r in faults)
    found = leaks(all_logs.records, [*SURVEY_CODES, UNKNOWN_EMAIL, UNKNOWN_PASSWORD])
    assert not found, "\n".join(found)


# The capture sees what it is meant to find


def test_the_check_finds_a_secret_wherever_a_record_holds_it(app, all_logs):
    @app.get("/_log_everything")
    def log_everything():
        logging.getLogger("werkzeug").debug("message Marker-In-Message")
        logging.getLogger("survey_app.anything").debug("args %s", "Marker-In-Args")
        app.logger.info("extra", extra={"detail": {"nested": "Marker-In-Extra"}})
        try:
            raise ValueError("Marker-In-Exception")
        except ValueError:
            logging.getLogger("survey_app.errors").exception("failed")
        return "logged"

    assert app.test_client().get("/_log_everything").status_code == 200
    markers = ["Marker-In-Message", "Marker-In-Args", "Marker-In-Extra", "Marker-In-Exception"]
    found = leaks(all_logs.records, markers)
    assert [m for m in markers if not any(m[:40] in line for line in found)] == []
    assert not leaks(all_logs.records, ["Marker-Never-Logged"])


def test_the_check_would_catch_a_password_logged_by_the_sign_in(app, all_logs, tokens):
    """As if someone added a debugging line to the staff sign-in that logs the form."""

    @app.before_request
    def careless_debugging():
        if request.method == "POST":
            logging.getLogger("survey_app.staff.auth").debug("form: %s", request.form.to_dict())

    add_user(app, email=STAFF_EMAIL, password=STAFF_PASSWORD)
    assert sign_in_page(Visitor(app.test_client()), STAFF_EMAIL, STAFF_PASSWORD).heading == "Staff home"
    found = leaks(all_logs.records, [STAFF_PASSWORD, *tokens])
    assert any(repr(STAFF_PASSWORD[:40]) in line for line in found)
    assert len(found) >= 2, "the CSRF token sent with the form should be caught too"
