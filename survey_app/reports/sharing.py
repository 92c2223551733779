"""Consent to share a report, and the referrals made under it.

A reporting form asks which organisations the person agrees may receive their contact details,
and which may receive what happened (`consent: contact_details` and `consent: what_happened` on a
multiple-choice question whose choices are destinations named here). Each answer, and each change
made later through the check pages, is a `ReportConsent` row: the latest is the one in force.
A referral can share only the parts that consent allows for its destination, unless a caseworker
records why the law lets it be shared without consent (a risk to someone's life, say).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import EncryptedJSON, JSONType, UTCDateTime, utcnow
from ..extensions import Model, db
from ..questionnaire import Questionnaire
from ..questionnaire.model import CONSENT_PARTS, SHARING_DESTINATIONS
from ..staff.models import User

# Where a report can go. The consent questions may offer any of these but "marac", which a
# caseworker refers to on a risk level, not on the person's choice.
DESTINATIONS = {
    "police": _l("Greater Manchester Police"),
    "domestic_abuse_service": _l("Domestic abuse support service"),
    "housing_provider": _l("Housing provider"),
    "victim_support": _l("Victim Support"),
    "national_hate_crime": _l("True Vision, the national hate crime reporting service"),
    "marac": _l("Multi-agency risk assessment conference (MARAC)"),
}
CONSENTABLE = tuple(d for d in DESTINATIONS if d != "marac")
if tuple(DESTINATIONS) != SHARING_DESTINATIONS:
    raise RuntimeError("every destination the questionnaires may name needs a name here")
# The answer that agrees to none of them.
NONE = "none"

# What a referral can share: contact details, what happened, and the risk checklists completed
# with the person, which go under the consent for what happened.
SHARED_PARTS = ("contact_details", "what_happened", "risk_checklists")
PART_NAMES = {
    "contact_details": _l("Contact details"),
    "what_happened": _l("What happened"),
    "risk_checklists": _l("Risk checklists"),
}
CONSENT_FOR_PART = {
    "contact_details": "contact_details",
    "what_happened": "what_happened",
    "risk_checklists": "what_happened",
}
OUTCOMES = {
    "awaiting": _l("Not known yet"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "no_contact": _l("Could not contact the person"),
    "person_declined": _l("The person declined support"),
    "withdrawn": _l("Withdrawn"),
}
SOURCES = {"form": _l("In the report"), "check": _l("Changed by the person on the check pages")}
WITHOUT_CONSENT_MAX = 1000


def destination_name(destination: str) -> str:
    return str(DESTINATIONS.get(destination, destination))


def destination_list(destinations: Iterable[str]) -> str:
    """The destinations' names in a line, or "No one"."""
    names = [destination_name(d) for d in destinations or []]
    return ", ".join(names) if names else str(_l("No one"))


def part_name(part: str) -> str:
    return str(PART_NAMES.get(part, part))


def outcome_name(outcome: str) -> str:
    return str(OUTCOMES.get(outcome, outcome))


class ReportConsent(Model):
    """Who the person agreed may receive their contact details and what happened, from when."""

    __tablename__ = "report_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(16))
    # Destination ids (CONSENTABLE): readable, since which organisations a report may go to
    # identifies no one.
    contact_details: Mapped[list[str]] = mapped_column(JSONType, default=list)
    what_happened: Mapped[list[str]] = mapped_column(JSONType, default=list)

    def allows(self, part: str, destination: str) -> bool:
        return destination in (getattr(self, CONSENT_FOR_PART[part]) or [])


class Referral(Model):
    """A caseworker's record of passing a report on: to whom, when, what, under which consent."""

    __tablename__ = "report_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    destination: Mapped[str] = mapped_column(sa.String(40))
    referred_on: Mapped[dt.date]
    shared: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The consent in force when it was recorded; None when shared without consent (or erased).
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_consent.id", ondelete="SET NULL"))
    # {"reason": "..."} when something was shared without consent, encrypted like the report.
    without_consent: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    outcome: Mapped[str] = mapped_column(sa.String(24), default="awaiting")
    outcome_on: Mapped[dt.date | None]
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    consent: Mapped[ReportConsent | None] = relationship()
    recorder: Mapped[User | None] = relationship()


def consent_from_answers(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> dict[str, list[str]] | None:
    """The consent a report's answers give, by part; None when its form asks none.

    A question not asked (say, contact details from someone who stayed anonymous) consents to
    nothing.
    """
    questions = {q.consent: q for q in questionnaire.questions if q.consent}
    if not questions:
        return None
    consent: dict[str, list[str]] = {}
    for part in CONSENT_PARTS:
        question = questions.get(part)
        given = answers.get(question.id) if question is not None else None
        consent[part] = destinations_in(given if isinstance(given, list) else [])
    return consent


def destinations_in(values: Iterable[Any]) -> list[str]:
    """The destinations among these answers, in the fixed order, without "none" or unknown values."""
    chosen = {value for value in values if isinstance(value, str)}
    return [destination for destination in CONSENTABLE if destination in chosen]


def current_consent(report_id: int) -> ReportConsent | None:
    return db.session.scalar(
        sa.select(ReportConsent)
        .where(ReportConsent.report_id == report_id)
        .order_by(ReportConsent.recorded_at.desc(), ReportConsent.id.desc())
        .limit(1)
    )


def consent_history(report_id: int) -> list[ReportConsent]:
    return list(
        db.session.scalars(
            sa.select(ReportConsent)
            .where(ReportConsent.report_id == report_id)
            .order_by(ReportConsent.recorded_at.desc(), ReportConsent.id.desc())
        )
    )


def record_consent(report_id: int, consent: Mapping[str, list[str]], source: str) -> ReportConsent:
    row = ReportConsent(
        report_id=report_id,
        source=source,
        contact_details=destinations_in(consent.get("contact_details", [])),
        what_happened=destinations_in(consent.get("what_happened", [])),
    )
    db.session.add(row)
    return row


@dataclass(frozen=True)
class SharingCheck:
    """Which of the parts asked for the consent in force does not allow for a destination."""

    not_allowed: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.not_allowed


def check_sharing(consent: ReportConsent | None, destination: str, parts: Iterable[str]) -> SharingCheck:
    return SharingCheck(
        tuple(part for part in parts if consent is None or not consent.allows(part, destination))
    )


def referrals_of(report_id: int) -> list[Referral]:
    return list(
        db.session.scalars(
            sa.select(Referral)
            .where(Referral.report_id == report_id)
            .order_by(Referral.referred_on.desc(), Referral.id.desc())
        )
    )
