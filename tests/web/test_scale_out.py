"""Two app instances sharing one PostgreSQL database and one Redis: the production layout.

A resident's requests, and a staff member's, may land on either instance at any moment (a load
balancer sends each request where it likes). Nothing a person does may depend on which one.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.conftest import make_app
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, START, question_id
from tests.web.test_staff_accounts import add_user, sign_in

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
    """A browser behind a load balancer: one cookie, each request to the next instance in turn."""

    def __init__(self, apps, address: str) -> None:
        self.clients = [app.test_client() for app in apps]
        self.turn = 0
        for client in self.clients:
            client.environ_base["REMOTE_ADDR"] = address

    def next(self):
        client = self.clients[self.turn % len(self.clients)]
        previous = self.clients[(self.turn - 1) % len(self.clients)]
        self.turn += 1
        cookie = previous.get_cookie("sts_session")
        if cookie is not None:
            client.set_cookie("sts_session", cookie.value)
        return client


def _address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


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
    add_user(instances[0])
    browser = Balancer(instances, _address())
    for _attempt in range(10):
        assert sign_in(browser.next(), password="not the password").status_code == 200
    # The eleventh wrong attempt is refused, on whichever instance it lands.
    assert sign_in(browser.next(), password="not the password").status_code == 429
    assert sign_in(browser.next(), password="not the password").status_code == 429


def test_a_staff_member_signed_in_on_one_instance_is_signed_in_on_the_other(instances):
    add_user(instances[0])
    browser = Balancer(instances, _address())
    assert sign_in(browser.next()).status_code == 302
    for _request in range(2):
        home = browser.next().get("/staff")
        assert home.status_code == 200
        assert "Sam Patel" in home.get_data(as_text=True)
