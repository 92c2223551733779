"""Risk checklists completed by a caseworker with the person who reported (questionnaire/scoring.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import EncryptedJSON, UTCDateTime, utcnow
from ..extensions import Model, db
from ..questionnaire import Questionnaire
from ..questionnaire.scoring import Outcome
from ..staff.models import User
from .models import Report


class ChecklistResult(Model):
    """One completed checklist. Its answers, score and level are encrypted like the report; the
    report keeps a readable copy of the latest level alone (Report.risk_level)."""

    __tablename__ = "checklist_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    questionnaire_version: Mapped[int]
    completed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"answers": {...}, "score": n, "score_level": id, "raised_by": [question ids],
    #  "judgement": {"level": id, "reason": text} | None, "level": id}
    result: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)

    completer: Mapped[User | None] = relationship()


def results_of(report_id: int) -> list[ChecklistResult]:
    return list(
        db.session.scalars(
            sa.select(ChecklistResult)
            .where(ChecklistResult.report_id == report_id)
            .order_by(ChecklistResult.completed_at.desc(), ChecklistResult.id.desc())
        )
    )


def record_result(
    report: Report,
    checklist: Questionnaire,
    answers: Mapping[str, Any],
    result: Outcome,
    completed_by: int | None,
    completed_at: dt.datetime | None = None,
) -> ChecklistResult:
    """Keep a completed checklist, encrypted, and give the report its readable level and the
    partnership's next step for that level (the checklist's declaration, due from completion).
    The caller commits."""
    completed = ChecklistResult(
        report_id=report.id,
        questionnaire_id=checklist.id,
        questionnaire_version=checklist.version,
        completed_by=completed_by,
        completed_at=completed_at or utcnow(),
        result=result.as_record(answers),
    )
    db.session.add(completed)
    db.session.flush()
    report.risk_level = result.level
    step = checklist.scoring.next_steps.get(result.level) if checklist.scoring is not None else None
    report.risk_step = (
        {
            "checklist": checklist.id,
            "version": checklist.version,
            "level": result.level,
            "destination": step.destination,
            "due": (completed.completed_at + dt.timedelta(hours=step.within_hours)).isoformat(),
        }
        if step is not None
        else None
    )
    return completed
