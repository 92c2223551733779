"""The quarterly board paper: what it holds, its charts and its tables for CSV and Excel.

A board paper leaves the partnership, so every count below the small-count threshold is written
"fewer than N" (and left empty in the tables, with the words beside it). The tables use people's
words for their columns and values (the KPI's wording, "On track"), percentages as percentages,
counts as whole numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from flask_babel import gettext as _

from ..formats import date_text
from ..insight.boardpack import quarter_bounds
from ..insight.views import period_label, quarter_label
from ..reports.models import Report as SubmittedReport
from ..triage import views as triage_views
from . import views
from .register import Subgroup
from .report import KpiResult, Report


@dataclass(frozen=True)
class Section:
    subgroup: Subgroup
    results: list[KpiResult]


@dataclass(frozen=True)
class Paper:
    report: Report
    sections: list[Section]
    town_centres: KpiResult | None
    changed: list[KpiResult]
    reports: triage_views.Counts
    generated_at: dt.datetime

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        counts = [(s, sum(1 for r in self.report.results if r.status == s)) for s in views.statuses()]
        return [(s, n) for s, n in counts if n]


def build(report: Report) -> Paper:
    start, end = quarter_bounds(report.quarter)
    counts = triage_views.report_counts(
        SubmittedReport.submitted_at >= start, SubmittedReport.submitted_at < end
    )
    sections = [Section(g, report.in_subgroup(g.id)) for g in report.register.subgroups]
    town = next((r for r in report.results if r.kpi.source == "survey"), None)
    return Paper(report, sections, town, report.changed, counts, report.generated_at)


def charts(report: Report) -> dict[str, str]:
    """Every chart of the paper as SVG, by the key the template asks for: the KPI's id, or the
    survey KPI's id and the line's number."""
    out = {}
    for result in report.results:
        if result.kpi.source == "survey":
            for i, line in enumerate(result.lines):
                out[f"{result.kpi.id}-{i}"] = views.line_chart(line)
        else:
            out[result.kpi.id] = views.kpi_chart(result, public=True)
    return out


def _proportion(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _public_count(kpi_unit: str, value: float | None) -> tuple[float | None, str]:
    """The number for a table, and the words where the number is held back."""
    if value is None:
        return None, ""
    if views.too_small(kpi_unit, value):
        return None, views.count(value, public=True)
    return value, ""


def summary_table(report: Report) -> pd.DataFrame:
    rows = []
    for r in report.results:
        kpi = r.kpi
        group = report.register.subgroup(kpi.subgroup)
        value, held_back = _public_count(kpi.unit, r.value)
        rows.append(
            {
                _("KPI"): kpi.number,
                _("Indicator"): kpi.wording,
                _("Sub-group"): group.name if group else kpi.subgroup,
                _("Owner"): kpi.owner,
                _("Quarter"): quarter_label(report.quarter),
                _("Unit"): str(views.UNIT_NAMES[kpi.unit]),
                _("Value"): value if kpi.unit != "proportion" else None,
                _("Value shown as"): held_back or views.value(kpi, r.value, public=True),
                _("Lower confidence limit"): None if held_back else r.ci_low,
                _("Upper confidence limit"): None if held_back else r.ci_high,
                _("Baseline"): views.baseline(kpi),
                _("Target"): views.target(kpi),
                _("Change from the baseline"): views.change(r, public=True),
                _("Status"): views.status_name(r.status),
                _("Since last quarter"): views.since_last_quarter(r, public=True),
                _("Revised"): _("Yes") if r.revised else "",
            }
        )
    return pd.DataFrame(rows)


def trend_table(report: Report) -> pd.DataFrame:
    rows = []
    for r in report.results:
        for point in r.trend:
            value, held_back = _public_count(r.kpi.unit, point.value)
            rows.append(
                {
                    _("KPI"): r.kpi.number,
                    _("Indicator"): r.kpi.short_name,
                    _("Quarter"): quarter_label(point.quarter),
                    _("Value"): value,
                    _("Value shown as"): held_back,
                    _("Lower confidence limit"): None if held_back else point.ci_low,
                    _("Upper confidence limit"): None if held_back else point.ci_high,
                }
            )
        for line in r.lines:
            for point in line.trend:
                rows.append(
                    {
                        _("KPI"): r.kpi.number,
                        _("Indicator"): line.name,
                        _("Quarter"): quarter_label(point.quarter),
                        _("Per cent"): _proportion(point.value),
                        _("Lower confidence limit (%)"): _proportion(point.ci_low),
                        _("Upper confidence limit (%)"): _proportion(point.ci_high),
                    }
                )
    return pd.DataFrame(rows)


def town_centre_table(report: Report) -> pd.DataFrame:
    rows = []
    for r in report.results:
        for line in r.lines:
            rows.append(
                {
                    _("Town centre"): line.name,
                    _("Period"): period_label(line.period),
                    _("Per cent"): _proportion(line.value),
                    _("Lower confidence limit (%)"): _proportion(line.ci_low),
                    _("Upper confidence limit (%)"): _proportion(line.ci_high),
                    _("Responses"): line.n,
                    _("Baseline (%)"): line.baseline,
                    _("Target (%)"): line.target,
                    _("Target date"): date_text(line.target_date),
                    _("Change from the baseline (%)"): _proportion(line.change),
                    _("Status"): views.status_name(line.status),
                }
            )
    return pd.DataFrame(rows)


def crime_table(report: Report) -> pd.DataFrame:
    rows = []
    for r in report.results:
        if r.crime is None:
            continue
        for rates in (r.crime.year, r.crime.quarter, *r.crime.by_type, *r.crime.by_type_quarter):
            for d in rates.rates:
                rows.append(
                    {
                        _("Period"): views.period_name(rates.period),
                        _("Crime type"): views.crime_type_name(rates.crime_type),
                        _("District"): d.district,
                        _("Crimes"): d.crimes,
                        _("Residents"): d.residents,
                        _("Crimes per 1,000 residents"): round(d.rate, 2),
                        _("Position (1 = lowest)"): d.rank,
                    }
                )
    return pd.DataFrame(rows)


def _name(entered_by: str) -> str:
    """Who entered a figure, without their email address: the paper goes beyond the partnership."""
    return entered_by.split(" <", 1)[0]


def figures_table(report: Report) -> pd.DataFrame:
    rows = []
    for r in report.results:
        # One figure held back hides the others of its KPI too: the total would give it away.
        small = (
            any(_public_count(r.kpi.unit, rev.value)[1] for f in r.figures for rev in f.revisions)
            and len(r.figures) > 1
        )
        for figure in r.figures:
            for revision in figure.revisions:
                value, held_back = _public_count(r.kpi.unit, revision.value)
                if small and not held_back:
                    value, held_back = (
                        None,
                        _("not shown: another figure of this KPI is below %(n)s", n=views.small_below()),
                    )
                rows.append(
                    {
                        _("KPI"): r.kpi.number,
                        _("Figure"): figure.figure.label,
                        _("Quarter"): quarter_label(r.quarter),
                        _("Value"): value,
                        _("Value shown as"): held_back,
                        _("Revision"): revision.revision,
                        _("Entered by"): _name(revision.by),
                        _("Reason for the revision"): revision.reason,
                        _("Entered on"): date_text(revision.at),
                    }
                )
    return pd.DataFrame(rows)


def reports_table(paper_counts: triage_views.Counts) -> pd.DataFrame:
    rows = []
    for form, n, _purged in paper_counts.by_form:
        rows.append({_("Breakdown"): _("Form"), _("Group"): form, _("Reports"): n})
    for form, strands in paper_counts.by_strand:
        rows += [{_("Breakdown"): form, _("Group"): label, _("Reports"): n} for label, n in strands]
    rows += [
        {_("Breakdown"): _("Reporting centre"), _("Group"): c, _("Reports"): n}
        for c, n in paper_counts.by_centre
    ]
    frame = pd.DataFrame(rows, columns=[_("Breakdown"), _("Group"), _("Reports")])
    shown = frame[_("Reports")].map(
        lambda n: views.count(n, public=True) if 0 < n < views.small_below() else ""
    )
    frame[_("Reports")] = frame[_("Reports")].where(shown == "", None)
    frame[_("Reports shown as")] = shown
    return frame


def sheets(report: Report) -> dict[str, pd.DataFrame]:
    counts = build(report).reports
    return {
        _("Summary"): summary_table(report),
        _("Trends"): trend_table(report),
        _("Town centres"): town_centre_table(report),
        _("Recorded crime"): crime_table(report),
        _("Figures and revisions"): figures_table(report),
        _("Reports"): reports_table(counts),
    }


def percent_columns() -> frozenset[str]:
    """The columns Excel shows as percentages (their values are proportions: 0.581 is 58.1%)."""
    return frozenset(
        {
            _("Per cent"),
            _("Lower confidence limit (%)"),
            _("Upper confidence limit (%)"),
            _("Baseline (%)"),
            _("Target (%)"),
            _("Change from the baseline (%)"),
        }
    )


def integer_columns() -> frozenset[str]:
    return frozenset(
        {_("Crimes"), _("Residents"), _("Reports"), _("Responses"), _("Revision"), _("KPI"), _("Value")}
    )


def combined_table(report: Report) -> pd.DataFrame:
    """Every table in one CSV: the first column says which table each row belongs to. Percentages
    are written as percentages (58.1), since a CSV carries no format."""
    frames = []
    percent = percent_columns()
    for name, frame in sheets(report).items():
        if frame.empty:
            continue
        frame = frame.copy()
        for column in frame.columns:
            if column in percent:
                frame[column] = frame[column].map(
                    lambda v: None if v is None or v != v else round(v * 100, 2)
                )
        frame.insert(0, _("Table"), name)
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    combined = pd.concat(frames, ignore_index=True, sort=False)
    # A column missing from some tables would turn its whole numbers into 1.0, 2.0...
    for column in integer_columns() & set(combined.columns):
        combined[column] = pd.to_numeric(combined[column], errors="coerce").round().astype("Int64")
    return combined
