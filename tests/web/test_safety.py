"""The safety baseline: CSRF, headers, cookies, size limits and error pages."""

from __future__ import annotations

import stat

import sqlalchemy as sa

from survey_app.database import dispose_engines
from survey_app.models import Response
from tests.conftest import make_app
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, answer_all, begin

START = "/surveys/community_confidence"


def test_every_page_sends_a_strict_policy_and_no_store(client):
    for url in ("/", START, "/no-such-page"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "default-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_each_protective_header_is_sent_once_and_hsts_only_over_https(client):
    plain = client.get(START)
    secure = client.get(START, base_url="https://localhost")
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    for response in (plain, secure):
        names = [name.lower() for name, _value in response.headers.items()]
        assert len(names) == len(set(names) - {"set-cookie"}) + names.count("set-cookie")
        assert response.headers["Vary"] == "Cookie"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_a_page_that_sets_its_own_header_keeps_it(app):
    @app.get("/test-own-header")
    def own_header():
        return "ok", 200, {"Referrer-Policy": "same-origin"}

    response = app.test_client().get("/test-own-header")
    assert response.headers.getlist("Referrer-Policy") == ["same-origin"]
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_pages_have_no_inline_script(client):
    visitor = Visitor(client)
    page = begin(visitor)
    for script in page.soup.find_all("script"):
        assert script.get("src"), "inline script would be blocked by the policy"
        assert not script.get_text(strip=True)


def test_session_cookie_is_http_only_and_same_site(client):
    begin(Visitor(client))
    cookie = client.get_cookie("sts_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_production_cookie_is_secure(database_url, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-of-sufficient-length-42")
    monkeypatch.setenv("REPORT_ENCRYPTION_KEYS", "x9kOUqGKmy1Z8dB2Jv7i3u7fBqgq2Tq0V3uZt1Ww1xE=")
    app = make_app(database_url)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_post_without_csrf_token_is_refused_with_a_clear_page(app, client):
    visitor = Visitor(client)
    first = begin(visitor)
    response = client.post(first.url, data={"police_rating": "good"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "This page has expired" in text
    assert "Traceback" not in text
    again = visitor.get(first.url)
    assert again.form_fields().get("police_rating") is None


def test_post_with_a_wrong_csrf_token_is_refused(client):
    visitor = Visitor(client)
    first = begin(visitor)
    response = client.post(first.url, data={"police_rating": "good", "csrf_token": "forged"})
    assert response.status_code == 400


def test_oversized_request_gets_413_page(client):
    visitor = Visitor(client)
    first = begin(visitor)
    data = first.form_fields()
    data["police_rating"] = ["x" * (300 * 1024)]
    response = client.post(first.url, data=data)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_error_pages_are_in_the_service_style(client):
    missing = client.get("/surveys/no_such_survey")
    assert missing.status_code == 404
    assert "Page not found" in missing.get_data(as_text=True)
    assert client.get(f"{START}/questions/no_such_question").status_code in (302, 404)
    wrong_method = client.delete(START)
    assert wrong_method.status_code == 405
    assert "Safer Trafford Surveys" in wrong_method.get_data(as_text=True)


def test_unexpected_fault_shows_500_page_without_trace(app, client, monkeypatch):
    from survey_app.survey import routes

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(routes, "path", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    visitor = Visitor(client)
    start = visitor.get(START)
    response = client.post(start.form_action(), data=start.form_fields(), follow_redirects=True)
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in text
    assert "secret internal detail" not in text and "Traceback" not in text


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def _app_without_database():
    from survey_app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/dir/db.sqlite3",
            "SECRET_KEY": "x" * 40,
            "TESTING": True,
        }
    )


def test_healthz_is_503_when_the_database_is_down():
    response = _app_without_database().test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}


def test_database_down_mid_survey_gives_try_again_page():
    client = _app_without_database().test_client()
    start = Visitor(client).get(START)
    response = client.post(start.form_action(), data=start.form_fields())
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True)


def test_answers_never_appear_in_urls(app, client):
    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    for link in check.soup.find_all("a"):
        assert "good" not in link["href"] and "altrincham" not in link["href"]
    with app.app_context():
        from survey_app.extensions import db

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_static_files_are_versioned_and_cached_for_a_year(client):
    page = Visitor(client).get(START)
    stylesheet = page.soup.find("link", rel="stylesheet")["href"]
    assert "?v=" in stylesheet
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    unversioned = client.get(stylesheet.split("?")[0])
    assert "immutable" not in unversioned.headers.get("Cache-Control", "")


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(database_url):
    from flask import request

    app = make_app(database_url, TRUSTED_PROXY_COUNT=1)
    seen = {}

    @app.get("/_address")
    def address():
        seen["remote"] = request.remote_addr
        return "ok"

    app.test_client().get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert seen["remote"] == "203.0.113.9"
    direct = make_app(database_url)
    direct.add_url_rule("/_address", view_func=address)
    direct.test_client().get(
        "/_address", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert seen["remote"] == "10.0.0.2"


def test_a_new_sqlite_database_and_its_journal_are_readable_by_their_owner_alone(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'surveys.sqlite3'}")
    visitor = Visitor(app.test_client())
    begin(visitor)
    files = sorted(tmp_path.glob("surveys.sqlite3*"))
    assert {"surveys.sqlite3", "surveys.sqlite3-wal"} <= {f.name for f in files}
    assert {f.name: stat.S_IMODE(f.stat().st_mode) & 0o077 for f in files} == {f.name: 0 for f in files}
    dispose_engines(app)


def test_a_form_part_without_a_name_is_refused_not_a_server_error(client):
    # Found by the hostile suite: the CSRF check itself failed on a multipart part with no name.
    for disposition in ("form-data", 'form-data; filename="a.txt"'):
        body = f"--B\r\nContent-Disposition: {disposition}\r\n\r\nvalue\r\n--B--\r\n".encode()
        response = client.post(f"{START}/start", data=body, content_type="multipart/form-data; boundary=B")
        assert response.status_code == 400
        assert "Sorry, that did not work" in response.get_data(as_text=True)
