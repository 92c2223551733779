"""Reports held apart as a possible flood: kept out of the queue and the counts until a caseworker
releases or discards them, in bulk and audited; administrators are alerted. And the risk cues."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.reports.models import Report
from tests.pages import Page
from tests.web.test_triage import (
    ADMIN,
    ANALYST,
    CASEWORKER,
    add_report,
    audit_events,
    csrf_token,
    get,
    queue_references,
    staff_client,
)


def hold(app, *references: str, reason: str = "client") -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Report).where(Report.reference.in_(references)).values(held=True, held_reason=reason)
        )
        db.session.commit()


def report(app, reference: str) -> Report:
    with app.app_context():
        found = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        db.session.expunge(found)
        return found


def held_references(page: Page) -> list[str]:
    table = page.soup.find(id="held-reports")
    return [a.get_text(strip=True) for a in table.select("tbody a")] if table else []


def decide(client, page: Page, decision: str, references=(), scope: str = "selected") -> Page:
    data = {
        "csrf_token": csrf_token(page),
        "decision": decision,
        "scope": scope,
        "reference": list(references),
    }
    response = client.post("/staff/reports/held", data=data)
    return Page("/staff/reports/held", response)


def test_held_reports_wait_apart_and_are_released_or_discarded_in_bulk(app):
    real = add_report(app, answers={"description": "Someone real"})
    flood = [add_report(app, answers={"description": f"junk {n}"}) for n in range(3)]
    hold(app, real, *flood)
    kept = add_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")

    queue = get(client, "/staff/reports")
    assert queue_references(queue) == [kept]
    banner = queue.soup.find(id="held-alert")
    assert "4 reports are held apart as a possible flood" in banner.get_text(" ", strip=True)
    held = get(client, banner.find("a")["href"])
    assert held_references(held) == [real, *flood]
    assert "Many reports from one address" in held.text()

    released = decide(client, held, "release", [real])
    assert released.status == 303
    page = get(client, released.response.location)
    assert "Reports released into the queue: 1" in page.text()
    assert set(queue_references(get(client, "/staff/reports"))) == {kept, real}

    # Discarding asks first, then deletes the answers at once.
    asked = decide(client, page, "discard", flood[:2])
    assert asked.status == 200 and asked.heading == "Discard 2 held reports?"
    assert report(app, flood[0]).held
    confirmed = client.post(
        "/staff/reports/held",
        data={
            "csrf_token": csrf_token(asked),
            "decision": "discard",
            "confirm": "yes",
            "reference": flood[:2],
        },
    )
    assert confirmed.status_code == 303
    for reference in flood[:2]:
        gone = report(app, reference)
        assert (gone.held, gone.status, gone.answers) == (False, "discarded", {})
        assert gone.purged_at is not None
    assert held_references(get(client, "/staff/reports/held")) == [flood[2]]
    actions = [(event.action, event.report_id is not None) for event in audit_events(app)]
    assert actions.count(("release_report", True)) == 1
    assert actions.count(("discard_report", True)) == 2


def test_every_held_report_at_once_means_those_the_caseworker_was_shown(app):
    flood = [add_report(app) for _ in range(3)]
    hold(app, *flood, reason="session")
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, "/staff/reports/held")
    later = add_report(app)
    hold(app, later)
    shown = {field["name"]: field["value"] for field in page.soup.select("main form input[type=hidden]")}
    asked = Page(
        "/staff/reports/held",
        client.post("/staff/reports/held", data={**shown, "decision": "discard", "scope": "all"}),
    )
    assert asked.heading == "Discard 3 held reports?"
    form = {field["name"]: field.get("value") for field in asked.soup.select("main form input[type=hidden]")}
    assert client.post("/staff/reports/held", data=form).status_code == 303
    assert [report(app, r).status for r in flood] == ["discarded"] * 3
    assert report(app, later).held, "a report held after the question was asked waits for its own decision"


def test_a_decision_needs_a_choice_and_a_report(app):
    flood = add_report(app)
    hold(app, flood)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, "/staff/reports/held")
    assert decide(client, page, "release").status == 400
    assert "Select at least one report" in decide(client, page, "release").text()
    assert decide(client, page, "burn", [flood]).status == 400
    assert decide(client, page, "release", ["R-AAAA-BBBB-CC"]).status == 400
    assert report(app, flood).held


def test_held_and_discarded_reports_are_left_out_of_the_counts(app):
    counted = add_report(app, facts={"abuse_kinds": ["physical"]})
    held = add_report(app, facts={"abuse_kinds": ["physical"]})
    hold(app, held)
    client = staff_client(app, ANALYST, "analyst")
    page = get(client, "/staff/counts")
    assert page.soup.find(id="total").get_text(strip=True) == "1"
    assert "Not counted: 1 report held or discarded as a possible flood." in page.text()
    assert counted


def test_administrators_and_caseworkers_are_alerted_analysts_are_not(app):
    hold(app, add_report(app))
    admin = get(staff_client(app, ADMIN, "admin"), "/staff")
    assert "1 report is held apart as a possible flood" in admin.text()
    assert admin.soup.select_one("#held-alert a") is None, "only a caseworker can act on it"
    caseworker = get(staff_client(app, CASEWORKER, "caseworker"), "/staff")
    assert caseworker.soup.select_one("#held-alert a")["href"] == "/staff/reports/held"
    analyst = get(staff_client(app, ANALYST, "analyst"), "/staff")
    assert analyst.soup.find(id="held-alert") is None


def test_the_queue_and_the_report_show_risk_cues_at_a_glance(app):
    cued = add_report(app, "hate_crime_report", answers={"description": "x"})
    plain = add_report(app)
    with app.app_context():
        db.session.execute(
            sa.update(Report)
            .where(Report.reference == cued)
            .values(risk_cues=["ongoing", "injured", "age_band"])
        )
        db.session.commit()
    client = staff_client(app, CASEWORKER, "caseworker")
    rows = {
        row.select_one("a").get_text(strip=True): [tag.get_text(strip=True) for tag in row.select(".app-cue")]
        for row in get(client, "/staff/reports").soup.select("#reports tbody tr")
    }
    assert rows == {cued: ["Still happening", "Injured", "Under 16"], plain: []}
    page = get(client, f"/staff/reports/{cued}")
    assert [tag.get_text(strip=True) for tag in page.soup.select("#cues .app-cue")] == [
        "Still happening",
        "Injured",
        "Under 16",
    ]


def test_discarded_is_not_a_status_a_caseworker_can_set_by_hand(app):
    reference = add_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, f"/staff/reports/{reference}")
    offered = [option["value"] for option in page.soup.select("select#status option, input[name=status]")]
    assert offered and "discarded" not in offered
    response = client.post(
        f"/staff/reports/{reference}/status", data={"csrf_token": csrf_token(page), "status": "discarded"}
    )
    assert response.status_code == 400 and report(app, reference).status == "new"


def test_the_board_pack_counts_only_the_reports_that_count(app):
    from survey_app.insight.boardpack import quarter_bounds
    from survey_app.triage.views import report_counts

    counted = add_report(app, centre="partington")
    held = add_report(app, centre="partington")
    discarded = add_report(app, centre="partington", status="discarded")
    hold(app, held)
    today = dt.date.today()
    with app.test_request_context():
        everything = report_counts()
        start, end = quarter_bounds(f"{today.year}Q{(today.month - 1) // 3 + 1}")
        in_quarter = report_counts(Report.submitted_at >= start, Report.submitted_at < end)
    assert counted and discarded
    assert (everything.total, in_quarter.total) == (1, 1)


def test_a_discarded_flood_stays_out_of_the_queue_and_cannot_be_brought_back(app):
    kept = add_report(app)
    junk = add_report(app, answers={"description": "junk"})
    hold(app, junk)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, "/staff/reports/held")
    asked = decide(client, page, "discard", [junk])
    client.post(
        "/staff/reports/held",
        data={"csrf_token": csrf_token(asked), "decision": "discard", "confirm": "yes", "reference": [junk]},
    )
    assert queue_references(get(client, "/staff/reports")) == [kept]
    assert queue_references(get(client, "/staff/reports?status=discarded")) == [junk]
    shown = get(client, f"/staff/reports/{junk}")
    assert "discarded as a flood" in shown.soup.find(id="purged").get_text()
    assert shown.soup.select_one("select#status") is None
    refused = client.post(
        f"/staff/reports/{junk}/status", data={"csrf_token": csrf_token(shown), "status": "new"}
    )
    assert refused.status_code == 400 and report(app, junk).status == "discarded"


def test_every_held_report_needs_the_page_it_was_shown_on(app):
    flood = add_report(app)
    hold(app, flood)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, "/staff/reports/held")
    bare = client.post(
        "/staff/reports/held", data={"csrf_token": csrf_token(page), "decision": "release", "scope": "all"}
    )
    assert bare.status_code == 400 and report(app, flood).held
    later = add_report(app)
    hold(app, later)
    form = {field["name"]: field["value"] for field in page.soup.select("main form input[type=hidden]")}
    released = client.post("/staff/reports/held", data={**form, "decision": "release", "scope": "all"})
    assert released.status_code == 303
    assert (report(app, flood).held, report(app, later).held) == (False, True)


def test_a_report_decided_by_another_caseworker_is_not_decided_again(app):
    flood = add_report(app)
    hold(app, flood)
    first = staff_client(app, CASEWORKER, "caseworker")
    second = staff_client(app, ADMIN, "caseworker")
    page_one, page_two = get(first, "/staff/reports/held"), get(second, "/staff/reports/held")
    assert decide(first, page_one, "release", [flood]).status == 303
    late = second.post(
        "/staff/reports/held",
        data={
            "csrf_token": csrf_token(page_two),
            "decision": "discard",
            "confirm": "yes",
            "reference": [flood],
        },
    )
    assert late.status_code == 400, "nothing held is left to discard"
    assert report(app, flood).status == "new" and report(app, flood).answers
    assert [e.action for e in audit_events(app) if e.action.endswith("_report")] == ["release_report"]
