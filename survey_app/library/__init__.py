"""Questionnaires staff design in a spreadsheet (XLSForm): kept in the database, versioned,
published, and written out again. The files under questionnaires/ are the built-in ones."""

from __future__ import annotations

from flask import Flask


def init_library(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from ..staff.routes import SECTIONS, Section
    from . import (
        models,  # noqa: F401 - the table must be known to the migrations
        preview,
        routes,
    )

    app.register_blueprint(routes.bp)
    app.register_blueprint(preview.bp)
    section = Section(
        "questionnaires_admin.questionnaires",
        _l("Questionnaires"),
        _l(
            "Upload a survey designed in a spreadsheet, preview it in each language, publish it, and "
            "download any questionnaire to change it in Excel."
        ),
        frozenset({"admin"}),
    )
    if section.endpoint not in {known.endpoint for known in SECTIONS}:
        SECTIONS.append(section)
