"""Staff accounts: signing in and out, slowing repeated failures, idle sessions, roles and create-user.

How repeated failures are slowed (per account and address, spraying, remembered browsers, shared
counts, the start-up check) is tested in depth in tests/security/test_sign_in_throttle.py.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from survey_app.columns import utcnow
from survey_app.config import ConfigurationError, load_config
from survey_app.extensions import db
from survey_app.staff.access import require_role, safe_next, staff_route_policies
from survey_app.staff.auth import hash_session_id, signed_in_staff
from survey_app.staff.models import StaffSession, User
from survey_app.staff.passwords import hash_password, password_problems
from tests.conftest import PROJECT_ROOT
from tests.pages import Page, Visitor

EMAIL = "sam.patel@trafford.example"
PASSWORD = "correct horse battery staple"
GENERIC_ERROR = "Enter a correct email address and password."
TOO_MANY = "There have been too many attempts to sign in."


def add_user(app, email: str = EMAIL, password: str = PASSWORD, roles=("caseworker",), **fields) -> int:
    with app.app_context():
        user = User(email=email, display_name="Sam Patel", password_hash=hash_password(password), **fields)
        user.roles = set(roles)
        db.session.add(user)
        db.session.commit()
        return user.id


def get_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def update_user(app, user_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(**values))
        db.session.commit()


def staff_sessions(app) -> list[StaffSession]:
    with app.app_context():
        rows = db.session.scalars(sa.select(StaffSession)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def sign_in(
    client, email: str = EMAIL, password: str = PASSWORD, next_target: str | None = None, follow: bool = False
):
    url = "/staff/sign-in" + (f"?next={next_target}" if next_target is not None else "")
    # Signed in already, the sign-in page redirects to the staff home: its form has the token too.
    page = Visitor(client).get(url)
    data = {"csrf_token": page.form_fields()["csrf_token"], "email": [email], "password": [password]}
    return client.post(url, data=data, follow_redirects=follow)


def set_last_seen(app, moment: dt.datetime) -> None:
    with app.app_context():
        db.session.execute(sa.update(StaffSession).values(last_seen_at=moment))
        db.session.commit()


def session_cookie(client) -> str:
    return client.get_cookie("sts_session").value


def with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("sts_session", value)
    return other


def page_of(response, url: str = "/") -> Page:
    return Page(url, response)


# Signing in and out


def test_staff_entrance_sends_signed_out_visitors_to_sign_in(client):
    response = client.get("/staff")
    assert response.status_code == 302
    assert response.location == "/staff/sign-in"


def test_sign_in_page_is_plain_and_helps_password_managers(client):
    page = Visitor(client).get("/staff/sign-in")
    assert page.status == 200
    assert page.title.startswith("Sign in")
    email = page.soup.find("input", attrs={"name": "email"})
    password = page.soup.find("input", attrs={"name": "password"})
    assert email["autocomplete"] == "username"
    assert email["type"] == "email"
    assert password["autocomplete"] == "current-password"
    assert password["type"] == "password"
    assert page.form_fields()["csrf_token"][0]
    # The resident language switcher is not on staff pages, but still on residents' pages.
    assert not page.soup.select(".app-language-switcher")
    assert Visitor(client).get("/").soup.select(".app-language-switcher")


def test_sign_in_shows_the_home_and_sign_out_ends_the_session(app, client):
    user_id = add_user(app, roles=("caseworker", "analyst"))
    response = sign_in(client)
    assert response.status_code == 302
    assert response.location == "/staff"

    home = Visitor(client).get("/staff")
    assert home.status == 200
    assert home.heading == "Staff home"
    assert "Signed in as Sam Patel" in home.text()
    assert "Your roles: Caseworker, Analyst" in home.text()
    assert home.link_href("Staff home") == "/staff"
    assert not home.soup.select(".app-language-switcher")

    rows = staff_sessions(app)
    assert len(rows) == 1
    assert rows[0].user_id == user_id
    assert rows[0].ip == "127.0.0.1"
    assert get_user(app, user_id).last_sign_in_at is not None

    form = home.soup.find("form", attrs={"action": "/staff/sign-out"})
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post("/staff/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.location == "/staff/sign-in"
    assert staff_sessions(app) == []
    assert "You have signed out." in Visitor(client).get("/staff/sign-in").text()
    assert client.get("/staff").status_code == 302


def test_only_a_hash_of_the_session_id_is_stored(app, client):
    add_user(app)
    sign_in(client)
    with client.session_transaction() as flask_session:
        session_id = flask_session["staff_session"]
    (row,) = staff_sessions(app)
    assert row.id_hash == hash_session_id(session_id)
    assert session_id not in row.id_hash


def test_email_is_stored_lower_case_and_matched_in_any_case(app, client):
    user_id = add_user(app, email="Sam.Patel@Trafford.Example")
    assert get_user(app, user_id).email == EMAIL
    assert sign_in(client, email="  SAM.PATEL@trafford.example ").location == "/staff"


def test_empty_fields_are_named(client):
    page = page_of(sign_in(client, email="", password=""))
    assert page.error_summary == ["Enter your email address", "Enter your password"]
    assert page.title.startswith("Error: Sign in")


def test_wrong_password_and_unknown_email_get_the_same_message(app, client):
    user_id = add_user(app)
    wrong_password = page_of(sign_in(client, password="not the password at all"))
    unknown_email = page_of(sign_in(client, email="nobody@trafford.example"))
    assert wrong_password.status == unknown_email.status == 200
    assert wrong_password.error_summary == unknown_email.error_summary
    assert wrong_password.error_summary == [GENERIC_ERROR]
    assert client.get("/staff").status_code == 302
    assert get_user(app, user_id).last_sign_in_at is None


def test_deactivated_account_cannot_sign_in_and_its_session_ends(app, client):
    user_id = add_user(app)
    assert sign_in(client).location == "/staff"
    update_user(app, user_id, active=False)
    assert client.get("/staff").status_code == 302
    assert staff_sessions(app) == []
    assert page_of(sign_in(client)).error_summary[0].startswith(GENERIC_ERROR)


# Repeated failures: slowed, never locked


def test_failures_are_slowed_at_the_address_not_locked_for_everyone(app, client):
    user_id = add_user(app)
    for _attempt in range(5):
        assert page_of(sign_in(client, password="wrong password here")).error_summary == [GENERIC_ERROR]
    # The sixth try from this address is refused before the password is looked at, saying how long to wait.
    waiting = sign_in(client)
    assert waiting.status_code == 429
    assert waiting.headers["Retry-After"] == "30"
    assert page_of(waiting).error_summary == [f"{TOO_MANY} Wait 30 seconds, then try again."]
    assert page_of(waiting).soup.find("input", attrs={"name": "email"})["value"] == EMAIL
    # The account's owner at another address signs in at once.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert sign_in(owner).location == "/staff"
    assert get_user(app, user_id).last_sign_in_at is not None


def test_no_account_holds_a_lock(app):
    with app.app_context():
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("staff_user")}
    assert not columns & {"failed_attempts", "locked_until"}
    assert not hasattr(User, "is_locked")


# Sessions: idle expiry and rotation


def test_session_ends_after_the_idle_time(app, client):
    add_user(app)
    sign_in(client)
    idle = dt.timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])
    assert app.config["STAFF_IDLE_MINUTES"] == 30

    set_last_seen(app, utcnow() - idle + dt.timedelta(minutes=1))
    assert client.get("/staff").status_code == 200
    (row,) = staff_sessions(app)
    assert utcnow() - row.last_seen_at < dt.timedelta(minutes=1), "using a page keeps the session alive"

    set_last_seen(app, utcnow() - idle - dt.timedelta(seconds=1))
    response = client.get("/staff")
    assert response.status_code == 302
    assert staff_sessions(app) == []
    notice = Visitor(client).get(response.location).text()
    assert "You were signed out because you had not used the service for 30 minutes" in notice


def test_idle_minutes_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "10")
    assert load_config()["STAFF_IDLE_MINUTES"] == 10
    monkeypatch.setenv("STAFF_IDLE_MINUTES", "0")
    with pytest.raises(ConfigurationError, match="STAFF_IDLE_MINUTES"):
        load_config()


def test_signing_in_again_rotates_the_session_id(app, client):
    add_user(app)
    add_user(app, email="alex@trafford.example", roles=("analyst",))
    sign_in(client)
    first_cookie = session_cookie(client)
    with client.session_transaction() as flask_session:
        first_id = flask_session["staff_session"]

    assert sign_in(client, email="alex@trafford.example").location == "/staff/insight"
    with client.session_transaction() as flask_session:
        assert flask_session["staff_session"] != first_id
    assert len(staff_sessions(app)) == 1
    assert "Your roles: Analyst" in Visitor(client).get("/staff").text()
    # The cookie from before no longer signs anyone in.
    assert with_cookie(app, first_cookie).get("/staff").status_code == 302


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client):
    add_user(app)
    sign_in(client)
    copied = session_cookie(client)
    assert with_cookie(app, copied).get("/staff").status_code == 200
    token = Visitor(client).get("/staff").form_fields()["csrf_token"][0]
    client.post("/staff/sign-out", data={"csrf_token": token})
    assert with_cookie(app, copied).get("/staff").status_code == 302


def test_sign_out_needs_the_csrf_token(app, client):
    add_user(app)
    sign_in(client)
    assert client.post("/staff/sign-out").status_code == 400
    assert client.get("/staff").status_code == 200


# Rate limiting


def test_sign_in_attempts_are_rate_limited_per_address(client):
    # Another account each time: the limit counts every attempt from the address.
    for number in range(10):
        assert sign_in(client, email=f"nobody{number}@trafford.example").status_code == 200
    refused = sign_in(client, email="nobody@trafford.example")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60, "until the first of the ten leaves the minute"
    page = page_of(refused)
    assert page.title.startswith("Error: Sign in")
    shown = "1 minute" if wait == 60 else f"{wait} seconds"
    assert page.error_summary == [f"{TOO_MANY} Wait {shown}, then try again."]
    assert "Traceback" not in refused.get_data(as_text=True)
    assert refused.headers["Cache-Control"] == "no-store"
    # Reading the page is not limited, and another address is counted separately.
    assert client.get("/staff/sign-in").status_code == 200
    other = client.post(
        "/staff/sign-in",
        data={"email": "x@trafford.example", "password": "y"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other.status_code != 429


# Roles


@pytest.fixture
def guarded_app(app):
    """The app with two extra staff pages, one for analysts and one that forgot its policy."""

    @require_role("analyst")
    def only_analysts():
        return "analysts' page"

    @require_role()
    def whoami():
        return signed_in_staff().email

    def undeclared():
        return "nobody should see this"

    app.add_url_rule("/staff/only-analysts", "only_analysts", only_analysts)
    app.add_url_rule("/staff/undeclared", "undeclared", undeclared)
    app.add_url_rule("/staff/whoami", "whoami", whoami)
    return app


def test_wrong_role_gets_a_403_page(guarded_app):
    client = guarded_app.test_client()
    add_user(guarded_app, roles=("caseworker",))
    sign_in(client)
    response = client.get("/staff/only-analysts")
    assert response.status_code == 403
    page = page_of(response)
    assert page.heading == "You do not have access to this page"
    assert "Traceback" not in response.get_data(as_text=True)


def test_right_role_gets_the_page(guarded_app):
    client = guarded_app.test_client()
    add_user(guarded_app, roles=("analyst",))
    sign_in(client)
    assert client.get("/staff/only-analysts").get_data(as_text=True) == "analysts' page"


def test_signed_out_visitor_is_sent_to_sign_in_and_brought_back(guarded_app):
    client = guarded_app.test_client()
    add_user(guarded_app, roles=("analyst",))
    response = client.get("/staff/only-analysts?page=2")
    assert response.status_code == 302
    assert response.location == "/staff/sign-in?next=/staff/only-analysts?page%3D2"
    page = Visitor(client).get(response.location)
    data = page.form_fields()
    data.update({"email": [EMAIL], "password": [PASSWORD]})
    signed_in = client.post(page.form_action(), data=data)
    assert signed_in.location == "/staff/only-analysts?page=2"


def test_a_guarded_page_knows_who_is_signed_in(guarded_app):
    client = guarded_app.test_client()
    add_user(guarded_app, roles=("caseworker",))
    sign_in(client)
    assert client.get("/staff/whoami").get_data(as_text=True) == EMAIL


def test_asking_who_is_signed_in_where_nobody_can_be_is_a_fault(app):
    with app.test_request_context("/staff/unguarded"), pytest.raises(RuntimeError, match="require_role"):
        signed_in_staff()


def test_a_staff_route_without_a_declared_policy_is_refused_to_everyone(guarded_app):
    client = guarded_app.test_client()
    add_user(guarded_app, roles=("caseworker", "analyst", "admin"))
    assert client.get("/staff/undeclared").status_code == 403
    sign_in(client)
    assert client.get("/staff/undeclared").status_code == 403


def test_every_staff_route_declares_who_may_use_it(app):
    policies = staff_route_policies(app)
    assert [endpoint for endpoint, policy in policies.items() if policy is None] == []
    assert {endpoint for endpoint, policy in policies.items() if policy == "public"} == {
        "staff.sign_in",
        "staff.sign_out",
    }
    assert policies["staff.home"] == frozenset()


def test_unknown_roles_are_refused_when_declaring_a_policy():
    with pytest.raises(ValueError, match="unknown role"):
        require_role("superuser")


# No open redirect


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/staff",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/staff",
        "/surveys/community_confidence",
        "/staff\r\nLocation: https://evil.example",
        "staff",
    ],
)
def test_next_never_leaves_the_staff_area(app, client, target):
    from urllib.parse import quote

    add_user(app)
    response = sign_in(client, next_target=quote(target, safe=""))
    assert response.status_code == 302
    assert response.location == "/staff"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/staff", "/staff"),
        ("/staff/reports?status=new", "/staff/reports?status=new"),
        ("/staff?", "/staff"),
        ("/staffroom", None),
        ("/staff/../surveys", "/staff/../surveys"),  # still a path on this site; the server resolves it
        ("https://evil.example/staff", None),
        ("//evil.example/staff", None),
        ("/\\evil.example", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


# Passwords


def test_passwords_are_hashed_with_argon2id(app, client):
    user_id = add_user(app)
    stored = get_user(app, user_id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(app, client):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user_id = add_user(app)
    update_user(app, user_id, password_hash=weak)
    assert sign_in(client).location == "/staff"
    stored = get_user(app, user_id).password_hash
    assert stored != weak
    assert stored.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(stored)


def test_password_rules(app):
    with app.test_request_context():
        assert password_problems("short", EMAIL) == ["The password must be at least 12 characters long."]
        assert password_problems(EMAIL.upper(), EMAIL) == ["The password must not be the email address."]
        assert password_problems("x" * 300, EMAIL) == ["The password must be 256 characters or fewer."]
        assert password_problems(PASSWORD, EMAIL) == []


# The create-user command


FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def flask_command(args: list[str], database: str, stdin: str = "") -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("APP_ENV", "SECRET_KEY", "REPORT_ENCRYPTION_KEYS")
    }
    environment["DATABASE_URL"] = database
    return subprocess.run(
        [*FLASK, *args],
        cwd=PROJECT_ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli_database(tmp_path) -> str:
    database = f"sqlite:///{tmp_path}/staff.sqlite3"
    result = flask_command(["db", "upgrade"], database)
    assert result.returncode == 0, result.stderr
    return database


def test_create_user_from_stdin_and_sign_in(cli_database, tmp_path):
    result = flask_command(
        [
            "create-user",
            "Sam.Patel@Trafford.Example",
            "--name",
            "Sam Patel",
            "--role",
            "caseworker",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        cli_database,
        stdin=PASSWORD + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert "created staff account sam.patel@trafford.example" in result.stdout

    engine = sa.create_engine(cli_database)
    with engine.connect() as connection:
        email, roles, stored = connection.execute(
            sa.text("SELECT email, roles, password_hash FROM staff_user")
        ).one()
    engine.dispose()
    assert (email, roles) == (EMAIL, "analyst,caseworker")
    assert stored.startswith("$argon2id$")
    PasswordHasher().verify(stored, PASSWORD)

    again = flask_command(
        ["create-user", EMAIL, "--name", "Sam", "--role", "admin", "--password-stdin"],
        cli_database,
        stdin=PASSWORD + "\n",
    )
    assert again.returncode != 0
    assert f"there is already an account for {EMAIL}" in again.stderr


def test_create_user_asks_for_the_password_twice(cli_database):
    result = flask_command(
        ["create-user", EMAIL, "--name", "Sam", "--role", "admin"],
        cli_database,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Repeat the password" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["not-an-email", "--name", "Sam", "--role", "admin"], PASSWORD, "is not an email address"),
        ([EMAIL, "--name", "Sam", "--role", "boss"], PASSWORD, "unknown role 'boss'"),
        ([EMAIL, "--name", "Sam", "--role", "admin"], "too short", "at least 12 characters"),
        ([EMAIL, "--name", "Sam", "--role", "admin"], EMAIL.upper(), "must not be the email address"),
        ([EMAIL, "--name", "Sam"], PASSWORD, "Missing option '--role'"),
    ],
)
def test_create_user_refuses_bad_input(cli_database, args, password, message):
    result = flask_command(["create-user", *args, "--password-stdin"], cli_database, stdin=password + "\n")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
