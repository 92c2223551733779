"""Demonstration reports for a development database: a few made-up reports at different stages, so
the queue, a report's casework and the check pages have something to show. Never in production."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..checkin.words import hash_word
from ..columns import utcnow
from ..extensions import db
from ..questionnaire.scoring import outcome
from ..registry import get_published
from ..reports.followup import CASEWORKER, REPORTER, ReportAccess, ReportMessage
from ..reports.models import Report
from ..reports.risk import record_result
from ..reports.sharing import Referral, consent_from_answers, current_consent, record_consent
from ..survey.store import new_report_reference, snapshot_for

# The memorable word of the demo report that can be checked at /forms/check (printed by seed-demo).
DEMO_WORD = "bluebell garden"

_HATE = {
    "reporter_role": "victim",
    "incident_types": ["verbal_abuse", "harassment"],
    "description": "A man on the 263 bus shouted at me about my headscarf and followed me to the stop.",
    "incident_date": {"year": 2026, "month": 11, "day": 24},
    "ongoing": "yes",
    "location": "The 263 bus, then the stop on Cross Street, Sale",
    "ward": "sale_central",
    "motivation": ["religion_or_belief"],
    "injured": "no",
    "police_aware": "no",
    "contact": "support",
    "contact_name": "Demo Person",
    "contact_phone": "07700 900 000",
    "share_contact": ["victim_support"],
    "share_account": ["police", "victim_support", "national_hate_crime"],
}
_ABUSE = {
    "safe_now": "yes",
    "in_danger": "no",
    "what_to_do": "report",
    "reporter_role": "victim",
    "abuse_kinds": ["emotional", "physical"],
    "description": "My partner has started checking my phone and pushed me last week.",
    "children": "yes",
    "contact": "contact",
    "safe_phone": "07700 900 111",
    "voicemail_safe": "no",
    "text_safe": "yes",
    "interpreter": "no",
    "share_contact": ["domestic_abuse_service"],
    "share_account": ["domestic_abuse_service", "police"],
}


def _report(questionnaire_id: str, answers: dict[str, Any], days_ago: int, **fields: Any) -> Report | None:
    published = get_published(questionnaire_id)
    if published is None:
        return None
    questionnaire = published.questionnaire
    known = {key: value for key, value in answers.items() if questionnaire.question(key) is not None}
    facts = {q.id: known[q.id] for q in questionnaire.questions if q.reportable and q.id in known}
    report = Report(
        reference=new_report_reference(),
        questionnaire_version_id=snapshot_for(published).id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        language="en",
        answers=known,
        facts=facts,
        risk_cues=questionnaire.risk_cues_in(known),
        submitted_at=utcnow() - dt.timedelta(days=days_ago),
        **fields,
    )
    db.session.add(report)
    db.session.flush()
    consent = consent_from_answers(questionnaire, known)
    if consent is not None:
        row = record_consent(report.id, consent, "form")
        row.recorded_at = report.submitted_at
    return report


def seed_report_demo(caseworker_id: int | None) -> str | None:
    """Add the demo reports once; the reference of the one checked with DEMO_WORD, or None."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Report)):
        return None
    hate = _report("hate_crime_report", _HATE, 6, status="in_review")
    _report("hate_crime_report", {**_HATE, "incident_types": ["online_abuse"], "ongoing": "no"}, 1)
    abuse = _report("domestic_abuse_report", _ABUSE, 3, status="in_review")
    if hate is not None:
        db.session.add(
            ReportAccess(report_id=hate.id, word_hash=hash_word(DEMO_WORD), word_set_at=hate.submitted_at)
        )
        db.session.add(
            ReportMessage(
                report_id=hate.id,
                sender=CASEWORKER,
                author_id=caseworker_id,
                created_at=hate.submitted_at + dt.timedelta(days=1),
                body={
                    "text": "Thank you for telling us. A caseworker from Victim Support will phone you "
                    "this week."
                },
            )
        )
        db.session.add(
            ReportMessage(
                report_id=hate.id,
                sender=REPORTER,
                created_at=hate.submitted_at + dt.timedelta(days=2),
                body={"text": "Thank you. Please call after 5pm."},
            )
        )
        hate.reporter_wrote = True
    if abuse is not None:
        _assessed(abuse, caseworker_id)
    db.session.commit()
    return hate.reference if hate is not None else None


def _assessed(report: Report, caseworker_id: int | None) -> None:
    """The example checklist completed at high risk, and a referral recorded with consent."""
    published = get_published("risk_checklist_example")
    if published is not None and published.questionnaire.scoring is not None:
        checklist = published.questionnaire
        answers = {q.id: "no" for q in checklist.questions if q.type == "yes_no"}
        answers.update({"frightened": "yes", "getting_worse": "yes", "strangled": "yes"})
        result = outcome(checklist.questions, checklist.scoring, answers)
        completed_at = report.submitted_at + dt.timedelta(hours=20)
        snapshot_for(published)
        record_result(report, checklist, answers, result, caseworker_id, completed_at)
    consent = current_consent(report.id)
    db.session.add(
        Referral(
            report_id=report.id,
            consent_id=consent.id if consent is not None else None,
            destination="domestic_abuse_service",
            referred_on=(report.submitted_at + dt.timedelta(days=1)).date(),
            shared=["contact_details", "what_happened"],
            outcome="accepted",
            outcome_on=(report.submitted_at + dt.timedelta(days=2)).date(),
            recorded_by=caseworker_id,
        )
    )
