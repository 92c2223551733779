"""The safe contact a person may give, and the only thing ever sent to it: a neutral line saying
there is a new message, with nothing in it about the report or what it is about.

Sending is by email through SMTP (REPORTER_NOTIFICATIONS=smtp), written to the log without the
address in development (=log), or switched off (=off). Each notice is queued in the database and
sent after the request that queued it; `flask --app wsgi reports send-notifications` retries any
that failed.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..columns import utcnow
from ..extensions import db
from ..reports.followup import ReporterNotification, access_for
from ..reports.models import Report

log = logging.getLogger(__name__)

# A plain check, not a validator: the address only has to be one an email can be sent to.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}$")
MAX_ATTEMPTS = 5
SUBJECT = "You have a new message"
BODY = "You have a new message. Use your reference to read it.\n\nSafer Trafford Partnership\n"


def enabled() -> bool:
    return current_app.config["REPORTER_NOTIFICATIONS"] != "off"


def clean_email(email: str) -> str:
    return email.strip()


def email_problem(email: str, safe: bool) -> tuple[str, str] | None:
    """(field, message) for what is wrong with a contact given as safe, or None."""
    address = clean_email(email)
    if not address:
        return "email", _("Enter an email address")
    if len(address) > 254 or not _EMAIL.match(address):
        return "email", _("Enter an email address in the right format, like name@example.com")
    if not safe:
        return "safe", _("Confirm that nobody else reads this email address, or leave it blank")
    return None


def queue_for(report: Report) -> ReporterNotification | None:
    """Queue a notice of a new message if the person gave a safe contact (the caller commits)."""
    access = access_for(report.id)
    if not enabled() or access is None or not access.contact:
        return None
    notice = ReporterNotification(report_id=report.id)
    db.session.add(notice)
    return notice


def send_pending(limit: int = 100, only: int | None = None) -> tuple[int, int]:
    """Send the queued notices (or the one `only`); how many were sent and how many failed.

    Each is claimed before it is sent, by counting the attempt in one statement on the count read,
    so two senders at the same moment (a caseworker's request and the command) never both send it.
    """
    mode = current_app.config["REPORTER_NOTIFICATIONS"]
    query = sa.select(ReporterNotification.id, ReporterNotification.attempts).where(
        ReporterNotification.sent_at.is_(None), ReporterNotification.attempts < MAX_ATTEMPTS
    )
    if only is not None:
        query = query.where(ReporterNotification.id == only)
    pending = db.session.execute(query.order_by(ReporterNotification.id).limit(limit)).all()
    table = ReporterNotification.__table__
    sent = failed = 0
    for notice_id, attempts in pending:
        claimed = db.session.execute(
            table.update()
            .where(table.c.id == notice_id, table.c.attempts == attempts, table.c.sent_at.is_(None))
            .values(attempts=attempts + 1)
        )
        db.session.commit()
        if cast(sa.CursorResult[Any], claimed).rowcount != 1:
            continue  # another sender has it
        notice = db.session.get(ReporterNotification, notice_id)
        if notice is None:
            continue
        access = access_for(notice.report_id)
        contact = access.contact if access is not None else None
        if mode == "off" or not contact:
            # Nothing to send to any more (the contact was removed, or the report erased).
            notice.attempts = MAX_ATTEMPTS
            notice.last_error = "no safe contact"
            db.session.commit()
            continue
        report = db.session.get(Report, notice.report_id)
        try:
            # In the language the person reported in; the words never say what the report is about.
            with force_locale(report.language if report is not None else "en"):
                subject = _("You have a new message")
                body = _("You have a new message. Use your reference to read it.") + "\n\n"
                body += _("Safer Trafford Partnership") + "\n"
            _send(mode, contact["value"], subject, body)
        except (OSError, smtplib.SMTPException) as error:
            notice.last_error = type(error).__name__[:200]
            failed += 1
            log.warning(
                "a reporter notification could not be sent (notification %s): %s",
                notice.id,
                notice.last_error,
            )
        else:
            notice.sent_at = utcnow()
            notice.last_error = None
            sent += 1
        db.session.commit()
    return sent, failed


def _send(mode: str, address: str, subject: str, body: str) -> None:
    config = current_app.config
    if mode == "log":
        log.info("reporter notification sent (development: to the log, not to the address)")
        return
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
