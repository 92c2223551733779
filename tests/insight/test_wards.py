"""Ward estimates for the staff ward page: the direct estimates are domains of the dashboard's own
raked design, the model-based ones are analysis.smallarea's on them, and wards with nothing usable
get the synthetic estimate."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from analysis.means import estimate_means
from analysis.proportions import estimate_proportions
from analysis.smallarea import fay_herriot
from survey_app.insight import load_margins
from survey_app.insight.kpis import InsightError, outcome, quarter_of, weighted_design
from survey_app.insight.wards import (
    COVARIATES,
    MODEL,
    SYNTHETIC,
    WardModelError,
    estimate_wards,
    load_auxiliary,
)
from survey_app.questionnaire import load_questionnaire
from survey_app.questionnaire.loader import load_definition

from .test_kpis import OTHER_SURVEYS, ROOT, make_records

MEASURE = "police_good_job"


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire(ROOT / "questionnaires" / "community_confidence.yaml")


@pytest.fixture(scope="module")
def auxiliary():
    return load_auxiliary()


@pytest.fixture(scope="module")
def records(questionnaire):
    records = make_records(questionnaire, n=2400, seed=11)
    # Nobody from Manor in the latest quarter, and one person from Hale: both need the model alone.
    latest = max(quarter_of(r.submitted_at) for r in records)
    kept, hale = [], 0
    for r in records:
        ward = r.answers.get("ward")
        if quarter_of(r.submitted_at) == latest and ward == "manor":
            continue
        if quarter_of(r.submitted_at) == latest and ward == "hale":
            hale += 1
            if hale > 1:
                continue
        kept.append(r)
    return kept


def ward_codes(records, auxiliary, quarter: str) -> np.ndarray:
    """Each record's ward (its place in the auxiliary file) if it came in ``quarter``, else -1."""
    index = {c: k for k, c in enumerate(auxiliary.codes)}
    return np.array(
        [
            index.get(r.answers.get("ward"), -1) if quarter_of(r.submitted_at) == quarter else -1
            for r in records
        ]
    )


def direct_and_model(direct, auxiliary):
    """The direct estimates and the model fitted to the usable ones, as the page's rule says."""
    usable = np.array([d.n >= 2 and d.se > 0 for d in direct])
    fit = fay_herriot(
        np.where(usable, [d.estimate for d in direct], np.nan),
        np.where(usable, [d.se**2 for d in direct], np.nan),
        auxiliary.values,
    )
    return direct, fit


def test_the_auxiliary_file_has_every_ward_of_the_questionnaire(questionnaire, auxiliary):
    question = auxiliary.ward_question(questionnaire)
    assert question is not None and question.id == "ward"
    assert len(auxiliary.codes) == 21 and auxiliary.covariates == COVARIATES
    assert np.isfinite(auxiliary.values).all()


def test_ward_estimates_are_the_models_on_the_dashboards_direct_estimates(questionnaire, auxiliary, records):
    margins = load_margins()
    latest = max(quarter_of(r.submitted_at) for r in records)
    result = estimate_wards(questionnaire, records, margins, MEASURE, {latest}, auxiliary)
    question, measure = next((q, m) for q, m in questionnaire.measures if m.id == MEASURE)
    design = weighted_design(questionnaire, records, margins)
    y = outcome(records, question.id, set(measure.positive), set(measure.excluded_from_base))
    codes = ward_codes(records, auxiliary, latest)
    direct, fit = direct_and_model(estimate_proportions(design, y, codes, list(auxiliary.codes)), auxiliary)
    for row, d, area in zip(result.rows, direct, fit.areas, strict=True):
        assert row.n == d.n
        assert row.estimate == pytest.approx(area.estimate, rel=1e-12)
        assert row.ci_low == pytest.approx(max(area.ci_low, 0.0), rel=1e-12)
        assert row.kind == area.kind
        # The dashboard's rule: a base under 30 shows no survey estimate.
        assert (row.direct is None) == (d.n < 30)
        if row.direct is not None:
            assert (row.direct, row.direct_low, row.direct_high) == (d.estimate, d.ci_low, d.ci_high)
    rows = {row.ward: row for row in result.rows}
    assert rows["manor"].n == 0 and rows["manor"].kind == SYNTHETIC and rows["manor"].shrinkage == 0
    assert rows["hale"].n == 1 and rows["hale"].kind == SYNTHETIC
    assert sum(row.kind == MODEL for row in result.rows) == 19
    assert [r.estimate for r in result.ranked] == sorted((r.estimate for r in result.rows), reverse=True)
    assert result.n == int(
        np.sum(
            (codes >= -1) & ~np.isnan(y) & np.array([quarter_of(r.submitted_at) == latest for r in records])
        )
    )


def measure_is_the_police_question(questionnaire) -> bool:
    question, measure = next((q, m) for q, m in questionnaire.measures if m.id == MEASURE)
    return question.id == "police_rating" and set(measure.positive) == {"excellent", "good"}


def test_too_few_wards_with_responses_is_a_reason_not_a_failure(questionnaire, auxiliary, records):
    latest = max(quarter_of(r.submitted_at) for r in records)
    few = [
        r
        for r in records
        if quarter_of(r.submitted_at) != latest or r.answers.get("ward") in ("bowdon", "hale")
    ]
    with pytest.raises(WardModelError) as caught:
        estimate_wards(questionnaire, few, load_margins(), MEASURE, {latest}, auxiliary)
    assert caught.value.reason == WardModelError.TOO_FEW_WARDS


def test_a_survey_without_a_ward_question_has_no_ward_estimates(auxiliary):
    other = next(iter(sorted(OTHER_SURVEYS.glob("*.yaml"))))
    questionnaire = load_questionnaire(other)
    assert auxiliary.ward_question(questionnaire) is None
    with pytest.raises(WardModelError) as caught:
        estimate_wards(questionnaire, [], {}, "x", {"2026Q1"}, auxiliary)
    assert caught.value.reason == WardModelError.NO_WARD_QUESTION


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("ward,under_16_share,adult_growth\nhale,0.2,0.01\nhale,0.2,0.01\n", "one row per ward"),
        ("ward,under_16_share,adult_growth\nhale,0.2,lots\n", "needs a number"),
        ("ward,under_16_share\nhale,0.2\n", "needs a number"),
        ("ward,under_16_share,adult_growth\nhale,0.2,inf\n", "needs a number"),
        ("", "one row per ward"),
    ],
)
def test_a_bad_auxiliary_file_is_refused_with_a_reason(tmp_path, content, words):
    path = tmp_path / "aux.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InsightError, match=words):
        load_auxiliary(path)
    assert dataclasses.is_dataclass(load_auxiliary())


def test_an_average_measure_gets_ward_estimates_on_its_own_scale(questionnaire, auxiliary, records):
    definition = yaml.safe_load((ROOT / "questionnaires" / "community_confidence.yaml").read_text())
    definition["questions"].insert(
        0,
        {
            "id": "score",
            "type": "number",
            "title": "From 0 to 10, how safe do you feel?",
            "required": False,
            "min": 0,
            "max": 10,
            "measure": {"id": "safety_score", "label": "Safety score", "statistic": "mean"},
        },
    )
    scored = load_definition(definition, "community_confidence.yaml")
    rng = np.random.default_rng(4)
    answered = [
        dataclasses.replace(r, answers={**r.answers, "score": int(rng.integers(0, 11))}) for r in records
    ]
    latest = max(quarter_of(r.submitted_at) for r in answered)
    result = estimate_wards(scored, answered, load_margins(), "safety_score", {latest}, auxiliary)
    assert result.statistic == "mean"
    design = weighted_design(scored, answered, load_margins())
    y = np.array([float(r.answers["score"]) for r in answered])
    codes = ward_codes(answered, auxiliary, latest)
    _direct, fit = direct_and_model(estimate_means(design, y, codes, list(auxiliary.codes)), auxiliary)
    for row, area in zip(result.rows, fit.areas, strict=True):
        assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx(
            (area.estimate, area.ci_low, area.ci_high)
        )
    assert max(r.ci_high for r in result.rows) > 1  # an average of 0 to 10, not clipped to a share
