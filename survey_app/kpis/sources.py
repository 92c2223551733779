"""Where the KPIs' figures come from, in the running app: the database (crime counts and entered
figures) and the insight figures of the surveys (town-centre confidence)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

from ..insight.kpis import AREA_QUARTER, QUARTER, InsightError
from ..insight.service import InsightUnavailable, insight
from ..insight.targets import EVERYWHERE, TargetPanel, evaluate, load_targets, targets_for
from ..registry import get_published
from . import store
from .districts import districts
from .rates import months_of_quarter, months_of_year_to, rank_rates, year_to_label
from .register import Kpi
from .report import (
    NO_DATA,
    NOT_YET_SHOWN,
    OFF_TRACK,
    ON_TRACK,
    CrimeFigures,
    Point,
    Revision,
    SurveyLine,
    quarter_end,
)

# A target panel's status, in the KPI report's words (see report.STATUS_RULES).
_PANEL_STATUS = {"met": "met", "missed": OFF_TRACK, "no_data": NO_DATA}


class DatabaseSources:
    """Reads each thing once per report: a report asks for the same quarter many times (trends)."""

    def __init__(self) -> None:
        self._crime: dict[tuple[str, bool], CrimeFigures] = {}
        self._figures: dict[str, dict[tuple[str, str], list[Revision]]] = {}
        self._imported: set[str] | None = None

    def figures(self, kpi: Kpi) -> dict[tuple[str, str], list[Revision]]:
        if kpi.id not in self._figures:
            history = store.figure_history([kpi.id])
            self._figures[kpi.id] = {
                key: [Revision(r.value, r.revision, r.entered_by, r.reason, r.entered_at) for r in rows]
                for key, rows in history.items()
            }
        return self._figures[kpi.id]

    def crime(self, quarter: str, *, detail: bool = True) -> CrimeFigures:
        key = (quarter, detail)
        if key not in self._crime:
            self._crime[key] = self._crime_for(quarter, detail)
        return self._crime[key]

    def _crime_for(self, quarter: str, detail: bool) -> CrimeFigures:
        if self._imported is None:
            self._imported = store.imported_months()
        year_months = months_of_year_to(quarter)
        totals, by_type = store.crime_counts(year_months)
        gm = districts()
        in_quarter = rank_rates(quarter, months_of_quarter(quarter), totals, self._imported, gm)
        year = rank_rates(year_to_label(quarter), year_months, totals, self._imported, gm)
        if not (detail and year.complete):
            return CrimeFigures(in_quarter, year, (), {})
        types = tuple(
            rank_rates(year.period, year_months, counts, self._imported, gm, crime_type=name)
            for name, counts in sorted(by_type.items())
        )
        quarter_months = months_of_quarter(quarter)
        types_quarter = tuple(
            rank_rates(quarter, quarter_months, counts, self._imported, gm, crime_type=name)
            for name, counts in sorted(by_type.items())
        )
        return CrimeFigures(in_quarter, year, types, store.left_out(year_months), types_quarter)

    def survey(self, kpi: Kpi, quarter: str, quarters: Sequence[str]) -> tuple[SurveyLine, ...]:
        published = get_published(kpi.questionnaire or "")
        if published is None:
            return ()
        questionnaire = published.questionnaire
        try:
            targets = load_targets(current_app.config["TARGETS_FILE"])
            results = insight(questionnaire).results
        except (InsightError, InsightUnavailable) as error:
            current_app.logger.error("town-centre confidence not reported: %s", error)
            return ()
        mine = [t for t in targets_for(targets, questionnaire) if t.measure == kpi.measure]
        lines = []
        for target in mine:
            panel = evaluate(target, results, quarter_end(quarter), upto=quarter)
            trend = []
            for q in quarters:
                if target.area == EVERYWHERE:
                    est = results.get(target.measure, QUARTER, q)
                else:
                    est = results.get(target.measure, AREA_QUARTER, f"{target.area}:{q}")
                shown = est is not None and not est.suppressed
                trend.append(
                    Point(q, est.estimate, est.ci_low, est.ci_high)
                    if shown and est is not None
                    else Point(q, None)
                )
            lines.append(_line(target.name, panel, tuple(trend), kpi.direction))
        return tuple(lines)


def _line(name: str, panel: TargetPanel, trend: tuple[Point, ...], direction: str) -> SurveyLine:
    t, est, change = panel.target, panel.latest, panel.change
    status = _PANEL_STATUS.get(panel.status)
    if status is None:  # not met and the target date not passed: judged by the change from the baseline
        if change is not None and change.significant:
            towards = change.difference > 0 if direction == "higher" else change.difference < 0
            status = ON_TRACK if towards else OFF_TRACK
        else:
            status = NOT_YET_SHOWN
    return SurveyLine(
        name=name,
        status=status,
        period=panel.period,
        value=est.estimate if est is not None else None,
        ci_low=est.ci_low if est is not None else None,
        ci_high=est.ci_high if est is not None else None,
        n=est.n if est is not None else None,
        baseline=t.baseline,
        baseline_date=t.baseline_date,
        target=t.target,
        target_date=t.target_date,
        change=change.difference if change is not None else None,
        change_p_value=change.p_value if change is not None else None,
        change_significant=bool(change is not None and change.significant),
        trend=trend,
    )
