"""Triage of reports by caseworkers, the audit trail of every look at one, counts, and retention."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from . import models  # noqa: F401 - the tables must be known to the migrations


def init_triage(app: Flask) -> None:
    from ..staff.routes import SECTIONS, Section
    from . import casework, subject_access  # noqa: F401 - their routes join the blueprint
    from .routes import bp

    app.register_blueprint(bp)
    # The staff home lists these for the roles that can use them (once, however many apps are made).
    sections = [
        Section(
            "triage.queue",
            _l("Reports"),
            _l("The queue of hate crime and domestic abuse reports: read, refer and close them."),
            frozenset({"caseworker"}),
        ),
        Section(
            "triage.counts",
            _l("Report counts"),
            _l("How many reports there are, by form, strand, centre and month. No personal data."),
            frozenset({"caseworker", "analyst", "admin"}),
        ),
        Section(
            "triage.subject_access_search",
            _l("Subject access requests"),
            _l("Export everything held about one report, or erase it at the person's request."),
            frozenset({"admin"}),
        ),
        Section(
            "triage.audit_log",
            _l("Audit log"),
            _l("Who opened, changed or exported which report, and when."),
            frozenset({"admin"}),
        ),
    ]
    known = {section.endpoint for section in SECTIONS}
    SECTIONS.extend(section for section in sections if section.endpoint not in known)
