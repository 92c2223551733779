"""A flood of reports is held apart from the queue; a real report is never turned away."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.reports.models import Report
from tests.conftest import _empty_tables as empty_tables
from tests.conftest import make_app
from tests.pages import Visitor
from tests.web.test_kiosk import start_report_at_kiosk
from tests.web.test_reports import HATE, HATE_ANSWERS, begin, fill

QUICK = {**HATE_ANSWERS, "contact": "anonymous"}


def send_report(visitor: Visitor, answers: dict = QUICK, at_kiosk: bool = False) -> str:
    start = start_report_at_kiosk(visitor) if at_kiosk else begin(visitor, HATE)
    confirmation = visitor.submit(fill(visitor, start, answers))
    assert confirmation.heading == "Report sent", "a report over a limit is still taken"
    return confirmation.soup.find(id="reference").get_text(strip=True)


def stored(app) -> dict[str, tuple[bool, str | None]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Report.reference, Report.held, Report.held_reason)).all()
    return {reference: (held, reason) for reference, held, reason in rows}


@pytest.fixture
def small_limits(database_url):
    app = make_app(
        database_url,
        REPORT_LIMIT_PER_SESSION="2 per hour",
        REPORT_LIMIT_PER_CLIENT="3 per hour",
        REPORT_LIMIT_PER_CENTRE="2 per hour",
    )
    yield app
    empty_tables(app)


def test_one_browser_sending_report_after_report_has_the_extra_ones_held(small_limits):
    visitor = Visitor(small_limits.test_client())
    references = [send_report(visitor) for _ in range(4)]
    rows = stored(small_limits)
    expected = [(False, None), (False, None), (True, "session"), (True, "session")]
    assert [rows[r] for r in references] == expected


def test_many_browsers_from_one_address_have_the_extra_ones_held(small_limits):
    references = [send_report(Visitor(small_limits.test_client())) for _ in range(4)]
    rows = stored(small_limits)
    assert [rows[r][0] for r in references] == [False, False, False, True]
    assert rows[references[-1]][1] == "client"
    # Another address is not held for it.
    other = Visitor(small_limits.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    elsewhere = send_report(other)
    assert stored(small_limits)[elsewhere] == (False, None)


def test_a_centre_is_limited_as_a_centre_not_by_its_shared_address(small_limits):
    references = [send_report(Visitor(small_limits.test_client()), at_kiosk=True) for _ in range(3)]
    rows = stored(small_limits)
    assert [rows[r] for r in references] == [(False, None), (False, None), (True, "centre")]
    # The same address, not at the kiosk, has not used up its own limit.
    online = send_report(Visitor(small_limits.test_client()))
    assert stored(small_limits)[online] == (False, None)


def test_the_risk_cues_the_answers_show_are_kept_readable_without_the_answers(app, client):
    answers = {**QUICK, "ongoing": "yes", "injured": "yes", "age_band": "under_16"}
    reference = send_report(Visitor(client), answers)
    quiet = send_report(Visitor(app.test_client()), {**QUICK, "ongoing": "dont_know", "injured": "no"})
    with app.app_context():
        cues = dict(db.session.execute(sa.select(Report.reference, Report.risk_cues)).all())
        facts = db.session.scalar(sa.select(Report.facts).where(Report.reference == reference))
    assert cues[reference] == ["ongoing", "injured", "age_band"]
    assert cues[quiet] == []
    assert "age_band" not in facts, "the cue is kept, not the age band"


def test_addresses_in_one_ipv6_64_count_as_one_client(small_limits):
    references = []
    for host in range(4):
        visitor = Visitor(small_limits.test_client())
        visitor.client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{host + 1}"
        references.append(send_report(visitor))
    rows = stored(small_limits)
    assert [rows[r] for r in references][-1] == (True, "client")
