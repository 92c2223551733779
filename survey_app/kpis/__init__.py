"""The board's quarterly performance report: the strategy's KPIs, recorded crime from the police's
files, figures entered by data owners, exact statistics for counts, dashboards and the board paper."""

from __future__ import annotations

from flask import Flask


def init_kpis(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from ..staff.routes import LANDINGS, SECTIONS, Section
    from . import (
        admin,
        entry,
        models,  # noqa: F401 - the tables must be known to the migrations
        routes,
    )

    app.register_error_handler(routes.RegisterUnusable, routes.register_unusable)
    app.register_blueprint(routes.bp)
    app.register_blueprint(entry.bp)
    app.register_blueprint(admin.bp)
    sections = [
        Section(
            "kpis.overview",
            _l("Strategy KPIs"),
            _l(
                "The seven KPIs of the strategy for any quarter: each figure with its interval, baseline, "
                "target and status, the two sub-group dashboards and the board paper."
            ),
            frozenset({"analyst", "admin", "data_owner"}),
        ),
        Section(
            "kpi_entry.figures",
            _l("Enter KPI figures"),
            _l("Enter or correct your KPIs' figures for a quarter, or upload several quarters at once."),
            frozenset({"data_owner", "admin"}),
        ),
        Section(
            "kpi_entry.crime",
            _l("Recorded crime files"),
            _l("Import the police's monthly street-level crime files for the crime KPI."),
            frozenset({"analyst", "admin"}),
        ),
        Section(
            "kpi_admin.register_page",
            _l("KPI register"),
            _l(
                "Change a KPI's wording, owner, baseline or target, and choose who enters each KPI's figures."
            ),
            frozenset({"admin"}),
        ),
    ]
    LANDINGS["data_owner"] = "kpi_entry.figures"
    known = {section.endpoint for section in SECTIONS}
    SECTIONS.extend(section for section in sections if section.endpoint not in known)
