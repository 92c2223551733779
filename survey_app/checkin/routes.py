"""The check pages at /forms/check: give a reference and memorable word, then read and answer.

Every answer to a wrong reference or word is the same, whether or not the report exists, and the
word is checked as slowly either way. Titles are the forms' neutral title on every page.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import rate_limits
from ..audit import record_for_reporter
from ..columns import utcnow
from ..extensions import db
from ..kiosk import current_centre, reset_browser
from ..reports.followup import (
    MESSAGE_MAX_LENGTH,
    REPORTER,
    ReportMessage,
    access_for,
    messages_of,
)
from ..reports.models import Report
from ..reports.sharing import CONSENT_PARTS, current_consent, destinations_in, record_consent
from . import attempts, consent, contacts, setup, visits, words
from .wording import reporter_status

bp = Blueprint("check", __name__, url_prefix="/forms/check")

# References as the confirmation page shows them (R-ABCD-EFGH-JK); typed with or without the
# dashes, in capitals or not, with spaces.
_REFERENCE = re.compile(r"^R[A-Z2-9]{10}$")


def normalise_reference(typed: str) -> str | None:
    compact = re.sub(r"[\s\-‐-―]", "", typed or "").upper()[:40]
    if not _REFERENCE.match(compact):
        return None
    return f"R-{compact[1:5]}-{compact[5:9]}-{compact[9:11]}"


def _sign_in_page(
    errors: dict[str, str] | None = None, reference: str = "", status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    return render_template(
        "check/sign_in.html",
        errors=errors or {},
        reference=reference,
        notice=notice,
    ), status


@bp.get("")
def sign_in():
    done = request.args.get("done")
    notice = {
        "ready": _(
            "Your memorable word is saved. To check your report, come back to this page and enter "
            "your reference and memorable word."
        ),
        "finished": _("You have left your report. Nothing about it is left on this device."),
        "idle": _(
            "You were away for a while, so we closed your report to keep it private. Enter your "
            "reference and memorable word again."
        ),
    }.get(done or "")
    return _sign_in_page(notice=notice)


def _check_limit() -> str:
    return current_app.config["CHECK_RATE_LIMIT"]


@bp.post("")
@rate_limits.limit(_check_limit)
def check():
    typed = request.form.get("reference", "")[:60]
    word = request.form.get("word", "")[: words.MAX_LENGTH * 2]
    errors: dict[str, str] = {}
    reference = normalise_reference(typed)
    if not typed.strip():
        errors["reference"] = _("Enter your reference")
    elif reference is None:
        errors["reference"] = _("Enter your reference as it was shown to you, like R-ABCD-EFGH-JK")
    if not word.strip():
        errors["word"] = _("Enter your memorable word")
    if errors or reference is None:
        return _sign_in_page(errors, typed, 400)

    # The try is counted before the word is checked, so tries sent together cannot pass the limit.
    admission = attempts.take(reference)
    db.session.commit()
    if not admission.allowed:
        return _sign_in_page(_refusal(admission), typed, 400)
    report = db.session.scalar(sa.select(Report).where(Report.reference == reference))
    access = access_for(report.id) if report is not None else None
    # A report whose answers are gone (erased, purged, discarded) cannot be read: as if no word.
    readable = report is not None and not report.answers_gone
    word_hash = access.word_hash if access is not None and readable else None
    # Checked (slowly) whether or not there is a word to check, so that no answer is quicker.
    if words.word_matches(word_hash, word) and report is not None and word_hash is not None:
        attempts.succeeded(reference)
        visits.start(report)
        record_for_reporter("reporter_checked", report)
        db.session.commit()
        return redirect(url_for(".your_report"), 303)
    next_try = attempts.failed(reference)
    db.session.commit()
    return _sign_in_page(_refusal(next_try, wrong=True), typed, 400)


def _refusal(admission: attempts.Admission, wrong: bool = False) -> dict[str, str]:
    """The same words for every reference, real or not."""
    if admission.stopped:
        return {
            "reference": _(
                "You cannot try again with this reference. If it is your report, contact a reporting "
                "centre or call 101, give your reference and ask for the hate crime and domestic abuse team."
            )
        }
    message = _("The reference and memorable word do not match. Check them and try again.") if wrong else ""
    if admission.wait_seconds:
        wait = _(
            "To keep reports safe, wait %(seconds)s seconds before you try again.",
            seconds=admission.wait_seconds,
        )
        message = f"{message} {wait}".strip()
    return {"reference": message}


def _visiting() -> Report | WerkzeugResponse:
    report = visits.current_report()
    if report is None:
        return redirect(url_for(".sign_in", done="idle" if request.cookies.get(visits.COOKIE) else None), 303)
    return report


def _report_page(
    report: Report,
    errors: dict[str, str] | None = None,
    typed: dict[str, Any] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    access = access_for(report.id)
    return render_template(
        "check/report.html",
        report=report,
        status_text=reporter_status(report),
        messages=messages_of(report.id),
        consent_parts=consent.consent_parts(report, current_consent(report.id)),
        contact=(access.contact if access is not None else None),
        notifications=contacts.enabled(),
        errors=errors or {},
        typed=typed or {},
        done=request.args.get("done") if request.method == "GET" else None,
        message_max=MESSAGE_MAX_LENGTH,
        reporter=REPORTER,
    ), status


@bp.get("/view")
def your_report():
    report = _visiting()
    if isinstance(report, WerkzeugResponse):
        return report
    return _report_page(report)


@bp.post("/send")
def send_message():
    report = _visiting()
    if isinstance(report, WerkzeugResponse):
        return report
    text = request.form.get("message", "").replace("\r\n", "\n").strip()
    error = None
    if not text:
        error = _("Enter your message")
    elif len(text) > MESSAGE_MAX_LENGTH:
        error = _("Your message must be %(max)s characters or fewer", max=MESSAGE_MAX_LENGTH)
    if error:
        return _report_page(report, {"message": error}, {"message": text[: MESSAGE_MAX_LENGTH * 2]}, 400)
    db.session.add(ReportMessage(report_id=report.id, sender=REPORTER, body={"text": text}))
    # In one statement, so that a caseworker opening the report at this moment cannot lose it.
    db.session.execute(sa.update(Report).where(Report.id == report.id).values(reporter_wrote=True))
    record_for_reporter("reporter_wrote", report)
    db.session.commit()
    return redirect(url_for(".your_report", done="sent"), 303)


@bp.post("/sharing")
def change_consent():
    report = _visiting()
    if isinstance(report, WerkzeugResponse):
        return report
    previous = current_consent(report.id)
    offered = {part.part: part for part in consent.consent_parts(report, previous)}
    sent_parts = request.form.getlist("parts")[:5]
    chosen: dict[str, list[str]] = {}
    for part in CONSENT_PARTS:
        if part in offered and part in sent_parts:
            allowed = {value for value, _label in offered[part].options}
            chosen[part] = destinations_in(v for v in request.form.getlist(part)[:20] if v in allowed)
        else:
            # A part the page did not offer keeps what it was.
            chosen[part] = list(getattr(previous, part, None) or [])
    unchanged = previous is not None and all(
        chosen[part] == (getattr(previous, part) or []) for part in CONSENT_PARTS
    )
    if not unchanged:
        record_consent(report.id, chosen, "check")
        record_for_reporter("reporter_changed_consent", report, **chosen)
        db.session.commit()
    return redirect(url_for(".your_report", done="saved"), 303)


@bp.post("/tell-me")
def change_contact():
    report = _visiting()
    if isinstance(report, WerkzeugResponse):
        return report
    if not contacts.enabled():
        abort(404)
    access = access_for(report.id)
    if access is None:
        abort(404)
    if request.form.get("action") == "remove":
        access.contact = None
        record_for_reporter("reporter_changed_contact", report, contact="removed")
        db.session.commit()
        return redirect(url_for(".your_report", done="off"), 303)
    email = request.form.get("email", "")[:400]
    problem = contacts.email_problem(email, request.form.get("safe") == "yes")
    if problem:
        return _report_page(report, {problem[0]: problem[1]}, {"email": email}, 400)
    access.contact = {"kind": "email", "value": contacts.clean_email(email)}
    record_for_reporter("reporter_changed_contact", report, contact="set")
    db.session.commit()
    return redirect(url_for(".your_report", done="on"), 303)


@bp.post("/finish")
def finish():
    """Leave the report: the visit ends on the server and everything this browser holds goes."""
    centre = current_centre()
    if centre:
        return reset_browser(url_for("kiosk.start", centre_id=centre.id), forget_language=True)
    return reset_browser(url_for(".sign_in", done="finished"))


# Choosing a memorable word, from the confirmation page of a report


@bp.post("/word")
def choose_word():
    token = request.form.get("setup", "")
    access = setup.access_for_setup(token)
    if access is None:
        return render_template("check/word_expired.html"), 400
    word = request.form.get("word", "")[: words.MAX_LENGTH * 4]
    again = request.form.get("word_again", "")[: words.MAX_LENGTH * 4]
    errors: dict[str, str] = {}
    problem = words.word_problem(word, again)
    if problem:
        errors["word"] = problem
    email = request.form.get("email", "")[:400]
    wants_contact = contacts.enabled() and bool(email.strip())
    if wants_contact:
        contact_problem = contacts.email_problem(email, request.form.get("safe") == "yes")
        if contact_problem:
            errors[contact_problem[0]] = contact_problem[1]
    if errors:
        report = db.session.get(Report, access.report_id)
        return render_template(
            "check/choose_word.html",
            # Shown again: the confirmation page that showed it first cannot be opened again.
            reference=report.reference if report is not None else "",
            setup_token=token,
            errors=errors,
            email=email,
            notifications=contacts.enabled(),
        ), 400
    access.word_hash = words.hash_word(word)
    access.word_set_at = utcnow()
    access.setup_token_hash = None
    access.setup_expires_at = None
    if wants_contact:
        access.contact = {"kind": "email", "value": contacts.clean_email(email)}
    db.session.commit()
    return redirect(url_for(".sign_in", done="ready"), 303)
