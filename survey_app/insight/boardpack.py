"""The quarterly board pack: the KPI table, trends, target panels and reporting-centre counts for one
quarter, as one printable page, a PDF, one CSV and an Excel workbook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..questionnaire import Questionnaire
from ..reports.models import Report
from ..triage import views as triage_views
from . import views
from .kpis import LOCAL_TIME, KpiChange, KpiEstimate, MeasureInfo
from .service import Insight
from .targets import Target, TargetPanel, evaluate


@dataclass(frozen=True)
class KpiLine:
    measure: MeasureInfo
    label: str
    quarter: KpiEstimate | None
    change: KpiChange | None
    rolling_label: str | None
    rolling: KpiEstimate | None


@dataclass(frozen=True)
class BoardPack:
    questionnaire: Questionnaire
    quarter: str
    insight: Insight
    measures: tuple[MeasureInfo, ...]
    lines: list[KpiLine]
    panels: list[TargetPanel]
    reports: triage_views.Counts
    generated_at: dt.datetime


def quarter_bounds(quarter: str) -> tuple[dt.datetime, dt.datetime]:
    """The quarter's start and end as UTC moments (quarters are UK calendar quarters)."""
    year, number = int(quarter[:4]), int(quarter[-1])
    start = dt.datetime(year, 3 * number - 2, 1, tzinfo=LOCAL_TIME)
    end_year, end_month = (year + 1, 1) if number == 4 else (year, 3 * number + 1)
    end = dt.datetime(end_year, end_month, 1, tzinfo=LOCAL_TIME)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def _report_counts(quarter: str) -> triage_views.Counts:
    start, end = quarter_bounds(quarter)
    return triage_views.report_counts(Report.submitted_at >= start, Report.submitted_at < end)


def build(questionnaire: Questionnaire, data: Insight, quarter: str, targets: list[Target]) -> BoardPack:
    results = data.results
    lines = []
    for measure in results.measures:
        windows = [e for e in results.find(measure.id, "rolling_four_quarters") if e.domain.endswith(quarter)]
        lines.append(
            KpiLine(
                measure,
                views.measure_label(questionnaire, measure.id),
                results.get(measure.id, "quarter", quarter),
                results.change(measure.id, quarter),
                views.window_label(windows[0].domain) if windows else None,
                windows[0] if windows else None,
            )
        )
    quarter_end = quarter_bounds(quarter)[1].date() - dt.timedelta(days=1)
    panels = [evaluate(t, results, quarter_end, upto=quarter) for t in targets]
    return BoardPack(
        questionnaire,
        quarter,
        data,
        results.measures,
        lines,
        panels,
        _report_counts(quarter),
        dt.datetime.now(dt.UTC),
    )


def _estimate_columns(est: KpiEstimate | None) -> dict[str, object]:
    if est is None or est.suppressed:
        return {
            "statistic": est.statistic if est is not None else None,
            "estimate": None,
            "ci_low": None,
            "ci_high": None,
            "base": None,
            "effective_base": None,
            "suppressed": est is not None,
        }
    return {
        "statistic": est.statistic,
        "estimate": est.estimate,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "base": est.n,
        "effective_base": round(est.n_eff, 1) if est.n_eff is not None else None,
        "suppressed": False,
    }


def kpi_table(pack: BoardPack) -> pd.DataFrame:
    rows = []
    for line in pack.lines:
        change = line.change
        rows.append(
            {
                "measure": line.measure.id,
                "label": line.label,
                "period": pack.quarter,
                **_estimate_columns(line.quarter),
                "statistic": line.measure.statistic,  # also where the quarter has no estimate
                "change_on_previous_quarter": change.difference if change else None,
                "change_p_value": change.p_value if change else None,
                "change_significant": change.significant if change else None,
                "rolling_four_quarters": line.rolling.estimate
                if line.rolling and not line.rolling.suppressed
                else None,
            }
        )
    return pd.DataFrame(rows)


def trend_table(pack: BoardPack) -> pd.DataFrame:
    rows = []
    for measure in pack.measures:
        for est in pack.insight.results.find(measure.id, "quarter"):
            if est.domain <= pack.quarter:
                rows.append({"measure": measure.id, "quarter": est.domain, **_estimate_columns(est)})
    return pd.DataFrame(rows)


def target_table(pack: BoardPack) -> pd.DataFrame:
    rows = []
    for panel in pack.panels:
        t, est = panel.target, panel.latest
        rows.append(
            {
                "target": t.name,
                "area": t.area,
                "measure": t.measure,
                "baseline": t.baseline,
                "baseline_date": t.baseline_date.isoformat(),
                "target_value": t.target,
                "target_date": t.target_date.isoformat(),
                "period": panel.period,
                **_estimate_columns(est),
                "change_from_baseline": panel.change.difference if panel.change else None,
                "change_p_value": panel.change.p_value if panel.change else None,
                "change_significant": panel.change.significant if panel.change else None,
                "status": panel.status,
                "responses_per_quarter_needed": panel.needed,
                "more_responses_per_quarter": panel.more_per_quarter,
            }
        )
    return pd.DataFrame(rows)


def report_table(pack: BoardPack) -> pd.DataFrame:
    counts = pack.reports
    rows = [{"breakdown": "form", "group": form, "reports": n} for form, n, _p in counts.by_form]
    for form, strands in counts.by_strand:
        rows += [{"breakdown": f"strand: {form}", "group": label, "reports": n} for label, n in strands]
    rows += [{"breakdown": "centre", "group": label, "reports": n} for label, n in counts.by_centre]
    return pd.DataFrame(rows, columns=["breakdown", "group", "reports"])


# The board pack's proportions and differences of proportions: shown as percentages in Excel (in
# rows whose `statistic` is "proportion"; a mean's are plain numbers).
PERCENT_COLUMNS = frozenset(
    {
        "estimate",
        "ci_low",
        "ci_high",
        "change_on_previous_quarter",
        "rolling_four_quarters",
        "baseline",
        "target_value",
        "change_from_baseline",
    }
)


def sheets(pack: BoardPack) -> dict[str, pd.DataFrame]:
    return {
        "kpis": kpi_table(pack),
        "trend": trend_table(pack),
        "targets": target_table(pack),
        "reports": report_table(pack),
    }


def combined_table(pack: BoardPack) -> pd.DataFrame:
    """Every board pack table in one CSV: a `table` column says which each row belongs to."""
    frames = [frame.assign(table=name) for name, frame in sheets(pack).items() if not frame.empty]
    combined = pd.concat(frames, ignore_index=True, sort=False)
    return combined[["table", *[c for c in combined.columns if c != "table"]]]
