"""The tables behind the board's KPIs: recorded crime as counted from the police's files, the
figures data owners enter each quarter (every revision kept), the register's saved versions and
who owns which KPI's figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..columns import JSONType, UTCDateTime, utcnow
from ..extensions import Model


class CrimeImport(Model):
    """One month of one force's street-level file, as last imported: importing it again replaces it."""

    __tablename__ = "crime_import"
    __table_args__ = (sa.UniqueConstraint("month", "force"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)  # YYYY-MM
    force: Mapped[str] = mapped_column(sa.String(100))
    filename: Mapped[str] = mapped_column(sa.String(255))
    rows: Mapped[int]
    crimes: Mapped[int]
    imported_by: Mapped[str] = mapped_column(sa.String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrimeCount(Model):
    """Crimes of one type in one district in one month, from one force's file."""

    __tablename__ = "crime_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    force: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str] = mapped_column(sa.String(100))
    crime_type: Mapped[str] = mapped_column(sa.String(100))
    crimes: Mapped[int]


class CrimeLeftOut(Model):
    """Rows of one month's file not counted as crimes in a district, by reason."""

    __tablename__ = "crime_left_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), index=True)
    force: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str] = mapped_column(sa.String(32))
    rows: Mapped[int]


class KpiFigure(Model):
    """One revision of one figure for one quarter. The newest revision is the figure; the earlier
    ones stay, so the board can be told a figure was revised, by whom and why."""

    __tablename__ = "kpi_figure"
    __table_args__ = (sa.UniqueConstraint("figure_id", "quarter", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    figure_id: Mapped[str] = mapped_column(sa.String(64))
    quarter: Mapped[str] = mapped_column(sa.String(6), index=True)  # 2026Q3
    value: Mapped[int]
    revision: Mapped[int]
    entered_by: Mapped[str] = mapped_column(sa.String(255))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(16), default="entered")  # entered, upload, command, demo


class KpiRegisterVersion(Model):
    """A version of the KPI register saved by an administrator; the newest is the one in use."""

    __tablename__ = "kpi_register_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    register: Mapped[dict[str, Any]] = mapped_column(JSONType)
    saved_by: Mapped[str] = mapped_column(sa.String(255))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class KpiOwner(Model):
    """A data owner's KPI: the staff member may enter and revise its figures, and no others."""

    __tablename__ = "kpi_owner"
    __table_args__ = (sa.UniqueConstraint("user_id", "kpi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    kpi_id: Mapped[str] = mapped_column(sa.String(64))
