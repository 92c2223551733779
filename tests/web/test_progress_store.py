"""Answers in progress: a survey's are decrypted once per saved answer, a report's every time."""

from __future__ import annotations

from survey_app.database import dispose_engines
from survey_app.extensions import db
from survey_app.survey import store
from tests.pages import Visitor
from tests.web.test_journey import begin, question_id
from tests.web.test_reports import HATE, HATE_ANSWERS


def test_a_survey_page_read_again_reuses_the_decrypted_answers_and_sees_each_new_answer(client):
    visitor = Visitor(client)
    first = begin(visitor)
    qid = question_id(first)
    second = visitor.submit(first, {qid: first.soup.select("input[type=radio]")[0]["value"]})
    before = store._decrypted_survey_answers.cache_info()
    visitor.get(second.url)
    visitor.get(second.url)
    after = store._decrypted_survey_answers.cache_info()
    assert after.hits - before.hits >= 1

    # The answer just saved shows when going back, whatever was kept.
    back = visitor.get(first.url)
    chosen = [radio["value"] for radio in back.soup.select("input[type=radio]") if radio.has_attr("checked")]
    assert chosen == [first.soup.select("input[type=radio]")[0]["value"]]
    changed = visitor.submit(back, {qid: first.soup.select("input[type=radio]")[1]["value"]})
    again = visitor.get(first.url)
    chosen = [radio["value"] for radio in again.soup.select("input[type=radio]") if radio.has_attr("checked")]
    assert changed.status == 200 and chosen == [first.soup.select("input[type=radio]")[1]["value"]]


def test_a_report_page_never_keeps_the_answers_decrypted(client):
    visitor = Visitor(client)
    page = visitor.submit(visitor.get(HATE))
    page = visitor.submit(page, {"reporter_role": HATE_ANSWERS["reporter_role"]})
    assert "/questions/" in page.url
    before = store._decrypted_survey_answers.cache_info()
    for _ in range(3):
        assert visitor.get(page.url).status == 200
    after = store._decrypted_survey_answers.cache_info()
    assert (after.hits, after.misses, after.currsize) == (before.hits, before.misses, before.currsize)


def test_letting_go_of_connections_empties_every_pool_the_pages_use(app, client):
    # After a fork, or before a database is restored, no pooled connection may be left: the
    # pages' one-statement connections (a pool of their own on PostgreSQL) included.
    visitor = Visitor(client)
    page = begin(visitor)
    assert visitor.get(page.url).status == 200
    with app.app_context():
        engines = {id(engine): engine for engine in (db.engine, app.extensions["one_statement_engine"])}
        assert sum(engine.pool.checkedin() for engine in engines.values()) >= 1
    dispose_engines(app)
    assert [engine.pool.checkedin() for engine in engines.values()] == [0] * len(engines)
