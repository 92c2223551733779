"""Every script drawn with real glyphs, Urdu headings with room for Nastaliq, and device-fit hints."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import PHONE

# Draws two different characters in an element's own font and says whether they look different:
# a script with no font shows every character as the same empty box.
_DISTINCT_GLYPHS = """([selector, first, second]) => {
  const element = document.querySelector(selector);
  const style = getComputedStyle(element);
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const context = canvas.getContext("2d");
    context.font = `32px ${style.fontFamily}`;
    context.fillText(text, 8, 44);
    return Array.from(context.getImageData(0, 0, 64, 64).data).join(",");
  };
  return draw(first) !== draw(second);
}"""


@pytest.mark.parametrize(
    ("lang", "first", "second"),
    [
        ("zh_Hant", "警", "察"),
        ("zh_Hans", "警", "区"),
        ("ur", "پ", "ل"),
        ("gu", "પ", "લ"),
        ("ml", "പ", "ല"),
        ("pa", "ਪ", "ਲ"),
    ],
)
def test_each_language_is_drawn_with_real_glyphs(phone: Page, live_server, lang, first, second):
    phone.goto(f"{live_server.url}/surveys/community_confidence?lang={lang}")
    assert phone.evaluate(_DISTINCT_GLYPHS, ["h1", first, second]), f"{lang} shows empty boxes"
    # The language switcher, on every page, names each language in its own script.
    assert phone.evaluate(_DISTINCT_GLYPHS, [".app-language-switcher", "中", "文"])


def test_urdu_headings_have_the_line_height_nastaliq_needs(phone: Page, live_server):
    phone.goto(f"{live_server.url}/surveys/community_confidence?lang=ur")
    phone.locator("main form button").click()
    heading = phone.locator("h1").first
    ratio = heading.evaluate(
        "e => parseFloat(getComputedStyle(e).lineHeight) / parseFloat(getComputedStyle(e).fontSize)"
    )
    assert ratio >= 2.19
    lines = heading.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); return r.getClientRects().length }"
    )
    assert lines >= 2, "the question should wrap at phone width, to test the space between its lines"


def _shift_hint_visible(browser: Browser, live_server, url_path: str, **context: object) -> bool:
    page_context = browser.new_context(**context)
    try:
        page = page_context.new_page()
        page.goto(f"{live_server.url}{url_path}")
        if url_path.startswith("/kiosk"):
            page.goto(f"{live_server.url}/forms/support")
        return page.locator(".app-keyboard-only").is_visible()
    finally:
        page_context.close()


def test_the_shift_key_hint_shows_only_where_a_keyboard_is_likely(browser: Browser, live_server):
    desktop = {"viewport": {"width": 1366, "height": 900}}
    assert _shift_hint_visible(browser, live_server, "/forms/support", **desktop)
    assert not _shift_hint_visible(browser, live_server, "/forms/support", **PHONE)
    # A kiosk is a touch screen, even where its browser reports a mouse.
    assert not _shift_hint_visible(browser, live_server, "/kiosk/partington", **desktop)
