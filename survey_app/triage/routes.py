"""Triage pages: the report queue, a report, its referral, the audit log and the counts.

Every route is under /staff and declares who may use it (survey_app/staff/access.py). Opening a
report, changing it, exporting it and reading the audit log each write an audit record
(survey_app/audit.py); the queue and the counts show only readable facts, never answers, and are
not audited.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..audit import ACTIONS, find_events, record
from ..centres import all_centres
from ..columns import utcnow
from ..extensions import db
from ..questionnaire.scoring import HIGHEST
from ..reports.models import CASEWORKER_STATUSES, STATUSES, Report, counted, held_count
from ..staff.access import require_role
from ..staff.auth import signed_in_staff
from ..staff.models import User
from . import floods, views
from .models import ReportNote

bp = Blueprint("triage", __name__, url_prefix="/staff")


def urgent_first() -> sa.ColumnElement[int]:
    """0 for an open report whose latest risk checklist says high, 1 for the rest."""
    return sa.case(
        (sa.and_(Report.risk_level == HIGHEST, Report.status.not_in(("closed", "discarded"))), 0), else_=1
    )


CASEWORKER = "caseworker"


def _report_or_404(reference: str) -> Report:
    if not views.REFERENCE.match(reference):
        abort(404)
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    if report is None:
        abort(404)
    return report


@bp.get("/reports")
@require_role(CASEWORKER)
def queue():
    filters = views.parse_queue_filters(request.args)
    reports: list[Any] = []  # rows of the readable columns, not Report objects
    total = 0
    if not filters.errors:
        # Reports held as a possible flood wait apart until a caseworker releases them.
        query = sa.select(Report).where(Report.held.is_(False))
        if filters.form:
            query = query.where(Report.questionnaire_id == filters.form)
        if filters.status:
            query = query.where(Report.status == filters.status)
        else:
            # A discarded flood stays out of sight unless asked for by its status.
            query = query.where(Report.status != "discarded")
        if filters.centre == "online":
            query = query.where(Report.centre.is_(None))
        elif filters.centre:
            query = query.where(Report.centre == filters.centre)
        if filters.date_from:
            query = query.where(Report.submitted_at >= views.day_start(filters.date_from))
        if filters.date_to and views.day_after(filters.date_to):
            query = query.where(Report.submitted_at < views.day_after(filters.date_to))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
        # Only the readable columns: the queue never decrypts an answer.
        reports = list(
            db.session.execute(
                query.with_only_columns(
                    Report.id,
                    Report.reference,
                    Report.questionnaire_id,
                    Report.centre,
                    Report.status,
                    Report.submitted_at,
                    Report.purged_at,
                    Report.risk_cues,
                    Report.risk_level,
                    Report.risk_step,
                    Report.reporter_wrote,
                )
                # An open report at high risk comes first, whatever else is newer (ADR 0029).
                .order_by(urgent_first(), Report.submitted_at.desc(), Report.id.desc())
                .limit(views.PER_PAGE)
                .offset((filters.page - 1) * views.PER_PAGE)
            )
        )
    status = 400 if filters.errors else 200
    from ..reports.sharing import Referral
    from . import checklist_views

    referred = (
        list(
            db.session.scalars(
                sa.select(Referral)
                .join(Report, Referral.report_id == Report.id)
                .where(Report.reference.in_([r.reference for r in reports if r.risk_step]))
            )
        )
        if any(r.risk_step for r in reports)
        else []
    )
    return render_template(
        "triage/queue.html",
        checklist_views=checklist_views,
        referred=referred,
        now=utcnow(),
        filters=filters,
        reports=reports,
        total=total,
        pages=views.page_count(total),
        forms={qid: views.form_title(qid) for qid in views.report_forms()},
        centres=all_centres(),
        statuses=STATUSES,
        held=held_count(),
        views=views,
    ), status


def _render_report(
    report: Report,
    errors: dict[str, str] | None = None,
    note_text: str = "",
    status: int = 200,
    message_text: str = "",
    referral_form: Any = None,
) -> tuple[str, int]:
    """The report page: every read of it, including a form sent back with an error, is audited."""
    from ..checkin import attempts
    from ..reports import sharing
    from ..reports.followup import access_for, messages_of
    from ..reports.risk import results_of
    from . import checklist_views

    record("view_report", report)
    # Opening the report is reading what the person sent: it is no longer news. Cleared in one
    # statement before the messages are read, so that one sent meanwhile sets it again.
    db.session.execute(sa.update(Report).where(Report.id == report.id).values(reporter_wrote=False))
    db.session.commit()
    notes = db.session.scalars(
        sa.select(ReportNote).where(ReportNote.report_id == report.id).order_by(ReportNote.created_at)
    ).all()
    access = access_for(report.id)
    consents = sharing.consent_history(report.id)
    return render_template(
        "triage/report.html",
        report=report,
        form_title=views.form_title(report.questionnaire_id),
        answers=views.answer_rows(report.questionnaire_id, report.answers or {}),
        facts=views.answer_rows(report.questionnaire_id, report.facts or {}),
        notes=notes,
        statuses=CASEWORKER_STATUSES,
        errors=errors or {},
        note_text=note_text,
        message_text=message_text,
        referral_form=referral_form,
        done=request.args.get("done") if request.method == "GET" else None,
        note_max=views.NOTE_MAX_LENGTH,
        consent=consents[0] if consents else None,
        consent_history=consents,
        messages=messages_of(report.id),
        can_write=access is not None and access.word_hash is not None and not report.answers_gone,
        checks_stopped=access is not None
        and access.word_hash is not None
        and attempts.is_stopped(report.reference),
        referrals=sharing.referrals_of(report.id),
        checklist_results=results_of(report.id),
        checklists=checklist_views.checklists_for(report.questionnaire_id),
        today=views.uk_day(utcnow()),
        now=utcnow(),
        sharing=sharing,
        checklist_views=checklist_views,
        views=views,
    ), status


@bp.get("/reports/held")
@require_role(CASEWORKER)
def held_reports():
    return _held_page()


def _held_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    return render_template(
        "triage/held.html",
        reports=floods.held_reports(views.HELD_PER_PAGE),
        total=held_count(),
        newest_id=floods.newest_held_id(),
        error=error,
        done=request.args.get("done") if request.method == "GET" else None,
        count=request.args.get("count", "")[:6] if request.method == "GET" else "",
        views=views,
    ), status


@bp.post("/reports/held")
@require_role(CASEWORKER)
def decide_held():
    decision = request.form.get("decision", "")
    everything = request.form.get("scope") == "all"
    sent = request.form.getlist("reference")[: views.HELD_PER_PAGE]
    references = [reference for reference in sent if views.REFERENCE.match(reference)]
    if decision not in floods.DECISIONS:
        return _held_page(_("Select whether to release or discard the reports"), 400)
    if not everything and not references:
        return _held_page(_("Select at least one report"), 400)
    up_to_text = request.form.get("up_to", "")
    up_to = (
        int(up_to_text) if up_to_text.isascii() and up_to_text.isdigit() and len(up_to_text) < 12 else None
    )
    if everything and up_to is None:
        # "Every held report" means every one the caseworker was shown, never those since.
        return _held_page(_("Select at least one report"), 400)
    chosen = floods.select_held(None if everything else references, up_to)
    if not chosen:
        return _held_page(_("None of the selected reports is held any more"), 400)
    if decision == floods.DISCARD and request.form.get("confirm") != "yes":
        return render_template(
            "triage/held_confirm.html", reports=chosen, everything=everything, views=views
        ), 200
    done = floods.decide(chosen, decision)
    db.session.commit()
    return redirect(url_for(".held_reports", done=decision, count=done), 303)


@bp.get("/reports/<reference>")
@require_role(CASEWORKER)
def report_page(reference: str):
    return _render_report(_report_or_404(reference))


@bp.post("/reports/<reference>/status")
@require_role(CASEWORKER)
def change_status(reference: str):
    report = _report_or_404(reference)
    new = request.form.get("status", "")
    if report.status == "discarded":
        # Its answers are gone: it cannot come back into the queue or the counts.
        return _render_report(
            report, {"status": _("A discarded report's status cannot be changed")}, status=400
        )
    if new not in CASEWORKER_STATUSES:
        return _render_report(report, {"status": _("Select a status from the list")}, status=400)
    old = report.status
    if new != old:
        report.status = new
        report.closed_at = utcnow() if new == "closed" else None
        record("change_status", report, old=old, new=new)
        db.session.commit()
    return redirect(url_for(".report_page", reference=report.reference, done="status"), 303)


@bp.post("/reports/<reference>/notes")
@require_role(CASEWORKER)
def add_note(reference: str):
    report = _report_or_404(reference)
    text = request.form.get("note", "").replace("\r\n", "\n").strip()
    error = None
    if report.purged_at is not None:
        error = _("This report's answers have been deleted under the retention policy: notes cannot be added")
    elif not text:
        error = _("Enter a note")
    elif len(text) > views.NOTE_MAX_LENGTH:
        error = _("A note must be %(max)s characters or fewer", max=views.NOTE_MAX_LENGTH)
    if error:
        kept = text[: views.NOTE_MAX_LENGTH * 2]
        return _render_report(report, {"note": error}, note_text=kept, status=400)
    note = ReportNote(report_id=report.id, author_id=signed_in_staff().id, text={"text": text})
    db.session.add(note)
    db.session.flush()
    record("add_note", report, note_id=note.id)
    db.session.commit()
    return redirect(url_for(".report_page", reference=report.reference, done="note"), 303)


@bp.get("/audit")
@require_role("admin")
def audit_log():
    users = db.session.scalars(sa.select(User).order_by(User.display_name, User.id)).all()
    filters = views.parse_audit_filters(request.args, [user.id for user in users])
    events: list[Any] = []
    total = 0
    if not filters.errors:
        total, events = find_events(
            user=filters.user,
            action=filters.action,
            reference=filters.reference,
            page=filters.page,
            per_page=views.PER_PAGE,
        )
    # The read itself goes on the record, after the list is read so that it does not show in it.
    record("view_audit_log", None, filters=filters.params())
    db.session.commit()
    return render_template(
        "triage/audit.html",
        filters=filters,
        events=events,
        total=total,
        pages=views.page_count(total),
        users=users,
        actions=ACTIONS,
        views=views,
    ), 400 if filters.errors else 200


@bp.get("/counts")
@require_role("caseworker", "analyst", "admin")
def counts():
    # Reports held or discarded as a possible flood are left out of the board's figures.
    left_out = db.session.scalar(sa.select(sa.func.count()).where(sa.not_(counted()))) or 0
    return render_template(
        "triage/counts.html",
        counts=views.report_counts(),
        casework=views.casework_counts(),
        left_out=left_out,
        views=views,
    )
