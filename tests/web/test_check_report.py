"""Following a report: a memorable word chosen once, the check pages at /forms/check, messages both
ways, wrong words slowed and stopped the same for every reference, and a kiosk forgetting a visit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey_app.audit import AuditEvent
from survey_app.checkin import attempts
from survey_app.extensions import db
from survey_app.reports.followup import CheckVisit, ReportAccess, ReporterNotification, ReportMessage
from survey_app.reports.models import Report
from survey_app.reports.sharing import ReportConsent
from tests.pages import Page, Visitor
from tests.web.test_reports import HATE, HATE_ANSWERS, begin, fill
from tests.web.test_triage import staff_client

CASEWORKER = "casey.worker@trafford.example"
WORD = "Marigold kettle"
FOR_THEM = "Thank you: Priyanka-Oddsbody at the hub will call on Tuesday morning."
INTERNAL = "Internal only: Grumbleweed is known to the neighbourhood team"


@pytest.fixture(autouse=True)
def no_waits(monkeypatch):
    """Most tests type words quickly; the waits between tries have a test of their own."""
    monkeypatch.setattr(attempts, "FIRST_WAIT_SECONDS", 0)


def send_report(app, word: str | None = WORD, **answers) -> tuple[str, Visitor, Page]:
    """A hate crime report through the resident's pages, and the word chosen on its confirmation."""
    visitor = Visitor(app.test_client())
    confirmation = visitor.submit(fill(visitor, begin(visitor, HATE), {**HATE_ANSWERS, **answers}))
    reference = confirmation.soup.find(id="reference").get_text(strip=True)
    if word is not None:
        saved = visitor.submit(confirmation, {"word": word, "word_again": word})
        assert saved.url.endswith("/forms/check?done=ready"), saved.text()
    return reference, visitor, confirmation


def check_in(client, reference: str, word: str):
    page = Visitor(client).get("/forms/check")
    data = {"csrf_token": page.form_fields()["csrf_token"], "reference": reference, "word": word}
    return client.post("/forms/check", data=data)


def main_text(response) -> str:
    return Page("/", response).text()


def csrf(client, url: str = "/forms/check") -> str:
    return Visitor(client).get(url).form_fields()["csrf_token"][0]


def test_word_is_kept_only_as_a_slow_hash_and_chosen_once(app):
    reference, visitor, confirmation = send_report(app)
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        access = db.session.get(ReportAccess, report.id)
        assert access.word_hash.startswith("$argon2id$")
        assert WORD.lower() not in access.word_hash.lower()
        assert access.setup_token_hash is None
    # The confirmation's form cannot set the word again.
    again = visitor.submit(confirmation, {"word": "another-word", "word_again": "another-word"})
    assert again.status == 400
    assert "no longer choose" in again.text()


def test_word_rules_are_explained_and_nothing_is_lost(app):
    visitor = Visitor(app.test_client())
    confirmation = visitor.submit(fill(visitor, begin(visitor, HATE), HATE_ANSWERS))
    short = visitor.submit(confirmation, {"word": "abc", "word_again": "abc"})
    assert short.status == 400
    assert short.error_summary == ["Your memorable word must be at least 6 characters long"]
    assert short.title == "Error: Contact form"
    different = visitor.submit(short, {"word": "sunflower", "word_again": "sunflour"})
    assert different.error_summary == [
        "The two memorable words are not the same: type it again in both boxes"
    ]
    saved = visitor.submit(different, {"word": "sunflower", "word_again": "SUNFLOWER "})
    assert saved.url.endswith("done=ready")


def test_status_and_messages_for_the_reporter_but_never_internal_notes(app):
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    page = Visitor(staff).get(f"/staff/reports/{reference}")
    token = page.form_fields()["csrf_token"]
    staff.post(f"/staff/reports/{reference}/status", data={"csrf_token": token, "status": "in_review"})
    staff.post(f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": INTERNAL})
    sent = staff.post(f"/staff/reports/{reference}/messages", data={"csrf_token": token, "message": FOR_THEM})
    assert sent.status_code == 303

    person = app.test_client()
    response = check_in(person, reference.lower().replace("-", " "), "  marigold   KETTLE ")
    assert response.status_code == 303
    shown = person.get(response.location)
    text = main_text(shown)
    assert "Being looked at" in text and "A caseworker is looking at your report." in text
    assert FOR_THEM in text
    assert INTERNAL not in shown.get_data(as_text=True)
    assert "Grumbleweed" not in shown.get_data(as_text=True)
    assert Page("/", shown).title == "Contact form"

    # A message back reaches the caseworker, and the queue says there is one.
    token = csrf(person, "/forms/check/view")
    back = person.post(
        "/forms/check/send", data={"csrf_token": token, "message": "I remembered the van's number"}
    )
    assert back.status_code == 303
    queue = Visitor(staff).get("/staff/reports")
    assert "New message" in queue.text()
    report_page = Visitor(staff).get(f"/staff/reports/{reference}")
    assert "I remembered the van's number" in report_page.text()
    assert "New message" not in Visitor(staff).get("/staff/reports").text()
    with app.app_context():
        actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
        assert {"write_to_reporter", "reporter_checked", "reporter_wrote"} <= set(actions)
        reporter_events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.user_id.is_(None))).all()
        assert reporter_events and all(e.ip is None and e.user_agent is None for e in reporter_events)
        stored = db.session.scalars(sa.select(ReportMessage)).all()
        assert len(stored) == 2
    # The message text is encrypted at rest.
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT body FROM report_message")).scalars().all()
        assert all("Priyanka" not in value and "van" not in value for value in raw)


def _refusal(response) -> str:
    soup = Page("/", response).soup
    return " ".join(e.get_text(" ", strip=True) for e in soup.select(".govuk-error-summary__list a"))


def test_ten_wrong_words_stop_a_reference_and_a_made_up_one_is_answered_the_same(app):
    reference, _, _ = send_report(app)
    made_up = "R-ZZZZ-ZZZZ-ZZ" if reference != "R-ZZZZ-ZZZZ-ZZ" else "R-YYYY-YYYY-YY"
    real_client, fake_client = app.test_client(), app.test_client()
    for attempt in range(10):
        real = check_in(real_client, reference, f"wrong word {attempt}")
        fake = check_in(fake_client, made_up, f"wrong word {attempt}")
        assert real.status_code == fake.status_code == 400
        assert _refusal(real) == _refusal(fake)
    stopped = check_in(real_client, reference, WORD)
    stopped_fake = check_in(fake_client, made_up, WORD)
    assert stopped.status_code == stopped_fake.status_code == 400
    assert "cannot try again with this reference" in _refusal(stopped)
    assert _refusal(stopped) == _refusal(stopped_fake)
    assert stopped.headers.get("Set-Cookie", "").count("sts_check=") == 0
    # A caseworker who is sure it is the person lets them try again; that is audited.
    staff = staff_client(app, CASEWORKER, "caseworker")
    page = Visitor(staff).get(f"/staff/reports/{reference}")
    assert "Too many wrong memorable words" in page.text()
    staff.post(f"/staff/reports/{reference}/checks", data={"csrf_token": page.form_fields()["csrf_token"]})
    assert check_in(real_client, reference, WORD).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "allow_checks_again"))


def test_a_report_without_a_word_gets_the_same_answer_as_a_wrong_word(app):
    with_word, _, _ = send_report(app)
    without, _, _ = send_report(app, word=None)
    first = check_in(app.test_client(), without, "anything at all")
    second = check_in(app.test_client(), with_word, "anything at all")
    assert first.status_code == second.status_code == 400
    assert _refusal(first) == _refusal(second)
    assert "do not match" in _refusal(first)


def test_wrong_words_are_slowed_down(app, monkeypatch):
    monkeypatch.setattr(attempts, "FIRST_WAIT_SECONDS", 5)
    reference, _, _ = send_report(app)
    client = app.test_client()
    for attempt in range(attempts.FREE_FAILURES):
        assert "wait" not in _refusal(check_in(client, reference, f"nope {attempt}"))
    slowed = check_in(client, reference, "nope again")
    assert "wait 5 seconds" in _refusal(slowed)
    # Even the right word waits its turn; the try is not counted.
    waiting = check_in(client, reference, WORD)
    assert waiting.status_code == 400 and "wait" in _refusal(waiting)
    with app.app_context():
        row = db.session.get(attempts.CheckAttempt, attempts.key_for(reference))
        assert row.failures == attempts.FREE_FAILURES + 1
        row.next_try_at -= dt.timedelta(seconds=6)
        db.session.commit()
    assert check_in(client, reference, WORD).status_code == 303


def test_changing_consent_applies_at_once_and_is_audited(app):
    reference, _, _ = send_report(app)
    person = app.test_client()
    check_in(person, reference, WORD)
    page = Visitor(person).get("/forms/check/view")
    assert page.status == 200
    fields = page.soup.select('input[name="what_happened"]')
    assert {f["value"] for f in fields} == {
        "police",
        "victim_support",
        "housing_provider",
        "national_hate_crime",
    }
    checked = {f["value"] for f in fields if f.has_attr("checked")}
    assert checked == {"police", "victim_support"}
    token = page.form_fields()["csrf_token"]
    response = person.post(
        "/forms/check/sharing",
        data={
            "csrf_token": token,
            "parts": ["contact_details", "what_happened"],
            "contact_details": [],
            "what_happened": ["victim_support", "marac", "nonsense"],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        latest = db.session.scalars(
            sa.select(ReportConsent)
            .where(ReportConsent.report_id == report.id)
            .order_by(ReportConsent.id.desc())
        ).first()
        assert latest.source == "check"
        assert latest.contact_details == [] and latest.what_happened == ["victim_support"]
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "reporter_changed_consent")
        )
        assert event.user_id is None and event.detail["what_happened"] == ["victim_support"]


def test_finish_and_a_kiosk_reset_forget_the_visit(app):
    reference, _, _ = send_report(app)
    person = app.test_client()
    check_in(person, reference, WORD)
    token = csrf(person, "/forms/check/view")
    left = person.post("/forms/check/finish", data={"csrf_token": token})
    assert left.status_code in (302, 303)
    assert "Clear-Site-Data" in left.headers
    assert person.get("/forms/check/view").status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckVisit)) == 0

    kiosk = app.test_client()
    kiosk.get("/kiosk/partington")
    check_in(kiosk, reference, WORD)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckVisit)) == 1
    token = csrf(kiosk, "/forms/check/view")
    reset = kiosk.post("/kiosk/partington/reset", data={"csrf_token": token})
    assert reset.status_code in (302, 303)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckVisit)) == 0
    assert kiosk.get("/forms/check/view").status_code == 303


def test_a_visit_left_idle_ends(app):
    reference, _, _ = send_report(app)
    person = app.test_client()
    check_in(person, reference, WORD)
    with app.app_context():
        db.session.execute(sa.update(CheckVisit).values(last_seen_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
        db.session.commit()
    response = person.get("/forms/check/view")
    assert response.status_code == 303 and "done=idle" in response.location


def test_only_a_contact_marked_safe_is_told_and_only_that_there_is_a_message(app, caplog):
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    token = Visitor(staff).get(f"/staff/reports/{reference}").form_fields()["csrf_token"]
    staff.post(f"/staff/reports/{reference}/messages", data={"csrf_token": token, "message": "First"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReporterNotification)) == 0

    person = app.test_client()
    check_in(person, reference, WORD)
    page_token = csrf(person, "/forms/check/view")
    unsafe = person.post("/forms/check/tell-me", data={"csrf_token": page_token, "email": "me@example.com"})
    assert unsafe.status_code == 400
    assert "Confirm that nobody else reads this email address" in main_text(unsafe)
    person.post(
        "/forms/check/tell-me", data={"csrf_token": page_token, "email": "me@example.com", "safe": "yes"}
    )

    caplog.set_level("INFO")
    staff.post(f"/staff/reports/{reference}/messages", data={"csrf_token": token, "message": "Second"})
    with app.app_context():
        notices = db.session.scalars(sa.select(ReporterNotification)).all()
        assert len(notices) == 1 and notices[0].sent_at is not None
    assert "me@example.com" not in caplog.text


def test_check_pages_are_neutral_and_refuse_bad_input_without_a_500(app):
    client = app.test_client()
    page = Visitor(client).get("/forms/check")
    assert page.title == "Contact form"
    assert page.soup.select_one(".govuk-exit-this-page")
    token = page.form_fields()["csrf_token"]
    for reference, word in [
        ("", ""),
        ("x" * 5000, "y" * 5000),
        ("R-\x00", "\u202e\ufffd"),
        ("R-ABCD-EFGH-JK", ""),
    ]:
        response = client.post(
            "/forms/check", data={"csrf_token": token, "reference": reference, "word": word}
        )
        assert response.status_code == 400
        assert Page("/", response).title == "Error: Contact form"
    for address in (
        "/forms/check/view",
        "/forms/check/send",
        "/forms/check/sharing",
        "/forms/check/tell-me",
    ):
        response = (
            client.post(address, data={"csrf_token": token})
            if address != "/forms/check/view"
            else client.get(address)
        )
        assert response.status_code == 303
    word = client.post("/forms/check/word", data={"csrf_token": token, "setup": "forged", "word": "abcdefg"})
    assert word.status_code == 400
    assert re.search(r"no longer choose", main_text(word))


def test_what_either_side_writes_is_shown_as_text(app):
    reference, _, _ = send_report(app)
    script = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    staff = staff_client(app, CASEWORKER, "caseworker")
    token = Visitor(staff).get(f"/staff/reports/{reference}").form_fields()["csrf_token"]
    staff.post(f"/staff/reports/{reference}/messages", data={"csrf_token": token, "message": f"Hi {script}"})
    person = app.test_client()
    check_in(person, reference, WORD)
    shown = person.get("/forms/check/view").get_data(as_text=True)
    assert script not in shown and "&lt;script&gt;" in shown
    token = csrf(person, "/forms/check/view")
    person.post("/forms/check/send", data={"csrf_token": token, "message": f"Back {script}"})
    page = staff.get(f"/staff/reports/{reference}").get_data(as_text=True)
    assert script not in page and page.count("&lt;script&gt;") >= 2


def test_the_browser_holds_nothing_that_names_the_report(app):
    from tests.web.test_no_trace import decoded_session

    reference, _, _ = send_report(app)
    person = app.test_client()
    response = check_in(person, reference, WORD)
    assert response.location == "/forms/check/view"
    person.get("/forms/check/view")
    cookies = {name: person.get_cookie(name) for name in ("sts_session", "sts_check", "sts_form")}
    visit = cookies["sts_check"]
    assert visit is not None and visit.expires is None and visit.http_only
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", visit.value)
    readable = decoded_session(cookies["sts_session"].value)
    for secret in (reference, reference.replace("-", ""), "hate", "incident", "report"):
        assert secret.lower() not in readable.lower()
        assert secret.lower() not in visit.value.lower()
