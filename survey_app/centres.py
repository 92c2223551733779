"""The reporting centres with kiosks, read from a small YAML file at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import Flask, current_app

from .config import ConfigurationError

_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Centre:
    id: str
    name: str


def load_centres(path: Path) -> dict[str, Centre]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"{path}: cannot read the reporting centres ({error})") from None
    centres: dict[str, Centre] = {}
    for number, entry in enumerate(data.get("centres") or [], start=1):
        if not isinstance(entry, dict) or not _ID.match(str(entry.get("id", ""))) or not entry.get("name"):
            raise ConfigurationError(
                f"{path}: centre {number} needs an id (lower-case letters, digits and dashes) and a name"
            )
        if entry["id"] in centres:
            raise ConfigurationError(f"{path}: the centre id {entry['id']!r} is used twice")
        centres[entry["id"]] = Centre(entry["id"], str(entry["name"]))
    return centres


def init_centres(app: Flask) -> None:
    path = Path(
        app.config.get("REPORTING_CENTRES_FILE")
        or Path(app.root_path).parent / "config" / "reporting_centres.yaml"
    )
    app.extensions["centres"] = load_centres(path)


def all_centres() -> dict[str, Centre]:
    return current_app.extensions["centres"]
