"""Staff insight: weighted KPI estimates built on `analysis/` (issue 6).

`kpis`, `targets`, `margins`, `charts` and `exports` are plain Python (no Flask); `service`
loads and caches the figures, `routes` and `admin` are the staff pages.
"""

from typing import Any

from .kpis import (
    DEFAULT_MARGINS_PATH,
    DEFAULT_SUPPRESS_BELOW,
    UNKNOWN,
    KpiEstimate,
    KpiResults,
    ResponseRecord,
    WeightingSummary,
    breakdowns,
    compute_kpis,
    load_margins,
    quarter_of,
)

__all__ = [
    "DEFAULT_MARGINS_PATH",
    "DEFAULT_SUPPRESS_BELOW",
    "UNKNOWN",
    "KpiEstimate",
    "KpiResults",
    "ResponseRecord",
    "WeightingSummary",
    "breakdowns",
    "compute_kpis",
    "load_margins",
    "quarter_of",
]


def init_insight(app: Any) -> None:
    """Register the insight and survey administration pages, and list them on the staff home."""
    from flask_babel import lazy_gettext as _l

    from ..staff.routes import LANDINGS, SECTIONS, Section
    from . import admin, models, routes  # noqa: F401 - models: the tables must be known to the migrations

    app.register_blueprint(routes.bp)
    app.register_blueprint(admin.bp)
    sections = [
        Section(
            "insight.index",
            _l("Confidence dashboard"),
            _l(
                "Weighted confidence estimates with intervals, trends, the targets, the board pack and "
                "exports."
            ),
            frozenset({"analyst"}),
        ),
        Section(
            "surveys_admin.surveys",
            _l("Surveys"),
            _l(
                "Open and close surveys, see versions and response counts, and get poster links and QR codes."
            ),
            frozenset({"admin"}),
        ),
        Section(
            "surveys_admin.margins",
            _l("Population margins"),
            _l("The population figures the estimates are weighted to, and uploading new ones."),
            frozenset({"admin"}),
        ),
    ]
    LANDINGS["analyst"] = "insight.index"
    known = {section.endpoint for section in SECTIONS}
    SECTIONS.extend(section for section in sections if section.endpoint not in known)
