"""Saving a respondent's answers as they go, and turning them into one response."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..insight import quality
from ..models import QuestionnaireVersion, Response, SurveySession, utcnow
from ..questionnaire import Questionnaire, first_unanswered, relevant_answers
from ..registry import Published
from ..reports.models import Report

# No 0/O, 1/I/L or U: a reference read aloud over the phone must not be misheard.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_reference() -> str:
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"TS-{chars[:4]}-{chars[4:]}"


def new_report_reference() -> str:
    """A report's reference: 30^10 possibilities, in groups that are easy to read aloud."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
    return f"R-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SURVEY_IDLE_MINUTES"])


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete every survey in progress left idle past the limit. Returns how many."""
    cutoff = (now or utcnow()) - idle_limit()
    result = db.session.execute(sa.delete(SurveySession).where(SurveySession.updated_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


def start_session(questionnaire: Questionnaire, language: str, centre: str | None = None,
                  channel: str | None = None) -> str:
    """Begin a survey (on a centre's kiosk, if `centre`; from a poster's short link, if `channel`).

    Returns the token the browser keeps.
    """
    token = secrets.token_urlsafe(32)
    db.session.add(
        SurveySession(
            token_hash=hash_token(token),
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            language=language,
            answers={},
            centre=centre,
            channel=channel,
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
    limit = idle_limit()
    if row.centre:
        # A shared kiosk forgets much sooner than someone's own phone.
        limit = min(limit, dt.timedelta(minutes=current_app.config["KIOSK_IDLE_MINUTES"]))
    if row.updated_at < utcnow() - limit:
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


def _new_submission(row: SurveySession, published: Published, snapshot: QuestionnaireVersion,
                    client: str | None) -> Response | Report:
    questionnaire = published.questionnaire
    answers = relevant_answers(questionnaire, row.answers)
    common = {
        "questionnaire_version_id": snapshot.id,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
        "language": row.language,
        "answers": answers,
        "session_token_hash": row.token_hash,
    }
    if questionnaire.is_report:
        facts = {q.id: answers[q.id] for q in questionnaire.questions if q.reportable and q.id in answers}
        return Report(reference=new_report_reference(), facts=facts, centre=row.centre, **common)
    submitted_at = utcnow()
    flags = quality.flags_for(
        answers, row.started_at, submitted_at, _earlier_from(client, questionnaire.id),
        current_app.config["QUALITY_RULES"],
    )
    return Response(
        reference=new_reference(),
        started_at=row.started_at,
        submitted_at=submitted_at,
        channel=row.channel,
        client_hash=client,
        answers_hash=quality.answers_hash(answers),
        quality_flags=flags,
        flagged=bool(flags),
        **common,
    )


def _earlier_from(client: str | None, questionnaire_id: str) -> list[quality.Earlier]:
    """This client's responses to the questionnaire in the last few days, for the quality flags."""
    if client is None:
        return []
    since = utcnow() - dt.timedelta(days=2)
    rows = db.session.execute(
        sa.select(Response.submitted_at, Response.answers_hash).where(
            Response.client_hash == client,
            Response.questionnaire_id == questionnaire_id,
            Response.submitted_at >= since,
        )
    ).all()
    return [quality.Earlier(at, digest) for at, digest in rows]


def submit(row: SurveySession, published: Published, client: str | None = None) -> Response | Report:
    """Store the response or report once. A second submit returns the first one.

    `client` is the keyed hash of the respondent's client (see insight/quality.py), used to flag
    repeat survey responses; reports never record it.
    """
    if row.submission is not None:
        return row.submission
    if first_unanswered(published.questionnaire, row.answers) is not None:
        raise ValueError("the survey is not complete")
    snapshot = snapshot_for(published)
    for _attempt in range(5):
        submission = _new_submission(row, published, snapshot, client)
        try:
            with db.session.begin_nested():
                db.session.add(submission)
                db.session.flush()
                if isinstance(submission, Report):
                    row.report_id = submission.id
                else:
                    row.response_id = submission.id
                # The answers now live in the submission alone.
                row.answers = {}
                row.updated_at = utcnow()
            db.session.commit()
            return submission
        except sa.exc.IntegrityError:
            # Either this survey was submitted at the same moment by another
            # request (return that submission), or the reference was taken.
            existing = db.session.scalars(
                sa.select(type(submission)).filter_by(session_token_hash=row.token_hash)
            ).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate a unique reference")


def forget_browser_sessions(token_hashes: list[str]) -> None:
    """Delete every survey or report in progress for these tokens (quick exit, kiosk reset)."""
    if token_hashes:
        db.session.execute(sa.delete(SurveySession).where(SurveySession.token_hash.in_(token_hashes)))
        db.session.commit()
