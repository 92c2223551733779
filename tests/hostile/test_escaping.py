"""Markup and spreadsheet formulas typed by residents, reporters and staff come back inert.

Every free-text field of both reporting forms, a survey free-text question, caseworkers' notes,
analysts' review reasons, an administrator's margins file (its name and sources) and staff names
are filled with script, markup, template syntax and spreadsheet formulas. Then every staff view
that shows them is read: in HTML no tag, event handler or javascript: link may come from the data
(it must show as text), and in CSV and Excel every text cell that a spreadsheet would run as a
formula must have been neutralised (survey_app/spreadsheets.py).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.registry import get_published
from survey_app.reports.models import Report
from survey_app.spreadsheets import FORMULA_STARTS
from survey_app.staff.models import User
from tests.conftest import PROJECT_ROOT, _empty_tables, make_app
from tests.pages import Page
from tests.web.test_insight import seed
from tests.web.test_journey import ANSWERS
from tests.web.test_reports import ABUSE, HATE, HATE_ANSWERS
from tests.web.test_staff_accounts import PASSWORD, add_user, sign_in, update_user

from .support import FORMULAS, MARKUP, answer_every_question, csrf_token

SURVEY = "community_confidence"
INSIGHT = f"/staff/insight/{SURVEY}"
SHIPPED_MARGINS = (PROJECT_ROOT / "data" / "population_margins.csv").read_text(encoding="utf-8-sig")
PAYLOADS = (*MARKUP, *FORMULAS)
MARGINS_NAME = "<img src=x onerror=alert(1)>.csv"
ABUSE_ANSWERS = {
    "safe_now": "yes",
    "in_danger": "no",
    "what_to_do": "report",
    "reporter_role": "victim",
    "abuse_kinds": ["coercive_control"],
    "description": "",
    "children": "no",
    "contact": "contact",
    "safe_phone": "",
    "safe_times": "",
    "voicemail_safe": "no",
    "text_safe": "yes",
    "interpreter": "yes",
    "interpreter_language": "",
    "share_contact": ["domestic_abuse_service"],
    "share_account": ["domestic_abuse_service"],
}


# The app: the real questionnaires, with a free-text question added to the survey --------------


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    # The community survey asks nothing in free text; analysts' exports must still be safe when a
    # version does, so this copy of it ends with a comment box.
    folder = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", folder)
    path = folder / "community_confidence.yaml"
    survey = yaml.safe_load(path.read_text(encoding="utf-8"))
    survey["questions"].append(
        {
            "id": "anything_else",
            "type": "free_text",
            "title": "Is there anything else you want to tell us?",
            "max_length": 500,
            "required": False,
        }
    )
    path.write_text(yaml.safe_dump(survey, allow_unicode=True, sort_keys=False), encoding="utf-8")
    app = make_app(database_url, RATELIMIT_ENABLED=False, QUESTIONNAIRE_DIR=str(folder))
    yield app
    _empty_tables(app)


def free_text_fields(app: Flask, questionnaire_id: str) -> dict[str, int]:
    """Every free-text question of a questionnaire, with its length limit."""
    with app.app_context():
        questionnaire = get_published(questionnaire_id).questionnaire
        return {q.id: q.settings["max_length"] for q in questionnaire.questions if q.type == "free_text"}


def spread(payloads: tuple[str, ...], fields: dict[str, int], start: int = 0) -> dict[str, str]:
    """A payload for each field, in turn, each short enough for the field it goes in."""
    chosen, index = {}, start
    for field, limit in fields.items():
        fitting = [p for p in payloads if len(p.strip()) <= limit]
        chosen[field] = fitting[index % len(fitting)]
        index += 1
    return chosen


class World:
    """Hostile text entered everywhere a person can type, through the service's own pages."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.typed: dict[str, str] = {}  # where -> what was typed there
        seed(app, 400)
        self.reports = [
            self.report(HATE, "hate_crime_report", HATE_ANSWERS, MARKUP, 0),
            self.report(HATE, "hate_crime_report", HATE_ANSWERS, FORMULAS, 0),
            self.report(ABUSE, "domestic_abuse_report", ABUSE_ANSWERS, PAYLOADS, 3),
        ]
        # Survey answers reach staff only in the exports: the formulas matter there (and one tag).
        for payload in (*FORMULAS, MARKUP[0]):
            self.survey(payload)
        self.caseworker = self.staff("case@example.org", MARKUP[1], "caseworker")
        self.analyst = self.staff("ana@example.org", MARKUP[0], "analyst")
        self.admin = self.staff("admin@example.org", FORMULAS[0], "admin", "analyst")
        self.notes()
        self.referral_urls = self.referrals()
        self.reviews()
        self.margins()

    def report(
        self, start: str, questionnaire_id: str, answers: dict, payloads: tuple[str, ...], offset: int
    ) -> str:
        typed = spread(payloads, free_text_fields(self.app, questionnaire_id), offset)
        reference = self.send(start, answers, typed)
        self.typed.update({f"{reference} {field}": value for field, value in typed.items()})
        return reference

    def survey(self, payload: str) -> str:
        return self.send(f"/surveys/{SURVEY}", ANSWERS, {"anything_else": payload})

    def send(self, start: str, answers: dict, typed: dict[str, str]) -> str:
        """Answer the questions, check what is shown, send; the reference."""
        client = self.app.test_client()
        check_answers, token = answer_every_question(client, start, {**answers, **typed})
        check = Page(check_answers, client.get(check_answers))
        # The person sees what they typed, as text, before sending it.
        assert_inert(check.response.get_data(as_text=True), f"{start} check answers")
        assert_shown(check, typed.values(), f"{start} check answers")
        confirmation = client.post(check_answers, data={"csrf_token": token}).location
        return Page(confirmation, client.get(confirmation)).soup.find(id="reference").get_text(strip=True)

    def staff(self, email: str, name: str, *roles: str) -> FlaskClient:
        user_id = add_user(self.app, email=email, roles=roles)
        update_user(self.app, user_id, display_name=name)  # as `flask create-user --name` would store it
        client = self.app.test_client()
        assert sign_in(client, email, PASSWORD).status_code == 302
        return client

    def notes(self) -> None:
        client = self.caseworker
        for reference in self.reports:
            token = token_on(client, f"/staff/reports/{reference}")
            for payload in PAYLOADS:
                response = client.post(
                    f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": payload}
                )
                assert response.status_code == 303, payload
            client.post(
                f"/staff/reports/{reference}/status", data={"csrf_token": token, "status": "in_review"}
            )

    def referrals(self) -> dict[str, str]:
        """A referral of everything each report holds, with a hostile reason for sharing it without
        consent; the address of each one's printable export."""
        import datetime as dt

        from survey_app.reports.sharing import Referral

        client, today, urls = self.caseworker, dt.date.today(), {}
        for number, reference in enumerate(self.reports):
            token = token_on(client, f"/staff/reports/{reference}")
            response = client.post(
                f"/staff/reports/{reference}/referrals",
                data={
                    "csrf_token": token,
                    "destination": "marac",
                    "shared": ["contact_details", "what_happened"],
                    "without_consent": "yes",
                    "reason": PAYLOADS[number % len(PAYLOADS)],
                    "referred_on-day": str(today.day),
                    "referred_on-month": str(today.month),
                    "referred_on-year": str(today.year),
                },
            )
            assert response.status_code == 303, response.get_data(as_text=True)
            with self.app.app_context():
                referral_id = db.session.scalar(sa.select(sa.func.max(Referral.id)))
            urls[reference] = f"/staff/reports/{reference}/referrals/{referral_id}"
        return urls

    def reviews(self) -> None:
        with self.app.app_context():
            # Demonstration responses, so that the survey responses above stay in the exports.
            ids = db.session.scalars(sa.select(Response.id).order_by(Response.id).limit(len(PAYLOADS))).all()
        token = token_on(self.analyst, "/staff")
        for response_id, payload in zip(ids, PAYLOADS, strict=True):
            decision = "exclude" if payload in MARKUP else "include"
            response = self.analyst.post(
                f"{INSIGHT}/quality/{response_id}",
                data={"csrf_token": token, "decision": decision, "reason": payload},
            )
            assert response.status_code == 302, payload
        self.review_ids = ids

    def margins(self) -> None:
        rows = list(csv.DictReader(io.StringIO(SHIPPED_MARGINS)))
        for index, row in enumerate(rows):
            row["source"] = PAYLOADS[index % len(PAYLOADS)]
        token = token_on(self.admin, "/staff")
        response = self.admin.post(
            "/staff/margins",
            content_type="multipart/form-data",
            data={"csrf_token": token, "margins": (io.BytesIO(as_csv(rows)), MARGINS_NAME)},
        )
        assert response.status_code == 302, Page("/", response).error_summary
        # A refused file echoes what is wrong with it: that must be inert too.
        rows[0]["category"] = "<script>alert('category')</script>"
        self.refused_margins = self.admin.post(
            "/staff/margins",
            content_type="multipart/form-data",
            data={"csrf_token": token, "margins": (io.BytesIO(as_csv(rows)), "=cmd|' /C calc'!A0.csv")},
        )
        assert self.refused_margins.status_code == 400


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def token_on(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return csrf_token(response)


# What inert means -------------------------------------------------------------------------------

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")


def assert_inert(html: str, where: str) -> BeautifulSoup:
    """No element, attribute or link on the page came from the data: only the service's own."""
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/static/") and not script.get_text(strip=True), (
            f"{where}: a script that is not the service's own: {script}"
        )
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), f"{where}: an event handler: {str(element)[:200]}"
            if name.lower() in URL_ATTRIBUTES:
                text = value if isinstance(value, str) else " ".join(value)
                link = re.sub(r"[\s\x00-\x1f]", "", text).lower()
                assert not link.startswith(("javascript:", "data:text/html", "vbscript:")), (
                    f"{where}: a scripted link: {str(element)[:200]}"
                )
        assert element.name not in ("iframe", "object", "embed", "base"), f"{where}: {element.name} from data"
        if element.name == "img":
            assert element.get("src") != "x", f"{where}: an image tag from the data"
    for payload in PAYLOADS:
        if "<" in payload:
            assert payload not in html, f"{where}: {payload!r} is in the page unescaped"
    return soup


def assert_shown(page: Page, typed, where: str) -> None:
    """What was typed shows as the same text (escaped, not evaluated: {{7*7}} stays as it is)."""
    text = page.soup.get_text(" ")
    for value in typed:
        assert value.strip() in text, f"{where}: {value!r} is not shown as text"


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_csv_neutralised(body: bytes, where: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    for row in rows:
        for cell in row:
            # A number such as -0.02 is a number to a spreadsheet; text that starts like a formula is not.
            assert not cell.startswith(FORMULA_STARTS) or is_number(cell), f"{where}: a live formula {cell!r}"
    return rows


def assert_excel_neutralised(body: bytes, where: str) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                place = f"{sheet.title}!{cell.coordinate}"
                assert cell.data_type != "f", f"{where}: a formula in {place}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_STARTS), (
                        f"{where}: {place} would run as a formula: {cell.value!r}"
                    )
    return texts


def neutralised(payload: str) -> str:
    text = payload.strip()
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# The views ----------------------------------------------------------------------------------------


def test_markup_typed_anywhere_is_shown_as_text_in_every_staff_page(app):
    world = World(app)
    caseworker, analyst, admin = world.caseworker, world.analyst, world.admin
    pages: list[tuple[FlaskClient, str]] = [
        (caseworker, "/staff"),
        (caseworker, "/staff/reports"),
        (caseworker, "/staff/counts"),
        (caseworker, "/staff/reports?from=<script>alert(1)</script>&centre=%22><img src=x onerror=alert(1)>"),
        (admin, "/staff/audit"),
        (admin, "/staff/audit?reference=<script>alert(1)</script>&user=<b>"),
        (analyst, INSIGHT),
        (analyst, f"{INSIGHT}?area=<script>&measure=%22><svg onload=alert(1)>"),
        (analyst, f"{INSIGHT}/weighting"),
        (analyst, f"{INSIGHT}/quality"),
        (analyst, f"{INSIGHT}/quality?show=excluded"),
        (analyst, f"{INSIGHT}/export"),
        (analyst, f"{INSIGHT}/board-pack"),
        (admin, "/staff/margins"),
        (admin, "/staff/surveys"),
        (admin, "/staff"),
    ]
    for reference in world.reports:
        pages += [
            (caseworker, f"/staff/reports/{reference}"),
            (caseworker, world.referral_urls[reference]),
        ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert_inert(response.get_data(as_text=True), url)

    # Where the text is meant to be seen, it is there, as typed.
    for reference in world.reports:
        typed = [value for key, value in world.typed.items() if key.startswith(reference)]
        for url in (f"/staff/reports/{reference}", world.referral_urls[reference]):
            assert_shown(Page(url, caseworker.get(url)), typed, url)
        assert_shown(Page("/", caseworker.get(f"/staff/reports/{reference}")), PAYLOADS, "notes")
    assert_shown(Page("/", analyst.get(f"{INSIGHT}/quality?show=excluded")), MARKUP, "review reasons")
    assert_shown(Page("/", analyst.get(f"{INSIGHT}/weighting")), PAYLOADS, "margins sources")
    audit = Page("/", admin.get("/staff/audit"))
    assert_shown(audit, [MARKUP[0], MARKUP[1], MARGINS_NAME], "audit log")

    # Forms sent back with an error show what was sent, inert.
    refused = world.refused_margins.get_data(as_text=True)
    assert "&lt;script&gt;alert(" in refused
    assert_inert(refused, "refused margins file")
    token = token_on(analyst, "/staff")
    too_long = MARKUP[1] + "x" * 600
    review = analyst.post(
        f"{INSIGHT}/quality/{world.review_ids[0]}",
        data={"csrf_token": token, "decision": "exclude", "reason": too_long},
    )
    assert review.status_code == 400
    assert_inert(review.get_data(as_text=True), "review sent back")
    token = token_on(caseworker, "/staff")
    note = caseworker.post(
        f"/staff/reports/{world.reports[0]}/notes", data={"csrf_token": token, "note": MARKUP[6] + "x" * 5001}
    )
    assert note.status_code == 400
    assert_inert(note.get_data(as_text=True), "note sent back")
    anonymous = app.test_client()
    signing_in = anonymous.post(
        "/staff/sign-in",
        data={"csrf_token": token_on(anonymous, "/staff/sign-in"), "email": MARKUP[1], "password": MARKUP[0]},
    )
    assert signing_in.status_code == 200
    assert_inert(signing_in.get_data(as_text=True), "sign-in sent back")


def test_formulas_typed_anywhere_are_neutralised_in_every_download(app):
    world = World(app)
    caseworker, analyst = world.caseworker, world.analyst
    for reference in world.reports:
        body = caseworker.get(world.referral_urls[reference] + ".csv").data
        cells = {cell for row in assert_csv_neutralised(body, f"referral {reference}") for cell in row}
        typed = [value for key, value in world.typed.items() if key.startswith(reference)]
        assert {neutralised(value) for value in typed} <= cells, f"referral {reference}: an answer is missing"

    for kind in ("responses.csv", "codebook.csv", "margins_used.csv"):
        response = analyst.get(f"{INSIGHT}/export/{kind}")
        assert response.status_code == 200, kind
        rows = assert_csv_neutralised(response.data, kind)
        if kind == "responses.csv":
            column = rows[0].index("anything_else")
            comments = {row[column] for row in rows[1:]}
            assert {neutralised(p) for p in FORMULAS} <= comments, "a survey comment is not in the export"
    texts = assert_excel_neutralised(analyst.get(f"{INSIGHT}/export/responses.xlsx").data, "responses.xlsx")
    assert {neutralised(p) for p in FORMULAS} <= set(texts)

    assert_csv_neutralised(analyst.get(f"{INSIGHT}/board-pack.csv").data, "board-pack.csv")
    assert_excel_neutralised(analyst.get(f"{INSIGHT}/board-pack.xlsx").data, "board-pack.xlsx")

    # What was typed stays in the database exactly as typed: only the downloads change it.
    with app.app_context():
        stored = {r.answers.get("description") for r in db.session.scalars(sa.select(Report))}
        names = set(db.session.scalars(sa.select(User.display_name)))
    assert {MARKUP[0], FORMULAS[0]} <= stored
    assert MARKUP[1] in names
