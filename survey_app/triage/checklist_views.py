"""Risk checklists on the staff pages: which apply to a report, the levels' names, and a completed
checklist as labelled rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..formats import datetime_text
from ..i18n import qtext
from ..questionnaire import Questionnaire
from ..questionnaire.scoring import LEVELS
from ..registry import all_published, get_published, published_version
from ..reports.models import Report
from ..reports.risk import ChecklistResult
from ..reports.sharing import Referral
from ..survey.presenters import answer_lines, short_label

LEVEL_NAMES = {"standard": _l("Standard risk"), "medium": _l("Medium risk"), "high": _l("High risk")}
if set(LEVEL_NAMES) != set(LEVELS):
    raise RuntimeError("every risk level needs a name here")


def level_name(level: str | None) -> str:
    return str(LEVEL_NAMES.get(level or "", level or ""))


def checklists_for(questionnaire_id: str) -> list[Questionnaire]:
    """The published checklists that a report made on this form can be assessed with."""
    found = [
        published.questionnaire
        for published in all_published().values()
        if published.questionnaire.is_checklist
        and (not published.questionnaire.for_forms or questionnaire_id in published.questionnaire.for_forms)
    ]
    return sorted(found, key=lambda q: q.title)


def checklist(questionnaire_id: str, version: int | None = None) -> Questionnaire | None:
    published = published_version(questionnaire_id, version) if version else get_published(questionnaire_id)
    if published is None or not published.questionnaire.is_checklist:
        return None
    return published.questionnaire


def title_of(questionnaire: Questionnaire | None, fallback: str) -> str:
    return qtext(questionnaire, "title", questionnaire.title) if questionnaire else fallback


def result_rows(result: ChecklistResult) -> list[tuple[str, str]]:
    """A completed checklist as (label, value) rows: what it came to, then every answer."""
    questionnaire = checklist(result.questionnaire_id, result.questionnaire_version)
    record = result.result or {}
    judgement = record.get("judgement")
    rows = [
        (_("Checklist"), title_of(questionnaire, result.questionnaire_id)),
        (_("Completed"), datetime_text(result.completed_at)),
        (_("Level"), level_name(record.get("level"))),
        (_("Score"), str(record.get("score", ""))),
        (_("Level from the score"), level_name(record.get("score_level"))),
    ]
    raised_by = record.get("raised_by") or []
    if raised_by:
        labels = [
            short_label(questionnaire, q) if questionnaire and (q := questionnaire.question(qid)) else qid
            for qid in raised_by
        ]
        rows.append((_("Raised by the answers to"), "; ".join(labels)))
    if judgement:
        rows.append(
            (
                _("Raised by professional judgement"),
                _(
                    "To %(level)s: %(reason)s",
                    level=level_name(judgement.get("level")),
                    reason=judgement.get("reason", ""),
                ),
            )
        )
    answers = record.get("answers") or {}
    if questionnaire is not None:
        for question in questionnaire.questions:
            if question.id in answers and not question.is_notice:
                rows.append(
                    (
                        short_label(questionnaire, question),
                        "\n".join(answer_lines(questionnaire, question, answers[question.id])),
                    )
                )
    return rows


@dataclass(frozen=True)
class NextStepView:
    text: str
    due: dt.datetime
    destination: str | None
    done: bool

    def overdue(self, now: dt.datetime) -> bool:
        return not self.done and now > self.due


def next_step(report: Report, referrals: list[Referral] | None = None) -> NextStepView | None:
    """The partnership's next step for the report's risk level, as its checklist declares it, and
    whether the referral it calls for has been recorded since the checklist was completed."""
    step = report.risk_step or None
    if not step:
        return None
    try:
        due = dt.datetime.fromisoformat(step["due"])
    except (KeyError, TypeError, ValueError):
        return None
    if due.tzinfo is None:
        due = due.replace(tzinfo=dt.UTC)
    questionnaire = checklist(step.get("checklist", ""), step.get("version"))
    declared = questionnaire.scoring.next_steps.get(step.get("level", "")) if questionnaire else None
    text = (
        qtext(questionnaire, f"scoring.next_steps.{step.get('level')}", declared.text)
        if questionnaire and declared
        else ""
    )
    destination = step.get("destination")
    done = False
    if destination:
        completed = due - dt.timedelta(hours=declared.within_hours) if declared else due
        done = any(
            r.report_id == report.id and r.destination == destination and r.recorded_at >= completed
            for r in referrals or []
        )
    return NextStepView(text, due, destination, done)
