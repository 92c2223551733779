"""The KPI register: the shipped file reads, and every kind of mistake is refused with its place."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from survey_app.kpis.register import RegisterError, load_register, parse_register

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "kpis.yaml"


@pytest.fixture
def data() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def test_the_shipped_register_holds_the_strategys_seven_kpis_in_two_subgroups():
    register = load_register(SHIPPED)
    assert [k.number for k in register.kpis] == [1, 2, 3, 4, 5, 6, 7]
    assert {g.name for g in register.subgroups} == {
        "Managing Crime and Community Confidence",
        "Protecting Vulnerable People",
    }
    assert {k.source for k in register.kpis} == {"crime", "survey", "entered"}
    repeats = register.get("super_victim_repeats")
    assert repeats is not None and repeats.baseline is not None
    assert repeats.baseline.value == 43 and repeats.target_value == pytest.approx(34.4)
    missing = register.get("missing_young_people")
    assert missing is not None and missing.baseline is not None
    assert missing.baseline.quarters == 4 and [f.id for f in missing.figures] == [
        "missing_from_home",
        "missing_from_care",
    ]
    constables = register.get("special_constables")
    assert constables is not None and constables.target_value == 65


def _kpi(data: dict, kpi_id: str) -> dict:
    return next(k for k in data["kpis"] if k["id"] == kpi_id)


MISTAKES = [
    (
        "unit",
        lambda d: _kpi(d, "super_victim_repeats").update(unit="percent"),
        "KPI super_victim_repeats, unit",
    ),
    ("direction", lambda d: _kpi(d, "special_constables").update(direction="up"), "direction"),
    ("subgroup", lambda d: _kpi(d, "perpetrator_programme").update(subgroup="nobody"), "subgroup"),
    ("quarter", lambda d: _kpi(d, "perpetrator_programme")["baseline"].update(period="2024 Q1"), "period"),
    (
        "backwards",
        lambda d: _kpi(d, "perpetrator_programme")["baseline"].update(period="2024Q4-2024Q1"),
        "period",
    ),
    ("date", lambda d: _kpi(d, "perpetrator_programme")["target"].update(date="31/03/2027"), "date"),
    ("relative", lambda d: _kpi(d, "perpetrator_programme")["target"].update(value=-1.5), "value"),
    ("kind", lambda d: _kpi(d, "perpetrator_programme")["target"].update(kind="double"), "kind"),
    ("maintain value", lambda d: _kpi(d, "recorded_crime_position")["target"].update(value=1), "value"),
    (
        "crime target",
        lambda d: _kpi(d, "recorded_crime_position").update(
            target={"kind": "absolute", "value": 1, "date": "2027-03-31"}
        ),
        "target",
    ),
    (
        "survey baseline",
        lambda d: _kpi(d, "town_centre_confidence").update(baseline={"value": 0.5, "period": "2024Q4"}),
        "baseline",
    ),
    (
        "fractional count",
        lambda d: _kpi(d, "super_victim_repeats")["baseline"].update(value=43.5),
        "whole number",
    ),
    ("unknown field", lambda d: _kpi(d, "super_victim_repeats").update(colour="red"), "colour"),
    ("same id", lambda d: _kpi(d, "special_constables").update(id="super_victim_repeats"), "same id"),
    ("same number", lambda d: _kpi(d, "special_constables").update(number=2), "same number"),
    (
        "figure twice",
        lambda d: _kpi(d, "perpetrator_programme").update(
            figures=[{"id": "missing_from_home", "label": "x"}]
        ),
        "also one of",
    ),
    ("bad id", lambda d: _kpi(d, "special_constables").update(id="Special Constables"), "lower-case"),
    ("markup is text", lambda d: _kpi(d, "special_constables").update(wording=["<b>"]), "must be text"),
    ("no kpis", lambda d: d.update(kpis=[]), "kpis"),
    ("infinite", lambda d: _kpi(d, "super_victim_repeats")["baseline"].update(value=float("inf")), "number"),
    ("huge", lambda d: _kpi(d, "domestic_abuse_victims")["baseline"].update(value=10**9), "million"),
    (
        "wrong way",
        lambda d: _kpi(d, "super_victim_repeats")["target"].update(value=0.2),
        "lower than the baseline",
    ),
    (
        "absolute wrong way",
        lambda d: _kpi(d, "special_constables")["target"].update(value=40),
        "higher than the baseline",
    ),
    ("not a mapping", lambda d: d["kpis"].append("seven"), "expected a mapping"),
]


@pytest.mark.parametrize("name, mistake, where", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_is_refused_naming_where_it_is(data, name, mistake, where):
    broken = copy.deepcopy(data)
    mistake(broken)
    with pytest.raises(RegisterError) as refused:
        parse_register(broken, "kpis.yaml")
    assert where in str(refused.value)


def test_a_file_that_is_not_yaml_is_refused(tmp_path):
    path = tmp_path / "kpis.yaml"
    path.write_text("kpis: [unclosed", encoding="utf-8")
    with pytest.raises(RegisterError, match="cannot read the KPI register"):
        load_register(path)


def test_the_register_written_out_reads_back_the_same():
    from survey_app.kpis.register import register_data

    register = load_register(SHIPPED)
    assert parse_register(register_data(register)) == register
