"""Crime rates and ranks, and the status rules, worked out without a database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from analysis.counts import rate_ratio_test
from survey_app.kpis.districts import districts
from survey_app.kpis.rates import months_of_quarter, months_of_year_to, rank_rates, year_to_label
from survey_app.kpis.register import load_register, parse_register
from survey_app.kpis.report import (
    MET,
    NO_DATA,
    NOT_YET_SHOWN,
    OFF_TRACK,
    ON_TRACK,
    CrimeFigures,
    Revision,
    build_report,
    compare_count,
    quarter_end,
    worst,
)

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "kpis.yaml"
REGISTER = load_register(SHIPPED)


def test_quarters_and_years_are_calendar_months():
    assert months_of_quarter("2026Q3") == ("2026-07", "2026-08", "2026-09")
    year = months_of_year_to("2026Q1")
    assert year[0] == "2025-04" and year[-1] == "2026-03" and len(year) == 12
    assert year_to_label("2026Q1") == "2025Q2-2026Q1"
    assert quarter_end("2026Q4") == dt.date(2026, 12, 31) and quarter_end("2027Q1") == dt.date(2027, 3, 31)


def _counts(months, per_district):
    return {m: dict(per_district) for m in months}


def test_rates_are_per_thousand_residents_and_rank_one_is_the_lowest():
    months = months_of_quarter("2026Q3")
    gm = districts()
    per = {d.name: d.residents // 100 for d in gm}  # every district 10 per 1,000 a month...
    per["Trafford"] = 235_052 * 6 // 1000  # ...but Trafford 6
    per["Bury"] = per["Trafford"] * 193_851 // 235_052  # Bury the same rate as Trafford, near enough
    rates = rank_rates("2026Q3", months, _counts(months, per), set(months), gm)
    trafford = rates.home
    assert trafford is not None
    assert trafford.crimes == 3 * per["Trafford"]
    assert trafford.rate == pytest.approx(trafford.crimes / 235_052 * 1000)
    assert trafford.rank in (1, 2)
    assert [r.rank for r in rates.rates] == sorted(r.rank for r in rates.rates)
    assert rates.rates[-1].rank >= 3
    low, high = trafford.ci_low, trafford.ci_high
    assert low < trafford.rate < high


def test_districts_with_equal_rates_share_the_better_rank():
    months = months_of_quarter("2026Q3")
    per = {d.name: 0 for d in districts()}
    rates = rank_rates("2026Q3", months, _counts(months, per), set(months), districts())
    assert {r.rank for r in rates.rates} == {1}


def test_a_period_with_a_month_not_imported_is_not_ranked():
    months = months_of_quarter("2026Q3")
    rates = rank_rates("2026Q3", months, {}, {"2026-07", "2026-09"}, districts())
    assert not rates.complete and rates.missing == ("2026-08",) and rates.home is None


class FakeSources:
    def __init__(self, figures=None, crime=None, lines=()):
        self._figures = figures or {}
        self._crime = crime
        self._lines = lines

    def figures(self, kpi):
        return self._figures

    def crime(self, quarter, *, detail=True):
        return self._crime

    def survey(self, kpi, quarter, quarters):
        return self._lines


def _revisions(values: dict[tuple[str, str], list[int]]):
    at = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    return {
        key: [
            Revision(v, len(vs) - i, "owner", "why" if i == 0 and len(vs) > 1 else "", at)
            for i, v in enumerate(vs)
        ]
        for key, vs in values.items()
    }


def _result(kpi_id: str, quarter: str, values):
    register = REGISTER
    report = build_report(
        register, quarter, FakeSources(figures=_revisions(values), crime=_no_crime(quarter))
    )
    result = report.get(kpi_id)
    assert result is not None
    return result


def _no_crime(quarter):
    in_quarter = rank_rates(quarter, months_of_quarter(quarter), {}, set(), districts())
    year = rank_rates(year_to_label(quarter), months_of_year_to(quarter), {}, set(), districts())
    return CrimeFigures(in_quarter, year, (), {})


def test_a_count_is_compared_with_the_baselines_quarter_by_rs_exact_test():
    kpi = REGISTER.get("missing_young_people")
    assert kpi is not None
    comparison = compare_count(kpi, 230)
    assert comparison is not None
    r = rate_ratio_test(230, 1100, 1.0, 4.0)
    assert comparison.ratio == pytest.approx(r.estimate) and comparison.p_value == pytest.approx(r.p_value)
    assert comparison.ratio == pytest.approx(230 / 275)
    assert comparison.p_better == pytest.approx(
        rate_ratio_test(230, 1100, 1.0, 4.0, alternative="less").p_value
    )


@pytest.mark.parametrize(
    "value, status",
    [
        (20, MET),  # reached 34.4 and the cut from 43 is far beyond chance
        (34, NOT_YET_SHOWN),  # reached the target, but 34 against 43 could be chance
        (40, NOT_YET_SHOWN),
        (66, OFF_TRACK),  # shown to be worse than 43 (60 would not be)
    ],
)
def test_the_status_of_a_small_count_says_what_the_exact_test_can_show(value, status):
    result = _result("super_victim_repeats", "2026Q3", {("super_victim_repeats", "2026Q3"): [value]})
    assert result.status == status
    assert result.value == value and result.ci_low < value < result.ci_high


def test_a_count_moving_the_right_way_by_more_than_chance_but_short_of_the_target_is_on_track():
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    programme = next(k for k in data["kpis"] if k["id"] == "perpetrator_programme")
    programme["target"]["value"] = 1.0  # double the 15 a quarter of the baseline year: 30
    register = parse_register(data)
    figure = ("perpetrator_programme", "2026Q3")

    def status(value: int) -> str:
        sources = FakeSources(figures=_revisions({figure: [value]}), crime=_no_crime("2026Q3"))
        result = build_report(register, "2026Q3", sources).get("perpetrator_programme")
        assert result is not None
        return result.status

    assert rate_ratio_test(17, 60, 1.0, 4.0, alternative="greater").p_value > 0.05
    assert status(17) == NOT_YET_SHOWN
    assert rate_ratio_test(26, 60, 1.0, 4.0, alternative="greater").p_value < 0.05
    assert status(26) == ON_TRACK
    assert status(31) == MET
    assert status(5) == OFF_TRACK


def test_a_count_that_reached_its_target_by_more_than_chance_is_met():
    # 360 victims against 310 a quarter in the baseline year: past the target of 341, and shown
    assert rate_ratio_test(360, 1240, 1.0, 4.0, alternative="greater").p_value < 0.05
    assert (
        _result("domestic_abuse_victims", "2026Q3", {("domestic_abuse_victims", "2026Q3"): [360]}).status
        == MET
    )
    # 342 is past the target too, but not yet shown to be more than chance
    assert rate_ratio_test(342, 1240, 1.0, 4.0, alternative="greater").p_value > 0.05
    status = _result("domestic_abuse_victims", "2026Q3", {("domestic_abuse_victims", "2026Q3"): [342]}).status
    assert status == NOT_YET_SHOWN


def test_past_the_target_date_a_target_not_met_is_off_track():
    result = _result("super_victim_repeats", "2027Q2", {("super_victim_repeats", "2027Q2"): [40]})
    assert result.status == OFF_TRACK


def test_a_kpi_of_several_figures_needs_them_all_and_says_which_is_missing():
    result = _result("missing_young_people", "2026Q3", {("missing_from_home", "2026Q3"): [150]})
    assert result.status == NO_DATA and result.missing == ("missing_from_care",)
    both = {("missing_from_home", "2026Q3"): [150], ("missing_from_care", "2026Q3"): [100, 90]}
    result = _result("missing_young_people", "2026Q3", both)
    assert result.value == 250 and result.revised


@pytest.mark.parametrize(
    "value, status", [(65, MET), (70, MET), (55, ON_TRACK), (48, NOT_YET_SHOWN), (40, OFF_TRACK)]
)
def test_a_headcount_is_judged_against_baseline_and_target_without_a_test(value, status):
    result = _result("special_constables", "2026Q3", {("special_constables", "2026Q3"): [value]})
    assert result.status == status and result.ci_low is None and result.comparison is None


def test_the_trend_runs_over_the_strategys_quarters_and_the_quarter_before_is_given():
    values = {("special_constables", q): [v] for q, v in (("2026Q2", 52), ("2026Q3", 55), ("2025Q1", 49))}
    result = _result("special_constables", "2026Q3", values)
    assert result.trend[0].quarter == REGISTER.first_quarter
    assert result.trend[-1].value == 55 and result.trend[1].value is None
    assert result.previous_value == 52 and result.previous_status == ON_TRACK


def test_the_crime_kpi_has_no_status_until_every_month_of_the_year_is_imported():
    result = _result("recorded_crime_position", "2026Q3", {})
    assert result.status == NO_DATA and len(result.missing) == 12


def test_several_lines_take_the_least_favourable_status():
    assert worst([MET, NOT_YET_SHOWN, NO_DATA]) == NOT_YET_SHOWN
    assert worst([MET, OFF_TRACK]) == OFF_TRACK
    assert worst([NO_DATA]) == NO_DATA and worst([]) == NO_DATA
