"""Whether a survey takes new respondents: administrators open and close surveys.

Closing a survey stops new starts only. Someone already part way through can still finish, so
closing never loses an answer. Reporting forms cannot be closed: a person in danger must always
find them.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..columns import utcnow
from ..extensions import db
from ..models import QuestionnaireSetting
from ..questionnaire import Questionnaire

log = logging.getLogger(__name__)


def is_open(questionnaire: Questionnaire) -> bool:
    return questionnaire.is_report or questionnaire.id not in closed_ids()


def closed_ids() -> set[str]:
    """The surveys closed to new respondents.

    The front page and start pages read this. When the database cannot answer they show every
    survey as open, as they did before it failed: starting one then gives the "try again" page.
    """
    try:
        rows = db.session.scalars(
            sa.select(QuestionnaireSetting.questionnaire_id).where(QuestionnaireSetting.is_open.is_(False))
        )
        return set(rows)
    except sa.exc.OperationalError as error:
        db.session.rollback()
        log.warning("could not read which surveys are closed: %s", error.orig)
        return set()


def set_open(questionnaire: Questionnaire, is_open: bool, user_id: int) -> None:
    """Open or close a survey; the caller commits (with the audit record)."""
    if questionnaire.is_report:
        raise ValueError("reporting forms are always open")
    setting = db.session.get(QuestionnaireSetting, questionnaire.id)
    if setting is None:
        setting = QuestionnaireSetting(questionnaire_id=questionnaire.id)
        db.session.add(setting)
    setting.is_open = is_open
    setting.changed_at = utcnow()
    setting.changed_by_id = user_id
