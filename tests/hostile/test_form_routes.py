"""Hostile posts to every form route: random text, oversized and malformed bodies, bad encodings,
missing and wrong CSRF tokens, unknown and repeated fields, random values for the real fields.

Whatever arrives, the service answers with its own error page or the form again with a message
(never a 500), and a resident's answers saved before the hostile post are still there after it.
Each route is reached in the state where it means something: a survey or report with every answer
given, a signed-in staff member with the right role, a real report, a real flagged response.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from survey_app.extensions import db
from survey_app.kpis.models import CrimeCount, CrimeImport, KpiFigure, KpiOwner
from survey_app.library import store
from survey_app.library.models import ImportedQuestionnaire
from survey_app.models import Response, SurveySession
from survey_app.registry import get_published, refresh_now
from survey_app.reports.models import Report
from survey_app.security import upload_limit
from survey_app.staff.models import User
from tests.conftest import PROJECT_ROOT, _empty_tables, make_app
from tests.kpis.helpers import month_rows, street_csv
from tests.pages import Page, Visitor
from tests.web.test_insight import seed
from tests.web.test_journey import ANSWERS
from tests.web.test_reports import HATE, HATE_ANSWERS
from tests.web.test_staff_accounts import PASSWORD, sign_in
from tests.web.test_triage import add_report, staff_client
from tests.xlsform.helpers import fixture

from .support import FORMULAS, HOSTILE, MARKUP, answer_every_question, csrf_token

SURVEY = "/surveys/community_confidence"
SHIPPED_MARGINS = (PROJECT_ROOT / "data" / "population_margins.csv").read_bytes()
TOKEN = "\x1bTOKEN\x1b"  # replaced by the client's real CSRF token when the request is built
MULTIPART = "multipart/form-data; boundary=hostile-boundary"

# The headings of the service's own error pages (survey_app/errors.py).
ERROR_HEADINGS = {
    400: {"Sorry, that did not work", "This page has expired"},
    403: {"You do not have access to this page"},
    404: {"Page not found"},
    405: {"Sorry, that did not work"},
    413: {"What you sent was too large"},
}


# What a hostile client sends ---------------------------------------------------------------------

SPECIAL_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\t",
    "\x1b[31m",
    *MARKUP,
    *FORMULAS,
    "9" * 30,
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "1e309",
    "NaN",
    "１２",
    "%00",
    "%ff",
    "../../etc/passwd",
    "' OR 1=1 --",
    "\u202eevil",
    "\ufeff",
    "x" * 5001,
    "\U0001f600" * 20,
    "null",
    "[]",
    "{}",
]
# Any text a form can carry (surrogates cannot be encoded as UTF-8, so no browser can send one).
hostile_text = st.sampled_from(SPECIAL_TEXT) | st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), max_size=40
)
field_names = st.sampled_from(["", "csrf_token[]", "a" * 300, "answers", "__proto__", "x\x00y", "é"]) | (
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)
)


def urlencode(pairs: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(pairs).encode("ascii")


def multipart(parts: list[tuple[str, bytes, str | None]], boundary: str = "hostile-boundary") -> bytes:
    """A multipart body as a browser builds one: quotes and line breaks in names percent-encoded."""

    def quote(text: str) -> str:
        return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")

    out = io.BytesIO()
    for name, value, filename in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'Content-Disposition: form-data; name="{quote(name)}"'
        if filename is not None:
            disposition += f'; filename="{quote(filename)}"'
        out.write(disposition.encode("utf-8") + b"\r\n")
        if filename is not None:
            out.write(b"Content-Type: text/csv\r\n")
        out.write(b"\r\n" + value + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


@dataclass(frozen=True)
class Hostile:
    """One hostile request, built against the client's real CSRF token at the moment it is sent."""

    kind: str
    pairs: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, str, bytes], ...] = ()
    encoding: str = "urlencoded"  # or "multipart"; raw bodies set their own content type
    csrf: str = "field"  # field | header | missing | wrong | both
    raw: bytes = b""
    content_type: str = ""
    query: str = ""
    # What the service must answer, when the input decides it.
    expect_status: int | None = None

    def build(self, token: str) -> tuple[bytes, str, dict[str, str]]:
        headers = {"X-CSRFToken": token} if self.csrf == "header" else {}
        if self.raw or self.content_type:
            return self.raw.replace(TOKEN.encode(), token.encode()), self.content_type, headers
        pairs = list(self.pairs)
        if self.csrf == "field":
            pairs.insert(0, ("csrf_token", token))
        elif self.csrf == "wrong":
            pairs.insert(0, ("csrf_token", "IjEyMzQ1Ig.forged.signature"))
        elif self.csrf == "both":  # the forged one first: the first value is the one checked
            pairs[:0] = [("csrf_token", "forged"), ("csrf_token", token)]
        if self.encoding == "multipart" or self.files:
            parts = [(name, value.encode("utf-8"), None) for name, value in pairs]
            parts += [(name, content, filename) for name, filename, content in self.files]
            return multipart(parts), "multipart/form-data; boundary=hostile-boundary", headers
        return urlencode(pairs), "application/x-www-form-urlencoded", headers

    def __repr__(self) -> str:
        # Short enough to read in a failure report: long values are summarised with their length.
        def short(value: str | bytes) -> str:
            return repr(value[:60]) + (f"...({len(value)} long)" if len(value) > 60 else "")

        pairs = ", ".join(f"{short(k)}={short(v)}" for k, v in self.pairs[:8])
        more = f" and {len(self.pairs) - 8} more" if len(self.pairs) > 8 else ""
        files = ", ".join(f"{k}:{short(n)}:{short(c)}" for k, n, c in self.files)
        return (
            f"Hostile({self.kind}, csrf={self.csrf}, {self.encoding}, query={self.query!r}, "
            f"pairs=[{pairs}{more}], files=[{files}], raw={short(self.raw)}, "
            f"content_type={self.content_type!r}, expect={self.expect_status})"
        )

    def _repr_pretty_(self, printer, cycle) -> None:  # how Hypothesis shows a failing example
        printer.text(repr(self))

    @property
    def well_formed(self) -> bool:
        """A body the form parser reads in full, so that a missing token is missed by CSRF."""
        return not (self.raw or self.content_type)


@st.composite
def mutated_bytes(draw: st.DrawFn, sample: bytes) -> bytes:
    """A binary sample (a spreadsheet) as sent, with bytes changed, cut short or added to."""
    data = bytearray(sample)
    change = draw(st.sampled_from(["none", "bytes", "cut", "added"]))
    if change == "bytes":
        for _ in range(draw(st.integers(1, 5))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif change == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif change == "added":
        data += draw(st.binary(max_size=200))
    return bytes(data)


def mutated_file(sample: bytes) -> st.SearchStrategy[bytes]:
    try:
        sample.decode("utf-8-sig")
    except UnicodeDecodeError:
        return mutated_bytes(sample)
    return mutated_csv(sample)


@st.composite
def mutated_csv(draw: st.DrawFn, sample: bytes) -> bytes:
    """The sample file with a few cells, rows or bytes changed."""
    text = sample.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(rows) - 1))
        if not rows[row]:
            continue
        column = draw(st.integers(0, len(rows[row]) - 1))
        rows[row][column] = draw(
            hostile_text
            | st.sampled_from(
                [
                    "0",
                    "-1",
                    "1e308",
                    "1e-308",
                    "0.0000001",
                    "inf",
                    "nan",
                    "1,000",
                    "unknown",
                    "age_band",
                    "sex",
                ]
            )
        )
    change = draw(
        st.sampled_from(["none", "none", "drop", "duplicate", "truncate", "latin-1", "nul", "bytes"])
    )
    if change == "drop" and len(rows) > 1:
        del rows[draw(st.integers(1, len(rows) - 1))]
    elif change == "duplicate":
        rows.append(draw(st.sampled_from(rows)))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    content = out.getvalue().encode("utf-8")
    if change == "truncate":
        content = content[: draw(st.integers(0, len(content)))]
    elif change == "latin-1":
        content = out.getvalue().replace("a", "é").encode("latin-1", errors="replace")
    elif change == "nul":
        at = draw(st.integers(0, len(content)))
        content = content[:at] + b"\x00" + content[at:]
    elif change == "bytes":
        content = draw(st.binary(max_size=500))
    return content


@st.composite
def hostile_requests(
    draw: st.DrawFn, fields: dict[str, list[str]], files: dict[str, bytes], limits: dict[str, int]
) -> Hostile:
    file_kinds = ["file"] * 3 if files else []
    kinds = ["form", "form", "form", "large", "oversized", "repeated", "raw", *file_kinds]
    kind = draw(st.sampled_from(kinds))
    names = sorted(fields)
    query = draw(
        st.sampled_from(
            [
                "",
                "",
                "",
                "?change=1",
                "?next=//evil.example/",
                "?next=%2Fstaff%00",
                "?show=%ff",
                "?done=<script>",
                "?change=%00",
            ]
        )
    )
    csrf = draw(st.sampled_from(["field", "field", "field", "header", "missing", "wrong", "both"]))
    encoding = draw(st.sampled_from(["urlencoded", "multipart"]))

    if kind in ("form", "file"):
        pairs = []
        for name in names:
            if draw(st.booleans()):
                values = draw(st.lists(st.sampled_from(fields[name]) | hostile_text, min_size=1, max_size=3))
                pairs += [(name, value) for value in values]
        pairs += draw(st.lists(st.tuples(field_names, hostile_text), max_size=3))
        pairs = draw(st.permutations(pairs))
        uploads: tuple[tuple[str, str, bytes], ...] = ()
        if kind == "file":
            name = draw(st.sampled_from(sorted(files)))
            filename = draw(
                st.sampled_from(
                    [
                        "margins.csv",
                        "margins.csv",
                        "",
                        "../../etc/passwd",
                        "a" * 300,
                        "x\x00.csv",
                        "<script>.csv",
                        "=cmd.csv",
                    ]
                )
                | hostile_text
            )
            uploads = ((name, filename, draw(mutated_file(files[name]))),)
        return Hostile(kind, tuple(pairs), uploads, encoding, csrf, query=query)

    if kind == "large":  # big but allowed: the route's own length check must answer
        name = draw(st.sampled_from(names)) if names else "anything"
        size = draw(st.sampled_from([5_001, 10_001, 100_000, limits["content"] - 8_000]))
        char = draw(st.sampled_from(["x", "é", "\U0001f600"]))
        value = char * (size // len(char.encode("utf-8")))
        csrf = draw(st.sampled_from(["field", "header"]))
        return Hostile(kind, ((name, value),), encoding=encoding, csrf=csrf, query=query)

    if kind == "oversized":  # beyond MAX_CONTENT_LENGTH: refused before anything reads it
        name = draw(st.sampled_from(names)) if names else "anything"
        value = "x" * (limits["content"] + draw(st.integers(1, 100_000)))
        return Hostile(kind, ((name, value),), encoding=encoding, csrf=csrf, query=query, expect_status=413)

    if kind == "repeated":  # one name many times, perhaps beyond MAX_FORM_PARTS
        name = draw(st.sampled_from(names) | field_names) if names else draw(field_names)
        count = draw(st.integers(2, limits["parts"] * 2))
        value = draw(st.sampled_from(fields.get(name, ["x"])) | hostile_text)
        # Fields are counted in either encoding: multipart parts by Werkzeug (MAX_FORM_PARTS),
        # urlencoded fields by the service (survey_app/security.py), to the same limit.
        tokens = {"field": 1, "wrong": 1, "both": 2}.get(csrf, 0)
        over = count + tokens > limits["parts"]
        return Hostile(
            kind,
            ((name, value),) * count,
            encoding=encoding,
            csrf=csrf,
            query=query,
            expect_status=413 if over else None,
        )

    # A raw body: the token, when sent at all, goes in the header, so the body itself reaches the view.
    csrf = draw(st.sampled_from(["header", "header", "missing"]))
    name = draw(st.sampled_from(names)) if names else "anything"
    shape = draw(
        st.sampled_from(
            ["percent", "non_utf8", "truncated", "no_boundary", "wrong_boundary", "content_type", "binary"]
        )
    )
    form = "application/x-www-form-urlencoded"
    if shape == "percent":
        junk = draw(
            st.lists(
                st.sampled_from(
                    ["%", "%z", "%zz", "%e9", "%ff%fe", "=%", "&&", "=", "+", "%00", "%C0%80", "%ED%A0%80"]
                ),
                min_size=1,
                max_size=6,
            )
        )
        raw = f"csrf_token={TOKEN}&{name}={''.join(junk)}&{''.join(junk)}".encode()
        return Hostile("raw", raw=raw, content_type=form, csrf=csrf, query=query)
    if shape == "non_utf8":
        value = draw(st.binary(min_size=1, max_size=60).filter(lambda b: any(c > 0x7F for c in b)))
        if draw(st.booleans()):
            raw = f"csrf_token={TOKEN}&{urllib.parse.quote(name)}=".encode() + value
            return Hostile("raw", raw=raw, content_type=form, csrf=csrf, query=query)
        raw = multipart([("csrf_token", TOKEN.encode(), None), (name, value, None)])
        return Hostile("raw", raw=raw, content_type=MULTIPART, csrf=csrf, query=query)
    if shape == "truncated":
        whole = multipart([("csrf_token", TOKEN.encode(), None), (name, b"some answer", None)])
        raw = whole[: draw(st.integers(0, len(whole) - 1))]
        return Hostile("raw", raw=raw, content_type=MULTIPART, csrf=csrf, query=query)
    if shape == "no_boundary":
        raw = multipart([(name, b"x", None)])
        return Hostile("raw", raw=raw, content_type="multipart/form-data", csrf=csrf, query=query)
    if shape == "wrong_boundary":
        raw = multipart([(name, b"x", None)], boundary="one")
        return Hostile(
            "raw", raw=raw, content_type="multipart/form-data; boundary=other", csrf=csrf, query=query
        )
    if shape == "content_type":
        content_type = draw(
            st.sampled_from(
                [
                    "application/json",
                    "text/plain",
                    "application/xml",
                    "application/octet-stream",
                    "text/html; charset=utf-7",
                    "application/x-www-form-urlencoded; charset=utf-16",
                    "*/*",
                    "multipart/mixed; boundary=hostile-boundary",
                ]
            )
        )
        raw = json.dumps({name: draw(hostile_text), "csrf_token": TOKEN}).encode()
        return Hostile("raw", raw=raw, content_type=content_type, csrf=csrf, query=query)
    return Hostile("raw", raw=draw(st.binary(max_size=400)), content_type=form, csrf=csrf, query=query)


# The states in which each route means something ------------------------------------------------


@dataclass
class Target:
    """A form route, reached in a meaningful state, with what it takes to check the state after."""

    client: FlaskClient
    # The route's own address, and a strategy for it and addresses that are wrong on purpose.
    url: str
    urls: st.SearchStrategy[str]
    # The route's real field names, each with values it accepts.
    fields: dict[str, list[str]]
    # Returns a valid CSRF token for the client, first restoring the state if a post changed it.
    prepare: Callable[[], str]
    # Checks the state after a hostile post to `url` answered with `response`.
    check: Callable[[str, TestResponse], None] = lambda url, response: None
    files: dict[str, bytes] = field(default_factory=dict)


def answer_cells(page: Page, questionnaire) -> dict[str, str]:
    """The check answers page's answers by question id (a report's rows are named by page number)."""
    cells = {}
    for cell in page.soup.select("dd[id^=answer-]"):
        question = questionnaire.question_at(cell["id"].removeprefix("answer-"))
        cells[question.id] = cell.get_text(" ", strip=True)
    return cells


class Journey:
    """A resident or reporter with every answer given and not yet sent.

    A hostile post may change the answer it is about (a random value can be a valid one) or, on the
    check answers page, send them all; it must never lose any other answer.
    """

    def __init__(self, app: Flask, questionnaire_id: str, start: str, answers: dict) -> None:
        self.app, self.start, self.answers = app, start, answers
        with app.app_context():
            questionnaire = get_published(questionnaire_id).questionnaire
        self.questionnaire = questionnaire
        self.is_report = questionnaire.is_report
        # An optional answer may be emptied by a post; a required one never.
        self.optional = {q.id for q in questionnaire.questions if not q.required}
        self.client = app.test_client()
        self.visitor = Visitor(self.client)
        self.cells: dict[str, str] = {}
        self.saved: dict = {}
        self.sent = 0

    def complete(self) -> Page:
        check_answers, _token = answer_every_question(self.client, self.start, self.answers)
        page = self.visitor.get(check_answers)
        self.cells = answer_cells(page, self.questionnaire)
        self.saved = self.in_progress().answers
        return page

    def in_progress(self) -> SurveySession:
        with self.app.app_context():
            row = db.session.scalars(
                sa.select(SurveySession).where(
                    SurveySession.response_id.is_(None), SurveySession.report_id.is_(None)
                )
            ).one()
            db.session.expunge(row)
            return row

    def again(self) -> Page:
        """After a hostile post sent the answers: start again with the same answers, put straight
        into the new survey in progress (typing them in again is slow, and was tested once)."""
        start = self.visitor.get(self.start)
        self.visitor.submit(start, follow=False)
        with self.app.app_context():
            db.session.execute(
                sa.update(SurveySession)
                .where(
                    SurveySession.response_id.is_(None),
                    SurveySession.report_id.is_(None),
                )
                .values(answers=self.saved)
            )
            db.session.commit()
        page = self.visitor.get(f"{self.start}/check-answers")
        assert answer_cells(page, self.questionnaire) == self.cells
        return page

    def submissions(self) -> list[dict]:
        model = Report if self.is_report else Response
        with self.app.app_context():
            rows = db.session.scalars(sa.select(model.answers).order_by(model.id))
            return [dict(answers) for answers in rows]

    def prepare(self) -> str:
        response = self.client.get(f"{self.start}/check-answers")
        if response.status_code != 200:  # sent, so start again
            return csrf_token(self.again().response)
        return csrf_token(response)

    def check(self, url: str, response: TestResponse) -> None:
        changed = None
        if "/questions/" in url:
            asked = self.questionnaire.question_at(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            changed = asked.id if asked is not None and asked.id in self.cells else None
        page = self.visitor.get(f"{self.start}/check-answers")
        sent = self.submissions()
        if len(sent) > self.sent:
            # A well-formed "send": every answer went into the submission, none was lost.
            assert page.url.endswith("/confirmation"), page.url
            assert len(sent) == self.sent + 1
            self.sent += 1
            for question_id, value in self.saved.items():
                assert sent[-1].get(question_id) == value, question_id
            return
        assert page.url.endswith("/check-answers"), f"answers lost: {url} led to {page.url}"
        now = answer_cells(page, self.questionnaire)
        assert now.keys() == self.cells.keys()
        for question_id, text in self.cells.items():
            if question_id == changed:
                assert question_id in self.optional or now[question_id] != "Not answered", question_id
                continue
            assert now[question_id] == text, f"the answer to {question_id} changed after a post to {url}"
        if changed:
            self.cells[changed] = now[changed]
            self.saved = self.in_progress().answers


SURVEY_QUESTIONS = {  # questions whose answer changes no route, with answers they accept
    "police_rating": ["excellent", "good", "fair", "poor", "very_poor", "dont_know"],
    "safe_day": ["very_safe", "fairly_safe", "bit_unsafe", "very_unsafe"],
    "ward": ["hale", "altrincham", "sale_central"],
}
REPORT_QUESTIONS = {
    "description": ["It happened outside the shop", "x" * 5000],
    "incident_types": ["verbal_abuse", "threats", "physical", "online", "dont_know"],
    "incident_date-day": ["1", "31", "0", ""],
    "incident_date-month": ["3", "13", ""],
    "incident_date-year": ["2025", "1899", "3000", ""],
    "incident_date-approximate": ["yes"],
    "location": ["Stamford New Road"],
    "motivation": ["religion_or_belief", "race", "dont_know"],
}
SALE_PULSE = fixture("sale_pulse.xlsx")
REPORT_PAGES = ["description", "incident_types", "incident_date", "location", "motivation"]


def journey_target(app: Flask, endpoint: str) -> Target:
    is_report = endpoint.startswith("report.")
    start = HATE if is_report else SURVEY
    journey = Journey(
        app,
        "hate_crime_report" if is_report else "community_confidence",
        start,
        HATE_ANSWERS if is_report else ANSWERS,
    )
    journey.complete()
    fields = REPORT_QUESTIONS if is_report else SURVEY_QUESTIONS
    pages = REPORT_PAGES if is_report else list(SURVEY_QUESTIONS)
    action = endpoint.split(".")[1]
    if action == "question":
        url = f"{start}/questions/{pages[0]}"
        urls = st.builds(
            lambda question, change: f"{start}/questions/{question}{change}",
            st.sampled_from([*pages, "no_such_question"]),
            st.sampled_from(["", "?change=1"]),
        )
    elif action == "begin":
        url = f"{start}/start"
        urls = addresses(url, "/surveys/no-such-survey/start")
    else:
        url = f"{start}/check-answers"
        urls = addresses(url, f"{start}x/check-answers")
    return Target(journey.client, url, urls, fields, journey.prepare, journey.check)


def addresses(url: str, *wrong: str) -> st.SearchStrategy[str]:
    """Mostly the route's own address; sometimes one that names nothing real."""
    return st.sampled_from([url, url, url, *wrong])


class Staff:
    """A signed-in staff member; a post to sign out (or a hostile one that did) signs them in again."""

    def __init__(self, app: Flask, email: str, *roles: str) -> None:
        self.email = email
        self.client = staff_client(app, email, *roles)

    def prepare(self) -> str:
        response = self.client.get("/staff")
        if response.status_code != 200:
            assert sign_in(self.client, self.email, PASSWORD).status_code == 302
            response = self.client.get("/staff")
        return csrf_token(response)


def expect_ok(client: FlaskClient, url: str) -> Callable[[str, TestResponse], None]:
    def check(_url: str, _response: TestResponse) -> None:
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code} after the hostile post"

    return check


def report_target(app: Flask, endpoint: str) -> Target:
    reference = add_report(app, "hate_crime_report", answers={"description": "A private story"})
    staff = Staff(app, "case@example.org", "caseworker")
    action = "notes" if endpoint == "triage.add_note" else "status"
    url = f"/staff/reports/{reference}/{action}"
    urls = addresses(
        url,
        f"/staff/reports/R-AAAA-BBBB-CC/{action}",
        f"/staff/reports/{reference.lower()}/{action}",
        f"/staff/reports/%00/{action}",
    )
    fields = {
        "note": ["Phoned back", "x" * 5000],
        "status": ["new", "in_review", "closed", "referred_police"],
    }
    return Target(
        staff.client, url, urls, fields, staff.prepare, expect_ok(staff.client, f"/staff/reports/{reference}")
    )


def held_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "case@example.org", "caseworker")
    held: list[str] = []

    def prepare() -> str:
        # A hostile post may release or discard the held report: hold a new one each time.
        reference = add_report(app, "hate_crime_report", answers={"description": "A private story"})
        with app.app_context():
            db.session.execute(
                sa.update(Report).where(Report.reference == reference).values(held=True, held_reason="client")
            )
            db.session.commit()
        held.append(reference)
        return staff.prepare()

    prepare()
    fields = {
        "decision": ["release", "discard"],
        "scope": ["selected", "all"],
        "reference": [held[0], "R-AAAA-BBBB-CC"],
        "confirm": ["yes"],
        "up_to": ["1", "99999999999"],
    }
    url = "/staff/reports/held"
    return Target(staff.client, url, st.just(url), fields, prepare, expect_ok(staff.client, url))


def review_target(app: Flask, endpoint: str) -> Target:
    seed(app, 200)
    with app.app_context():
        response_id = db.session.scalar(sa.select(Response.id).order_by(Response.id))
    staff = Staff(app, "analyst@example.org", "analyst")
    base = "/staff/insight/community_confidence/quality"
    url = f"{base}/{response_id}"
    urls = addresses(
        url,
        f"{url}?show=excluded",
        f"{base}/0",
        f"{base}/-1",
        f"{base}/2147483648",
        f"{base}/9223372036854775808",
        f"{base}/{10**30}",
        f"/staff/insight/hate_crime_report/quality/{response_id}",
    )
    fields = {"decision": ["include", "exclude"], "reason": ["Finished in ten seconds", "x" * 1000]}
    return Target(
        staff.client, url, urls, fields, staff.prepare, expect_ok(staff.client, f"{base}?show=excluded")
    )


def margins_target(app: Flask, endpoint: str) -> Target:
    if endpoint == "surveys_admin.margins_default":
        staff = Staff(app, "admin@example.org", "admin")
        return Target(
            staff.client,
            "/staff/margins/default",
            st.just("/staff/margins/default"),
            {},
            staff.prepare,
            expect_ok(staff.client, "/staff/margins"),
        )
    seed(app, 400)
    staff = Staff(app, "admin@example.org", "admin", "analyst")

    def check(_url: str, response: TestResponse) -> None:
        pages = ["/staff/margins"]
        if response.status_code in (302, 303):  # a file was let in: the figures must come from it
            pages += ["/staff/insight/community_confidence", "/staff/insight/community_confidence/weighting"]
        for page in pages:
            shown = staff.client.get(page)
            assert shown.status_code == 200, f"{page} answered {shown.status_code} after the upload"

    return Target(
        staff.client,
        "/staff/margins",
        st.just("/staff/margins"),
        {"margins": ["margins.csv"]},
        staff.prepare,
        check,
        files={"margins": SHIPPED_MARGINS},
    )


def survey_state_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "admin@example.org", "admin")
    url = "/staff/surveys/community_confidence/state"
    urls = addresses(url, "/staff/surveys/hate_crime_report/state", "/staff/surveys/nothing/state")
    return Target(
        staff.client,
        url,
        urls,
        {"state": ["open", "closed"]},
        staff.prepare,
        expect_ok(staff.client, "/staff/surveys"),
    )


def sign_in_target(app: Flask, endpoint: str) -> Target:
    Staff(app, "locked.out@example.org", "caseworker")  # an account that hostile attempts may lock
    client = app.test_client()

    def prepare() -> str:
        response = client.get("/staff/sign-in")
        if response.status_code == 302:  # a post signed in with the real password: sign out again
            client.post("/staff/sign-out", data={"csrf_token": csrf_token(client.get("/staff"))})
            response = client.get("/staff/sign-in")
        return csrf_token(response)

    fields = {
        "email": ["locked.out@example.org", "nobody@example.org", "A@B"],
        "password": [PASSWORD, "wrong password!"],
    }

    def check(_url: str, response: TestResponse) -> None:
        # Signed in (the real password can be drawn), the sign-in page sends on to the staff home.
        page = client.get("/staff/sign-in")
        assert page.status_code == 200 or page.location == "/staff", page.status_code

    url = "/staff/sign-in"
    urls = addresses(url, "/staff/sign-in?next=/staff/reports", "/staff/sign-in?next=%2F%2Fevil.example")
    return Target(client, url, urls, fields, prepare, check)


def sign_out_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "case@example.org", "caseworker")
    return Target(staff.client, "/staff/sign-out", st.just("/staff/sign-out"), {}, staff.prepare)


def kiosk_target(app: Flask, endpoint: str) -> Target:
    client = app.test_client()

    def prepare() -> str:
        return csrf_token(client.get("/kiosk/partington"))

    url = "/kiosk/partington/reset"
    return Target(
        client,
        url,
        addresses(url, "/kiosk/atlantis/reset"),
        {},
        prepare,
        expect_ok(client, "/kiosk/partington"),
    )


def fresh_draft(app: Flask) -> None:
    """The Sale pulse as the one draft, whatever a hostile post did (published it, discarded it)."""
    with app.app_context():
        db.session.execute(sa.delete(ImportedQuestionnaire))
        db.session.commit()
        refresh_now()  # what was published is gone: nothing is live to compare the upload with
        store.import_spreadsheet(SALE_PULSE, "sale_pulse.xlsx", "test", app.config["TRANSLATIONS_DIR"])
        db.session.commit()
        refresh_now()


def stored_versions(app: Flask) -> list[tuple[str, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                ImportedQuestionnaire.questionnaire_id,
                ImportedQuestionnaire.version,
                ImportedQuestionnaire.status,
            )
        )
        return sorted(tuple(row) for row in rows)


def upload_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "admin@example.org", "admin")

    def check(_url: str, response: TestResponse) -> None:
        # Either the spreadsheet went in whole, as a draft, or nothing of it did.
        versions = stored_versions(app)
        assert versions in ([], [("sale_pulse", 1, "draft")]), versions
        expect_ok(staff.client, "/staff/questionnaires")(_url, response)

    return Target(
        staff.client,
        "/staff/questionnaires",
        st.just("/staff/questionnaires"),
        {"spreadsheet": ["sale_pulse.xlsx"]},
        staff.prepare,
        check,
        files={"spreadsheet": SALE_PULSE},
    )


def draft_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "admin@example.org", "admin")
    action = endpoint.rsplit(".", 1)[1]

    def prepare() -> str:
        fresh_draft(app)
        return staff.prepare()

    url = f"/staff/questionnaires/drafts/sale_pulse/{action}"
    urls = addresses(
        url,
        f"/staff/questionnaires/drafts/community_confidence/{action}",
        f"/staff/questionnaires/drafts/%00/{action}",
        f"/staff/questionnaires/drafts/{'x' * 300}/{action}",
    )
    return Target(staff.client, url, urls, {}, prepare, expect_ok(staff.client, "/staff/questionnaires"))


def preview_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "admin@example.org", "admin")
    fresh_draft(app)
    start = "/staff/questionnaires/preview/sale_pulse"
    visitor = Visitor(staff.client)

    def prepare() -> str:
        page = visitor.get(start)
        if page.status != 200:
            fresh_draft(app)
            page = visitor.get(start)
        visitor.submit(page, follow=False)
        return staff.prepare()

    def check(_url: str, response: TestResponse) -> None:
        # A preview stores no response, whatever it is sent.
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0
        expect_ok(staff.client, start)(_url, response)

    action = endpoint.rsplit(".", 1)[1]
    if action == "question":
        url = f"{start}/questions/feel_safe"
        urls = st.builds(
            lambda page: f"{start}/questions/{page}",
            st.sampled_from(["welcome", "feel_safe", "visits", "comments", "no_such_question"]),
        )
    elif action == "begin":
        url = f"{start}/start"
        urls = addresses(url, "/staff/questionnaires/preview/no-such-draft/start")
    else:
        url = f"{start}/check-answers"
        urls = addresses(url, f"{start}x/check-answers")
    fields = {
        "feel_safe": ["agree", "dont_know"],
        "visits": ["0", "31", "32", "-1"],
        "comments": ["Lighting", "x" * 600],
    }
    return Target(staff.client, url, urls, fields, prepare, check)


FIGURES_CSV = (
    b"kpi,figure,quarter,value,reason\n"
    b"super_victim_repeats,,2026Q2,33,\n"
    b"missing_young_people,missing_from_home,2026Q2,150,\n"
)
# Sale is a town, not a district: its crime is left out as outside Greater Manchester's districts.
CRIME_FILE = street_csv(month_rows("2026-09", {"Trafford": 4, "Sale": 1, "Salford": 2}))
OWNED = ("super_victim_repeats", "missing_young_people")


def _stored_figures(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(KpiFigure.kpi_id)))


def figures_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "owner@example.org", "data_owner")
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "owner@example.org"))
        db.session.add_all(KpiOwner(user_id=user_id, kpi_id=k) for k in OWNED)
        db.session.commit()

    def check(_url: str, response: TestResponse) -> None:
        # Whatever was sent, only the owner's own KPIs ever have figures.
        assert _stored_figures(app) <= set(OWNED)
        expect_ok(staff.client, "/staff/kpis/figures")(_url, response)

    quarters = ["2026Q3", "2026Q2", "2026Q9", "2099Q1", "", "2026q3"]
    if endpoint == "kpi_entry.figures_upload":
        url = "/staff/kpis/figures/upload"
        fields = {"figures_file": ["figures.csv"], "quarter": quarters}
        return Target(
            staff.client, url, st.just(url), fields, staff.prepare, check, files={"figures_file": FIGURES_CSV}
        )
    url = "/staff/kpis/figures"
    fields = {
        "quarter": quarters,
        "figure-super_victim_repeats": ["31", "0", "1,204", "٣٤", "-1", "x" * 30],
        "figure-missing_from_home": ["150", ""],
        "figure-special_constables": ["60"],
        "reason": ["Counted twice", "x" * 600],
    }
    return Target(staff.client, url, st.just(url), fields, staff.prepare, check)


def crime_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "analyst@example.org", "analyst")

    def check(_url: str, response: TestResponse) -> None:
        # A file is imported whole or not at all: every count stored belongs to a month imported.
        with app.app_context():
            imports = db.session.execute(sa.select(CrimeImport.month, CrimeImport.crimes)).all()
            counted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CrimeCount.crimes), 0)))
        assert counted == sum(n for _month, n in imports), imports
        expect_ok(staff.client, "/staff/kpis/crime")(_url, response)

    url = "/staff/kpis/crime"
    return Target(
        staff.client,
        url,
        st.just(url),
        {"crime_files": ["2026-09-greater-manchester-street.csv"]},
        staff.prepare,
        check,
        files={"crime_files": CRIME_FILE},
    )


def register_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "admin@example.org", "admin")

    def check(_url: str, response: TestResponse) -> None:
        # Whatever was saved, the register still reads and every KPI page still works.
        for page in ("/staff/kpis/register", "/staff/kpis/register/super_victim_repeats", "/staff/kpis"):
            shown = staff.client.get(page)
            assert shown.status_code == 200, f"{page} answered {shown.status_code} after the hostile post"

    if endpoint == "kpi_admin.owners":
        url = "/staff/kpis/owners"
        fields = {"kpis-1": ["super_victim_repeats", "recorded_crime_position", "nothing"]}
        return Target(staff.client, url, st.just(url), fields, staff.prepare, check)
    url = "/staff/kpis/register/super_victim_repeats"
    urls = addresses(url, "/staff/kpis/register/no_such_kpi", "/staff/kpis/register/%00")
    fields = {
        "wording": ["Reduce repeat victims by a fifth", "x" * 400],
        "short_name": ["Repeat victims"],
        "owner": ["Greater Manchester Police"],
        "notes": [""],
        "subgroup": ["crime_and_confidence", "vulnerable_people", "nobody"],
        "baseline_value": ["43", "43.5", "-1", "1e400"],
        "baseline_period": ["2024Q4", "2024Q1-2024Q4", "2024Q4-2024Q1", "2024 Q5"],
        "target_kind": ["relative", "absolute", "maintain", "double"],
        "target_change": ["-20", "0", "-150", "NaN"],
        "target_value": ["30", "-5"],
        "target_date-day": ["31", "32"],
        "target_date-month": ["3", "13"],
        "target_date-year": ["2027", "1999", "99999"],
        "reason": ["The board agreed", "x" * 600],
    }
    return Target(staff.client, url, urls, fields, staff.prepare, check)


CHECK_WORD = "harbour lantern"


def report_with_word(app: Flask) -> str:
    """A hate crime report that can be checked with CHECK_WORD."""
    from survey_app.checkin.words import hash_word
    from survey_app.reports.followup import ReportAccess

    reference = add_report(app, "hate_crime_report", answers={"description": "A private story"})
    with app.app_context():
        report_id = db.session.scalar(sa.select(Report.id).where(Report.reference == reference))
        db.session.add(ReportAccess(report_id=report_id, word_hash=hash_word(CHECK_WORD)))
        db.session.commit()
    return reference


def check_target(app: Flask, endpoint: str) -> Target:
    """The check pages: a person who gave their reference and word (checked in again whenever a
    hostile post ended the visit)."""
    from survey_app.checkin import attempts

    reference = report_with_word(app)
    client = app.test_client()

    def prepare() -> str:
        with app.app_context():
            attempts.allow_again(reference)  # hostile words must not stop the next example
            db.session.commit()
        page = client.get("/forms/check/view")
        if page.status_code != 200:
            token = csrf_token(client.get("/forms/check"))
            signed = client.post(
                "/forms/check", data={"csrf_token": token, "reference": reference, "word": CHECK_WORD}
            )
            assert signed.status_code == 303, signed.status_code
            page = client.get("/forms/check/view")
        return csrf_token(page)

    def check(_url: str, _response: TestResponse) -> None:
        # Whatever was posted, the sign-in page works and the report can still be read with its word.
        assert client.get("/forms/check").status_code == 200
        prepare()
        assert client.get("/forms/check/view").status_code == 200

    action = endpoint.rsplit(".", 1)[1]
    url = {
        "check": "/forms/check",
        "send_message": "/forms/check/send",
        "change_consent": "/forms/check/sharing",
        "change_contact": "/forms/check/tell-me",
        "finish": "/forms/check/finish",
        "choose_word": "/forms/check/word",
    }[action]
    fields = {
        "reference": [reference, reference.lower(), "R-AAAA-BBBB-CC", "x" * 200],
        "word": [CHECK_WORD, "wrong word", ""],
        "message": ["The van was white", "x" * 5001],
        "parts": ["contact_details", "what_happened", "nonsense"],
        "contact_details": ["police", "none", "marac"],
        "what_happened": ["victim_support", "national_hate_crime"],
        "email": ["me@example.com", "not an address", "x" * 300],
        "safe": ["yes", "no"],
        "action": ["remove", "set"],
        "setup": ["forged", "x" * 200],
        "word_again": [CHECK_WORD, "other"],
    }
    return Target(client, url, st.just(url), fields, prepare, check)


def casework_target(app: Flask, endpoint: str) -> Target:
    """A caseworker's posts about one report: messages, referrals, outcomes, checklists, checks."""
    from survey_app.reports.sharing import Referral

    reference = report_with_word(app)
    with app.app_context():
        report_id = db.session.scalar(sa.select(Report.id).where(Report.reference == reference))
        referral = Referral(
            report_id=report_id, destination="police", referred_on=dt.date.today(), shared=["what_happened"]
        )
        db.session.add(referral)
        db.session.commit()
        referral_id = referral.id
    staff = Staff(app, "case@example.org", "caseworker")
    action = endpoint.rsplit(".", 1)[1]
    path = {
        "write_to_reporter": "messages",
        "allow_checks_again": "checks",
        "record_referral": "referrals",
        "record_referral_outcome": f"referrals/{referral_id}/outcome",
        "complete_checklist": "checklists/risk_checklist_example",
    }[action]
    url = f"/staff/reports/{reference}/{path}"
    urls = addresses(
        url,
        f"/staff/reports/R-AAAA-BBBB-CC/{path}",
        f"/staff/reports/%00/{path}",
        f"/staff/reports/{reference}/referrals/987654321/outcome",
        f"/staff/reports/{reference}/checklists/no_such_checklist",
    )
    today = dt.date.today()
    fields = {
        "message": ["We will call on Tuesday", "x" * 5001],
        "destination": ["police", "marac", "nowhere"],
        "referred_on-day": [str(today.day), "32"],
        "referred_on-month": [str(today.month), "13"],
        "referred_on-year": [str(today.year), "99999"],
        "shared": ["contact_details", "what_happened", "risk_checklists", "secrets"],
        "without_consent": ["yes"],
        "reason": ["A risk to life", "x" * 1001],
        "outcome": ["accepted", "declined", "exploded"],
        "outcome_on-day": ["1"],
        "outcome_on-month": ["1"],
        "outcome_on-year": ["1999", str(today.year)],
        "injured_now": ["yes", "no", "maybe"],
        "threats_to_kill": ["yes", "no"],
        "children_or_pregnant": ["pregnant", "none", "twins"],
        "judgement_level": ["medium", "high", "standard", "extreme"],
        "judgement_reason": ["Bruises she hid", "x" * 1001],
    }
    return Target(
        staff.client, url, urls, fields, staff.prepare, expect_ok(staff.client, f"/staff/reports/{reference}")
    )


def erase_target(app: Flask, endpoint: str) -> Target:
    staff = Staff(app, "admin@example.org", "admin")
    references: list[str] = []

    def prepare() -> str:
        # A hostile post may erase the report: each example gets one to erase.
        references.append(add_report(app, "hate_crime_report", answers={"description": "A private story"}))
        return staff.prepare()

    prepare()
    url = f"/staff/reports/{references[0]}/erase"

    def check(_url: str, _response: TestResponse) -> None:
        assert staff.client.get(f"/staff/reports/{references[0]}/subject-access").status_code == 200

    fields = {"confirm": [references[0], references[0].lower(), "yes", "x" * 100]}
    return Target(
        staff.client, url, addresses(url, "/staff/reports/R-AAAA-BBBB-CC/erase"), fields, prepare, check
    )


TARGETS: dict[str, Callable[[Flask, str], Target]] = {
    "survey.begin": journey_target,
    "survey.question": journey_target,
    "survey.check_answers": journey_target,
    "report.begin": journey_target,
    "report.question": journey_target,
    "report.check_answers": journey_target,
    "triage.add_note": report_target,
    "triage.change_status": report_target,
    "triage.decide_held": held_target,
    "insight.review": review_target,
    "surveys_admin.margins": margins_target,
    "surveys_admin.margins_default": margins_target,
    "surveys_admin.change_state": survey_state_target,
    "staff.sign_in": sign_in_target,
    "staff.sign_out": sign_out_target,
    "kiosk.reset": kiosk_target,
    "questionnaires_admin.upload": upload_target,
    "questionnaires_admin.publish": draft_target,
    "questionnaires_admin.discard": draft_target,
    "preview.begin": preview_target,
    "preview.question": preview_target,
    "preview.check_answers": preview_target,
    "kpi_entry.figures": figures_target,
    "kpi_entry.figures_upload": figures_target,
    "kpi_entry.crime": crime_target,
    "kpi_admin.edit_kpi": register_target,
    "kpi_admin.owners": register_target,
    "check.check": check_target,
    "check.send_message": check_target,
    "check.change_consent": check_target,
    "check.change_contact": check_target,
    "check.finish": check_target,
    "check.choose_word": check_target,
    "triage.write_to_reporter": casework_target,
    "triage.allow_checks_again": casework_target,
    "triage.record_referral": casework_target,
    "triage.record_referral_outcome": casework_target,
    "triage.complete_checklist": casework_target,
    "triage.erase": erase_target,
}


def test_every_form_route_has_a_hostile_scenario(app):
    posted = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert posted == set(TARGETS), "a form route was added or removed: give it a scenario here"


# The service's answer -------------------------------------------------------------------------------


def send(client: FlaskClient, url: str, hostile: Hostile, token: str) -> TestResponse:
    body, content_type, headers = hostile.build(token)
    separator = "&" if "?" in url else "?"
    full = url + (separator + hostile.query.removeprefix("?") if hostile.query else "")
    return client.open(full, method="POST", data=body, content_type=content_type or None, headers=headers)


def assert_handled(response: TestResponse, hostile: Hostile) -> None:
    """The service's own answer: a page with a message, a redirect within the site, or a refusal."""
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status < 500, f"{status}: the service failed on {hostile.kind} input"
    assert "Traceback" not in body
    if hostile.expect_status and status != 404:  # an address that names nothing is not read at all
        assert status == hostile.expect_status, f"expected {hostile.expect_status}, got {status}"
    if hostile.well_formed and hostile.csrf in ("missing", "wrong", "both") and status not in (404, 413):
        assert status == 400, f"a post without a valid CSRF token answered {status}"
    page = Page("/", response)
    if 300 <= status < 400:
        location = response.location
        assert location.startswith("/") and not location.startswith("//"), location
        return
    summary = page.soup.select_one(".govuk-error-summary")
    if status == 200:
        assert summary is not None, "a form re-shown without saying what was wrong"
        return
    heading = page.soup.find("h1")
    headings = ERROR_HEADINGS.get(status, set())
    assert summary is not None or (heading is not None and heading.get_text(strip=True) in headings), (
        f"{status} without the service's error page or an error summary"
    )


@pytest.fixture(params=sorted(TARGETS))
def endpoint(request: pytest.FixtureRequest) -> str:
    return request.param


def limits_of(app: Flask, endpoint: str) -> dict[str, int]:
    """The body size and field count the route takes: an upload route takes a larger body."""
    with app.app_context():
        content = upload_limit(endpoint) or app.config["MAX_CONTENT_LENGTH"]
    return {"content": content, "parts": app.config["MAX_FORM_PARTS"]}


@HOSTILE
@given(data=st.data())
def test_hostile_posts_get_the_services_own_answer_and_keep_the_answers(app, endpoint, data):
    target = hostile_target(app, endpoint)
    token = target.prepare()
    url = data.draw(target.urls, label="url")
    limits = limits_of(app, endpoint)
    hostile = data.draw(hostile_requests(target.fields, target.files, limits), label="request")
    response = send(target.client, url, hostile, token)
    assert_handled(response, hostile)
    target.check(url, response)


def hostile_target(app: Flask, endpoint: str) -> Target:
    """The target for this test's app, built once and kept (with the app) for every example, so
    that state built up by earlier hostile posts is part of what later ones meet."""
    targets = app.extensions.setdefault("hostile_targets", {})
    if endpoint not in targets:
        targets[endpoint] = TARGETS[endpoint](app, endpoint)
    return targets[endpoint]


def with_nul(fields: dict[str, list[str]], name: str) -> Hostile:
    """Values the route accepts, but with U+0000 in one of them (PostgreSQL cannot store it)."""
    pairs = [(field, values[0] + "\x00" if field == name else values[0]) for field, values in fields.items()]
    return Hostile("form", tuple(pairs))


def fixed_requests(target: Target, limits: dict[str, int]) -> list[tuple[str, Hostile, set[int]]]:
    """The malformed requests every route must answer, whatever Hypothesis happens to draw; with
    the statuses they must get (an empty set: any of the service's own answers)."""
    name = sorted(target.fields)[0] if target.fields else "anything"
    boundary = MULTIPART
    form = "application/x-www-form-urlencoded"
    return [
        ("too large", Hostile("oversized", ((name, "x" * (limits["content"] + 1)),)), {413}),
        (
            "too many parts",
            Hostile("repeated", ((name, "x"),) * (limits["parts"] + 1), encoding="multipart"),
            {413},
        ),
        ("too many fields", Hostile("repeated", ((name, "x"),) * (limits["parts"] + 1)), {413}),
        ("no token", Hostile("form", ((name, "x"),), csrf="missing"), {400}),
        ("forged token", Hostile("form", ((name, "x"),), csrf="wrong"), {400}),
        (
            "truncated multipart, no token",
            Hostile(
                "raw",
                raw=multipart([("csrf_token", TOKEN.encode(), None), (name, b"x", None)])[:40],
                content_type=boundary,
                csrf="missing",
            ),
            {400},
        ),
        (
            "bad percent-encoding, no token",
            Hostile("raw", raw=f"{name}=%zz%&%".encode(), content_type=form, csrf="missing"),
            {400},
        ),
        (
            "JSON, no token",
            Hostile(
                "raw", raw=json.dumps({name: "x"}).encode(), content_type="application/json", csrf="missing"
            ),
            {400},
        ),
        (
            "truncated multipart",
            Hostile(
                "raw",
                raw=multipart([("csrf_token", TOKEN.encode(), None), (name, b"x", None)])[:-20],
                content_type=boundary,
                csrf="header",
            ),
            set(),
        ),
        (
            "bad percent-encoding",
            Hostile("raw", raw=f"{name}=%zz%e9%&%".encode(), content_type=form, csrf="header"),
            set(),
        ),
        (
            "Latin-1 bytes",
            Hostile("raw", raw=f"{name}=caf".encode() + b"\xe9", content_type=form, csrf="header"),
            set(),
        ),
        (
            "multipart without a boundary",
            Hostile("raw", raw=b"--x\r\n\r\n", content_type="multipart/form-data", csrf="header"),
            set(),
        ),
        (
            "JSON",
            Hostile(
                "raw", raw=json.dumps({name: "x"}).encode(), content_type="application/json", csrf="header"
            ),
            set(),
        ),
        *[(f"NUL in {field}", with_nul(target.fields, field), set()) for field in sorted(target.fields)],
        ("unknown fields only", Hostile("form", (("favourite_colour", "blue"), ("__class__", "x"))), set()),
    ]


def test_malformed_requests_are_refused_the_same_way_on_every_route(app, endpoint):
    target = TARGETS[endpoint](app, endpoint)
    for label, hostile, statuses in fixed_requests(target, limits_of(app, endpoint)):
        token = target.prepare()
        response = send(target.client, target.url, hostile, token)
        assert_handled(response, hostile)
        if statuses:
            assert response.status_code in statuses, (label, response.status_code)
        target.check(target.url, response)


# A survey free-text answer ----------------------------------------------------------------------

TYPES_ANSWERS = {
    "visited": "yes",
    "visit_date": {"visit_date-month": "6", "visit_date-year": "2024"},
    "feelings": ["safe"],
    "visits": "3",
    "rating": "good",
    "agree": "neither",
    "comment": "Fine",
    "postcode": "wa14 1ab",
}


@pytest.fixture
def types_app(database_url: str):
    app = make_app(
        database_url,
        RATELIMIT_ENABLED=False,
        QUESTIONNAIRE_DIR=str(PROJECT_ROOT / "tests/fixtures/questionnaires"),
    )
    yield app
    _empty_tables(app)


@HOSTILE
@given(text=hostile_text)
@example(text="before\x00after")  # PostgreSQL cannot store U+0000 in a response
@example(text="x" * 501)  # one over the limit: shown again with a message
def test_whatever_a_free_text_answer_holds_the_survey_can_be_sent(types_app, text):
    # The community survey has no free-text question; this survey's comment box stands in for one.
    if "hostile_journey" not in types_app.extensions:
        journey = Journey(types_app, "all_types", "/surveys/all_types", TYPES_ANSWERS)
        journey.complete()
        types_app.extensions["hostile_journey"] = journey
    journey = types_app.extensions["hostile_journey"]
    token = journey.prepare()
    url = "/surveys/all_types/questions/comment?change=1"
    hostile = Hostile("form", (("comment", text),))
    answered = send(journey.client, url, hostile, token)
    assert_handled(answered, hostile)
    journey.check(url, answered)
    sent = journey.client.post("/surveys/all_types/check-answers", data={"csrf_token": token})
    assert sent.status_code == 302 and sent.location.endswith("/confirmation"), sent.status_code
    journey.check("/surveys/all_types/check-answers", sent)


# Margins files made to get past the checks ------------------------------------------------------


def margins_with(change: Callable[[list[dict[str, str]]], None]) -> bytes:
    rows = list(csv.DictReader(io.StringIO(SHIPPED_MARGINS.decode("utf-8-sig"))))
    change(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _every_count_zero(rows: list[dict[str, str]]) -> None:
    for row in rows:
        row["population_count"] = "0"


def _one_group_emptied(rows: list[dict[str, str]]) -> None:
    # The totals still agree: the women are moved to the men.
    female = next(r for r in rows if (r["variable"], r["category"]) == ("sex", "female"))
    male = next(r for r in rows if (r["variable"], r["category"]) == ("sex", "male"))
    male["population_count"] = str(float(male["population_count"]) + float(female["population_count"]))
    female["population_count"] = "0"


def _one_group_tiny(rows: list[dict[str, str]]) -> None:
    female = next(r for r in rows if (r["variable"], r["category"]) == ("sex", "female"))
    male = next(r for r in rows if (r["variable"], r["category"]) == ("sex", "male"))
    male["population_count"] = str(float(male["population_count"]) + float(female["population_count"]) - 1e-3)
    female["population_count"] = "0.001"


def _everything_a_billion_times(rows: list[dict[str, str]]) -> None:
    for row in rows:
        row["population_count"] = str(float(row["population_count"]) * 1e9)


def _nul_in_a_source(rows: list[dict[str, str]]) -> None:
    rows[0]["source"] = "Census\x002021"


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        pytest.param(margins_with(_every_count_zero), "zeros.csv", id="every-count-zero"),
        pytest.param(margins_with(_one_group_emptied), "no-women.csv", id="one-group-emptied"),
        pytest.param(margins_with(_one_group_tiny), "tiny.csv", id="one-group-tiny"),
        pytest.param(margins_with(_everything_a_billion_times), "huge.csv", id="huge-population"),
        pytest.param(margins_with(_nul_in_a_source), "nul.csv", id="nul-in-a-source"),
        pytest.param(SHIPPED_MARGINS, "bad\x00name\r\n.csv", id="control-characters-in-the-name"),
    ],
)
def test_a_margins_file_is_refused_with_a_reason_or_the_figures_still_work(app, content, filename):
    # Files that pass a quick look (the columns, the categories, equal totals) but could leave every
    # insight page failing once they are in use.
    seed(app, 400)
    staff = Staff(app, "admin@example.org", "admin", "analyst")
    hostile = Hostile("file", files=(("margins", filename, content),))
    response = send(staff.client, "/staff/margins", hostile, staff.prepare())
    assert_handled(response, hostile)
    if response.status_code == 400:
        assert Page("/", response).soup.select(".govuk-error-summary__list li")
        return
    assert response.status_code == 302
    for page in (
        "/staff/margins",
        "/staff/insight/community_confidence",
        "/staff/insight/community_confidence/export/responses.csv",
    ):
        assert staff.client.get(page).status_code == 200, page
