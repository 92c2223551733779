"""Tables behind the insight pages: analysts' decisions on flagged responses, uploaded margins."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..columns import UTCDateTime, utcnow
from ..extensions import Model
from ..models import Response
from ..staff.models import User

DECISIONS = ("include", "exclude")
REASON_MAX_LENGTH = 500


class ResponseReview(Model):
    """One analyst's decision to include or exclude a response, with the reason. The latest counts."""

    __tablename__ = "response_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(REASON_MAX_LENGTH))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship()
    user: Mapped[User] = relationship()


class MarginsFile(Model):
    """Population margins uploaded by an administrator; the newest active one is used for weighting."""

    __tablename__ = "margins_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content: Mapped[str] = mapped_column(sa.Text)
    checksum: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    active: Mapped[bool] = mapped_column(default=True)

    uploaded_by: Mapped[User] = relationship()
