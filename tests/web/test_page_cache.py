"""Question pages drawn once and reused (survey/page_cache.py): each person still sees their own."""

from __future__ import annotations

from survey_app.survey import page_cache
from tests.pages import Visitor
from tests.web.test_journey import begin


def _token(page) -> str:
    return page.form_fields()["csrf_token"][0]


def test_a_reused_page_carries_each_persons_own_token(app):
    first, second = Visitor(app.test_client()), Visitor(app.test_client())
    page_a, page_b = begin(first), begin(second)
    # The same drawn page, each with the token of the session it was sent to.
    assert page_a.soup.select_one("h1").get_text() == page_b.soup.select_one("h1").get_text()
    assert _token(page_a) != _token(page_b)
    # Each person's token works for them, and one person's is refused in the other's session.
    stolen = {"csrf_token": _token(page_a), "police_rating": "good"}
    wrong = second.client.post(page_b.form_action(), data=stolen)
    assert wrong.status_code == 400
    answered = first.submit(page_a, {"police_rating": "good"})
    assert answered.status == 200 and "police_council_dealing" in answered.url


def test_a_reused_page_shows_this_persons_answer_in_their_language(client):
    visitor = Visitor(client)
    page = begin(visitor)
    url = page.url
    visitor.submit(page, {"police_rating": "poor"})
    back = visitor.get(url)
    assert back.soup.select_one('input[value="poor"]').has_attr("checked")
    assert not back.soup.select_one('input[value="good"]').has_attr("checked")

    other = Visitor(client.application.test_client())
    fresh = begin(other)
    assert not fresh.soup.select("input[checked]")

    polish = visitor.get(url + "?lang=pl")
    assert polish.soup.html["lang"] == "pl"
    assert polish.soup.select_one('input[value="poor"]').has_attr("checked")
    assert polish.soup.select_one("h1").get_text() != back.soup.select_one("h1").get_text()


def test_pages_with_typed_text_are_never_kept(client):
    visitor = Visitor(client)
    page = visitor.submit(visitor.get("/forms/incident"))
    marker = "words-only-this-person-typed-4471"
    typed_on = None
    for _step in range(40):
        form = page.soup.find("main").find_all("form")[-1]
        fields = sorted(
            {e["name"] for e in form.find_all(["input", "textarea"], attrs={"name": True})} - {"csrf_token"}
        )
        if "/check-answers" in page.url or not fields:
            break
        boxes = [name for name in fields if not page.choices(name)]
        answers = {name: page.choices(name)[0] for name in fields if page.choices(name)}
        answers.update({name: marker for name in boxes})
        answered = visitor.submit(page, answers)
        if answered.error_summary:
            break  # a box that wants a date or a number: other tests fill those in
        if boxes and typed_on is None:
            typed_on = page.url
        page = answered
    assert typed_on is not None, "the report form should have asked for some free text"
    # Shown again with what was typed in it, the page is drawn afresh and not kept.
    assert marker in visitor.get(typed_on).text()
    with client.application.app_context():
        kept = list(page_cache._pages()._pages.values())
    assert kept, "choice pages should have been kept"
    assert not any(marker in cached for cached in kept)
