"""A report's status in the words the person who reported reads on the check pages."""

from __future__ import annotations

from flask_babel import gettext as _

from ..reports.models import Report


def reporter_status(report: Report) -> tuple[str, str]:
    """A short status and a sentence saying what it means, for the person who reported.

    A report held as a possible flood reads as received, and one discarded as closed: how the
    service sorts reports is not the person's concern.
    """
    status = report.status
    if status in ("new",) or report.held:
        return _("Received"), _("We have your report. A caseworker will read it soon.")
    if status == "in_review":
        return _("Being looked at"), _("A caseworker is looking at your report.")
    if status == "referred_police":
        return _("Passed to the police"), _("A caseworker has passed your report to the police.")
    if status == "referred_support":
        return _("Passed to a support service"), _(
            "A caseworker has passed your report to a support service."
        )
    return _("Closed"), _(
        "We have finished working on your report. If something else happens, you can make a new report."
    )
