"""A small page-following client: submit a page's own forms, follow its own links.

Journey tests drive the service the way a person does, so that a broken link
or a form posting to the wrong place fails a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


@dataclass
class Page:
    url: str
    response: TestResponse

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.response.get_data(as_text=True), "html.parser")

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def title(self) -> str:
        return self.soup.title.get_text(" ", strip=True)

    @property
    def heading(self) -> str:
        return self.soup.find("h1").get_text(" ", strip=True)

    @property
    def error_summary(self) -> list[str]:
        summary = self.soup.select(".govuk-error-summary__list a")
        return [link.get_text(" ", strip=True) for link in summary]

    @property
    def inline_errors(self) -> list[str]:
        return [
            e.get_text(" ", strip=True).removeprefix("Error:").strip()
            for e in self.soup.select(".govuk-error-message")
        ]

    def text(self) -> str:
        return self.soup.find("main").get_text(" ", strip=True)

    def link_href(self, text: str) -> str:
        for link in self.soup.find_all("a"):
            if link.get_text(" ", strip=True).startswith(text):
                return link["href"]
        raise AssertionError(f"no link {text!r} on {self.url}")

    def form_fields(self) -> dict[str, list[str]]:
        """The values the page's main form would send as it stands."""
        form = self._form()
        fields: dict[str, list[str]] = {}
        for element in form.find_all(["input", "textarea", "select"]):
            name = element.get("name")
            if not name:
                continue
            kind = element.get("type", "text")
            if kind in ("radio", "checkbox"):
                if element.has_attr("checked"):
                    fields.setdefault(name, []).append(element.get("value", "on"))
                continue
            value = element.get_text() if element.name == "textarea" else element.get("value", "")
            fields.setdefault(name, []).append(value)
        return fields

    def choices(self, name: str) -> list[str]:
        return [
            i["value"]
            for i in self._form().find_all("input", attrs={"name": name})
            if i.get("type") in ("radio", "checkbox")
        ]

    def _form(self):
        forms = self.soup.find("main").find_all("form")
        if not forms:
            raise AssertionError(f"no form on {self.url}")
        return forms[-1]

    def form_action(self) -> str:
        return urljoin(self.url, self._form().get("action") or self.url)


class Visitor:
    """One person with one browser session."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, follow: bool = True) -> Page:
        response = self.client.get(url)
        while follow and response.status_code in (301, 302, 303):
            url = urljoin(url, response.location)
            response = self.client.get(url)
        return Page(url, response)

    def submit(
        self, page: Page, answers: dict[str, str | list[str]] | None = None, follow: bool = True
    ) -> Page:
        """Send the page's form with its hidden fields and these answers."""
        data = page.form_fields()
        for name, value in (answers or {}).items():
            data[name] = value if isinstance(value, list) else [value]
        action = page.form_action()
        response = self.client.post(action, data=data)
        url = action
        while follow and response.status_code in (301, 302, 303):
            url = urljoin(url, response.location)
            response = self.client.get(url)
        return Page(url, response)
