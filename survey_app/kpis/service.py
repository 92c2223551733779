"""The KPI register in use and the quarterly report, for the pages and the commands."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..insight.service import data_version
from .models import CrimeImport, KpiFigure, KpiRegisterVersion
from .register import Register, is_quarter, load_register, parse_register, quarter_index, quarter_of_index
from .report import Report, build_report
from .sources import DatabaseSources


def current_register() -> Register:
    """The newest version an administrator saved, or else the register file."""
    saved = db.session.scalar(sa.select(KpiRegisterVersion).order_by(KpiRegisterVersion.id.desc()).limit(1))
    if saved is not None:
        return parse_register(saved.register, f"the KPI register saved on {saved.saved_at:%Y-%m-%d}")
    return load_register(current_app.config["KPI_REGISTER_FILE"])


def last_complete_quarter(today: dt.date | None = None) -> str:
    """The newest quarter that has ended: the one a board paper reports."""
    today = today or dt.datetime.now(dt.UTC).date()
    return quarter_of_index(today.year * 4 + (today.month - 1) // 3 - 1)


def reportable_quarters(register: Register, today: dt.date | None = None) -> list[str]:
    """The strategy's quarters that have ended, newest first."""
    last = quarter_index(last_complete_quarter(today))
    first = quarter_index(register.first_quarter)
    return [quarter_of_index(i) for i in range(last, first - 1, -1)]


def valid_quarter(value: str | None, register: Register, today: dt.date | None = None) -> str | None:
    if value is None or not is_quarter(value):
        return None
    return value if value in reportable_quarters(register, today) else None


CACHE_SIZE = 16
_lock = threading.Lock()


def _versions(register: Register) -> tuple:
    """What the report depends on, in a few small queries: it changes whenever a crime month is
    imported, a figure entered, a survey response arrives or is reviewed, or the targets change."""
    # Not the largest id alone: SQLite gives a month imported again the id its deleted row had.
    count, last, rows = sa.func.count, sa.func.max, sa.func.sum
    crime = db.session.execute(
        sa.select(count(CrimeImport.id), last(CrimeImport.imported_at), rows(CrimeImport.rows))
    ).one()
    figures = db.session.execute(sa.select(sa.func.count(KpiFigure.id), sa.func.max(KpiFigure.id))).one()
    surveys = tuple(
        data_version(k.questionnaire) for k in register.kpis if k.source == "survey" and k.questionnaire
    )
    try:
        targets = os.stat(current_app.config["TARGETS_FILE"]).st_mtime_ns
    except OSError:
        targets = None
    return (tuple(crime), tuple(figures), surveys, targets)


def report_for(quarter: str, register: Register | None = None) -> Report:
    """The quarter's report, worked out again only when something it depends on changed (pages,
    charts and downloads of one quarter ask for it many times)."""
    register = register or current_register()
    key = (quarter, register, _versions(register), dt.datetime.now(dt.UTC).date())
    cache: OrderedDict[tuple, Report] = current_app.extensions.setdefault("kpi_reports", OrderedDict())
    with _lock:
        held = cache.get(key)
    if held is not None:
        return held
    report = build_report(register, quarter, DatabaseSources())
    with _lock:
        cache[key] = report
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return report
