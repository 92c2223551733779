"""The insight pages for surveys they know nothing of, worked out from what each questionnaire
declares: a neighbourhood survey whose place question is `neighbourhood` (one of its choices no
place), with one breakdown question and one measure, asking nothing the population figures cover;
and a library survey with no place question, weighting on a variable the figures do not have."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from analysis.raking import Margin
from survey_app.demo import make_demo_responses
from survey_app.extensions import db
from survey_app.insight import views
from survey_app.insight.kpis import ResponseRecord, compute_kpis, quarter_of
from survey_app.insight.service import included_responses, insight, last_four_quarters
from survey_app.models import Response
from survey_app.questionnaire import load_questionnaire
from survey_app.registry import get_published
from tests.conftest import PROJECT_ROOT, _empty_tables, make_app
from tests.pages import Page, Visitor
from tests.web.test_insight import download, run_analysis
from tests.web.test_triage import get, staff_client

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "any_survey"
NEIGHBOURHOOD = "neighbourhood_survey"
LIBRARY = "library_survey"
DASHBOARD = f"/staff/insight/{NEIGHBOURHOOD}"
LIBRARY_DASHBOARD = f"/staff/insight/{LIBRARY}"
TODAY = dt.date(2026, 11, 24)
NOT_WEIGHTED = "These figures are not weighted: this survey asks no questions the population figures cover."
LIBRARY_NOT_WEIGHTED = (
    "These figures are not weighted: the population figures in use cover none of the questions this "
    "survey asks about the people who answer it."
)


@pytest.fixture
def app(database_url):
    app = make_app(
        database_url,
        QUESTIONNAIRE_DIR=str(FIXTURES / "questionnaires"),
        TARGETS_FILE=str(FIXTURES / "targets.yaml"),
    )
    yield app
    _empty_tables(app)


@pytest.fixture
def seeded(app):
    with app.app_context():
        for survey in (NEIGHBOURHOOD, LIBRARY):
            db.session.add_all(make_demo_responses(get_published(survey), 1200, seed=11, today=TODAY))
        db.session.commit()
    return app


@pytest.fixture
def analyst(seeded):
    return staff_client(seeded, "analyst@example.org", "analyst")


def current(app, survey: str = NEIGHBOURHOOD):
    with app.app_context():
        return insight(get_published(survey).questionnaire)


def records(app, survey: str = NEIGHBOURHOOD):
    with app.app_context():
        return [record for _id, record in included_responses(survey)]


def share_feeling_safe(answers: list[str | None]) -> tuple[float, int]:
    """The unweighted share answering yes, and the base (everyone who answered)."""
    given = [a for a in answers if a]
    return sum(a == "yes" for a in given) / len(given), len(given)


def table_rows(page: Page, table_id: str) -> dict[str, list[str]]:
    table = page.soup.find(id=table_id)
    assert table is not None, table_id
    return {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in table.tbody.find_all("tr")
    }


def test_the_dashboard_breaks_down_by_the_declared_questions_and_says_it_is_not_weighted(seeded, analyst):
    page = get(analyst, DASHBOARD)
    assert page.status == 200
    note = page.soup.find(id="weighting-note").get_text(" ", strip=True)
    assert NOT_WEIGHTED in note
    assert "Weighted to the population" not in note
    # Not weighted: every figure is the plain share of the responses.
    everyone = records(seeded)
    share, base = share_feeling_safe([r.answers.get("feel_safe") for r in everyone])
    cells = [
        td.get_text(strip=True)
        for td in page.soup.find(id="summary").find("tr", {"data-measure": "feels_safe"}).find_all("td")
    ]
    assert cells[0] == f"{share * 100:.1f}%" and cells[2] == f"{base:,}"
    # One table for each breakdown question, the area first, named by its short label and in its
    # own order; then language. Nothing of the town centre survey.
    by_place = table_rows(page, "by-neighbourhood")
    assert list(by_place) == ["Northside", "Southside", "Somewhere else"]
    north, north_base = share_feeling_safe(
        [r.answers.get("feel_safe") for r in everyone if r.answers["neighbourhood"] == "north"]
    )
    assert by_place["Northside"][0] == f"{north * 100:.1f}%" and by_place["Northside"][2] == f"{north_base:,}"
    caption = page.soup.find(id="by-neighbourhood").caption.get_text(strip=True)
    assert caption == "By neighbourhood: All of Trafford, all quarters"
    assert {"Own", "Rent"} <= set(table_rows(page, "by-tenure"))
    assert page.soup.find(id="by-tenure").caption.get_text(strip=True).startswith("By home:")
    assert page.soup.find(id="by-language") is not None
    tables = [t["id"] for t in page.soup.select("table[id^=by-]")]
    assert tables == ["by-neighbourhood", "by-tenure", "by-language"]
    # The area filter offers the places, and not the answer that is no place.
    options = [(o["value"], o.get_text(strip=True)) for o in page.soup.find(id="area").find_all("option")]
    assert options == [("", "All of Trafford"), ("north", "Northside"), ("south", "Southside")]


def test_the_area_filter_narrows_to_a_declared_place(seeded, analyst):
    page = get(analyst, f"{DASHBOARD}?area=north&period=last4")
    assert set(table_rows(page, "by-neighbourhood")) == {"Northside"}
    assert "Northside, latest four quarters" in page.text()
    everyone = records(seeded)
    last_four = last_four_quarters(tuple({quarter_of(r.submitted_at) for r in everyone}))
    in_filter = [
        r
        for r in everyone
        if r.answers["neighbourhood"] == "north" and quarter_of(r.submitted_at) in last_four
    ]
    count = page.soup.find(id="responses-count")
    assert count["data-count"] == str(len(in_filter))
    # Not weighted, so there are no weights to come from all of the responses.
    assert count.get_text(" ", strip=True).startswith(
        f"Based on {len(in_filter):,} of the {len(everyone):,} responses (Northside, latest four quarters). "
    )
    share, _base = share_feeling_safe([r.answers.get("feel_safe") for r in in_filter])
    assert table_rows(page, "by-neighbourhood")["Northside"][0] == f"{share * 100:.1f}%"
    # An answer that is no place cannot be chosen: the page shows everyone.
    elsewhere = get(analyst, f"{DASHBOARD}?area=elsewhere")
    assert set(table_rows(elsewhere, "by-neighbourhood")) == {"Northside", "Southside", "Somewhere else"}
    assert elsewhere.soup.find(id="area").find("option", selected=True)["value"] == ""


def test_the_target_panel_reads_the_declared_place_and_targets_it_cannot_show_are_named(seeded, analyst):
    page = get(analyst, DASHBOARD)
    panel = page.soup.find(id="target-1")
    assert panel.find("h2").get_text(strip=True) == "Target: Northside"
    assert "Feel safe in the neighbourhood after dark" in panel.get_text()
    assert panel.find(attrs={"data-status": True})["data-status"] in ("met", "not_yet", "missed")
    results = current(seeded).results
    latest = max(
        (e for e in results.find("feels_safe", "area_quarter") if e.domain.startswith("north:")),
        key=lambda e: e.domain,
    )
    assert float(panel.find(attrs={"data-estimate": True})["data-estimate"]) == pytest.approx(latest.estimate)
    assert page.soup.find(id="target-2") is None
    faults = [p.get_text(" ", strip=True) for p in page.soup.select("[id^=target-fault-]")]
    assert faults == [
        "The target “Everyone else” is not shown: elsewhere is not one of the places this survey asks "
        "about. Correct the area in the targets file.",
        "The target “Town centre partnership” is not shown: this survey has no measure called "
        "partnership_confidence. Correct the measure in the targets file.",
    ]
    library = get(analyst, LIBRARY_DASHBOARD)
    assert library.soup.find(id="target-1").find("h2").get_text(strip=True) == "Target: All of Trafford"
    assert library.soup.find(id="target-2") is None
    (fault,) = [p.get_text(" ", strip=True) for p in library.soup.select("[id^=target-fault-]")]
    assert fault.startswith(
        "The target “Library users in Northside” is not shown: this survey does not ask where people are"
    )


def test_a_survey_without_an_area_question_has_no_area_filter_or_area_breakdowns(seeded, analyst):
    page = get(analyst, LIBRARY_DASHBOARD)
    assert page.status == 200
    assert page.soup.find(id="area") is None
    assert LIBRARY_NOT_WEIGHTED in page.soup.find(id="weighting-note").get_text(" ", strip=True)
    assert [t["id"] for t in page.soup.select("table[id^=by-]")] == ["by-visits", "by-language"]
    results = current(seeded, LIBRARY).results
    assert results.find("satisfied", "quarter") and results.find("satisfied", "rolling_four_quarters")
    assert not results.find("satisfied", "area_quarter")
    assert not results.find("satisfied", "area_rolling_four_quarters")
    # An area in the address is ignored rather than failing.
    asked = get(analyst, f"{LIBRARY_DASHBOARD}?area=north")
    assert asked.status == 200 and "All of Trafford, all quarters" in asked.text()
    weighting = get(analyst, f"{LIBRARY_DASHBOARD}/weighting")
    assert LIBRARY_NOT_WEIGHTED in weighting.text()
    assert weighting.soup.find(id="margins-file") is None


def test_a_survey_whose_weighting_questions_nobody_answered_says_so(app):
    library = load_questionnaire(FIXTURES / "questionnaires" / "library_survey.yaml")
    visits = Margin("library_visits", ("weekly", "monthly", "rarely"), (10_000.0, 20_000.0, 70_000.0))
    answered_nothing_else = [
        ResponseRecord({"satisfied": "yes" if i % 3 else "no"}, dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "en")
        for i in range(40)
    ]
    covered = compute_kpis(library, answered_nothing_else, {"library_visits": visits})
    not_covered = compute_kpis(library, answered_nothing_else, {})
    with app.test_request_context("/?lang=en"):
        assert views.unweighted_reason(library, covered) == (
            "These figures are not weighted: nobody has yet answered the questions about themselves "
            "that the population figures cover."
        )
        assert views.unweighted_reason(library, not_covered) == LIBRARY_NOT_WEIGHTED
    assert covered.get("satisfied", "overall", "all").estimate == pytest.approx(26 / 40)


def test_exports_and_codebook_of_a_survey_that_is_not_weighted(seeded, analyst, tmp_path):
    text = download(analyst, f"{DASHBOARD}/export/responses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1200
    for column in (
        "neighbourhood",
        "neighbourhood_label",
        "tenure",
        "kpi_feels_safe",
        "design_weight",
        "weight",
    ):
        assert column in rows[0]
    assert not [column for column in rows[0] if column.startswith("weighting_")]
    assert {(float(r["design_weight"]), float(r["weight"])) for r in rows} == {(1.0, 1.0)}
    assert {r["neighbourhood_label"] for r in rows} == {"Northside", "Southside", "Somewhere else"}
    codebook = list(
        csv.DictReader(io.StringIO(download(analyst, f"{DASHBOARD}/export/codebook.csv").decode("utf-8-sig")))
    )
    entries = {row["column"]: row for row in codebook}
    assert (
        entries["neighbourhood"]["codes"]
        == "north = Northside; south = Southside; elsewhere = Somewhere else"
    )
    assert "kpi_feels_safe" in entries and "not weighted" in entries["weight"]["description"]
    book = openpyxl.load_workbook(io.BytesIO(download(analyst, f"{DASHBOARD}/export/responses.xlsx")))
    assert book.sheetnames == ["responses", "codebook", "margins_used"]
    assert book["responses"].max_row == 1201
    # The command line the page prints uses the survey's own area question, and no margins.
    page = get(analyst, f"{DASHBOARD}/export")
    command = page.soup.find(id="command").get_text(strip=True)
    assert command == (
        "python -m analysis estimate responses.csv --outcome kpi_feels_safe --weight design_weight "
        "--method logit --by neighbourhood"
    )
    assert "margins_used.csv" not in str(page.soup.find(id="downloads"))
    # ... and gives the dashboard's figures.
    data_file = tmp_path / "responses.csv"
    data_file.write_text(text, encoding="utf-8")
    words = command.split()[3:]  # after "python -m analysis"
    words[words.index("responses.csv")] = str(data_file)
    results = current(seeded).results
    compared = 0
    for row in run_analysis(*words, "--format", "json"):
        ours = results.get("feels_safe", "neighbourhood", row["domain"])
        assert ours is not None and not ours.suppressed
        assert row["estimate"] == pytest.approx(ours.estimate, rel=1e-9)
        assert row["ci_low"] == pytest.approx(ours.ci_low, rel=1e-6)
        assert row["n"] == ours.n
        compared += 1
    assert compared == 3
    library = get(analyst, f"{LIBRARY_DASHBOARD}/export").soup.find(id="command").get_text(strip=True)
    assert library.endswith("--weight design_weight --method logit")


def test_the_board_pack_of_a_survey_that_is_not_weighted_says_so(seeded, analyst):
    quarter = current(seeded).results.quarters[-2]
    page = get(analyst, f"{DASHBOARD}/board-pack?quarter={quarter}")
    assert page.status == 200
    assert (
        page.heading
        == f"Safer Trafford Partnership Board: Neighbourhood survey, {views.quarter_label(quarter)}"
    )
    text = page.text()
    assert NOT_WEIGHTED in text
    assert "Estimates are not weighted;" in text and "Estimates are weighted;" not in text
    assert page.soup.find(id="kpis").find("tr", {"data-measure": "feels_safe"}) is not None
    assert page.soup.find(id="target-1").find("h2").get_text(strip=True) == "Target: Northside"
    table = download(analyst, f"{DASHBOARD}/board-pack.csv?quarter={quarter}").decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(table)))
    assert [r["measure"] for r in lines if r["table"] == "kpis"] == ["feels_safe"]
    assert [(r["target"], r["area"]) for r in lines if r["table"] == "targets"] == [("Northside", "north")]
    library = get(analyst, f"{LIBRARY_DASHBOARD}/board-pack").text()
    assert LIBRARY_NOT_WEIGHTED in library and "Estimates are not weighted;" in library


def respond(client, first: str) -> Page:
    """Follow a poster link and answer the neighbourhood survey: Northside, safe, renting."""
    visitor = Visitor(client)
    page = visitor.submit(visitor.get(first))
    answers = {"neighbourhood": "north", "feel_safe": "yes", "tenure": "rent"}
    while "/questions/" in page.url:
        qid = page.url.rstrip("/").rsplit("/", 1)[-1]
        page = visitor.submit(page, {qid: answers[qid]})
    return visitor.submit(page)


def test_poster_links_name_the_declared_places(app, client):
    assert client.get(f"/s/{NEIGHBOURHOOD}/elsewhere").status_code == 404
    assert client.get(f"/s/{LIBRARY}/north").status_code == 404
    assert client.get(f"/s/{NEIGHBOURHOOD}/north").headers["Location"].endswith(f"/surveys/{NEIGHBOURHOOD}")
    assert respond(client, f"/s/{NEIGHBOURHOOD}/north").heading == "Answers sent"
    with app.app_context():
        (response,) = db.session.scalars(sa.select(Response)).all()
        assert (response.channel, response.answers["neighbourhood"]) == ("north", "north")
    admin = staff_client(app, "admin@example.org", "admin")
    surveys = get(admin, "/staff/surveys")

    def links(survey: str) -> list[str]:
        items = surveys.soup.find(id=f"survey-{survey}").find_all("li")
        return [li.get_text(" ", strip=True).split(":")[0] for li in items]

    assert links(NEIGHBOURHOOD) == ["Anywhere", "Northside", "Southside"]
    assert links(LIBRARY) == ["Anywhere"]
    qr = admin.get(f"/staff/surveys/{NEIGHBOURHOOD}/qr.svg?place=north")
    assert qr.status_code == 200 and b"<svg" in qr.data
    assert admin.get(f"/staff/surveys/{NEIGHBOURHOOD}/qr.svg?place=elsewhere").status_code == 404


def test_a_numeric_measure_is_an_average_everywhere_it_is_shown(seeded, analyst, tmp_path):
    results = current(seeded, LIBRARY).results
    overall = results.get("books_a_month", "overall", "all")
    assert overall.statistic == "mean" and 0 <= overall.estimate <= 30
    # The dashboard: an average to one decimal place, never a percentage.
    page = get(analyst, f"{LIBRARY_DASHBOARD}?measure=books_a_month")
    row = page.soup.find(id="summary").find("tr", attrs={"data-measure": "books_a_month"})
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    assert cells[0] == f"{overall.estimate:.1f}" and "%" not in cells[0] + cells[1]
    assert cells[1] == f"{overall.ci_low:.1f} to {overall.ci_high:.1f}"
    trend = page.soup.find(id="trend").tbody.get_text()
    assert "%" not in trend and "points" not in trend and "statistically significant" in trend
    chart = analyst.get(page.soup.find("img", class_="app-chart")["src"])
    assert b"Average" in chart.data and b"%" not in chart.data.split(b"<svg", 1)[1].replace(b"100%", b"")
    # The export holds the numbers, and the command line the page prints gives the same average.
    text = download(analyst, f"{LIBRARY_DASHBOARD}/export/responses.csv").decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert {r["kpi_books_a_month"] for r in exported} <= {"", *(f"{k}.0" for k in range(31))}
    data_file = tmp_path / "responses.csv"
    data_file.write_text(text, encoding="utf-8")
    (mine,) = run_analysis(
        "estimate",
        str(data_file),
        "--outcome",
        "kpi_books_a_month",
        "--statistic",
        "mean",
        "--weight",
        "design_weight",
        "--format",
        "json",
    )
    assert mine["estimate"] == pytest.approx(overall.estimate, rel=1e-9)
    assert mine["ci_low"] == pytest.approx(overall.ci_low, rel=1e-9) and mine["n"] == overall.n
    # The board pack's Excel shows the average as a number and the share as a percentage.
    book = openpyxl.load_workbook(io.BytesIO(download(analyst, f"{LIBRARY_DASHBOARD}/board-pack.xlsx")))
    sheet = book["kpis"]
    header = [c.value for c in sheet[1]]
    formats = {
        sheet.cell(r, header.index("measure") + 1).value: sheet.cell(
            r, header.index("estimate") + 1
        ).number_format
        for r in range(2, sheet.max_row + 1)
    }
    assert formats == {"satisfied": "0.0%", "books_a_month": "0.0"}
