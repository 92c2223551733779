"""Staff insight: weighted KPI estimates built on `analysis/` (issue 6).

`kpis` is plain Python (no Flask): it takes a questionnaire, response records and population
margins, and returns dataclasses that the staff pages, the board pack and the exports render.
"""

from .kpis import (
    BREAKDOWNS,
    DEFAULT_MARGINS_PATH,
    DEFAULT_SUPPRESS_BELOW,
    UNKNOWN,
    KpiEstimate,
    KpiResults,
    ResponseRecord,
    WeightingSummary,
    compute_kpis,
    load_margins,
    quarter_of,
)

__all__ = [
    "BREAKDOWNS",
    "DEFAULT_MARGINS_PATH",
    "DEFAULT_SUPPRESS_BELOW",
    "UNKNOWN",
    "KpiEstimate",
    "KpiResults",
    "ResponseRecord",
    "WeightingSummary",
    "compute_kpis",
    "load_margins",
    "quarter_of",
]
