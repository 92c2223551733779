"""Casework on one report after it arrives: writing to the person who reported, letting them try
their memorable word again, referrals and their exports, and risk checklists.

Every route needs the caseworker role and writes an audit record; nothing here shows the person
anything a caseworker did not write for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import record
from ..checkin import attempts, contacts
from ..columns import utcnow
from ..extensions import db
from ..questionnaire import parse_answer
from ..questionnaire.scoring import LEVELS, outcome
from ..registry import get_published
from ..reports.followup import CASEWORKER as SENT_BY_CASEWORKER
from ..reports.followup import MESSAGE_MAX_LENGTH, ReportMessage, access_for
from ..reports.risk import record_result, results_of
from ..reports.sharing import Referral, current_consent
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from ..survey.presenters import character_count_texts, question_view
from ..survey.store import snapshot_for
from . import checklist_views, referrals, views
from .routes import CASEWORKER, _render_report, _report_or_404, bp

JUDGEMENT_REASON_MAX = 1000


def _today() -> dt.date:
    return views.uk_day(utcnow())


def _editable(report: Any) -> str | None:
    """Why nothing more can be written about this report, if so."""
    if report.erased_at is not None:
        return _("This report was erased at the person's request: nothing more can be added")
    if report.purged_at is not None:
        return _(
            "This report's answers have been deleted under the retention policy: nothing more can be added"
        )
    return None


# Writing to the person who reported


@bp.post("/reports/<reference>/messages")
@require_role(CASEWORKER)
def write_to_reporter(reference: str):
    report = _report_or_404(reference)
    text = request.form.get("message", "").replace("\r\n", "\n").strip()
    access = access_for(report.id)
    error = _editable(report)
    if error is None and (access is None or access.word_hash is None):
        error = _("The person did not choose a memorable word, so they cannot read messages")
    elif error is None and not text:
        error = _("Enter a message")
    elif error is None and len(text) > MESSAGE_MAX_LENGTH:
        error = _("A message must be %(max)s characters or fewer", max=MESSAGE_MAX_LENGTH)
    if error:
        return _render_report(
            report, {"message": error}, message_text=text[: MESSAGE_MAX_LENGTH * 2], status=400
        )
    message = ReportMessage(
        report_id=report.id, sender=SENT_BY_CASEWORKER, author_id=signed_in_staff().id, body={"text": text}
    )
    db.session.add(message)
    db.session.flush()
    notice = contacts.queue_for(report)
    record("write_to_reporter", report, message_id=message.id, notified=notice is not None)
    db.session.commit()
    if notice is not None:
        # This notice only: any left from before are the command's to retry, not this request's.
        contacts.send_pending(only=notice.id)
    return redirect(
        url_for(".report_page", reference=report.reference, done="message", _anchor="messages"), 303
    )


@bp.post("/reports/<reference>/checks")
@require_role(CASEWORKER)
def allow_checks_again(reference: str):
    report = _report_or_404(reference)
    attempts.allow_again(report.reference)
    record("allow_checks_again", report)
    db.session.commit()
    return redirect(
        url_for(".report_page", reference=report.reference, done="checks", _anchor="messages"), 303
    )


# Referrals


@bp.post("/reports/<reference>/referrals")
@require_role(CASEWORKER)
def record_referral(reference: str):
    report = _report_or_404(reference)
    blocked = _editable(report)
    if blocked:
        return _render_report(report, {"destination": blocked}, status=400)
    consent = current_consent(report.id)
    parsed = referrals.parse_referral(
        request.form,
        request.form.getlist("shared")[:10],
        consent,
        report,
        bool(results_of(report.id)),
        _today(),
    )
    if parsed.errors:
        return _render_report(report, parsed.errors, referral_form=parsed, status=400)
    referral = Referral(
        report_id=report.id,
        destination=parsed.destination,
        referred_on=parsed.referred_on,
        shared=parsed.shared,
        consent_id=None if parsed.without_consent or consent is None else consent.id,
        without_consent={"reason": parsed.reason} if parsed.without_consent else None,
        outcome="awaiting",
        recorded_by=signed_in_staff().id,
    )
    db.session.add(referral)
    db.session.flush()
    record(
        "record_referral",
        report,
        referral_id=referral.id,
        destination=referral.destination,
        shared=referral.shared,
        without_consent=parsed.without_consent,
    )
    db.session.commit()
    return redirect(
        url_for(".report_page", reference=report.reference, done="referral", _anchor="referrals"), 303
    )


def _referral_or_404(report: Any, referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.report_id != report.id:
        abort(404)
    return referral


@bp.post("/reports/<reference>/referrals/<int(max=2147483647):referral_id>/outcome")
@require_role(CASEWORKER)
def record_referral_outcome(reference: str, referral_id: int):
    report = _report_or_404(reference)
    referral = _referral_or_404(report, referral_id)
    result, on, errors, _typed = referrals.parse_outcome(request.form, referral, _today())
    if errors:
        return _render_report(
            report, {f"{key}-{referral.id}": value for key, value in errors.items()}, status=400
        )
    old = referral.outcome
    referral.outcome = result
    referral.outcome_on = on
    record("record_referral_outcome", report, referral_id=referral.id, old=old, new=result)
    db.session.commit()
    return redirect(
        url_for(".report_page", reference=report.reference, done="outcome", _anchor="referrals"), 303
    )


def _export(report: Any, referral: Referral) -> referrals.ReferralExport:
    return referrals.build_export(
        report, referral, current_consent(report.id), results_of(report.id), utcnow()
    )


@bp.get("/reports/<reference>/referrals/<int(max=2147483647):referral_id>")
@require_role(CASEWORKER)
def referral_page(reference: str, referral_id: int):
    report = _report_or_404(reference)
    referral = _referral_or_404(report, referral_id)
    export = _export(report, referral)
    record("export_referral", report, format="html", referral_id=referral.id)
    db.session.commit()
    return render_template(
        "triage/referral.html", report=report, referral=referral, export=export, views=views
    )


@bp.get("/reports/<reference>/referrals/<int(max=2147483647):referral_id>.csv")
@require_role(CASEWORKER)
def referral_csv(reference: str, referral_id: int):
    report = _report_or_404(reference)
    referral = _referral_or_404(report, referral_id)
    body = referrals.export_csv(_export(report, referral))
    record("export_referral", report, format="csv", referral_id=referral.id)
    db.session.commit()
    filename = f"referral-{report.reference}-{referral.id}.csv"
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


# Risk checklists


def _checklist_or_404(report: Any, checklist_id: str) -> Any:
    if checklist_id not in {q.id for q in checklist_views.checklists_for(report.questionnaire_id)}:
        abort(404)
    published = get_published(checklist_id)
    if published is None:
        abort(404)
    return published


def _checklist_page(
    report: Any,
    published: Any,
    raw: dict[str, dict[str, Any]],
    errors: dict[str, str],
    judgement: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    questionnaire = published.questionnaire
    questions = [
        (
            question_view(questionnaire, question),
            character_count_texts(question.settings["max_length"])
            if "max_length" in question.settings
            else {},
        )
        for question in questionnaire.questions
        if not question.is_notice
    ]
    return render_template(
        "triage/checklist.html",
        report=report,
        checklist=questionnaire,
        title=checklist_views.title_of(questionnaire, questionnaire.id),
        questions=questions,
        raw=raw,
        errors=errors,
        judgement=judgement,
        levels=LEVELS,
        level_name=checklist_views.level_name,
        reason_max=JUDGEMENT_REASON_MAX,
        views=views,
    ), status


@bp.get("/reports/<reference>/checklists/<checklist_id>")
@require_role(CASEWORKER)
def checklist_form(reference: str, checklist_id: str):
    report = _report_or_404(reference)
    published = _checklist_or_404(report, checklist_id)
    record("view_report", report, checklist=checklist_id)
    db.session.commit()
    return _checklist_page(report, published, {}, {}, {})


@bp.post("/reports/<reference>/checklists/<checklist_id>")
@require_role(CASEWORKER)
def complete_checklist(reference: str, checklist_id: str):
    report = _report_or_404(reference)
    published = _checklist_or_404(report, checklist_id)
    questionnaire = published.questionnaire
    blocked = _editable(report)
    if blocked:
        return _render_report(report, {"checklists": blocked}, status=400)
    form = request.form.to_dict(flat=False)
    answers: dict[str, Any] = {}
    raw: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for question in questionnaire.questions:
        if question.is_notice:
            continue
        parsed = parse_answer(question, form)
        raw[question.id] = parsed.raw
        if parsed.error is not None:
            from ..survey.messages import error_message

            # Numbered as on the page: "Select an answer" seven times would not say where.
            number = questionnaire.index_of(question.id) + 1
            errors[question.id] = f"{number}. {error_message(questionnaire, question, parsed.error)}"
        elif parsed.value is not None:
            answers[question.id] = parsed.value
    level = request.form.get("judgement_level", "")
    reason = request.form.get("judgement_reason", "").replace("\r\n", "\n").strip()
    judgement_typed = {"level": level[:16], "reason": reason[: JUDGEMENT_REASON_MAX * 2]}
    judgement = None
    if level:
        if level not in LEVELS[1:]:
            errors["judgement_level"] = _("Select a level from the list")
        elif not reason:
            errors["judgement_reason"] = _("Say why your judgement raises the level")
        elif len(reason) > JUDGEMENT_REASON_MAX:
            errors["judgement_reason"] = _(
                "The reason must be %(max)s characters or fewer", max=JUDGEMENT_REASON_MAX
            )
        else:
            judgement = (level, reason)
    if errors:
        return _checklist_page(report, published, raw, errors, judgement_typed, 400)
    result = outcome(questionnaire.questions, questionnaire.scoring, answers, judgement)
    snapshot_for(published)
    completed = record_result(report, questionnaire, answers, result, signed_in_staff().id)
    record(
        "complete_checklist",
        report,
        checklist=questionnaire.id,
        result_id=completed.id,
        level=result.level,
        raised_by_judgement=result.judgement is not None,
    )
    db.session.commit()
    return redirect(
        url_for(".report_page", reference=report.reference, done="checklist", _anchor="checklists"), 303
    )
