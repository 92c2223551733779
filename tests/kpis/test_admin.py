"""Administrators change the KPI register and choose data owners; each change is checked, kept and
audited, and every page uses the new register at once."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.audit import AuditEvent
from survey_app.extensions import db
from survey_app.kpis.models import KpiOwner, KpiRegisterVersion
from survey_app.staff.models import User
from tests.pages import Page, Visitor
from tests.web.test_triage import staff_client

EDIT = "/staff/kpis/register/super_victim_repeats"


def _post(client, url: str, changes: dict[str, object]) -> Page:
    page = Visitor(client).get(url)
    data = page.form_fields()
    selected = page.soup.select_one("select#subgroup option[selected]")
    if selected is not None:  # form_fields reads inputs; a browser sends the chosen option too
        data["subgroup"] = [selected["value"]]
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    response = client.post(url, data=data)
    if response.status_code == 302:
        return Visitor(client).get(response.location)
    return Page(url, response)


def test_an_administrator_changes_a_target_and_every_page_uses_it(app):
    admin = staff_client(app, "admin@example.org", "admin", "analyst")
    page = _post(
        admin, EDIT, {"target_change": "-25", "target_date-year": "2028", "reason": "Board, 14 October"}
    )
    assert page.status == 200 and "The KPI was changed" in page.text()
    assert "25% fewer: 32.2 a quarter by 31 March 2028" in page.text()
    overview = Visitor(admin).get("/staff/kpis")
    row = overview.soup.find("tr", attrs={"data-kpi": "super_victim_repeats"})
    assert "25% fewer" in row.get_text(" ")
    with app.app_context():
        versions = db.session.scalars(sa.select(KpiRegisterVersion)).all()
        assert len(versions) == 1 and versions[0].reason == "Board, 14 October"
        saved = next(k for k in versions[0].register["kpis"] if k["id"] == "super_victim_repeats")
        assert saved["target"] == {"kind": "relative", "value": -0.25, "date": "2028-03-31"}
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
        assert "change_kpi_register" in actions


def test_a_change_with_mistakes_is_refused_field_by_field_and_keeps_what_was_typed(app):
    admin = staff_client(app, "admin@example.org", "admin")
    page = _post(
        admin,
        EDIT,
        {
            "wording": "",
            "baseline_value": "43.5",
            "baseline_period": "2024 Q5",
            "target_change": "-150",
            "target_date-month": "13",
            "reason": "",
        },
    )
    assert page.status == 400
    assert page.error_summary == [
        "This cannot be empty",
        "Enter the baseline as a whole number, for example 43",
        "Enter the quarter or quarters, like 2024Q4 or 2024Q1-2024Q4",
        "Enter the change as a percentage, for example -20 or 10",
        "Enter a real date, for example 31 3 2027",
        "Say why the KPI is being changed",
    ]
    assert page.soup.find(id="baseline_value")["value"] == "43.5"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiRegisterVersion)) == 0


def test_a_target_the_wrong_way_round_is_refused(app):
    admin = staff_client(app, "admin@example.org", "admin")
    page = _post(admin, EDIT, {"target_change": "20", "reason": "Typo"})
    assert page.status == 400
    assert page.error_summary == ["Lower is better for this KPI: the target must be below the baseline"]


def test_saving_the_kpi_as_it_is_changes_nothing(app):
    admin = staff_client(app, "admin@example.org", "admin")
    page = _post(admin, EDIT, {"reason": "Checking"})
    assert "Nothing was changed" in page.text()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiRegisterVersion)) == 0


def test_the_crime_kpi_keeps_its_target_to_maintain_the_position(app):
    admin = staff_client(app, "admin@example.org", "admin")
    page = Visitor(admin).get("/staff/kpis/register/recorded_crime_position")
    assert [i["value"] for i in page.soup.select("input[name=target_kind]")] == ["maintain"]
    refused = _post(
        admin, "/staff/kpis/register/recorded_crime_position", {"target_kind": "absolute", "reason": "x"}
    )
    assert refused.status == 400 and refused.error_summary == ["Choose what the target is"]


def test_an_administrator_chooses_who_enters_which_kpi(app):
    admin = staff_client(app, "admin@example.org", "admin")
    owner = staff_client(app, "owner@example.org", "data_owner")
    with app.app_context():
        owner_id = db.session.scalar(sa.select(User.id).where(User.email == "owner@example.org"))
    assert "You have no KPIs" in Visitor(owner).get("/staff/kpis/figures").text()
    page = _post(
        admin,
        "/staff/kpis/owners",
        {f"kpis-{owner_id}": ["special_constables", "recorded_crime_position", "x"]},
    )
    assert page.status == 200 and "Saved." in page.text()
    with app.app_context():
        assert db.session.scalars(sa.select(KpiOwner.kpi_id)).all() == ["special_constables"]
    fields = {
        i["name"] for i in Visitor(owner).get("/staff/kpis/figures").soup.select("form input.govuk-input")
    }
    assert fields == {"figure-special_constables"}
    _post(admin, "/staff/kpis/owners", {f"kpis-{owner_id}": []})
    with app.app_context():
        assert db.session.scalars(sa.select(KpiOwner.kpi_id)).all() == []
