"""Who may use every route: a signed-out visitor, each staff role, and a staff member with no role.

POLICY below is the access rule of every endpoint, written down as data and independent of the
decorators in the code. The test walks `app.url_map`, so a route added without a POLICY entry fails,
naming itself, until someone decides who may use it; an entry left behind by a removed route fails
too. Every rule is requested with every method it allows (HEAD and OPTIONS aside), with real values
from the test data in its address and with an unknown value in each place, by every kind of
visitor, and each POST with the browser's own CSRF token, with none, and with another browser's.

One app per database is shared by the whole module (seeding and signing in are the slow part); each
request goes out from a fresh client holding only that visitor's cookie, so a page that clears the
session (the kiosk reset, "Exit this page") cannot sign a visitor out of the requests after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from survey_app import create_app
from survey_app.demo import make_demo_responses
from survey_app.extensions import db
from survey_app.insight import routes as insight_routes
from survey_app.kpis import routes as kpi_routes
from survey_app.library import store
from survey_app.library.models import ImportedQuestionnaire
from survey_app.models import Response
from survey_app.registry import get_published, refresh_now
from survey_app.reports.models import Report
from survey_app.staff.access import PUBLIC as DECLARED_PUBLIC
from survey_app.staff.access import staff_route_policies
from survey_app.staff.auth import hash_session_id
from survey_app.staff.models import ROLES, StaffSession, User
from survey_app.staff.passwords import hash_password
from survey_app.triage.models import ReportNote
from tests.conftest import _backends, _empty_tables, _postgresql_url, make_app
from tests.pages import Page, Visitor
from tests.web.test_staff_accounts import PASSWORD
from tests.web.test_triage import add_referral, add_report
from tests.xlsform.helpers import FIXTURES

PUBLIC = "public"
ANY_STAFF = "any signed-in staff"
CASEWORKER = frozenset({"caseworker"})
ANALYST = frozenset({"analyst"})
ADMIN = frozenset({"admin"})

# Who may use each endpoint: PUBLIC, ANY_STAFF, or the roles of which a staff member needs one.
POLICY: dict[str, str | frozenset[str]] = {
    # Residents: the front page, the survey, the reporting forms, kiosks, posters, quick exit.
    "home.index": PUBLIC,
    "health.healthz": PUBLIC,
    "static": PUBLIC,
    "safety.exit_page": PUBLIC,
    "kiosk.centres": PUBLIC,
    "kiosk.start": PUBLIC,
    "kiosk.reset": PUBLIC,
    "short.survey": PUBLIC,
    "short.place": PUBLIC,
    "survey.start": PUBLIC,
    "survey.begin": PUBLIC,
    "survey.question": PUBLIC,
    "survey.check_answers": PUBLIC,
    "survey.confirmation": PUBLIC,
    "survey.timed_out": PUBLIC,
    "report.start": PUBLIC,
    "report.begin": PUBLIC,
    "report.question": PUBLIC,
    "report.check_answers": PUBLIC,
    "report.confirmation": PUBLIC,
    "report.timed_out": PUBLIC,
    # The person who reported, following it with their reference and memorable word.
    "check.sign_in": PUBLIC,
    "check.check": PUBLIC,
    "check.your_report": PUBLIC,
    "check.send_message": PUBLIC,
    "check.change_consent": PUBLIC,
    "check.change_contact": PUBLIC,
    "check.finish": PUBLIC,
    "check.choose_word": PUBLIC,
    # The staff entrance: signing in and out must work for everyone.
    "staff.sign_in": PUBLIC,
    "staff.sign_out": PUBLIC,
    "staff.home": ANY_STAFF,
    # Triage: reports are for caseworkers only; the counts hold no personal data.
    "triage.queue": CASEWORKER,
    "triage.held_reports": CASEWORKER,
    "triage.decide_held": CASEWORKER,
    "triage.report_page": CASEWORKER,
    "triage.change_status": CASEWORKER,
    "triage.add_note": CASEWORKER,
    "triage.write_to_reporter": CASEWORKER,
    "triage.allow_checks_again": CASEWORKER,
    "triage.record_referral": CASEWORKER,
    "triage.record_referral_outcome": CASEWORKER,
    "triage.referral_page": CASEWORKER,
    "triage.referral_csv": CASEWORKER,
    "triage.checklist_form": CASEWORKER,
    "triage.complete_checklist": CASEWORKER,
    # Subject access requests and erasure are the administrators'.
    "triage.subject_access_search": ADMIN,
    "triage.subject_access": ADMIN,
    "triage.subject_access_json": ADMIN,
    "triage.erase": ADMIN,
    "triage.audit_log": ADMIN,
    "triage.counts": frozenset({"caseworker", "analyst", "admin"}),
    # Insight: the analysts' statistics.
    "insight.index": ANALYST,
    "insight.dashboard": ANALYST,
    "insight.chart": ANALYST,
    "insight.wards": ANALYST,
    "insight.ward_chart": ANALYST,
    "insight.weighting": ANALYST,
    "insight.board_pack": ANALYST,
    "insight.board_pack_pdf": ANALYST,
    "insight.board_pack_csv": ANALYST,
    "insight.board_pack_xlsx": ANALYST,
    "insight.export_page": ANALYST,
    "insight.export_download": ANALYST,
    "insight.quality": ANALYST,
    "insight.review": ANALYST,
    # Running the service.
    "surveys_admin.surveys": ADMIN,
    "surveys_admin.change_state": ADMIN,
    "surveys_admin.qr_code": ADMIN,
    "surveys_admin.margins": ADMIN,
    "surveys_admin.margins_default": ADMIN,
    # Questionnaires from spreadsheets, and the preview of a draft (the residents' pages).
    "questionnaires_admin.questionnaires": ADMIN,
    "questionnaires_admin.upload": ADMIN,
    "questionnaires_admin.publish": ADMIN,
    "questionnaires_admin.discard": ADMIN,
    "questionnaires_admin.download": ADMIN,
    "questionnaires_admin.download_draft": ADMIN,
    "preview.start": ADMIN,
    "preview.begin": ADMIN,
    "preview.question": ADMIN,
    "preview.check_answers": ADMIN,
    "preview.confirmation": ADMIN,
    "preview.timed_out": ADMIN,
    # The strategy KPIs: dashboards for everyone who works with them; the board paper is the
    # analysts'; figures are entered by their data owners; crime files are imported by analysts.
    "kpis.overview": frozenset({"analyst", "admin", "data_owner"}),
    "kpis.subgroup": frozenset({"analyst", "admin", "data_owner"}),
    "kpis.chart": frozenset({"analyst", "admin", "data_owner"}),
    "kpis.board_paper": frozenset({"analyst", "admin"}),
    "kpis.board_paper_pdf": frozenset({"analyst", "admin"}),
    "kpis.board_paper_csv": frozenset({"analyst", "admin"}),
    "kpis.board_paper_xlsx": frozenset({"analyst", "admin"}),
    "kpi_entry.figures": frozenset({"data_owner", "admin"}),
    "kpi_entry.figures_upload": frozenset({"data_owner", "admin"}),
    "kpi_entry.crime": frozenset({"analyst", "admin"}),
    "kpi_admin.register_page": ADMIN,
    "kpi_admin.edit_kpi": ADMIN,
    "kpi_admin.owners": ADMIN,
}

# Values that a valid request puts in each URL variable, by blueprint; "from data" ones are filled
# in from what the module fixture adds to the database.
REAL_VALUES: dict[str, dict[str, object]] = {
    "survey": {"slug": "community_confidence", "address": "police_rating"},
    "report": {"slug": "incident", "address": "1"},
    "short": {"slug": "community_confidence", "place": "altrincham"},
    "kiosk": {"centre_id": "partington"},
    "static": {"filename": "dist/app.css"},
    "triage": {
        "reference": "from data",
        "referral_id": "from data",
        "checklist_id": "risk_checklist_example",
    },
    "insight": {
        "questionnaire_id": "community_confidence",
        "kind": "responses.csv",
        "response_id": "from data",
    },
    "surveys_admin": {"questionnaire_id": "community_confidence"},
    "questionnaires_admin": {"questionnaire_id": "community_confidence", "draft_id": "sale_pulse"},
    "preview": {"slug": "sale_pulse", "address": "welcome"},
    "kpis": {"subgroup_id": "crime_and_confidence", "kpi_id": "super_victim_repeats"},
    "kpi_admin": {"kpi_id": "super_victim_repeats"},
}

# One unknown value per variable: each is put in its place in turn, the others left real.
UNKNOWN_VALUES: dict[str, object] = {
    "slug": "no-such-form",
    "address": "no_such_question",
    "place": "nowhere",
    "centre_id": "atlantis",
    "filename": "dist/no-such-file.css",
    "reference": "R-AAAA-BBBB-CC",  # well-formed, never issued
    "questionnaire_id": "no_such_survey",
    "kind": "passwords.csv",
    "response_id": 987_654_321,
    "draft_id": "no_such_draft",
    "subgroup_id": "no_such_group",
    "kpi_id": "no_such_kpi",
    "referral_id": 987_654_321,
    "checklist_id": "no_such_checklist",
}
# Where someone other than a caseworker may read what a report says: an administrator answering a
# subject access request exports everything held about it.
REPORT_TEXT_ALSO_FOR = {"triage.subject_access_json": ADMIN}

# Unusual words, so that finding one in a page means a report leaked to someone it should not reach.
REPORT_STORY = "Grimblewick-Orrery followed me past the Thistledown launderette"
REPORT_PHONE = "07700 900 318"
NOTE_TEXT = "Caseworker note: Marrowfax says the lodger at number 9 is frightened"
SECRETS = (REPORT_STORY, REPORT_PHONE, NOTE_TEXT)

SIGN_IN = "/staff/sign-in"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Identity:
    name: str
    roles: frozenset[str] | None  # None: signed out
    address: str  # each its own, so that sign-in rate limits count them apart


IDENTITIES = (
    Identity("signed_out", None, "192.0.2.10"),
    *(Identity(role, frozenset({role}), f"192.0.2.{11 + n}") for n, role in enumerate(ROLES)),
    # The create-user command insists on a role, but an account can lose its last one.
    Identity("no_role", frozenset(), "192.0.2.20"),
)


@cache
def app_without_data() -> Flask:
    """An app whose URL map and view functions can be read; it never touches its database."""
    return create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def routed_endpoints() -> tuple[str, ...]:
    return tuple(sorted({rule.endpoint for rule in app_without_data().url_map.iter_rules()}))


# Who may use what -----------------------------------------------------------------------------


def test_every_route_has_a_policy():
    missing = [endpoint for endpoint in routed_endpoints() if endpoint not in POLICY]
    assert not missing, f"routes with no entry in POLICY (say who may use them): {', '.join(missing)}"


def test_every_policy_names_a_route_that_exists():
    stale = sorted(set(POLICY) - set(routed_endpoints()))
    assert not stale, f"POLICY entries for routes that no longer exist: {', '.join(stale)}"


def test_policy_agrees_with_what_the_staff_routes_declare():
    # The decorators are the code's own statement of the policy; a disagreement is a decision to make.
    app = app_without_data()
    as_declared = {PUBLIC: DECLARED_PUBLIC, ANY_STAFF: frozenset()}
    disagreements = [
        f"{endpoint}: POLICY says {POLICY.get(endpoint)!r}, the route declares {declared!r}"
        for endpoint, declared in staff_route_policies(app).items()
        if as_declared.get(POLICY.get(endpoint), POLICY.get(endpoint)) != declared
    ]
    assert not disagreements, "\n".join(disagreements)


# The module's app, data and signed-in visitors --------------------------------------------------


@dataclass
class Browser:
    """One visitor: the session cookie and CSRF token its pages gave it."""

    identity: Identity
    cookie: str = ""
    token: str = ""
    staff_session_id: str | None = None


class World:
    """The module's app, the real values its addresses need, and a browser for each identity."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.browsers: dict[str, Browser] = {}
        self.real_values = {blueprint: dict(values) for blueprint, values in REAL_VALUES.items()}

    def client(self, identity: Identity, cookie: str = "") -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = identity.address
        if cookie:
            client.set_cookie("sts_session", cookie)
        return client

    def open_browser(self, identity: Identity) -> Browser:
        client = self.client(identity)
        visitor = Visitor(client)
        page = visitor.get(SIGN_IN)
        browser = Browser(identity)
        if identity.roles is not None:
            email = f"{identity.name}@trafford.example"
            response = client.post(
                SIGN_IN,
                data={
                    "csrf_token": csrf_token(page),
                    "email": email,
                    "password": PASSWORD,
                },
            )
            assert response.status_code == 302, f"{identity.name} could not sign in"
            page = visitor.get("/staff")
            assert page.status == 200
            with client.session_transaction() as session:
                browser.staff_session_id = session["staff_session"]
        browser.token = csrf_token(page)
        browser.cookie = client.get_cookie("sts_session").value
        self.browsers[identity.name] = browser
        return browser

    def browser(self, identity: Identity) -> Browser:
        """The visitor's browser, signed in again if a route it used (signing out) ended its session."""
        browser = self.browsers[identity.name]
        if browser.staff_session_id is not None:
            with self.app.app_context():
                alive = db.session.get(StaffSession, hash_session_id(browser.staff_session_id))
            if alive is None:
                browser = self.open_browser(identity)
        return browser

    def fresh_draft(self) -> None:
        """The Sale pulse as a draft, whatever an earlier route did to it (published, discarded)."""
        with self.app.app_context():
            db.session.execute(sa.delete(ImportedQuestionnaire))
            db.session.commit()
            refresh_now()  # what was published is gone: nothing is live to compare the upload with
            store.import_spreadsheet(
                (FIXTURES / "sale_pulse.xlsx").read_bytes(),
                "sale_pulse.xlsx",
                "test",
                self.app.config["TRANSLATIONS_DIR"],
            )
            db.session.commit()
            refresh_now()

    def send(self, browser: Browser, method: str, url: str, token: str | None) -> TestResponse:
        client = self.client(browser.identity, browser.cookie)
        data = {"csrf_token": token} if token is not None else {}
        return client.open(url, method=method, data=data if method == "POST" else None)


def csrf_token(page: Page) -> str:
    return page.soup.find("input", attrs={"name": "csrf_token"})["value"]


def add_staff(app: Flask, identity: Identity, password_hash: str) -> None:
    with app.app_context():
        user = User(
            email=f"{identity.name}@trafford.example", display_name=identity.name, password_hash=password_hash
        )
        user.roles = identity.roles
        db.session.add(user)
        db.session.commit()


@pytest.fixture(scope="module", params=_backends())
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    if request.param == "postgresql":
        url = _postgresql_url(request.getfixturevalue("postgresql_schema"))
    else:
        url = request.getfixturevalue("database_urls")["sqlite"]
    app = make_app(url)
    _empty_tables(app)
    world = World(app)
    # Turning the board pack into a PDF takes WeasyPrint about ten seconds here and has nothing to
    # do with who may ask for it (tests/web/test_insight.py checks the PDF itself).
    patch = pytest.MonkeyPatch()
    patch.setattr(insight_routes, "render_pdf", lambda *args, **kwargs: b"%PDF-1.7 stand-in")
    patch.setattr(kpi_routes, "render_pdf", lambda *args, **kwargs: b"%PDF-1.7 stand-in")
    with app.app_context():
        # Enough responses for every insight page to have quarters, figures and an export.
        published = get_published("community_confidence")
        db.session.add_all(make_demo_responses(published, 400, seed=11, today=dt.date(2026, 11, 24)))
        db.session.commit()
        world.real_values["insight"]["response_id"] = db.session.scalar(sa.select(sa.func.min(Response.id)))
    reference = add_report(
        app, "hate_crime_report", answers={"description": REPORT_STORY, "contact_phone": REPORT_PHONE}
    )
    world.real_values["triage"]["reference"] = reference
    # One hash for every account: argon2id takes half a second each on a small machine.
    password_hash = hash_password(PASSWORD)
    for identity in IDENTITIES:
        if identity.roles is not None:
            add_staff(app, identity, password_hash)
    with app.app_context():
        report_id = db.session.scalar(sa.select(Report.id).where(Report.reference == reference))
        author = db.session.scalar(sa.select(User.id).where(User.email == "caseworker@trafford.example"))
        db.session.add(ReportNote(report_id=report_id, author_id=author, text={"text": NOTE_TEXT}))
        db.session.commit()
    world.real_values["triage"]["referral_id"] = add_referral(app, reference)
    for identity in IDENTITIES:
        world.open_browser(identity)
    yield world
    patch.undo()
    _empty_tables(app)


# The requests and what each should get ---------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    known: bool  # every value in the address is real
    csrf: str  # "own", "none" or "other" (another browser's token); "" for GET


def requests_for(rule: Rule, real: dict[str, object]) -> Iterator[Request]:
    variables = sorted(rule.arguments)
    missing = [name for name in variables if name not in real or name not in UNKNOWN_VALUES]
    if missing:
        raise AssertionError(
            f"{rule.endpoint}: add a real and an unknown value for {missing} "
            "to REAL_VALUES and UNKNOWN_VALUES"
        )
    variants = [({name: real[name] for name in variables}, True)]
    variants += [({**variants[0][0], name: UNKNOWN_VALUES[name]}, False) for name in variables]
    for values, known in variants:
        built = rule.build(values, append_unknown=False)
        assert built is not None, f"cannot build {rule.rule} from {values}"
        url = built[1]
        for method in sorted(rule.methods - SKIPPED_METHODS):
            for csrf in ("own", "none", "other") if method == "POST" else ("",):
                yield Request(method, url, known, csrf)


def is_ok(status: int) -> bool:
    return 200 <= status < 400


def judge(
    policy: str | frozenset[str],
    identity: Identity,
    request: Request,
    response: TestResponse,
    readers: frozenset[str] = CASEWORKER,
) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    body = response.get_data()
    if status >= 500:
        return f"server error {status}"
    if not (identity.roles and identity.roles & readers):
        leaked = [secret for secret in SECRETS if secret.encode() in body]
        if leaked:
            return f"shows report text to someone who is not a caseworker: {leaked}"
    if request.csrf in ("none", "other"):
        # The CSRF check comes before everything else, for everyone.
        return None if status == 400 else f"{status} for a POST without its own CSRF token (expected 400)"
    if policy == PUBLIC:
        if status in (401, 403):
            return f"{status} on a public route"
        if not request.known:
            return None if status == 404 else f"{status} for an unknown value (expected 404)"
        if is_ok(status) or (request.method == "POST" and status == 400):
            return None
        return f"{status} on a public route with real values"

    allowed = identity.roles is not None and (policy == ANY_STAFF or bool(identity.roles & policy))
    if not allowed:
        # A refusal holds nothing of the page, and is the same whether or not the thing exists.
        if response.headers.get("Content-Disposition"):
            return f"a download ({response.headers['Content-Disposition']}) instead of a refusal"
        if identity.roles is None:
            location = response.headers.get("Location", "")
            target = urlsplit(location)
            if status != 302 or target.scheme or target.netloc or target.path != SIGN_IN:
                return f"{status} {location} to a signed-out visitor (expected 302 to {SIGN_IN})"
            return None
        return None if status == 403 else f"{status} without the role (expected 403)"
    if not request.known:
        return None if status == 404 else f"{status} for an unknown value (expected 404)"
    if is_ok(status) or (request.method == "POST" and status == 400):
        return None
    return f"{status} with the role and real values"


@pytest.mark.parametrize("endpoint", routed_endpoints())
def test_route_answers_every_visitor_as_its_policy_says(world, endpoint):
    if endpoint not in POLICY:
        pytest.fail(f"{endpoint} has no entry in POLICY: say who may use it")
    policy = POLICY[endpoint]
    blueprint = endpoint.rsplit(".", 1)[0]
    if blueprint in ("questionnaires_admin", "preview"):
        world.fresh_draft()
    problems = []
    sent = 0
    for rule in world.app.url_map.iter_rules(endpoint):
        for request in requests_for(rule, world.real_values.get(blueprint, {})):
            for identity in IDENTITIES:
                browser = world.browser(identity)
                token = {
                    "own": browser.token,
                    "other": next(b.token for b in world.browsers.values() if b is not browser),
                    "none": None,
                }.get(request.csrf)
                response = world.send(browser, request.method, request.url, token)
                sent += 1
                readers = CASEWORKER | REPORT_TEXT_ALSO_FOR.get(endpoint, frozenset())
                problem = judge(policy, identity, request, response, readers)
                if problem:
                    token_note = f" (CSRF token: {request.csrf})" if request.csrf else ""
                    problems.append(f"{identity.name}: {request.method} {request.url}{token_note}: {problem}")
    assert sent, f"{endpoint} was never requested"
    assert not problems, f"{endpoint} ({policy_text(policy)}):\n" + "\n".join(problems)


def policy_text(policy: str | frozenset[str]) -> str:
    return policy if isinstance(policy, str) else "roles: " + ", ".join(sorted(policy))
