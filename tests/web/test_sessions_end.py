"""Quick exit and a kiosk reset end everything the browser began: answers, staff sessions, language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.staff.models import StaffSession
from tests.pages import Visitor
from tests.web.test_staff_accounts import add_user, sign_in

KIOSK = "/kiosk/partington"


def staff_sessions(app) -> int:
    with app.app_context():
        return len(db.session.scalars(sa.select(StaffSession)).all())


def reset_kiosk(client) -> None:
    page = Visitor(client).get(KIOSK)
    form = page.soup.select_one("#kiosk-reset")
    response = client.post(form["action"], data={"csrf_token": form.find("input")["value"]})
    assert response.status_code == 302 and response.location == KIOSK


@pytest.mark.parametrize("leave", ["exit", "kiosk reset"])
def test_leaving_ends_a_staff_session_on_the_server_too(app, client, leave):
    add_user(app)
    if leave == "kiosk reset":
        client.get(KIOSK)
    assert sign_in(client).status_code == 302
    assert client.get("/staff/reports").status_code == 200
    assert staff_sessions(app) == 1
    with client.session_transaction() as session:
        copied = client.get_cookie("sts_session").value
        assert session.get("staff_session")

    if leave == "exit":
        assert client.get("/exit").status_code == 302
    else:
        reset_kiosk(client)

    assert staff_sessions(app) == 0
    assert client.get("/staff/reports").status_code == 302
    # A copy of the cookie taken before leaving no longer signs anyone in.
    other = app.test_client()
    other.set_cookie("sts_session", copied)
    assert other.get("/staff/reports").status_code == 302


def test_a_kiosk_reset_forgets_the_language_for_the_next_person(client):
    chosen = Visitor(client).get(f"{KIOSK}?lang=ur")
    assert chosen.soup.html["lang"] == "ur"
    assert client.get_cookie("sts_lang").value == "ur"
    reset_kiosk(client)
    assert client.get_cookie("sts_lang") is None
    following = Visitor(client).get(KIOSK)
    assert following.soup.html["lang"] == "en"


def test_exit_on_a_kiosk_forgets_the_language(client):
    Visitor(client).get(f"{KIOSK}?lang=pl")
    assert client.get("/exit").location == KIOSK
    assert client.get_cookie("sts_lang") is None
    assert Visitor(client).get(KIOSK).soup.html["lang"] == "en"


def test_exit_leaves_at_once_even_when_the_database_cannot_be_reached(app, client, monkeypatch):
    import sqlalchemy.exc

    from survey_app.survey import store

    visitor = Visitor(client)
    page = visitor.submit(visitor.get("/forms/support"))
    visitor.submit(page, {"safe_now": "yes"})
    assert client.get_cookie("sts_form") is not None

    def unreachable(*_args, **_kwargs):
        raise sqlalchemy.exc.OperationalError("DELETE", {}, Exception("server closed the connection"))

    monkeypatch.setattr(store, "forget", unreachable)
    response = client.get("/exit")
    assert response.status_code == 302 and response.location == app.config["EXIT_URL"]
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert client.get_cookie("sts_form") is None
