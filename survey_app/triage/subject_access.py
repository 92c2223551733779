"""Subject access and erasure: an administrator exports everything held about one report, and can
erase it on the person's request. Both are audited; erasure keeps the counts (retention.py)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import AuditEvent, record
from ..columns import utcnow
from ..extensions import db
from ..reports.followup import access_for, messages_of
from ..reports.models import Report
from ..reports.risk import results_of
from ..reports.sharing import consent_history, destination_name, outcome_name, part_name, referrals_of
from ..staff.access import require_role
from ..staff.models import User
from . import views
from .checklist_views import result_rows
from .models import ReportNote
from .retention import erase_report
from .routes import _report_or_404, bp

ADMIN = "admin"


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def held_about(report: Report) -> dict[str, Any]:
    """Everything the service holds about one report, labelled for a person to read."""
    notes = db.session.scalars(
        sa.select(ReportNote).where(ReportNote.report_id == report.id).order_by(ReportNote.created_at)
    ).all()
    access = access_for(report.id)
    events = db.session.execute(
        sa.select(AuditEvent.at, AuditEvent.action, User.display_name)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.report_id == report.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return {
        "reference": report.reference,
        "form": views.form_title(report.questionnaire_id),
        "status": views.status_name(report.status),
        "submitted_at": _iso(report.submitted_at),
        "closed_at": _iso(report.closed_at),
        "answers_deleted_at": _iso(report.purged_at or report.erased_at),
        "reporting_centre": views.centre_name(report.centre),
        "language": report.language,
        "risk_level": report.risk_level,
        "answers": [
            {"question": row.label, "answer": row.lines}
            for row in views.answer_rows(report.questionnaire_id, report.answers or {})
        ],
        "memorable_word_chosen": bool(access and access.word_hash),
        "safe_contact": (access.contact or {}).get("value") if access and access.contact else None,
        "consent": [
            {
                "recorded_at": _iso(c.recorded_at),
                "source": c.source,
                "contact_details": [destination_name(d) for d in c.contact_details or []],
                "what_happened": [destination_name(d) for d in c.what_happened or []],
            }
            for c in consent_history(report.id)
        ],
        "messages": [
            {
                "from": "the person who reported" if m.sender == "reporter" else "a caseworker",
                "caseworker": m.author.display_name if m.author else None,
                "at": _iso(m.created_at),
                "text": (m.body or {}).get("text", ""),
            }
            for m in messages_of(report.id)
        ],
        "caseworker_notes": [
            {"by": n.author.display_name, "at": _iso(n.created_at), "text": (n.text or {}).get("text", "")}
            for n in notes
        ],
        "referrals": [
            {
                "to": destination_name(r.destination),
                "on": r.referred_on.isoformat(),
                "shared": [part_name(p) for p in r.shared or []],
                "without_consent_reason": (r.without_consent or {}).get("reason"),
                "outcome": outcome_name(r.outcome),
                "outcome_on": r.outcome_on.isoformat() if r.outcome_on else None,
            }
            for r in referrals_of(report.id)
        ],
        "risk_checklists": [dict(result_rows(result)) for result in results_of(report.id)],
        "who_has_looked": [
            {"at": _iso(at), "action": views.action_name(action), "by": name or "the person who reported"}
            for at, action, name in events
        ],
    }


@bp.get("/reports/<reference>/subject-access")
@require_role(ADMIN)
def subject_access(reference: str):
    return _subject_access_page(_report_or_404(reference))


def _subject_access_page(report: Report, errors: dict[str, str] | None = None) -> tuple[str, int]:
    """The page decrypts what it counts: every read of it, an erasure refused too, is audited."""
    record("view_subject_access", report)
    db.session.commit()
    return render_template(
        "triage/subject_access.html",
        report=report,
        held=held_about(report),
        errors=errors or {},
        done=request.args.get("done") if request.method == "GET" else None,
        views=views,
    ), 400 if errors else 200


@bp.get("/reports/<reference>/subject-access.json")
@require_role(ADMIN)
def subject_access_json(reference: str):
    report = _report_or_404(reference)
    body = json.dumps(held_about(report), ensure_ascii=False, indent=2)
    record("export_subject_access", report, format="json")
    db.session.commit()
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{report.reference}.json"'},
    )


@bp.post("/reports/<reference>/erase")
@require_role(ADMIN)
def erase(reference: str):
    report = _report_or_404(reference)
    typed = request.form.get("confirm", "").strip().upper()[:40]
    errors = {}
    if report.erased_at is not None:
        errors["confirm"] = _("This report has already been erased")
    elif typed != report.reference:
        errors["confirm"] = _(
            "Type the report's reference, %(reference)s, to erase it", reference=report.reference
        )
    if errors:
        return _subject_access_page(report, errors)
    erase_report(report, utcnow())
    record("erase_report", report)
    db.session.commit()
    return redirect(url_for(".subject_access", reference=report.reference, done="erased"), 303)


@bp.get("/subject-access")
@require_role(ADMIN)
def subject_access_search():
    from ..checkin.routes import normalise_reference

    typed = request.args.get("reference", "")[:60]
    if not typed.strip():
        return render_template("triage/subject_access_search.html", errors={}, reference="")
    reference = normalise_reference(typed)
    found = (
        db.session.scalar(sa.select(Report.id).where(Report.reference == reference)) if reference else None
    )
    if found is None:
        errors = {"reference": _("No report has the reference %(reference)s", reference=typed.strip())}
        return render_template("triage/subject_access_search.html", errors=errors, reference=typed), 400
    return redirect(url_for(".subject_access", reference=reference), 303)
