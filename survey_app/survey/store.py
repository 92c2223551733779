"""Saving a respondent's answers as they go, and turning them into one response.

A survey or report in progress has one shape here, `InProgress`, read in one statement and
never tracked by the ORM. The functions that change it come in two kinds, and neither commits
work it did not do:
- the question pages' writes (`save_answer`, `touch`, `forget`) each run one statement on a
  connection of their own (database.one_statement), atomic by itself, and leave the caller's
  transaction alone;
- the writes that belong with others in one transaction (`start`, `submit`, `purge_expired`)
  work in the caller's session, and the caller commits.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from cryptography.fernet import MultiFernet
from flask import current_app

from ..columns import utcnow
from ..database import one_statement
from ..encryption import decrypt_json, key_ring
from ..extensions import db
from ..models import QuestionnaireVersion, Response, SurveySession
from ..questionnaire import Questionnaire, first_unanswered, relevant_answers
from ..registry import Published, all_published
from ..reports.models import Report
from ..reports.sharing import consent_from_answers, record_consent
from . import quality

# No 0/O, 1/I/L or U: a reference read aloud over the phone must not be misheard.
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
# Two pages saving answers to one survey at the same moment (two tabs, a double tap) each retry
# on the other's answers; more than this many collisions in a row means something else is wrong.
_SAVE_ATTEMPTS = 20


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_reference() -> str:
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"TS-{chars[:4]}-{chars[4:]}"


def new_report_reference() -> str:
    """A report's reference: 30^10 possibilities, in groups that are easy to read aloud."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
    return f"R-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


class Expired(Exception):
    """The survey's answers were deleted after it was left idle."""


class Submitted(Exception):
    """The survey was sent (from another tab, say) before this answer could be saved."""


class Changed(Exception):
    """An answer was saved after the answers being sent were read: they must be checked again."""


class _NotLinked(Exception):
    """Rolls back the savepoint of a submission whose answers changed under it."""


class SaveConflict(RuntimeError):
    """An answer could not be saved after many concurrent changes to the same survey."""


@dataclass(frozen=True)
class InProgress:
    """A survey or report in progress, as every page reads it.

    `revision` counts the saves: an answer is saved only onto the revision it was read from, so
    two answers saved at the same moment never overwrite each other (save_answer).
    """

    token_hash: str
    questionnaire_id: str
    # The version it was begun on, which it is finished on even if a newer one is published.
    questionnaire_version: int
    answers: dict[str, Any]
    language: str
    centre: str | None
    channel: str | None
    started_at: dt.datetime
    updated_at: dt.datetime
    revision: int
    response_id: int | None
    report_id: int | None

    @property
    def submitted(self) -> bool:
        return self.response_id is not None or self.report_id is not None


# The statements of the question pages, built once, on the table rather than the mapped class so
# that SQLAlchemy compiles and runs them without ORM bookkeeping.
_table = SurveySession.__table__
_READ = sa.select(
    _table.c.token_hash,
    _table.c.questionnaire_id,
    _table.c.questionnaire_version,
    # As stored (encrypted): _opened() decrypts it.
    sa.type_coerce(_table.c.answers, sa.Text).label("sealed"),
    _table.c.language,
    _table.c.centre,
    _table.c.channel,
    _table.c.started_at,
    _table.c.updated_at,
    _table.c.revision,
    _table.c.response_id,
    _table.c.report_id,
).where(_table.c.token_hash == sa.bindparam("key"))
_SAVE_ANSWERS = (
    _table.update()
    .where(
        _table.c.token_hash == sa.bindparam("key"),
        _table.c.revision == sa.bindparam("read_revision"),
        _table.c.response_id.is_(None),
        _table.c.report_id.is_(None),
    )
    .values(
        answers=sa.bindparam("answers"),
        language=sa.bindparam("language"),
        updated_at=sa.bindparam("now"),
        revision=sa.bindparam("new_revision"),
    )
)
_TOUCH = (
    _table.update().where(_table.c.token_hash == sa.bindparam("key")).values(updated_at=sa.bindparam("now"))
)
_FORGET = _table.delete().where(_table.c.token_hash.in_(sa.bindparam("keys", expanding=True)))


def _idle_minutes() -> tuple[int, int, int]:
    """How long a survey, a report and anything begun on a kiosk are kept untouched: a report and
    a shared kiosk forget sooner, never later, than a survey."""
    config = current_app.config
    survey = config["SURVEY_IDLE_MINUTES"]
    return survey, min(survey, config["REPORT_IDLE_MINUTES"]), min(survey, config["KIOSK_IDLE_MINUTES"])


def idle_limit(questionnaire: Questionnaire | None = None, centre: str | None = None) -> dt.timedelta:
    """How long these answers in progress are kept untouched (the shortest limit that applies)."""
    survey, report, kiosk = _idle_minutes()
    minutes = survey
    if questionnaire is not None and questionnaire.is_report:
        minutes = min(minutes, report)
    if centre:
        minutes = min(minutes, kiosk)
    return dt.timedelta(minutes=minutes)


def _report_ids() -> list[str]:
    return [p.questionnaire.id for p in all_published().values() if p.questionnaire.is_report]


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete everything in progress left idle past its limit, in the caller's transaction.

    Returns how many. The caller commits.
    """
    now = now or utcnow()
    survey, report, kiosk = _idle_minutes()
    idle = sa.or_(
        _table.c.updated_at < now - dt.timedelta(minutes=survey),
        sa.and_(
            _table.c.questionnaire_id.in_(_report_ids()),
            _table.c.updated_at < now - dt.timedelta(minutes=report),
        ),
        sa.and_(_table.c.centre.is_not(None), _table.c.updated_at < now - dt.timedelta(minutes=kiosk)),
    )
    # A DELETE gives a CursorResult, which has the row count; Session.execute is typed for any statement.
    result = cast(sa.CursorResult[Any], db.session.execute(_table.delete().where(idle)))
    return result.rowcount or 0


def start(
    questionnaire: Questionnaire, language: str, centre: str | None = None, channel: str | None = None
) -> str:
    """Begin a survey (on a centre's kiosk, if `centre`; from a poster's short link, if `channel`).

    Returns the token the browser keeps. The caller commits.
    """
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        _table.insert().values(
            token_hash=hash_token(token),
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            language=language,
            answers={},
            centre=centre,
            channel=channel,
            started_at=now,
            updated_at=now,
            revision=0,
        )
    )
    return token


def load(token: str, questionnaire: Questionnaire) -> InProgress | None:
    """The survey in progress for `token`, or None. Raises Expired (and forgets it) if it timed out."""
    progress = _read(hash_token(token), questionnaire)
    if progress is None:
        return None
    if progress.updated_at < utcnow() - idle_limit(questionnaire, progress.centre):
        forget([progress.token_hash])
        raise Expired
    return progress


def _read(token_hash: str, questionnaire: Questionnaire) -> InProgress | None:
    with one_statement() as connection:
        found = connection.execute(_READ, {"key": token_hash}).one_or_none()
    if found is None or found.questionnaire_id != questionnaire.id:
        return None
    fields = found._asdict()
    return InProgress(answers=_opened(fields.pop("sealed"), questionnaire), **fields)


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


def save_answer(
    progress: InProgress, questionnaire: Questionnaire, question_id: str, value: Any, language: str
) -> InProgress:
    """Save one answer onto the answers as they are now, and return them.

    The answer is written only onto the revision it was read from. If another page saved an
    answer in between, this one is saved again onto that page's answers, so neither is lost.
    Raises Expired if the survey was deleted meanwhile (exit, reset, timed out), and SaveConflict
    after too many collisions in a row.
    """
    current = progress
    for _attempt in range(_SAVE_ATTEMPTS):
        answers = {**current.answers, question_id: value}
        now = utcnow()
        with one_statement() as connection:
            saved = connection.execute(
                _SAVE_ANSWERS,
                {
                    "key": current.token_hash,
                    "read_revision": current.revision,
                    "new_revision": current.revision + 1,
                    "answers": answers,
                    "language": language,
                    "now": now,
                },
            ).rowcount
            connection.commit()
        if saved == 1:
            return replace(
                current, answers=answers, language=language, updated_at=now, revision=current.revision + 1
            )
        fresh = _read(current.token_hash, questionnaire)
        if fresh is None:
            raise Expired
        if fresh.submitted:
            raise Submitted
        current = fresh
    raise SaveConflict(f"an answer could not be saved after {_SAVE_ATTEMPTS} concurrent changes")


def touch(progress: InProgress) -> bool:
    """Keep a survey alive while the respondent is reading its pages. True if it was renewed."""
    now = utcnow()
    if now - progress.updated_at <= dt.timedelta(minutes=1):
        return False
    with one_statement() as connection:
        connection.execute(_TOUCH, {"key": progress.token_hash, "now": now})
        connection.commit()
    return True


def forget(token_hashes: Iterable[str]) -> None:
    """Delete these surveys or reports in progress at once (quick exit, kiosk reset, a final page)."""
    keys = list(token_hashes)
    if not keys:
        return
    with one_statement() as connection:
        connection.execute(_FORGET, {"keys": keys})
        connection.commit()


def snapshot_for(published: Published) -> QuestionnaireVersion:
    """The stored copy of this questionnaire version, created on first use. The caller commits."""
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
        return snapshot
    except sa.exc.IntegrityError:
        # Another worker published it at the same moment.
        return db.session.scalars(query).one()


def _new_submission(
    progress: InProgress,
    published: Published,
    snapshot: QuestionnaireVersion,
    client: str | None,
    language: str,
    held_reason: str | None,
) -> Response | Report:
    questionnaire = published.questionnaire
    answers = relevant_answers(questionnaire, progress.answers)
    common = {
        "questionnaire_version_id": snapshot.id,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
        "language": language,
        "answers": answers,
        "session_token_hash": progress.token_hash,
    }
    if questionnaire.is_report:
        facts = {q.id: answers[q.id] for q in questionnaire.questions if q.reportable and q.id in answers}
        return Report(
            reference=new_report_reference(),
            facts=facts,
            centre=progress.centre,
            risk_cues=questionnaire.risk_cues_in(answers),
            held=held_reason is not None,
            held_reason=held_reason,
            **common,
        )
    submitted_at = utcnow()
    flags = quality.flags_for(
        answers,
        progress.started_at,
        submitted_at,
        _earlier_from(client, questionnaire.id),
        current_app.config["QUALITY_RULES"],
    )
    return Response(
        reference=new_reference(),
        started_at=progress.started_at,
        submitted_at=submitted_at,
        channel=progress.channel,
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


def submission_of(progress: InProgress) -> Response | Report | None:
    """The response or report this survey in progress became, if it has been submitted."""
    if progress.response_id is not None:
        return db.session.get(Response, progress.response_id)
    if progress.report_id is not None:
        return db.session.get(Report, progress.report_id)
    return None


_Submission = TypeVar("_Submission", bound=Response | Report)


def _existing_submission(token_hash: str, kind: type[_Submission]) -> _Submission | None:
    return db.session.scalars(sa.select(kind).filter_by(session_token_hash=token_hash)).first()


def _record_consent(report: Report, questionnaire: Questionnaire, answers: dict[str, Any]) -> None:
    """The consent to share that the report's answers give, as its first consent record."""
    consent = consent_from_answers(questionnaire, relevant_answers(questionnaire, answers))
    if consent is not None:
        record_consent(report.id, consent, "form")


def submit(
    progress: InProgress,
    published: Published,
    language: str,
    client: str | None = None,
    hold: Callable[[], str | None] | None = None,
) -> Response | Report:
    """Store the response or report once, in the caller's transaction. The caller commits.

    A second submit, or two at the same moment, return the first one. Only the answers as read
    are sent: if another page saved an answer since, raises Changed and stores nothing. `client`
    is the keyed hash of the respondent's client (see survey/quality.py), used to flag repeat
    survey responses; reports never record it. `hold`, for a report, is asked (once, and only
    for a new report) whether to hold it apart as a possible flood, and why.
    """
    kind: type[Response] | type[Report] = Report if published.questionnaire.is_report else Response
    existing = submission_of(progress) or _existing_submission(progress.token_hash, kind)
    if existing is not None:
        return existing
    if first_unanswered(published.questionnaire, progress.answers) is not None:
        raise ValueError("the survey is not complete")
    snapshot = snapshot_for(published)
    held_reason = hold() if hold is not None else None
    for _attempt in range(5):
        submission = _new_submission(progress, published, snapshot, client, language, held_reason)
        try:
            with db.session.begin_nested():
                db.session.add(submission)
                db.session.flush()
                link = {"report_id": submission.id} if kind is Report else {"response_id": submission.id}
                # The answers now live in the submission alone, if they are still the ones read.
                linked = db.session.execute(
                    _table.update()
                    .where(
                        _table.c.token_hash == progress.token_hash,
                        _table.c.revision == progress.revision,
                        _table.c.response_id.is_(None),
                        _table.c.report_id.is_(None),
                    )
                    .values(
                        answers={},
                        updated_at=utcnow(),
                        revision=_table.c.revision + 1,
                        language=language,
                        **link,
                    )
                )
                if cast(sa.CursorResult[Any], linked).rowcount != 1:
                    raise _NotLinked
                if isinstance(submission, Report):
                    _record_consent(submission, published.questionnaire, progress.answers)
            return submission
        except _NotLinked:
            # The savepoint is rolled back: nothing was stored.
            existing = _existing_submission(progress.token_hash, kind)
            if existing is not None:
                return existing
            raise Changed from None
        except sa.exc.IntegrityError:
            # Either this survey was submitted at the same moment by another
            # request (return that submission), or the reference was taken.
            existing = _existing_submission(progress.token_hash, kind)
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate a unique reference")
