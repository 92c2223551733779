"""The translation catalogs: up to date, complete, and faithful to every placeholder.

CI fails here when someone adds text without running `make translations`,
when a catalog has an untranslated or fuzzy entry, or when a translation
drops, adds or renames a placeholder.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# %(name)s / %(name)d for Python, %{count} for GOV.UK Frontend's script.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%\{[a-z]+\}")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "standard:1c,2",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-c",
            "Translators:",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    assert fresh.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8"), (
        "translations/messages.pot is out of date: run `make translations`"
    )


def test_every_census_language_has_a_catalog():
    expected = {"ur", "pl", "ar", "zh_Hant", "zh_Hans", "pa", "fa", "ml", "es", "gu"}
    assert expected <= {path.parent.parent.name for path in CATALOGS}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_complete_and_faithful(path):
    template = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in _read(TEMPLATE) if m.id}
    catalog = _read(path)
    problems = []
    seen = set()
    for message in catalog:
        if not message.id:
            continue
        singular = message.id if isinstance(message.id, str) else message.id[0]
        key = (message.context, singular)
        seen.add(key)
        where = f"{message.context or ''} {singular!r}"
        if message.fuzzy:
            problems.append(f"fuzzy: {where}")
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if any(not s for s in strings):
            problems.append(f"untranslated: {where}")
            continue
        if len(strings) != catalog.num_plurals and isinstance(message.id, tuple | list):
            problems.append(f"wrong number of plural forms: {where}")
        english = message.id if isinstance(message.id, tuple | list) else (message.id,)
        wanted = _placeholders(english[-1])
        for text in strings:
            found = _placeholders(text)
            # A plural form for exactly one thing may leave out the number.
            if found != wanted and not (isinstance(message.id, tuple | list) and set(found) < set(wanted)):
                problems.append(f"placeholders {found} instead of {wanted}: {where}")
    missing = template - seen
    problems += [f"missing: {context or ''} {msgid!r}" for context, msgid in sorted(missing)]
    assert not problems, f"{path.relative_to(PROJECT_ROOT)}:\n" + "\n".join(problems[:50])
