"""Saving a respondent's answers as they go, and turning them into one response."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import QuestionnaireVersion, Response, SurveySession, utcnow
from ..questionnaire import Questionnaire, first_unanswered, relevant_answers
from ..registry import Published

# No 0/O, 1/I/L or U: a reference read aloud over the phone must not be misheard.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_reference() -> str:
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"TS-{chars[:4]}-{chars[4:]}"


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SURVEY_IDLE_MINUTES"])


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete every survey in progress left idle past the limit. Returns how many."""
    cutoff = (now or utcnow()) - idle_limit()
    result = db.session.execute(sa.delete(SurveySession).where(SurveySession.updated_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


def start_session(questionnaire: Questionnaire, language: str) -> str:
    """Begin a survey; returns the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        SurveySession(
            token_hash=hash_token(token),
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            language=language,
            answers={},
        )
    )
    db.session.commit()
    return token


class Expired(Exception):
    """The survey's answers were deleted after it was left idle."""


def load_session(token: str, questionnaire: Questionnaire) -> SurveySession | None:
    """The survey in progress for `token`, or None. Raises Expired if it timed out."""
    row = db.session.get(SurveySession, hash_token(token))
    if row is None or row.questionnaire_id != questionnaire.id:
        return None
    if row.updated_at < utcnow() - idle_limit():
        db.session.delete(row)
        db.session.commit()
        raise Expired
    return row


def save_answer(row: SurveySession, question_id: str, value: Any, language: str) -> None:
    # A new dict, so SQLAlchemy sees the JSON column change.
    row.answers = {**row.answers, question_id: value}
    row.language = language
    row.updated_at = utcnow()
    db.session.commit()


def touch(row: SurveySession) -> None:
    """Keep a survey alive while the respondent is reading its pages."""
    if utcnow() - row.updated_at > dt.timedelta(minutes=1):
        row.updated_at = utcnow()
        db.session.commit()


def snapshot_for(published: Published) -> QuestionnaireVersion:
    """The stored copy of this questionnaire version, created on first use."""
    questionnaire = published.questionnaire
    query = sa.select(QuestionnaireVersion).filter_by(
        questionnaire_id=questionnaire.id, version=questionnaire.version
    )
    found = db.session.scalars(query).first()
    if found:
        return found
    try:
        with db.session.begin_nested():
            snapshot = QuestionnaireVersion(
                questionnaire_id=questionnaire.id,
                version=questionnaire.version,
                checksum=published.checksum,
                definition=published.definition,
            )
            db.session.add(snapshot)
        db.session.commit()
        return snapshot
    except sa.exc.IntegrityError:
        # Another worker published it at the same moment.
        db.session.rollback()
        return db.session.scalars(query).one()


def submit(row: SurveySession, published: Published) -> Response:
    """Store the response once. A second submit returns the first response."""
    if row.response is not None:
        return row.response
    questionnaire = published.questionnaire
    if first_unanswered(questionnaire, row.answers) is not None:
        raise ValueError("the survey is not complete")
    snapshot = snapshot_for(published)
    for _attempt in range(5):
        response = Response(
            reference=new_reference(),
            questionnaire_version_id=snapshot.id,
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            language=row.language,
            answers=relevant_answers(questionnaire, row.answers),
            started_at=row.started_at,
            session_token_hash=row.token_hash,
        )
        try:
            with db.session.begin_nested():
                db.session.add(response)
                db.session.flush()
                row.response_id = response.id
                # The answers now live in the response alone.
                row.answers = {}
                row.updated_at = utcnow()
            db.session.commit()
            return response
        except sa.exc.IntegrityError:
            # Either this survey was submitted at the same moment by another
            # request (return that response), or the reference was taken.
            existing = db.session.scalars(
                sa.select(Response).filter_by(session_token_hash=row.token_hash)
            ).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate a unique reference")
