"""The insight figures for the staff pages: responses from the database, weighted, cached.

Weighting and estimating 100,000 responses takes about a second and a half, so results are kept in
memory per worker, keyed by a data version that changes whenever a response arrives, an analyst
includes or excludes one, or the margins change. A page asks for the version (one small query)
and recomputes only when it moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from analysis.raking import Margin

from ..extensions import db
from ..models import Response
from ..questionnaire import Questionnaire
from ..staff.models import User
from .kpis import DEFAULT_MARGINS_PATH, KpiResults, ResponseRecord, compute_kpis, quarter_of
from .margins import check_margins, weighting_questions
from .models import MarginsFile, ResponseReview

CACHE_SIZE = 32
ALL = ""
LAST_FOUR = "last4"


@dataclass(frozen=True)
class MarginsInUse:
    margins: dict[str, Margin]
    sources: dict[str, tuple[str, ...]]
    name: str  # the uploaded file's name, or the shipped file's path
    checksum: str
    uploaded_at: dt.datetime | None = None
    uploaded_by: str | None = None


@dataclass(frozen=True)
class Filters:
    area: str = ALL  # a town centre code, or ALL
    period: str = ALL  # a quarter ("2026Q3"), LAST_FOUR, or ALL

    def accepts(self, record: ResponseRecord, last_four: frozenset[str]) -> bool:
        if self.area and record.answers.get("town_centre") != self.area:
            return False
        quarter = quarter_of(record.submitted_at)
        if self.period == LAST_FOUR:
            return quarter in last_four
        return not self.period or quarter == self.period


@dataclass(frozen=True)
class Insight:
    questionnaire: Questionnaire
    filters: Filters
    results: KpiResults  # estimates within the filters (weights from every included response)
    trend: KpiResults  # every quarter, within the area filter only
    margins: MarginsInUse
    n_included: int
    n_excluded: int
    n_flagged: int  # flagged and never reviewed
    computed_at: dt.datetime
    version: tuple


_lock = threading.Lock()


def _cache() -> OrderedDict[tuple, Insight]:
    """This app's cache (each app has its own, so two databases never share figures)."""
    return current_app.extensions.setdefault("insight_cache", OrderedDict())


def _shipped_margins(questionnaire: Questionnaire) -> MarginsInUse:
    content = Path(DEFAULT_MARGINS_PATH).read_bytes()
    checked = check_margins(content, questionnaire, ())
    return MarginsInUse(
        {v: m for v, m in checked.margins.items() if v in weighting_questions(questionnaire)},
        checked.sources,
        "data/population_margins.csv",
        hashlib.sha256(content).hexdigest(),
    )


def margins_in_use(questionnaire: Questionnaire) -> MarginsInUse:
    """The newest active uploaded margins file, else the one shipped in data/."""
    upload = db.session.scalars(
        sa.select(MarginsFile).where(MarginsFile.active.is_(True)).order_by(MarginsFile.id.desc()).limit(1)
    ).first()
    if upload is None:
        return _shipped_margins(questionnaire)
    checked = check_margins(upload.content, questionnaire, ())
    if not checked.ok:  # a file that suited another questionnaire: fall back rather than fail
        return _shipped_margins(questionnaire)
    user: User | None = upload.uploaded_by
    return MarginsInUse(
        {v: m for v, m in checked.margins.items() if v in weighting_questions(questionnaire)},
        checked.sources,
        upload.filename,
        upload.checksum,
        upload.uploaded_at,
        user.display_name if user else None,
    )


def data_version(questionnaire_id: str) -> tuple:
    counts = db.session.execute(
        sa.select(
            sa.func.count(Response.id),
            sa.func.max(Response.id),
            sa.func.count(Response.id).filter(Response.excluded.is_(True)),
        ).where(Response.questionnaire_id == questionnaire_id)
    ).one()
    reviews = db.session.scalar(sa.select(sa.func.max(ResponseReview.id)))
    margins = db.session.scalar(sa.select(sa.func.max(MarginsFile.id)).where(MarginsFile.active.is_(True)))
    return (questionnaire_id, *counts, reviews, margins)


def included_responses(questionnaire_id: str) -> list[tuple[int, ResponseRecord]]:
    rows = db.session.execute(
        sa.select(Response.id, Response.answers, Response.submitted_at, Response.language)
        .where(Response.questionnaire_id == questionnaire_id, Response.excluded.is_(False))
        .order_by(Response.id)
    ).all()
    return [(rid, ResponseRecord(answers or {}, at, language)) for rid, answers, at, language in rows]


def flagged_unreviewed(questionnaire_id: str) -> int:
    reviewed = sa.select(ResponseReview.response_id)
    return (
        db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(
                Response.questionnaire_id == questionnaire_id,
                Response.flagged.is_(True),
                Response.id.not_in(reviewed),
            )
        )
        or 0
    )


def last_four_quarters(quarters: tuple[str, ...]) -> frozenset[str]:
    return frozenset(sorted(quarters)[-4:])


def insight(
    questionnaire: Questionnaire, filters: Filters = Filters(), *, now: dt.datetime | None = None
) -> Insight:
    version = data_version(questionnaire.id)
    key = (version, filters)
    cache = _cache()
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    margins = margins_in_use(questionnaire)
    records = [record for _id, record in included_responses(questionnaire.id)]
    quarters = tuple(sorted({quarter_of(r.submitted_at) for r in records}))
    last_four = last_four_quarters(quarters)
    area_only = Filters(area=filters.area)
    filtered = None if filters == Filters() else (lambda r: filters.accepts(r, last_four))
    results = compute_kpis(questionnaire, records, margins.margins, subset=filtered)
    if filters.period:
        in_area = None if not filters.area else (lambda r: area_only.accepts(r, last_four))
        trend = compute_kpis(questionnaire, records, margins.margins, subset=in_area)
    else:
        trend = results
    total, _max_id, excluded = version[1], version[2], version[3]
    result = Insight(
        questionnaire,
        filters,
        results,
        trend,
        margins,
        n_included=total - excluded,
        n_excluded=excluded,
        n_flagged=flagged_unreviewed(questionnaire.id),
        computed_at=now or dt.datetime.now(dt.UTC),
        version=version,
    )
    with _lock:
        cache[key] = result
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return result
