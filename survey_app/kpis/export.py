"""The KPI report as JSON (the `kpis report` command) and as tables (the CSV and Excel downloads).

Counts below the small-count threshold are given as "fewer than N" in anything that leaves the
partnership: the tables carry the number as empty and a `shown` column with the words.
"""

from __future__ import annotations

from typing import Any

from .rates import PeriodRates
from .report import STATUSES, KpiResult, Report, finite

STATUS_RULES = {
    "met": "The target has been reached, and the exact test shows the change from the baseline is more "
    "than chance (for a headcount: the figure has reached the target; for the crime position: Trafford "
    "is in the baseline position or better).",
    "on_track": "The figure has moved from the baseline towards the target by more than chance, but has "
    "not reached it, and the target date has not passed.",
    "not_yet_shown": "The change from the baseline cannot yet be told from chance (the figure may even "
    "have reached the target), and the target date has not passed.",
    "off_track": "The figure has moved away from the target by more than chance, or the target date has "
    "passed without the target being met (for the crime position: Trafford has fallen below its "
    "baseline position).",
    "no_data": "No figure for the quarter: a figure was not entered, or a month of crime was not imported.",
}


def _rates(rates: PeriodRates) -> dict[str, Any]:
    return {
        "period": rates.period,
        "crime_type": rates.crime_type,
        "complete": rates.complete,
        "missing_months": list(rates.missing),
        "districts": [
            {
                "district": r.district,
                "crimes": r.crimes,
                "residents": r.residents,
                "rate_per_1000": r.rate,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "rank": r.rank,
            }
            for r in rates.rates
        ],
    }


def _result(result: KpiResult) -> dict[str, Any]:
    kpi = result.kpi
    out: dict[str, Any] = {
        "id": kpi.id,
        "number": kpi.number,
        "wording": kpi.wording,
        "subgroup": kpi.subgroup,
        "owner": kpi.owner,
        "unit": kpi.unit,
        "direction": kpi.direction,
        "source": kpi.source,
        "quarter": result.quarter,
        "status": result.status,
        "value": result.value,
        "ci_low": finite(result.ci_low),
        "ci_high": finite(result.ci_high),
        "previous_value": result.previous_value,
        "previous_status": result.previous_status,
        "missing": list(result.missing),
        "revised": result.revised,
    }
    if kpi.baseline is not None:
        out["baseline"] = {
            "value": kpi.baseline.value,
            "period": kpi.baseline.period,
            "per_quarter": result.baseline_per_quarter,
        }
    if kpi.target is not None:
        out["target"] = {
            "kind": kpi.target.kind,
            "change": kpi.target.value if kpi.target.kind == "relative" else None,
            "value": kpi.target_value,
            "per_quarter": result.target_per_quarter,
            "date": kpi.target.date.isoformat(),
        }
    if result.comparison is not None:
        c = result.comparison
        out["change_from_baseline"] = {
            "rate_ratio": finite(c.ratio),
            "ci_low": finite(c.ci_low),
            "ci_high": finite(c.ci_high),
            "p_value": c.p_value,
            "p_value_better": c.p_better,
            "p_value_worse": c.p_worse,
        }
    if result.figures:
        out["figures"] = [
            {
                "id": f.figure.id,
                "label": f.figure.label,
                "value": f.value,
                "revisions": [
                    {
                        "value": r.value,
                        "revision": r.revision,
                        "by": r.by,
                        "reason": r.reason,
                        "at": r.at.isoformat(),
                    }
                    for r in f.revisions
                ],
            }
            for f in result.figures
        ]
    if result.lines:
        out["town_centres"] = [
            {
                "name": line.name,
                "status": line.status,
                "period": line.period,
                "value": line.value,
                "ci_low": line.ci_low,
                "ci_high": line.ci_high,
                "responses": line.n,
                "baseline": line.baseline,
                "baseline_date": line.baseline_date.isoformat(),
                "target": line.target,
                "target_date": line.target_date.isoformat(),
                "change_from_baseline": line.change,
                "change_p_value": line.change_p_value,
                "change_significant": line.change_significant,
            }
            for line in result.lines
        ]
    if result.crime is not None:
        crime = result.crime
        home = crime.year.home
        out["crime"] = {
            "position_maintained": None
            if home is None or kpi.baseline is None
            else home.rank <= kpi.baseline.value,
            "rank_rolling_year": home.rank if home else None,
            "rank_quarter": crime.quarter.home.rank if crime.quarter.home else None,
            "quarter": _rates(crime.quarter),
            "rolling_year": _rates(crime.year),
            "by_crime_type": [_rates(r) for r in crime.by_type],
            "by_crime_type_quarter": [_rates(r) for r in crime.by_type_quarter],
            "left_out_of_rolling_year": crime.left_out,
        }
    out["trend"] = [
        {"quarter": p.quarter, "value": p.value, "ci_low": finite(p.ci_low), "ci_high": finite(p.ci_high)}
        for p in result.trend
    ]
    return out


def report_json(report: Report) -> dict[str, Any]:
    register = report.register
    return {
        "quarter": report.quarter,
        "generated_at": report.generated_at.isoformat(),
        "status_rules": {status: STATUS_RULES[status] for status in STATUSES},
        "subgroups": [{"id": g.id, "name": g.name} for g in register.subgroups],
        "kpis": [_result(r) for r in report.results],
    }
