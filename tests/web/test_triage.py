"""Triage: the caseworkers' queue, a report and its audit trail, notes, referrals, counts, retention."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from survey_app.audit import AuditEvent
from survey_app.columns import utcnow
from survey_app.config import ConfigurationError, load_config
from survey_app.extensions import db
from survey_app.registry import get_published
from survey_app.reports.models import Report
from survey_app.spreadsheets import neutralise
from survey_app.survey.store import new_report_reference, snapshot_for
from survey_app.triage.models import ReportNote
from tests.pages import Page, Visitor
from tests.web.test_reports import HATE, HATE_ANSWERS, SECRET_STORY, begin, fill
from tests.web.test_staff_accounts import PASSWORD, add_user, sign_in

CASEWORKER = "casey.worker@trafford.example"
ANALYST = "ana.lyst@trafford.example"
ADMIN = "addie.min@trafford.example"
SECRET_NOTE = "Phoned back on Thursday; Wobblefritz says the neighbour keeps watching"


def record_referral(
    app, client, reference: str, destination: str = "police", shared=("what_happened",)
) -> str:
    """Record a referral the report's consent allows (HATE_ANSWERS agree to tell the police what
    happened); the address of its printable export."""
    token = csrf_token(get(client, f"/staff/reports/{reference}"))
    today = dt.date.today()
    response = client.post(
        f"/staff/reports/{reference}/referrals",
        data={
            "csrf_token": token,
            "destination": destination,
            "shared": list(shared),
            "referred_on-day": str(today.day),
            "referred_on-month": str(today.month),
            "referred_on-year": str(today.year),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    from survey_app.reports.sharing import Referral

    with app.app_context():
        referral_id = db.session.scalar(sa.select(sa.func.max(Referral.id)))
    return f"/staff/reports/{reference}/referrals/{referral_id}"


def add_referral(app, reference: str, destination: str = "police") -> int:
    """A referral of what happened, stored directly; its id."""
    from survey_app.reports.sharing import Referral

    with app.app_context():
        report_id = db.session.scalar(sa.select(Report.id).where(Report.reference == reference))
        referral = Referral(
            report_id=report_id,
            destination=destination,
            referred_on=dt.date(2026, 11, 25),
            shared=["what_happened"],
        )
        db.session.add(referral)
        db.session.commit()
        return referral.id


def submit_hate_report(app, **answers) -> str:
    """A hate crime report sent through the resident's pages; its reference."""
    visitor = Visitor(app.test_client())
    confirmation = visitor.submit(fill(visitor, begin(visitor, HATE), {**HATE_ANSWERS, **answers}))
    return confirmation.soup.find(id="reference").get_text(strip=True)


def add_report(
    app,
    questionnaire_id: str = "domestic_abuse_report",
    *,
    answers=None,
    facts=None,
    centre=None,
    status: str = "new",
    submitted_at=None,
    closed_at=None,
) -> str:
    with app.app_context():
        published = get_published(questionnaire_id)
        snapshot = snapshot_for(published)
        report = Report(
            reference=new_report_reference(),
            questionnaire_version_id=snapshot.id,
            questionnaire_id=questionnaire_id,
            questionnaire_version=published.questionnaire.version,
            language="en",
            answers=answers if answers is not None else {"description": "A private story"},
            facts=facts or {},
            centre=centre,
            status=status,
            submitted_at=submitted_at or utcnow(),
            closed_at=closed_at,
        )
        db.session.add(report)
        db.session.commit()
        return report.reference


def staff_client(app, email: str, *roles: str):
    add_user(app, email=email, roles=roles)
    client = app.test_client()
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def audit_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        for event in events:
            db.session.expunge(event)
        return list(events)


def report_id(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Report.id).where(Report.reference == reference))


def get(client, url: str) -> Page:
    return Page(url, client.get(url))


def queue_references(page: Page) -> list[str]:
    table = page.soup.find(id="reports")
    return [a.get_text(strip=True) for a in table.select("tbody a")] if table else []


def csrf_token(page: Page) -> str:
    return page.soup.find("input", attrs={"name": "csrf_token"})["value"]


# The queue


def test_caseworker_sees_the_queue_newest_first_and_filters_work(app):
    now = utcnow()
    hate = submit_hate_report(app)
    abuse = add_report(
        app,
        facts={"abuse_kinds": ["physical"]},
        centre="partington",
        submitted_at=now - dt.timedelta(days=40),
    )
    closed = add_report(
        app,
        status="closed",
        submitted_at=now - dt.timedelta(days=400),
        closed_at=now - dt.timedelta(days=399),
    )
    client = staff_client(app, CASEWORKER, "caseworker")

    page = get(client, "/staff/reports")
    assert page.status == 200
    assert queue_references(page) == [hate, abuse, closed]
    text = page.text()
    assert "Report a hate crime or hate incident" in text and "Get help with domestic abuse" in text
    assert "Partington Library and Wellbeing Centre" in text
    # The queue shows facts only, and reading it is not an audited look at a report.
    assert SECRET_STORY not in page.response.get_data(as_text=True)
    assert audit_events(app) == []

    assert queue_references(get(client, "/staff/reports?form=hate_crime_report")) == [hate]
    assert queue_references(get(client, "/staff/reports?status=closed")) == [closed]
    assert queue_references(get(client, "/staff/reports?centre=partington")) == [abuse]
    assert queue_references(get(client, "/staff/reports?centre=online")) == [hate, closed]
    day = (now - dt.timedelta(days=40)).date().isoformat()
    assert queue_references(get(client, f"/staff/reports?from={day}&to={day}")) == [abuse]
    since = (now - dt.timedelta(days=41)).date().isoformat()
    assert queue_references(get(client, f"/staff/reports?from={since}")) == [hate, abuse]
    assert queue_references(get(client, "/staff/reports?form=domestic_abuse_report&status=new")) == [abuse]


def test_the_queue_is_paginated(app):
    for _ in range(52):
        add_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    first = get(client, "/staff/reports")
    assert len(queue_references(first)) == 50
    assert "52 reports" in first.text() and "Page 1 of 2" in first.text()
    second = get(client, first.soup.find("a", rel="next")["href"])
    assert len(queue_references(second)) == 2
    assert not set(queue_references(first)) & set(queue_references(second))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("form=nonsense", "Select a form from the list"),
        ("status=lost", "Select a status from the list"),
        ("centre=atlantis", "Select a reporting centre from the list"),
        ("from=2026-13-45", "Enter the start date as a real date"),
        ("to=yesterday", "Enter the end date as a real date"),
        ("from=2026-02-01&to=2026-01-01", "The end date must be the same as or after the start date"),
        ("page=abc", "The page number must be a whole number"),
        ("page=0", "The page number must be a whole number"),
        ("page=99999999999999999999", "The page number must be a whole number"),
        ("from=%00%27%3B--", "Enter the start date as a real date"),
    ],
)
def test_bad_queue_filters_get_a_clear_message_not_an_error(app, query, message):
    add_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, f"/staff/reports?{query}")
    assert page.status == 400
    assert any(item.startswith(message) for item in page.error_summary), page.error_summary
    assert page.title.startswith("Error:")


# One report


def test_opening_a_report_writes_one_audit_record_per_view(app):
    reference = submit_hate_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, f"/staff/reports/{reference}")
    assert page.status == 200
    # Every answer, labelled through the questionnaire.
    assert page.soup.find(id="answer-description").get_text(strip=True) == SECRET_STORY
    answers = page.soup.find(id="answers").get_text(" ", strip=True)
    assert "What happened" in answers and "Verbal abuse or insults" in answers and "Threats" in answers
    assert "Religion or belief" in answers and "WA14 1EW" in answers and "March 2025" in answers
    assert page.soup.find(id="report-status").get_text(strip=True) == "New"

    [event] = audit_events(app)
    assert event.action == "view_report"
    assert event.report_id == report_id(app, reference)
    assert event.ip == "127.0.0.1"
    assert abs(event.at - utcnow()) < dt.timedelta(minutes=1)
    with app.app_context():
        from survey_app.staff.models import User

        user = db.session.scalar(sa.select(User).where(User.email == CASEWORKER))
        assert event.user_id == user.id
    assert SECRET_STORY not in str(event.detail)

    get(client, f"/staff/reports/{reference}")
    assert [e.action for e in audit_events(app)] == ["view_report", "view_report"]


def test_an_unknown_reference_is_not_found(app):
    client = staff_client(app, CASEWORKER, "caseworker")
    assert client.get("/staff/reports/R-AAAA-BBBB-CC").status_code == 404
    assert client.get("/staff/reports/not-a-reference").status_code == 404
    assert audit_events(app) == []


def test_status_change_and_note_are_audited_and_the_note_is_encrypted(app):
    reference = submit_hate_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, f"/staff/reports/{reference}")
    token = csrf_token(page)

    url = f"/staff/reports/{reference}"
    response = client.post(f"{url}/status", data={"csrf_token": token, "status": "closed"})
    assert response.status_code == 303
    page = get(client, response.location)
    assert page.soup.find(id="report-status").get_text(strip=True) == "Closed"
    assert "Status saved" in page.text()
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        assert report.status == "closed" and report.closed_at is not None

    response = client.post(f"{url}/notes", data={"csrf_token": token, "note": SECRET_NOTE})
    assert response.status_code == 303
    page = get(client, response.location)
    assert SECRET_NOTE in page.soup.find(id="notes").get_text(" ", strip=True)

    events = audit_events(app)
    actions = [e.action for e in events]
    assert actions == ["view_report", "change_status", "view_report", "add_note", "view_report"]
    change = events[1]
    assert change.detail == {"old": "new", "new": "closed"}
    assert change.report_id == report_id(app, reference) and change.ip == "127.0.0.1"
    assert SECRET_NOTE not in str(events[3].detail)

    with app.app_context(), db.engine.connect() as connection:
        raw_notes = connection.execute(sa.text("SELECT text FROM report_note")).scalars().all()
        raw_audit = connection.execute(sa.text("SELECT detail FROM audit_event")).scalars().all()
    assert len(raw_notes) == 1
    assert raw_notes[0].startswith("gAAAA") and "Wobblefritz" not in raw_notes[0]
    assert all("Wobblefritz" not in str(raw) for raw in raw_audit)


def test_status_and_note_need_the_csrf_token_and_good_values(app):
    reference = add_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    token = csrf_token(get(client, f"/staff/reports/{reference}"))
    assert client.post(f"/staff/reports/{reference}/status", data={"status": "closed"}).status_code == 400
    url = f"/staff/reports/{reference}"
    bad_status = client.post(f"{url}/status", data={"csrf_token": token, "status": "lost"})
    assert bad_status.status_code == 400
    assert "Select a status from the list" in Page("/", bad_status).error_summary
    empty = client.post(f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": "   "})
    assert empty.status_code == 400 and "Enter a note" in Page("/", empty).error_summary
    long = client.post(f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": "x" * 5001})
    assert long.status_code == 400
    assert "A note must be 5000 characters or fewer" in Page("/", long).error_summary
    with app.app_context():
        assert db.session.scalar(sa.select(Report.status).where(Report.reference == reference)) == "new"
        assert db.session.scalars(sa.select(ReportNote)).all() == []
    assert "change_status" not in [e.action for e in audit_events(app)]


def test_what_a_reporter_or_caseworker_wrote_is_escaped(app):
    script = "<script>alert('x')</script>"
    reference = submit_hate_report(app, description=f"Before {script} after")
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, f"/staff/reports/{reference}")
    token = csrf_token(page)
    client.post(f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": f"Note {script}"})
    html = client.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert script not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") == 2
    referral = client.get(record_referral(app, client, reference)).get_data(as_text=True)
    assert script not in referral and "&lt;script&gt;" in referral


# Referrals


def test_printable_referral_is_plain_and_audited(app):
    reference = submit_hate_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    address = record_referral(app, client, reference)
    page = get(client, address)
    assert page.status == 200
    assert page.title == f"Referral {reference}"
    assert SECRET_STORY in page.text()
    assert not page.soup.find("script") and not page.soup.find("header")
    assert page.response.headers["Cache-Control"] == "no-store"
    [event] = [e for e in audit_events(app) if e.action == "export_referral"]
    assert event.detail == {"format": "html", "referral_id": int(address.rsplit("/", 1)[1])}


def test_csv_referral_neutralises_formulas_and_is_audited(app):
    reference = submit_hate_report(
        app, description='=HYPERLINK("http://evil.example","Click")', location="+44 line", offender="@SUM(A1)"
    )
    client = staff_client(app, CASEWORKER, "caseworker")
    address = record_referral(app, client, reference)
    response = client.get(address + ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    referral_id = address.rsplit("/", 1)[1]
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="referral-{reference}-{referral_id}.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = {
        row[0]: row[1] for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    }
    assert rows["Reference"] == reference
    assert rows["Description"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows["Where"] == "'+44 line"
    assert rows["About the people who did it"] == "'@SUM(A1)"
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in rows.values())
    [event] = [e for e in audit_events(app) if e.action == "export_referral"]
    assert event.detail == {"format": "csv", "referral_id": int(referral_id)}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("a=1", "a=1"),
    ],
)
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


# Who may see what


def triage_urls(reference: str) -> list[str]:
    return [
        "/staff/reports",
        f"/staff/reports/{reference}",
        f"/staff/reports/{reference}/referrals/1",
        f"/staff/reports/{reference}/referrals/1.csv",
        f"/staff/reports/{reference}/checklists/risk_checklist_example",
        "/staff/audit",
    ]


def test_an_analyst_gets_403_and_no_report_content(app):
    reference = submit_hate_report(app)
    client = staff_client(app, ANALYST, "analyst")
    for url in triage_urls(reference):
        response = client.get(url)
        assert response.status_code == 403, url
        body = response.get_data(as_text=True)
        # (The error page's language links repeat the address asked for, reference included.)
        assert SECRET_STORY not in body and "Religion or belief" not in body, url
    token = csrf_token(get(client, "/staff"))
    for action, data in (("status", {"status": "closed"}), ("notes", {"note": "hello"})):
        response = client.post(f"/staff/reports/{reference}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 403
    assert audit_events(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(Report.status)) == "new"
    # The counts are for analysts too, and hold no personal data.
    counts = get(client, "/staff/counts")
    assert counts.status == 200
    assert SECRET_STORY not in counts.response.get_data(as_text=True) and reference not in counts.text()


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_triage_page(app, client):
    reference = submit_hate_report(app)
    for url in [*triage_urls(reference), "/staff/counts"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/staff/sign-in"), url
        assert SECRET_STORY not in response.get_data(as_text=True)
    for action in ("status", "notes"):
        response = client.post(f"/staff/reports/{reference}/{action}", data={"status": "closed", "note": "x"})
        assert response.status_code in (302, 400)
        assert SECRET_STORY not in response.get_data(as_text=True)
    assert audit_events(app) == []


def test_every_triage_route_declares_its_roles(app):
    from survey_app.staff.access import staff_route_policies

    policies = {k: v for k, v in staff_route_policies(app).items() if k.startswith("triage.")}
    caseworker = frozenset({"caseworker"})
    assert policies == {
        "triage.queue": caseworker,
        "triage.report_page": caseworker,
        "triage.change_status": caseworker,
        "triage.add_note": caseworker,
        "triage.write_to_reporter": caseworker,
        "triage.allow_checks_again": caseworker,
        "triage.record_referral": caseworker,
        "triage.record_referral_outcome": caseworker,
        "triage.referral_page": caseworker,
        "triage.referral_csv": caseworker,
        "triage.checklist_form": caseworker,
        "triage.complete_checklist": caseworker,
        "triage.subject_access_search": frozenset({"admin"}),
        "triage.subject_access": frozenset({"admin"}),
        "triage.subject_access_json": frozenset({"admin"}),
        "triage.erase": frozenset({"admin"}),
        "triage.held_reports": caseworker,
        "triage.decide_held": caseworker,
        "triage.audit_log": frozenset({"admin"}),
        "triage.counts": frozenset({"caseworker", "analyst", "admin"}),
    }


def test_staff_home_lists_what_each_role_can_use(app):
    client = staff_client(app, ANALYST, "analyst")
    links = [a["href"] for a in get(client, "/staff").soup.select("main a")]
    assert "/staff/counts" in links and "/staff/reports" not in links and "/staff/audit" not in links


# The audit log


def test_an_admin_reads_the_audit_log_and_the_read_is_audited(app):
    reference = submit_hate_report(app)
    other = add_report(app)
    caseworker = staff_client(app, CASEWORKER, "caseworker")
    get(caseworker, f"/staff/reports/{reference}")
    get(caseworker, f"/staff/reports/{other}")
    assert caseworker.get("/staff/audit").status_code == 403

    admin = staff_client(app, ADMIN, "admin")
    page = get(admin, "/staff/audit")
    assert page.status == 200
    table = page.soup.find(id="audit-events").get_text(" ", strip=True)
    assert reference in table and other in table and CASEWORKER in table and "Viewed a report" in table
    assert SECRET_STORY not in page.response.get_data(as_text=True)
    last = audit_events(app)[-1]
    assert (last.action, last.report_id, last.ip) == ("view_audit_log", None, "127.0.0.1")

    filtered = get(admin, f"/staff/audit?reference={reference.lower()}")
    rows = filtered.soup.select("#audit-events tbody tr")
    assert len(rows) == 1 and reference in rows[0].get_text()
    only_reads = get(admin, "/staff/audit?action=view_audit_log")
    assert len(only_reads.soup.select("#audit-events tbody tr")) == 2
    assert audit_events(app)[-1].detail == {"filters": {"action": "view_audit_log"}}
    with app.app_context():
        from survey_app.staff.models import User

        admin_id = db.session.scalar(sa.select(User.id).where(User.email == ADMIN))
    by_admin = get(admin, f"/staff/audit?user={admin_id}")
    rows = by_admin.soup.select("#audit-events tbody tr")
    assert {row.find_all("td")[2].get_text(strip=True) for row in rows} == {"Viewed the audit log"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("user=abc", "Select a staff member"),
        ("user=99999", "Select a staff member"),
        ("action=delete_everything", "Select an action"),
        ("reference=DROP TABLE", "Enter a report reference"),
        ("page=-1", "The page number must be a whole number"),
    ],
)
def test_bad_audit_filters_get_a_clear_message(app, query, message):
    admin = staff_client(app, ADMIN, "admin")
    page = get(admin, f"/staff/audit?{query}")
    assert page.status == 400
    assert any(item.startswith(message) for item in page.error_summary), page.error_summary


# Counts and retention


def test_counts_by_form_strand_centre_and_month(app):
    submit_hate_report(app)
    add_report(
        app,
        facts={"abuse_kinds": ["physical", "coercive_control"]},
        centre="sale-point",
        submitted_at=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
    )
    add_report(app, facts={"abuse_kinds": ["physical"]}, submitted_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    client = staff_client(app, CASEWORKER, "caseworker")
    page = get(client, "/staff/counts")
    assert page.soup.find(id="total").get_text(strip=True) == "3"

    def table(table_id: str) -> dict[str, str]:
        rows = page.soup.find(id=table_id).select("tbody tr")
        return {row.find("th").get_text(strip=True): row.find("td").get_text(strip=True) for row in rows}

    assert table("by-form") == {
        "Get help with domestic abuse": "2",
        "Report a hate crime or hate incident": "1",
    }
    strands = {}
    for element in page.soup.select("table[id^=by-strand]"):
        strands.update(
            {
                row.find("th").get_text(strip=True): row.find("td").get_text(strip=True)
                for row in element.select("tbody tr")
            }
        )
    assert strands["Religion or belief"] == "1"
    assert strands["Physical abuse, for example hitting, pushing or choking"] == "2"
    assert table("by-centre") == {"Online": "2", "Sale Point": "1"}
    month = table("by-month")
    assert month["January 2026"] == "1" and month["February 2026"] == "1"


def test_purge_expired_purges_old_closed_reports_and_keeps_the_counts(app):
    now = utcnow()
    old_closed = submit_hate_report(app)
    client = staff_client(app, CASEWORKER, "caseworker")
    token = csrf_token(get(client, f"/staff/reports/{old_closed}"))
    client.post(f"/staff/reports/{old_closed}/notes", data={"csrf_token": token, "note": SECRET_NOTE})
    with app.app_context():
        db.session.execute(
            sa.update(Report)
            .where(Report.reference == old_closed)
            .values(status="closed", closed_at=now - dt.timedelta(days=400))
        )
        db.session.commit()
    recent_closed = add_report(app, status="closed", closed_at=now - dt.timedelta(days=10))
    old_open = add_report(app, status="in_review", submitted_at=now - dt.timedelta(days=900))

    with app.app_context():  # as `flask --app wsgi purge-expired` runs it
        result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    assert "purged 1 report(s) closed more than 365 days ago" in result.output

    with app.app_context():
        reports = {r.reference: r for r in db.session.scalars(sa.select(Report))}
        assert reports[old_closed].answers == {} and reports[old_closed].purged_at is not None
        assert reports[old_closed].facts["motivation"] == ["religion_or_belief"]
        assert reports[old_closed].status == "closed"
        assert reports[recent_closed].answers and reports[recent_closed].purged_at is None
        assert reports[old_open].answers and reports[old_open].purged_at is None
        assert db.session.scalars(sa.select(ReportNote)).all() == []
    with app.app_context(), db.engine.connect() as connection:
        raw = connection.execute(sa.text("SELECT answers FROM report")).scalars().all()
    assert all(value.startswith("gAAAA") for value in raw)

    counts = get(client, "/staff/counts")
    assert counts.soup.find(id="total").get_text(strip=True) == "3"
    assert counts.soup.find(id="purged").get_text(strip=True) == "1"
    assert counts.soup.find(id="closed").get_text(strip=True) == "2"
    page = get(client, f"/staff/reports/{old_closed}")
    assert page.soup.find(id="purged") and SECRET_STORY not in page.response.get_data(as_text=True)
    assert SECRET_NOTE not in page.response.get_data(as_text=True)

    with app.app_context():
        again = app.test_cli_runner().invoke(args=["purge-expired"])
    assert "purged 0 report(s)" in again.output


def test_retention_days_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REPORT_RETENTION_DAYS", "30")
    assert load_config()["REPORT_RETENTION_DAYS"] == 30
    monkeypatch.delenv("REPORT_RETENTION_DAYS")
    assert load_config()["REPORT_RETENTION_DAYS"] == 365
    for bad in ("soon", "0", "-5"):
        monkeypatch.setenv("REPORT_RETENTION_DAYS", bad)
        with pytest.raises(ConfigurationError, match="REPORT_RETENTION_DAYS"):
            load_config()
