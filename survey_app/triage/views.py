"""What the triage pages show: labels, queue and audit filters, answers as text, counts, the CSV.

Nothing here touches Flask's request; the routes pass in what they were sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit import ACTIONS
from ..centres import all_centres
from ..extensions import db
from ..formats import UK_TIME, month_text, uk_time
from ..i18n import qtext
from ..questionnaire import Question, Questionnaire
from ..questionnaire.answers import ascii_digits, whole_number
from ..registry import all_published, get_published
from ..reports.models import STATUSES, Report, counted
from ..survey.presenters import answer_lines, short_label

PER_PAGE = 50
# Held reports are decided in batches of this many (a bigger flood: "every held report").
HELD_PER_PAGE = 100
MAX_PAGE = 100_000
# Staff account ids: an integer column, so at most ten digits.
MAX_ID_DIGITS = 10
# The only date form the date boxes send (and the hint shows): 2026-01-31.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
REFERENCE = re.compile(r"^R-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$")
NOTE_MAX_LENGTH = 5000

STATUS_NAMES = {
    "new": _l("New"),
    "in_review": _l("In review"),
    "referred_police": _l("Referred to the police"),
    "referred_support": _l("Referred to a support service"),
    "closed": _l("Closed"),
    "discarded": _l("Discarded as a flood"),
}
# Why a report was held apart as a possible flood (survey/flood.py).
HOLD_REASONS = {
    "session": _l("Many reports from one browser"),
    "client": _l("Many reports from one address"),
    "centre": _l("Many reports from one reporting centre"),
}
ACTION_NAMES = {
    "view_report": _l("Viewed a report"),
    "change_status": _l("Changed a status"),
    "add_note": _l("Added a note"),
    "export_referral": _l("Exported a referral"),
    "view_audit_log": _l("Viewed the audit log"),
    "export_responses": _l("Exported survey responses"),
    "review_response": _l("Included or excluded a survey response"),
    "upload_margins": _l("Uploaded population margins"),
    "change_survey": _l("Opened or closed a survey"),
    "import_questionnaire": _l("Imported a questionnaire from a spreadsheet"),
    "publish_questionnaire": _l("Published a questionnaire"),
    "discard_questionnaire": _l("Discarded a draft questionnaire"),
    "release_report": _l("Released a held report into the queue"),
    "discard_report": _l("Discarded a held report"),
    "enter_kpi_figures": _l("Entered or revised KPI figures"),
    "import_crime": _l("Imported recorded crime files"),
    "change_kpi_register": _l("Changed the KPI register"),
    "assign_kpi_owners": _l("Changed who enters a KPI's figures"),
    "write_to_reporter": _l("Wrote to the person who reported"),
    "record_referral": _l("Recorded a referral"),
    "record_referral_outcome": _l("Recorded a referral's outcome"),
    "complete_checklist": _l("Completed a risk checklist"),
    "allow_checks_again": _l("Let the person who reported try their memorable word again"),
    "view_subject_access": _l("Opened a subject access request"),
    "export_subject_access": _l("Exported everything held about a report"),
    "erase_report": _l("Erased a report on request"),
    "reporter_checked": _l("The person who reported read their report"),
    "reporter_wrote": _l("The person who reported sent a message"),
    "reporter_changed_consent": _l("The person who reported changed their consent"),
    "reporter_changed_contact": _l("The person who reported changed how we tell them of messages"),
}
# The question whose answers are a report's "strand" in the counts, for each form.

if set(STATUS_NAMES) != set(STATUSES) or set(ACTION_NAMES) != set(ACTIONS):
    raise RuntimeError("every status and audit action needs a name here")


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def action_name(action: str) -> str:
    return str(ACTION_NAMES.get(action, action))


def report_forms() -> dict[str, Questionnaire]:
    """The reporting forms this service runs, by questionnaire id."""
    return {qid: p.questionnaire for qid, p in all_published().items() if p.questionnaire.is_report}


def form_title(questionnaire_id: str) -> str:
    published = get_published(questionnaire_id)
    if published is None:
        return questionnaire_id
    questionnaire = published.questionnaire
    return qtext(questionnaire, "title", questionnaire.title)


def hold_reason(reason: str | None) -> str:
    return str(HOLD_REASONS.get(reason or "", reason or ""))


def cue_labels(questionnaire_id: str, cues: Iterable[str]) -> list[str]:
    """The risk cues a report's answers showed, in the words its questionnaire declares for them."""
    published = get_published(questionnaire_id)
    labels = []
    for question_id in cues or ():
        question = published.questionnaire.question(question_id) if published else None
        if published is not None and question is not None and question.risk_cue is not None:
            labels.append(qtext(published.questionnaire, f"{question_id}.risk_cue", question.risk_cue.label))
    return labels


def centre_name(centre_id: str | None) -> str:
    if not centre_id:
        return _("Online")
    centre = all_centres().get(centre_id)
    return centre.name if centre else centre_id


# Filters


@dataclass
class QueueFilters:
    form: str | None = None
    status: str | None = None
    centre: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)
    # What was typed into a date's day, month and year boxes, to show again beside its error.
    typed: dict[str, dict[str, str]] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        """The filters as query parameters, for links to other pages of the same list."""
        values = {
            "form": self.form,
            "status": self.status,
            "centre": self.centre,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {key: value for key, value in values.items() if value}


def _text(args: Mapping[str, str], name: str, limit: int = 100) -> str:
    return (args.get(name) or "").strip()[:limit]


def _page(args: Mapping[str, str], errors: dict[str, str]) -> int:
    text = _text(args, "page")
    if not text:
        return 1
    page = whole_number(text, len(str(MAX_PAGE)))
    if page is None or not 1 <= page <= MAX_PAGE:
        errors["page"] = _(
            "The page number must be a whole number from 1 to %(max)s", max=format_number(MAX_PAGE)
        )
        return 1
    return page


def _date(
    args: Mapping[str, str], name: str, errors: dict[str, str], message: str, typed: dict[str, dict[str, str]]
) -> dt.date | None:
    """A date from its day, month and year boxes (`from-day`...), or from `from=2026-01-31` as the
    queue's own page links write it."""
    parts = {part: _text(args, f"{name}-{part}", 10) for part in ("day", "month", "year")}
    if any(parts.values()):
        typed[name] = parts
        try:
            return dt.date(*(int(parts[part]) for part in ("year", "month", "day")))
        except (ValueError, OverflowError):  # not numbers, not a real date, or a year of 10 digits
            errors[name] = message
            return None
    text = _text(args, name, 20)
    if not text:
        return None
    # Digits typed in another script are read as 0-9; anything else must be where 2026-01-31 has it.
    iso = "".join(ascii_digits(char) or char for char in text)
    try:
        if not ISO_DATE.fullmatch(iso):
            raise ValueError(text)
        return dt.date.fromisoformat(iso)
    except ValueError:  # not that form, or no such day (2026-02-30, 0000-01-01)
        errors[name] = message
        return None


def date_from_boxes(
    args: Mapping[str, str], name: str, errors: dict[str, str], message: str, typed: dict[str, dict[str, str]]
) -> dt.date | None:
    """A date typed into a form's day, month and year boxes (`name-day`...), or None if all are empty."""
    return _date(args, name, errors, message, typed)


def uk_day(moment: dt.datetime) -> dt.date:
    return uk_time(moment).date()


def parse_queue_filters(args: Mapping[str, str]) -> QueueFilters:
    errors: dict[str, str] = {}
    filters = QueueFilters(errors=errors)
    form = _text(args, "form")
    if form and form not in report_forms():
        errors["form"] = _("Select a form from the list")
    else:
        filters.form = form or None
    status = _text(args, "status")
    if status and status not in STATUSES:
        errors["status"] = _("Select a status from the list")
    else:
        filters.status = status or None
    centre = _text(args, "centre")
    if centre and centre != "online" and centre not in all_centres():
        errors["centre"] = _("Select a reporting centre from the list")
    else:
        filters.centre = centre or None
    filters.date_from = _date(
        args, "from", errors, _("Enter the start date as a real date, like 27 3 2025"), filters.typed
    )
    filters.date_to = _date(
        args, "to", errors, _("Enter the end date as a real date, like 27 3 2025"), filters.typed
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["to"] = _("The end date must be the same as or after the start date")
    filters.page = _page(args, errors)
    return filters


def day_start(day: dt.date) -> dt.datetime:
    """The moment a UK day begins (midnight in London, summer time included), in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=UK_TIME).astimezone(dt.UTC)


def day_after(day: dt.date) -> dt.datetime | None:
    """The start of the next day, or None after the last day of the calendar (no end at all)."""
    return None if day == dt.date.max else day_start(day) + dt.timedelta(days=1)


@dataclass
class AuditFilters:
    user: int | None = None
    action: str | None = None
    reference: str | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        values = {
            "user": str(self.user) if self.user else None,
            "action": self.action,
            "reference": self.reference,
        }
        return {key: value for key, value in values.items() if value}


def parse_audit_filters(args: Mapping[str, str], user_ids: Iterable[int]) -> AuditFilters:
    errors: dict[str, str] = {}
    filters = AuditFilters(errors=errors)
    text = _text(args, "user", 20)
    user = whole_number(text, MAX_ID_DIGITS) if text else None
    if text and user not in set(user_ids):
        errors["user"] = _("Select a staff member from the list")
    elif user:
        filters.user = user
    action = _text(args, "action")
    if action and action not in ACTIONS:
        errors["action"] = _("Select an action from the list")
    else:
        filters.action = action or None
    reference = _text(args, "reference", 40).upper()
    if reference and not REFERENCE.match(reference):
        errors["reference"] = _("Enter a report reference like R-ABCD-EFGH-JK")
    else:
        filters.reference = reference or None
    filters.page = _page(args, errors)
    return filters


def page_count(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


# A report's answers as text


@dataclass(frozen=True)
class AnswerRow:
    id: str
    label: str
    lines: list[str]


def answer_rows(questionnaire_id: str, values: Mapping[str, Any]) -> list[AnswerRow]:
    """Answers (or facts) labelled through the questionnaire, in its order."""
    published = get_published(questionnaire_id)
    rows: list[AnswerRow] = []
    seen: set[str] = set()
    if published is not None:
        questionnaire = published.questionnaire
        for question in questionnaire.questions:
            if question.id in values and not question.is_notice:
                seen.add(question.id)
                try:
                    lines = answer_lines(questionnaire, question, values[question.id])
                except (KeyError, TypeError, ValueError):
                    lines = [str(values[question.id])]
                rows.append(AnswerRow(question.id, short_label(questionnaire, question), lines))
    # Answers to questions the current version no longer asks: shown as they were stored.
    for key, value in values.items():
        if key not in seen:
            rows.append(AnswerRow(key, key, [str(value)]))
    return rows


# Counts


@dataclass
class Counts:
    total: int
    closed: int
    purged: int
    by_form: list[tuple[str, int, int]]  # form title, reports, of which purged
    by_strand: list[tuple[str, list[tuple[str, int]]]]  # form title, [(strand label, reports)]
    by_centre: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    by_status: list[tuple[str, int]]


def strand_question(questionnaire_id: str) -> Question | None:
    """The question a reporting form's counts are broken down by (the kinds of abuse, say): the
    first it declares a breakdown."""
    published = get_published(questionnaire_id)
    questions = published.questionnaire.breakdown_questions if published else ()
    return questions[0] if questions else None


def _strand_label(questionnaire_id: str, value: str) -> str:
    published = get_published(questionnaire_id)
    question = strand_question(questionnaire_id)
    if published is None or question is None:
        return value
    return qtext(published.questionnaire, f"{question.id}.choice.{value}", question.label_for(value))


def report_counts(*where: sa.ColumnElement[bool]) -> Counts:
    """Counts of the reports that count (see reports.models.counted), within `where`."""
    rows = db.session.execute(
        sa.select(
            Report.questionnaire_id,
            Report.facts,
            Report.centre,
            Report.status,
            Report.submitted_at,
            Report.purged_at,
        ).where(counted(), *where)
    )
    return counts(rows)


def counts(
    rows: Iterable[tuple[str, dict[str, Any], str | None, str, dt.datetime, dt.datetime | None]],
) -> Counts:
    """Counts from (questionnaire id, facts, centre, status, submitted at, purged at) rows."""
    forms: Counter[str] = Counter()
    purged_forms: Counter[str] = Counter()
    strands: dict[str, Counter[str]] = {}
    strand_of: dict[str, Question | None] = {}
    centres: Counter[str | None] = Counter()
    months: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for questionnaire_id, facts, centre, status, submitted_at, purged_at in rows:
        forms[questionnaire_id] += 1
        if purged_at is not None:
            purged_forms[questionnaire_id] += 1
        if questionnaire_id not in strand_of:
            strand_of[questionnaire_id] = strand_question(questionnaire_id)
        strand = strand_of[questionnaire_id]
        if strand is not None:
            values = (facts or {}).get(strand.id) or []
            counter = strands.setdefault(questionnaire_id, Counter())
            for value in values if isinstance(values, list) else [values]:
                counter[str(value)] += 1
        centres[centre] += 1
        months[uk_time(submitted_at).strftime("%Y-%m")] += 1
        statuses[status] += 1
    return Counts(
        total=sum(forms.values()),
        closed=statuses["closed"],
        purged=sum(purged_forms.values()),
        by_form=sorted(((form_title(q), n, purged_forms[q]) for q, n in forms.items()), key=lambda r: r[0]),
        by_strand=[
            (form_title(qid), [(_strand_label(qid, value), n) for value, n in counter.most_common()])
            for qid, counter in strands.items()
            if counter
        ],
        by_centre=sorted(((centre_name(c), n) for c, n in centres.items()), key=lambda r: r[0]),
        by_month=[(month_text(month), n) for month, n in sorted(months.items())],
        by_status=[(status_name(s), statuses[s]) for s in STATUSES if statuses[s]],
    )


@dataclass
class CaseworkCounts:
    """Risk levels and referrals of the reports that count: numbers only, no personal data."""

    risk_levels: list[tuple[str, int]]
    # (destination name, [count per outcome in `outcomes` order], total)
    referrals: list[tuple[str, list[int], int]]
    outcomes: list[str]  # outcome names, the columns of `referrals`


def casework_counts() -> CaseworkCounts:
    from ..questionnaire.scoring import LEVELS
    from ..reports.sharing import DESTINATIONS, OUTCOMES, Referral, destination_name, outcome_name
    from .checklist_views import level_name

    levels = dict(
        db.session.execute(
            sa.select(Report.risk_level, sa.func.count()).where(counted()).group_by(Report.risk_level)
        ).all()
    )
    risk_levels = [(level_name(level), levels.get(level, 0)) for level in reversed(LEVELS)]
    risk_levels.append((_("No risk checklist"), levels.get(None, 0)))
    pairs = db.session.execute(
        sa.select(Referral.destination, Referral.outcome, sa.func.count())
        .join(Report, Referral.report_id == Report.id)
        .where(counted())
        .group_by(Referral.destination, Referral.outcome)
    ).all()
    by_pair = {(destination, outcome): n for destination, outcome, n in pairs}
    used = [o for o in OUTCOMES if any(outcome == o for _d, outcome in by_pair)]
    rows = []
    for destination in DESTINATIONS:
        numbers = [by_pair.get((destination, o), 0) for o in used]
        if sum(numbers):
            rows.append((destination_name(destination), numbers, sum(numbers)))
    return CaseworkCounts(risk_levels, rows, [outcome_name(o) for o in used])
