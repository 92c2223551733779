"""Answers saved to one survey at the same moment (two tabs, a double tap) are all kept."""

from __future__ import annotations

import threading

import pytest

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.registry import get_published
from survey_app.survey import held, store
from tests.pages import Visitor
from tests.web.test_journey import ANSWERS, answer_all, begin

SURVEY = "community_confidence"


def token_of(client) -> str:
    with client.application.test_request_context():
        key = held.key_for(SURVEY)
    with client.session_transaction() as session:
        return session["surveys"][key]


def test_an_answer_saved_onto_answers_read_before_another_was_saved_keeps_both(app, client):
    begin(Visitor(client))
    token = token_of(client)
    with app.app_context():
        questionnaire = get_published(SURVEY).questionnaire
        read_by_both = store.load(token, questionnaire)
        store.save_answer(read_by_both, questionnaire, "police_rating", "good", "en")
        store.save_answer(read_by_both, questionnaire, "police_council_dealing", "tend_to_agree", "pl")
        now = store.load(token, questionnaire)
    assert now.answers == {"police_rating": "good", "police_council_dealing": "tend_to_agree"}
    assert now.revision == 2 and now.language == "pl"


def test_an_answer_saved_after_the_survey_was_deleted_is_not_brought_back(app, client):
    begin(Visitor(client))
    token = token_of(client)
    with app.app_context():
        questionnaire = get_published(SURVEY).questionnaire
        progress = store.load(token, questionnaire)
        store.forget([progress.token_hash])
        with pytest.raises(store.Expired):
            store.save_answer(progress, questionnaire, "police_rating", "good", "en")
        assert store.load(token, questionnaire) is None


def test_two_pages_posted_at_the_same_moment_both_keep_their_answer(app, monkeypatch):
    """Both requests read the answers before either saves: the read-modify-write that lost one."""
    opened = store._opened
    both_read = threading.Barrier(2, timeout=10)
    waiting = {"left": 0}

    def opened_then_wait(sealed, questionnaire):
        answers = opened(sealed, questionnaire)
        if waiting["left"] > 0:
            waiting["left"] -= 1
            both_read.wait()
        return answers

    monkeypatch.setattr(store, "_opened", opened_then_wait)
    for trial in range(5):
        first = app.test_client()
        page = begin(Visitor(first))
        Visitor(first).submit(page, {"police_rating": "poor"})
        second = app.test_client()
        second.set_cookie("sts_session", first.get_cookie("sts_session").value)
        token = Visitor(first).get("/surveys/community_confidence/questions/police_council_dealing")
        csrf = token.form_fields()["csrf_token"][0]
        both_read.reset()
        waiting["left"] = 2
        results = {}

        def post(client, url, data, name, results=results, csrf=csrf):
            results[name] = client.post(url, data={"csrf_token": csrf, **data}).status_code

        change_first = (first, page.url + "?change=1", {"police_rating": "good"}, "a")
        answer_second = (second, token.url, {"police_council_dealing": "tend_to_agree"}, "b")
        threads = [threading.Thread(target=post, args=args) for args in (change_first, answer_second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert results == {"a": 302, "b": 302}, (trial, results)
        with app.app_context():
            saved = store.load(token_of(first), get_published(SURVEY).questionnaire).answers
        assert saved == {"police_rating": "good", "police_council_dealing": "tend_to_agree"}, trial


def test_answers_changed_after_the_check_page_was_read_are_not_sent_stale(app, client):
    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    token = token_of(client)
    with app.app_context():
        published = get_published(SURVEY)
        questionnaire = published.questionnaire
        read_for_sending = store.load(token, questionnaire)
        store.save_answer(read_for_sending, questionnaire, "police_rating", "very_poor", "en")
        with pytest.raises(store.Changed):
            store.submit(read_for_sending, published, "en")
        db.session.rollback()
        assert store.load(token, questionnaire).answers["police_rating"] == "very_poor"
    # Sent from the page, the answers as they are now go.
    sent = visitor.submit(visitor.get(check.url))
    assert sent.url.endswith("/confirmation")
    with app.app_context():
        assert [r.answers["police_rating"] for r in db.session.query(Response)] == ["very_poor"]


def test_an_answer_posted_after_the_survey_was_sent_leads_to_its_confirmation(app, client):
    visitor = Visitor(client)
    check = answer_all(visitor, ANSWERS)
    question = visitor.get("/surveys/community_confidence/questions/police_rating?change=1")
    visitor.submit(check)
    after = visitor.submit(question, {"police_rating": "excellent"})
    assert after.url.endswith("/confirmation") and after.status == 200
