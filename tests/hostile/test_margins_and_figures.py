"""Population margins that pass every check of the file but that no weights can meet, and any other
failure to work out the figures.

Such a file once went into use, and then every insight page failed with a server error. Now it is
refused at upload, with a line saying what is wrong and what to do, and nothing is stored; and if
the figures cannot be worked out all the same (responses that came in after the upload, or a fault),
each insight page explains, in the reader's language, with a 503.
"""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.insight import service
from survey_app.insight.models import MarginsFile
from survey_app.staff.models import User
from tests.conftest import PROJECT_ROOT
from tests.pages import Page
from tests.web.test_insight import margins_upload, seed
from tests.web.test_triage import get, staff_client

SURVEY = "/staff/insight/community_confidence"
SHIPPED = (PROJECT_ROOT / "data" / "population_margins.csv").read_text(encoding="utf-8")
# Every page that shows figures, and every download made from them.
FIGURE_PAGES = [
    SURVEY,
    f"{SURVEY}?period=last4",
    f"{SURVEY}/chart.svg",
    f"{SURVEY}/wards",
    f"{SURVEY}/wards/chart.svg",
    f"{SURVEY}/weighting",
    f"{SURVEY}/board-pack",
    f"{SURVEY}/board-pack.csv",
    f"{SURVEY}/board-pack.xlsx",
    f"{SURVEY}/board-pack.pdf",
    f"{SURVEY}/export",
    f"{SURVEY}/export/responses.csv",
    f"{SURVEY}/quality",
]
UNAVAILABLE = "The figures cannot be shown"


def margins(counts: dict[str, dict[str, float]]) -> bytes:
    """The shipped file with the counts of some variables replaced (each category given, or 1)."""
    rows = list(csv.DictReader(io.StringIO(SHIPPED)))
    for row in rows:
        if row["variable"] in counts:
            row["population_count"] = repr(counts[row["variable"]].get(row["category"], 1.0))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def ward_names() -> list[str]:
    return [row["category"] for row in csv.DictReader(io.StringIO(SHIPPED)) if row["variable"] == "ward"]


def almost_everyone_young_and_female(people: float = 1e12) -> bytes:
    """Nearly the whole population aged 16 to 24 and female: the few young women who answered would
    have to stand for everyone, which raking cannot reach. Every total agrees."""
    wards = ward_names()
    total = people + 5  # five other age bands of 1 each
    return margins(
        {
            "age_band": {"age_16_24": people},
            "sex": {"female": total - 1},
            "ward": {ward: total / len(wards) for ward in wards},
        }
    )


def too_many_to_count() -> bytes:
    """Counts whose totals are larger than a float holds: they add up to infinity."""
    categories = [
        *ward_names(),
        "age_16_24",
        "age_25_34",
        "age_35_44",
        "age_45_54",
        "age_55_64",
        "age_65_plus",
        "female",
        "male",
    ]
    return margins({variable: dict.fromkeys(categories, 1e307) for variable in ("age_band", "sex", "ward")})


def stored_margins(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(MarginsFile.filename).order_by(MarginsFile.id)))


@pytest.fixture
def admin(app):
    seed(app, 400)
    return staff_client(app, "admin@example.org", "admin", "analyst")


@pytest.mark.parametrize(
    "content", [almost_everyone_young_and_female(), almost_everyone_young_and_female(1e8)]
)
def test_margins_no_weights_can_meet_are_refused_at_upload_and_nothing_changes(app, admin, content):
    before = get(admin, SURVEY)
    assert before.status == 200
    refused = Page("/staff/margins", margins_upload(admin, content, "young.csv"))
    assert refused.status == 400
    (message,) = refused.error_summary
    assert message.startswith("The responses so far cannot be weighted to these figures (")
    assert "Check that each figure is the number of residents in its group" in message
    assert stored_margins(app) == []
    for page in FIGURE_PAGES:
        assert admin.get(page).status_code == 200, page


def test_counts_too_large_to_add_up_are_refused_even_before_any_response(app):
    admin = staff_client(app, "admin@example.org", "admin")
    refused = Page("/staff/margins", margins_upload(admin, too_many_to_count()))
    assert refused.status == 400
    assert any(
        message.startswith("The variables do not add up to the same population")
        for message in refused.error_summary
    )
    assert stored_margins(app) == []


def test_margins_are_taken_without_responses_to_try_them_on(app):
    admin = staff_client(app, "admin@example.org", "admin")
    accepted = margins_upload(admin, almost_everyone_young_and_female(), "early.csv")
    assert accepted.status_code == 302
    assert stored_margins(app) == ["early.csv"]


def use_margins(app, content: bytes, filename: str) -> None:
    """Margins put in use as an upload would, as if responses that came in since made them unusable."""
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.email == "admin@example.org"))
        db.session.execute(sa.update(MarginsFile).values(active=False))
        db.session.add(
            MarginsFile(
                filename=filename,
                content=content.decode(),
                checksum="0" * 64,
                uploaded_by_id=admin_id,
                active=True,
            )
        )
        db.session.commit()


def test_every_figure_page_explains_when_the_margins_in_use_cannot_be_met(app, admin):
    use_margins(app, almost_everyone_young_and_female(), "young.csv")
    for url in FIGURE_PAGES:
        page = get(admin, url)
        assert page.status == 503, url
        assert page.heading == UNAVAILABLE, url
        reason = page.soup.find(id="reason").get_text(" ", strip=True)
        assert reason.startswith(
            "The responses cannot be weighted to the population margins in use (young.csv):"
        ), url
        assert page.link_href("Population margins") == "/staff/margins"
    # The administrator puts it right from the margins page, which still works.
    assert get(admin, "/staff/margins").status == 200
    token = get(admin, "/staff/margins").form_fields()["csrf_token"][0]
    assert admin.post("/staff/margins/default", data={"csrf_token": token}).status_code == 302
    assert get(admin, SURVEY).status == 200


def test_the_explanation_is_in_the_readers_language(app, admin):
    use_margins(app, almost_everyone_young_and_female(), "young.csv")
    english = get(admin, SURVEY)
    admin.set_cookie("sts_lang", "pl")
    polish = get(admin, SURVEY)
    assert polish.status == 503
    assert polish.soup.html["lang"] == "pl"
    assert polish.heading != english.heading
    assert "young.csv" in polish.soup.find(id="reason").get_text()


def test_an_analyst_without_the_admin_role_is_told_who_can_fix_it(app, admin):
    use_margins(app, almost_everyone_young_and_female(), "young.csv")
    analyst = staff_client(app, "analyst@example.org", "analyst")
    page = get(analyst, SURVEY)
    assert page.status == 503
    assert "An administrator can upload corrected margins" in page.text()
    assert page.soup.find("a", href="/staff/margins") is None


def test_any_other_failure_working_out_the_figures_explains_too(app, admin, monkeypatch):
    def broken(*args, **kwargs):
        raise FloatingPointError("overflow in a variance")

    monkeypatch.setattr(service, "compute_kpis", broken)
    page = get(admin, SURVEY)
    assert page.status == 503
    assert page.heading == UNAVAILABLE
    assert "Something went wrong while working out the figures" in page.text()
    assert "overflow" not in page.text()
