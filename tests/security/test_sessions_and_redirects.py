"""Staff sessions and where the service sends people: what tests/web/test_staff_accounts.py leaves out.

- Signing in gives the browser a new cookie and a new server-side session id, so a cookie from
  before (the visitor's own, or one an attacker planted) never becomes a signed-in one; the CSRF
  token from before stops working too.
- The sign-in rate limit cannot be got round with the right password, other email addresses or a
  forged X-Forwarded-For (how failures are slowed: test_sign_in_throttle.py).
- "Exit this page" goes only to EXIT_URL (or, on a kiosk, the kiosk's start screen), and the
  sign-in page's `next` never leads off the site, whatever is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from survey_app.extensions import db
from survey_app.staff import passwords
from survey_app.staff.auth import hash_session_id
from survey_app.staff.models import StaffSession
from tests.conftest import _empty_tables, make_app
from tests.pages import Page, Visitor
from tests.web.test_staff_accounts import EMAIL, GENERIC_ERROR, PASSWORD, add_user, sign_in

SITE = "http://localhost"
EVIL = "evil.example"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Cheap argon2 parameters: these tests sign in dozens of times, and argon2id's real cost (half a
    second a check on a small machine) is not what they are about; test_staff_accounts.py uses it."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


def staff_session_id(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        return session.get("staff_session")


def session_values(client: FlaskClient) -> set[str]:
    """Every string held in the browser's session, however deeply nested."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    with client.session_transaction() as session:
        walk(dict(session))
    return found


def cookie(client: FlaskClient) -> str:
    return client.get_cookie("sts_session").value


def browser_with(app: Flask, cookie_value: str) -> FlaskClient:
    other = app.test_client()
    other.set_cookie("sts_session", cookie_value)
    return other


def session_rows(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(StaffSession.id_hash)))


def csrf_token(page: Page) -> str:
    return page.soup.find("input", attrs={"name": "csrf_token"})["value"]


# A new session at every sign-in


def test_signing_in_replaces_the_cookie_and_the_session_id_the_browser_had(app, client):
    add_user(app)
    visitor = Visitor(client)
    # A visitor who has been answering the survey and opened the sign-in page: a cookie already.
    visitor.submit(visitor.get("/surveys/community_confidence"))
    visitor.get("/staff/sign-in")
    cookie_before = cookie(client)
    values_before = session_values(client)
    assert values_before, "the browser should hold a session before signing in"

    assert sign_in(client).location == "/staff"
    session_id = staff_session_id(client)
    assert session_id is not None
    assert session_id not in values_before
    assert cookie(client) != cookie_before
    assert session_rows(app) == {hash_session_id(session_id)}
    # Whoever kept a copy of the cookie from before has not been signed in with it.
    assert browser_with(app, cookie_before).get("/staff").status_code == 302


def test_a_planted_cookie_is_not_signed_in_as_whoever_signs_in_with_it(app):
    """Session fixation: an attacker signs in, puts their cookie in the victim's browser, waits."""
    add_user(app, email="mallory@trafford.example", roles=("analyst",))
    add_user(app, email=EMAIL, roles=("caseworker",))
    attacker = app.test_client()
    assert sign_in(attacker, "mallory@trafford.example").location == "/staff/insight"
    planted = cookie(attacker)
    planted_id = staff_session_id(attacker)

    victim = browser_with(app, planted)
    assert sign_in(victim).location == "/staff"
    victim_id = staff_session_id(victim)
    assert victim_id != planted_id
    assert cookie(victim) != planted
    # The planted session ended with the sign-in; the attacker's copy now leads to the sign-in page.
    assert session_rows(app) == {hash_session_id(victim_id)}
    assert attacker.get("/staff/reports").status_code == 302
    assert victim.get("/staff/reports").status_code == 200


def test_the_csrf_token_from_before_sign_in_no_longer_works(app, client):
    add_user(app)
    old_token = csrf_token(Visitor(client).get("/staff/sign-in"))
    sign_in(client)
    refused = client.post("/staff/sign-out", data={"csrf_token": old_token})
    assert refused.status_code == 400
    assert client.get("/staff").status_code == 200, "a refused sign-out leaves the session as it was"
    new_token = csrf_token(Visitor(client).get("/staff"))
    assert new_token != old_token
    assert client.post("/staff/sign-out", data={"csrf_token": new_token}).status_code == 302


# Rate limit


def attempt(client: FlaskClient, email: str, password: str, **request_options):
    token = csrf_token(Visitor(client).get("/staff/sign-in"))
    return client.post(
        "/staff/sign-in", data={"csrf_token": token, "email": email, "password": password}, **request_options
    )


def test_the_right_password_does_not_get_past_the_rate_limit(app, client):
    add_user(app)
    for number in range(10):
        # Another account each time: the limit counts attempts from the address, whatever account.
        assert attempt(client, f"guess{number}@trafford.example", "not the password").status_code == 200
    refused = attempt(client, EMAIL, PASSWORD)
    assert refused.status_code == 429
    assert session_rows(app) == set()
    assert client.get("/staff").status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(app, client):
    # With no trusted proxy, X-Forwarded-For is whatever the client says it is.
    for number in range(10):
        forged = {"X-Forwarded-For": f"198.51.100.{number}"}
        email = f"guess{number}@trafford.example"
        assert attempt(client, email, "not the password", headers=forged).status_code == 200
    assert (
        attempt(client, EMAIL, "not the password", headers={"X-Forwarded-For": "198.51.100.99"}).status_code
        == 429
    )


def test_behind_a_proxy_an_address_prepended_by_the_client_does_not_reset_the_limit(database_url):
    app = make_app(database_url, TRUSTED_PROXY_COUNT=1)
    try:
        client = app.test_client()
        # The proxy appends the address it saw; the client may have put anything before it.
        for number in range(10):
            forwarded = {"X-Forwarded-For": f"198.51.100.{number}, 203.0.113.5"}
            email = f"guess{number}@trafford.example"
            assert attempt(client, email, "not the password", headers=forwarded).status_code == 200
        forwarded = {"X-Forwarded-For": "198.51.100.99, 203.0.113.5"}
        assert attempt(client, EMAIL, "not the password", headers=forwarded).status_code == 429
        other_client = {"X-Forwarded-For": "203.0.113.6"}
        assert attempt(client, EMAIL, "not the password", headers=other_client).status_code == 200
    finally:
        _empty_tables(app)


def test_failures_from_many_addresses_and_spellings_never_stop_the_owner(app, client):
    """The lockout this replaced let anyone who knew a colleague's email lock them out, again and again."""
    add_user(app)
    spellings = [EMAIL, EMAIL.upper(), f"  {EMAIL}", EMAIL.title(), f"{EMAIL} "]
    for round_number in range(4):
        for number, spelling in enumerate(spellings):
            address = f"192.0.2.{round_number * 10 + number + 1}"
            page = Page(
                "/staff/sign-in",
                attempt(client, spelling, "not the password", environ_base={"REMOTE_ADDR": address}),
            )
            assert page.error_summary == [GENERIC_ERROR]
    # Twenty failures, from twenty addresses: the owner at their own address signs in at once.
    signed_in = attempt(client, EMAIL, PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert signed_in.status_code == 302
    assert signed_in.location == "/staff"
    assert len(session_rows(app)) == 1


# "Exit this page" goes to one place only

HOSTILE_QUERIES = [
    "next=https://evil.example/",
    "url=//evil.example",
    "redirect=%2F%2Fevil.example",
    "return_to=javascript:alert(1)",
    "next=/kiosk/partington",
    "EXIT_URL=https://evil.example",
    "next=%0D%0ALocation:%20https://evil.example",
    "next=https://evil.example&next=//evil.example",
]
HOSTILE_HEADERS = [
    {"Referer": "https://evil.example/phish"},
    {"Host": EVIL},
    {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"},
    {"X-Original-URL": "https://evil.example/", "X-Rewrite-URL": "//evil.example"},
]
# (what is shown when it fails, query string, headers)
HOSTILE_EXITS = [
    *((f"?{query}", query, {}) for query in HOSTILE_QUERIES),
    *((str(headers), "next=https://evil.example", headers) for headers in HOSTILE_HEADERS),
]


def with_browser_cookie(app: Flask, browser: FlaskClient, method: str, url: str, headers: dict, **options):
    """The request with the browser's cookie, whatever Host it names: the test client's own cookie jar
    would leave the cookie out of a request for another host."""
    client = app.test_client(use_cookies=False)
    headers = {**headers, "Cookie": f"sts_session={cookie(browser)}"}
    return client.open(url, method=method, headers=headers, **options)


@pytest.mark.parametrize("proxies", [0, 1])
def test_exit_leads_only_to_the_exit_url(database_url, proxies):
    app = make_app(database_url, TRUSTED_PROXY_COUNT=proxies, EXIT_URL="https://www.metoffice.gov.uk/")
    try:
        client = app.test_client()
        wrong = {}
        for shown, query, headers in HOSTILE_EXITS:
            location = client.get(f"/exit?{query}", headers=headers).location
            if location != "https://www.metoffice.gov.uk/":
                wrong[shown] = location
        assert not wrong
    finally:
        _empty_tables(app)


@pytest.mark.parametrize("proxies", [0, 1])
def test_exit_on_a_kiosk_leads_only_to_its_start_screen(database_url, proxies):
    app = make_app(database_url, TRUSTED_PROXY_COUNT=proxies)
    try:
        kiosk = app.test_client()
        assert kiosk.get("/kiosk/partington").status_code == 200
        wrong = {}
        # Each exit is answered to another client, so the cookie it clears stays the kiosk's for the next.
        for shown, query, headers in HOSTILE_EXITS:
            location = with_browser_cookie(app, kiosk, "GET", f"/exit?{query}", headers).location
            if location != "/kiosk/partington":
                wrong[shown] = location
        assert not wrong
    finally:
        _empty_tables(app)


def test_a_kiosk_value_that_is_no_centre_leads_to_the_exit_url(app, client):
    # The session is signed, so only a bug could put this there; it must still not become an address.
    for forged in ("//evil.example", "https://evil.example", "../../evil", "partington/../../x"):
        with client.session_transaction() as session:
            session["kiosk"] = forged
        assert client.get("/exit").location == app.config["EXIT_URL"]


def test_the_kiosk_reset_leads_only_to_its_own_start_screen(app, client):
    token = csrf_token(Visitor(client).get("/kiosk/sale-point"))
    wrong = {}
    for shown, query, headers in HOSTILE_EXITS:
        location = with_browser_cookie(
            app, client, "POST", f"/kiosk/sale-point/reset?{query}", headers, data={"csrf_token": token}
        ).location
        if location != "/kiosk/sale-point":
            wrong[shown] = location
    assert not wrong


# The sign-in page's `next` stays on the site

# Sent as they are in the query string (so %-escapes are the attacker's own), beyond the fully
# quoted targets of test_staff_accounts.test_next_never_leaves_the_staff_area.
RAW_NEXT = [
    "//evil.example",
    "%2F%2Fevil.example",
    "%252F%252Fevil.example",
    "/%2F%2Fevil.example",
    "%5C%5Cevil.example",
    "/%5Cevil.example",
    "/%5C/evil.example",
    "%5C/evil.example",
    "/%09/evil.example",
    "/%0A/evil.example",
    "%20//evil.example",
    "%00//evil.example",
    "https:evil.example",
    "https:/evil.example",
    "https:%5C%5Cevil.example",
    "https://evil.example%2Fstaff",
    "http://localhost@evil.example/staff",
    "//localhost@evil.example/staff",
    "/staff@evil.example",
    "//evil.example%5C@localhost/staff",
    "JaVaScRiPt:alert(1)",
    "javascript%3Aalert(1)",
    "java%0Ascript:alert(1)",
    "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E",
    "%EF%BC%8F%EF%BC%8Fevil.example",  # fullwidth solidus, which some software folds to "/"
    "/staff%0D%0ALocation:%20https://evil.example",
    "/staff/" + "a" * 2100,
]


def leads_off_site(location: str, base: str = f"{SITE}/staff/sign-in") -> bool:
    """Whether a browser given this Location would leave http://localhost.

    Browsers drop tabs and newlines, trim spaces and control characters, read a backslash as a
    slash, and take any run of two or more slashes at the start as the start of a host name; read the
    address as one would before judging where it leads.
    """
    cleaned = location.strip("".join(map(chr, range(33))))
    for ignored in "\t\n\r":
        cleaned = cleaned.replace(ignored, "")
    cleaned = cleaned.replace("\\", "/")
    if cleaned.startswith("//"):
        cleaned = "//" + cleaned.lstrip("/")
    resolved = urlsplit(urljoin(base, cleaned))
    return resolved.scheme not in ("http", "https") or resolved.netloc != "localhost"


def test_leads_off_site_sees_what_a_browser_would():
    assert leads_off_site("//evil.example")
    assert leads_off_site("/\\evil.example")
    assert leads_off_site(" \t//evil.example")
    assert leads_off_site("///evil.example")
    assert leads_off_site("/\\/evil.example")
    assert leads_off_site("javascript:alert(1)")
    assert not leads_off_site("/staff/reports?status=new")
    assert not leads_off_site("/staff")


def test_sign_in_never_sends_anyone_off_the_site(app):
    add_user(app)
    off_site = []
    for number, target in enumerate(RAW_NEXT):
        client = app.test_client()
        # An address each, so that the sign-in rate limit does not end the run part way.
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number + 1}"
        url = f"/staff/sign-in?next={target}"

        page = Visitor(client).get(url, follow=False)
        assert page.status == 200, target
        action = page.soup.find("form", attrs={"method": "post"})["action"]
        if leads_off_site(action, f"{SITE}{url}"):
            off_site.append((target, "form action", action))

        details = {"csrf_token": csrf_token(page), "email": EMAIL, "password": PASSWORD}
        signed_in = client.post(url, data=details)
        assert signed_in.status_code == 302, target
        if leads_off_site(signed_in.location):
            off_site.append((target, "after signing in", signed_in.location))

        # Signed in already, the sign-in page sends people on at once: through the same check.
        again = client.get(url)
        assert again.status_code == 302, target
        if leads_off_site(again.location):
            off_site.append((target, "signed in already", again.location))
    assert not off_site


def test_a_harmless_next_still_works(app, client):
    # The checks above would pass if `next` were ignored altogether: it must still bring people back.
    add_user(app)
    target = "/staff/reports?status=new&page=2"
    assert sign_in(client, next_target=quote(target, safe="/")).location == target
    assert client.get(f"/staff/sign-in?next={quote(target, safe='/')}").location == target
