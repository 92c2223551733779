"""Staff insight pages on both databases: the dashboard and target panel, figures that equal the
statistics command line on the exported data, the board pack, exports, response quality, margins
uploads, survey administration, short links and the per-client limit."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import render_template_string

from analysis.cli import main as analysis_main
from analysis.planning import sample_size_above_target
from survey_app.audit import AuditEvent
from survey_app.demo import make_demo_responses
from survey_app.extensions import db
from survey_app.insight import views
from survey_app.insight.kpis import quarter_of
from survey_app.insight.service import included_responses, insight, ward_estimates
from survey_app.insight.targets import evaluate
from survey_app.models import Response, SurveySession
from survey_app.registry import get_published
from tests.insight.test_targets_quality_margins import TARGET, est, results_with
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, START, answer_all
from tests.web.test_staff_accounts import add_user, sign_in
from tests.web.test_triage import audit_events, get, staff_client

SURVEY = "community_confidence"
DASHBOARD = f"/staff/insight/{SURVEY}"
TODAY = dt.date(2026, 11, 24)


def seed(app, count: int = 1600) -> None:
    with app.app_context():
        published = get_published(SURVEY)
        db.session.add_all(make_demo_responses(published, count, seed=7, today=TODAY))
        db.session.commit()


@pytest.fixture
def seeded(app):
    seed(app)
    return app


@pytest.fixture
def analyst(seeded):
    return staff_client(seeded, "analyst@example.org", "analyst")


def current(app):
    with app.app_context():
        return insight(get_published(SURVEY).questionnaire)


def test_only_analysts_see_the_dashboard(seeded):
    caseworker = staff_client(seeded, "case@example.org", "caseworker")
    assert caseworker.get(DASHBOARD).status_code == 403
    assert seeded.test_client().get(DASHBOARD).status_code == 302  # to the sign-in page


def test_dashboard_shows_every_measure_with_interval_base_and_the_altrincham_panel(seeded, analyst):
    page = get(analyst, DASHBOARD)
    assert page.status == 200
    summary = page.soup.find(id="summary")
    data = current(seeded)
    for m in data.results.measures:
        row = summary.find("tr", attrs={"data-measure": m.id})
        overall = data.results.get(m.id, "overall", "all")
        cells = [td.get_text(strip=True) for td in row.find_all("td")]
        assert cells[0] == f"{overall.estimate * 100:.1f}%"
        assert cells[2] == f"{overall.n:,}"
    panel = page.soup.find(id="target-1")
    assert "Altrincham" in panel.get_text() and "61.0%" in panel.get_text()
    assert panel.find(attrs={"data-status": True})["data-status"] in ("met", "not_yet", "missed")
    note = page.soup.find(id="weighting-note").get_text(" ", strip=True)
    assert "Weighted to the population aged 16 and over by" in note
    assert "by ward, age and sex," in note  # British English: no comma before "and"
    chart = page.soup.find("img", class_="app-chart")
    svg = analyst.get(chart["src"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    # every table row for quarters says whether its change is significant, in words
    trend = page.soup.find(id="trend")
    assert "statistically significant" in trend.get_text()


def test_the_ward_page_ranks_model_based_estimates_beside_the_survey_ones(seeded, analyst):
    page = get(analyst, f"{DASHBOARD}/wards?period=last4&measure=partnership_confidence")
    assert page.status == 200
    rows = page.soup.find(id="wards").tbody.find_all("tr")
    assert len(rows) == 21
    shown = [float(tr.find(attrs={"data-estimate": True})["data-estimate"]) for tr in rows]
    assert shown == sorted(shown, reverse=True)
    with seeded.app_context():
        questionnaire = get_published(SURVEY).questionnaire
        expected = ward_estimates(questionnaire, "partnership_confidence", "last4")
    by_ward = {row.ward: row for row in expected.rows}
    for tr in rows:
        row = by_ward[tr["data-ward"]]
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        assert cells[0] == str(expected.ranked.index(row) + 1)
        assert cells[3].startswith(f"{row.estimate * 100:.1f}% ({row.ci_low * 100:.1f}% to")
        if row.direct is None:
            assert cells[1] == "Fewer than 30" and cells[2] == "Suppressed"
        else:
            assert cells[1] == f"{row.n:,}" and cells[2].startswith(f"{row.direct * 100:.1f}% (")
        if row.n < 30:
            # Nothing on the page lets a suppressed ward's own estimate be worked out: not the share
            # its responses carry, nor whether the model used them at all.
            assert cells[4] == (
                "The model alone: no responses" if row.n == 0 else "Mostly the model: fewer than 30 responses"
            )
            assert "%" not in cells[4]
        elif row.kind == "model" and row.shrinkage >= 0.005:
            assert f"{row.shrinkage:.0%} from its responses" in cells[4]
        elif row.kind == "model":
            assert cells[4] == "The model: its own responses add almost nothing"
        else:
            assert cells[4] == "The model alone: every response the same"
        assert tr.find(attrs={"data-estimate": True})["data-estimate"] == f"{row.estimate:.3f}"
    assert page.soup.find(id="spread") or page.soup.find(id="no-spread")
    chart = analyst.get(page.soup.find("img", class_="app-chart")["src"])
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert b"Hale Barns &amp; Timperley South" in chart.data
    # A made-up period shows the latest quarter rather than an empty page.
    latest = get(analyst, f"{DASHBOARD}/wards?period=1999Q1")
    assert "Q4 2026" in latest.soup.find("h2").get_text()


def test_the_ward_page_says_when_there_is_nothing_to_show(app, analyst_without_responses):
    page = get(analyst_without_responses, f"{DASHBOARD}/wards")
    assert page.status == 200 and page.soup.find(id="no-responses")
    assert analyst_without_responses.get(f"{DASHBOARD}/wards/chart.svg").status_code == 404


def test_an_unusable_ward_figures_file_is_named_not_blamed_on_the_margins(seeded, analyst, tmp_path):
    bad = tmp_path / "wards.csv"
    bad.write_text("ward,under_16_share,adult_growth\naltrincham,0.2,lots\n", encoding="utf-8")
    seeded.config["WARD_AUXILIARY_FILE"] = str(bad)
    page = get(analyst, f"{DASHBOARD}/wards")
    assert page.status == 200 and page.soup.find(id="no-ward-figures")
    assert "WARD_AUXILIARY_FILE" in page.text() and "margins" not in page.text().lower()
    assert analyst.get(f"{DASHBOARD}/wards/chart.svg").status_code == 404


@pytest.fixture
def analyst_without_responses(app):
    return staff_client(app, "analyst@example.org", "analyst")


def test_filters_restrict_the_estimates_to_an_area_and_period(seeded, analyst):
    page = get(analyst, f"{DASHBOARD}?area=altrincham&period=last4&measure=partnership_confidence")
    by_town = page.soup.find(id="by-town-centre")
    rows = {tr.th.get_text(strip=True): tr for tr in by_town.tbody.find_all("tr")}
    assert set(rows) == {"Altrincham"}
    assert "Altrincham, latest four quarters" in page.text()
    # unknown filter values fall back to everything rather than failing
    assert analyst.get(f"{DASHBOARD}?area=<script>&period=1999Q9&measure=nope").status_code == 200


def test_the_response_count_is_the_count_within_the_filters(seeded, analyst):
    data = current(seeded)
    quarter = data.results.quarters[-2]
    with seeded.app_context():
        records = [r for _id, r in included_responses(SURVEY)]
    in_filter = sum(
        1
        for r in records
        if r.answers.get("town_centre") == "altrincham" and quarter_of(r.submitted_at) == quarter
    )
    assert 0 < in_filter < len(records)
    page = get(analyst, f"{DASHBOARD}?area=altrincham&period={quarter}")
    count = page.soup.find(id="responses-count")
    assert count["data-count"] == str(in_filter)
    assert f"Based on {in_filter:,} of the {len(records):,} responses" in count.get_text(" ", strip=True)
    everything = get(analyst, DASHBOARD).soup.find(id="responses-count")
    assert everything.get_text(" ", strip=True).startswith(f"Based on {len(records):,} responses.")
    pack = get(analyst, f"{DASHBOARD}/board-pack?quarter={quarter}").soup.find(id="responses-count")
    assert pack["data-count"] == str(sum(1 for r in records if quarter_of(r.submitted_at) == quarter))


def test_a_target_panel_past_the_target_says_what_would_settle_it(seeded):
    # Latest Altrincham quarter 64% (interval 54% to 73%) against a 61% target: above the target,
    # not shown to be above it. There is no "remaining gap" to detect.
    results = results_with(est("altrincham:2026Q4", 0.642, 0.047, n=128, deff=1.3))
    panel = evaluate(TARGET, results, dt.date(2026, 12, 2))
    assert panel.status == "not_yet"
    with seeded.test_request_context("/?lang=en"):
        html = render_template_string(
            '{% from "insight/_macros.html" import target_panel %}'
            "{{ target_panel(panel, questionnaire, views, 'target-1') }}",
            panel=panel,
            questionnaire=get_published(SURVEY).questionnaire,
            views=views,
        )
    text = BeautifulSoup(html, "html.parser").get_text(" ", strip=True)
    more = f"{panel.more_per_quarter:,}"
    assert (
        "The estimate is above the target, but the interval still includes values below it: "
        f"about {more} more responses would show whether the target is met"
    ) in text
    assert "remaining gap" not in text
    assert panel.more_per_quarter == sample_size_above_target(0.642, 0.61, deff=1.3).n - 128


def test_languages_are_named_in_english_with_their_own_name(seeded, analyst):
    page = get(analyst, f"{DASHBOARD}?measure=partnership_confidence")
    names = [th.get_text(strip=True) for th in page.soup.find(id="by-language").select("tbody th")]
    assert "Urdu (اردو)" in names and "Polish (Polski)" in names and "English" in names
    assert not {"ur", "pl", "اردو", "Polski"} & set(names)
    text = download(analyst, f"{DASHBOARD}/export/responses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    urdu = next(r for r in rows if r["language"] == "ur")
    assert urdu["language_label"] == "Urdu (اردو)"


def test_an_analyst_lands_on_the_dashboard_after_signing_in(seeded):
    add_user(seeded, email="only.analyst@trafford.example", roles=("analyst",))
    client = seeded.test_client()
    landed = sign_in(client, "only.analyst@trafford.example")
    assert landed.location == "/staff/insight"
    assert client.get(landed.location).location == DASHBOARD
    # An address they were sent from still wins, and only one of ours.
    sent_from = sign_in(seeded.test_client(), "only.analyst@trafford.example", next_target="/staff/counts")
    assert sent_from.location == "/staff/counts"
    outside = seeded.test_client()
    assert (
        sign_in(outside, "only.analyst@trafford.example", next_target="https://evil.example/").location
        == "/staff/insight"
    )
    # Someone whose day is more than the statistics still starts at the staff home.
    add_user(seeded, email="both@trafford.example", roles=("analyst", "caseworker"))
    assert sign_in(seeded.test_client(), "both@trafford.example").location == "/staff"


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.data


def run_analysis(*args: str) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert analysis_main(list(args)) == 0
    return json.loads(out.getvalue())


def test_dashboard_figures_equal_the_command_line_on_the_exported_data(seeded, analyst, tmp_path):
    data_file, margins_file = tmp_path / "responses.csv", tmp_path / "margins_used.csv"
    data_file.write_bytes(download(analyst, f"{DASHBOARD}/export/responses.csv"))
    margins_file.write_bytes(download(analyst, f"{DASHBOARD}/export/margins_used.csv"))
    results = current(seeded).results
    variables = ",".join(f"weighting_{v}" for v in results.weighting.variables)
    for measure in ("partnership_confidence", "safe_after_dark"):
        rows = run_analysis(
            "estimate",
            str(data_file),
            "--outcome",
            f"kpi_{measure}",
            "--weight",
            "design_weight",
            "--margins",
            str(margins_file),
            "--vars",
            variables,
            "--by",
            "town_centre",
            "--format",
            "json",
        )
        compared = 0
        for row in rows:
            ours = results.get(measure, "town_centre", row["domain"])
            if ours is None or ours.suppressed:
                continue
            assert row["estimate"] == pytest.approx(ours.estimate, rel=1e-7)
            assert row["se"] == pytest.approx(ours.se, rel=1e-6)
            assert row["ci_low"] == pytest.approx(ours.ci_low, rel=1e-6)
            assert row["ci_high"] == pytest.approx(ours.ci_high, rel=1e-6)
            assert row["n"] == ours.n
            compared += 1
        assert compared >= 4
    events = [e for e in audit_events(seeded) if e.action == "export_responses"]
    assert [e.detail["file"] for e in events] == ["responses.csv", "margins_used.csv"]


def test_exports_hold_codes_labels_weights_and_a_codebook_and_never_reports(seeded, analyst):
    text = download(analyst, f"{DASHBOARD}/export/responses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1600
    first = rows[0]
    for column in (
        "response_id",
        "quarter",
        "language",
        "town_centre",
        "town_centre_label",
        "kpi_partnership_confidence",
        "weighting_age_band",
        "design_weight",
        "weight",
    ):
        assert column in first
    assert sum(float(r["weight"]) for r in rows) == pytest.approx(186152, rel=1e-6)
    book = openpyxl.load_workbook(io.BytesIO(download(analyst, f"{DASHBOARD}/export/responses.xlsx")))
    assert book.sheetnames == ["responses", "codebook", "margins_used"]
    codebook = [row[0].value for row in book["codebook"].iter_rows(min_row=2)]
    assert "kpi_partnership_confidence" in codebook and "weight" in codebook
    assert analyst.get(f"{DASHBOARD}/export/reports.csv").status_code == 404


def test_board_pack_prints_and_downloads_as_pdf_csv_and_excel(seeded, analyst):
    quarters = current(seeded).results.quarters
    page = get(analyst, f"{DASHBOARD}/board-pack?quarter={quarters[-2]}")
    assert page.status == 200
    assert (
        page.soup.find(id="kpis")
        and page.soup.find(id="target-1")
        and page.soup.find(id="report-counts") is None
    )
    pdf = analyst.get(f"{DASHBOARD}/board-pack.pdf?quarter={quarters[-2]}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF") and len(pdf.data) > 10_000
    table = download(analyst, f"{DASHBOARD}/board-pack.csv?quarter={quarters[-2]}").decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(table)))
    kpis = [r for r in lines if r["table"] == "kpis"]
    assert {r["measure"] for r in kpis} >= {"partnership_confidence", "safe_after_dark"}
    assert all(r["period"] == quarters[-2] for r in kpis)
    book = openpyxl.load_workbook(io.BytesIO(download(analyst, f"{DASHBOARD}/board-pack.xlsx")))
    assert book.sheetnames == ["kpis", "trend", "targets", "reports"]
    # proportions stay numbers for sums, and read as percentages
    header = [c.value for c in book["kpis"][1]]
    estimate = book["kpis"].cell(row=2, column=header.index("estimate") + 1)
    assert 0 < estimate.value < 1 and estimate.number_format == "0.0%"


def flagged_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Response.id).where(Response.flagged.is_(True)))


def test_excluding_a_flagged_response_changes_the_estimates_and_is_audited(seeded, analyst):
    before = current(seeded)
    page = get(analyst, f"{DASHBOARD}/quality")
    response_id = flagged_id(seeded)
    section = page.soup.find(id=f"response-{response_id}")
    assert "Finished implausibly fast" in section.get_text()
    form = section.find("form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    refused = analyst.post(form["action"], data={"csrf_token": token, "decision": "exclude", "reason": ""})
    assert refused.status_code == 400 and "Enter the reason for your decision" in refused.get_data(
        as_text=True
    )
    assert current(seeded).n_excluded == 0
    done = analyst.post(
        form["action"], data={"csrf_token": token, "decision": "exclude", "reason": "Finished in ten seconds"}
    )
    assert done.status_code == 302
    after = current(seeded)
    assert after.n_excluded == 1 and after.n_included == before.n_included - 1
    assert after.results.estimates != before.results.estimates
    (event,) = [e for e in audit_events(seeded) if e.action == "review_response"]
    assert event.detail == {"response_id": response_id, "decision": "exclude"}
    assert "1 excluded by analysts" in get(analyst, DASHBOARD).text()
    excluded = get(analyst, f"{DASHBOARD}/quality?show=excluded")
    assert "Finished in ten seconds" in excluded.text()


def margins_upload(client, content: bytes, name: str = "margins.csv"):
    page = get(client, "/staff/margins")
    token = page.form_fields()["csrf_token"][0]
    return client.post(
        "/staff/margins",
        data={"csrf_token": token, "margins": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_bad_margins_file_is_refused_with_clear_errors_and_a_good_one_is_used(seeded, analyst):
    admin = staff_client(seeded, "admin@example.org", "admin")
    assert analyst.get("/staff/margins").status_code == 403
    shipped = Path("data/population_margins.csv").read_bytes()
    bad = margins_upload(admin, shipped.replace(b"sex,female,", b"sex,woman,"))
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "sex has categories the survey does not use: woman" in text
    assert "sex has no figure for: female" in text
    no_ward = b"\n".join(line for line in shipped.splitlines() if not line.startswith(b"ward,"))
    assert "no figures for ward" in margins_upload(admin, no_ward).get_data(as_text=True)
    before = current(seeded).results.get("partnership_confidence", "overall", "all").estimate
    # older people counted twice over: the new figures must be used at once
    doubled = shipped.replace(b"age_band,age_65_plus,", b"age_band,age_65_plus,1")
    rows = list(csv.DictReader(io.StringIO(doubled.decode())))
    total = {
        v: sum(float(r["population_count"]) for r in rows if r["variable"] == v)
        for v in ("age_band", "sex", "ward")
    }
    assert "do not add up to the same population" in margins_upload(admin, doubled).get_data(as_text=True)
    lines = [r for r in rows]
    for r in lines:
        if r["variable"] != "age_band":
            r["population_count"] = str(
                float(r["population_count"]) * total["age_band"] / total[r["variable"]]
            )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows[0].keys())
    writer.writeheader()
    writer.writerows(lines)
    good = margins_upload(admin, out.getvalue().encode(), "margins-2027.csv")
    assert good.status_code == 302
    after = current(seeded)
    assert after.margins.name == "margins-2027.csv"
    assert after.results.get("partnership_confidence", "overall", "all").estimate != before
    assert "margins-2027.csv" in get(analyst, f"{DASHBOARD}/weighting").text()
    assert [e.action for e in audit_events(seeded)][-1] == "upload_margins"


def test_an_admin_closes_a_survey_and_people_part_way_through_can_still_finish(app, client):
    admin = staff_client(app, "admin@example.org", "admin")
    resident = Visitor(client)
    page = resident.get(START)
    page = resident.submit(page)  # started before the survey closes
    surveys = get(admin, "/staff/surveys")
    form = surveys.soup.find(id=f"survey-{SURVEY}").find("form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    assert admin.post(form["action"], data={"csrf_token": token, "state": "closed"}).status_code == 302
    newcomer = Visitor(app.test_client())
    start = newcomer.get(START)
    assert "This survey is closed" in start.text() and not start.soup.find("form", attrs={"method": "post"})
    assert newcomer.client.post(f"{START}/start").status_code in (302, 400)
    home = newcomer.get("/")
    assert START not in str(home.soup)
    finished = answer_all(Visitor(client), ANSWERS)
    assert resident.submit(finished).heading == "Answers sent"
    assert audit_events(app)[-1].action == "change_survey"


def test_a_poster_short_link_records_the_town_centre_it_came_from(app, client):
    assert client.get(f"/s/{SURVEY}/nowhere").status_code == 404
    assert client.get(f"/s/{SURVEY}/altrincham").headers["Location"].endswith(START)
    visitor = Visitor(client)
    visitor.submit(answer_all(visitor, ANSWERS))
    with app.app_context():
        (response,) = db.session.scalars(sa.select(Response)).all()
        assert response.channel == "altrincham"
    admin = staff_client(app, "admin@example.org", "admin")
    qr = admin.get(f"/staff/surveys/{SURVEY}/qr.svg?place=altrincham")
    assert qr.status_code == 200 and qr.data.startswith(b"<?xml") and b"<svg" in qr.data


def test_quality_flags_are_set_when_a_response_arrives(app, client):
    visitor = Visitor(client)
    visitor.submit(answer_all(visitor, ANSWERS))  # a test client answers in milliseconds
    again = Visitor(client)
    again.submit(answer_all(again, ANSWERS))
    with app.app_context():
        flags = [r.quality_flags for r in db.session.scalars(sa.select(Response).order_by(Response.id))]
    assert flags == [["fast"], ["fast", "duplicate"]]


def test_finishing_a_survey_is_limited_per_client_and_the_answers_are_kept(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, SURVEY_SUBMIT_RATE_LIMIT="1 per hour", RATELIMIT_ENABLED=True)
    client = app.test_client()
    try:
        first = Visitor(client)
        first.submit(answer_all(first, ANSWERS))
        second = Visitor(client)
        check = answer_all(second, ANSWERS)
        limited = client.post(check.form_action(), data=check.form_fields())
        assert limited.status_code == 429
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1
            kept = db.session.scalars(
                sa.select(SurveySession).where(SurveySession.response_id.is_(None))
            ).all()
            assert len(kept) == 1 and kept[0].answers["town_centre"] == "altrincham"
    finally:
        from tests.conftest import _empty_tables

        _empty_tables(app)


def test_audit_log_names_the_new_actions(seeded, analyst):
    download(analyst, f"{DASHBOARD}/export/codebook.csv")
    admin = staff_client(seeded, "admin@example.org", "admin")
    assert "Exported survey responses" in get(admin, "/staff/audit").text()
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= 1


def test_large_surveys_show_the_previous_figures_while_new_ones_are_computed(database_url):
    import time

    from tests.conftest import _empty_tables, make_app

    app = make_app(database_url, INSIGHT_BACKGROUND_ABOVE=100)
    try:
        seed(app, 400)
        with app.app_context():
            questionnaire = get_published(SURVEY).questionnaire
            first = insight(questionnaire)
            assert not first.stale and first.n_included == 400
        seed(app, 40)
        with app.app_context():
            stale = insight(questionnaire)
            assert stale.stale and stale.n_included == 400  # at once, the figures held
            for _ in range(100):
                fresh = insight(questionnaire)
                if not fresh.stale:
                    break
                time.sleep(0.05)
            assert not fresh.stale and fresh.n_included == 440
    finally:
        _empty_tables(app)
