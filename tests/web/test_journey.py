"""The resident's journey through the community confidence survey, page by page."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, SurveySession
from tests.pages import Page, Visitor

START = "/surveys/community_confidence"

# A respondent who uses Altrincham and describes themselves fully.
ANSWERS = {
    "police_rating": "good",
    "police_council_dealing": "tend_to_agree",
    "asb_problem": "not_very_big",
    "safe_day": "very_safe",
    "safe_dark": "bit_unsafe",
    "town_centre": "altrincham",
    "partnership_confidence": "fairly_confident",
    "ward": "hale",
    "age_band": "age_35_44",
    "sex": "female",
    "ethnic_group": "asian",
    "ethnic_background_asian": "pakistani",
}


def question_id(page: Page) -> str:
    """The question a page asks: the last part of its address, or on a reporting form (whose
    addresses are page numbers) the name of its answer's fields."""
    address = page.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    if not address.isdigit():
        return address
    forms = page.soup.find("main").find_all("form")
    names = {
        element["name"].split("-")[0]
        for form in forms
        for element in form.find_all(["input", "textarea"], attrs={"name": True})
    }
    names.discard("csrf_token")
    return names.pop() if len(names) == 1 else address


def begin(visitor: Visitor) -> Page:
    start = visitor.get(START)
    assert start.status == 200
    return visitor.submit(start)


def answer_all(visitor: Visitor, answers: dict[str, str]) -> Page:
    """Answer each question the survey shows until the check answers page."""
    page = begin(visitor)
    seen = []
    while "/questions/" in page.url:
        qid = question_id(page)
        seen.append(qid)
        assert qid in answers, f"unexpected question {qid}"
        page = visitor.submit(page, {qid: answers[qid]})
        assert page.status == 200
        assert len(seen) < 30
    return page


def stored_responses(app) -> list[Response]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Response).filter_by(source="web")))


def test_complete_journey_stores_one_response_with_every_answer(app, client):
    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    assert check.heading.endswith("Check your answers")
    text = check.text()
    for label in ("Good", "Tend to agree", "Altrincham", "Fairly confident", "Hale", "35 to 44", "Pakistani"):
        assert label in text

    confirmation = visitor.submit(check)
    assert confirmation.heading == "Answers sent"
    reference = confirmation.soup.find(id="reference").get_text(strip=True)
    assert reference.startswith("TS-")

    responses = stored_responses(app)
    assert len(responses) == 1
    response = responses[0]
    assert response.answers == ANSWERS
    assert response.reference == reference
    assert (response.questionnaire_id, response.questionnaire_version, response.language) == (
        "community_confidence",
        2,
        "en",
    )


def test_routing_skips_questions_that_do_not_apply(app, client):
    answers = {**ANSWERS, "town_centre": "other", "ethnic_group": "white", "ethnic_background_white": "irish"}
    del answers["partnership_confidence"], answers["ethnic_background_asian"]
    check = answer_all(Visitor(client), answers)
    assert "Organisations working together" not in check.text()
    Visitor(client).submit(check)
    assert stored_responses(app)[0].answers == answers


def test_missing_answer_shows_error_summary_and_keeps_earlier_answers(app, client):
    visitor = Visitor(client)
    first = begin(visitor)
    second = visitor.submit(first, {"police_rating": "fair"})
    error = visitor.submit(second)  # nothing chosen
    assert error.status == 200
    assert error.title.startswith("Error: ")
    message = (
        "Select how much you agree or disagree that the police and council are dealing "
        "with the issues that matter"
    )
    assert error.error_summary == [message]
    assert error.inline_errors == [message]
    assert error.soup.select_one(".govuk-error-summary__list a")["href"] == "#police_council_dealing"

    back = visitor.get(error.link_href("Back"))
    assert back.form_fields()["police_rating"] == ["fair"]


def test_refresh_and_back_show_saved_answer(app, client):
    visitor = Visitor(client)
    first = begin(visitor)
    second = visitor.submit(first, {"police_rating": "poor"})
    assert visitor.get(second.url).form_fields().get("police_council_dealing") is None
    again = visitor.get(first.url)
    assert again.form_fields()["police_rating"] == ["poor"]


def test_change_link_returns_to_check_answers(app, client):
    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    change = visitor.get(check.link_href("Change Police in this area"))
    assert change.link_href("Back").endswith("/check-answers")
    back_to_check = visitor.submit(change, {"police_rating": "excellent"})
    assert back_to_check.url.endswith("/check-answers")
    assert "Excellent" in back_to_check.text()


def test_change_that_opens_a_new_branch_asks_it_then_returns(app, client):
    visitor = Visitor(client)
    answers = {**ANSWERS, "town_centre": "other"}
    del answers["partnership_confidence"]
    check = answer_all(visitor, answers)
    change = visitor.get(check.link_href("Change Town centre used most"))
    new_question = visitor.submit(change, {"town_centre": "sale"})
    assert question_id(new_question) == "partnership_confidence"
    check_again = visitor.submit(new_question, {"partnership_confidence": "very_confident"})
    assert check_again.url.endswith("/check-answers")
    visitor.submit(check_again)
    assert stored_responses(app)[0].answers["partnership_confidence"] == "very_confident"


def test_submitting_twice_creates_one_response(app, client):
    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    first = visitor.submit(check)
    second = visitor.submit(check)  # the same form again, as after pressing back
    assert first.heading == second.heading == "Answers sent"
    assert len(stored_responses(app)) == 1
    with app.app_context():
        session_row = db.session.scalars(sa.select(SurveySession)).one()
        assert session_row.answers == {}  # the answers now live only in the response


def test_questions_cannot_be_skipped_by_url(app, client):
    visitor = Visitor(client)
    begin(visitor)
    page = visitor.get(f"{START}/questions/ward")
    assert question_id(page) == "police_rating"
    assert visitor.get(f"{START}/check-answers").url.endswith("/questions/police_rating")


def test_pages_without_a_started_survey_go_to_the_start(client):
    page = Visitor(client).get(f"{START}/questions/police_rating")
    assert page.url.endswith(START)


def test_restarted_server_keeps_answers(app, client, database_url):
    from tests.conftest import make_app

    visitor = Visitor(client)
    first = begin(visitor)
    visitor.submit(first, {"police_rating": "good"})
    restarted = make_app(database_url).test_client()
    restarted.set_cookie("sts_session", client.get_cookie("sts_session").value)
    page = Visitor(restarted).get(first.url)
    assert page.form_fields()["police_rating"] == ["good"]


def test_idle_survey_is_deleted_and_says_so(app, client):
    visitor = Visitor(client)
    first = begin(visitor)
    visitor.submit(first, {"police_rating": "good"})
    with app.app_context():
        row = db.session.scalars(sa.select(SurveySession)).one()
        row.updated_at = row.updated_at - dt.timedelta(minutes=app.config["SURVEY_IDLE_MINUTES"] + 1)
        db.session.commit()
    page = visitor.get(first.url)
    assert page.heading == "Your answers have been deleted"
    with app.app_context():
        assert db.session.scalars(sa.select(SurveySession)).all() == []
    restarted = visitor.submit(page)
    assert question_id(restarted) == "police_rating"
    assert restarted.form_fields().get("police_rating") is None


def test_purge_removes_only_idle_surveys(app, client):
    from survey_app.survey.store import purge_expired

    idle, active = Visitor(client), Visitor(app.test_client())
    visitor_page = begin(idle)
    idle.submit(visitor_page, {"police_rating": "good"})
    begin(active)
    with app.app_context():
        rows = db.session.scalars(sa.select(SurveySession).order_by(SurveySession.started_at)).all()
        rows[0].updated_at -= dt.timedelta(days=3)
        db.session.commit()
        assert purge_expired() == 1
        assert len(db.session.scalars(sa.select(SurveySession)).all()) == 1


def test_two_submits_at_the_same_moment_store_one_response(app, client):
    import threading

    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    cookie = client.get_cookie("sts_session").value
    data = check.form_fields()
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def press_send() -> None:
        own = app.test_client()
        own.set_cookie("sts_session", cookie)
        barrier.wait()
        statuses.append(own.post(check.url, data=data).status_code)

    threads = [threading.Thread(target=press_send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 4
    assert len(stored_responses(app)) == 1
