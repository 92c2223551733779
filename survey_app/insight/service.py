"""The insight figures for the staff pages: responses from the database, weighted, cached.

Weighting and estimating 100,000 responses takes about a second and a half, so results are kept in
memory per worker, keyed by a data version that changes whenever a response arrives, an analyst
includes or excludes one, or the margins change. A page asks for the version (one small query)
and recomputes only when it moved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from analysis.raking import Margin

from ..extensions import db
from ..models import Response
from ..questionnaire import Questionnaire
from ..registry import all_published
from ..staff.models import User
from .kpis import DEFAULT_MARGINS_PATH, InsightError, KpiResults, ResponseRecord, compute_kpis, quarter_of
from .margins import check_margins, weighting_margins
from .models import MarginsFile, ResponseReview
from .wards import WardEstimates, WardModelError, estimate_wards, load_auxiliary

log = logging.getLogger(__name__)

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
    area: str = ALL  # one of the questionnaire's places, or ALL
    period: str = ALL  # a quarter ("2026Q3"), LAST_FOUR, or ALL

    def accepts(self, record: ResponseRecord, last_four: frozenset[str], area_question: str | None) -> bool:
        """Whether the record is within the filters; `area_question` is the id of the question
        whose answer is the place (None: the questionnaire has none, and no place is accepted)."""
        if self.area and (area_question is None or record.answers.get(area_question) != self.area):
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
    n_filtered: int  # included responses within the filters (n_included when there are none)
    quarter_counts: dict[str, int]  # included responses in each quarter
    computed_at: dt.datetime
    version: tuple
    stale: bool = False  # newer responses are being added in the background


class InsightUnavailable(Exception):
    """The figures cannot be worked out. With `detail`, because the responses cannot be weighted
    to the margins in use (named `margins`), which an administrator can change; without, an
    unexpected failure, already logged."""

    def __init__(self, margins: str, detail: str = "") -> None:
        super().__init__(detail or "the figures could not be worked out")
        self.margins = margins
        self.detail = detail


def unavailable(error: Exception, margins: str) -> InsightUnavailable:
    """The InsightUnavailable for a failure to work out the figures, logged as what it is."""
    if isinstance(error, InsightError):
        log.error("the insight figures cannot be weighted to %s: %s", margins, error)
        return InsightUnavailable(margins, str(error).removeprefix("weighting failed: "))
    log.error("working out the insight figures failed", exc_info=error)
    return InsightUnavailable(margins)


_lock = threading.Lock()


def _cache(app: Flask) -> OrderedDict[tuple, Insight]:
    """This app's cache (each app has its own, so two databases never share figures)."""
    return app.extensions.setdefault("insight_cache", OrderedDict())


def _shipped_margins(questionnaire: Questionnaire) -> MarginsInUse:
    content = Path(DEFAULT_MARGINS_PATH).read_bytes()
    checked = check_margins(content, questionnaire, ())
    return MarginsInUse(
        weighting_margins(checked, questionnaire),
        checked.sources,
        "data/population_margins.csv",
        hashlib.sha256(content).hexdigest(),
    )


def first_measured_questionnaire() -> Questionnaire | None:
    """The first questionnaire that declares KPI measures: the one the insight pages open on."""
    for published in all_published().values():
        if published.questionnaire.measures:
            return published.questionnaire
    return None


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
        weighting_margins(checked, questionnaire),
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


def _area_question_id(questionnaire: Questionnaire) -> str | None:
    area = questionnaire.area_question
    return area.id if area else None


def _in_filters(
    questionnaire: Questionnaire, filters: Filters, quarters: Counter
) -> Callable[[ResponseRecord], bool] | None:
    """Whether a response is within the filters (None: every response is)."""
    if filters == Filters():
        return None
    last_four = last_four_quarters(tuple(sorted(quarters)))
    area_question = _area_question_id(questionnaire)
    return lambda record: filters.accepts(record, last_four, area_question)


def _estimates(
    questionnaire: Questionnaire, filters: Filters, records: list[ResponseRecord], margins: MarginsInUse
) -> tuple[KpiResults, KpiResults]:
    """The estimates within the filters, and the trend (every quarter) within the area filter."""
    quarters = Counter(quarter_of(r.submitted_at) for r in records)
    in_filters = _in_filters(questionnaire, filters, quarters)
    results = compute_kpis(questionnaire, records, margins.margins, subset=in_filters)
    if not filters.period:
        return results, results
    in_area = _in_filters(questionnaire, Filters(area=filters.area), quarters)
    return results, compute_kpis(questionnaire, records, margins.margins, subset=in_area)


def _compute(
    questionnaire: Questionnaire, filters: Filters, version: tuple, now: dt.datetime | None
) -> Insight:
    margins = margins_in_use(questionnaire)
    records = [record for _id, record in included_responses(questionnaire.id)]
    try:
        results, trend = _estimates(questionnaire, filters, records, margins)
    except Exception as error:  # every page that shows figures explains, rather than failing
        raise unavailable(error, margins.name) from error
    quarter_counts = Counter(quarter_of(r.submitted_at) for r in records)
    in_filters = _in_filters(questionnaire, filters, quarter_counts)
    total, _max_id, excluded = version[1], version[2], version[3]
    return Insight(
        questionnaire,
        filters,
        results,
        trend,
        margins,
        n_included=total - excluded,
        n_excluded=excluded,
        n_flagged=flagged_unreviewed(questionnaire.id),
        n_filtered=len(records) if in_filters is None else sum(1 for r in records if in_filters(r)),
        quarter_counts=dict(quarter_counts),
        computed_at=now or dt.datetime.now(dt.UTC),
        version=version,
    )


def _store(app: Flask, key: tuple, result: Insight) -> None:
    cache = _cache(app)
    with _lock:
        held = cache.get(key)
        if held is None or held.computed_at <= result.computed_at:
            cache[key] = result
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)


def _refresh_in_background(app: Flask, questionnaire: Questionnaire, filters: Filters, key: tuple) -> None:
    refreshing = app.extensions.setdefault("insight_refreshing", set())
    with _lock:
        if key in refreshing:
            return
        refreshing.add(key)

    def run() -> None:
        try:
            with app.app_context():
                _store(app, key, _compute(questionnaire, filters, data_version(questionnaire.id), None))
        except Exception:  # a failed refresh leaves the older figures; the next page tries again
            log.exception("refreshing the insight figures failed")
        finally:
            with _lock:
                refreshing.discard(key)

    threading.Thread(target=run, name="insight-refresh", daemon=True).start()


def ward_estimates(questionnaire: Questionnaire, measure_id: str, period: str) -> WardEstimates:
    """Direct and model-based ward estimates of a measure for a quarter (or LAST_FOUR), cached like
    the other figures, and so is the reason there are none. WardModelError when the survey, its ward
    figures or the period cannot have them; InsightUnavailable when the responses cannot be weighted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    margins = margins_in_use(questionnaire)
    key = (questionnaire.id, measure_id, period, data_version(questionnaire.id), margins.checksum)
    cache: OrderedDict[tuple, WardEstimates | tuple[str, str]] = app.extensions.setdefault(
        "ward_cache", OrderedDict()
    )
    with _lock:
        held = cache.get(key)
    if isinstance(held, tuple):
        raise WardModelError(*held)
    if held is not None:
        return held
    try:
        auxiliary = load_auxiliary(app.config.get("WARD_AUXILIARY_FILE") or None)
        if auxiliary.ward_question(questionnaire) is None:  # before reading a single response
            raise WardModelError(WardModelError.NO_WARD_QUESTION, "no question whose answers are the wards")
        records = [record for _id, record in included_responses(questionnaire.id)]
        quarters = tuple(sorted({quarter_of(r.submitted_at) for r in records}))
        chosen = last_four_quarters(quarters) if period == LAST_FOUR else frozenset({period})
        result: WardEstimates | tuple[str, str] = estimate_wards(
            questionnaire, records, margins.margins, measure_id, chosen, auxiliary
        )
    except WardModelError as error:
        if error.reason == WardModelError.AUXILIARY_FILE:
            log.error("ward estimates not shown: %s", error)
        result = (error.reason, str(error))
    except Exception as error:  # the page explains, as every page with figures does
        raise unavailable(error, margins.name) from error
    with _lock:
        cache[key] = result
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    if isinstance(result, tuple):
        raise WardModelError(*result)
    return result


def insight(
    questionnaire: Questionnaire, filters: Filters = Filters(), *, now: dt.datetime | None = None
) -> Insight:
    """The figures for these filters, as of the latest data.

    Small surveys are recomputed in the request whenever the data changed. Above
    INSIGHT_BACKGROUND_ABOVE included responses, a page gets the previous figures at once, marked
    stale, while a background thread brings them up to date. Figures that cannot be worked out
    raise InsightUnavailable.
    """
    # Flask types current_app as Flask, not as the LocalProxy it is; this is its documented way to the app.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    version = data_version(questionnaire.id)
    key = (questionnaire.id, filters)
    with _lock:
        held = _cache(app).get(key)
    if held is not None and held.version == version:
        return held
    included = version[1] - version[3]
    if held is not None and included > app.config["INSIGHT_BACKGROUND_ABOVE"]:
        _refresh_in_background(app, questionnaire, filters, key)
        return replace(held, stale=True)
    result = _compute(questionnaire, filters, version, now)
    _store(app, key, result)
    return result
