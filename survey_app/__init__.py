"""Safer Trafford Surveys: the web application.

`create_app` is imported lazily so that the pure parts (the questionnaire
model) can be used without loading Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from .factory import create_app as _create_app

    return _create_app(overrides)
