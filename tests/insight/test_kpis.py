"""The KPI estimates behind the staff insight pages: margins, weighting, breakdowns, suppression."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from analysis.change import rolling_estimates
from analysis.design import Design, codes_of
from analysis.proportions import estimate_proportions
from analysis.raking import Margin, rake, raked_design
from survey_app.insight import (
    DEFAULT_MARGINS_PATH,
    UNKNOWN,
    ResponseRecord,
    breakdowns,
    compute_kpis,
    load_margins,
    quarter_of,
)
from survey_app.insight.kpis import InsightError
from survey_app.questionnaire import load_questionnaire

ROOT = Path(__file__).resolve().parents[2]
OTHER_SURVEYS = ROOT / "tests" / "fixtures" / "any_survey" / "questionnaires"
RM200_16PLUS = 186152
MYE_2022_16PLUS = 186978
TOWNS = ["altrincham", "sale", "stretford", "urmston", "partington", "other"]
QUARTERS = [(2024, 10), (2025, 1), (2025, 4), (2025, 7), (2025, 10), (2026, 1), (2026, 4), (2026, 7)]


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire(ROOT / "questionnaires" / "community_confidence.yaml")


@pytest.fixture(scope="module")
def margins():
    return load_margins()


def _choice(rng, values, p=None):
    return values[rng.choice(len(values), p=p)]


def make_records(questionnaire, n=4000, seed=6) -> list[ResponseRecord]:
    """Synthetic responses: eight quarters, every town centre and ward, some gaps in 'about you'."""
    rng = np.random.default_rng(seed)
    q = questionnaire.question
    wards = [c for c in q("ward").choice_values if c != "dont_know"]
    ages = [c for c in q("age_band").choice_values if c != "prefer_not_to_say"]
    langs = ["en", "ur", "pl", "ar", "zh_Hant", "pa"]
    out = []
    for i in range(n):
        k = i % len(QUARTERS)
        year, month = QUARTERS[k]
        town = _choice(rng, TOWNS, [0.3, 0.2, 0.15, 0.15, 0.1, 0.1])
        lift = 0.02 * k if town == "altrincham" else 0.0
        agree = rng.random() < 0.5 + lift
        answers = {
            "police_rating": _choice(rng, ["excellent", "good", "fair", "poor", "very_poor", "dont_know"]),
            "police_council_dealing": ("tend_to_agree" if agree else "tend_to_disagree")
            if rng.random() > 0.05
            else "dont_know",
            "asb_problem": _choice(rng, ["very_big", "fairly_big", "not_very_big", "not_a_problem"]),
            "safe_day": _choice(rng, ["very_safe", "fairly_safe", "bit_unsafe", "never_alone"]),
            "safe_dark": _choice(
                rng, ["very_safe", "fairly_safe", "bit_unsafe", "very_unsafe", "never_alone"]
            ),
            "town_centre": town,
            "ward": "dont_know" if rng.random() < 0.04 else _choice(rng, wards),
            "sex": _choice(rng, ["female", "male", "prefer_not_to_say"], [0.55, 0.4, 0.05]),
            "ethnic_group": _choice(rng, ["white", "asian", "black", "mixed", "other", "prefer_not_to_say"]),
        }
        if town != "other":
            answers["partnership_confidence"] = _choice(
                rng, ["very_confident", "fairly_confident", "not_very_confident", "not_at_all_confident"]
            )
        r = rng.random()
        if r < 0.05:
            answers["age_band"] = "prefer_not_to_say"
        elif r > 0.03 + 0.05:  # 3% skip the age question entirely
            answers["age_band"] = _choice(rng, ages, [0.08, 0.14, 0.2, 0.2, 0.18, 0.2])
        if rng.random() < 0.03:
            del answers["safe_dark"]  # skipped
        lang = "en" if rng.random() < 0.8 else _choice(rng, langs[1:])
        submitted = dt.datetime(year, month, 1 + int(rng.integers(0, 28)), 12, tzinfo=dt.UTC)
        out.append(ResponseRecord(answers, submitted, lang))
    # A handful of Malayalam responses: a base too small to publish.
    for j in range(12):
        base = dict(out[j].answers)
        out.append(ResponseRecord(base, out[j].submitted_at, "ml"))
    return out


@pytest.fixture(scope="module")
def records(questionnaire):
    return make_records(questionnaire)


@pytest.fixture(scope="module")
def results(questionnaire, records, margins):
    return compute_kpis(questionnaire, records, margins)


# --- the margins file -------------------------------------------------------------------------


def test_margins_file_loads_with_one_total_per_variable(margins):
    assert set(margins) == {"age_band", "sex", "ward"}
    for margin in margins.values():
        assert margin.total == RM200_16PLUS
    assert len(margins["ward"].categories) == 21


def test_margins_file_states_sources_and_ward_scaling():
    with open(DEFAULT_MARGINS_PATH, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["variable", "category", "population_count", "source", "notes"]
    assert all(row["source"].strip() for row in rows)
    wards = [row for row in rows if row["variable"] == "ward"]
    assert all("NOT Census" in row["notes"] and "scaled" in row["notes"] for row in wards)
    # The unscaled mid-2022 estimates quoted in the notes add up to the published 16+ total.
    unscaled = sum(int(row["notes"].split("estimate ")[1].split()[0]) for row in wards)
    assert unscaled == MYE_2022_16PLUS
    assert (ROOT / "data" / "README.md").is_file()


def test_margin_codes_are_the_questionnaires_choices(questionnaire, margins):
    for var in margins:
        question = next(q for q in questionnaire.questions if q.weighting_variable == var)
        codes = {c for c in question.choice_values if c not in ("dont_know", "prefer_not_to_say")}
        assert set(margins[var].categories) == codes


def test_margins_that_do_not_match_the_questionnaire_are_refused(questionnaire, records, margins):
    bad = dict(margins)
    bad["sex"] = Margin("sex", ("female", "male", "other"), (90000.0, 90000.0, 6152.0))
    with pytest.raises(InsightError, match="unknown categories \\['other'\\]"):
        compute_kpis(questionnaire, records[:100], bad)


def test_margins_with_different_totals_are_refused(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("variable,category,population_count\nsex,female,10\nsex,male,10\nage_band,a,5\n")
    with pytest.raises(InsightError, match="disagree on the population total"):
        load_margins(path)


# --- weighting ---------------------------------------------------------------------------------


def test_weights_reproduce_the_margins(questionnaire, records, margins, results):
    w = np.asarray(results.weights)
    summary = results.weighting
    assert summary.variables == ("ward", "age_band", "sex")
    assert summary.unused_variables == ("ethnic_group",)
    assert summary.converged
    assert w.sum() == pytest.approx(RM200_16PLUS, rel=1e-9)
    for var, qid in (("ward", "ward"), ("age_band", "age_band"), ("sex", "sex")):
        values = np.array([r.answers.get(qid) for r in records], dtype=object)
        known = np.isin(values, list(margins[var].categories))
        share_known = known.mean()
        for cat, pop in zip(margins[var].categories, margins[var].counts, strict=True):
            got = w[values == cat].sum()
            # known categories share the population of people who answered, in Census proportions
            assert got == pytest.approx(pop * share_known, rel=1e-8)
            assert dict(summary.margins[var])[cat] == pytest.approx(pop * share_known)
        # the unknown group keeps its share of the sample
        assert w[~known].sum() == pytest.approx(RM200_16PLUS * (1 - share_known), rel=1e-8)


def test_missing_and_prefer_not_to_say_are_an_explicit_unknown(records, results):
    summary = results.weighting
    age = [r.answers.get("age_band") for r in records]
    assert summary.unknown_counts["age_band"] == sum(a in (None, "prefer_not_to_say") for a in age)
    assert summary.unknown_counts["age_band"] > 0
    assert summary.unknown_counts["ward"] == sum(r.answers["ward"] == "dont_know" for r in records)
    assert UNKNOWN in dict(summary.margins["age_band"])
    domains = {e.domain for e in results.find("police_council_dealing", "age_band")}
    assert {"prefer_not_to_say", "not_answered", "age_16_24"} <= domains


def test_a_ward_without_respondents_is_dropped_and_reported(questionnaire, records, margins):
    subset = [r for r in records if r.answers["ward"] != "manor"]
    res = compute_kpis(questionnaire, subset, margins)
    assert res.weighting.dropped_categories == {"ward": ("manor",)}
    assert sum(res.weights) == pytest.approx(RM200_16PLUS)


# --- estimates ---------------------------------------------------------------------------------


def test_every_measure_and_breakdown_is_present(questionnaire, results):
    ids = {m.id for _, m in questionnaire.measures}
    assert {m.id for m in results.measures} == ids
    for mid in ids:
        for breakdown in (
            "overall",
            "town_centre",
            "ward",
            "quarter",
            "area_quarter",
            "rolling_four_quarters",
            "age_band",
            "sex",
            "ethnic_group",
            "language",
        ):
            assert results.find(mid, breakdown), (mid, breakdown)
    assert results.quarters == (
        "2024Q4",
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
        "2026Q1",
        "2026Q2",
        "2026Q3",
    )
    rolling = [e.domain for e in results.find("police_council_dealing", "rolling_four_quarters")]
    assert rolling[0] == "2024Q4..2025Q3" and rolling[-1] == "2025Q4..2026Q3" and len(rolling) == 5
    assert (
        results.get("police_council_dealing", "area_rolling_four_quarters", "altrincham|2025Q4..2026Q3")
        is not None
    )


def test_altrincham_kpi_is_estimated_with_interval(results):
    est = results.get("police_council_dealing", "town_centre", "altrincham")
    assert not est.suppressed
    assert est.n > 1000
    assert 0.5 < est.estimate < 0.8
    assert est.ci_low < est.estimate < est.ci_high
    assert 0 < est.n_eff <= est.n
    latest = results.get("police_council_dealing", "area_quarter", "altrincham:2026Q3")
    first = results.get("police_council_dealing", "area_quarter", "altrincham:2024Q4")
    assert latest.estimate > first.estimate  # the synthetic rise


def test_intervals_bracket_every_published_estimate(results):
    published = [e for e in results.estimates if not e.suppressed]
    assert len(published) > 100
    for e in published:
        assert e.ci_low <= e.estimate <= e.ci_high, e
        assert e.n >= results.suppress_below


def test_small_bases_are_suppressed_without_numbers(results, questionnaire, records, margins):
    ml = results.get("police_council_dealing", "language", "ml")
    assert ml.suppressed
    assert (ml.n, ml.estimate, ml.ci_low, ml.ci_high, ml.n_eff) == (None,) * 5
    everything = compute_kpis(questionnaire, records[:500], margins, suppress_below=10_000)
    assert all(e.suppressed for e in everything.estimates)


def test_language_breakdown_lists_every_language(records, results):
    domains = {e.domain for e in results.find("safe_after_dark", "language")}
    assert domains == {r.language for r in records}
    assert not results.get("safe_after_dark", "language", "en").suppressed


def test_base_excludes_skipped_and_excluded_answers_but_counts_dont_know(records, results):
    dark = [r.answers.get("safe_dark") for r in records]
    assert results.get("safe_after_dark", "overall", "all").n == sum(
        a is not None and a != "never_alone" for a in dark
    )
    dealing = [r.answers["police_council_dealing"] for r in records]
    assert results.get("police_council_dealing", "overall", "all").n == len(dealing)
    # partnership confidence is asked only of people with a town centre
    assert results.get("partnership_confidence", "overall", "all").n == sum(
        r.answers["town_centre"] != "other" for r in records
    )


def test_weighted_estimate_equals_analysis_called_directly(records, margins, results):
    """The R recipe: an explicit 'unknown' level with its sample share, rake, svyby(svyciprop)."""
    n = len(records)
    total = RM200_16PLUS
    data, targets = {}, {}
    for var in ("ward", "age_band", "sex"):
        m = margins[var]
        values = np.array(
            [r.answers.get(var) if r.answers.get(var) in m.categories else "unknown" for r in records]
        )
        share = float(np.mean(values == "unknown"))
        targets[var] = Margin(
            var, (*m.categories, "unknown"), (*(c * (1 - share) for c in m.counts), total * share)
        )
        data[var] = values
    start = np.full(n, total / n)
    result = rake(data, targets, ["ward", "age_band", "sex"], start_weights=start)
    design = raked_design(Design.build(weights=start), result)
    np.testing.assert_allclose(result.weights, results.weights, rtol=1e-9)
    y = np.array(
        [
            1.0 if r.answers["police_council_dealing"] in ("strongly_agree", "tend_to_agree") else 0.0
            for r in records
        ]
    )
    codes, labels = codes_of([r.answers["town_centre"] for r in records])
    direct = {e.domain: e for e in estimate_proportions(design, y, codes, list(labels), method="logit")}
    ours = results.get("police_council_dealing", "town_centre", "altrincham")
    ref = direct["altrincham"]
    assert ours.n == ref.n
    for attr in ("estimate", "ci_low", "ci_high", "se", "n_eff"):
        assert getattr(ours, attr) == pytest.approx(getattr(ref, attr), rel=1e-9, abs=1e-12)


def test_rolling_windows_equal_analysis_rolling_estimates(records, results):
    w = np.asarray(results.weights)
    design = Design.build(weights=w)  # same point estimates and bases; SEs differ (no calibration)
    y = np.array(
        [
            1.0 if r.answers["police_council_dealing"] in ("strongly_agree", "tend_to_agree") else 0.0
            for r in records
        ]
    )
    quarters = [quarter_of(r.submitted_at) for r in records]
    town = np.array([r.answers["town_centre"] for r in records])
    direct = rolling_estimates(design, y, quarters, window=4, where=town == "altrincham")
    for ref in direct:
        ours = results.get("police_council_dealing", "area_rolling_four_quarters", f"altrincham|{ref.domain}")
        assert ours.n == ref.n
        assert ours.estimate == pytest.approx(ref.estimate, rel=1e-12)


def test_quarters_are_calendar_quarters_in_uk_time():
    assert quarter_of(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)) == "2026Q3"
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST)
    assert quarter_of(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)) == "2026Q3"
    # in winter London is on UTC
    assert quarter_of(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)) == "2025Q4"


def test_a_sample_too_sparse_to_rake_is_refused_not_misweighted(questionnaire, margins):
    with pytest.raises(InsightError, match="weighting failed"):
        compute_kpis(questionnaire, make_records(questionnaire, n=15), margins, suppress_below=1)


def test_no_responses_give_no_estimates(questionnaire, margins):
    res = compute_kpis(questionnaire, [], margins)
    assert res.estimates == () and res.n_responses == 0 and res.weighting is None


def test_kpis_module_does_not_import_flask():
    text = (ROOT / "survey_app" / "insight" / "kpis.py").read_text()
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in imports if "flask" in line.lower()]


# --- what a questionnaire declares ---------------------------------------------------------------


def test_the_breakdowns_are_the_questionnaires_declared_questions_and_the_fixed_ones(questionnaire):
    assert breakdowns(questionnaire) == (
        "overall",
        "town_centre",
        "ward",
        "age_band",
        "sex",
        "ethnic_group",
        "quarter",
        "rolling_four_quarters",
        "area_quarter",
        "area_rolling_four_quarters",
        "language",
    )
    neighbourhood = load_questionnaire(OTHER_SURVEYS / "neighbourhood_survey.yaml")
    assert breakdowns(neighbourhood) == (
        "overall",
        "neighbourhood",
        "tenure",
        "quarter",
        "rolling_four_quarters",
        "area_quarter",
        "area_rolling_four_quarters",
        "language",
    )
    library = load_questionnaire(OTHER_SURVEYS / "library_survey.yaml")  # no area question
    assert breakdowns(library) == ("overall", "visits", "quarter", "rolling_four_quarters", "language")


def test_a_questionnaire_without_weighting_questions_is_estimated_unweighted(margins):
    neighbourhood = load_questionnaire(OTHER_SURVEYS / "neighbourhood_survey.yaml")
    rng = np.random.default_rng(3)
    records = [
        ResponseRecord(
            {
                "neighbourhood": _choice(rng, ["north", "south", "elsewhere"]),
                "feel_safe": _choice(rng, ["yes", "no"]),
            },
            dt.datetime(2026, 1 + 3 * (i % 4), 10, tzinfo=dt.UTC),
            "en",
        )
        for i in range(600)
    ]
    res = compute_kpis(neighbourhood, records, margins)
    assert res.weighting.variables == () and res.weighting.unused_variables == ()
    assert set(res.weights) == {1.0}
    safe = np.array([r.answers["feel_safe"] == "yes" for r in records])
    north = np.array([r.answers["neighbourhood"] == "north" for r in records])
    assert res.get("feels_safe", "overall", "all").estimate == pytest.approx(safe.mean(), rel=1e-12)
    assert res.get("feels_safe", "neighbourhood", "north").estimate == pytest.approx(
        safe[north].mean(), rel=1e-12
    )
    in_q3 = np.array([r.submitted_at.month == 7 for r in records])
    by_area_and_quarter = res.get("feels_safe", "area_quarter", "north:2026Q3")
    assert by_area_and_quarter.n == int(np.sum(north & in_q3))
    assert by_area_and_quarter.estimate == pytest.approx(safe[north & in_q3].mean(), rel=1e-12)
    assert res.get("feels_safe", "area_rolling_four_quarters", "north|2026Q1..2026Q4").n == int(north.sum())
