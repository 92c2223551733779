"""`flask kpis import-crime`, `record`, `record-file` and `report`, on each test database."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.kpis.crime import read_crime_file
from survey_app.kpis.districts import FORCE, district_names, districts
from survey_app.kpis.models import CrimeCount, CrimeImport, KpiFigure
from survey_app.kpis.synthetic import street_file

from .helpers import month_rows, row, street_csv

YEAR = [f"2025-{m:02d}" for m in (10, 11, 12)] + [f"2026-{m:02d}" for m in range(1, 10)]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _files(tmp_path, months=YEAR, scale=0.03):
    paths = []
    for month in months:
        path = tmp_path / f"{month}-greater-manchester-street.csv"
        path.write_bytes(street_file(month, scale=scale))
        paths.append(path)
    return paths


def _report(runner, quarter="2026Q3") -> dict:
    result = runner.invoke(args=["kpis", "report", "--quarter", quarter, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _kpi(report: dict, kpi_id: str) -> dict:
    return next(k for k in report["kpis"] if k["id"] == kpi_id)


def test_a_year_of_monthly_files_gives_every_districts_rate_and_traffords_position(app, runner, tmp_path):
    paths = _files(tmp_path)
    result = runner.invoke(args=["kpis", "import-crime", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert result.output.count("imported:") == 12
    assert "left out" in result.output and "anti-social behaviour, not recorded crime" in result.output

    # The same counts, worked out here from the files themselves.
    expected: dict[str, int] = {}
    for path in paths:
        tally = read_crime_file(io.BytesIO(path.read_bytes()), district_names(), FORCE)
        for (_m, _f, district, _t), n in tally.crimes.items():
            expected[district] = expected.get(district, 0) + n
    crime = _kpi(_report(runner), "recorded_crime_position")["crime"]
    year = crime["rolling_year"]
    assert year["period"] == "2025Q4-2026Q3" and year["complete"]
    residents = {d.name: d.residents for d in districts()}
    assert len(year["districts"]) == 10
    for line in year["districts"]:
        assert line["crimes"] == expected[line["district"]]
        assert line["rate_per_1000"] == pytest.approx(
            expected[line["district"]] / residents[line["district"]] * 1000
        )
    ranked = sorted(year["districts"], key=lambda d: d["rate_per_1000"])
    assert ranked[0]["district"] == "Trafford" and ranked[0]["rank"] == 1
    assert crime["rank_rolling_year"] == 1 and crime["position_maintained"] is True
    assert crime["quarter"]["complete"] and crime["rank_quarter"] == 1
    assert crime["by_crime_type"] and all(t["complete"] for t in crime["by_crime_type"])
    quarter_types = crime["by_crime_type_quarter"]
    assert {t["crime_type"] for t in quarter_types} == {t["crime_type"] for t in crime["by_crime_type"]}
    assert all(t["period"] == "2026Q3" and len(t["districts"]) == 10 for t in quarter_types)
    # The types add up to all crimes, district by district.
    for district in year["districts"]:
        by_type = sum(
            d["crimes"]
            for t in crime["by_crime_type"]
            for d in t["districts"]
            if d["district"] == district["district"]
        )
        assert by_type == district["crimes"]
    assert set(crime["left_out_of_rolling_year"]) == {"not_a_crime", "no_location", "outside_area"}
    assert _kpi(_report(runner), "recorded_crime_position")["status"] == "met"
    # Every quarter of the strategy before the year was imported has no position.
    trend = _kpi(_report(runner), "recorded_crime_position")["trend"]
    assert trend[-1] == {"quarter": "2026Q3", "value": 1, "ci_low": None, "ci_high": None}
    assert all(p["value"] is None for p in trend[:-1])


def test_importing_a_month_again_replaces_it(app, runner, tmp_path):
    first = tmp_path / "2026-07.csv"
    first.write_bytes(street_csv(month_rows("2026-07", {"Trafford": 5, "Salford": 3})))
    assert runner.invoke(args=["kpis", "import-crime", str(first)]).exit_code == 0
    again = runner.invoke(args=["kpis", "import-crime", str(first)])
    assert again.exit_code == 0 and "replaced the earlier import" in again.output
    corrected = tmp_path / "2026-07-corrected.csv"
    corrected.write_bytes(street_csv(month_rows("2026-07", {"Trafford": 4})))
    assert runner.invoke(args=["kpis", "import-crime", str(corrected)]).exit_code == 0
    with app.app_context():
        counts = db.session.execute(sa.select(CrimeCount.district, CrimeCount.crimes)).all()
        imports = db.session.scalars(sa.select(CrimeImport)).all()
    assert counts == [("Trafford", 4)]
    assert [(i.month, i.filename, i.crimes) for i in imports] == [("2026-07", "2026-07-corrected.csv", 4)]


def test_a_bad_file_is_refused_with_its_lines_and_the_good_files_are_still_imported(app, runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(street_csv([row("2026-08", "Trafford 001A"), row("Aug 2026", "Trafford 001A")]))
    good = tmp_path / "good.csv"
    good.write_bytes(street_csv(month_rows("2026-09", {"Trafford": 2})))
    missing = tmp_path / "nowhere.csv"
    result = runner.invoke(args=["kpis", "import-crime", str(bad), str(good), str(missing)])
    assert result.exit_code == 1
    assert "bad.csv: Line 3: the month “Aug 2026” is not written YYYY-MM" in result.output
    assert "nowhere.csv: cannot be read" in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(CrimeImport.month)).all() == ["2026-09"]


def test_a_figure_is_recorded_then_revised_with_a_reason_and_the_report_says_so(app, runner):
    record = ["kpis", "record", "super_victim_repeats", "--quarter", "2026Q3"]
    first = runner.invoke(args=[*record, "--value", "33", "--by", "Sam Patel"])
    assert first.exit_code == 0 and "recorded 33" in first.output
    same = runner.invoke(args=[*record, "--value", "33"])
    assert "nothing changed" in same.output
    unexplained = runner.invoke(args=[*record, "--value", "31"])
    assert unexplained.exit_code != 0 and "say why it is being revised" in unexplained.output
    revised = runner.invoke(
        args=[*record, "--value", "31", "--reason", "Two cases moved cohort", "--by", "Jo Khan"]
    )
    assert revised.exit_code == 0 and "revised to 31 (revision 2)" in revised.output

    kpi = _kpi(_report(runner), "super_victim_repeats")
    assert kpi["value"] == 31 and kpi["revised"] is True
    revisions = kpi["figures"][0]["revisions"]
    assert [(r["value"], r["by"], r["reason"]) for r in revisions] == [
        (31, "Jo Khan", "Two cases moved cohort"),
        (33, "Sam Patel", ""),
    ]
    assert kpi["ci_low"] < 31 < kpi["ci_high"]
    assert kpi["change_from_baseline"]["rate_ratio"] == pytest.approx(31 / 43)
    assert kpi["status"] in {"met", "not_yet_shown"}


@pytest.mark.parametrize(
    "args, words",
    [
        (["nobody", "--quarter", "2026Q3", "--value", "3"], "is not a KPI whose figures are entered"),
        (["recorded_crime_position", "--quarter", "2026Q3", "--value", "3"], "is not a KPI whose figures"),
        (["missing_young_people", "--quarter", "2026Q3", "--value", "3"], "say which with --figure"),
        (
            ["missing_young_people", "--figure", "cats", "--quarter", "2026Q3", "--value", "3"],
            "is not a figure of",
        ),
        (["special_constables", "--quarter", "2026 Q3", "--value", "3"], "not a quarter"),
        (["special_constables", "--quarter", "2099Q1", "--value", "3"], "has not ended yet"),
        (["special_constables", "--quarter", "2026Q3", "--value", "-3"], "-3"),
        (["special_constables", "--quarter", "2026Q3", "--value", "many"], "many"),
    ],
)
def test_a_figure_that_cannot_be_recorded_is_refused_with_the_reason(app, runner, args, words):
    result = runner.invoke(args=["kpis", "record", *args])
    assert result.exit_code != 0
    assert words in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiFigure)) == 0


def _figures_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["KPI", "Figure", "Quarter", "Value", "Reason"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_a_file_of_several_quarters_is_recorded_whole_or_not_at_all(app, runner, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(
        _figures_csv(
            [
                ["missing_young_people", "missing_from_home", "2026Q2", "150", ""],
                ["missing_young_people", "missing_from_care", "2026Q2", "101", ""],
                ["special_constables", "", "2026q3", "56", ""],
                ["perpetrator_programme", "", "2026Q3", "1,234", ""],
            ]
        )
    )
    result = runner.invoke(args=["kpis", "record-file", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 figure(s) recorded" in result.output
    path.write_bytes(
        _figures_csv(
            [
                ["special_constables", "", "2026Q3", "58", ""],
                ["nobody", "", "2026Q3", "1", ""],
                ["missing_young_people", "", "2026Q3", "1", ""],
                ["perpetrator_programme", "", "Q3 2026", "1", ""],
                ["perpetrator_programme", "", "2026Q2", "2.5", ""],
                ["perpetrator_programme", "", "2026Q1", "4", ""],
                ["perpetrator_programme", "", "2026Q1", "5", ""],
            ]
        )
    )
    result = runner.invoke(args=["kpis", "record-file", str(path)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert [e.split(":")[2].strip() for e in errors] == [f"line {n}" for n in range(2, 9) if n != 7]
    assert "say why it is being revised" in errors[0]
    assert "nothing was recorded (6 line(s) to correct)" in result.output
    with app.app_context():
        values = db.session.execute(sa.select(KpiFigure.figure_id, KpiFigure.quarter, KpiFigure.value)).all()
    assert sorted(values) == [
        ("missing_from_care", "2026Q2", 101),
        ("missing_from_home", "2026Q2", 150),
        ("perpetrator_programme", "2026Q3", 1234),
        ("special_constables", "2026Q3", 56),
    ]


def test_a_quarter_outside_the_strategy_or_not_yet_ended_is_refused_by_the_report(runner):
    for quarter in ("2019Q1", "2099Q4", "Q3"):
        result = runner.invoke(args=["kpis", "report", "--quarter", quarter])
        assert result.exit_code != 0


def test_the_text_report_lists_all_seven(runner):
    result = runner.invoke(args=["kpis", "report", "--quarter", "2026Q3"])
    assert result.exit_code == 0, result.output
    assert [line.split(".")[0] for line in result.output.splitlines() if line[:1].isdigit()] == list(
        "1234567"
    )


def test_a_revision_saved_by_someone_else_at_the_same_moment_is_a_clear_refusal(app):
    from survey_app.kpis import store
    from survey_app.kpis.service import current_register

    with app.app_context():
        kpi = current_register().get("special_constables")
        assert kpi is not None
        store.record_figure(kpi, "special_constables", "2026Q2", 50, "one", last_quarter="2026Q3")
        db.session.commit()
        # Someone else's revision 2 lands between this save's read and its write.
        latest = store.latest_revision("special_constables", "2026Q2")
        db.session.add(
            KpiFigure(
                kpi_id=kpi.id,
                figure_id="special_constables",
                quarter="2026Q2",
                value=51,
                revision=2,
                entered_by="other",
                reason="recount",
            )
        )
        db.session.commit()
        original = store.latest_revision
        store.latest_revision = lambda figure_id, quarter: latest  # what this save read before
        try:
            with pytest.raises(store.FigureError) as refused:
                store.record_figure(
                    kpi, "special_constables", "2026Q2", 52, "me", "mine", last_quarter="2026Q3"
                )
        finally:
            store.latest_revision = original
        assert refused.value.code == "conflict"
        values = db.session.scalars(sa.select(KpiFigure.value).order_by(KpiFigure.revision)).all()
        assert values == [50, 51]
