"""Database tables: published questionnaires, surveys in progress and responses."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .columns import EncryptedJSON, JSONType, UTCDateTime, utcnow
from .extensions import Model

if TYPE_CHECKING:
    from .reports.models import Report


class QuestionnaireVersion(Model):
    """A questionnaire as it was when it was first answered: what a response's codes mean."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(sa.String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveySession(Model):
    """Answers saved page by page while a respondent works through a survey.

    The browser holds a random token; only its SHA-256 is stored, so the
    table alone cannot be used to take over a respondent's survey.
    """

    __tablename__ = "survey_session"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64))
    questionnaire_version: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(16))
    # Encrypted: a report in progress can hold what a reporter would not want anyone to see.
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    # The reporting centre, when the survey was started on one of its kiosks.
    centre: Mapped[str | None] = mapped_column(sa.String(64))
    # The poster or short link the respondent came from (a town centre), if any.
    channel: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # How many times the answers were saved: an answer is saved only onto the revision it was read
    # from, so two saved at the same moment never overwrite each other (survey/store.py).
    revision: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="SET NULL"))

    response: Mapped[Response | None] = relationship()
    report: Mapped[Report | None] = relationship("Report")

    @property
    def submission(self) -> Response | Report | None:
        return self.response or self.report

    @property
    def submitted(self) -> bool:
        return self.response_id is not None or self.report_id is not None


class Response(Model):
    """One submitted survey."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"))
    questionnaire_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    questionnaire_version: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # "web" for a resident's answers; "demo" for generated demonstration data.
    source: Mapped[str] = mapped_column(sa.String(16), default="web")
    # One response per survey session, even if "Submit" is pressed twice at once.
    session_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    channel: Mapped[str | None] = mapped_column(sa.String(64))
    # Response quality (see survey_app/survey/quality.py): a keyed hash of the client, a hash of
    # the answers, the flags raised at submission, and whether an analyst excluded the response.
    client_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    answers_hash: Mapped[str | None] = mapped_column(sa.String(64))
    quality_flags: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=sa.text("'[]'"))
    # Any flag at all: kept as a column of its own so the review list is one indexed query.
    flagged: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)
    excluded: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)

    questionnaire_snapshot: Mapped[QuestionnaireVersion] = relationship()


class QuestionnaireSetting(Model):
    """Whether a survey is open to residents; set by an administrator. No row means open."""

    __tablename__ = "questionnaire_setting"

    questionnaire_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
