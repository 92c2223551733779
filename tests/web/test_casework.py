"""Casework after a report: referrals only under consent, risk checklists that put high risk first,
counts for the board, subject access, erasure and retention of everything written about a report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import sqlalchemy as sa

from survey_app.audit import AuditEvent
from survey_app.checkin import attempts
from survey_app.checkin.words import hash_word
from survey_app.columns import utcnow
from survey_app.extensions import db
from survey_app.reports.followup import ReportAccess, ReportMessage
from survey_app.reports.models import Report
from survey_app.reports.risk import ChecklistResult
from survey_app.reports.sharing import Referral, ReportConsent
from survey_app.triage.models import ReportNote
from survey_app.triage.retention import purge_closed_reports
from tests.pages import Visitor
from tests.web.test_check_report import WORD, check_in, csrf, no_waits, send_report  # noqa: F401 - no_waits applies here too
from tests.web.test_reports import SECRET_PHONE, SECRET_STORY
from tests.web.test_triage import add_report, staff_client

CASEWORKER = "casey.worker@trafford.example"
ADMIN = "addie.min@trafford.example"
CHECKLIST = "risk_checklist_example"


def today_fields(name: str, day: dt.date | None = None) -> dict[str, str]:
    day = day or dt.date.today()
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def refer(staff, reference: str, destination: str, shared: list[str], **extra):
    token = Visitor(staff).get(f"/staff/reports/{reference}").form_fields()["csrf_token"]
    data = {
        "csrf_token": token,
        "destination": destination,
        "shared": shared,
        **today_fields("referred_on"),
        **extra,
    }
    return staff.post(f"/staff/reports/{reference}/referrals", data=data)


def referral_ids(app, reference: str) -> list[int]:
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        return [
            r.id
            for r in db.session.scalars(
                sa.select(Referral).where(Referral.report_id == report.id).order_by(Referral.id)
            )
        ]


def export_rows(staff, reference: str, referral_id: int) -> dict[str, str]:
    response = staff.get(f"/staff/reports/{reference}/referrals/{referral_id}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {row[0]: row[1] for row in rows if len(row) == 2}


def test_the_referral_export_contains_only_what_consent_allowed(app):
    # The person agreed to share contact details with the police only, and what happened with the
    # police and Victim Support (tests/web/test_reports.HATE_ANSWERS).
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    page = Visitor(staff).get(f"/staff/reports/{reference}")
    consent = page.soup.find(id="consent-now").get_text(" ", strip=True)
    assert "Greater Manchester Police" in consent and "Victim Support" in consent

    refused = refer(staff, reference, "victim_support", ["contact_details", "what_happened"])
    assert refused.status_code == 400
    assert "has not agreed to share contact details with Victim Support" in refused.get_data(as_text=True)
    assert referral_ids(app, reference) == []

    assert refer(staff, reference, "victim_support", ["what_happened"]).status_code == 303
    assert refer(staff, reference, "police", ["contact_details", "what_happened"]).status_code == 303
    support, police = referral_ids(app, reference)

    to_support = export_rows(staff, reference, support)
    assert to_support["Referred to"] == "Victim Support"
    assert any(SECRET_STORY in value for value in to_support.values())
    assert not any(SECRET_PHONE in value or "Anna Example" in value for value in to_support.values())
    assert "consented to sharing with: Victim Support" in to_support["Consent relied on"]
    # The consent questions themselves are not part of what happened.
    assert "Who may know what happened" not in to_support

    to_police = export_rows(staff, reference, police)
    assert any(SECRET_PHONE in value for value in to_police.values())

    # The person withdraws consent to share their contact details: the police export drops them at once.
    person = app.test_client()
    check_in(person, reference, WORD)
    token = csrf(person, "/forms/check/view")
    person.post(
        "/forms/check/sharing",
        data={
            "csrf_token": token,
            "parts": ["contact_details", "what_happened"],
            "what_happened": ["police"],
        },
    )
    again = export_rows(staff, reference, police)
    assert not any(SECRET_PHONE in value for value in again.values())
    assert "withdrawn consent for: Contact details" in again["Left out"]
    printable = staff.get(f"/staff/reports/{reference}/referrals/{police}")
    assert SECRET_PHONE not in printable.get_data(as_text=True)
    with app.app_context():
        exports = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "export_referral")
        ).all()
        assert {e.detail["format"] for e in exports} == {"csv", "html"}


def test_sharing_without_consent_needs_a_reason_and_the_export_says_so(app):
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    no_reason = refer(staff, reference, "marac", ["what_happened"], without_consent="yes")
    assert no_reason.status_code == 400
    assert "Say why this must be shared without the person" in no_reason.get_data(as_text=True)
    done = refer(staff, reference, "marac", ["what_happened"], without_consent="yes", reason="Threat to life")
    assert done.status_code == 303
    (referral,) = referral_ids(app, reference)
    rows = export_rows(staff, reference, referral)
    assert (
        "Shared without the person's consent" in rows["Consent relied on"]
        and "Threat to life" in rows["Consent relied on"]
    )
    with app.app_context():
        stored = db.session.get(Referral, referral)
        assert stored.consent_id is None and stored.without_consent == {"reason": "Threat to life"}
        raw = db.session.execute(sa.text("SELECT without_consent FROM report_referral")).scalar()
        assert "Threat" not in raw


def test_referral_dates_and_outcomes_are_checked_and_counted(app):
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    future = refer(
        staff,
        reference,
        "police",
        ["what_happened"],
        **today_fields("referred_on", dt.date.today() + dt.timedelta(days=3)),
    )
    assert future.status_code == 400 and "today or in the past" in future.get_data(as_text=True)
    nonsense = refer(
        staff,
        reference,
        "police",
        ["what_happened"],
        **{"referred_on-day": "31", "referred_on-month": "2", "referred_on-year": "2026"},
    )
    assert nonsense.status_code == 400
    assert refer(staff, reference, "nowhere", ["what_happened"]).status_code == 400
    assert refer(staff, reference, "police", ["what_happened"]).status_code == 303
    (referral,) = referral_ids(app, reference)
    token = Visitor(staff).get(f"/staff/reports/{reference}").form_fields()["csrf_token"]
    bad = staff.post(
        f"/staff/reports/{reference}/referrals/{referral}/outcome",
        data={"csrf_token": token, "outcome": "exploded"},
    )
    assert bad.status_code == 400
    ok = staff.post(
        f"/staff/reports/{reference}/referrals/{referral}/outcome",
        data={"csrf_token": token, "outcome": "accepted"},
    )
    assert ok.status_code == 303
    counts = Visitor(staff).get("/staff/counts")
    table = counts.soup.find(id="referrals").get_text(" ", strip=True)
    assert "Greater Manchester Police" in table and "Accepted" in table
    # Another report's referral cannot be changed through this one's address.
    other = add_report(app)
    assert (
        staff.post(
            f"/staff/reports/{other}/referrals/{referral}/outcome",
            data={"csrf_token": token, "outcome": "declined"},
        ).status_code
        == 404
    )


def checklist_answers(**overrides: str) -> dict:
    answers = {
        "injured_now": "no",
        "frightened": "no",
        "threats_to_kill": "no",
        "strangled": "no",
        "getting_worse": "no",
        "weapons": "no",
        "children_or_pregnant": ["none"],
        "separated": "no",
    }
    answers.update(overrides)
    return answers


def complete(staff, reference: str, answers: dict, **judgement):
    url = f"/staff/reports/{reference}/checklists/{CHECKLIST}"
    page = Visitor(staff).get(url)
    assert page.status == 200
    return staff.post(url, data={"csrf_token": page.form_fields()["csrf_token"], **answers, **judgement})


def test_a_checklist_over_its_threshold_marks_high_risk_and_moves_the_report_to_the_top(app):
    older = add_report(app, submitted_at=utcnow() - dt.timedelta(days=5))
    newer = add_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    queue = Visitor(staff).get("/staff/reports")
    assert queue.soup.select("tbody tr")[0].find("a").get_text(strip=True) == newer

    # 1 + 1 + 1 + 2 + 1 + 1 = 7 points: the example checklist's threshold for high.
    response = complete(
        staff,
        older,
        checklist_answers(
            injured_now="yes",
            frightened="yes",
            getting_worse="yes",
            weapons="yes",
            separated="yes",
            children_or_pregnant=["children"],
        ),
    )
    assert response.status_code == 303
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == older))
        assert report.risk_level == "high"
        assert report.risk_step["destination"] == "marac"
        result = db.session.scalar(sa.select(ChecklistResult))
        assert result.result["score"] == 7 and result.result["level"] == "high"
        raw = db.session.execute(sa.text("SELECT result FROM checklist_result")).scalar()
        assert "high" not in raw and "score" not in raw
    queue = Visitor(staff).get("/staff/reports")
    first = queue.soup.select("tbody tr")[0]
    assert first.find("a").get_text(strip=True) == older
    assert "High risk" in first.get_text(" ", strip=True)
    assert "MARAC" in first.get_text(" ", strip=True)
    page = Visitor(staff).get(f"/staff/reports/{older}")
    assert "High risk" in page.soup.find(id="risk-level").get_text(" ", strip=True)
    counts = Visitor(staff).get("/staff/counts").soup.find(id="by-risk-level").get_text(" ", strip=True)
    assert "High risk 1" in counts

    # Recording the referral to the MARAC completes the next step.
    assert (
        refer(
            staff, older, "marac", ["risk_checklists"], without_consent="yes", reason="High risk: MARAC"
        ).status_code
        == 303
    )
    step = Visitor(staff).get(f"/staff/reports/{older}").soup.find(id="next-step").get_text(" ", strip=True)
    assert "Done" in step
    # A closed report at high risk goes back to its place among the rest.
    token = page.form_fields()["csrf_token"]
    staff.post(f"/staff/reports/{older}/status", data={"csrf_token": token, "status": "closed"})
    queue = Visitor(staff).get("/staff/reports")
    assert queue.soup.select("tbody tr")[0].find("a").get_text(strip=True) == newer


def test_an_answer_can_raise_the_level_whatever_the_score_and_judgement_only_raises(app):
    reference = add_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    assert complete(staff, reference, checklist_answers(strangled="yes")).status_code == 303
    with app.app_context():
        result = db.session.scalar(sa.select(ChecklistResult))
        assert result.result["score"] == 2 and result.result["score_level"] == "standard"
        assert result.result["raised_by"] == ["strangled"] and result.result["level"] == "high"

    other = add_report(app)
    missing_reason = complete(staff, other, checklist_answers(), judgement_level="medium")
    assert missing_reason.status_code == 400
    assert "Say why your judgement raises the level" in missing_reason.get_data(as_text=True)
    raised = complete(
        staff, other, checklist_answers(), judgement_level="medium", judgement_reason="She is hiding bruises"
    )
    assert raised.status_code == 303
    unanswered = complete(staff, other, {"injured_now": "yes"})
    assert unanswered.status_code == 400
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == other))
        assert report.risk_level == "medium"
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "complete_checklist")
        ).all()[-1]
        assert event.detail["raised_by_judgement"] is True and "bruises" not in json.dumps(event.detail)


def test_subject_access_exports_everything_and_erasure_keeps_only_counts(app):
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    token = Visitor(staff).get(f"/staff/reports/{reference}").form_fields()["csrf_token"]
    staff.post(f"/staff/reports/{reference}/notes", data={"csrf_token": token, "note": "Spoke to Quibbleton"})
    staff.post(
        f"/staff/reports/{reference}/messages", data={"csrf_token": token, "message": "We have your report"}
    )
    refer(staff, reference, "police", ["what_happened"])
    complete(staff, reference, checklist_answers(threats_to_kill="yes"))

    admin = staff_client(app, ADMIN, "admin")
    assert staff.get(f"/staff/reports/{reference}/subject-access").status_code == 403
    found = admin.get(f"/staff/subject-access?reference={reference.lower()}")
    assert found.status_code == 303 and found.location.endswith(f"/staff/reports/{reference}/subject-access")
    assert admin.get("/staff/subject-access?reference=R-2222-2222-22").status_code == 400
    exported = admin.get(f"/staff/reports/{reference}/subject-access.json")
    held = json.loads(exported.get_data(as_text=True))
    assert any(SECRET_STORY in " ".join(row["answer"]) for row in held["answers"])
    assert held["caseworker_notes"][0]["text"] == "Spoke to Quibbleton"
    assert held["messages"][0]["text"] == "We have your report"
    assert held["referrals"][0]["to"] == "Greater Manchester Police"
    assert held["risk_checklists"][0]["Level"] == "High risk"
    assert held["memorable_word_chosen"] is True

    page = Visitor(admin).get(f"/staff/reports/{reference}/subject-access")
    wrong = admin.post(
        f"/staff/reports/{reference}/erase",
        data={"csrf_token": page.form_fields()["csrf_token"], "confirm": "yes"},
    )
    assert wrong.status_code == 400
    erased = admin.post(
        f"/staff/reports/{reference}/erase",
        data={"csrf_token": page.form_fields()["csrf_token"], "confirm": reference},
    )
    assert erased.status_code == 303
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        assert report.erased_at is not None and report.answers == {} and report.risk_level == "high"
        assert report.facts  # the counts keep their facts
        for table in (ReportNote, ReportMessage, ChecklistResult, ReportAccess, ReportConsent):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table
        referral = db.session.scalar(sa.select(Referral))
        assert referral.destination == "police" and referral.without_consent is None
        actions = {e.action for e in db.session.scalars(sa.select(AuditEvent))}
        assert {"export_subject_access", "erase_report"} <= actions
    # The person can no longer check it, and is told exactly what a wrong word gets.
    assert check_in(app.test_client(), reference, WORD).status_code == 400
    counts = Visitor(staff).get("/staff/counts")
    assert counts.soup.find(id="total").get_text(strip=True) == "1"


def test_retention_deletes_messages_checklists_and_consent_with_the_answers(app):
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    token = Visitor(staff).get(f"/staff/reports/{reference}").form_fields()["csrf_token"]
    staff.post(f"/staff/reports/{reference}/messages", data={"csrf_token": token, "message": "Hello"})
    complete(staff, reference, checklist_answers())
    refer(staff, reference, "police", ["what_happened"])
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        report.status = "closed"
        report.closed_at = utcnow() - dt.timedelta(days=400)
        db.session.commit()
        assert purge_closed_reports() == 1
        for table in (ReportMessage, ChecklistResult, ReportAccess, ReportConsent):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1


def test_a_checklist_uploaded_as_a_spreadsheet_is_offered_once_published(app):
    from dataclasses import replace

    from survey_app.library import store
    from survey_app.questionnaire import load_questionnaire
    from survey_app.questionnaire.xlsform.writer import write_xlsform
    from survey_app.registry import refresh_now
    from tests.conftest import PROJECT_ROOT

    example = load_questionnaire(PROJECT_ROOT / "questionnaires" / "risk_checklist_example.yaml")
    licensed = replace(
        example,
        id="partners_checklist",
        title="The partnership's own checklist",
        for_forms=("domestic_abuse_report",),
    )
    with app.app_context():
        store.import_spreadsheet(
            write_xlsform(licensed, lambda _language, _key, _text: None),
            "checklist.xlsx",
            "test",
            app.config["TRANSLATIONS_DIR"],
        )
        store.publish_draft("partners_checklist")
        db.session.commit()
        refresh_now()
    abuse = add_report(app)
    hate = add_report(app, "hate_crime_report")
    staff = staff_client(app, CASEWORKER, "caseworker")
    assert "the partnership's own checklist" in Visitor(staff).get(f"/staff/reports/{abuse}").text()
    assert "the partnership's own checklist" not in Visitor(staff).get(f"/staff/reports/{hate}").text()
    url = f"/staff/reports/{abuse}/checklists/partners_checklist"
    assert staff.get(url).status_code == 200
    assert staff.get(f"/staff/reports/{hate}/checklists/partners_checklist").status_code == 404
    # Residents never reach it.
    assert app.test_client().get("/surveys/partners_checklist").status_code == 404
    assert app.test_client().get("/forms/partners_checklist").status_code == 404


def test_review_findings_hold(app):
    """Discarding a flood deletes what was written about it; a huge id is a 404; opening a subject
    access page is audited; a checklist completed after a referral is not in its export."""
    reference, _, _ = send_report(app)
    staff = staff_client(app, CASEWORKER, "caseworker")
    assert staff.get(f"/staff/reports/{reference}/referrals/99999999999999999999999").status_code == 404
    assert (
        refer(
            staff,
            reference,
            "police",
            ["what_happened", "risk_checklists"],
            without_consent="yes",
            reason="Risk",
        ).status_code
        == 400
    )
    assert refer(staff, reference, "police", ["what_happened"]).status_code == 303
    complete(staff, reference, checklist_answers(threats_to_kill="yes"))
    (referral,) = referral_ids(app, reference)
    rows = export_rows(staff, reference, referral)
    assert "Risk checklists" not in rows

    admin = staff_client(app, ADMIN, "admin")
    assert admin.get(f"/staff/reports/{reference}/subject-access").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "view_subject_access"))
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        report.held = True
        db.session.commit()
    token = Visitor(staff).get("/staff/reports/held").form_fields()["csrf_token"]
    discarded = staff.post(
        "/staff/reports/held",
        data={"csrf_token": token, "decision": "discard", "reference": reference, "confirm": "yes"},
    )
    assert discarded.status_code == 303
    with app.app_context():
        for table in (ReportAccess, ReportMessage, ChecklistResult, ReportConsent):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table
    assert check_in(app.test_client(), reference, WORD).status_code == 400


def test_tries_taken_together_cannot_pass_the_limit(app):
    reference, _, _ = send_report(app)
    with app.app_context():
        # Tries taken before any word is checked (requests arriving together) each count.
        taken = [attempts.take(reference).allowed for _ in range(12)]
        db.session.commit()
        assert taken == [True] * 10 + [False] * 2
        assert attempts.is_stopped(reference)


def test_an_old_report_is_offered_every_organisation_to_agree_to(app):
    reference = add_report(app, "hate_crime_report", answers={"description": "Before the forms asked"})
    with app.app_context():
        report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
        report.questionnaire_version = 1  # a version no longer known
        db.session.add(
            ReportAccess(
                report_id=report.id,
                word_hash=hash_word(WORD),
            )
        )
        db.session.commit()
    person = app.test_client()
    assert check_in(person, reference, WORD).status_code == 303
    page = Visitor(person).get("/forms/check/view")
    offered = {f["value"] for f in page.soup.select('input[name="what_happened"]')}
    assert offered == {
        "police",
        "domestic_abuse_service",
        "housing_provider",
        "victim_support",
        "national_hate_crime",
    }
    assert not page.soup.select('input[name="contact_details"]')
