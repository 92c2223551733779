"""Two app instances sharing one PostgreSQL database and one Redis: the production layout.

A resident's requests, and a staff member's, may land on either instance at any moment (a load
balancer sends each request where it likes). Nothing a person does may depend on which one.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from survey_app.staff.throttle import DEVICE_COOKIE
from tests.conftest import make_app
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, START, question_id
from tests.web.test_staff_accounts import PASSWORD, add_user, sign_in

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or not _redis_up(),
    reason="needs PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL or 127.0.0.1:6379)",
)


@pytest.fixture
def instances(request):
    """Two apps on the same PostgreSQL schema and the same Redis counts."""
    from tests.conftest import _empty_tables, _postgresql_url

    url = _postgresql_url(request.getfixturevalue("postgresql_schema"))
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "STAFF_SIGN_IN_RATE_LIMIT": "10 per minute"}
    first, second = make_app(url, **settings), make_app(url, **settings)
    yield first, second
    _empty_tables(first)


class Balancer:
    """A browser behind a load balancer: one set of cookies, each request to the next instance in turn."""

    def __init__(self, apps, address: str) -> None:
        self.clients = [app.test_client() for app in apps]
        self.turn = 0
        for client in self.clients:
            client.environ_base["REMOTE_ADDR"] = address

    def next(self):
        client = self.clients[self.turn % len(self.clients)]
        previous = self.clients[(self.turn - 1) % len(self.clients)]
        self.turn += 1
        for name, path in (("sts_session", "/"), (DEVICE_COOKIE, "/staff/sign-in")):
            cookie = previous.get_cookie(name, path=path)
            if cookie is not None:
                client.set_cookie(name, cookie.value, path=path)
        return client


def _address() -> str:
    # An IPv6 network of its own for each test: the counts in Redis outlive a test run, and other
    # runs may be counting in the same Redis at the same time.
    network = uuid.uuid4().hex
    return f"2001:db8:{network[:4]}:{network[4:8]}::1"


def _email() -> str:
    return f"sam.{uuid.uuid4().hex[:12]}@trafford.example"


def test_a_survey_begun_on_one_instance_is_finished_on_the_other(instances):
    browser = Balancer(instances, _address())
    page = Visitor(browser.next()).get(START)
    page = Visitor(browser.next()).submit(page)
    answered = []
    while "/questions/" in page.url:
        qid = question_id(page)
        answered.append(qid)
        page = Visitor(browser.next()).submit(page, {qid: ANSWERS[qid]})
        assert page.status == 200
    # Every answer given on either instance is on the check page, whichever instance shows it.
    check = Visitor(browser.next()).get(f"{START}/check-answers")
    assert check.status == 200 and "/check-answers" in check.url
    confirmation = Visitor(browser.next()).submit(check)
    assert "/confirmation" in confirmation.url
    reference = confirmation.soup.select_one("#reference").get_text()
    again = Visitor(browser.next()).get(f"{START}/confirmation")
    assert again.soup.select_one("#reference").get_text() == reference
    assert len(answered) >= 10


def test_sign_in_attempts_are_counted_across_instances(instances):
    browser = Balancer(instances, _address())
    # Another account each time: only the attempts from the address are counted here.
    for _attempt in range(10):
        assert sign_in(browser.next(), email=_email(), password="not the password").status_code == 200
    # The eleventh attempt is refused, on whichever instance it lands.
    assert sign_in(browser.next(), email=_email(), password="not the password").status_code == 429
    assert sign_in(browser.next(), email=_email(), password="not the password").status_code == 429


def test_failures_on_either_instance_add_up_and_never_stop_the_owner_elsewhere(instances):
    email = _email()
    add_user(instances[0], email=email)
    attacker = Balancer(instances, _address())
    for _attempt in range(5):
        assert sign_in(attacker.next(), email=email, password="not the password").status_code == 200
    for _instance in instances:
        refused = sign_in(attacker.next(), email=email, password=PASSWORD)
        assert refused.status_code == 429
        assert 29 <= int(refused.headers["Retry-After"]) <= 30
    owner = Balancer(instances, _address())
    assert sign_in(owner.next(), email=email).location == "/staff"


def test_a_browser_remembered_by_one_instance_is_remembered_by_the_other(instances):
    email = _email()
    add_user(instances[0], email=email)
    office = _address()
    owner = Balancer(instances, office)
    assert sign_in(owner.next(), email=email).location == "/staff"
    attacker = Balancer(instances, office)
    for _attempt in range(12):
        sign_in(attacker.next(), email=email, password="not the password")
    assert sign_in(attacker.next(), email=email).status_code == 429
    assert sign_in(owner.next(), email=email).location == "/staff"


def test_a_staff_member_signed_in_on_one_instance_is_signed_in_on_the_other(instances):
    add_user(instances[0])
    browser = Balancer(instances, _address())
    assert sign_in(browser.next()).status_code == 302
    for _request in range(2):
        home = browser.next().get("/staff")
        assert home.status_code == 200
        assert "Sam Patel" in home.get_data(as_text=True)


def test_a_questionnaire_published_on_one_instance_is_served_by_the_other(instances, monkeypatch):
    from survey_app import registry
    from tests.xlsform.helpers import FIXTURES

    first, second = instances
    # The other instance looks again after REFRESH_SECONDS; here at once.
    monkeypatch.setattr(registry, "REFRESH_SECONDS", 0.0)
    assert second.test_client().get("/surveys/sale_pulse").status_code == 404
    result = first.test_cli_runner().invoke(
        args=["questionnaires", "import", str(FIXTURES / "sale_pulse.xlsx"), "--publish"]
    )
    assert result.exit_code == 0, result.output
    page = Visitor(second.test_client()).get("/surveys/sale_pulse?lang=ur")
    assert page.status == 200 and page.soup.find("html")["lang"] == "ur"
