"""What the check pages offer the person about sharing: for each part (contact details, what
happened), the organisations they may agree to, as their report's own form version asked, and what
they agreed to last. A report made before a form asked (or on a form since retired) is offered every
organisation, so that consent can always be seen, given and withdrawn."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..i18n import qtext
from ..questionnaire import Questionnaire
from ..registry import published_version
from ..reports.models import Report
from ..reports.sharing import CONSENT_PARTS, CONSENTABLE, ReportConsent, destination_name, part_name


@dataclass(frozen=True)
class ConsentPart:
    part: str
    legend: str
    options: list[tuple[str, str]]  # (destination, label)
    agreed: list[str]


def form_of(report: Report) -> Questionnaire | None:
    """The form version the report was made on (its labels and declarations), if still known."""
    published = published_version(report.questionnaire_id, report.questionnaire_version)
    return published.questionnaire if published is not None else None


def consent_parts(report: Report, consent: ReportConsent | None) -> list[ConsentPart]:
    questionnaire = form_of(report)
    asked = {q.consent: q for q in questionnaire.questions if q.consent} if questionnaire else {}
    answers: Mapping[str, Any] = report.answers or {}
    gave_contact = questionnaire is not None and any(q.id in answers for q in questionnaire.contact_questions)
    parts = []
    for part in CONSENT_PARTS:
        agreed = list(getattr(consent, part, None) or [])
        if part == "contact_details" and not (gave_contact or agreed):
            continue  # no contact details to share (an anonymous report)
        question = asked.get(part)
        if questionnaire is not None and question is not None:
            legend = qtext(questionnaire, f"{question.id}.title", question.title)
            options = [
                (c.value, qtext(questionnaire, f"{question.id}.choice.{c.value}", c.label))
                for c in question.choices
                if c.value in CONSENTABLE
            ]
        else:
            legend = part_name(part)
            options = [(d, destination_name(d)) for d in CONSENTABLE]
        offered = {value for value, _label in options}
        # An organisation agreed to before can always be seen, and taken back.
        options += [(d, destination_name(d)) for d in agreed if d not in offered]
        parts.append(ConsentPart(part, legend, options, agreed))
    return parts
