"""Headless Chromium, at phone size, against the app served on a real socket.

Every test in this folder is marked `browser`, so `pytest -m "not browser"`
leaves them out. They need Debian's Chromium (`make browser`) and the built
assets (`npm run build`); Playwright's own browser download is not used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PROJECT_ROOT, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BUILT_CSS = PROJECT_ROOT / "survey_app" / "static" / "dist" / "app.css"

# A mid-sized phone (an iPhone 12 to 15 in portrait).
PHONE_WIDTH = 390
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
}

# Collects what the browser itself complains about, from the first document on.
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    app: Flask


@dataclass
class BrowserLog:
    """Console errors (CSP violations among them) and uncaught exceptions seen by one page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Any) -> None:
        self.page_errors.append(str(error))

    @property
    def problems(self) -> list[str]:
        return [*self.console_errors, *self.page_errors]


_LOGS: dict[int, BrowserLog] = {}


def browser_log(page: Page) -> BrowserLog:
    """What the browser reported on this page (a page from the `phone` fixtures)."""
    return _LOGS[id(page)]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not BUILT_CSS.exists():
        pytest.fail(f"{BUILT_CSS.relative_to(PROJECT_ROOT)} is missing: run `npm run build` first")
    database = tmp_path_factory.mktemp("browser-db") / "browser.sqlite3"
    app = make_app(f"sqlite:///{database}")
    # One line per request and asset would bury a failure's own output.
    requests_log = logging.getLogger("werkzeug")
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        requests_log.setLevel(level)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` to install Debian's Chromium")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


def _phone_page(browser: Browser, **options: Any) -> Iterator[Page]:
    context = browser.new_context(**PHONE, **options)
    context.set_default_timeout(10_000)
    context.add_init_script(_WATCH_CSP)
    page = context.new_page()
    log = BrowserLog()
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)
    _LOGS[id(page)] = log
    try:
        yield page
    finally:
        del _LOGS[id(page)]
        context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized page: a new context each test, so no cookies carry over."""
    yield from _phone_page(browser)


@pytest.fixture
def phone_without_js(browser: Browser) -> Iterator[Page]:
    yield from _phone_page(browser, java_script_enabled=False)


# ---------------------------------------------------------------------------
# Accessibility
# ---------------------------------------------------------------------------
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()


def _describe(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']}", f"  {violation['helpUrl']}"]
    lines += [f"    {target}" for target in targets]
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail, listing each problem and where it is, if axe finds any WCAG 2.2 A/AA or best-practice issue."""
    violations = _axe.run(page, options=AXE_OPTIONS).response["violations"]
    if violations:
        found = "\n".join(_describe(v) for v in violations)
        pytest.fail(
            f"axe found {len(violations)} accessibility problem(s) on {page.url}:\n{found}", pytrace=False
        )


def csp_violations(page: Page) -> list[str]:
    """Content-Security-Policy violations the current document has reported (JavaScript on only)."""
    return page.evaluate("window.__cspViolations || []")
