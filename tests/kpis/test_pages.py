"""The KPI pages as staff use them: the overview, the dashboards, the board paper and its downloads,
entering figures and importing crime files, on each test database."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from survey_app.audit import AuditEvent
from survey_app.extensions import db
from survey_app.kpis.models import CrimeImport, KpiFigure, KpiOwner
from survey_app.kpis.synthetic import street_file
from survey_app.staff.models import User
from tests.pages import Page, Visitor
from tests.web.test_triage import staff_client

from .helpers import month_rows, row, street_csv

QUARTER = "2026Q3"
YEAR = [f"2025-{m:02d}" for m in (10, 11, 12)] + [f"2026-{m:02d}" for m in range(1, 10)]


def _own(app, email: str, *kpi_ids: str) -> None:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        db.session.add_all(KpiOwner(user_id=user_id, kpi_id=k) for k in kpi_ids)
        db.session.commit()


@pytest.fixture
def owner(app):
    client = staff_client(app, "owner@example.org", "data_owner")
    _own(app, "owner@example.org", "super_victim_repeats", "missing_young_people")
    return client


@pytest.fixture
def analyst(app):
    return staff_client(app, "analyst@example.org", "analyst")


def _figures(app) -> list[tuple[str, str, int, int, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                KpiFigure.figure_id, KpiFigure.quarter, KpiFigure.value, KpiFigure.revision, KpiFigure.reason
            )
        ).all()
    return sorted(tuple(r) for r in rows)


def _post_figures(client, values: dict[str, str], quarter: str = QUARTER) -> Page:
    page = Visitor(client).get(f"/staff/kpis/figures?quarter={quarter}")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post("/staff/kpis/figures", data={"csrf_token": token, "quarter": quarter, **values})
    if response.status_code == 302:
        return Visitor(client).get(response.location)
    return Page("/staff/kpis/figures", response)


def test_a_data_owner_sees_and_enters_only_their_own_kpis(app, owner):
    page = Visitor(owner).get(f"/staff/kpis/figures?quarter={QUARTER}")
    assert page.status == 200
    fields = {i["name"] for i in page.soup.select("form input.govuk-input")}
    assert fields == {"figure-super_victim_repeats", "figure-missing_from_home", "figure-missing_from_care"}

    saved = _post_figures(owner, {"figure-super_victim_repeats": "31", "figure-missing_from_home": "1,204"})
    assert "2 figures saved" in saved.text()
    assert _figures(app) == [
        ("missing_from_home", QUARTER, 1204, 1, ""),
        ("super_victim_repeats", QUARTER, 31, 1, ""),
    ]
    # Someone else's figure, sent by hand, is not even read.
    _post_figures(owner, {"figure-special_constables": "60", "figure-missing_from_care": "90"})
    assert ("special_constables", QUARTER, 60, 1, "") not in _figures(app)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "enter_kpi_figures")
        ).first()
        assert event is not None and event.detail["quarter"] == QUARTER


def test_a_correction_needs_a_reason_and_keeps_what_was_typed(app, owner):
    _post_figures(owner, {"figure-super_victim_repeats": "31"})
    refused = _post_figures(owner, {"figure-super_victim_repeats": "29"})
    assert refused.status == 400
    assert any("say why it is being revised" in e for e in refused.error_summary)
    assert refused.soup.find(id="figure-super_victim_repeats")["value"] == "29"
    assert refused.title.startswith("Error:")
    revised = _post_figures(
        owner, {"figure-super_victim_repeats": "29", "reason": "A case was counted twice"}
    )
    assert revised.status == 200
    assert _figures(app) == [
        ("super_victim_repeats", QUARTER, 29, 2, "A case was counted twice"),
        ("super_victim_repeats", QUARTER, 31, 1, ""),
    ]


@pytest.mark.parametrize("typed", ["thirty", "-3", "3.5", "²", "99999999999", "1,,2", ",5", "12,34"])
def test_a_figure_that_is_not_a_whole_number_is_refused_and_kept(app, owner, typed):
    page = _post_figures(owner, {"figure-super_victim_repeats": typed})
    assert page.status == 400
    assert page.inline_errors and "is not a whole number" in page.inline_errors[0]
    assert page.soup.find(id="figure-super_victim_repeats")["value"] == typed
    assert _figures(app) == []


def test_a_figure_in_another_scripts_digits_is_read(app, owner):
    typed = {"figure-super_victim_repeats": "٣٤", "figure-missing_from_home": "１,２０４"}
    page = _post_figures(owner, typed)
    assert page.status == 200
    assert [f[2] for f in _figures(app)] == [1204, 34]


def test_nothing_typed_says_so(owner):
    page = _post_figures(owner, {})
    assert page.status == 400 and page.error_summary == ["Enter at least one figure"]


def _upload_figures(client, content: bytes) -> Page:
    page = Visitor(client).get(f"/staff/kpis/figures?quarter={QUARTER}")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        "/staff/kpis/figures/upload",
        data={"csrf_token": token, "quarter": QUARTER, "figures_file": (io.BytesIO(content), "figures.csv")},
        content_type="multipart/form-data",
    )
    if response.status_code == 302:
        return Visitor(client).get(response.location)
    return Page("/staff/kpis/figures/upload", response)


def test_an_upload_with_bad_lines_stores_nothing_and_names_each_line(app, owner):
    content = (
        b"kpi,figure,quarter,value\n"
        b"super_victim_repeats,,2026Q2,33\n"
        b"special_constables,,2026Q2,50\n"
        b"super_victim_repeats,,2026Q9,33\n"
        b"missing_young_people,missing_from_home,2026Q2,lots\n"
    )
    page = _upload_figures(owner, content)
    assert page.status == 400
    assert page.error_summary == [
        "Line 3: You do not enter the figures of special_constables.",
        "Line 4: 2026Q9 is not a quarter: write it like 2026Q3.",
        "Line 5: lots is not a whole number from 0 to 1,000,000.",
    ]
    assert _figures(app) == []
    good = _upload_figures(
        owner, b"kpi,quarter,value\nsuper_victim_repeats,2026Q2,33\nsuper_victim_repeats,2026Q1,35\n"
    )
    assert good.status == 200 and "stored" in good.text()
    assert [f[:3] for f in _figures(app)] == [
        ("super_victim_repeats", "2026Q1", 35),
        ("super_victim_repeats", "2026Q2", 33),
    ]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01binary", b"name,age\nSam,4\n", b"kpi,quarter,value\n", b"\xff\xfe\x00k"],
    ids=["empty", "binary", "other columns", "headings only", "utf-16"],
)
def test_a_file_that_is_not_a_figures_csv_gets_one_clear_message(app, owner, content):
    page = _upload_figures(owner, content)
    assert page.status == 400 and len(page.error_summary) == 1
    assert _figures(app) == []


def _seed_year(app, tmp_path) -> None:
    runner = app.test_cli_runner()
    paths = []
    for month in YEAR:
        path = tmp_path / f"{month}.csv"
        path.write_bytes(street_file(month, scale=0.02))
        paths.append(str(path))
    assert runner.invoke(args=["kpis", "import-crime", *paths]).exit_code == 0
    for args in (
        ["super_victim_repeats", "--value", "3"],
        ["special_constables", "--value", "57"],
        ["missing_young_people", "--figure", "missing_from_home", "--value", "150"],
        ["missing_young_people", "--figure", "missing_from_care", "--value", "2"],
    ):
        result = runner.invoke(args=["kpis", "record", args[0], "--quarter", QUARTER, *args[1:]])
        assert result.exit_code == 0, result.output


def test_the_overview_and_dashboards_show_every_kpi_with_its_status_in_words(app, analyst, tmp_path):
    _seed_year(app, tmp_path)
    page = Visitor(analyst).get(f"/staff/kpis?quarter={QUARTER}")
    assert page.status == 200
    rows = {tr["data-kpi"]: tr for tr in page.soup.select("tr[data-kpi]")}
    assert len(rows) == 7
    crime = rows["recorded_crime_position"]
    assert (
        "1 of 10" in crime.get_text(" ") and crime.select_one("[data-status]").get_text(strip=True) == "Met"
    )
    assert rows["perpetrator_programme"].select_one("[data-status]").get_text(strip=True) == "No data"
    assert "How each status is decided" in page.text()
    for group, expected in (("crime_and_confidence", {1, 2, 3, 6}), ("vulnerable_people", {4, 5, 7})):
        dashboard = Visitor(analyst).get(f"/staff/kpis/groups/{group}?quarter={QUARTER}")
        assert dashboard.status == 200
        numbers = {int(h.get_text().split(".")[0]) for h in dashboard.soup.select("section.app-kpi > h2")}
        assert numbers == expected
        for img in dashboard.soup.select("img.app-chart"):
            chart = analyst.get(img["src"])
            assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    crime_page = Visitor(analyst).get(f"/staff/kpis/groups/crime_and_confidence?quarter={QUARTER}")
    for table in ("districts", "districts-quarter"):  # the rolling year, and the quarter alone
        assert len(crime_page.soup.find(id=table).select("tbody tr")) == 10
    assert Visitor(analyst).get("/staff/kpis/groups/nobody").status == 404


def test_an_unknown_quarter_shows_the_last_one_that_has_ended(analyst):
    latest = Visitor(analyst).get("/staff/kpis").heading
    for asked in ("2099Q1", "2019Q4", "nonsense", "2026Q3\x00", "2026q3"):
        page = Visitor(analyst).get(f"/staff/kpis?quarter={asked}")
        assert page.status == 200 and page.heading == latest
    assert Visitor(analyst).get("/staff/kpis?quarter=2025Q2").heading == "Strategy KPIs: Q2 2025"


def test_the_board_paper_holds_back_small_counts_and_downloads_with_number_formats(app, analyst, tmp_path):
    _seed_year(app, tmp_path)
    page = Visitor(analyst).get(f"/staff/kpis/board-paper?quarter={QUARTER}")
    assert page.status == 200
    glance = page.soup.find(id="glance")
    victims = glance.find("tr", attrs={"data-kpi": "super_victim_repeats"})
    assert "fewer than 5" in victims.get_text(" ")
    assert "3" not in victims.select("td")[1].get_text()
    facts = page.soup.find(id="kpi-super_victim_repeats")
    assert "Against the baseline" not in facts.get_text()  # 3 against a published 43 would tell
    assert page.soup.find(id="summary-title") is not None and "Methods and data sources" in page.text()

    csv_text = analyst.get(f"/staff/kpis/board-paper.csv?quarter={QUARTER}").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    summary = [r for r in rows if r["Table"] == "Summary"]
    assert [r["KPI"] for r in summary] == ["1", "2", "3", "4", "5", "6", "7"]
    victims_row = next(r for r in summary if r["KPI"] == "2")
    assert victims_row["Value"] == "" and victims_row["Value shown as"] == "fewer than 5"
    assert victims_row["Status"] in {"Met", "On track", "Not yet shown", "Off track", "No data"}
    assert victims_row["Change from the baseline"] == ""
    figures = [r for r in rows if r["Table"] == "Figures and revisions"]
    assert figures and not any("@" in r["Entered by"] for r in figures)
    missing = [r for r in figures if r["KPI"] == "4"]  # 150 from home and 2 from care: both held back
    assert missing and all(r["Value"] == "" for r in missing)
    crime_rows = [r for r in rows if r["Table"] == "Recorded crime"]
    rates = [float(r["Crimes per 1,000 residents"]) for r in crime_rows]
    assert rates and min(rates) >= 0 and max(rates) > 0

    workbook = openpyxl.load_workbook(
        io.BytesIO(analyst.get(f"/staff/kpis/board-paper.xlsx?quarter={QUARTER}").get_data())
    )
    assert {"Summary", "Trends", "Recorded crime", "Figures and revisions"} <= set(workbook.sheetnames)
    sheet = workbook["Recorded crime"]
    headings = [c.value for c in sheet[1]]
    crimes = headings.index("Crimes") + 1
    assert sheet.cell(row=2, column=crimes).number_format == "#,##0"
    assert isinstance(sheet.cell(row=2, column=crimes).value, int)


def test_the_board_paper_pdf_is_tagged_and_every_page_says_its_quarter(app, analyst, tmp_path):
    _seed_year(app, tmp_path)
    response = analyst.get(f"/staff/kpis/board-paper.pdf?quarter={QUARTER}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged: headings, tables, reading order
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "quarterly performance report, Q3 2026, issued" in text
        assert f"{number} / {len(pages)}" in text
    assert "Summary" in pages[0] and "How each status is decided" in pages[0]
    assert "Methods and data sources" in pages[-1]
    assert response.headers["Content-Disposition"] == f'attachment; filename="board-paper-{QUARTER}.pdf"'


def _upload_crime(client, files: list[tuple[bytes, str]]) -> Page:
    page = Visitor(client).get("/staff/kpis/crime")
    token = page.soup.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        "/staff/kpis/crime",
        data={"csrf_token": token, "crime_files": [(io.BytesIO(c), name) for c, name in files]},
        content_type="multipart/form-data",
    )
    return Page("/staff/kpis/crime", response)


def test_crime_files_are_imported_from_the_page_and_a_bad_one_is_refused_with_its_lines(app, analyst):
    good = street_csv(month_rows("2026-09", {"Trafford": 3, "Bury": 2}))
    bad = street_csv([row("2026-08", "Trafford 001A"), row("Sept 2026", "Trafford 001A")])
    page = _upload_crime(analyst, [(good, "2026-09-greater-manchester-street.csv"), (bad, "bad.csv")])
    assert page.status == 400
    assert "September 2026, 5 crimes counted" in page.text()
    assert page.error_summary[0].startswith("bad.csv was not imported")
    assert "Line 3: the month “Sept 2026” is not written YYYY-MM" in page.text()
    with app.app_context():
        assert db.session.scalars(sa.select(CrimeImport.month)).all() == ["2026-09"]
    assert "September 2026" in Visitor(analyst).get("/staff/kpis/crime").soup.find(id="imports").get_text()
    again = _upload_crime(analyst, [(good, "2026-09-again.csv")])
    assert again.status == 302 and again.response.location.endswith("/staff/kpis/crime?imported=1")
    shown = Visitor(analyst).get(again.response.location)
    assert "1 month imported" in shown.text() and "2026-09-again.csv" in shown.text()
    nothing = _upload_crime(analyst, [])
    assert nothing.status == 400 and nothing.error_summary == [
        "Choose one or more street-level crime files (CSV)"
    ]


def test_who_may_use_which_page(app, owner, analyst):
    assert owner.get("/staff/kpis").status_code == 200
    assert owner.get("/staff/kpis/board-paper").status_code == 403
    assert owner.get("/staff/kpis/crime").status_code == 403
    assert analyst.get("/staff/kpis/figures").status_code == 403
    caseworker = staff_client(app, "case@example.org", "caseworker")
    assert caseworker.get("/staff/kpis").status_code == 403
    assert app.test_client().get("/staff/kpis").status_code == 302


def test_a_register_that_cannot_be_read_gets_a_page_that_says_so(app, analyst, tmp_path):
    broken = tmp_path / "kpis.yaml"
    broken.write_text("first_quarter: 2025Q1\nsubgroups: []\n", encoding="utf-8")
    app.config["KPI_REGISTER_FILE"] = str(broken)
    page = Visitor(analyst).get("/staff/kpis")
    assert page.status == 503 and "subgroups" in page.text()
