"""Static files with their content hash in the URL, so phones can cache them for a year.

`url_for('static', filename=...)` adds `?v=<hash of the file>`; a request that
carries it is answered with an immutable cache header. A changed file gets a
new hash, so a deployment is picked up at once.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def _file_hash(path: str, modified: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(static_folder: str, filename: str) -> str | None:
    path = Path(static_folder) / filename
    try:
        return _file_hash(str(path), path.stat().st_mtime)
    except OSError:
        return None


def init_assets(app: Flask) -> None:
    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app.static_folder or "", values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_versioned(response: Response) -> Response:
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
