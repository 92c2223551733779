"""Saving a respondent's answers as they go, and turning them into one response."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import MultiFernet
from flask import current_app

from ..columns import utcnow
from ..database import one_statement
from ..encryption import decrypt_json, key_ring
from ..extensions import db
from ..models import QuestionnaireVersion, Response, SurveySession
from ..questionnaire import Questionnaire, first_unanswered, relevant_answers
from ..registry import Published
from ..reports.models import Report
from . import quality

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


@dataclass(frozen=True)
class Progress:
    """A survey in progress as a page shows it: read without the ORM's bookkeeping, which cost a
    question page a third of its time. Pages that change the answers load a SurveySession."""

    token_hash: str
    answers: dict[str, Any]
    centre: str | None
    updated_at: dt.datetime
    submitted: bool


# The statements of the question pages' hot path, built once, on the table rather than the
# mapped class so that SQLAlchemy compiles and runs them without ORM bookkeeping. Each is one
# statement, atomic on its own, so each runs as its own transaction (database.one_statement).
_table = SurveySession.__table__
_READ_PROGRESS = sa.select(
    _table.c.token_hash,
    # As stored (encrypted): _opened() decrypts it.
    sa.type_coerce(_table.c.answers, sa.Text).label("sealed"),
    _table.c.centre,
    _table.c.updated_at,
    (_table.c.response_id.is_not(None) | _table.c.report_id.is_not(None)).label("submitted"),
    _table.c.questionnaire_id,
).where(_table.c.token_hash == sa.bindparam("key"))
_SAVE_ANSWERS = (
    _table.update()
    .where(_table.c.token_hash == sa.bindparam("key"))
    .values(answers=sa.bindparam("answers"), language=sa.bindparam("language"),
            updated_at=sa.bindparam("now"))
)
_TOUCH = (
    _table.update().where(_table.c.token_hash == sa.bindparam("key")).values(updated_at=sa.bindparam("now"))
)


def _expired(updated_at: dt.datetime, centre: str | None) -> bool:
    limit = idle_limit()
    if centre:
        # A shared kiosk forgets much sooner than someone's own phone.
        limit = min(limit, dt.timedelta(minutes=current_app.config["KIOSK_IDLE_MINUTES"]))
    return updated_at < utcnow() - limit


def _forget(token_hash: str) -> None:
    db.session.execute(sa.delete(SurveySession).where(SurveySession.token_hash == token_hash))
    db.session.commit()


def read_progress(token: str, questionnaire: Questionnaire) -> Progress | None:
    """The survey in progress for `token`, to show, or None. Raises Expired if it timed out."""
    with one_statement() as connection:
        found = connection.execute(_READ_PROGRESS, {"key": hash_token(token)}).one_or_none()
    if found is None or found.questionnaire_id != questionnaire.id:
        return None
    if _expired(found.updated_at, found.centre):
        _forget(found.token_hash)
        raise Expired
    answers = _opened(found.sealed, questionnaire)
    return Progress(found.token_hash, answers, found.centre, found.updated_at, bool(found.submitted))


def _opened(sealed: str, questionnaire: Questionnaire) -> dict[str, Any]:
    """The answers in progress, decrypted.

    Every page of a survey decrypts the same answers until the next one is saved, so a survey's
    are kept decrypted for a while, by their ciphertext (a saved answer makes a new one). A
    report's never are: what someone reports stays encrypted except while a page uses it.
    """
    if questionnaire.is_report:
        return decrypt_json(sealed)
    return dict(_decrypted_survey_answers(sealed, key_ring()))


@functools.lru_cache(maxsize=2048)
def _decrypted_survey_answers(sealed: str, _keys: MultiFernet) -> dict[str, Any]:
    # The key ring is part of the key: another app (or rotated keys) decrypts afresh.
    return decrypt_json(sealed)


def load_session(token: str, questionnaire: Questionnaire) -> SurveySession | None:
    """The survey in progress for `token`, to change, or None. Raises Expired if it timed out."""
    row = db.session.get(SurveySession, hash_token(token))
    if row is None or row.questionnaire_id != questionnaire.id:
        return None
    if _expired(row.updated_at, row.centre):
        _forget(row.token_hash)
        raise Expired
    return row


def save_answer(row: Progress, question_id: str, value: Any, language: str) -> dict[str, Any]:
    """Save one answer, in one UPDATE. Returns the answers now saved."""
    answers = {**row.answers, question_id: value}
    with one_statement() as connection:
        connection.execute(
            _SAVE_ANSWERS, {"key": row.token_hash, "answers": answers, "language": language, "now": utcnow()}
        )
        connection.commit()
    return answers


def touch(row: SurveySession | Progress) -> bool:
    """Keep a survey alive while the respondent is reading its pages. True if it was renewed."""
    now = utcnow()
    if now - row.updated_at <= dt.timedelta(minutes=1):
        return False
    with one_statement() as connection:
        connection.execute(_TOUCH, {"key": row.token_hash, "now": now})
        connection.commit()
    return True


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
