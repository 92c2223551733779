"""Referrals: the form that records one, and what its export may contain.

A referral shares parts of a report (contact details, what happened, the risk checklists) with one
destination. Each part must be allowed by the consent in force for that destination, or the
caseworker records why it is shared without consent. The export is built when it is asked for,
under the consent in force then: a part the person has since withdrawn is left out, and the
export says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ..formats import date_text, datetime_text
from ..questionnaire import Questionnaire
from ..registry import published_version
from ..reports.models import Report
from ..reports.risk import ChecklistResult
from ..reports.sharing import (
    DESTINATIONS,
    OUTCOMES,
    SHARED_PARTS,
    SOURCES,
    WITHOUT_CONSENT_MAX,
    Referral,
    ReportConsent,
    check_sharing,
    destination_name,
    part_name,
)
from ..spreadsheets import neutralise
from . import views
from .checklist_views import result_rows


@dataclass
class ReferralForm:
    destination: str = ""
    referred_on: dt.date | None = None
    shared: list[str] = field(default_factory=list)
    without_consent: bool = False
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, dict[str, str]] = field(default_factory=dict)


def parse_referral(
    form: Mapping[str, Any],
    shared: list[str],
    consent: ReportConsent | None,
    report: Report,
    has_checklists: bool,
    today: dt.date,
) -> ReferralForm:
    parsed = ReferralForm(errors={})
    errors = parsed.errors
    destination = str(form.get("destination", ""))[:40]
    if destination not in DESTINATIONS:
        errors["destination"] = _("Select who the report was referred to")
    else:
        parsed.destination = destination
    parsed.referred_on = views.date_from_boxes(
        form,
        "referred_on",
        errors,
        _("Enter the date of the referral as a real date, like 27 3 2026"),
        parsed.typed,
    )
    if "referred_on" not in errors:
        if parsed.referred_on is None:
            errors["referred_on"] = _("Enter the date of the referral")
        elif parsed.referred_on > today:
            errors["referred_on"] = _("The date of the referral must be today or in the past")
        elif parsed.referred_on < views.uk_day(report.submitted_at):
            errors["referred_on"] = _(
                "The date of the referral must be on or after the day the report was made"
            )
    parsed.shared = [part for part in SHARED_PARTS if part in shared]
    if not parsed.shared:
        errors["shared"] = _("Select what was shared")
    elif "risk_checklists" in parsed.shared and not has_checklists:
        errors["shared"] = _("No risk checklist has been completed for this report: untick risk checklists")
    parsed.without_consent = form.get("without_consent") == "yes"
    parsed.reason = str(form.get("reason", "")).replace("\r\n", "\n").strip()[: WITHOUT_CONSENT_MAX * 2]
    if parsed.without_consent:
        if not parsed.reason:
            errors["reason"] = _("Say why this must be shared without the person's consent")
        elif len(parsed.reason) > WITHOUT_CONSENT_MAX:
            errors["reason"] = _("The reason must be %(max)s characters or fewer", max=WITHOUT_CONSENT_MAX)
    elif parsed.destination and parsed.shared and "shared" not in errors:
        check = check_sharing(consent, parsed.destination, parsed.shared)
        if not check.allowed:
            errors["shared"] = _(
                "The person has not agreed to share %(parts)s with %(destination)s. Untick it, or record "
                "why it must be shared without consent.",
                parts=", ".join(part_name(part).lower() for part in check.not_allowed),
                destination=destination_name(parsed.destination),
            )
    return parsed


def parse_outcome(
    form: Mapping[str, Any], referral: Referral, today: dt.date
) -> tuple[str, dt.date | None, dict[str, str], dict[str, dict[str, str]]]:
    errors: dict[str, str] = {}
    typed: dict[str, dict[str, str]] = {}
    outcome = str(form.get("outcome", ""))[:24]
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Select the outcome")
    on = views.date_from_boxes(
        form, "outcome_on", errors, _("Enter the date of the outcome as a real date, like 27 3 2026"), typed
    )
    if "outcome_on" not in errors and on is not None:
        if on > today:
            errors["outcome_on"] = _("The date of the outcome must be today or in the past")
        elif on < referral.referred_on:
            errors["outcome_on"] = _("The date of the outcome must be on or after the date of the referral")
    if outcome and outcome != "awaiting" and on is None and not errors:
        on = today
    return outcome, (None if outcome == "awaiting" else on), errors, typed


# The export


@dataclass(frozen=True)
class ExportSection:
    part: str
    title: str
    rows: list[tuple[str, str]]


@dataclass(frozen=True)
class ReferralExport:
    header: list[tuple[str, str]]
    # What the export relies on, in words: the consent (its date and source) or the reason.
    basis: list[str]
    sections: list[ExportSection]
    # The names of parts recorded as shared that are left out now: consent was withdrawn since.
    withdrawn: list[str]


def _answers_of_part(
    questionnaire: Questionnaire | None, answers: Mapping[str, Any], part: str
) -> dict[str, Any]:
    if questionnaire is None:
        # Without the form it was made on, nothing says which answers are contact details.
        return {}
    contact_ids = {q.id for q in questionnaire.contact_questions}
    consent_ids = {q.id for q in questionnaire.questions if q.consent}
    if part == "contact_details":
        return {key: value for key, value in answers.items() if key in contact_ids}
    return {key: value for key, value in answers.items() if key not in contact_ids and key not in consent_ids}


def build_export(
    report: Report,
    referral: Referral,
    consent: ReportConsent | None,
    checklists: list[ChecklistResult],
    generated_at: dt.datetime,
) -> ReferralExport:
    # The form version the report was made on says which answers are contact details.
    published = published_version(report.questionnaire_id, report.questionnaire_version)
    questionnaire = published.questionnaire if published else None
    reason = (referral.without_consent or {}).get("reason")
    if reason:
        parts = list(referral.shared)
        withdrawn: list[str] = []
        basis = [
            _(
                "Shared without the person's consent. Reason recorded by the caseworker: %(reason)s",
                reason=reason,
            )
        ]
    else:
        parts = [
            p for p in referral.shared if consent is not None and consent.allows(p, referral.destination)
        ]
        withdrawn = [part_name(p) for p in referral.shared if p not in parts]
        basis = [
            _(
                "%(part)s: the person consented to sharing with: %(destination)s "
                "(recorded %(date)s, %(source)s).",
                part=part_name(part),
                destination=destination_name(referral.destination),
                date=datetime_text(consent.recorded_at),
                source=str(SOURCES.get(consent.source, consent.source)).lower(),
            )
            for part in parts
            if consent is not None
        ]
    header = [
        (_("Reference"), report.reference),
        (_("Form"), views.form_title(report.questionnaire_id)),
        (_("Referred to"), destination_name(referral.destination)),
        (_("Date of referral"), date_text(referral.referred_on)),
        (_("Shared"), ", ".join(part_name(p) for p in parts) or _("Nothing")),
        (_("Submitted"), datetime_text(report.submitted_at)),
        (_("Reporting centre"), views.centre_name(report.centre)),
        (_("Exported"), datetime_text(generated_at)),
    ]
    sections = []
    answers = report.answers or {}
    for part in parts:
        if part == "risk_checklists":
            rows: list[tuple[str, str]] = []
            # Only what there was when the referral was made: a later checklist was not shared.
            for result in checklists:
                if result.completed_at <= referral.recorded_at:
                    rows += result_rows(result)
        else:
            chosen = _answers_of_part(questionnaire, answers, part)
            rows = [
                (row.label, "\n".join(row.lines))
                for row in views.answer_rows(report.questionnaire_id, chosen)
            ]
        sections.append(ExportSection(part, part_name(part), rows))
    return ReferralExport(header, basis, sections, withdrawn)


def export_csv(export: ReferralExport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows: list[tuple[str, str]] = [(_("Field"), _("Answer")), *export.header]
    rows += [(_("Consent relied on"), line) for line in export.basis]
    if export.withdrawn:
        rows.append(
            (
                _("Left out"),
                _("The person has since withdrawn consent for: %(parts)s", parts=", ".join(export.withdrawn)),
            )
        )
    for section in export.sections:
        rows.append((section.title, ""))
        rows += section.rows
    for label, value in rows:
        writer.writerow([neutralise(label), neutralise(value)])
    # A byte order mark, so that Excel reads the file as UTF-8.
    return "\ufeff" + out.getvalue()
